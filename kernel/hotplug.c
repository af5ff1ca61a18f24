// SPDX-License-Identifier: GPL-2.0
/*
 * hotplug.c - what devices exist, what devtmpfs calls them, when they go
 *
 * Names: devtmpfs names a node after the device's devnode (DEVNAME in its
 * uevent) and gives it DEVMODE. The module reads exactly that, through a
 * private internal mount of sysfs (/sys/dev/{char,block}/MAJ:MIN/uevent),
 * so that neither the caller's mount namespace nor its /sys can lie.
 *
 * Removal: class interfaces on the misc class (known from our own misc
 * device) and on the block class (known from the first block device
 * assigned or delegated) report devices leaving the system; the registry
 * then forgets them before their number can be reused. The block class
 * interface also reports new partitions, which belong to their disk's
 * owner (a delegated loop's or an assigned disk's). Devices of other
 * classes are untracked: every open of their nodes checks the device is
 * still the one assigned, and nsdev_sweep_untracked() forgets those that
 * left within about a second.
 *
 * Locking: nsdev_class_lock serialises registering the interfaces. The
 * callbacks run under the driver core's class mutex and take
 * nsdev_registry_lock, so interfaces are never registered while the
 * registry lock is held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/kernfs.h>
#include <linux/major.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "nsdevtmpfs.h"
#include "registry.h"

#define NSDEV_UEVENT_MAX	2048

static struct vfsmount *nsdev_sysfs_mnt;

static DEFINE_MUTEX(nsdev_class_lock);
static bool nsdev_block_intf_registered;	/* nsdev_class_lock */
static bool nsdev_misc_intf_registered;		/* nsdev_class_lock */

/* Valid node names: relative, no empty, "." or ".." components. */
static bool nsdev_name_valid(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return false;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
		if (*p == '/')
			p++;
		if (!*p && p[-1] == '/')
			return false;
	}
	return true;
}

/**
 * nsdev_sysfs_read - read a sysfs attribute through the private mount
 * @path: relative to /sys ("block/loop3/loop/autoclear")
 * @buf:  where to put it, NUL-terminated
 * @len:  size of @buf
 *
 * Return: the number of bytes read, or a negative errno (-ENOENT when the
 * attribute does not exist).
 */
ssize_t nsdev_sysfs_read(const char *path, char *buf, size_t len)
{
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	file = file_open_root_mnt(nsdev_sysfs_mnt, path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	n = kernel_read(file, buf, len - 1, &pos);
	fput(file);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* nsdev_sysfs_exists - is there a sysfs entry at @path (relative to /sys)? */
bool nsdev_sysfs_exists(const char *path)
{
	struct file *file;

	file = file_open_root_mnt(nsdev_sysfs_mnt, path, O_PATH, 0);
	if (IS_ERR(file))
		return false;
	fput(file);
	return true;
}

/* "dev/block/M:m" or "dev/char/M:m", then @tail, into @path. */
static void nsdev_sysfs_dev_path(char *path, size_t len, u32 type, dev_t devt,
				 const char *tail)
{
	snprintf(path, len, "dev/%s/%u:%u%s",
		 type == NSDEVTMPFS_BLK ? "block" : "char", MAJOR(devt),
		 MINOR(devt), tail);
}

/**
 * nsdev_sysfs_id - which device instance has this number now?
 * @type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt: the device number
 * @id:   out: the inode number of the device's sysfs directory
 *
 * sysfs (kernfs) numbers its nodes from a 64-bit id with a generation on
 * 64-bit kernels: a device that goes away and another that gets its
 * number have different ids, however the driver names them.
 *
 * Return: 0, -ENODEV when no device has the number, or another negative
 * errno when sysfs could not be asked (-ENOMEM).
 */
int nsdev_sysfs_id(u32 type, dev_t devt, u64 *id)
{
	struct file *file;
	char path[40];

	nsdev_sysfs_dev_path(path, sizeof(path), type, devt, "");
	file = file_open_root_mnt(nsdev_sysfs_mnt, path, O_PATH, 0);
	if (IS_ERR(file))
		return PTR_ERR(file) == -ENOENT ? -ENODEV : PTR_ERR(file);
	*id = file_inode(file)->i_ino;
	fput(file);
	return 0;
}

/**
 * nsdev_devnode_lookup - does a device exist, and what is its node?
 * @type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt: the device number
 * @name: out: the devnode name (NSDEVTMPFS_NAME_MAX bytes)
 * @mode: out: the node's permission bits (devtmpfs' default 0600 if the
 *        device asks for none)
 *
 * Return: 0, -ENODEV when no such device is registered or its name does
 * not fit NSDEVTMPFS_NAME_MAX, -EINVAL for a name the views cannot hold,
 * -ENOMEM.
 */
int nsdev_devnode_lookup(u32 type, dev_t devt, char *name, umode_t *mode)
{
	unsigned int maj = UINT_MAX, min = UINT_MAX, m;
	char path[48], *buf, *line, *next;
	ssize_t len;
	int ret = -ENODEV;

	nsdev_sysfs_dev_path(path, sizeof(path), type, devt, "/uevent");
	buf = kmalloc(NSDEV_UEVENT_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = nsdev_sysfs_read(path, buf, NSDEV_UEVENT_MAX);
	if (len < 0) {
		ret = len == -ENOENT ? -ENODEV : len;
		goto out;
	}

	name[0] = '\0';
	*mode = 0600;
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (str_has_prefix(line, "MAJOR="))
			ret = kstrtouint(line + 6, 10, &maj);
		else if (str_has_prefix(line, "MINOR="))
			ret = kstrtouint(line + 6, 10, &min);
		else if (str_has_prefix(line, "DEVMODE=") &&
			 !kstrtouint(line + 8, 8, &m))
			*mode = m & 07777;
		else if (str_has_prefix(line, "DEVNAME=") &&
			 strscpy(name, line + 8, NSDEVTMPFS_NAME_MAX) < 0)
			name[0] = '\0';
		if (ret)
			break;
	}
	if (ret || MKDEV(maj, min) != devt || !name[0])
		ret = -ENODEV;
	else if (!nsdev_name_valid(name))
		ret = -EINVAL;
out:
	kfree(buf);
	return ret;
}

static void nsdev_class_remove(u32 type, struct device *dev)
{
	if (dev->devt)
		nsdev_device_gone(type, dev->devt);
}

/*
 * A partition appeared (from a partition scan, synchronously inside the
 * ioctl that caused it): its owner is its disk's. Partitions are children
 * of their disk's device in the driver model.
 */
static bool nsdev_is_partition(struct device *dev)
{
	struct device *disk = dev->parent;

	return dev->devt && disk && disk->class == dev->class;
}

/* The id nsdev_sysfs_id() finds for @dev: its sysfs directory's inode. */
static u64 nsdev_device_id(struct device *dev)
{
	return kernfs_ino(dev->kobj.sd);
}

static int nsdev_block_add_dev(NSDEV_CLASS_INTF_ARGS)
{
	struct device *disk = dev->parent;

	if (!dev->devt)
		return 0;
	if (nsdev_is_partition(dev) && MAJOR(disk->devt) == LOOP_MAJOR) {
		nsdev_partition_added(dev_to_disk(disk), disk->devt, dev->devt,
				      dev_name(dev));
		return 0;
	}
	mutex_lock(&nsdev_registry_lock);
	if (nsdev_is_partition(dev))
		nsdev_disk_partition_added(disk->devt, dev->devt, dev_name(dev),
					   nsdev_device_id(dev));
	else
		nsdev_diskpart_stale(dev->devt);
	mutex_unlock(&nsdev_registry_lock);
	return 0;
}

static void nsdev_block_remove_dev(NSDEV_CLASS_INTF_ARGS)
{
	nsdev_class_remove(NSDEVTMPFS_BLK, dev);
}

static void nsdev_misc_remove_dev(NSDEV_CLASS_INTF_ARGS)
{
	nsdev_class_remove(NSDEVTMPFS_CHR, dev);
}

static struct class_interface nsdev_block_intf = {
	.add_dev	= nsdev_block_add_dev,
	.remove_dev	= nsdev_block_remove_dev,
};

static struct class_interface nsdev_misc_intf = {
	.remove_dev	= nsdev_misc_remove_dev,
};

static int nsdev_partition_of(struct device *dev, void *data)
{
	struct device *disk = data;

	if (dev->devt && dev->class == disk->class)
		nsdev_disk_partition_added(disk->devt, dev->devt, dev_name(dev),
					   nsdev_device_id(dev));
	return 0;
}

/**
 * nsdev_hotplug_disk_get - the driver-model device of a block device
 * @devt: its number; nsdev_hotplug_watch_block() was called for it
 *
 * Called without nsdev_registry_lock; put_device() the result, also
 * without it.
 *
 * Return: the device, with a reference, or NULL.
 */
struct device *nsdev_hotplug_disk_get(dev_t devt)
{
	/* Set, under nsdev_class_lock, by our caller's watch; never cleared. */
	if (!data_race(nsdev_block_intf_registered))
		return NULL;
	return class_find_device_by_devt(nsdev_block_intf.class, devt);
}

/**
 * nsdev_hotplug_partitions - the partitions a disk has already
 * @disk: a block device just assigned (nsdev_hotplug_disk_get())
 *
 * Caller holds nsdev_registry_lock, which orders this walk against the
 * block class interface: the driver core links a partition into its
 * disk's children before its ->add_dev() and unlinks it before its
 * ->remove_dev(), both of which take the registry lock. So a partition
 * this walk sees is either still there or has its ->remove_dev() to come,
 * and one it misses has its ->add_dev() to come, which finds the disk
 * assigned. The walk holds a reference on each child in turn; @disk's
 * reference (the caller's) keeps the disk itself from being released here.
 */
void nsdev_hotplug_partitions(struct device *disk)
{
	lockdep_assert_held(&nsdev_registry_lock);

	device_for_each_child(disk, disk, nsdev_partition_of);
}

/**
 * nsdev_hotplug_tracks - will the registry hear of this device's removal?
 * @type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt: an existing device
 *
 * Block devices are tracked (see nsdev_hotplug_watch_block()); character
 * devices only in the misc class.
 *
 * Return: true when a class interface reports the device's removal.
 */
bool nsdev_hotplug_tracks(u32 type, dev_t devt)
{
	struct device *dev;

	if (type == NSDEVTMPFS_BLK)
		return true;
	dev = class_find_device_by_devt(nsdev_misc_intf.class, devt);
	put_device(dev);
	return dev;
}

/**
 * nsdev_hotplug_watch_block - start tracking block devices, once
 * @devt: a block device that exists; opened for reading to learn the block
 *        class, which no exported symbol names
 *
 * Called before the registry lock is taken (see the locking comment).
 *
 * Return: 0, or the error of opening @devt.
 */
int nsdev_hotplug_watch_block(dev_t devt)
{
	nsdev_class_t *class;
	int ret = 0;

	mutex_lock(&nsdev_class_lock);
	if (nsdev_block_intf_registered)
		goto out;
	class = nsdev_block_class_of(devt);
	if (IS_ERR(class)) {
		ret = PTR_ERR(class);
		goto out;
	}
	nsdev_block_intf.class = class;
	ret = class_interface_register(&nsdev_block_intf);
	nsdev_block_intf_registered = !ret;
out:
	mutex_unlock(&nsdev_class_lock);
	return ret;
}

/**
 * nsdev_hotplug_init - mount sysfs privately, watch the misc class
 * @misc: one of our misc devices, whose class is the misc class
 *
 * Return: 0 or a negative errno.
 */
int __init nsdev_hotplug_init(struct device *misc)
{
	struct file_system_type *sysfs = get_fs_type("sysfs");
	int ret;

	if (!sysfs)
		return -ENODEV;
	nsdev_sysfs_mnt = vfs_kern_mount(sysfs, SB_KERNMOUNT, "sysfs", NULL);
	/* put_filesystem(), which is not exported: sysfs is built in. */
	module_put(sysfs->owner);
	if (IS_ERR(nsdev_sysfs_mnt))
		return PTR_ERR(nsdev_sysfs_mnt);

	nsdev_misc_intf.class = misc->class;
	ret = class_interface_register(&nsdev_misc_intf);
	if (ret) {
		kern_unmount(nsdev_sysfs_mnt);
		return ret;
	}
	nsdev_misc_intf_registered = true;
	return 0;
}

/*
 * Unregistering an interface calls ->remove_dev() for every device of the
 * class; the registry forgets them, which is what exit wants anyway.
 */
void nsdev_hotplug_exit(void)
{
	mutex_lock(&nsdev_class_lock);
	if (nsdev_block_intf_registered)
		class_interface_unregister(&nsdev_block_intf);
	if (nsdev_misc_intf_registered)
		class_interface_unregister(&nsdev_misc_intf);
	nsdev_block_intf_registered = false;
	nsdev_misc_intf_registered = false;
	mutex_unlock(&nsdev_class_lock);
	kern_unmount(nsdev_sysfs_mnt);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * control.c - /dev/nsdevtmpfs-control: ASSIGN, REVOKE, QUERY, SET_LIMIT
 *
 * The misc device through which namespace roots administer device
 * ownership. It is 0600 root on the host and in every view, and every
 * ioctl checks permission itself, against the credentials of the caller:
 * an fd passed to someone else carries no authority of its opener.
 *
 * Each ioctl copies its fixed-size argument, validates every field before
 * touching any state, resolves the namespace fd and the device's devnode
 * outside the registry lock, and then decides and applies the change under
 * it. A failed call changes nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/proc_ns.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include <uapi/linux/nsdevtmpfs.h>

#include "compat.h"
#include "nsdevtmpfs.h"
#include "registry.h"

/* Validate (type, major, minor) and turn it into a dev_t. */
static int nsdev_parse_dev(u32 type, u32 major, u32 minor, dev_t *devt)
{
	if (type != NSDEVTMPFS_CHR && type != NSDEVTMPFS_BLK)
		return -EINVAL;
	if (major >= (1U << (32 - MINORBITS)) || minor > MINORMASK)
		return -EINVAL;
	*devt = MKDEV(major, minor);
	return 0;
}

/**
 * nsdev_userns_from_fd - the user namespace an nsfs fd refers to
 * @fd: a file descriptor of the caller, as from open("/proc/PID/ns/user")
 *
 * Return: the namespace with a reference the caller must put, or
 * -EBADF (no such fd), -EINVAL (not a user namespace file).
 */
static struct user_namespace *nsdev_userns_from_fd(int fd)
{
	struct user_namespace *userns;
	struct ns_common *ns;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file_inode(file)->i_sb->s_magic != NSFS_MAGIC) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	ns = get_proc_ns(file_inode(file));
	if (!nsdev_ns_common_is_user(ns)) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	/* The nsfs inode holds the namespace while we take our reference. */
	userns = get_user_ns(container_of(ns, struct user_namespace, ns));
	fput(file);
	return userns;
}

/*
 * Is this block device the loop driver's (a loop, or a partition of one,
 * which may have a number of the extended major)? Its devnode says so.
 */
static bool nsdev_is_loop_device(u32 type, dev_t devt, const char *name)
{
	if (type != NSDEVTMPFS_BLK)
		return false;
	return MAJOR(devt) == LOOP_MAJOR ||
	       (str_has_prefix(name, "loop") && isdigit(name[4]));
}

/* Root of the caller's own user namespace? */
static bool nsdev_caller_is_root(void)
{
	return ns_capable(current_user_ns(), CAP_SYS_ADMIN);
}

/*
 * Permission before existence: outside the initial namespace a caller may
 * only pass on a device its namespace owns, so anything else is refused
 * before the device is looked up, and ENODEV cannot tell an unprivileged
 * caller which devices exist. nsdev_assign() decides again under the lock.
 */
static bool nsdev_may_assign(u32 type, dev_t devt)
{
	struct user_namespace *me = current_user_ns();
	struct nsdev_device *dev;
	bool may;

	if (me == &init_user_ns)
		return true;
	mutex_lock(&nsdev_registry_lock);
	dev = nsdev_device_find(type, devt);
	may = dev && nsdev_device_owned_by(dev, me, false);
	mutex_unlock(&nsdev_registry_lock);
	return may;
}

static long nsdev_ioctl_assign(struct nsdevtmpfs_assign __user *uarg)
{
	struct user_namespace *target_userns = NULL;
	struct nsdev_ns *caller, *target = NULL;
	char name[NSDEVTMPFS_NAME_MAX];
	struct nsdevtmpfs_assign arg;
	struct device *disk = NULL;
	struct nsdev_sync sync;
	struct nsdev_device *dev;
	bool tracked, loopdev;
	umode_t mode;
	u64 id;
	dev_t devt;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~NSDEVTMPFS_ASSIGN_FLAGS ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	ret = nsdev_parse_dev(arg.type, arg.major, arg.minor, &devt);
	if (ret)
		return ret;
	if (arg.flags & NSDEVTMPFS_ASSIGN_GLOBAL) {
		if (arg.userns_fd != -1)
			return -EINVAL;
	} else {
		target_userns = nsdev_userns_from_fd(arg.userns_fd);
		if (IS_ERR(target_userns))
			return PTR_ERR(target_userns);
	}
	ret = -EPERM;
	if (!nsdev_caller_is_root() || !nsdev_may_assign(arg.type, devt))
		goto out_userns;

	ret = nsdev_devnode_lookup(arg.type, devt, name, &mode);
	if (!ret && arg.type == NSDEVTMPFS_BLK)
		ret = nsdev_hotplug_watch_block(devt);
	if (!ret)
		ret = nsdev_sysfs_id(arg.type, devt, &id);
	if (ret)
		goto out_userns;
	tracked = nsdev_hotplug_tracks(arg.type, devt);
	loopdev = nsdev_is_loop_device(arg.type, devt, name);
	/* The initial root's ASSIGN brings a disk's partitions (SPEC §2). */
	if (arg.type == NSDEVTMPFS_BLK && !loopdev &&
	    current_user_ns() == &init_user_ns)
		disk = nsdev_hotplug_disk_get(devt);

	mutex_lock(&nsdev_registry_lock);
	nsdev_sync_begin(&sync);
	ret = -ENOMEM;
	caller = nsdev_ns_get(current_user_ns());
	if (!caller)
		goto out_unlock;
	if (target_userns) {
		target = nsdev_ns_get(target_userns);
		if (!target)
			goto out_caller;
	}
	/*
	 * A loop device reaches a namespace only through delegation, which
	 * keeps it claimed or bound while the namespace owns it; an assigned
	 * one would sit unbound where the host's losetup -f binds it. A
	 * delegated loop may still be passed down the tree.
	 */
	dev = nsdev_device_find(arg.type, devt);
	ret = -EOPNOTSUPP;
	if (loopdev &&
	    !(dev && (dev->flags & (NSDEV_DEV_LOOP | NSDEV_DEV_PARTITION))))
		goto out_target;
	ret = nsdev_assign(arg.type, devt, name, mode,
			   tracked ? 0 : NSDEV_DEV_UNTRACKED, id, caller, target);
	if (!ret && disk)
		nsdev_hotplug_partitions(disk);
out_target:
	if (target)
		nsdev_ns_put(target);
out_caller:
	nsdev_ns_put(caller);
out_unlock:
	nsdev_sync_end();
	mutex_unlock(&nsdev_registry_lock);
	nsdev_sync_wait(&sync);
	put_device(disk);
out_userns:
	if (target_userns)
		put_user_ns(target_userns);
	return ret;
}

static long nsdev_ioctl_revoke(struct nsdevtmpfs_revoke __user *uarg)
{
	struct nsdevtmpfs_revoke arg;
	struct nsdev_sync sync;
	struct nsdev_ns *caller;
	dev_t devt;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~NSDEVTMPFS_REVOKE_FLAGS) ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	ret = nsdev_parse_dev(arg.type, arg.major, arg.minor, &devt);
	if (ret)
		return ret;
	if (!nsdev_caller_is_root())
		return -EPERM;

	mutex_lock(&nsdev_registry_lock);
	nsdev_sync_begin(&sync);
	caller = nsdev_ns_get(current_user_ns());
	if (caller) {
		ret = nsdev_revoke(arg.type, devt, caller,
				   arg.flags & NSDEVTMPFS_REVOKE_DEFAULT);
		nsdev_ns_put(caller);
	} else {
		ret = -ENOMEM;
	}
	nsdev_sync_end();
	mutex_unlock(&nsdev_registry_lock);
	nsdev_sync_wait(&sync);
	return ret;
}

/*
 * QUERY answers for devices visible from the caller's namespace: global
 * ones, and those owned inside the caller's subtree. Anything else looks
 * unassigned (-ENOENT); the initial namespace is told -ENODEV when no such
 * device exists at all.
 */
static long nsdev_ioctl_query(struct nsdevtmpfs_query __user *uarg)
{
	struct user_namespace *me = current_user_ns();
	const struct nsdev_device *dev;
	struct nsdevtmpfs_query arg;
	struct nsdev_desc desc;
	char name[NSDEVTMPFS_NAME_MAX];
	umode_t mode;
	dev_t devt;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.state || arg.depth || arg.owner_ino ||
	    arg.assigner_ino || memchr_inv(arg.name, 0, sizeof(arg.name)) ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	ret = nsdev_parse_dev(arg.type, arg.major, arg.minor, &devt);
	if (ret)
		return ret;

	mutex_lock(&nsdev_registry_lock);
	dev = nsdev_device_find(arg.type, devt);
	ret = -ENOENT;
	if (dev && nsdev_device_describe(dev, me, &desc)) {
		arg.state = desc.owned ? NSDEVTMPFS_STATE_OWNED :
					 NSDEVTMPFS_STATE_GLOBAL;
		if (dev->flags & NSDEV_DEV_DEFAULT)
			arg.state |= NSDEVTMPFS_STATE_DEFAULT;
		if (dev->flags & NSDEV_DEV_LOOP)
			arg.state |= NSDEVTMPFS_STATE_LOOP;
		if (dev->flags & NSDEV_DEV_DISKPART)
			arg.state |= NSDEVTMPFS_STATE_PARTITION;
		arg.depth = desc.depth;
		arg.owner_ino = desc.owner_ino;
		arg.assigner_ino = desc.assigner_ino;
		strscpy(arg.name, dev->name, sizeof(arg.name));
		ret = 0;
	}
	mutex_unlock(&nsdev_registry_lock);

	/* Only the host learns whether a device exists at all. */
	if (ret == -ENOENT && !dev && me == &init_user_ns &&
	    nsdev_devnode_lookup(arg.type, devt, name, &mode) == -ENODEV)
		ret = -ENODEV;
	if (!ret && copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
	return ret;
}

/*
 * SET_LIMIT: root of the initial namespace, or of a strict ancestor of the
 * target, so that no namespace raises its own limit. The record keeps the
 * limit (and a user) from then on.
 */
static long nsdev_ioctl_set_limit(struct nsdevtmpfs_limit __user *uarg)
{
	struct user_namespace *userns, *me = current_user_ns();
	struct nsdevtmpfs_limit arg;
	struct nsdev_ns *ns;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.max_loops > NSDEV_MAX_LOOP_LIMIT ||
	    memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	userns = nsdev_userns_from_fd(arg.userns_fd);
	if (IS_ERR(userns))
		return PTR_ERR(userns);
	if (!nsdev_caller_is_root() ||
	    (me != &init_user_ns &&
	     (userns == me || !nsdev_userns_is_descendant(userns, me)))) {
		put_user_ns(userns);
		return -EPERM;
	}

	mutex_lock(&nsdev_registry_lock);
	ns = nsdev_ns_get(userns);
	if (ns) {
		ns->loop_limit = arg.max_loops;
		if (ns->limit_set)
			nsdev_ns_put(ns);	/* already holds its user */
		ns->limit_set = true;
	} else {
		ret = -ENOMEM;
	}
	mutex_unlock(&nsdev_registry_lock);
	put_user_ns(userns);
	return ret;
}

static long nsdev_control_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case NSDEVTMPFS_IOC_ASSIGN:
		return nsdev_ioctl_assign(uarg);
	case NSDEVTMPFS_IOC_REVOKE:
		return nsdev_ioctl_revoke(uarg);
	case NSDEVTMPFS_IOC_QUERY:
		return nsdev_ioctl_query(uarg);
	case NSDEVTMPFS_IOC_SET_LIMIT:
		return nsdev_ioctl_set_limit(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations nsdev_control_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= nsdev_control_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice nsdev_control_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= NSDEVTMPFS_CONTROL_NAME,
	.fops	= &nsdev_control_fops,
	.mode	= 0600,
};

/**
 * nsdev_control_init - register the control device
 *
 * Also adds it to every view's default content (mode 0600, owned by the
 * view's root), so that a namespace root can delegate down its tree.
 *
 * Return: 0 or a negative errno.
 */
int __init nsdev_control_init(void)
{
	int ret;

	ret = misc_register(&nsdev_control_misc);
	if (ret)
		return ret;
	ret = nsdev_registry_add_default(NSDEVTMPFS_CHR,
					 nsdev_control_misc.this_device->devt,
					 NSDEVTMPFS_CONTROL_NAME, 0600);
	if (ret)
		misc_deregister(&nsdev_control_misc);
	return ret;
}

/* Our misc device: its class is the misc class (see hotplug.c). */
struct device *nsdev_control_device(void)
{
	return nsdev_control_misc.this_device;
}

void nsdev_control_exit(void)
{
	misc_deregister(&nsdev_control_misc);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * loopdrv.c - the loop driver and the block layer, reached from outside
 *
 * No loop API is exported, nor are the block layer's file operations and
 * ioctl entry point. Everything loop delegation does to the real driver
 * goes through here, so that the rest of the module reads as if they were:
 *
 *  - a private filesystem holding one node, the real loop-control
 *    (10:237), opened once with the initial root's credentials, and its
 *    LOOP_CTL_* ioctls (nsdev_loopdrv_open(), nsdev_loopdrv_ctl());
 *  - block device opens as the module and ioctls through the disk's own
 *    operations (nsdev_loopdrv_bdev_open(), nsdev_loopdrv_bdev_ioctl());
 *  - the loop driver's state as sysfs shows it (nsdev_loopdrv_exists(),
 *    nsdev_loopdrv_bound(), nsdev_loopdrv_autoclear()) and its max_part,
 *    which maps loop indices to device numbers (nsdev_loopdrv_devt());
 *  - the block device file operations, taken from a special inode
 *    (nsdev_blk_fops).
 *
 * Locking: nsdev_real_lock serialises the first open of the real
 * loop-control and sets nsdev_real_loopctl, nsdev_kcred and the part
 * shift together. They never change afterwards until module exit, and
 * every user of them runs after an nsdev_loopdrv_open() that returned 0
 * (loop delegation asks for one before it records any number), so they
 * are read without the lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/major.h>
#include <linux/miscdevice.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "loopdrv.h"
#include "nsdevtmpfs.h"

#define NSDEV_LOOPFS_MAGIC	0x6e736c66	/* "nslf" */

/* The real loop-control, opened once; the open file pins loop.ko. */
static DEFINE_MUTEX(nsdev_real_lock);
static struct vfsmount *nsdev_loopfs_mnt;
static struct file *nsdev_real_loopctl;		/* nsdev_real_lock */
static const struct cred *nsdev_kcred;		/* set with the above */
static unsigned int nsdev_loop_part_shift;	/* nsdev_real_lock */
static bool nsdev_part_shift_known;		/* nsdev_real_lock */

const struct file_operations *nsdev_blk_fops;

static int nsdev_loopfs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, NSDEV_LOOPFS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * A private filesystem holding one node, the real loop-control (10:237).
 * It has no .owner: its internal mount would pin this module forever.
 */
static struct file_system_type nsdev_loopfs_type = {
	.name			= "nsdevtmpfs-loop",
	.init_fs_context	= nsdev_loopfs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

static int nsdev_read_part_shift(void)
{
	char buf[16];
	unsigned int max_part;
	int ret;

	ret = nsdev_sysfs_read("module/loop/parameters/max_part", buf,
			       sizeof(buf));
	if (ret < 0)
		return ret;
	ret = kstrtouint(strim(buf), 10, &max_part);
	if (ret)
		return ret;
	/* Read locklessly: see nsdev_loopdrv_devt(). */
	WRITE_ONCE(nsdev_loop_part_shift, max_part ? fls(max_part) : 0);
	nsdev_part_shift_known = true;
	return 0;
}

/**
 * nsdev_loopdrv_open - open the loop driver's loop-control once
 *
 * Opens it as the initial namespace's root (the first open loads loop.ko,
 * and the open file pins it), prepares the credentials the module's own
 * opens carry, and learns loop.ko's max_part. Later calls return at once.
 *
 * Return: 0 when the real loop-control is open and max_part is known, or
 * a negative errno (then nothing that needs them may be used).
 */
int nsdev_loopdrv_open(void)
{
	const struct cred *kcred;
	struct dentry *dentry;
	struct inode *inode;
	struct path path;
	struct file *file;
	int ret = 0;

	mutex_lock(&nsdev_real_lock);
	if (nsdev_real_loopctl) {
		/* loop.ko is loaded: its max_part must be known too. */
		if (!nsdev_part_shift_known)
			ret = nsdev_read_part_shift();
		goto out;
	}

	inode = new_inode(nsdev_loopfs_mnt->mnt_sb);
	if (!inode) {
		ret = -ENOMEM;
		goto out;
	}
	inode->i_ino = get_next_ino();
	init_special_inode(inode, S_IFCHR | 0600,
			   MKDEV(MISC_MAJOR, LOOP_CTRL_MINOR));
	dentry = d_alloc_name(nsdev_loopfs_mnt->mnt_root, "loop-control");
	if (!dentry) {
		iput(inode);
		ret = -ENOMEM;
		goto out;
	}
	d_add(dentry, inode);

	/*
	 * The module's files carry the initial root's credentials, never a
	 * caller's: a file pins its opener's user namespace.
	 */
	kcred = prepare_kernel_cred(&init_task);
	if (!kcred) {
		dput(dentry);
		ret = -ENOMEM;
		goto out;
	}
	path.mnt = nsdev_loopfs_mnt;
	path.dentry = dentry;
	file = dentry_open(&path, O_RDWR, kcred);
	dput(dentry);
	if (IS_ERR(file)) {
		put_cred(kcred);
		ret = PTR_ERR(file);
		goto out;
	}
	nsdev_real_loopctl = file;
	nsdev_kcred = kcred;
	ret = nsdev_read_part_shift();
out:
	mutex_unlock(&nsdev_real_lock);
	return ret;
}

struct nsdev_fput_work {
	struct work_struct work;
	struct file *file;
};

static void nsdev_fput_work_fn(struct work_struct *work)
{
	__fput_sync(container_of(work, struct nsdev_fput_work, work)->file);
}

/*
 * nsdev_fput_sync - close @file now, from any context. The internal mount
 * and its filesystem type (module data) must not outlive the file, but a
 * plain fput() from rmmod runs only when the syscall returns, and 6.1's
 * __fput_sync() is for kernel threads only: let a kworker do it.
 */
static void nsdev_fput_sync(struct file *file)
{
	struct nsdev_fput_work fw = { .file = file };

	INIT_WORK_ONSTACK(&fw.work, nsdev_fput_work_fn);
	schedule_work(&fw.work);
	flush_work(&fw.work);
	destroy_work_on_stack(&fw.work);
}

/**
 * nsdev_loopdrv_ctl - one LOOP_CTL_* ioctl on the real loop-control
 * @cmd: LOOP_CTL_ADD, LOOP_CTL_REMOVE or LOOP_CTL_GET_FREE
 * @arg: its argument, a loop index
 *
 * vfs_ioctl() is not exported on every kernel of the matrix, so the file's
 * own unlocked_ioctl is called. Only after nsdev_loopdrv_open() returned 0.
 *
 * Return: what the loop driver returns.
 */
long nsdev_loopdrv_ctl(unsigned int cmd, unsigned long arg)
{
	struct file *file = nsdev_real_loopctl;

	return file->f_op->unlocked_ioctl(file, cmd, arg);
}

/**
 * nsdev_loopdrv_cred - the credentials of the module's own opens
 *
 * The initial root's, prepared by nsdev_loopdrv_open(). Whoever overrides
 * a caller's credentials with them must argue at that place why it is
 * safe.
 *
 * Return: the credentials; valid until module exit.
 */
const struct cred *nsdev_loopdrv_cred(void)
{
	return nsdev_kcred;
}

/**
 * nsdev_loopdrv_max_index - the highest loop index loop.ko can make
 *
 * Return: MINORMASK shifted by max_part's partition bits.
 */
unsigned int nsdev_loopdrv_max_index(void)
{
	return MINORMASK >> READ_ONCE(nsdev_loop_part_shift);
}

/**
 * nsdev_loopdrv_devt - the whole disk's device number of a loop index
 * @index: the loop index
 *
 * The part shift is read locklessly: it is written once, under
 * nsdev_real_lock, before the nsdev_loopdrv_open() that any user of a loop
 * index waited for returned, and max_part cannot change while the open
 * file pins loop.ko.
 *
 * Return: the device number.
 */
dev_t nsdev_loopdrv_devt(unsigned int index)
{
	return MKDEV(LOOP_MAJOR, index << READ_ONCE(nsdev_loop_part_shift));
}

/**
 * nsdev_loopdrv_index - the loop index of a whole loop disk's number
 * @devt:  a device number
 * @index: where to put the index
 *
 * Return: true when @devt is a loop device's whole disk, not a partition
 * nor another driver's device.
 */
bool nsdev_loopdrv_index(dev_t devt, unsigned int *index)
{
	/* Lockless as in nsdev_loopdrv_devt(). */
	unsigned int shift = READ_ONCE(nsdev_loop_part_shift);

	if (MAJOR(devt) != LOOP_MAJOR || MINOR(devt) & ((1U << shift) - 1))
		return false;
	*index = MINOR(devt) >> shift;
	return true;
}

/**
 * nsdev_loopdrv_exists - does the loop driver have this device right now?
 * @index: the loop index
 *
 * Return: true when /sys/block/loop@index exists.
 */
bool nsdev_loopdrv_exists(unsigned int index)
{
	char path[32];

	snprintf(path, sizeof(path), "block/loop%u", index);
	return nsdev_sysfs_exists(path);
}

/**
 * nsdev_loopdrv_bound - is the loop device bound to a backing file?
 * @index: the loop index
 *
 * Return: true when its "loop" attributes exist, which they do only then.
 */
bool nsdev_loopdrv_bound(unsigned int index)
{
	char path[48];

	snprintf(path, sizeof(path), "block/loop%u/loop/backing_file", index);
	return nsdev_sysfs_exists(path);
}

/**
 * nsdev_loopdrv_autoclear - is autoclear set on the (bound) loop device?
 * @index: the loop index
 *
 * Return: true when its autoclear attribute reads 1.
 */
bool nsdev_loopdrv_autoclear(unsigned int index)
{
	char path[48], buf[4];

	snprintf(path, sizeof(path), "block/loop%u/loop/autoclear", index);
	return nsdev_sysfs_read(path, buf, sizeof(buf)) > 0 && buf[0] == '1';
}

/**
 * nsdev_loopdrv_bdev_open - open a loop device as the module
 * @devt:   its device number
 * @holder: the exclusive holder, or NULL for a plain open
 *
 * The open carries the initial root's credentials, not the caller's: the
 * module's opens must not pin the caller's user namespace, and they are
 * the module's, made for the device's owner only after the caller's
 * right to it was checked. Only after nsdev_loopdrv_open() returned 0.
 *
 * Return: a handle for nsdev_bdev_close() and nsdev_loopdrv_bdev_ioctl(),
 * or an ERR_PTR().
 */
void *nsdev_loopdrv_bdev_open(dev_t devt, void *holder)
{
	const struct cred *old = override_creds(nsdev_kcred);
	void *h = nsdev_bdev_open(devt, holder);

	revert_creds(old);
	return h;
}

/**
 * nsdev_loopdrv_bdev_ioctl - an ioctl on a block device the module opened
 * @h:     the handle from nsdev_loopdrv_bdev_open()
 * @excl:  @h is an exclusive open
 * @cmd:   the ioctl
 * @arg:   its argument, the caller's user pointer or a number
 *
 * The block layer's ioctl entry point is not exported: this calls the
 * disk's own ioctl, in the mode the module opened it with. Through an
 * exclusive open, loop_configure() sees the exclusive mode and skips
 * claiming the device itself.
 *
 * Return: what the driver returns.
 */
int nsdev_loopdrv_bdev_ioctl(void *h, bool excl, unsigned int cmd,
			     unsigned long arg)
{
	struct block_device *bdev = nsdev_bdev(h);

	return bdev->bd_disk->fops->ioctl(bdev, NSDEV_BDEV_MODE |
					  (excl ? NSDEV_BDEV_EXCL : 0), cmd, arg);
}

/**
 * nsdev_loopdrv_init - mount the private filesystem, learn nsdev_blk_fops
 *
 * The block device file operations are not exported; a special inode of
 * the private filesystem gets them.
 *
 * Return: 0 or a negative errno.
 */
int __init nsdev_loopdrv_init(void)
{
	struct inode *inode;

	nsdev_loopfs_mnt = kern_mount(&nsdev_loopfs_type);
	if (IS_ERR(nsdev_loopfs_mnt))
		return PTR_ERR(nsdev_loopfs_mnt);
	inode = new_inode(nsdev_loopfs_mnt->mnt_sb);
	if (!inode) {
		kern_unmount(nsdev_loopfs_mnt);
		return -ENOMEM;
	}
	init_special_inode(inode, S_IFBLK, 0);
	nsdev_blk_fops = inode->i_fop;
	iput(inode);
	return 0;
}

/*
 * nsdev_loopdrv_exit - close the real loop-control, drop the credentials
 * and unmount the private filesystem. No device the module opened is open
 * any more.
 */
void nsdev_loopdrv_exit(void)
{
	if (nsdev_real_loopctl) {
		nsdev_fput_sync(nsdev_real_loopctl);
		put_cred(nsdev_kcred);
	}
	kern_unmount(nsdev_loopfs_mnt);
}

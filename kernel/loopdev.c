// SPDX-License-Identifier: GPL-2.0
/*
 * loopdev.c - delegated loop numbers: their table, their state machine,
 * and the file operations of a view's block nodes (SPEC §4)
 *
 * loopctl.c hands out numbers (RESERVED, below); from then on everything
 * that happens to a delegated loop happens here, driven by opens, closes
 * and ioctls of its node in a view, by the release poller and by the
 * reaper. The loop driver itself is reached through loopdrv.c.
 *
 * Keeping a namespace's loop away from everybody else. The real
 * LOOP_CTL_GET_FREE hands out the lowest loop device that is unbound,
 * whoever it belongs to, so a delegated loop must never sit unbound and
 * unclaimed where the host's losetup -f can take it:
 *
 *  RESERVED  the number belongs to the namespace (its node is in the view)
 *            but no such loop device exists: nobody can take it.
 *            GET_FREE hands these out first.
 *  CLAIMED   the namespace opened its node: the module made the device
 *            (LOOP_CTL_ADD) and holds an exclusive claim on it, so any
 *            other LOOP_CONFIGURE fails with EBUSY. The namespace's own
 *            LOOP_CONFIGURE / LOOP_SET_FD is issued through the module's
 *            exclusive open, which loop_configure() accepts.
 *  LIVE      bound by the namespace; the module holds a plain open (the
 *            pin). A bound device is never handed out, and thanks to the
 *            pin the namespace's LOOP_CLR_FD only sets autoclear.
 *
 * What the owner sees is the stock driver's device: the module's own opens
 * are not users. LOOP_CLR_FD by the owner's only open (with the pin, the
 * driver only sets autoclear) makes the device unbound to the owner at
 * once: further loop ioctls answer ENXIO (CONFIGURE and SET_FD: EBUSY, as
 * 6.12's rundown does) until it is closed. When the owner is done with a
 * device (it detached it and only the module's open is left, or it opened
 * and closed it without binding it), the device is cleared (on the
 * module's last close) and removed, and the number goes back to RESERVED:
 * its node and quota stay, the next open makes the device again, and
 * GET_FREE hands the number out again. LOOP_CTL_REMOVE, or the
 * namespace's death, gives the number up. The gendisk is let go before
 * the clear, so partitions and opens of a device the host makes or binds
 * under that number meanwhile are never the namespace's (see "Identity,
 * not numbers"): LOOP_CTL_ADD then answers EEXIST and the number leaves
 * the namespace. A delegated device is therefore never unbound and
 * unclaimed while the module vouches for it: the host's losetup -f cannot
 * get one the namespace can reach.
 *
 * Identity, not numbers. While a number is CLAIMED or LIVE the module holds
 * an open of its gendisk and records it in nsdev_loop::disk; it is cleared
 * before that open is dropped, so while it is set the gendisk cannot be
 * freed and its address names it. Every open of a view's node checks that
 * the file it got is on that very gendisk, and a partition is attributed to
 * a namespace only when its disk is it (nsdev_loop_holds_disk()): a device
 * the host made or bound under the same number, in the window between the
 * module's LOOP_CTL_ADD and its claim or after the number was let go, is
 * never the namespace's. No open ever creates a device: the block layer's
 * open of a number with no device behind it asks the loop driver to make
 * one (its legacy autoload), so a node is opened only while the module
 * holds the device, which then exists.
 *
 * Backing files. The loop driver refuses a backing chain that comes back to
 * the device through whole disks, not through partitions. A delegated loop
 * is therefore never backed by any block device of the loop driver, whole
 * or partition (nsdev_loop_check_backing()). CONFIGURE and SET_FD bind an
 * unbound device, which has no partitions and which no bound loop can be
 * backed by, so only LOOP_CHANGE_FD could close a cycle; it is refused
 * when the caller shares its file table, where the fd could be changed
 * between the module's check and the driver's fget.
 *
 * The nodes of delegated loops in views use nsdev_loop_fops, the block
 * device file operations with open, release and ioctl wrapped to drive
 * these transitions; partitions use nsdev_part_fops, other block devices
 * nsdev_disk_fops. All three pass on only the ioctls of blkfilter.c.
 *
 * Locking: nsdev_loops_lock protects the table and each entry's refcount;
 * nsdev_loop::lock serialises one device's transitions. Order:
 * nsdev_loop::lock, then nsdev_registry_lock, then nsdev_loops_lock (a
 * partition scan inside LOOP_CONFIGURE asks nsdev_loop_holds_disk() under
 * the registry lock). A device's lock may be held while its I/O runs (a
 * partition scan, a flush on the last close), and a namespace controls
 * that I/O: the reaper and the release poller only ever try the lock, and
 * come back later when it is taken, so a stuck device hangs its owner's
 * calls on that device and nothing else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/blkpg.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <linux/major.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <uapi/linux/nsdevtmpfs.h>

#include "compat.h"
#include "loopdev.h"
#include "loopdrv.h"
#include "nsdevtmpfs.h"
#include "registry.h"

#define NSDEV_RELEASE_POLL	msecs_to_jiffies(200)

enum nsdev_loop_state {
	NSDEV_LOOP_RESERVED,
	NSDEV_LOOP_CLAIMED,
	NSDEV_LOOP_LIVE,
	NSDEV_LOOP_GONE,	/* released: out of the table, no longer owned */
};

/**
 * struct nsdev_loop - one delegated loop number
 * @index:  the loop index
 * @devt:   the whole device's number
 * @ref:    table reference plus one per user in flight (nsdev_loops_lock)
 * @lock:   serialises the transitions below
 * @state:  enum nsdev_loop_state (@lock; read locklessly by GET_FREE)
 * @claim:  exclusive open while CLAIMED, and during a release (@lock)
 * @pin:    plain open while LIVE (@lock)
 * @disk:   the gendisk @claim or @pin is open on, while CLAIMED or LIVE;
 *          written under @lock, read under nsdev_loops_lock
 * @pending: release when only the pin is left (@lock)
 * @orphan: the number left its namespace (reclaimed): release whatever
 *          the device's autoclear says (@lock)
 * @detached: LIVE, but its owner detached it as its only user: to the
 *          owner it is unbound, as the stock driver's device is from then
 *          on, until the owner's last close clears it (@lock)
 */
struct nsdev_loop {
	unsigned int index;
	dev_t devt;
	refcount_t ref;
	struct mutex lock;		/* see the kernel-doc above */
	enum nsdev_loop_state state;
	void *claim;
	void *pin;
	struct gendisk *disk;
	bool pending;
	bool orphan;
	bool detached;
};

/* The table of delegated loop numbers: index -> struct nsdev_loop. */
static DEFINE_MUTEX(nsdev_loops_lock);
static DEFINE_XARRAY(nsdev_loops);

/* Built by nsdev_loopdev_init(), chosen by fs.c from a device's flags. */
static struct file_operations nsdev_loop_fops;
static struct file_operations nsdev_part_fops;
static struct file_operations nsdev_disk_fops;
const struct file_operations *const nsdev_blk_loop_fops = &nsdev_loop_fops;
const struct file_operations *const nsdev_blk_part_fops = &nsdev_part_fops;
const struct file_operations *const nsdev_blk_disk_fops = &nsdev_disk_fops;

static void nsdev_release_poll(struct work_struct *work);
static DECLARE_DELAYED_WORK(nsdev_release_work, nsdev_release_poll);

/* --- the table ----------------------------------------------------------- */

/**
 * nsdev_loop_get - the table's entry for a loop index, with a reference
 * @index: the loop index
 *
 * Return: the entry, to be put with nsdev_loop_put(), or NULL.
 */
struct nsdev_loop *nsdev_loop_get(unsigned int index)
{
	struct nsdev_loop *loop;

	mutex_lock(&nsdev_loops_lock);
	loop = xa_load(&nsdev_loops, index);
	if (loop)
		refcount_inc(&loop->ref);
	mutex_unlock(&nsdev_loops_lock);
	return loop;
}

/**
 * nsdev_loop_put - drop a reference from nsdev_loop_get()
 * @loop: the entry; freed with its last reference
 */
void nsdev_loop_put(struct nsdev_loop *loop)
{
	if (refcount_dec_and_mutex_lock(&loop->ref, &nsdev_loops_lock)) {
		mutex_unlock(&nsdev_loops_lock);
		kfree(loop);
	}
}

/* The delegated loop whose whole device is @devt, or NULL. */
static struct nsdev_loop *nsdev_loop_of_devt(dev_t devt)
{
	unsigned int index;

	if (!nsdev_loopdrv_index(devt, &index))
		return NULL;
	return nsdev_loop_get(index);
}

static struct nsdev_loop *nsdev_loop_of_inode(struct inode *inode)
{
	return nsdev_loop_of_devt(inode->i_rdev);
}

/* Undoes nsdev_loop_reserve_index(): the number's nodes and quota go. */
static void nsdev_loop_unreserve_index(struct nsdev_loop *loop)
{
	struct nsdev_sync sync;

	mutex_lock(&nsdev_registry_lock);
	nsdev_sync_begin(&sync);
	nsdev_loop_unreserve(loop->devt);
	nsdev_sync_end();
	mutex_unlock(&nsdev_registry_lock);
	nsdev_sync_wait(&sync);
}

/* ...and then the table, once no device of that number is ours any more. */
static void nsdev_loop_erase(struct nsdev_loop *loop)
{
	mutex_lock(&nsdev_loops_lock);
	if (xa_load(&nsdev_loops, loop->index) == loop) {
		xa_erase(&nsdev_loops, loop->index);
		mutex_unlock(&nsdev_loops_lock);
		nsdev_loop_put(loop);	/* the table's reference */
		return;
	}
	mutex_unlock(&nsdev_loops_lock);
}

/*
 * nsdev_loop_forget - the number leaves the namespace altogether. @loop->lock
 * is held; no device of the number exists, or it is not ours any more.
 */
static void nsdev_loop_forget(struct nsdev_loop *loop)
{
	lockdep_assert_held(&loop->lock);

	/* Openers that found the entry before it left the table see this. */
	WRITE_ONCE(loop->state, NSDEV_LOOP_GONE);
	nsdev_loop_unreserve_index(loop);
	nsdev_loop_erase(loop);
}

/* Does the module hold the device (CLAIMED or LIVE)? Caller holds @lock. */
static bool nsdev_loop_held(struct nsdev_loop *loop)
{
	lockdep_assert_held(&loop->lock);

	return loop->state == NSDEV_LOOP_CLAIMED ||
	       loop->state == NSDEV_LOOP_LIVE;
}

/* The module no longer vouches for the gendisk: before its last close. */
static void nsdev_loop_drop_disk(struct nsdev_loop *loop)
{
	mutex_lock(&nsdev_loops_lock);
	WRITE_ONCE(loop->disk, NULL);
	mutex_unlock(&nsdev_loops_lock);
}

/**
 * nsdev_loop_holds_disk - is @disk the gendisk the module holds for @devt?
 * @devt: a loop device's whole-disk number
 * @disk: a live gendisk (the caller is inside its partition scan)
 *
 * Caller holds nsdev_registry_lock. Pointer identity is sound: the module
 * holds an open of the gendisk recorded in nsdev_loop::disk, which is
 * cleared under nsdev_loops_lock before that open is dropped, so a recorded
 * gendisk is alive and no other gendisk can have its address.
 *
 * Return: true when partitions of @disk belong to the number's namespace.
 */
bool nsdev_loop_holds_disk(dev_t devt, const struct gendisk *disk)
{
	struct nsdev_loop *loop;
	unsigned int index;
	bool held = false;

	lockdep_assert_held(&nsdev_registry_lock);

	if (!nsdev_loopdrv_index(devt, &index))
		return false;
	mutex_lock(&nsdev_loops_lock);
	loop = xa_load(&nsdev_loops, index);
	if (loop)
		held = loop->disk == disk;
	mutex_unlock(&nsdev_loops_lock);
	return held;
}

/* --- transitions (all with loop->lock held) ----------------------------- */

/* RESERVED -> CLAIMED: make the device and claim it before anyone else. */
static int nsdev_loop_instantiate(struct nsdev_loop *loop)
{
	long ret;

	lockdep_assert_held(&loop->lock);

	ret = nsdev_loopdrv_ctl(LOOP_CTL_ADD, loop->index);
	if (ret < 0) {
		/* Someone else made this number meanwhile: it is theirs. */
		if (ret == -EEXIST)
			nsdev_loop_forget(loop);
		return ret == -EEXIST ? -EBUSY : ret;
	}
	ret = nsdev_hotplug_watch_block(loop->devt);
	if (!ret) {
		loop->claim = nsdev_loopdrv_bdev_open(loop->devt, loop);
		if (IS_ERR(loop->claim)) {
			ret = PTR_ERR(loop->claim);
			loop->claim = NULL;
		}
	}
	if (ret) {
		nsdev_loopdrv_ctl(LOOP_CTL_REMOVE, loop->index);
		return ret;
	}
	/*
	 * Between LOOP_CTL_ADD and the claim the new device was unbound and
	 * unclaimed: the host's losetup -f may have bound it meanwhile (its
	 * LOOP_CONFIGURE claims only while it runs, so ours succeeded after
	 * it). Then the device is the host's: the number leaves the
	 * namespace, and the opener gets EBUSY (losetup then takes another).
	 */
	if (nsdev_loopdrv_bound(loop->index)) {
		nsdev_bdev_close(loop->claim, loop);
		loop->claim = NULL;
		nsdev_loop_forget(loop);
		return -EBUSY;
	}
	mutex_lock(&nsdev_loops_lock);
	WRITE_ONCE(loop->disk, nsdev_bdev(loop->claim)->bd_disk);
	mutex_unlock(&nsdev_loops_lock);
	WRITE_ONCE(loop->state, NSDEV_LOOP_CLAIMED);
	return 0;
}

/*
 * CLAIMED or LIVE -> RESERVED (@keep) or GONE, when nobody but the module
 * has the device open: the owner is done with it (detached it, or opened
 * and closed it unused), or the number was reclaimed (GONE). The module
 * lets the gendisk go first, and a GONE number leaves the namespace (its
 * node, its quota), while the device is still claimed or bound; then the
 * loop driver clears it on the claim's last close, and it is removed.
 * Should someone open it between the clear and the removal, it stays,
 * theirs: a kept number's next open then finds the device made by someone
 * else, and the number leaves the namespace (nsdev_loop_instantiate()).
 *
 * A bound device is always cleared: LOOP_CLR_FD through the pin, with the
 * claim open too, only sets autoclear, which the owner may have turned
 * off again with LOOP_SET_STATUS; the loop driver then clears it on the
 * claim's close. Without that, a bound device would outlive its number,
 * owned and counted by nobody.
 */
static void nsdev_loop_release(struct nsdev_loop *loop, bool keep)
{
	void *claim = loop->claim;

	lockdep_assert_held(&loop->lock);

	if (!claim) {
		claim = nsdev_loopdrv_bdev_open(loop->devt, loop);
		if (IS_ERR(claim))
			return;		/* someone else holds a claim: later */
	}
	if (!keep)
		nsdev_loop_unreserve_index(loop);
	nsdev_loop_drop_disk(loop);
	if (loop->pin) {
		nsdev_loopdrv_bdev_ioctl(loop->pin, false, LOOP_CLR_FD, 0);
		nsdev_bdev_close(loop->pin, NULL);
		loop->pin = NULL;
	}
	loop->claim = NULL;
	nsdev_bdev_close(claim, loop);
	loop->pending = false;
	loop->detached = false;
	WRITE_ONCE(loop->state, keep ? NSDEV_LOOP_RESERVED : NSDEV_LOOP_GONE);
	nsdev_loopdrv_ctl(LOOP_CTL_REMOVE, loop->index);
	/* Only now may GET_FREE consider the number again. */
	if (!keep)
		nsdev_loop_erase(loop);
}

/*
 * Is @mine's device open only by the module? The block layer's count, read
 * without its lock: an open racing with a release keeps the device, theirs
 * (see above); a close racing with it is seen by the next poll or close.
 */
static bool nsdev_loop_only_ours(struct nsdev_loop *loop, void *mine)
{
	return atomic_read(&nsdev_bdev(mine)->bd_openers) ==
	       !!loop->pin + !!loop->claim;
}

/* Release the device if only the module's own open is left. */
static void nsdev_loop_try_release(struct nsdev_loop *loop)
{
	void *mine;

	lockdep_assert_held(&loop->lock);

	switch (loop->state) {
	case NSDEV_LOOP_CLAIMED:
		mine = loop->claim;
		break;
	case NSDEV_LOOP_LIVE:
		mine = loop->pin;
		if (!loop->pending) {
			/*
			 * Autoclear set behind the module's back (host root's
			 * LOOP_CLR_FD through the host's node while the
			 * device was open) takes effect at the owner's last
			 * close, as the loop driver would apply it were the
			 * module's pin not there. Read only at that close.
			 */
			if (!nsdev_loop_only_ours(loop, mine) ||
			    !nsdev_loopdrv_autoclear(loop->index))
				return;
		} else if (!loop->orphan && !loop->detached &&
			   !nsdev_loopdrv_autoclear(loop->index)) {
			/* The owner turned autoclear off again: it stays bound. */
			loop->pending = false;
			return;
		}
		break;
	default:
		return;
	}
	if (nsdev_loop_only_ours(loop, mine))
		nsdev_loop_release(loop, !loop->orphan);
}

/*
 * Detach a LIVE loop on the module's initiative (its namespace died, or the
 * module goes): LOOP_CLR_FD while the module holds a second open (its
 * claim, when it can get one), so that the loop driver only sets autoclear
 * and clears the device on the last close, after the number has left the
 * registry (nsdev_loop_release()).
 */
static void nsdev_loop_detach(struct nsdev_loop *loop)
{
	void *claim;

	lockdep_assert_held(&loop->lock);

	if (!loop->claim) {
		claim = nsdev_loopdrv_bdev_open(loop->devt, loop);
		if (!IS_ERR(claim))
			loop->claim = claim;
	}
	nsdev_loopdrv_bdev_ioctl(loop->pin, false, LOOP_CLR_FD, 0);
	loop->pending = true;
}

static void nsdev_loop_note_autoclear(struct nsdev_loop *loop)
{
	lockdep_assert_held(&loop->lock);

	if (loop->state == NSDEV_LOOP_LIVE && nsdev_loopdrv_autoclear(loop->index)) {
		loop->pending = true;
		mod_delayed_work(system_wq, &nsdev_release_work, NSDEV_RELEASE_POLL);
	}
}

/*
 * Devices whose last user went away behind our back (a partition of it was
 * the last thing open, which does not pass through nsdev_loop_fops).
 */
static void nsdev_release_poll(struct work_struct *work)
{
	struct nsdev_loop *loop;
	unsigned long index;
	bool again = false;

	mutex_lock(&nsdev_loops_lock);
	xa_for_each(&nsdev_loops, index, loop) {
		/*
		 * Written under loop->lock, which the poller only tries: a
		 * flag set meanwhile comes with a new poll of its own, and
		 * one cleared meanwhile is checked again under the lock.
		 */
		if (!READ_ONCE(loop->pending))
			continue;
		refcount_inc(&loop->ref);
		mutex_unlock(&nsdev_loops_lock);
		/* Busy (maybe waiting on its I/O): try again next time. */
		if (mutex_trylock(&loop->lock)) {
			nsdev_loop_try_release(loop);
			again |= loop->pending;
			mutex_unlock(&loop->lock);
		} else {
			again = true;
		}
		nsdev_loop_put(loop);
		mutex_lock(&nsdev_loops_lock);
	}
	mutex_unlock(&nsdev_loops_lock);
	if (again)
		mod_delayed_work(system_wq, &nsdev_release_work, NSDEV_RELEASE_POLL);
}

/* --- file operations of a view's block nodes ------------------------- */

/*
 * Open @file through the block layer and check that it landed on @disk,
 * the gendisk the module holds open (so the open found it and created
 * nothing). Caller holds the loop's lock.
 */
static int nsdev_open_on_disk(struct inode *inode, struct file *file,
			      const struct gendisk *disk)
{
	int ret = nsdev_blk_fops->open(inode, file);

	if (ret)
		return ret;
	if (nsdev_file_bdev(file)->bd_disk != disk) {
		nsdev_blk_fops->release(inode, file);
		return -ENXIO;
	}
	return 0;
}

static int nsdev_loop_open(struct inode *inode, struct file *file)
{
	struct nsdev_loop *loop = nsdev_loop_of_inode(inode);
	int ret = 0;

	if (!loop)
		return -ENXIO;
	mutex_lock(&loop->lock);
	/*
	 * The permission check ran before this lock was ours: meanwhile the
	 * number may have been let go, and even handed to another namespace.
	 */
	if (loop->state == NSDEV_LOOP_GONE || !nsdev_node_visible(inode))
		ret = -ENXIO;
	else if (loop->state == NSDEV_LOOP_RESERVED)
		ret = nsdev_loop_instantiate(loop);
	if (!ret) {
		ret = nsdev_open_on_disk(inode, file, loop->disk);
		if (ret)
			nsdev_loop_try_release(loop);
	}
	mutex_unlock(&loop->lock);
	nsdev_loop_put(loop);
	return ret;
}

static int nsdev_loop_file_release(struct inode *inode, struct file *file)
{
	struct nsdev_loop *loop = nsdev_loop_of_inode(inode);
	int ret;

	ret = nsdev_blk_fops->release(inode, file);
	if (loop) {
		mutex_lock(&loop->lock);
		nsdev_loop_try_release(loop);
		mutex_unlock(&loop->lock);
		nsdev_loop_put(loop);
	}
	/* A detach removes the partitions from the view before close returns. */
	nsdev_view_settle(inode);
	return ret;
}

/*
 * A partition of a delegated loop opens only while the module holds its
 * disk: then the partition's number, if it has gone, cannot make the loop
 * driver create a device.
 */
static int nsdev_part_open(struct inode *inode, struct file *file)
{
	dev_t disk = nsdev_partition_disk(inode->i_rdev);
	struct nsdev_loop *loop = disk ? nsdev_loop_of_devt(disk) : NULL;
	int ret = -ENXIO;

	if (!loop)
		return -ENXIO;
	mutex_lock(&loop->lock);
	if (nsdev_loop_held(loop))
		ret = nsdev_open_on_disk(inode, file, loop->disk);
	mutex_unlock(&loop->lock);
	nsdev_loop_put(loop);
	return ret;
}

/*
 * Its last close may leave only the module's own opens on the disk, after
 * the owner detached it: the poller releases it then.
 */
static int nsdev_part_release(struct inode *inode, struct file *file)
{
	int ret = nsdev_blk_fops->release(inode, file);

	mod_delayed_work(system_wq, &nsdev_release_work, 0);
	return ret;
}

/* Any other block node: the block layer's ioctls of blkfilter.c only. */
static long nsdev_filtered_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg, bool compat, bool loop)
{
	if (!nsdev_blk_ioctl_allowed(cmd, compat, loop))
		return -ENOTTY;
	return compat ? nsdev_blk_fops->compat_ioctl(file, cmd, arg) :
			nsdev_blk_fops->unlocked_ioctl(file, cmd, arg);
}

static long nsdev_disk_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return nsdev_filtered_ioctl(file, cmd, arg, false, false);
}

static long nsdev_disk_compat_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	return nsdev_filtered_ioctl(file, cmd, arg, true, false);
}

/**
 * nsdev_loop_check_backing - may @fd back a delegated loop?
 * @fd:     the caller's file descriptor
 * @change: for LOOP_CHANGE_FD, which binds a device that is in use
 *
 * No block device of the loop driver, whole disk or partition, may (see
 * "Backing files" above). For LOOP_CHANGE_FD the caller's file table must
 * not be shared, so that the file checked is the file the loop driver
 * will get for @fd. Files the loop driver refuses are left to it.
 *
 * Return: 0, -EBADF, or -EBUSY for LOOP_CHANGE_FD with a shared file table.
 */
static int nsdev_loop_check_backing(int fd, bool change)
{
	struct gendisk *disk;
	struct file *file;
	int ret = 0;

	if (change && atomic_read(&current->files->count) > 1)
		return -EBUSY;
	file = fget(fd);
	if (!file)
		return -EBADF;
	if (S_ISBLK(file_inode(file)->i_mode) && file->f_mapping &&
	    file->f_mapping->host && S_ISBLK(file->f_mapping->host->i_mode)) {
		disk = nsdev_file_bdev(file)->bd_disk;
		if (disk->major == LOOP_MAJOR)
			ret = -EBADF;
	}
	fput(file);
	return ret;
}

/* The fd a binding ioctl names, or a negative errno. */
static int nsdev_loop_backing_fd(unsigned int cmd, unsigned long arg,
				 bool compat)
{
	struct loop_config cfg;

	if (cmd != LOOP_CONFIGURE)
		return arg > INT_MAX ? -EBADF : (int)arg;
	if (copy_from_user(&cfg, compat ? compat_ptr(arg) : (void __user *)arg,
			   sizeof(cfg)))
		return -EFAULT;
	return cfg.fd > INT_MAX ? -EBADF : (int)cfg.fd;
}

/* LOOP_CONFIGURE / LOOP_SET_FD on a CLAIMED device, through the claim. */
static long nsdev_loop_bind(struct nsdev_loop *loop, unsigned int cmd,
			    unsigned long arg)
{
	void *pin;
	long ret;

	lockdep_assert_held(&loop->lock);

	pin = nsdev_loopdrv_bdev_open(loop->devt, NULL);
	if (IS_ERR(pin))
		return PTR_ERR(pin);
	ret = nsdev_loopdrv_bdev_ioctl(loop->claim, true, cmd, arg);
	if (ret) {
		nsdev_bdev_close(pin, NULL);
		return ret;
	}
	loop->pin = pin;
	nsdev_bdev_close(loop->claim, loop);
	loop->claim = NULL;
	WRITE_ONCE(loop->state, NSDEV_LOOP_LIVE);
	nsdev_loop_note_autoclear(loop);
	return 0;
}

/*
 * Is the caller's open the only one of @loop's device besides the module's
 * own (its pin, and a claim during a release)? Partitions that are open
 * count, as for the stock driver. Caller holds @loop's lock.
 */
static bool nsdev_loop_sole_user(struct nsdev_loop *loop)
{
	void *mine = loop->pin ? loop->pin : loop->claim;

	lockdep_assert_held(&loop->lock);

	return mine && atomic_read(&nsdev_bdev(mine)->bd_openers) ==
		       1 + !!loop->pin + !!loop->claim;
}

/* Partitions on @loop's (held) gendisk, as many as BLKPG may make. */
static unsigned int nsdev_loop_partitions(struct nsdev_loop *loop)
{
	struct block_device *part;
	unsigned long i;
	unsigned int n = 0;

	xa_for_each_start(&loop->disk->part_tbl, i, part, 1)
		n++;
	return n;
}

/*
 * Which ioctls the module performs for the owner of a bound delegated
 * loop that the block layer or the loop driver would refuse it for want
 * of CAP_SYS_ADMIN in the initial namespace: BLKRRPART and BLKPG (what
 * parted, partx and blockdev --rereadpt use), and LOOP_SET_CAPACITY on a
 * read-only open (losetup -c). The caller must be root of the namespace
 * whose view the node is in, which owns the device (the open checked
 * that, and a view is a capability: SECURITY.md).
 */
static bool nsdev_loop_owner_may(struct nsdev_loop *loop, struct file *file,
				 unsigned int cmd)
{
	lockdep_assert_held(&loop->lock);

	if (cmd != BLKRRPART && cmd != BLKPG && cmd != LOOP_SET_CAPACITY)
		return false;
	/* Still the view's now, not only when the file was opened. */
	return loop->state == NSDEV_LOOP_LIVE && !loop->detached &&
	       !loop->orphan && nsdev_node_visible(file_inode(file)) &&
	       ns_capable(file_inode(file)->i_sb->s_user_ns, CAP_SYS_ADMIN);
}

/*
 * The ioctl of nsdev_loop_owner_may(), on the owner's own file, with the
 * initial root's credentials for just this call. Why that is safe: each of
 * the three acts on the owner's own disk only and on nothing its owner
 * could not do anyway: it can rewrite the disk's contents and have them
 * scanned (LOOP_CONFIGURE with LO_FLAGS_PARTSCAN), and the capacity comes
 * from its own backing file. Partitions become the owner's only through
 * nsdev_partition_added() (the gendisk the module holds, the per-user
 * charge). BLKPG works only while the disk has fewer than
 * NSDEV_USER_PARTS_PER_LOOP partitions (the loop's lock serialises the
 * count and the call, and one call adds one at most), so BLKPG adds
 * nothing beyond that; partition scans, the owner's or the host's, are
 * bounded by the block layer's 256 per disk, as they always were. No path
 * of these ioctls uses the credentials for anything but the capability
 * check.
 */
static long nsdev_loop_owner_ioctl(struct nsdev_loop *loop, struct file *file,
				   unsigned int cmd, unsigned long arg,
				   bool compat)
{
	const struct cred *old;
	long ret;

	/*
	 * Not "an ADD at the limit": the op is in user memory, which may
	 * change between a look here and the block layer's. So at the limit
	 * BLKPG deletes and resizes nothing either (BLKRRPART still works).
	 */
	if (cmd == BLKPG &&
	    nsdev_loop_partitions(loop) >= NSDEV_USER_PARTS_PER_LOOP)
		return -ENOSPC;
	old = override_creds(nsdev_loopdrv_cred());
	ret = compat ? nsdev_blk_fops->compat_ioctl(file, cmd, arg) :
		       nsdev_blk_fops->unlocked_ioctl(file, cmd, arg);
	revert_creds(old);
	return ret;
}

static long nsdev_loop_do_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg, bool compat)
{
	struct nsdev_loop *loop;
	int fd;
	long ret;

	switch (cmd) {
	case LOOP_CONFIGURE:
	case LOOP_SET_FD:
	case LOOP_CHANGE_FD:
		fd = nsdev_loop_backing_fd(cmd, arg, compat);
		if (fd < 0)
			return fd;
		ret = nsdev_loop_check_backing(fd, cmd == LOOP_CHANGE_FD);
		if (ret)
			return ret;
		break;
	case LOOP_CLR_FD:
	case LOOP_SET_STATUS:
	case LOOP_SET_STATUS64:
	case LOOP_GET_STATUS:
	case LOOP_GET_STATUS64:
	case LOOP_SET_CAPACITY:
	case LOOP_SET_DIRECT_IO:
	case LOOP_SET_BLOCK_SIZE:
	case BLKRRPART:
	case BLKPG:
		break;
	default:
		return nsdev_filtered_ioctl(file, cmd, arg, compat, true);
	}

	loop = nsdev_loop_of_inode(file_inode(file));
	if (!loop)
		return -ENXIO;
	mutex_lock(&loop->lock);
	if (loop->state == NSDEV_LOOP_LIVE && loop->detached &&
	    cmd != BLKRRPART && cmd != BLKPG) {
		/* Unbound to its owner, in rundown until the last close. */
		ret = cmd == LOOP_CONFIGURE || cmd == LOOP_SET_FD ? -EBUSY : -ENXIO;
	} else if ((cmd == LOOP_CONFIGURE || cmd == LOOP_SET_FD) &&
		   loop->state == NSDEV_LOOP_CLAIMED) {
		/* struct loop_config has one layout; LOOP_SET_FD's arg is an fd. */
		ret = nsdev_loop_bind(loop, cmd, compat ?
				      (unsigned long)compat_ptr(arg) : arg);
	} else if (nsdev_loop_owner_may(loop, file, cmd)) {
		ret = nsdev_loop_owner_ioctl(loop, file, cmd, arg, compat);
	} else {
		bool sole = cmd == LOOP_CLR_FD && nsdev_loop_sole_user(loop);

		/* The 32-bit struct loop_info needs the block layer's conversion. */
		ret = compat ? nsdev_blk_fops->compat_ioctl(file, cmd, arg) :
			       nsdev_blk_fops->unlocked_ioctl(file, cmd, arg);
		if (!ret)
			nsdev_loop_note_autoclear(loop);
		/*
		 * Released on the owner's last close, whatever autoclear
		 * says by then (a failed sysfs read, a later change).
		 */
		if (!ret && sole && loop->state == NSDEV_LOOP_LIVE) {
			loop->detached = true;
			loop->pending = true;
		}
	}
	mutex_unlock(&loop->lock);
	nsdev_loop_put(loop);
	/* Partitions a scan made are in the view when the call returns. */
	if (!ret)
		nsdev_view_settle(file_inode(file));
	return ret;
}

static long nsdev_loop_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return nsdev_loop_do_ioctl(file, cmd, arg, false);
}

static long nsdev_loop_compat_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	return nsdev_loop_do_ioctl(file, cmd, arg, true);
}

/**
 * nsdev_loop_reclaim - detach and free the loops of a dead namespace
 * @ns: its record (the caller holds a user)
 *
 * Called without nsdev_registry_lock (loop->lock comes first). A bound
 * loop is cleared through the module's pin: if nobody else has it open it
 * goes at once, otherwise when its last user closes it (the poller and
 * the node's release see to that). Numbers without a device just go.
 * Loops of other namespaces are not touched, and a loop whose lock is
 * taken (a call on it may be waiting for its I/O) is left for the next
 * run: the namespace stays dead, and the reaper comes back.
 */
void nsdev_loop_reclaim(struct nsdev_ns *ns)
{
	unsigned long index = 0;
	struct nsdev_loop *loop;

	for (;; index++) {
		bool owned;

		/* nsdev_loops_lock nests inside nsdev_registry_lock: not here. */
		mutex_lock(&nsdev_loops_lock);
		loop = xa_find(&nsdev_loops, &index, ULONG_MAX, XA_PRESENT);
		if (loop)
			refcount_inc(&loop->ref);
		mutex_unlock(&nsdev_loops_lock);
		if (!loop)
			break;

		mutex_lock(&nsdev_registry_lock);
		/*
		 * Only loops the namespace allocated: one it was passed by
		 * an ancestor goes back to it (nsdev_ns_reclaim()).
		 */
		owned = nsdev_loop_charged_to(loop->devt, ns);
		mutex_unlock(&nsdev_registry_lock);

		if (!owned || !mutex_trylock(&loop->lock)) {
			nsdev_loop_put(loop);
			continue;
		}
		switch (loop->state) {
		case NSDEV_LOOP_RESERVED:
			nsdev_loop_forget(loop);
			break;
		case NSDEV_LOOP_LIVE:
			nsdev_loop_detach(loop);
			fallthrough;
		case NSDEV_LOOP_CLAIMED:
			/*
			 * The number, its nodes and its quota go now; the
			 * device stays, claimed, while someone the namespace
			 * handed it to still uses it. The poller closes it:
			 * the last close may wait for the device's I/O, which
			 * the reaper must not.
			 */
			nsdev_loop_unreserve_index(loop);
			loop->pending = true;
			loop->orphan = true;
			mod_delayed_work(system_wq, &nsdev_release_work, 0);
			break;
		default:
			break;
		}
		mutex_unlock(&loop->lock);
		nsdev_loop_put(loop);
	}
}

/* --- numbers for loop-control (loopctl.c) ------------------------------ */

/**
 * nsdev_loop_reserve_index - a new number for the caller's namespace
 * @index: the loop index; no device of it may exist
 *
 * The number enters the table RESERVED and the registry as owned by the
 * caller's namespace, counted against its quota; its node is in the view
 * when this returns.
 *
 * Return: @index, -EEXIST when the table has it already, or the
 * registry's errno (-EDQUOT at a limit).
 */
long nsdev_loop_reserve_index(unsigned int index)
{
	struct nsdev_sync sync;
	struct nsdev_loop *loop;
	struct nsdev_ns *ns;
	char name[24];
	int ret;

	loop = kzalloc(sizeof(*loop), GFP_KERNEL_ACCOUNT);
	if (!loop)
		return -ENOMEM;
	loop->index = index;
	loop->devt = nsdev_loopdrv_devt(index);
	refcount_set(&loop->ref, 1);
	mutex_init(&loop->lock);

	mutex_lock(&nsdev_loops_lock);
	ret = xa_insert(&nsdev_loops, index, loop, GFP_KERNEL);
	if (ret) {
		mutex_unlock(&nsdev_loops_lock);
		kfree(loop);
		return ret == -EBUSY ? -EEXIST : ret;
	}
	mutex_unlock(&nsdev_loops_lock);

	snprintf(name, sizeof(name), "loop%u", index);
	mutex_lock(&nsdev_registry_lock);
	nsdev_sync_begin(&sync);
	ns = nsdev_ns_get(current_user_ns());
	ret = ns ? nsdev_loop_reserve(ns, loop->devt, name) : -ENOMEM;
	if (ns)
		nsdev_ns_put(ns);
	nsdev_sync_end();
	mutex_unlock(&nsdev_registry_lock);
	nsdev_sync_wait(&sync);

	if (ret) {
		/* Others may have found the entry meanwhile: drop, not free. */
		nsdev_loop_erase(loop);
		return ret;
	}
	return index;
}

/**
 * nsdev_loop_mine - is @loop the caller's namespace's?
 * @loop:  a table entry
 * @below: a descendant's counts too
 *
 * Return: true when the number is owned by the caller's namespace (or,
 * if @below, by a namespace below it).
 */
bool nsdev_loop_mine(struct nsdev_loop *loop, bool below)
{
	struct user_namespace *me = current_user_ns();
	struct nsdev_device *dev;
	bool mine = false;

	mutex_lock(&nsdev_registry_lock);
	dev = nsdev_device_find(NSDEVTMPFS_BLK, loop->devt);
	if (dev)
		mine = nsdev_device_owned_by(dev, me, below);
	mutex_unlock(&nsdev_registry_lock);
	return mine;
}

/**
 * nsdev_loop_find_reserved - a RESERVED number of the caller's namespace
 *
 * For GET_FREE, which hands these out before it makes new ones.
 *
 * Return: its index, or -ENOENT.
 */
long nsdev_loop_find_reserved(void)
{
	struct nsdev_loop *loop, *found = NULL;
	unsigned long index;
	long ret;

	mutex_lock(&nsdev_loops_lock);
	xa_for_each(&nsdev_loops, index, loop) {
		/*
		 * Written under loop->lock, not taken here: a number that
		 * leaves RESERVED meanwhile is handed out all the same, and
		 * its opener finds it CLAIMED (as after any race of two
		 * GET_FREEs); one that becomes RESERVED is found next time.
		 */
		if (READ_ONCE(loop->state) == NSDEV_LOOP_RESERVED) {
			refcount_inc(&loop->ref);
			mutex_unlock(&nsdev_loops_lock);
			if (nsdev_loop_mine(loop, false)) {
				found = loop;
				break;
			}
			nsdev_loop_put(loop);
			mutex_lock(&nsdev_loops_lock);
		}
	}
	if (!found) {
		mutex_unlock(&nsdev_loops_lock);
		return -ENOENT;
	}
	ret = found->index;
	nsdev_loop_put(found);
	return ret;
}

/**
 * nsdev_loop_known - is @index in the table?
 * @index: a loop index
 *
 * Return: true when some namespace holds the number.
 */
bool nsdev_loop_known(unsigned int index)
{
	/*
	 * xa_load() takes the RCU read lock itself. An answer that is stale
	 * at once is harmless: nsdev_loop_reserve_index() inserts under
	 * nsdev_loops_lock and fails with -EEXIST for a number taken.
	 */
	return xa_load(&nsdev_loops, index);
}

/**
 * nsdev_loop_give_up - LOOP_CTL_REMOVE of a number its caller may remove
 * @loop: the entry
 *
 * Return: 0 when the number left its namespace, -EBUSY while its device
 * exists (CLAIMED or LIVE, or already going).
 */
int nsdev_loop_give_up(struct nsdev_loop *loop)
{
	int ret;

	mutex_lock(&loop->lock);
	if (loop->state == NSDEV_LOOP_RESERVED) {
		nsdev_loop_forget(loop);
		ret = 0;
	} else {
		ret = -EBUSY;
	}
	mutex_unlock(&loop->lock);
	return ret;
}

/**
 * nsdev_loopdev_init - build the file operations of a view's block nodes
 *
 * Copies of the block layer's (nsdev_blk_fops) with open, release and
 * ioctl wrapped, and with an owner, so that the module stays while a
 * view's block node is open through them.
 */
void __init nsdev_loopdev_init(void)
{
	nsdev_disk_fops = *nsdev_blk_fops;
	nsdev_disk_fops.owner = THIS_MODULE;
	nsdev_disk_fops.unlocked_ioctl = nsdev_disk_ioctl;

	/* Partitions filter like any disk: no loop ioctls through them. */
	nsdev_part_fops = nsdev_disk_fops;
	nsdev_part_fops.open = nsdev_part_open;
	nsdev_part_fops.release = nsdev_part_release;

	nsdev_loop_fops = nsdev_disk_fops;
	nsdev_loop_fops.open = nsdev_loop_open;
	nsdev_loop_fops.release = nsdev_loop_file_release;
	nsdev_loop_fops.unlocked_ioctl = nsdev_loop_ioctl;
	/* Only where the block layer converts 32-bit ioctls (CONFIG_COMPAT). */
	if (nsdev_blk_fops->compat_ioctl) {
		nsdev_disk_fops.compat_ioctl = nsdev_disk_compat_ioctl;
		nsdev_part_fops.compat_ioctl = nsdev_disk_compat_ioctl;
		nsdev_loop_fops.compat_ioctl = nsdev_loop_compat_ioctl;
	}
}

/*
 * nsdev_loopdev_exit - no view is mounted and no file of ours is open
 * (both hold module references), so only the module's own opens remain:
 * clear and remove every device it made, and forget every number.
 */
void nsdev_loopdev_exit(void)
{
	struct nsdev_loop *loop;
	unsigned long index;

	cancel_delayed_work_sync(&nsdev_release_work);

	xa_for_each(&nsdev_loops, index, loop) {
		refcount_inc(&loop->ref);
		mutex_lock(&loop->lock);
		if (loop->state == NSDEV_LOOP_LIVE)
			nsdev_loop_detach(loop);
		if (loop->state == NSDEV_LOOP_RESERVED)
			nsdev_loop_forget(loop);
		else
			nsdev_loop_release(loop, false);
		if (loop->state != NSDEV_LOOP_GONE && loop->state != NSDEV_LOOP_RESERVED) {
			pr_warn("loop%u is in use; leaving it to its users\n", loop->index);
			nsdev_loop_forget(loop);
			if (loop->pin)
				nsdev_bdev_close(loop->pin, NULL);
			if (loop->claim)
				nsdev_bdev_close(loop->claim, loop);
		}
		mutex_unlock(&loop->lock);
		nsdev_loop_put(loop);
	}
}

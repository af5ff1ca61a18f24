/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the kernel API differences between the kernels we build for
 *
 * Every difference between the kernels of the matrix (6.1, 6.12, 7.x) is
 * bridged here, so that the other files read like in-tree code for the
 * newest kernel. The NSDEV_HAVE_* macros come from feature probes in Kbuild.
 */
#ifndef _NSDEVTMPFS_COMPAT_H
#define _NSDEVTMPFS_COMPAT_H

#include <linux/blkdev.h>
#include <linux/dcache.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/user_namespace.h>

/* 6.3 passes a struct mnt_idmap where 6.1 passed the mount's userns. */
#ifdef NSDEV_HAVE_MNT_IDMAP
#define nsdev_idmap_t	struct mnt_idmap
#else
#define nsdev_idmap_t	struct user_namespace
#endif

/* 6.15 lets ->mkdir() return a dentry (NULL: the one it was given). */
#ifdef NSDEV_HAVE_MKDIR_DENTRY
#define nsdev_mkdir_ret_t		struct dentry *
#define NSDEV_MKDIR_RETURN(err)		ERR_PTR(err)
#else
#define nsdev_mkdir_ret_t		int
#define NSDEV_MKDIR_RETURN(err)		(err)
#endif

/* 6.7 made the inode timestamps private behind accessors. */
static inline void nsdev_inode_init_ts(struct inode *inode)
{
#ifdef NSDEV_HAVE_INODE_TS_ACCESSORS
	simple_inode_init_ts(inode);
#else
	struct timespec64 now = current_time(inode);

	inode->i_atime = now;
	inode->i_mtime = now;
	inode->i_ctime = now;
#endif
}

/* A directory changed: update its mtime and ctime. */
static inline void nsdev_dir_touch(struct inode *dir)
{
#ifdef NSDEV_HAVE_INODE_TS_ACCESSORS
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
#else
	dir->i_mtime = current_time(dir);
	dir->i_ctime = dir->i_mtime;
#endif
}

/*
 * Pinned dentries. On a tree that lives in the dcache (ramfs, devpts, our
 * views) every positive dentry holds one extra reference of its own until
 * it is unlinked. The persistent-dentry rework (in 7.2, not in 6.12) made
 * that explicit: d_make_persistent(), d_make_discardable(), and
 * kill_anon_super() dropping them instead of kill_litter_super().
 */
#ifdef NSDEV_HAVE_PERSISTENT_DENTRIES
/* Instantiate @dentry (hashed or not) with @inode and pin it. */
static inline void nsdev_d_pin(struct dentry *dentry, struct inode *inode)
{
	d_make_persistent(dentry, inode);
}

/* Drop the pin of a dentry being removed from the tree. */
static inline void nsdev_d_unpin(struct dentry *dentry)
{
	d_make_discardable(dentry);
}

#define nsdev_kill_litter_super	kill_anon_super
#else
static inline void nsdev_d_pin(struct dentry *dentry, struct inode *inode)
{
	if (d_unhashed(dentry))
		d_add(dentry, inode);
	else
		d_instantiate(dentry, inode);
	dget(dentry);
}

static inline void nsdev_d_unpin(struct dentry *dentry)
{
	dput(dentry);
}

#define nsdev_kill_litter_super	kill_litter_super
#endif

/* Is @ns a user namespace? 7.x moved the type from the ops to ns_common. */
static inline bool nsdev_ns_common_is_user(const struct ns_common *ns)
{
#ifdef NSDEV_HAVE_NS_COMMON_TYPE
	return ns->ns_type == CLONE_NEWUSER;
#else
	return ns->ops->type == CLONE_NEWUSER;
#endif
}

/*
 * Look @name up in @parent, whose inode the caller has locked. The result
 * is hashed, negative when nothing has the name. 6.15 renamed the
 * permission-less lookup_one_len() to lookup_noperm().
 */
static inline struct dentry *nsdev_lookup_locked(struct dentry *parent,
						 const char *name)
{
#ifdef NSDEV_HAVE_LOOKUP_NOPERM
	struct qstr q = QSTR_INIT(name, strlen(name));

	return lookup_noperm(&q, parent);
#else
	return lookup_one_len(name, parent, strlen(name));
#endif
}

/*
 * Splice through ->read_iter: 6.5 added copy_splice_read(); before it,
 * generic_file_splice_read() did the same.
 */
#ifdef NSDEV_HAVE_COPY_SPLICE_READ
#define nsdev_copy_splice_read	copy_splice_read
#else
#define nsdev_copy_splice_read	generic_file_splice_read
#endif

/* 6.4 dropped the interface argument and constified the class. */
#ifdef NSDEV_HAVE_CONST_CLASS_INTF
#define NSDEV_CLASS_INTF_ARGS	struct device *dev
#define nsdev_class_t		const struct class
#else
#define NSDEV_CLASS_INTF_ARGS	struct device *dev, struct class_interface *intf
#define nsdev_class_t		struct class
#endif

/*
 * The block class of the block device @devt, learnt by opening it for
 * reading for a moment (the class itself is not exported). 6.9 returns
 * files from block device opens.
 */
static inline nsdev_class_t *nsdev_block_class_of(dev_t devt)
{
	nsdev_class_t *class;
#ifdef NSDEV_HAVE_BDEV_FILE
	struct file *file = bdev_file_open_by_dev(devt, BLK_OPEN_READ, NULL,
						  NULL);

	if (IS_ERR(file))
		return ERR_CAST(file);
	class = disk_to_dev(file_bdev(file)->bd_disk)->class;
	fput(file);
#else
	struct block_device *bdev = blkdev_get_by_dev(devt, FMODE_READ, NULL);

	if (IS_ERR(bdev))
		return ERR_CAST(bdev);
	class = disk_to_dev(bdev->bd_disk)->class;
	blkdev_put(bdev, FMODE_READ);
#endif
	return class;
}

/*
 * Block devices opened by the module for reading and writing, exclusively
 * (with a holder) or not. 6.9 returns a struct file, 6.1 the block_device;
 * the handle is one or the other (ERR_PTR on failure), only ever used
 * through these helpers. Closing is synchronous: on 6.12+ an fput() would
 * defer the real release, and a LOOP_CTL_REMOVE right after would fail.
 */
#ifdef NSDEV_HAVE_BDEV_FILE
#define NSDEV_BDEV_MODE		(BLK_OPEN_READ | BLK_OPEN_WRITE)
#define NSDEV_BDEV_EXCL		BLK_OPEN_EXCL

static inline void *nsdev_bdev_open(dev_t devt, void *holder)
{
	return bdev_file_open_by_dev(devt, NSDEV_BDEV_MODE |
				     (holder ? NSDEV_BDEV_EXCL : 0), holder,
				     NULL);
}

static inline void nsdev_bdev_close(void *h, void *holder)
{
	__fput_sync(h);
}

static inline struct block_device *nsdev_bdev(void *h)
{
	return file_bdev(h);
}
#else
#define NSDEV_BDEV_MODE		(FMODE_READ | FMODE_WRITE)
#define NSDEV_BDEV_EXCL		FMODE_EXCL

static inline void *nsdev_bdev_open(dev_t devt, void *holder)
{
	return blkdev_get_by_dev(devt, NSDEV_BDEV_MODE |
				 (holder ? NSDEV_BDEV_EXCL : 0), holder);
}

static inline void nsdev_bdev_close(void *h, void *holder)
{
	blkdev_put(h, NSDEV_BDEV_MODE | (holder ? NSDEV_BDEV_EXCL : 0));
}

static inline struct block_device *nsdev_bdev(void *h)
{
	return h;
}
#endif

/* The block device a block device file (a view node's, once open) is on. */
static inline struct block_device *nsdev_file_bdev(struct file *file)
{
#ifdef NSDEV_HAVE_BDEV_FILE
	return file_bdev(file);
#else
	return I_BDEV(file->f_mapping->host);
#endif
}

/* References on a user namespace; 7.x put them behind ns_ref_read(). */
static inline unsigned int nsdev_userns_refs(struct user_namespace *ns)
{
#ifdef NSDEV_HAVE_NS_REF_READ
	return ns_ref_read(ns);
#else
	return refcount_read(&ns->ns.count);
#endif
}

/*
 * Does an nsfs file, a bind mount of one or a path being set up hold the
 * namespace? nsfs keeps at most one dentry per namespace in ->stashed and
 * clears it when that dentry dies (->d_prune; nsfs never caches unused
 * dentries). 6.9 turned the atomic_long_t into a dentry pointer.
 *
 * A lockless read: the caller only compares it with NULL, and a dentry
 * appearing or dying meanwhile is judged again on the reaper's next run.
 */
static inline bool nsdev_userns_pinned(struct user_namespace *ns)
{
#ifdef NSDEV_HAVE_ATOMIC_NS_STASHED
	return atomic_long_read(&ns->ns.stashed) != 0;
#else
	return READ_ONCE(ns->ns.stashed);
#endif
}

#endif /* _NSDEVTMPFS_COMPAT_H */

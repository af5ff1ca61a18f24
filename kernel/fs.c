// SPDX-License-Identifier: GPL-2.0
/*
 * fs.c - the nsdevtmpfs filesystem: one view per user namespace
 *
 * A view is a superblock keyed by the registry record (struct nsdev_ns) of
 * the mounter's user namespace, as mqueue keys its superblock by ipc
 * namespace: every mount made from one user namespace shares one tree, and
 * the tree is discarded when the last mount of it goes away.
 *
 * The tree lives in the dcache, like ramfs: directories, symlinks, regular
 * files (file.c) and device nodes, each pinned by its dentry. The view's
 * root may reshape it (mkdir, symlink, create, unlink, rename, chmod,
 * chown) but never create a device node; nodes are made here, from the
 * registry, when the view is filled and whenever the registry changes what
 * the namespace may see.
 *
 * Locking: nsdev_ns::sb (which view is mounted) and a view's queue of
 * changes are protected by nsdev_registry_lock; the tree by the VFS's
 * directory inode locks. Kernel updates of a mounted tree take directory
 * locks one level at a time and never hold the registry lock meanwhile
 * (see "Updating views"); only a tree still being filled, which nobody
 * else can reach, is filled under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/fsnotify.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <uapi/linux/nsdevtmpfs.h>

#include "compat.h"
#include "nsdevtmpfs.h"
#include "registry.h"

static struct nsdev_ns *nsdev_sb_ns(const struct super_block *sb)
{
	return sb->s_fs_info;
}

/**
 * nsdev_ns_root_ids - the owner of a view's inodes
 * @ns:  the view's user namespace
 * @uid: set to uid 0 of @ns, or to @ns's owner when 0 is not mapped
 * @gid: likewise for the group
 */
static void nsdev_ns_root_ids(struct user_namespace *ns, kuid_t *uid,
			      kgid_t *gid)
{
	*uid = make_kuid(ns, 0);
	if (!uid_valid(*uid))
		*uid = ns->owner;
	*gid = make_kgid(ns, 0);
	if (!gid_valid(*gid))
		*gid = ns->group;
}

/* The view's limits (see "Limits" and the mount options below). */
#define NSDEV_VIEW_DEFAULT_INODES	4096
#define NSDEV_VIEW_MAX_INODES		BIT(20)
#define NSDEV_VIEW_DEFAULT_BYTES	SZ_1M
#define NSDEV_VIEW_MAX_BYTES		SZ_256M

/* Mount options (fs_context::fs_private) */
struct nsdev_fs_opts {
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	unsigned int max_inodes;
	unsigned long max_bytes;
};

static const struct inode_operations nsdev_dir_iops;
static const struct inode_operations nsdev_node_iops;

/**
 * nsdev_new_inode - an inode of a view
 * @sb:   the view
 * @mode: type and permission bits
 * @rdev: device number, for device nodes
 * @root: owned by root of the view's namespace (kernel-made), or else by
 *        the caller's fsuid/fsgid (made by the view's root)
 *
 * Return: the inode, or NULL when memory is short.
 */
static struct inode *nsdev_new_inode(struct super_block *sb, umode_t mode,
				     dev_t rdev, bool root)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode->i_mode = mode;
	if (root) {
		nsdev_ns_root_ids(sb->s_user_ns, &inode->i_uid, &inode->i_gid);
	} else {
		inode->i_uid = current_fsuid();
		inode->i_gid = current_fsgid();
	}
	nsdev_inode_init_ts(inode);

	switch (mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &nsdev_dir_iops;
		inode->i_fop = &simple_dir_operations;
		set_nlink(inode, 2);
		break;
	case S_IFLNK:
		inode->i_op = &simple_symlink_inode_operations;
		break;
	case S_IFREG:
		nsdev_file_init(inode);
		break;
	case S_IFCHR:
	case S_IFBLK:
		init_special_inode(inode, mode, rdev);
		inode->i_op = &nsdev_node_iops;
		break;
	}
	return inode;
}

/* Make @inode the child @dentry of @dir (locked) and pin it. */
static void nsdev_link_new(struct inode *dir, struct dentry *dentry,
			   struct inode *inode)
{
	if (S_ISDIR(inode->i_mode))
		inc_nlink(dir);
	nsdev_d_pin(dentry, inode);
	nsdev_dir_touch(dir);
}

/*
 * Limits. What a view's users make (directories, symlinks, regular files)
 * is counted against the view's limits, nr_inodes and size (bytes of
 * symlink targets and of regular files' pages), set by the first mount's
 * options; what the module makes (device nodes, the default content) is
 * bounded by the registry. All of it is charged to the memory cgroup of
 * whoever caused it (inodes and dentries by their caches, file data by
 * the page cache, symlink targets and queued updates here). A user-made
 * inode carries a mark in i_private and gives its charge back when it is
 * destroyed, before the superblock (and its record) goes.
 */

/**
 * nsdev_view_charge_bytes - count @bytes against the view's size limit
 * @sb:    the view
 * @bytes: what a symlink target or a file's pages take
 *
 * Return: 0, or -ENOSPC (and nothing counted) when they do not fit.
 */
int nsdev_view_charge_bytes(struct super_block *sb, unsigned long bytes)
{
	struct nsdev_ns *ns = nsdev_sb_ns(sb);

	if (atomic_long_add_return(bytes, &ns->view_bytes) > ns->view_max_bytes) {
		atomic_long_sub(bytes, &ns->view_bytes);
		return -ENOSPC;
	}
	return 0;
}

/* The view's byte limit (size=), also the longest a file of it may be. */
loff_t nsdev_view_max_bytes(const struct super_block *sb)
{
	return nsdev_sb_ns(sb)->view_max_bytes;
}

/* Give back what nsdev_view_charge_bytes() counted. */
void nsdev_view_uncharge_bytes(struct super_block *sb, unsigned long bytes)
{
	atomic_long_sub(bytes, &nsdev_sb_ns(sb)->view_bytes);
}

static int nsdev_view_charge(struct super_block *sb, size_t bytes)
{
	struct nsdev_ns *ns = nsdev_sb_ns(sb);
	int ret = -ENOSPC;

	if (atomic_inc_return(&ns->view_inodes) <= ns->view_max_inodes)
		ret = nsdev_view_charge_bytes(sb, bytes);
	if (ret)
		atomic_dec(&ns->view_inodes);
	return ret;
}

static void nsdev_view_uncharge(struct super_block *sb, size_t bytes)
{
	atomic_dec(&nsdev_sb_ns(sb)->view_inodes);
	nsdev_view_uncharge_bytes(sb, bytes);
}

#define NSDEV_USER_MADE		((void *)1UL)

static nsdev_mkdir_ret_t nsdev_mkdir(nsdev_idmap_t *idmap, struct inode *dir,
				     struct dentry *dentry, umode_t mode)
{
	struct inode *inode;
	int ret;

	ret = nsdev_view_charge(dir->i_sb, 0);
	if (ret)
		return NSDEV_MKDIR_RETURN(ret);
	inode = nsdev_new_inode(dir->i_sb, S_IFDIR | (mode & 07777), 0, false);
	if (!inode) {
		nsdev_view_uncharge(dir->i_sb, 0);
		return NSDEV_MKDIR_RETURN(-ENOMEM);
	}
	inode->i_private = NSDEV_USER_MADE;
	nsdev_link_new(dir, dentry, inode);
	return NSDEV_MKDIR_RETURN(0);
}

/* A regular file (file.c): empty, so only the inode counts at first. */
static int nsdev_create(nsdev_idmap_t *idmap, struct inode *dir,
			struct dentry *dentry, umode_t mode, bool excl)
{
	struct inode *inode;
	int ret;

	ret = nsdev_view_charge(dir->i_sb, 0);
	if (ret)
		return ret;
	inode = nsdev_new_inode(dir->i_sb, S_IFREG | (mode & 07777), 0, false);
	if (!inode) {
		nsdev_view_uncharge(dir->i_sb, 0);
		return -ENOMEM;
	}
	inode->i_private = NSDEV_USER_MADE;
	nsdev_link_new(dir, dentry, inode);
	return 0;
}

/* Create a symlink inode to @target; NULL when memory is short. */
static struct inode *nsdev_new_symlink(struct super_block *sb,
				       const char *target, bool root)
{
	struct inode *inode;
	char *link;

	link = kstrdup(target, GFP_KERNEL_ACCOUNT);
	if (!link)
		return NULL;
	inode = nsdev_new_inode(sb, S_IFLNK | 0777, 0, root);
	if (!inode) {
		kfree(link);
		return NULL;
	}
	inode->i_link = link;
	inode->i_size = strlen(link);
	return inode;
}

static int nsdev_symlink(nsdev_idmap_t *idmap, struct inode *dir,
			 struct dentry *dentry, const char *target)
{
	size_t len = strlen(target);
	struct inode *inode;
	int ret;

	ret = nsdev_view_charge(dir->i_sb, len);
	if (ret)
		return ret;
	inode = nsdev_new_symlink(dir->i_sb, target, false);
	if (!inode) {
		nsdev_view_uncharge(dir->i_sb, len);
		return -ENOMEM;
	}
	inode->i_private = NSDEV_USER_MADE;
	nsdev_link_new(dir, dentry, inode);
	return 0;
}

/*
 * Directories: like ramfs, minus ->mknod and ->tmpfile. Without ->mknod
 * the VFS refuses mknod(2) of a device or a FIFO with EPERM, which keeps
 * device nodes the module's own business (see nsdev_fill_super());
 * mknod(2) of a regular file goes to ->create, as open(O_CREAT) does.
 */
static const struct inode_operations nsdev_dir_iops = {
	.lookup		= simple_lookup,
	.create		= nsdev_create,
	.link		= simple_link,
	.unlink		= simple_unlink,
	.symlink	= nsdev_symlink,
	.mkdir		= nsdev_mkdir,
	.rmdir		= simple_rmdir,
	.rename		= simple_rename,
	.setattr	= simple_setattr,
};

static u32 nsdev_inode_type(const struct inode *inode)
{
	return S_ISBLK(inode->i_mode) ? NSDEVTMPFS_BLK : NSDEVTMPFS_CHR;
}

/**
 * nsdev_node_permission - the ownership check on every open of a node
 * @idmap: the mount's idmapping
 * @inode: a device node of a view
 * @mask:  the access wanted
 *
 * Device numbers are recycled, so a node may outlive the right to open it:
 * it may have been renamed or hard-linked before its device was revoked,
 * or be held as an O_PATH file. The VFS calls ->permission() for every
 * open under any name (may_open() -> inode_permission()), so asking the
 * registry here covers them all. RCU only; safe in RCU walk.
 *
 * Devices whose removal no class interface reports (character devices
 * outside the misc class) are also checked to still be the very device
 * instance that was assigned (its sysfs id), since their number may have
 * been handed to another device, whose name may well be the same.
 *
 * The question is whether the device is in the view's namespace, not the
 * opener's: a view is a capability, like a binderfs mount, and a
 * directory fd of it passed to another process opens what the view's
 * namespace may open (SECURITY.md), never more.
 *
 * Return: -ENXIO when the device is not (or no longer) in this view,
 * otherwise the usual mode-bit check.
 */
static int nsdev_node_permission(nsdev_idmap_t *idmap, struct inode *inode,
				 int mask)
{
	u32 type = nsdev_inode_type(inode);
	u64 id, now;

	switch (nsdev_visible(type, inode->i_rdev, nsdev_sb_ns(inode->i_sb),
			      &id)) {
	case NSDEV_HIDDEN:
		return -ENXIO;
	case NSDEV_VISIBLE_RECHECK:
		/* Looking sysfs up may sleep: not in RCU walk. */
		if (mask & MAY_NOT_BLOCK)
			return -ECHILD;
		if (nsdev_sysfs_id(type, inode->i_rdev, &now) || now != id)
			return -ENXIO;
		break;
	}
	return generic_permission(idmap, inode, mask);
}

/**
 * nsdev_node_visible - is a view's device node still its namespace's?
 * @inode: a device node of a view
 *
 * For the block nodes' open, which checks again under the device's lock
 * what nsdev_node_permission() checked before it.
 *
 * Return: true when the node's device is global or owned by the view's
 * namespace (for an untracked device: maybe, its open checks the rest).
 */
bool nsdev_node_visible(struct inode *inode)
{
	u64 id;

	return nsdev_visible(nsdev_inode_type(inode), inode->i_rdev,
			     nsdev_sb_ns(inode->i_sb), &id) != NSDEV_HIDDEN;
}

static const struct inode_operations nsdev_node_iops = {
	.permission	= nsdev_node_permission,
	.setattr	= simple_setattr,
};

/**
 * nsdev_lookup_child - find a child of a locked directory
 * @parent: the directory's dentry; its inode is locked by the caller
 * @name:   one path component
 *
 * Return: the child's dentry (positive, or negative and hashed) with a
 * reference, or NULL when memory is short.
 */
static struct dentry *nsdev_lookup_child(struct dentry *parent,
					 const char *name)
{
	struct dentry *dentry;

	lockdep_assert_held(&d_inode(parent)->i_rwsem);
	dentry = nsdev_lookup_locked(parent, name);
	return IS_ERR(dentry) ? NULL : dentry;
}

/**
 * nsdev_add_child - create a child of a locked directory, unless its name
 * is taken
 * @dir:    the parent directory inode, locked
 * @parent: its dentry
 * @name:   the new entry's name
 * @inode:  the new inode; consumed either way
 *
 * Return: the child's dentry with a reference (the new one, or what already
 * had the name), or NULL when memory is short.
 */
static struct dentry *nsdev_add_child(struct inode *dir, struct dentry *parent,
				      const char *name, struct inode *inode)
{
	struct dentry *dentry;

	lockdep_assert_held(&dir->i_rwsem);

	dentry = nsdev_lookup_child(parent, name);
	if (!dentry || d_really_is_positive(dentry)) {
		iput(inode);
		return dentry;
	}
	nsdev_link_new(dir, dentry, inode);
	fsnotify_create(dir, dentry);
	return dentry;
}

/*
 * nsdev_walk_parent - the directory a node named @path ("net/tun") goes
 * in, creating missing directories when @create. Returns the directory's
 * dentry with a reference and its last component in *@leaf, or NULL when
 * the path is blocked (the view's root put something else there).
 */
static struct dentry *nsdev_walk_parent(struct super_block *sb, char *path,
					char **leaf, bool create)
{
	struct dentry *dir = dget(sb->s_root), *child;
	char *slash;

	while ((slash = strchr(path, '/'))) {
		struct inode *inode = d_inode(dir);

		*slash = '\0';
		inode_lock(inode);
		if (IS_DEADDIR(inode)) {
			child = NULL;
		} else if (create) {
			struct inode *new = nsdev_new_inode(sb, S_IFDIR | 0755,
							    0, true);

			child = new ? nsdev_add_child(inode, dir, path, new) : NULL;
		} else {
			child = nsdev_lookup_child(dir, path);
		}
		inode_unlock(inode);
		dput(dir);
		if (!child || !d_really_is_positive(child) ||
		    !d_is_dir(child)) {
			dput(child);
			return NULL;
		}
		dir = child;
		path = slash + 1;
	}
	*leaf = path;
	return dir;
}

/**
 * struct nsdev_view_op - a pending change of a view's tree
 * @node:  in nsdev_ns::view_ops
 * @type:  NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt:  the device
 * @mode:  its node's permission bits
 * @flags: its NSDEV_DEV_* flags
 * @show:  add the node (true) or remove it
 * @name:  the node's path in the view
 *
 * A copy, not the registry's entry, which may be gone when it is applied.
 */
struct nsdev_view_op {
	struct list_head node;
	u32 type;
	dev_t devt;
	umode_t mode;
	unsigned int flags;
	bool show;
	char name[NSDEVTMPFS_NAME_MAX];
};

static void nsdev_view_op_fill(struct nsdev_view_op *op,
			       const struct nsdev_device *dev, bool show)
{
	op->type = dev->type;
	op->devt = dev->devt;
	op->mode = dev->mode;
	op->flags = dev->flags;
	op->show = show;
	strscpy(op->name, dev->name, sizeof(op->name));
}

/**
 * nsdev_blk_node_fops - the file operations of a view's block node
 * @flags: the device's NSDEV_DEV_* flags, as the change recorded them
 *
 * Block nodes pass on only the ioctls of blkfilter.c, and delegated loops
 * and their partitions drive the state machine of loopdev.c.
 *
 * Return: the wrapped operations of a delegated loop, of a partition of
 * one, or of any other block device.
 */
static const struct file_operations *nsdev_blk_node_fops(unsigned int flags)
{
	if (flags & NSDEV_DEV_LOOP)
		return nsdev_blk_loop_fops;
	if (flags & NSDEV_DEV_PARTITION)
		return nsdev_blk_part_fops;
	return nsdev_blk_disk_fops;
}

static void nsdev_view_add(struct super_block *sb,
			   const struct nsdev_view_op *dev)
{
	umode_t type = dev->type == NSDEVTMPFS_BLK ? S_IFBLK : S_IFCHR;
	char path[NSDEVTMPFS_NAME_MAX];
	struct dentry *dir, *child;
	struct inode *inode;
	char *leaf;

	strscpy(path, dev->name, sizeof(path));
	dir = nsdev_walk_parent(sb, path, &leaf, true);
	if (!dir)
		return;
	inode = nsdev_new_inode(sb, type | dev->mode, dev->devt, true);
	if (inode && type == S_IFBLK)
		inode->i_fop = nsdev_blk_node_fops(dev->flags);
	if (inode) {
		inode_lock(d_inode(dir));
		if (!IS_DEADDIR(d_inode(dir))) {
			child = nsdev_add_child(d_inode(dir), dir, leaf, inode);
			dput(child);
		} else {
			iput(inode);
		}
		inode_unlock(d_inode(dir));
	}
	dput(dir);
}

/*
 * nsdev_view_remove - unlink the node of @dev, if it is still where the
 * module put it. A node the view's root renamed stays, but cannot be
 * opened any more (nsdev_node_permission()).
 */
static void nsdev_view_remove(struct super_block *sb,
			      const struct nsdev_view_op *dev)
{
	char path[NSDEVTMPFS_NAME_MAX];
	struct dentry *dir, *child;
	struct inode *inode;
	char *leaf;

	strscpy(path, dev->name, sizeof(path));
	dir = nsdev_walk_parent(sb, path, &leaf, false);
	if (!dir)
		return;
	inode_lock(d_inode(dir));
	child = nsdev_lookup_child(dir, leaf);
	if (child && d_really_is_positive(child)) {
		inode = d_inode(child);
		if ((S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode)) &&
		    nsdev_inode_type(inode) == dev->type &&
		    inode->i_rdev == dev->devt) {
			drop_nlink(inode);
			d_drop(child);
			nsdev_dir_touch(d_inode(dir));
			fsnotify_unlink(d_inode(dir), child);
			nsdev_d_unpin(child);
		}
	}
	inode_unlock(d_inode(dir));
	dput(child);
	dput(dir);
}

/*
 * Updating views. A view's owner can hold its directory locks as long as it
 * likes (a getdents64 into a buffer whose page fault never completes), so
 * nothing that holds nsdev_registry_lock, or runs for the host (a block
 * device's hotplug callback), may wait for them. Registry changes queue
 * their effect on each mounted view under the registry lock; the view's
 * own work item, on an unbound workqueue, applies the queue with only the
 * tree's locks held, and a stuck view stalls nothing but its own work
 * item. A call that should show its effect before it returns waits for the
 * views it changed afterwards, holding no lock of the module: its own
 * namespace's view as long as it takes (killably), another namespace's
 * view a second at most (nsdev_sync_wait()).
 */
static struct workqueue_struct *nsdev_view_wq;

/* The sync context of the registry change in progress (registry lock). */
static struct nsdev_sync *nsdev_cur_sync;

static void nsdev_sync_note(struct nsdev_ns *ns)
{
	struct nsdev_sync *sync = nsdev_cur_sync;
	unsigned int i;

	if (!sync)
		return;
	for (i = 0; i < sync->n; i++) {
		if (sync->ns[i] == ns) {
			sync->seq[i] = ns->view_queued;
			return;
		}
	}
	if (sync->n == ARRAY_SIZE(sync->ns))
		return;		/* global changes: the rest catch up */
	nsdev_ns_hold(ns);
	sync->ns[sync->n] = ns;
	sync->seq[sync->n++] = ns->view_queued;
}

/**
 * nsdev_sync_begin - collect the views the following changes touch
 * @sync: on the caller's stack
 *
 * Caller holds nsdev_registry_lock until nsdev_sync_end(), then calls
 * nsdev_sync_wait() without it.
 */
void nsdev_sync_begin(struct nsdev_sync *sync)
{
	lockdep_assert_held(&nsdev_registry_lock);
	sync->n = 0;
	nsdev_cur_sync = sync;
}

void nsdev_sync_end(void)
{
	lockdep_assert_held(&nsdev_registry_lock);
	nsdev_cur_sync = NULL;
}

static void nsdev_view_wait(struct nsdev_ns *ns, u64 seq)
{
	long timeout = ns->userns == current_user_ns() ? MAX_SCHEDULE_TIMEOUT : HZ;

	/* The module's own workers (reaper, poller) never wait for a view. */
	if (current->flags & PF_KTHREAD)
		return;
	/* Lockless: the work publishes @view_done after the tree changed. */
	wait_event_killable_timeout(ns->view_wait,
				    READ_ONCE(ns->view_done) >= seq, timeout);
}

/**
 * nsdev_sync_wait - wait until the views @sync noted show the changes
 * @sync: filled between nsdev_sync_begin() and nsdev_sync_end()
 *
 * Takes nsdev_registry_lock to drop the record users it holds. Kernel
 * threads do not wait.
 */
void nsdev_sync_wait(struct nsdev_sync *sync)
{
	unsigned int i;

	for (i = 0; i < sync->n; i++)
		nsdev_view_wait(sync->ns[i], sync->seq[i]);
	if (!sync->n)
		return;
	mutex_lock(&nsdev_registry_lock);
	for (i = 0; i < sync->n; i++)
		nsdev_ns_put(sync->ns[i]);
	mutex_unlock(&nsdev_registry_lock);
}

/**
 * nsdev_view_settle - wait until the view of @inode shows what was queued
 * @inode: an inode of a view (its superblock is alive: the caller has it
 *         open)
 *
 * For a partition scan, which changes the view from the block class's
 * callback: the call that caused it waits for its own view afterwards.
 */
void nsdev_view_settle(struct inode *inode)
{
	struct nsdev_ns *ns = nsdev_sb_ns(inode->i_sb);

	/*
	 * Without the registry lock: the scan's own changes were queued
	 * before the call that made them returned to us, so a later value
	 * only makes us wait for more than our own.
	 */
	nsdev_view_wait(ns, READ_ONCE(ns->view_queued));
}

/**
 * nsdev_view_update - show or hide a device in a mounted view
 * @ns:   the view's namespace record (@ns->sb is set)
 * @dev:  the device
 * @show: whether it is now visible
 *
 * Caller holds nsdev_registry_lock. The change is queued, and applied by
 * the view's work item; a pending change of the same node is replaced.
 * Failures to allocate leave the node out: the open-time check is what
 * enforces ownership, the tree is a convenience.
 */
void nsdev_view_update(struct nsdev_ns *ns, const struct nsdev_device *dev,
		       bool show)
{
	struct nsdev_view_op *op;

	lockdep_assert_held(&nsdev_registry_lock);

	list_for_each_entry(op, &ns->view_ops, node) {
		if (op->type == dev->type && op->devt == dev->devt &&
		    !strcmp(op->name, dev->name)) {
			nsdev_view_op_fill(op, dev, show);
			goto queued;
		}
	}
	op = kmalloc(sizeof(*op), GFP_KERNEL_ACCOUNT);
	if (!op)
		return;
	nsdev_view_op_fill(op, dev, show);
	list_add_tail(&op->node, &ns->view_ops);
queued:
	/* Read locklessly by nsdev_view_settle(). */
	WRITE_ONCE(ns->view_queued, ns->view_queued + 1);
	nsdev_sync_note(ns);
	queue_work(nsdev_view_wq, &ns->view_work);
}

static void nsdev_view_work_fn(struct work_struct *work)
{
	struct nsdev_ns *ns = container_of(work, struct nsdev_ns, view_work);
	struct nsdev_view_op *op, *tmp;
	struct super_block *sb;
	LIST_HEAD(ops);
	u64 seq;

	mutex_lock(&nsdev_registry_lock);
	sb = ns->sb;
	list_splice_init(&ns->view_ops, &ops);
	seq = ns->view_queued;
	mutex_unlock(&nsdev_registry_lock);

	/* No module lock held: only this view's tree locks (see above). */
	list_for_each_entry_safe(op, tmp, &ops, node) {
		if (sb && op->show)
			nsdev_view_add(sb, op);
		else if (sb)
			nsdev_view_remove(sb, op);
		list_del(&op->node);
		kfree(op);
	}
	WRITE_ONCE(ns->view_done, seq);
	wake_up_all(&ns->view_wait);
}

/* nsdev_view_init - set up a new record's view queue (registry lock) */
void nsdev_view_init(struct nsdev_ns *ns)
{
	INIT_LIST_HEAD(&ns->view_ops);
	INIT_WORK(&ns->view_work, nsdev_view_work_fn);
	init_waitqueue_head(&ns->view_wait);
}

/* The default directories and symlinks of every view (SPEC §2). */
static const char * const nsdev_default_dirs[] = { "pts", "shm", "mqueue" };

static const struct {
	const char *name;
	const char *target;
} nsdev_default_links[] = {
	{ "fd",		"/proc/self/fd" },
	{ "stdin",	"/proc/self/fd/0" },
	{ "stdout",	"/proc/self/fd/1" },
	{ "stderr",	"/proc/self/fd/2" },
	{ "ptmx",	"pts/ptmx" },
};

static int nsdev_populate(struct super_block *sb)
{
	struct dentry *root = sb->s_root, *child;
	struct inode *dir = d_inode(root), *inode;
	struct nsdev_view_op *op;
	const struct nsdev_device *dev;
	int i, ret = 0;

	inode_lock(dir);
	for (i = 0; i < ARRAY_SIZE(nsdev_default_dirs) && !ret; i++) {
		inode = nsdev_new_inode(sb, S_IFDIR | 0755, 0, true);
		child = inode ? nsdev_add_child(dir, root, nsdev_default_dirs[i],
						inode) : NULL;
		ret = child ? 0 : -ENOMEM;
		dput(child);
	}
	for (i = 0; i < ARRAY_SIZE(nsdev_default_links) && !ret; i++) {
		inode = nsdev_new_symlink(sb, nsdev_default_links[i].target,
					  true);
		child = inode ? nsdev_add_child(dir, root,
						nsdev_default_links[i].name,
						inode) : NULL;
		ret = child ? 0 : -ENOMEM;
		dput(child);
	}
	inode_unlock(dir);
	if (ret)
		return ret;

	/*
	 * Under the registry lock, but nobody else can reach this tree's
	 * locks before the mount is done.
	 */
	op = kmalloc(sizeof(*op), GFP_KERNEL);
	if (!op)
		return -ENOMEM;
	for (dev = nsdev_device_next(NULL); dev; dev = nsdev_device_next(dev)) {
		if (nsdev_device_visible_to(dev, nsdev_sb_ns(sb))) {
			nsdev_view_op_fill(op, dev, true);
			nsdev_view_add(sb, op);
		}
	}
	kfree(op);
	return 0;
}

static void nsdev_destroy_inode(struct inode *inode)
{
	size_t bytes = 0;

	if (inode->i_private != NSDEV_USER_MADE)
		return;
	if (S_ISLNK(inode->i_mode))
		bytes = inode->i_size;
	else if (S_ISREG(inode->i_mode))
		bytes = nsdev_file_charged(inode);
	nsdev_view_uncharge(inode->i_sb, bytes);
}

static void nsdev_free_inode(struct inode *inode)
{
	if (S_ISLNK(inode->i_mode))
		kfree(inode->i_link);
	free_inode_nonrcu(inode);
}

static const struct super_operations nsdev_super_ops = {
	.statfs		= simple_statfs,
	.destroy_inode	= nsdev_destroy_inode,
	.free_inode	= nsdev_free_inode,
};

/**
 * nsdev_fill_super - set up a new view
 * @sb: the superblock, keyed to the namespace's record by get_tree_keyed()
 * @fc: the mount request
 *
 * Makes the root directory, registers the view with its namespace record
 * and fills it with the default content and every device the registry
 * shows the namespace.
 *
 * Return: 0, or -ENOMEM (the VFS then calls nsdev_kill_sb()).
 */
static int nsdev_fill_super(struct super_block *sb, struct fs_context *fc)
{
	const struct nsdev_fs_opts *opts = fc->fs_private;
	struct nsdev_ns *ns = nsdev_sb_ns(sb);
	struct inode *root;
	int ret;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = NSDEVTMPFS_SUPER_MAGIC;
	sb->s_op = &nsdev_super_ops;
	sb->s_time_gran = 1;
	/*
	 * It bounds the view's block nodes too (fallocate, sendfile on a
	 * loop device): the largest; file.c bounds the view's own files.
	 */
	sb->s_maxbytes = MAX_LFS_FILESIZE;

	/*
	 * A view of a non-initial user namespace must open device nodes, so
	 * SB_I_NODEV (set by sget_fc() for such namespaces) is cleared, as
	 * devpts and binderfs do. This is safe because
	 *  - nobody can create a device node here: the directories have no
	 *    ->mknod (->create makes regular files only: vfs_create() passes
	 *    it S_IFREG), links and renames cannot cross superblocks, and the
	 *    module makes nodes only for devices the registry shows this
	 *    view's namespace;
	 *  - every open of a node asks the registry again
	 *    (nsdev_node_permission()), so a node kept past a revoke, or whose
	 *    number now names another device, opens nothing.
	 * A /dev has no business executing anything: SB_I_NOEXEC.
	 */
	sb->s_iflags &= ~SB_I_NODEV;
	sb->s_iflags |= SB_I_NOEXEC;

	atomic_set(&ns->view_inodes, 0);
	atomic_long_set(&ns->view_bytes, 0);
	ns->view_max_inodes = opts->max_inodes;
	ns->view_max_bytes = opts->max_bytes;

	root = nsdev_new_inode(sb, S_IFDIR | opts->mode, 0, true);
	if (!root)
		return -ENOMEM;
	if (uid_valid(opts->uid))
		root->i_uid = opts->uid;
	if (gid_valid(opts->gid))
		root->i_gid = opts->gid;
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;

	mutex_lock(&nsdev_registry_lock);
	ns->sb = sb;
	ret = nsdev_populate(sb);
	mutex_unlock(&nsdev_registry_lock);
	return ret;
}

/*
 * One superblock per user namespace: get_tree_keyed() finds the view whose
 * s_fs_info is this namespace's record, or makes one. A new superblock
 * takes over the record user that fc->s_fs_info holds (sget_fc() clears
 * it); otherwise nsdev_free_fc() drops it.
 */
static int nsdev_get_tree(struct fs_context *fc)
{
	struct nsdev_ns *ns;

	mutex_lock(&nsdev_registry_lock);
	ns = nsdev_ns_get(fc->user_ns);
	mutex_unlock(&nsdev_registry_lock);
	if (!ns)
		return -ENOMEM;
	return get_tree_keyed(fc, nsdev_fill_super, ns);
}

static void nsdev_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
	if (fc->s_fs_info) {
		mutex_lock(&nsdev_registry_lock);
		nsdev_ns_put(fc->s_fs_info);
		mutex_unlock(&nsdev_registry_lock);
	}
}

/*
 * Mount options, tmpfs's names with their meaning where a view has one, so
 * that the /dev mount of stock container configurations works: mode, uid
 * and gid of the root directory; nr_inodes, the most inodes the view's
 * users may make; size, the most bytes of symlink targets and regular
 * files' pages they may store.
 * They apply when the view is made (the first mount in the namespace);
 * later mounts share the view and its settings. Unknown options fail.
 */
enum {
	NSDEV_OPT_MODE,
	NSDEV_OPT_UID,
	NSDEV_OPT_GID,
	NSDEV_OPT_SIZE,
	NSDEV_OPT_NR_INODES,
};

static const struct fs_parameter_spec nsdev_fs_parameters[] = {
	fsparam_u32oct("mode",		NSDEV_OPT_MODE),
	fsparam_u32("uid",		NSDEV_OPT_UID),
	fsparam_u32("gid",		NSDEV_OPT_GID),
	fsparam_string("size",		NSDEV_OPT_SIZE),
	fsparam_string("nr_inodes",	NSDEV_OPT_NR_INODES),
	{}
};

static int nsdev_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct nsdev_fs_opts *opts = fc->fs_private;
	struct fs_parse_result result;
	unsigned long long n;
	char *rest;
	int opt;

	opt = fs_parse(fc, nsdev_fs_parameters, param, &result);
	if (opt < 0)
		return opt;
	switch (opt) {
	case NSDEV_OPT_MODE:
		opts->mode = result.uint_32 & 07777;
		break;
	case NSDEV_OPT_UID:
		opts->uid = make_kuid(fc->user_ns, result.uint_32);
		if (!uid_valid(opts->uid))
			return invalfc(fc, "uid %u is not mapped", result.uint_32);
		break;
	case NSDEV_OPT_GID:
		opts->gid = make_kgid(fc->user_ns, result.uint_32);
		if (!gid_valid(opts->gid))
			return invalfc(fc, "gid %u is not mapped", result.uint_32);
		break;
	case NSDEV_OPT_SIZE:
		n = memparse(param->string, &rest);
		if (*rest || !n || n > NSDEV_VIEW_MAX_BYTES)
			return invalfc(fc, "size must be 1 to %u bytes (k, m, g)",
				       NSDEV_VIEW_MAX_BYTES);
		opts->max_bytes = n;
		break;
	case NSDEV_OPT_NR_INODES:
		n = memparse(param->string, &rest);
		if (*rest || !n || n > NSDEV_VIEW_MAX_INODES)
			return invalfc(fc, "nr_inodes must be 1 to %lu",
				       NSDEV_VIEW_MAX_INODES);
		opts->max_inodes = n;
		break;
	}
	return 0;
}

static const struct fs_context_operations nsdev_context_ops = {
	.parse_param	= nsdev_parse_param,
	.get_tree	= nsdev_get_tree,
	.free		= nsdev_free_fc,
};

static int nsdev_init_fs_context(struct fs_context *fc)
{
	struct nsdev_fs_opts *opts;

	opts = kzalloc(sizeof(*opts), GFP_KERNEL);
	if (!opts)
		return -ENOMEM;
	opts->mode = 0755;
	opts->uid = INVALID_UID;
	opts->gid = INVALID_GID;
	opts->max_inodes = NSDEV_VIEW_DEFAULT_INODES;
	opts->max_bytes = NSDEV_VIEW_DEFAULT_BYTES;
	fc->fs_private = opts;
	fc->ops = &nsdev_context_ops;
	return 0;
}

/*
 * The registry forgets the view before the tree goes, so no update can
 * reach a dying superblock; then the record user of the superblock drops.
 */
static void nsdev_kill_sb(struct super_block *sb)
{
	struct nsdev_ns *ns = nsdev_sb_ns(sb);

	mutex_lock(&nsdev_registry_lock);
	if (ns && ns->sb == sb)
		ns->sb = NULL;
	mutex_unlock(&nsdev_registry_lock);

	/* Updates of this tree are done, or will find no view. */
	if (ns) {
		struct nsdev_view_op *op, *tmp;

		cancel_work_sync(&ns->view_work);
		mutex_lock(&nsdev_registry_lock);
		list_for_each_entry_safe(op, tmp, &ns->view_ops, node) {
			list_del(&op->node);
			kfree(op);
		}
		WRITE_ONCE(ns->view_done, ns->view_queued);
		mutex_unlock(&nsdev_registry_lock);
		wake_up_all(&ns->view_wait);
	}

	nsdev_kill_litter_super(sb);

	if (ns) {
		mutex_lock(&nsdev_registry_lock);
		nsdev_ns_put(ns);
		mutex_unlock(&nsdev_registry_lock);
	}
}

static struct file_system_type nsdev_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "nsdevtmpfs",
	.init_fs_context	= nsdev_init_fs_context,
	.kill_sb		= nsdev_kill_sb,
	.parameters		= nsdev_fs_parameters,
	.fs_flags		= FS_USERNS_MOUNT,
};

int __init nsdev_fs_init(void)
{
	int ret;

	nsdev_view_wq = alloc_workqueue("nsdevtmpfs_views", WQ_UNBOUND, 0);
	if (!nsdev_view_wq)
		return -ENOMEM;
	ret = register_filesystem(&nsdev_fs_type);
	if (ret)
		destroy_workqueue(nsdev_view_wq);
	return ret;
}

void nsdev_fs_exit(void)
{
	unregister_filesystem(&nsdev_fs_type);
	destroy_workqueue(nsdev_view_wq);
}

MODULE_ALIAS_FS("nsdevtmpfs");

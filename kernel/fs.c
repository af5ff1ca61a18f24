// SPDX-License-Identifier: GPL-2.0
/*
 * fs.c - the nsdevtmpfs filesystem: one view per user namespace
 *
 * A view is a superblock keyed by the registry record (struct nsdev_ns) of
 * the mounter's user namespace, as mqueue keys its superblock by ipc
 * namespace: every mount made from one user namespace shares one tree, and
 * the tree is discarded when the last mount of it goes away.
 *
 * The tree lives in the dcache, like ramfs: directories, symlinks and
 * device nodes, each pinned by its dentry. The view's root may reshape it
 * (mkdir, symlink, unlink, rename, chmod, chown) but never create a device
 * node; nodes are made here, from the registry, when the view is filled
 * and whenever the registry changes what the namespace may see.
 *
 * Locking: nsdev_ns::sb (which view is mounted) is protected by
 * nsdev_registry_lock; the tree by the VFS's directory inode locks. Kernel
 * updates of a tree take the registry lock first, then directory locks one
 * level at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fsnotify.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

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

static nsdev_mkdir_ret_t nsdev_mkdir(nsdev_idmap_t *idmap, struct inode *dir,
				     struct dentry *dentry, umode_t mode)
{
	struct inode *inode;

	inode = nsdev_new_inode(dir->i_sb, S_IFDIR | (mode & 07777), 0, false);
	if (!inode)
		return NSDEV_MKDIR_RETURN(-ENOMEM);
	nsdev_link_new(dir, dentry, inode);
	return NSDEV_MKDIR_RETURN(0);
}

/* Create a symlink inode to @target; NULL when memory is short. */
static struct inode *nsdev_new_symlink(struct super_block *sb,
				       const char *target, bool root)
{
	struct inode *inode;
	char *link;

	link = kstrdup(target, GFP_KERNEL);
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
	struct inode *inode;

	inode = nsdev_new_symlink(dir->i_sb, target, false);
	if (!inode)
		return -ENOMEM;
	nsdev_link_new(dir, dentry, inode);
	return 0;
}

/*
 * Directories: like ramfs, minus ->mknod and ->create. Without ->mknod the
 * VFS refuses mknod(2) of any kind with EPERM, which keeps device nodes the
 * module's own business (see nsdev_fill_super()).
 */
static const struct inode_operations nsdev_dir_iops = {
	.lookup		= simple_lookup,
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
	struct dentry *dentry = nsdev_lookup_locked(parent, name);

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

static void nsdev_view_add(struct super_block *sb,
			   const struct nsdev_device *dev)
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
	/*
	 * Block nodes pass on only the ioctls of blkfilter.c, and delegated
	 * loops and their partitions drive the state machine of loopctl.c.
	 */
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
			      const struct nsdev_device *dev)
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

/**
 * nsdev_view_update - show or hide a device in a mounted view
 * @sb:   the view
 * @dev:  the device
 * @show: whether it is now visible
 *
 * Caller holds nsdev_registry_lock, which keeps @sb alive (nsdev_kill_sb()
 * takes it before the superblock goes). Failures to allocate leave the node
 * out: the open-time check is what enforces ownership, the tree is a
 * convenience.
 */
void nsdev_view_update(struct super_block *sb, const struct nsdev_device *dev,
		       bool show)
{
	lockdep_assert_held(&nsdev_registry_lock);

	if (show)
		nsdev_view_add(sb, dev);
	else
		nsdev_view_remove(sb, dev);
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
	struct nsdev_device *dev;
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

	list_for_each_entry(dev, &nsdev_device_list, node)
		if (nsdev_device_visible_to(dev, nsdev_sb_ns(sb)))
			nsdev_view_add(sb, dev);
	return 0;
}

static void nsdev_free_inode(struct inode *inode)
{
	if (S_ISLNK(inode->i_mode))
		kfree(inode->i_link);
	free_inode_nonrcu(inode);
}

static const struct super_operations nsdev_super_ops = {
	.statfs		= simple_statfs,
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
	struct nsdev_ns *ns = nsdev_sb_ns(sb);
	struct inode *root;
	int ret;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = NSDEVTMPFS_SUPER_MAGIC;
	sb->s_op = &nsdev_super_ops;
	sb->s_time_gran = 1;

	/*
	 * A view of a non-initial user namespace must open device nodes, so
	 * SB_I_NODEV (set by sget_fc() for such namespaces) is cleared, as
	 * devpts and binderfs do. This is safe because
	 *  - nobody can create a device node here: the directories have no
	 *    ->mknod, links and renames cannot cross superblocks, and the
	 *    module makes nodes only for devices the registry shows this
	 *    view's namespace;
	 *  - every open of a node asks the registry again
	 *    (nsdev_node_permission()), so a node kept past a revoke, or whose
	 *    number now names another device, opens nothing.
	 * A /dev has no business executing anything: SB_I_NOEXEC.
	 */
	sb->s_iflags &= ~SB_I_NODEV;
	sb->s_iflags |= SB_I_NOEXEC;

	root = nsdev_new_inode(sb, S_IFDIR | 0755, 0, true);
	if (!root)
		return -ENOMEM;
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
	if (fc->s_fs_info) {
		mutex_lock(&nsdev_registry_lock);
		nsdev_ns_put(fc->s_fs_info);
		mutex_unlock(&nsdev_registry_lock);
	}
}

static const struct fs_context_operations nsdev_context_ops = {
	.get_tree	= nsdev_get_tree,
	.free		= nsdev_free_fc,
};

static int nsdev_init_fs_context(struct fs_context *fc)
{
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
	.fs_flags		= FS_USERNS_MOUNT,
};

int __init nsdev_fs_init(void)
{
	return register_filesystem(&nsdev_fs_type);
}

void nsdev_fs_exit(void)
{
	unregister_filesystem(&nsdev_fs_type);
}

MODULE_ALIAS_FS("nsdevtmpfs");

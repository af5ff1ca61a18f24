// SPDX-License-Identifier: GPL-2.0
/*
 * fs.c - the nsdevtmpfs filesystem: one view per user namespace
 *
 * A view is a superblock keyed by the user namespace of the mounter's
 * credentials (as mqueue keys its superblock by ipc namespace): every mount
 * made from one user namespace shares one tree, and the tree is discarded
 * when the last mount of it goes away.
 *
 * Locking: the set of superblocks is the VFS's (sb_lock, s_umount); the
 * tree of a view is protected by the VFS's directory inode locks, as on
 * ramfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/user_namespace.h>

#include <uapi/linux/nsdevtmpfs.h>

#include "compat.h"
#include "nsdevtmpfs.h"

/**
 * nsdev_ns_root_ids - the owner of a view's nodes
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

static const struct super_operations nsdev_super_ops = {
	.statfs		= simple_statfs,
};

/**
 * nsdev_fill_super - set up a new view
 * @sb: the superblock, keyed to fc->user_ns by get_tree_keyed()
 * @fc: the mount request
 *
 * Allocates the root directory, owned by root of the view's namespace.
 *
 * Return: 0 on success, -ENOMEM when the root cannot be allocated.
 */
static int nsdev_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = NSDEVTMPFS_SUPER_MAGIC;
	sb->s_op = &nsdev_super_ops;
	sb->s_time_gran = 1;
	/* A /dev has no business executing anything. */
	sb->s_iflags |= SB_I_NOEXEC;

	root = new_inode(sb);
	if (!root)
		return -ENOMEM;
	root->i_ino = 1;
	root->i_mode = S_IFDIR | 0755;
	nsdev_ns_root_ids(sb->s_user_ns, &root->i_uid, &root->i_gid);
	nsdev_inode_init_ts(root);
	root->i_op = &simple_dir_inode_operations;
	root->i_fop = &simple_dir_operations;
	set_nlink(root, 2);

	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	return 0;
}

/*
 * One superblock per user namespace: the key is the namespace the mounter's
 * credentials belong to, which the VFS also records as sb->s_user_ns (and
 * holds a reference to for the superblock's lifetime), so the key cannot be
 * freed and reused while the superblock exists.
 */
static int nsdev_get_tree(struct fs_context *fc)
{
	return get_tree_keyed(fc, nsdev_fill_super, fc->user_ns);
}

static const struct fs_context_operations nsdev_context_ops = {
	.get_tree	= nsdev_get_tree,
};

static int nsdev_init_fs_context(struct fs_context *fc)
{
	fc->ops = &nsdev_context_ops;
	return 0;
}

static struct file_system_type nsdev_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "nsdevtmpfs",
	.init_fs_context	= nsdev_init_fs_context,
	.kill_sb		= nsdev_kill_litter_super,
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

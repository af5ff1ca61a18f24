/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the kernel API differences between the kernels we build for
 *
 * Every version test of the module lives here, so that the logic in the
 * other files reads like it would in-tree on the newest kernel.
 */
#ifndef _NSDEVTMPFS_COMPAT_H
#define _NSDEVTMPFS_COMPAT_H

#include <linux/fs.h>
#include <linux/version.h>

/* 6.7 made the inode timestamps private behind accessors. */
static inline void nsdev_inode_init_ts(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	simple_inode_init_ts(inode);
#else
	inode->i_atime = inode->i_mtime = inode->i_ctime = current_time(inode);
#endif
}

/*
 * 6.19 made dentries that pin themselves ("persistent", formerly litter)
 * explicit and dropped kill_litter_super(): kill_anon_super() now drops
 * them itself.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#define nsdev_kill_litter_super	kill_anon_super
#else
#define nsdev_kill_litter_super	kill_litter_super
#endif

#endif /* _NSDEVTMPFS_COMPAT_H */

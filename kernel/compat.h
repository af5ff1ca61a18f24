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

#include <linux/fs.h>

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

/*
 * The persistent-dentry rework (in 7.2, not in 6.12) made dentries that
 * pin themselves (formerly "litter") explicit and dropped
 * kill_litter_super(): kill_anon_super() now drops them itself.
 */
#ifdef NSDEV_HAVE_PERSISTENT_DENTRIES
#define nsdev_kill_litter_super	kill_anon_super
#else
#define nsdev_kill_litter_super	kill_litter_super
#endif

#endif /* _NSDEVTMPFS_COMPAT_H */

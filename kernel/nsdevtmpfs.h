/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nsdevtmpfs.h - interfaces between the parts of the module
 *
 * fs.c       the nsdevtmpfs filesystem: one view per user namespace
 * control.c  /dev/nsdevtmpfs-control, the administrative ioctls
 * main.c     module parameters, init and exit in dependency order
 */
#ifndef _NSDEVTMPFS_H
#define _NSDEVTMPFS_H

#include <linux/init.h>

int __init nsdev_fs_init(void);
void nsdev_fs_exit(void);

int __init nsdev_control_init(void);
void nsdev_control_exit(void);

#endif /* _NSDEVTMPFS_H */

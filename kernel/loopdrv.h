/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loopdrv.h - the loop driver and block layer as loopdrv.c reaches them
 *
 * Stand-ins for what neither exports to a module: the real loop-control,
 * block device opens as the module and ioctls on them, the loop driver's
 * sysfs attributes, its max_part, and the block device file operations.
 */
#ifndef _NSDEVTMPFS_LOOPDRV_H
#define _NSDEVTMPFS_LOOPDRV_H

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/types.h>

struct cred;

/* The block layer's file operations of block device nodes (def_blk_fops). */
extern const struct file_operations *nsdev_blk_fops;

int __init nsdev_loopdrv_init(void);
void nsdev_loopdrv_exit(void);

int nsdev_loopdrv_open(void);
long nsdev_loopdrv_ctl(unsigned int cmd, unsigned long arg);
const struct cred *nsdev_loopdrv_cred(void);

unsigned int nsdev_loopdrv_max_index(void);
dev_t nsdev_loopdrv_devt(unsigned int index);
bool nsdev_loopdrv_index(dev_t devt, unsigned int *index);

bool nsdev_loopdrv_exists(unsigned int index);
bool nsdev_loopdrv_bound(unsigned int index);
bool nsdev_loopdrv_autoclear(unsigned int index);

void *nsdev_loopdrv_bdev_open(dev_t devt, void *holder);
int nsdev_loopdrv_bdev_ioctl(void *h, bool excl, unsigned int cmd,
			     unsigned long arg);

#endif /* _NSDEVTMPFS_LOOPDRV_H */

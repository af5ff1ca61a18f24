/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nsdevtmpfs - a devtmpfs-like /dev per user namespace
 *
 * Userspace interface. The control device is /dev/nsdevtmpfs-control;
 * the filesystem type is "nsdevtmpfs".
 */
#ifndef _UAPI_LINUX_NSDEVTMPFS_H
#define _UAPI_LINUX_NSDEVTMPFS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* f_type reported by statfs(2) on a view ("nsdv") */
#define NSDEVTMPFS_SUPER_MAGIC	0x6e736476

#define NSDEVTMPFS_CONTROL_NAME	"nsdevtmpfs-control"

#endif /* _UAPI_LINUX_NSDEVTMPFS_H */

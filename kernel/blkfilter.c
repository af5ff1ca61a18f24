// SPDX-License-Identifier: GPL-2.0
/*
 * blkfilter.c - the block ioctls a view passes on (SPEC §4)
 *
 * Every block node of a view (a delegated loop, its partitions, a disk
 * given with ASSIGN) answers only the ioctls on this list; anything else
 * gets -ENOTTY, as an ioctl the device does not know would. The block
 * layer checks few of its ioctls for privilege, and none of them with the
 * namespace of the opener in mind: BLKTRACESETUP, for one, has no
 * capability check at all and allocates relay buffers of the caller's
 * choosing on every CPU, charged to nobody. So the list is what the tools
 * that use block devices need, and nothing else: losetup, mkfs.*, e2fsck,
 * fsck.vfat, sfdisk, fdisk, partx, blkid, lsblk, fio and direct I/O.
 * The uapi header lists it for users.
 *
 * The ioctls that need privilege (BLKFLSBUF, BLKRRPART, BLKPG) are passed
 * on so that tools get the kernel's own answer to an unprivileged caller.
 */
#include <linux/blkpg.h>
#include <linux/blkzoned.h>
#include <linux/fs.h>
#include <linux/hdreg.h>
#include <linux/loop.h>

#include "nsdevtmpfs.h"

/* The 32-bit numbers of three size ioctls (block/ioctl.c). */
#define NSDEV_BLKBSZGET_32	_IOR(0x12, 112, int)
#define NSDEV_BLKBSZSET_32	_IOW(0x12, 113, int)
#define NSDEV_BLKGETSIZE64_32	_IOR(0x12, 114, int)

/**
 * nsdev_blk_ioctl_allowed - may a view's block node pass on this ioctl?
 * @cmd:    the ioctl number
 * @compat: it came through compat_ioctl (a 32-bit caller)
 * @loop:   the node is a delegated loop's whole disk: the loop driver's own
 *          ioctls are allowed too (never through a partition, where they
 *          would act on the whole disk)
 *
 * Return: true when the ioctl goes on to the block layer.
 */
bool nsdev_blk_ioctl_allowed(unsigned int cmd, bool compat, bool loop)
{
	switch (cmd) {
	/* Geometry and limits: every tool asks. */
	case BLKROGET:
	case BLKGETSIZE:
	case BLKGETSIZE64:
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKBSZGET:
	case BLKIOMIN:
	case BLKIOOPT:
	case BLKALIGNOFF:
	case BLKSECTGET:
	case BLKRAGET:
	case BLKFRAGET:
	case BLKROTATIONAL:
	case BLKDISCARDZEROES:
	case BLKGETZONESZ:
	case BLKGETNRZONES:
	case BLKGETDISKSEQ:
	case HDIO_GETGEO:
	/* mkfs: block size, discard and zeroing of the device's own range. */
	case BLKBSZSET:
	case BLKDISCARD:
	case BLKZEROOUT:
	case BLKSECDISCARD:
	/* Privileged: the kernel's own answer (EACCES) is what tools expect. */
	case BLKFLSBUF:
	case BLKRRPART:
	case BLKPG:
		return true;
	case NSDEV_BLKBSZGET_32:
	case NSDEV_BLKBSZSET_32:
	case NSDEV_BLKGETSIZE64_32:
		return compat;
	case LOOP_SET_FD:
	case LOOP_CLR_FD:
	case LOOP_SET_STATUS:
	case LOOP_GET_STATUS:
	case LOOP_SET_STATUS64:
	case LOOP_GET_STATUS64:
	case LOOP_CHANGE_FD:
	case LOOP_SET_CAPACITY:
	case LOOP_SET_DIRECT_IO:
	case LOOP_SET_BLOCK_SIZE:
	case LOOP_CONFIGURE:
		return loop;
	default:
		return false;
	}
}

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nsdevtmpfs - a devtmpfs-like /dev per user namespace
 *
 * Userspace interface: the filesystem type "nsdevtmpfs" (one view per user
 * namespace) and the control device /dev/nsdevtmpfs-control.
 *
 * Mount options of a view (the first mount in a namespace sets them; later
 * mounts share the view): mode=, uid=, gid= of its root directory, nr_inodes=
 * (inodes its users may make, default 4096, at most 2^20) and size= (bytes
 * of their symlink targets and regular files' pages, default 1 MiB, at
 * most 256 MiB; no file is longer: EFBIG). Unknown options and values out
 * of range fail with EINVAL; a full view answers ENOSPC. A view's users
 * may make directories, symlinks and regular files (not mappable), never
 * device nodes, FIFOs or sockets (EPERM).
 *
 * Every ioctl takes a fixed-size structure. Unknown flags and nonzero
 * reserved fields are rejected with EINVAL, and so are nonzero "out"
 * fields of QUERY's structure on input; a failed call changes nothing.
 *
 * Ownership model. A device is either invisible (the default), global (in
 * every view) or owned by one user namespace (only in that namespace's
 * view). Every assignment records its assigner, the namespace whose root
 * made it; assignments stack: when the root of namespace N passes a device
 * it owns to a descendant D, REVOKE (by N or an ancestor of N) gives it back
 * to N, and revoking the initial namespace's assignment makes the device
 * invisible again.
 *
 * Who may ASSIGN, REVOKE and SET_LIMIT (all need CAP_SYS_ADMIN in their own
 * user namespace; QUERY needs none and answers only for devices visible
 * from the caller's namespace, below):
 *  - root of the initial user namespace: any existing device, to any
 *    namespace or global, provided it is not already assigned (EBUSY);
 *  - root of any other namespace N: a device N owns, to a strict
 *    descendant of N (EPERM otherwise; never global).
 * REVOKE: root of the current assigner or of any ancestor of it.
 *
 * A whole disk comes with its partitions: those it has when assigned and
 * those it gets later appear in the owner's view, follow the disk wherever
 * it is passed, and leave with it. They have no assignments of their own
 * (QUERY reports the disk's, with NSDEVTMPFS_STATE_PARTITION).
 *
 * Errors:
 *  EINVAL  unknown flag, nonzero reserved field, bad type, a major above
 *          4095 or a minor above 1048575 (dev_t is 12:20 bits), or a
 *          namespace fd that is not a user namespace (or not nsfs at all)
 *  EBADF   the namespace fd is not open
 *  ENODEV  no such device (char/block major:minor not registered); told
 *          only to the initial namespace: elsewhere QUERY answers ENOENT,
 *          and ASSIGN of a device the caller's namespace does not own
 *          answers EPERM before the device is looked up
 *  EPERM   the caller may not do this (see above), or REVOKE of default
 *          content without NSDEVTMPFS_REVOKE_DEFAULT
 *  EBUSY   ASSIGN of a device already assigned elsewhere, or of a
 *          partition that follows its assigned disk; REVOKE of a delegated
 *          loop's own allocation (it leaves with LOOP_CTL_REMOVE or its
 *          namespace's death)
 *  EOPNOTSUPP ASSIGN of a loop device or a partition of one (other than a
 *          delegated loop passed down by its owner): loop devices reach a
 *          namespace only through loop delegation below, which keeps them
 *          out of the host's losetup -f
 *  EEXIST  ASSIGN to the namespace that already owns the device
 *  ENOENT  REVOKE/QUERY of a device with no assignment visible to the caller
 *  ENOSPC  the registry holds NSDEVTMPFS_MAX_DEVICES devices already
 *
 * Loop delegation: /dev/nsdevtmpfs-loop-control (shown as loop-control in
 * every view) takes the loop driver's LOOP_CTL_GET_FREE, LOOP_CTL_ADD and
 * LOOP_CTL_REMOVE (<linux/loop.h>) for the caller's user namespace; the
 * caller must be its root: fsuid 0 there (as the stock node's mode 0660
 * root:disk asks of host root, no capability needed) or CAP_SYS_ADMIN in
 * it; others get EPERM. Numbers handed out start at the module
 * parameter loop_index_base (1024). A number is the namespace's from
 * GET_FREE/ADD until it removes it (LOOP_CTL_REMOVE) or dies; detached or
 * closed unused, its device stays in the view, unbound, and binds again
 * as the stock driver's does (GET_FREE hands it out first). After
 * LOOP_CLR_FD by its only user, the device's loop ioctls answer ENXIO
 * (LOOP_CONFIGURE and LOOP_SET_FD: EBUSY) until that file is closed, as
 * 6.12's driver does. Errors besides the loop driver's own:
 *  EPERM   not root of the caller's namespace; REMOVE of a loop that is
 *          not the caller's or a descendant's; ADD of an index below
 *          loop_index_base (the host's numbers)
 *  EDQUOT  the caller's namespace, or one of its ancestors, is at its
 *          loop limit (SET_LIMIT; module parameter loop_limit, 8), or
 *          the user owning the namespace's top-level ancestor holds
 *          loop_limit_per_user (16) loops in all its namespaces together
 *          (subtrees the initial root made are not counted per user)
 *  EINVAL  ADD/REMOVE of a negative or out-of-range index
 *  EEXIST  ADD of a number that exists or is reserved
 *  EBUSY   REMOVE of a bound or open loop; opening a number the module
 *          had to give up meanwhile (losetup then takes another)
 * Partitions of a user's delegated loops count too: at most 32 per loop of
 * loop_limit_per_user (512) appear in that user's views.
 *
 * Block nodes in a view. Delegated loops, their partitions and assigned
 * block devices answer these ioctls and no others (ENOTTY):
 *  BLKROGET BLKGETSIZE BLKGETSIZE64 BLKSSZGET BLKPBSZGET BLKBSZGET
 *  BLKBSZSET BLKIOMIN BLKIOOPT BLKALIGNOFF BLKSECTGET BLKRAGET BLKFRAGET
 *  BLKROTATIONAL BLKDISCARDZEROES BLKGETZONESZ BLKGETNRZONES BLKGETDISKSEQ
 *  HDIO_GETGEO BLKDISCARD BLKZEROOUT BLKSECDISCARD, and BLKFLSBUF,
 *  BLKRRPART, BLKPG (which the kernel answers with EACCES without global
 *  CAP_SYS_ADMIN, except that on a bound delegated loop's whole disk the
 *  module does BLKRRPART, BLKPG and LOOP_SET_CAPACITY for root of the
 *  view's namespace; BLKPG answers ENOSPC once the disk has 32
 *  partitions); on a delegated loop's whole disk (never a partition)
 *  also LOOP_SET_FD LOOP_CLR_FD LOOP_SET_STATUS(64) LOOP_GET_STATUS(64)
 *  LOOP_CHANGE_FD LOOP_SET_CAPACITY LOOP_SET_DIRECT_IO LOOP_SET_BLOCK_SIZE
 *  LOOP_CONFIGURE. BLKTRACE*, persistent reservations, SG_IO and the rest
 *  are refused. A delegated loop's backing file is never a block device of
 *  the loop driver, whole disk or partition: LOOP_CONFIGURE, LOOP_SET_FD
 *  and LOOP_CHANGE_FD answer EBADF (the loop driver's own answer to a
 *  cycle); LOOP_CHANGE_FD from a process whose file table is shared with
 *  another (threads, io_uring) answers EBUSY. A node opens only the very
 *  device the module holds for the namespace (ENXIO otherwise); no open
 *  creates a device.
 */
#ifndef _UAPI_LINUX_NSDEVTMPFS_H
#define _UAPI_LINUX_NSDEVTMPFS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* f_type reported by statfs(2) on a view ("nsdv") */
#define NSDEVTMPFS_SUPER_MAGIC		0x6e736476

#define NSDEVTMPFS_CONTROL_NAME		"nsdevtmpfs-control"
#define NSDEVTMPFS_LOOPCTL_NAME		"nsdevtmpfs-loop-control"

/* Limits */
#define NSDEVTMPFS_MAX_DEVICES		65536	/* registry entries */
#define NSDEVTMPFS_NAME_MAX		128	/* devnode name, with NUL */
#define NSDEVTMPFS_MAX_LOOP_LIMIT	1048576	/* max_loops of SET_LIMIT (2^20) */
/*
 * The module parameter loop_index_base must lie in this range, or loading
 * the module fails with EINVAL: below, numbers the host's own losetup
 * takes (loop.ko creates 0-7 and hands out the lowest free); above, too
 * few numbers would be left under 2^20 minors.
 */
#define NSDEVTMPFS_LOOP_INDEX_BASE_MIN	256
#define NSDEVTMPFS_LOOP_INDEX_BASE_MAX	524288

/* Device types (the type field) */
#define NSDEVTMPFS_CHR			1
#define NSDEVTMPFS_BLK			2

/* ASSIGN flags */
#define NSDEVTMPFS_ASSIGN_GLOBAL	(1U << 0) /* every view; userns_fd must be -1 */
#define NSDEVTMPFS_ASSIGN_FLAGS		NSDEVTMPFS_ASSIGN_GLOBAL

/**
 * struct nsdevtmpfs_assign - argument of NSDEVTMPFS_IOC_ASSIGN
 * @type:      NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @major:     device major number
 * @minor:     device minor number
 * @userns_fd: fd of the target user namespace (/proc/PID/ns/user), or -1
 *             with NSDEVTMPFS_ASSIGN_GLOBAL
 * @flags:     NSDEVTMPFS_ASSIGN_*
 * @reserved:  must be zero
 */
struct nsdevtmpfs_assign {
	__u32 type;
	__u32 major;
	__u32 minor;
	__s32 userns_fd;
	__u32 flags;
	__u32 reserved[3];
};

/* REVOKE flags */
#define NSDEVTMPFS_REVOKE_DEFAULT	(1U << 0) /* also a device of the default content */
#define NSDEVTMPFS_REVOKE_FLAGS		NSDEVTMPFS_REVOKE_DEFAULT

/**
 * struct nsdevtmpfs_revoke - argument of NSDEVTMPFS_IOC_REVOKE
 * @type:     the device's type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @major:    its major number
 * @minor:    its minor number
 * @flags:    NSDEVTMPFS_REVOKE_*: without NSDEVTMPFS_REVOKE_DEFAULT, REVOKE
 *            of a device of every view's default content (null, zero,
 *            loop-control, ...) still global as the module made it
 *            answers EPERM and changes nothing, since it would take the
 *            device from every running container
 * @reserved: must be zero
 */
struct nsdevtmpfs_revoke {
	__u32 type;
	__u32 major;
	__u32 minor;
	__u32 flags;
	__u32 reserved[4];
};

/* QUERY result flags (the state field) */
#define NSDEVTMPFS_STATE_GLOBAL		(1U << 0) /* in every view */
#define NSDEVTMPFS_STATE_OWNED		(1U << 1) /* owned by owner_ino */
#define NSDEVTMPFS_STATE_DEFAULT	(1U << 2) /* part of every view's default content */
#define NSDEVTMPFS_STATE_LOOP		(1U << 3) /* allocated through loop delegation */
#define NSDEVTMPFS_STATE_PARTITION	(1U << 4) /* a partition of an assigned disk: */
						  /* owner, assigner and depth are the disk's */

/**
 * struct nsdevtmpfs_query - argument of NSDEVTMPFS_IOC_QUERY
 * @type:         in: the device's type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @major:        in: its major number
 * @minor:        in: its minor number
 * @flags:        in: none defined, must be zero
 * @state:        out: NSDEVTMPFS_STATE_*
 * @depth:        out: number of stacked assignments (1 = one assignment:
 *                the initial namespace's, or for a delegated loop and its
 *                partitions, the allocating namespace's own)
 * @owner_ino:    out: nsfs inode number of the owner, 0 for global
 * @assigner_ino: out: nsfs inode number of the assigner
 * @name:         out: devnode name as devtmpfs names it ("loop3p1")
 * @reserved:     must be zero
 */
struct nsdevtmpfs_query {
	__u32 type;
	__u32 major;
	__u32 minor;
	__u32 flags;
	__u32 state;
	__u32 depth;
	__u64 owner_ino;
	__u64 assigner_ino;
	char name[NSDEVTMPFS_NAME_MAX];
	__u32 reserved[4];
};

/**
 * struct nsdevtmpfs_limit - argument of NSDEVTMPFS_IOC_SET_LIMIT
 * @userns_fd: the namespace whose limit is set; the caller must be root
 *             of the initial namespace or of a strict ancestor of it
 * @flags:     none defined, must be zero
 * @max_loops: the most loop devices the namespace and all its descendants
 *             together may hold through loop delegation, at most
 *             NSDEVTMPFS_MAX_LOOP_LIMIT (EINVAL above)
 * @reserved:  must be zero
 */
struct nsdevtmpfs_limit {
	__s32 userns_fd;
	__u32 flags;
	__u32 max_loops;
	__u32 reserved[5];
};

#define NSDEVTMPFS_IOC_MAGIC		0xD7
#define NSDEVTMPFS_IOC_ASSIGN		_IOW(NSDEVTMPFS_IOC_MAGIC, 1, struct nsdevtmpfs_assign)
#define NSDEVTMPFS_IOC_REVOKE		_IOW(NSDEVTMPFS_IOC_MAGIC, 2, struct nsdevtmpfs_revoke)
#define NSDEVTMPFS_IOC_QUERY		_IOWR(NSDEVTMPFS_IOC_MAGIC, 3, struct nsdevtmpfs_query)
#define NSDEVTMPFS_IOC_SET_LIMIT	_IOW(NSDEVTMPFS_IOC_MAGIC, 4, struct nsdevtmpfs_limit)

#endif /* _UAPI_LINUX_NSDEVTMPFS_H */

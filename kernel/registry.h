/* SPDX-License-Identifier: GPL-2.0 */
/*
 * registry.h - the ownership registry: who sees which device
 *
 * Two tables, both protected by nsdev_registry_lock (a mutex):
 *
 *  - namespaces: one struct nsdev_ns per user namespace the module deals
 *    with (mounted a view, owns or assigned a device, has a loop limit).
 *    The record holds a reference on its user namespace, so the namespace
 *    pointer and its nsfs inode number stay unique while the record lives.
 *
 *  - devices: one struct nsdev_device per (type, dev_t) that is global,
 *    owned, or part of the default content. Assignments stack (see the uapi
 *    header); the top of the stack decides visibility. Only registry.c
 *    reads the stack: the other files ask nsdev_device_owned_by(),
 *    nsdev_device_describe() and nsdev_loop_charged_to().
 *
 * Readers on the open() path do not take the mutex: nsdev_visible() looks a
 * device up under RCU and compares its published owner with the view's
 * record. Writers publish the owner with WRITE_ONCE() and free devices with
 * kfree_rcu().
 *
 * Lock order: s_umount -> nsdev_registry_lock -> directory inode locks of
 * the views. Nothing that holds nsdev_registry_lock calls into a driver or
 * registers a class interface.
 *
 * Teardown has one verb per meaning, in the registry and in loopdev.c:
 *
 *  revoke     an assignment is undone (NSDEVTMPFS_IOC_REVOKE): the grant
 *             is popped off the device's stack (nsdev_pop())
 *  gone       a device left the system (nsdev_device_gone()): the
 *             registry forgets it, whatever was assigned
 *  forget     an entry goes for good: a registry entry, or a delegated
 *             loop number from the registry and the table alike
 *  unreserve  a delegated loop number leaves the registry (its nodes, its
 *             quota); the inverse of reserve
 *  erase      a delegated loop number leaves loopdev.c's table (xa_erase)
 *  detach     LOOP_CLR_FD, the loop driver's own verb: the loop unbinds
 *             from its backing file
 *  release    the module lets go of a delegated loop device: it closes its
 *             own opens and the driver clears and removes the device;
 *             "try_release" releases only when nobody else has it open,
 *             and a pending release is retried by the release poller
 *  reclaim    a dead namespace's devices, loops and quota are taken back
 *             (lifecycle.c, nsdev_ns_reclaim(), nsdev_loop_reclaim())
 */
#ifndef _NSDEVTMPFS_REGISTRY_H
#define _NSDEVTMPFS_REGISTRY_H

#include <linux/bits.h>
#include <linux/kdev_t.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <uapi/linux/nsdevtmpfs.h>

struct gendisk;
struct nsdev_user;
struct super_block;
struct user_namespace;

extern struct mutex nsdev_registry_lock;

/**
 * struct nsdev_reap_state - what the reaper notes of a record
 * @live: a task, a view or an nsfs pin keeps the namespace or one below it
 *        (set afresh by every reaper run)
 * @idle: since when (jiffies) the reaper has found it not live, or 0
 *
 * Read and written by lifecycle.c only, under nsdev_registry_lock.
 */
struct nsdev_reap_state {
	bool live;
	unsigned long idle;
};

/**
 * struct nsdev_ns - what the module knows about one user namespace
 * @userns:     the namespace; a reference is held for the record's life
 * @hash:       in the namespace table, keyed by @userns
 * @node:       in registry.c's list, in creation order (nsdev_ns_next())
 * @users:      views, grants (as owner or assigner) and settings using the
 *              record; the record is freed when it drops to zero
 * @sb:         the mounted view of this namespace, or NULL
 * @loops_used: loop devices this namespace holds through delegation
 * @loop_limit: the most loop devices it and its descendants may hold
 * @limit_set:  @loop_limit was set explicitly (SET_LIMIT holds a user)
 * @reap:       the reaper's own state (lifecycle.c, nobody else)
 * @view_ops:   changes of the view's tree not applied yet (fs.c)
 * @view_work:  applies them
 * @view_queued: changes queued so far (WRITE_ONCE, read locklessly by
 *              nsdev_view_settle())
 * @view_done:  @view_queued when the work last finished (WRITE_ONCE,
 *              read locklessly by waiters)
 * @view_wait:  waiters for @view_done
 * @view_inodes: inodes the view's users made (atomic; fs.c)
 * @view_bytes: bytes of their symlink targets (atomic)
 * @view_max_inodes: limit of @view_inodes (nr_inodes), set at mount
 * @view_max_bytes: limit of @view_bytes (size), set at mount
 *
 * All fields but @userns are protected by nsdev_registry_lock.
 */
struct nsdev_ns {
	struct user_namespace *userns;
	struct hlist_node hash;
	struct list_head node;
	unsigned int users;
	struct super_block *sb;
	unsigned int loops_used;
	unsigned int loop_limit;
	bool limit_set;
	struct nsdev_reap_state reap;
	struct list_head view_ops;
	struct work_struct view_work;
	u64 view_queued;
	u64 view_done;
	wait_queue_head_t view_wait;
	atomic_t view_inodes;
	atomic_long_t view_bytes;
	unsigned int view_max_inodes;
	unsigned long view_max_bytes;
};

/**
 * struct nsdev_sync - the views a registry change touched (fs.c)
 * @n:   entries used
 * @ns:  records, each with a user held
 * @seq: the view's nsdev_ns::view_queued after the change
 */
struct nsdev_sync {
	unsigned int n;
	struct nsdev_ns *ns[4];
	u64 seq[4];
};

/**
 * struct nsdev_grant - one assignment on a device's stack
 * @prev:     the assignment this one was stacked on, or NULL
 * @owner:    who sees the device, or NULL when it is global
 * @assigner: whose root made the assignment
 *
 * Each grant holds a user of @owner and of @assigner.
 */
struct nsdev_grant {
	struct nsdev_grant *prev;
	struct nsdev_ns *owner;
	struct nsdev_ns *assigner;
};

/* flags of struct nsdev_device */
#define NSDEV_DEV_DEFAULT	BIT(0)	/* part of every view's default content */
#define NSDEV_DEV_LOOP		BIT(1)	/* allocated through loop delegation */
#define NSDEV_DEV_PARTITION	BIT(2)	/* a partition of a delegated loop */
#define NSDEV_DEV_UNTRACKED	BIT(3)	/* removal is not reported: recheck at open */
#define NSDEV_DEV_DISKPART	BIT(4)	/* a partition of an assigned disk: */
					/* no grant, its disk's owner */

/* Partitions a user's delegated loops may show, per loop of its limit. */
#define NSDEV_USER_PARTS_PER_LOOP	32

/* The most loop devices a limit may name: the loop driver's index space. */
#define NSDEV_MAX_LOOP_LIMIT	NSDEVTMPFS_MAX_LOOP_LIMIT
static_assert(BIT(MINORBITS) == NSDEV_MAX_LOOP_LIMIT);

/* The published owner of a global device. Never dereferenced. */
#define NSDEV_OWNER_GLOBAL	((struct nsdev_ns *)1UL)

/**
 * struct nsdev_device - a device the registry knows
 * @hash:    in the device table, keyed by (@type, @devt); RCU
 * @node:    in registry.c's list, in creation order (nsdev_device_next())
 * @rcu:     for kfree_rcu()
 * @type:    NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt:    the device number
 * @mode:    permission bits of its nodes
 * @flags:   NSDEV_DEV_*
 * @owner:   published top of @grant (for NSDEV_DEV_DISKPART: of its
 *           disk's): the owner, NSDEV_OWNER_GLOBAL or NULL (invisible);
 *           read under RCU by nsdev_visible()
 * @grant:   the assignment stack, NULL when nothing is assigned
 * @depth:   number of grants on the stack
 * @charged: for a delegated loop, the namespace whose loop quota (and its
 *           ancestors') it counts against
 * @user:    for a delegated loop or a partition of one, the user it is
 *           also charged to (see nsdev_user_of()), or NULL
 * @disk:    for a partition (of a delegated loop or an assigned disk),
 *           its whole disk's number
 * @id:      for an untracked device, its sysfs id when first assigned
 *           (nsdev_sysfs_id()): the instance its nodes open
 * @name:    the devnode name, as devtmpfs names it ("loop3p1", "net/tun")
 */
struct nsdev_device {
	struct hlist_node hash;
	struct list_head node;
	struct rcu_head rcu;
	u32 type;
	dev_t devt;
	umode_t mode;
	unsigned int flags;
	struct nsdev_ns *owner;
	struct nsdev_grant *grant;
	unsigned int depth;
	struct nsdev_ns *charged;
	struct nsdev_user *user;
	dev_t disk;
	u64 id;
	char name[NSDEVTMPFS_NAME_MAX];
};

extern struct nsdev_ns *nsdev_init_ns;

int __init nsdev_registry_init(void);
void nsdev_registry_exit(void);

struct nsdev_ns *nsdev_ns_get(struct user_namespace *userns);
struct nsdev_ns *nsdev_ns_find(struct user_namespace *userns);
void nsdev_ns_hold(struct nsdev_ns *ns);
void nsdev_ns_put(struct nsdev_ns *ns);
struct nsdev_ns *nsdev_ns_next(const struct nsdev_ns *ns);
const struct nsdev_device *nsdev_device_next(const struct nsdev_device *dev);
bool nsdev_ns_is_descendant(const struct nsdev_ns *ns,
			    const struct nsdev_ns *ancestor);
bool nsdev_userns_is_descendant(const struct user_namespace *ns,
				const struct user_namespace *ancestor);
u64 nsdev_ns_ino(const struct nsdev_ns *ns);

struct nsdev_device *nsdev_device_find(u32 type, dev_t devt);
bool nsdev_device_visible_to(const struct nsdev_device *dev,
			     const struct nsdev_ns *ns);
/* nsdev_visible() results */
enum {
	NSDEV_HIDDEN,
	NSDEV_VISIBLE,
	NSDEV_VISIBLE_RECHECK,	/* visible if the number is still that device's */
};

int nsdev_visible(u32 type, dev_t devt, const struct nsdev_ns *ns, u64 *id);

int nsdev_assign(u32 type, dev_t devt, const char *name, umode_t mode,
		 unsigned int flags, u64 id, struct nsdev_ns *caller,
		 struct nsdev_ns *target);
int nsdev_revoke(u32 type, dev_t devt, struct nsdev_ns *caller,
		 bool default_too);
void nsdev_device_gone(u32 type, dev_t devt);
void nsdev_sweep_untracked(void);

int nsdev_loop_reserve(struct nsdev_ns *owner, dev_t devt, const char *name);
void nsdev_loop_unreserve(dev_t devt);
void nsdev_partition_added(const struct gendisk *gendisk, dev_t disk,
			   dev_t part, const char *name);
dev_t nsdev_partition_disk(dev_t part);
void nsdev_disk_partition_added(dev_t disk, dev_t part, const char *name,
				u64 id);
void nsdev_diskpart_stale(dev_t devt);
const struct nsdev_device *nsdev_device_decider(const struct nsdev_device *dev);
bool nsdev_device_owned_by(const struct nsdev_device *dev,
			   const struct user_namespace *userns, bool below);
bool nsdev_loop_charged_to(dev_t devt, const struct nsdev_ns *ns);

/**
 * struct nsdev_desc - what nsdev_device_describe() tells of a device
 * @owned:        owned by one namespace (true) or global
 * @depth:        assignments on the deciding stack
 * @owner_ino:    nsfs inode number of the owner, 0 when global
 * @assigner_ino: nsfs inode number of the assigner
 */
struct nsdev_desc {
	bool owned;
	unsigned int depth;
	u64 owner_ino;
	u64 assigner_ino;
};

bool nsdev_device_describe(const struct nsdev_device *dev,
			   const struct user_namespace *reader,
			   struct nsdev_desc *desc);
unsigned int nsdev_ns_loops_owned(const struct nsdev_ns *ns);
void nsdev_ns_reclaim(struct nsdev_ns *ns);

#endif /* _NSDEVTMPFS_REGISTRY_H */

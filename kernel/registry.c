// SPDX-License-Identifier: GPL-2.0
/*
 * registry.c - the ownership registry: who sees which device
 *
 * Owns the namespace records and the device table described in registry.h,
 * the assignment stack semantics of ASSIGN and REVOKE, and pushing every
 * change into the mounted views before the call that caused it returns.
 *
 * Locking: nsdev_registry_lock protects both tables, every field of the
 * records and the set of mounted views (nsdev_ns::sb). The device hash is
 * also walked under RCU by nsdev_visible(), on every open of a node.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kdev_t.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "nsdevtmpfs.h"
#include "registry.h"

/* Protects both tables and every record; see registry.h. */
DEFINE_MUTEX(nsdev_registry_lock);

/* Both protected by nsdev_registry_lock; the device hash also by RCU. */
static DEFINE_HASHTABLE(nsdev_device_table, 10);
static DEFINE_HASHTABLE(nsdev_ns_table, 8);
/* Both in creation order; only this file walks them (nsdev_*_next()). */
static LIST_HEAD(nsdev_device_list);
static LIST_HEAD(nsdev_ns_list);
static unsigned int nsdev_device_count;

/* The initial namespace's record: created at init, freed at exit. */
struct nsdev_ns *nsdev_init_ns;

static u32 nsdev_device_hash(u32 type, dev_t devt)
{
	return hash_64(((u64)type << 32) | devt, 32);
}

/**
 * nsdev_ns_get - find or create the record of a user namespace
 * @userns: the namespace
 *
 * Caller holds nsdev_registry_lock. A new record takes a reference on
 * @userns. Either way the caller gets one user of the record, to be
 * dropped with nsdev_ns_put().
 *
 * Return: the record, or NULL when memory is short.
 */
struct nsdev_ns *nsdev_ns_get(struct user_namespace *userns)
{
	struct nsdev_ns *ns;

	lockdep_assert_held(&nsdev_registry_lock);

	ns = nsdev_ns_find(userns);
	if (ns) {
		nsdev_ns_hold(ns);
		return ns;
	}

	ns = kzalloc(sizeof(*ns), GFP_KERNEL_ACCOUNT);
	if (!ns)
		return NULL;
	ns->userns = get_user_ns(userns);
	ns->users = 1;
	nsdev_view_init(ns);
	/* A writable module parameter, read once (as below). */
	ns->loop_limit = READ_ONCE(nsdev_default_loop_limit);
	hash_add(nsdev_ns_table, &ns->hash, (unsigned long)userns);
	list_add_tail(&ns->node, &nsdev_ns_list);
	return ns;
}

/**
 * nsdev_ns_put - drop one user of a namespace record
 * @ns: the record; freed, with its namespace reference, at the last user
 *
 * Caller holds nsdev_registry_lock.
 */
void nsdev_ns_put(struct nsdev_ns *ns)
{
	lockdep_assert_held(&nsdev_registry_lock);

	if (--ns->users)
		return;
	hash_del(&ns->hash);
	list_del(&ns->node);
	put_user_ns(ns->userns);
	kfree(ns);
}

/**
 * nsdev_ns_hold - take one more user of a namespace record
 * @ns: a record the caller already reaches (it holds a user, or the lock
 *      and found it in the table)
 *
 * Dropped with nsdev_ns_put(). Caller holds nsdev_registry_lock.
 */
void nsdev_ns_hold(struct nsdev_ns *ns)
{
	lockdep_assert_held(&nsdev_registry_lock);
	WARN_ON_ONCE(!ns->users);

	ns->users++;
}

/**
 * nsdev_ns_next - walk the namespace records in creation order
 * @ns: the record last visited, or NULL to start
 *
 * Caller holds nsdev_registry_lock for the whole walk; a record it frees
 * on the way (nsdev_ns_put()) must not be passed here.
 *
 * Return: the next record, or NULL at the end.
 */
struct nsdev_ns *nsdev_ns_next(const struct nsdev_ns *ns)
{
	const struct list_head *pos = ns ? &ns->node : &nsdev_ns_list;

	lockdep_assert_held(&nsdev_registry_lock);

	if (pos->next == &nsdev_ns_list)
		return NULL;
	return list_entry(pos->next, struct nsdev_ns, node);
}

/**
 * nsdev_device_next - walk the registry's devices in creation order
 * @dev: the device last visited, or NULL to start
 *
 * Caller holds nsdev_registry_lock for the whole walk.
 *
 * Return: the next device, or NULL at the end.
 */
const struct nsdev_device *nsdev_device_next(const struct nsdev_device *dev)
{
	const struct list_head *pos = dev ? &dev->node : &nsdev_device_list;

	lockdep_assert_held(&nsdev_registry_lock);

	if (pos->next == &nsdev_device_list)
		return NULL;
	return list_entry(pos->next, struct nsdev_device, node);
}

/**
 * nsdev_userns_is_descendant - is @ns @ancestor or below it?
 * @ns:       a user namespace
 * @ancestor: another one
 *
 * Walking up is safe without locks: a namespace holds a reference on its
 * parent, and the caller holds one on @ns.
 *
 * Return: true when @ns is @ancestor or below it.
 */
bool nsdev_userns_is_descendant(const struct user_namespace *ns,
				const struct user_namespace *ancestor)
{
	for (; ns; ns = ns->parent) {
		if (ns == ancestor)
			return true;
		if (ns->level <= ancestor->level)
			return false;
	}
	return false;
}

bool nsdev_ns_is_descendant(const struct nsdev_ns *ns,
			    const struct nsdev_ns *ancestor)
{
	return nsdev_userns_is_descendant(ns->userns, ancestor->userns);
}

/* nsdev_ns_ino - the nsfs inode number userspace knows the namespace by */
u64 nsdev_ns_ino(const struct nsdev_ns *ns)
{
	return ns->userns->ns.inum;
}

/**
 * nsdev_device_find - look a device up
 * @type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt: its number
 *
 * Caller holds nsdev_registry_lock or rcu_read_lock().
 *
 * Return: the entry, or NULL.
 */
struct nsdev_device *nsdev_device_find(u32 type, dev_t devt)
{
	struct nsdev_device *dev;

	/* The condition makes lockdep check the locking rule above. */
	hash_for_each_possible_rcu(nsdev_device_table, dev, hash,
				   nsdev_device_hash(type, devt),
				   lockdep_is_held(&nsdev_registry_lock)) {
		if (dev->type == type && dev->devt == devt)
			return dev;
	}
	return NULL;
}

static bool nsdev_owner_visible_to(const struct nsdev_ns *owner,
				   const struct nsdev_ns *ns)
{
	return owner && (owner == NSDEV_OWNER_GLOBAL || owner == ns);
}

/* Is @dev in the view of @ns? Caller holds nsdev_registry_lock. */
bool nsdev_device_visible_to(const struct nsdev_device *dev,
			     const struct nsdev_ns *ns)
{
	lockdep_assert_held(&nsdev_registry_lock);

	return nsdev_owner_visible_to(dev->owner, ns);
}

/**
 * nsdev_visible - may a node of this device in the view of @ns be opened?
 * @type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt: the node's device number
 * @ns:   the view's namespace record (alive: the view holds a user)
 * @id:   gets the device's sysfs id when the result is
 *        NSDEV_VISIBLE_RECHECK
 *
 * Called on every open of a device node in a view, so it takes no lock:
 * a record stays allocated while a grant names it as owner, and a grant
 * names it until the device's published owner has changed.
 *
 * Return: NSDEV_HIDDEN, NSDEV_VISIBLE, or NSDEV_VISIBLE_RECHECK for a
 * device whose removal the module cannot see: the caller must check that
 * the number still belongs to the device instance of that sysfs id.
 */
int nsdev_visible(u32 type, dev_t devt, const struct nsdev_ns *ns, u64 *id)
{
	const struct nsdev_device *dev;
	int visible = NSDEV_HIDDEN;

	rcu_read_lock();
	dev = nsdev_device_find(type, devt);
	if (dev && nsdev_owner_visible_to(READ_ONCE(dev->owner), ns)) {
		visible = NSDEV_VISIBLE;
		if (dev->flags & NSDEV_DEV_UNTRACKED) {
			*id = dev->id;
			visible = NSDEV_VISIBLE_RECHECK;
		}
	}
	rcu_read_unlock();
	return visible;
}

/*
 * nsdev_publish_owner - make @new the visible owner of @dev and bring the
 * mounted views up to date. Only the views of the old and the new owner
 * change, unless one of them is "global".
 *
 * Return: whether the owner changed.
 */
static bool nsdev_publish_owner(struct nsdev_device *dev, struct nsdev_ns *new)
{
	struct nsdev_ns *old = dev->owner, *ns;

	if (old == new)
		return false;
	WRITE_ONCE(dev->owner, new);

	if (old == NSDEV_OWNER_GLOBAL || new == NSDEV_OWNER_GLOBAL) {
		list_for_each_entry(ns, &nsdev_ns_list, node) {
			bool was = nsdev_owner_visible_to(old, ns);
			bool now = nsdev_owner_visible_to(new, ns);

			if (ns->sb && was != now)
				nsdev_view_update(ns, dev, now);
		}
		return true;
	}
	if (old && old->sb)
		nsdev_view_update(old, dev, false);
	if (new && new->sb)
		nsdev_view_update(new, dev, true);
	return true;
}

/* Can @dev have partitions that follow it (NSDEV_DEV_DISKPART)? */
static bool nsdev_is_assigned_disk(const struct nsdev_device *dev)
{
	return dev->type == NSDEVTMPFS_BLK &&
	       !(dev->flags & (NSDEV_DEV_LOOP | NSDEV_DEV_PARTITION |
			       NSDEV_DEV_DISKPART));
}

/*
 * nsdev_publish - make the top of @dev's stack the visible owner of @dev
 * and, for a disk, of the partitions that follow it. Nothing is published
 * to a partition that its disk does not have (SPEC §2: an assigned disk
 * comes with its partitions).
 */
static void nsdev_publish(struct nsdev_device *dev)
{
	struct nsdev_ns *new = NULL;
	struct nsdev_device *part;

	if (dev->grant)
		new = dev->grant->owner ? dev->grant->owner : NSDEV_OWNER_GLOBAL;
	if (!nsdev_publish_owner(dev, new) || !nsdev_is_assigned_disk(dev))
		return;
	list_for_each_entry(part, &nsdev_device_list, node)
		if ((part->flags & NSDEV_DEV_DISKPART) && part->disk == dev->devt)
			nsdev_publish_owner(part, new);
}

static struct nsdev_device *nsdev_device_new(u32 type, dev_t devt,
					     const char *name, umode_t mode,
					     unsigned int flags)
{
	struct nsdev_device *dev;

	if (nsdev_device_count >= NSDEVTMPFS_MAX_DEVICES)
		return ERR_PTR(-ENOSPC);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->type = type;
	dev->devt = devt;
	dev->mode = mode;
	dev->flags = flags;
	strscpy(dev->name, name, sizeof(dev->name));
	hash_add_rcu(nsdev_device_table, &dev->hash,
		     nsdev_device_hash(type, devt));
	list_add_tail(&dev->node, &nsdev_device_list);
	nsdev_device_count++;
	return dev;
}

/*
 * Per-user charges. Quotas are per namespace subtree, and any user can make
 * as many sibling subtrees as it likes; so every delegated loop, and every
 * partition of one, is also charged to the user who owns the subtree's
 * top-level namespace (its owner in the initial namespace), as the
 * kernel's ucounts charge user namespaces. One record per such user, under
 * nsdev_registry_lock, freed when it charges nothing.
 */
struct nsdev_user {
	struct hlist_node hash;
	kuid_t uid;
	unsigned int loops;
	unsigned int parts;
};

static DEFINE_HASHTABLE(nsdev_user_table, 6);

/*
 * The user @ns is charged to; false for the initial namespace and for
 * subtrees the initial root made (a container manager running as root):
 * only the initial root can make those, so nobody multiplies a quota with
 * them, and the per-namespace limits still hold below.
 */
static bool nsdev_user_of(const struct nsdev_ns *ns, kuid_t *uid)
{
	const struct user_namespace *u = ns->userns;

	if (u == &init_user_ns)
		return false;
	while (u->parent != &init_user_ns)
		u = u->parent;
	*uid = u->owner;
	return !uid_eq(*uid, GLOBAL_ROOT_UID);
}

static struct nsdev_user *nsdev_user_find(kuid_t uid)
{
	struct nsdev_user *user;

	hash_for_each_possible(nsdev_user_table, user, hash, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

/*
 * nsdev_user_charge - charge one loop (@part false) or partition to the
 * user of @ns. Caller holds nsdev_registry_lock.
 *
 * Return: the record charged, NULL for the initial namespace (nothing to
 * charge), or ERR_PTR(-EDQUOT / -ENOMEM).
 */
static struct nsdev_user *nsdev_user_charge(const struct nsdev_ns *ns,
					    bool part)
{
	unsigned int limit = READ_ONCE(nsdev_user_loop_limit);
	struct nsdev_user *user;
	kuid_t uid;

	lockdep_assert_held(&nsdev_registry_lock);

	if (!nsdev_user_of(ns, &uid))
		return NULL;
	user = nsdev_user_find(uid);
	if (part ? user && user->parts >= limit * NSDEV_USER_PARTS_PER_LOOP :
		   (user ? user->loops : 0) >= limit)
		return ERR_PTR(-EDQUOT);
	if (!user) {
		user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
		if (!user)
			return ERR_PTR(-ENOMEM);
		user->uid = uid;
		hash_add(nsdev_user_table, &user->hash, __kuid_val(uid));
	}
	if (part)
		user->parts++;
	else
		user->loops++;
	return user;
}

static void nsdev_user_uncharge(struct nsdev_user *user, bool part)
{
	lockdep_assert_held(&nsdev_registry_lock);

	if (part)
		user->parts--;
	else
		user->loops--;
	if (!user->loops && !user->parts) {
		hash_del(&user->hash);
		kfree(user);
	}
}

static void nsdev_device_free(struct nsdev_device *dev)
{
	if (dev->user)
		nsdev_user_uncharge(dev->user, dev->flags & NSDEV_DEV_PARTITION);
	hash_del_rcu(&dev->hash);
	list_del(&dev->node);
	nsdev_device_count--;
	kfree_rcu(dev, rcu);
}

/* A partition of an assigned disk leaves its view and the registry. */
static void nsdev_diskpart_forget(struct nsdev_device *p)
{
	nsdev_publish_owner(p, NULL);
	nsdev_device_free(p);
}

/*
 * Forget a device with no assignment left, unless it is default content or
 * a partition of a disk (which goes when the partition does, see
 * nsdev_device_gone(), and follows its disk if it is assigned again).
 */
static void nsdev_device_maybe_free(struct nsdev_device *dev)
{
	if (dev->grant ||
	    (dev->flags & (NSDEV_DEV_DEFAULT | NSDEV_DEV_DISKPART)))
		return;
	nsdev_device_free(dev);
}

/* Push a grant; the caller has checked permission. Cannot fail. */
static void nsdev_push(struct nsdev_device *dev, struct nsdev_grant *g,
		       struct nsdev_ns *owner, struct nsdev_ns *assigner)
{
	g->owner = owner;
	g->assigner = assigner;
	if (owner)
		nsdev_ns_hold(owner);
	nsdev_ns_hold(assigner);
	g->prev = dev->grant;
	dev->grant = g;
	dev->depth++;
	nsdev_publish(dev);
}

static void nsdev_pop(struct nsdev_device *dev)
{
	struct nsdev_grant *g = dev->grant;

	dev->grant = g->prev;
	dev->depth--;
	nsdev_publish(dev);
	if (g->owner)
		nsdev_ns_put(g->owner);
	nsdev_ns_put(g->assigner);
	kfree(g);
}

/**
 * nsdev_assign - stack an assignment on a device
 * @type:   NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt:   the device
 * @name:   its devnode name, used if the registry does not know it yet
 * @mode:   its node mode, likewise
 * @flags:  NSDEV_DEV_* for a device the registry does not know yet
 * @id:     its sysfs id, likewise (kept for NSDEV_DEV_UNTRACKED devices)
 * @caller: the record of the calling namespace (its root is asking)
 * @target: the new owner, or NULL for global
 *
 * Caller holds nsdev_registry_lock. Implements the rules of the uapi
 * header; on error nothing has changed.
 *
 * Return: 0, -EPERM, -EBUSY, -EEXIST, -ENOSPC or -ENOMEM.
 */
int nsdev_assign(u32 type, dev_t devt, const char *name, umode_t mode,
		 unsigned int flags, u64 id, struct nsdev_ns *caller,
		 struct nsdev_ns *target)
{
	struct nsdev_device *dev = nsdev_device_find(type, devt);
	bool is_init = caller == nsdev_init_ns;
	struct nsdev_grant *g;

	lockdep_assert_held(&nsdev_registry_lock);

	if (dev && (dev->flags & NSDEV_DEV_DISKPART)) {
		/* A partition of an assigned disk goes with the disk. */
		if (nsdev_device_decider(dev))
			return -EBUSY;
		/* Its disk is not assigned: it may be, on its own. */
		nsdev_diskpart_forget(dev);
		dev = NULL;
	}
	if (dev && dev->grant) {
		struct nsdev_ns *owner = dev->grant->owner;

		if (owner == target)
			return -EEXIST;
		/* Delegation: the owner passes it down its own subtree. */
		if (owner != caller || !target)
			return is_init ? -EBUSY : -EPERM;
		if (!nsdev_ns_is_descendant(target, caller))
			return -EPERM;
	} else if (!is_init) {
		return -EPERM;
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	if (!dev) {
		dev = nsdev_device_new(type, devt, name, mode, flags);
		if (IS_ERR(dev)) {
			kfree(g);
			return PTR_ERR(dev);
		}
		dev->id = id;
	}
	nsdev_push(dev, g, target, caller);
	return 0;
}

/**
 * nsdev_revoke - undo the top assignment of a device
 * @type:   NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt:   the device
 * @caller: the record of the calling namespace
 * @default_too: the caller asked for default content too
 *		 (NSDEVTMPFS_REVOKE_DEFAULT)
 *
 * Allowed for the assigner and its ancestors. A caller that cannot even
 * see the assignment (neither owner nor assigner is in its subtree) is told
 * -ENOENT, so REVOKE cannot probe other containers' devices.
 *
 * Return: 0, -ENOENT or -EPERM.
 */
int nsdev_revoke(u32 type, dev_t devt, struct nsdev_ns *caller,
		 bool default_too)
{
	struct nsdev_device *dev = nsdev_device_find(type, devt);
	struct nsdev_grant *g;

	lockdep_assert_held(&nsdev_registry_lock);

	if (!dev || !dev->grant)
		return -ENOENT;
	g = dev->grant;
	if (!nsdev_ns_is_descendant(g->assigner, caller)) {
		if (g->owner && nsdev_ns_is_descendant(g->owner, caller))
			return -EPERM;
		return -ENOENT;
	}
	/* A delegated loop (or its partition) leaves by LOOP_CTL_REMOVE. */
	if (!g->prev && (dev->flags & (NSDEV_DEV_LOOP | NSDEV_DEV_PARTITION)))
		return -EBUSY;
	/*
	 * The module's own global grant of default content is in every
	 * running view: taking /dev/null from all containers at once is never
	 * a slip of the keyboard, so it must be asked for.
	 */
	if (!g->prev && !g->owner && (dev->flags & NSDEV_DEV_DEFAULT) &&
	    !default_too)
		return -EPERM;
	nsdev_pop(dev);
	nsdev_device_maybe_free(dev);
	return 0;
}

/**
 * nsdev_device_gone - a device left the system: forget every assignment
 * @type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt: its number, which may be handed to a new device from now on
 *
 * Takes nsdev_registry_lock. Default content keeps its (global) entry.
 */
void nsdev_device_gone(u32 type, dev_t devt)
{
	struct nsdev_device *dev;

	mutex_lock(&nsdev_registry_lock);
	dev = nsdev_device_find(type, devt);
	if (dev && (dev->flags & NSDEV_DEV_DISKPART)) {
		nsdev_diskpart_forget(dev);
		dev = NULL;
	}
	/* Delegated loop numbers outlive their devices (see loopdev.c). */
	if (dev && !(dev->flags & (NSDEV_DEV_DEFAULT | NSDEV_DEV_LOOP))) {
		while (dev->grant)
			nsdev_pop(dev);
		nsdev_device_maybe_free(dev);
	}
	mutex_unlock(&nsdev_registry_lock);
}

/*
 * Devices whose removal no class interface reports (NSDEV_DEV_UNTRACKED)
 * are swept: every reaper run looks up, in sysfs and without a lock, which
 * device instance holds each one's number, and ends every assignment of
 * those whose instance went. Their nodes refuse to open meanwhile (see
 * nsdev_visible()). A run looks at NSDEV_SWEEP_BATCH of them, the next
 * run at the next ones.
 */
#define NSDEV_SWEEP_BATCH	64

struct nsdev_sweep_entry {
	u32 type;
	dev_t devt;
	u64 id;
};

static unsigned int nsdev_sweep_pos;	/* nsdev_registry_lock */

/**
 * nsdev_sweep_untracked - end the assignments of devices that went away
 *
 * Called by the reaper, with no lock held.
 */
void nsdev_sweep_untracked(void)
{
	struct nsdev_sweep_entry *e;
	struct nsdev_device *dev;
	unsigned int n = 0, i = 0;
	u64 now;
	int ret;

	e = kmalloc_array(NSDEV_SWEEP_BATCH, sizeof(*e), GFP_KERNEL);
	if (!e)
		return;	/* the next run tries again; opens are checked anyway */

	mutex_lock(&nsdev_registry_lock);
	list_for_each_entry(dev, &nsdev_device_list, node) {
		/* Partitions of assigned disks: removals are reported. */
		if ((dev->flags & (NSDEV_DEV_UNTRACKED | NSDEV_DEV_DISKPART)) !=
		    NSDEV_DEV_UNTRACKED || i++ < nsdev_sweep_pos)
			continue;
		e[n++] = (struct nsdev_sweep_entry){ dev->type, dev->devt,
						     dev->id };
		if (n == NSDEV_SWEEP_BATCH)
			break;
	}
	nsdev_sweep_pos = n == NSDEV_SWEEP_BATCH ? nsdev_sweep_pos + n : 0;
	mutex_unlock(&nsdev_registry_lock);

	for (i = 0; i < n; i++) {
		ret = nsdev_sysfs_id(e[i].type, e[i].devt, &now);
		/* Only a device known to be gone ends: not a failed lookup. */
		if ((!ret && now == e[i].id) || (ret && ret != -ENODEV))
			continue;
		/* Gone, or its number is another device's now. */
		mutex_lock(&nsdev_registry_lock);
		dev = nsdev_device_find(e[i].type, e[i].devt);
		if (dev && (dev->flags & NSDEV_DEV_UNTRACKED) &&
		    dev->id == e[i].id) {
			while (dev->grant)
				nsdev_pop(dev);
			nsdev_device_maybe_free(dev);
		}
		mutex_unlock(&nsdev_registry_lock);
	}
	kfree(e);
}

/* The record of @userns, if there is one. Caller holds the lock. */
struct nsdev_ns *nsdev_ns_find(struct user_namespace *userns)
{
	struct nsdev_ns *ns;

	lockdep_assert_held(&nsdev_registry_lock);

	hash_for_each_possible(nsdev_ns_table, ns, hash, (unsigned long)userns)
		if (ns->userns == userns)
			return ns;
	return NULL;
}

/*
 * Loop quota. A delegated loop counts against its namespace and every
 * ancestor, so nesting namespaces does not multiply anybody's quota. Each
 * charged record keeps one user per loop, which keeps the record (and its
 * count) alive while the loop exists.
 */
static int nsdev_loop_charge(struct nsdev_ns *ns)
{
	struct user_namespace *u;
	struct nsdev_ns *rec;
	int charged = 0;

	for (u = ns->userns; u; u = u->parent) {
		rec = nsdev_ns_find(u);
		if (rec ? rec->loops_used >= rec->loop_limit :
			  READ_ONCE(nsdev_default_loop_limit) == 0)
			return -EDQUOT;
	}
	for (u = ns->userns; u; u = u->parent, charged++) {
		rec = nsdev_ns_get(u);
		if (!rec)
			goto undo;
		rec->loops_used++;
	}
	return 0;
undo:
	for (u = ns->userns; charged--; u = u->parent) {
		rec = nsdev_ns_find(u);
		rec->loops_used--;
		nsdev_ns_put(rec);
	}
	return -ENOMEM;
}

static void nsdev_loop_uncharge(struct nsdev_ns *ns)
{
	struct user_namespace *u, *parent;
	struct nsdev_ns *rec;

	for (u = ns->userns; u; u = parent) {
		parent = u->parent;
		rec = nsdev_ns_find(u);
		if (WARN_ON_ONCE(!rec))
			break;
		rec->loops_used--;
		nsdev_ns_put(rec);
	}
}

/**
 * nsdev_loop_reserve - give a loop device number to a namespace
 * @owner: the allocating namespace (its root called loop-control)
 * @devt:  the loop device's number; the device need not exist yet
 * @name:  its node name ("loop1024")
 *
 * Caller holds nsdev_registry_lock. Charges the quota (the namespace's, its
 * ancestors' and its user's, loop_limit_per_user), records the device
 * as owned by @owner (and assigned by it: no ancestor's REVOKE can take it,
 * only LOOP_CTL_REMOVE or the namespace's death) and shows it in the view.
 *
 * Return: 0, -EDQUOT, -EEXIST (the number is known already) or -ENOMEM.
 */
int nsdev_loop_reserve(struct nsdev_ns *owner, dev_t devt, const char *name)
{
	struct nsdev_device *dev;
	struct nsdev_user *user;
	struct nsdev_grant *g;
	int ret;

	lockdep_assert_held(&nsdev_registry_lock);

	if (nsdev_device_find(NSDEVTMPFS_BLK, devt))
		return -EEXIST;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	user = nsdev_user_charge(owner, false);
	if (IS_ERR(user)) {
		ret = PTR_ERR(user);
		goto err_grant;
	}
	ret = nsdev_loop_charge(owner);
	if (ret)
		goto err_user;
	dev = nsdev_device_new(NSDEVTMPFS_BLK, devt, name, 0600, NSDEV_DEV_LOOP);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err_charge;
	}
	dev->charged = owner;
	dev->user = user;
	nsdev_ns_hold(owner);
	nsdev_push(dev, g, owner, owner);
	return 0;

err_charge:
	nsdev_loop_uncharge(owner);
err_user:
	if (user)
		nsdev_user_uncharge(user, false);
err_grant:
	kfree(g);
	return ret;
}

/**
 * nsdev_loop_unreserve - a delegated loop number goes back to the system
 * @devt: its number
 *
 * Caller holds nsdev_registry_lock. Every assignment goes (the nodes leave
 * the views) and the quota is released.
 */
void nsdev_loop_unreserve(dev_t devt)
{
	struct nsdev_device *dev = nsdev_device_find(NSDEVTMPFS_BLK, devt);

	lockdep_assert_held(&nsdev_registry_lock);

	if (!dev || !(dev->flags & NSDEV_DEV_LOOP))
		return;
	while (dev->grant)
		nsdev_pop(dev);
	if (dev->charged) {
		nsdev_loop_uncharge(dev->charged);
		nsdev_ns_put(dev->charged);
		dev->charged = NULL;
	}
	nsdev_device_maybe_free(dev);
}

/**
 * nsdev_partition_added - a partition appeared on a block device
 * @gendisk: the disk it is on
 * @disk:    the whole disk's number
 * @part:    the partition's
 * @name:    its devnode name ("loop1024p1")
 *
 * Called from the block class interface, synchronously inside the partition
 * scan (so inside LOOP_CONFIGURE or BLKRRPART): a partition of a delegated
 * loop belongs to whoever the loop belongs to, and shows in that view
 * before the ioctl returns. Only when @gendisk is the very disk the module
 * holds for that number: the host may have made and bound a device of the
 * same number (see loopdev.c, "Identity, not numbers"). Partitions are
 * charged to the owner's user; beyond its share they stay out of the view.
 */
void nsdev_partition_added(const struct gendisk *gendisk, dev_t disk,
			   dev_t part, const char *name)
{
	struct nsdev_device *parent, *dev;
	struct nsdev_user *user;
	struct nsdev_grant *g;

	mutex_lock(&nsdev_registry_lock);
	nsdev_diskpart_stale(part);
	parent = nsdev_device_find(NSDEVTMPFS_BLK, disk);
	if (!parent || !(parent->flags & NSDEV_DEV_LOOP) || !parent->grant ||
	    !parent->grant->owner ||
	    nsdev_device_find(NSDEVTMPFS_BLK, part) ||
	    !nsdev_loop_holds_disk(disk, gendisk))
		goto out;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		goto out;
	user = parent->charged ? nsdev_user_charge(parent->charged, true) : NULL;
	if (IS_ERR(user)) {
		kfree(g);
		goto out;
	}
	dev = nsdev_device_new(NSDEVTMPFS_BLK, part, name, 0600,
			       NSDEV_DEV_PARTITION);
	if (IS_ERR(dev)) {
		if (user)
			nsdev_user_uncharge(user, true);
		kfree(g);
		goto out;
	}
	dev->user = user;
	dev->disk = disk;
	nsdev_push(dev, g, parent->grant->owner, parent->grant->owner);
out:
	mutex_unlock(&nsdev_registry_lock);
}

/**
 * nsdev_partition_disk - the whole disk of a partition the registry knows
 * @part: the partition's number
 *
 * Lockless (RCU), for the open of a partition's node.
 *
 * Return: the disk's number, or 0 when @part is no known partition.
 */
dev_t nsdev_partition_disk(dev_t part)
{
	const struct nsdev_device *dev;
	dev_t disk = 0;

	rcu_read_lock();
	dev = nsdev_device_find(NSDEVTMPFS_BLK, part);
	if (dev && (dev->flags & NSDEV_DEV_PARTITION))
		disk = dev->disk;
	rcu_read_unlock();
	return disk;
}

/**
 * nsdev_device_owned_by - does @dev's own assignment make it @userns's?
 * @dev:    a registry entry
 * @userns: a user namespace
 * @below:  a namespace below @userns counts too
 *
 * Caller holds nsdev_registry_lock. Only @dev's own assignment stack
 * counts, not its disk's for a partition of an assigned disk: what a
 * namespace may pass on or give up is what was assigned to it.
 *
 * Return: true when the top of @dev's stack names @userns (or, if @below,
 * a namespace below it) as the owner; false when it is global or not
 * assigned.
 */
bool nsdev_device_owned_by(const struct nsdev_device *dev,
			   const struct user_namespace *userns, bool below)
{
	const struct nsdev_ns *owner;

	lockdep_assert_held(&nsdev_registry_lock);

	owner = dev->grant ? dev->grant->owner : NULL;
	if (!owner)
		return false;
	return below ? nsdev_userns_is_descendant(owner->userns, userns) :
		       owner->userns == userns;
}

/**
 * nsdev_loop_charged_to - was the delegated loop @devt allocated by @ns?
 * @devt: a loop device's whole-disk number
 * @ns:   a namespace record
 *
 * Caller holds nsdev_registry_lock.
 *
 * Return: true when @devt counts against the loop quota of @ns (and its
 * ancestors'), which it does from its allocation until it goes.
 */
bool nsdev_loop_charged_to(dev_t devt, const struct nsdev_ns *ns)
{
	const struct nsdev_device *dev;

	lockdep_assert_held(&nsdev_registry_lock);

	dev = nsdev_device_find(NSDEVTMPFS_BLK, devt);
	return dev && dev->charged == ns;
}

/**
 * nsdev_device_decider - the entry whose assignments decide who sees @dev
 * @dev: a registry entry
 *
 * Caller holds nsdev_registry_lock. That is @dev itself, but for a
 * partition of an assigned disk, which has no assignments of its own: its
 * disk's entry.
 *
 * Return: the deciding entry, or NULL when @dev is a partition whose disk
 * is not assigned (any more).
 */
const struct nsdev_device *nsdev_device_decider(const struct nsdev_device *dev)
{
	const struct nsdev_device *disk;

	lockdep_assert_held(&nsdev_registry_lock);

	if (!(dev->flags & NSDEV_DEV_DISKPART))
		return dev;
	disk = nsdev_device_find(NSDEVTMPFS_BLK, dev->disk);
	return disk && disk->grant && disk->owner == dev->owner ? disk : NULL;
}

/**
 * nsdev_device_describe - what a reader may learn of a device's assignment
 * @dev:    a registry entry
 * @reader: the user namespace asking (QUERY's caller, a /proc reader)
 * @desc:   filled in when the result is true
 *
 * Caller holds nsdev_registry_lock. The assignment that decides is @dev's
 * own or, for a partition of an assigned disk, its disk's
 * (nsdev_device_decider()). A reader learns of global devices and of
 * devices owned by its namespace or one below it, and of nothing else.
 *
 * Return: true when @desc was filled in; false when nothing is assigned
 * or @reader may not learn of it.
 */
bool nsdev_device_describe(const struct nsdev_device *dev,
			   const struct user_namespace *reader,
			   struct nsdev_desc *desc)
{
	const struct nsdev_device *top = nsdev_device_decider(dev);
	const struct nsdev_grant *g = top ? top->grant : NULL;

	if (!g || (g->owner &&
		   !nsdev_userns_is_descendant(g->owner->userns, reader)))
		return false;
	desc->owned = g->owner;
	desc->depth = top->depth;
	desc->owner_ino = g->owner ? nsdev_ns_ino(g->owner) : 0;
	desc->assigner_ino = nsdev_ns_ino(g->assigner);
	return true;
}

/**
 * nsdev_diskpart_stale - a device is being added under @devt
 * @devt: a block device number
 *
 * Caller holds nsdev_registry_lock. A partition of an assigned disk that
 * still has an entry under this number is stale: it cannot be, as its
 * removal is reported before the number is free, but the new device must
 * never show as that partition.
 */
void nsdev_diskpart_stale(dev_t devt)
{
	struct nsdev_device *p;

	lockdep_assert_held(&nsdev_registry_lock);

	p = nsdev_device_find(NSDEVTMPFS_BLK, devt);
	if (p && (p->flags & NSDEV_DEV_DISKPART))
		nsdev_diskpart_forget(p);
}

/**
 * nsdev_disk_partition_added - a partition of a disk appeared
 * @disk: the whole disk's number
 * @part: the partition's
 * @name: its devnode name ("ram2p1")
 * @id:   its sysfs id (nsdev_sysfs_id()), which every open checks
 *
 * Caller holds nsdev_registry_lock: the block class interface (for a
 * partition scan, a BLKPG or a hotplug event) or an ASSIGN of @disk by the
 * initial root, which looks for the partitions it already has
 * (nsdev_hotplug_partitions()). If @disk is assigned, the partition is in
 * its owner's view from now on and follows it, whoever it is passed to,
 * until the partition goes away. A partition assigned on its own keeps
 * its own assignments. Delegated loops are not "assigned disks": their
 * partitions are nsdev_partition_added()'s.
 *
 * Beyond NSDEVTMPFS_MAX_DEVICES entries (or out of memory) the partition
 * stays out of the view.
 */
void nsdev_disk_partition_added(dev_t disk, dev_t part, const char *name,
				u64 id)
{
	struct nsdev_device *d, *p;

	lockdep_assert_held(&nsdev_registry_lock);

	p = nsdev_device_find(NSDEVTMPFS_BLK, part);
	if (p && !(p->flags & NSDEV_DEV_DISKPART))
		return;
	if (p && (p->disk != disk || p->id != id)) {
		nsdev_diskpart_stale(part);
		p = NULL;
	}
	d = nsdev_device_find(NSDEVTMPFS_BLK, disk);
	if (!d || !d->grant || !nsdev_is_assigned_disk(d))
		return;
	if (!p) {
		/*
		 * Removals are tracked, and each open checks the instance
		 * too (NSDEV_DEV_UNTRACKED's sysfs id): defence in depth for
		 * a number that the whole system shares (259:N).
		 */
		p = nsdev_device_new(NSDEVTMPFS_BLK, part, name, d->mode,
				     NSDEV_DEV_DISKPART | NSDEV_DEV_UNTRACKED);
		if (IS_ERR(p))
			return;
		p->disk = disk;
		p->id = id;
	}
	nsdev_publish_owner(p, d->owner);
}

/* How many delegated loop numbers does @ns own? Caller holds the lock. */
unsigned int nsdev_ns_loops_owned(const struct nsdev_ns *ns)
{
	const struct nsdev_device *dev;
	unsigned int n = 0;

	lockdep_assert_held(&nsdev_registry_lock);

	list_for_each_entry(dev, &nsdev_device_list, node)
		if ((dev->flags & NSDEV_DEV_LOOP) && dev->owner == ns)
			n++;
	return n;
}

/**
 * nsdev_ns_reclaim - a dead namespace gives back what it was given
 * @ns: its record
 *
 * Caller holds nsdev_registry_lock; the loops it allocated were dealt
 * with already (loopdev.c). Every assignment to @ns reverts to its
 * assigner (its descendants, being dead too, were reclaimed first), a
 * delegated loop it was passed included, and a loop limit set on it is
 * forgotten.
 */
void nsdev_ns_reclaim(struct nsdev_ns *ns)
{
	struct nsdev_device *dev, *tmp;

	lockdep_assert_held(&nsdev_registry_lock);

	list_for_each_entry_safe(dev, tmp, &nsdev_device_list, node) {
		if (dev->flags & NSDEV_DEV_LOOP) {
			/* The allocation itself leaves by loopdev.c only. */
			while (dev->grant && dev->grant->prev &&
			       dev->grant->owner == ns)
				nsdev_pop(dev);
			continue;
		}
		while (dev->grant && dev->grant->owner == ns)
			nsdev_pop(dev);
		nsdev_device_maybe_free(dev);
	}
	if (ns->limit_set) {
		ns->limit_set = false;
		nsdev_ns_put(ns);
	}
}

/**
 * nsdev_registry_add_default - add a device to every view's default content
 * @type: NSDEVTMPFS_CHR or NSDEVTMPFS_BLK
 * @devt: the device; it need not exist (opening autoloads its driver)
 * @name: node name
 * @mode: node permission bits
 *
 * Called at module init, before any view can exist. The entry is global,
 * assigned by the initial namespace; REVOKE by the initial root hides it.
 *
 * Return: 0 or -ENOMEM.
 */
int nsdev_registry_add_default(u32 type, dev_t devt, const char *name,
			       umode_t mode)
{
	struct nsdev_device *dev;
	struct nsdev_grant *g;
	int ret = 0;

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	mutex_lock(&nsdev_registry_lock);
	dev = nsdev_device_new(type, devt, name, mode, NSDEV_DEV_DEFAULT);
	if (IS_ERR(dev)) {
		kfree(g);
		ret = PTR_ERR(dev);
	} else {
		nsdev_push(dev, g, NULL, nsdev_init_ns);
	}
	mutex_unlock(&nsdev_registry_lock);
	return ret;
}

/*
 * The global devices of every view (SPEC §2; systemd's container interface
 * and libvirt LXC give containers the same set). The module's own two misc
 * devices join them from control.c and loopctl.c.
 */
static const struct {
	const char *name;
	unsigned int major, minor;
} nsdev_default_devices[] = {
	{ "null",	1, 3 },
	{ "zero",	1, 5 },
	{ "full",	1, 7 },
	{ "random",	1, 8 },
	{ "urandom",	1, 9 },
	{ "tty",	5, 0 },
	{ "fuse",	10, 229 },
	{ "net/tun",	10, 200 },
};

/**
 * nsdev_registry_init - the initial namespace's record and the defaults
 *
 * Return: 0 or -ENOMEM; on error everything made is freed again.
 */
int __init nsdev_registry_init(void)
{
	int i, ret = 0;

	mutex_lock(&nsdev_registry_lock);
	nsdev_init_ns = nsdev_ns_get(&init_user_ns);
	/* The host's own total is not limited unless its root asks. */
	if (nsdev_init_ns)
		nsdev_init_ns->loop_limit = NSDEV_MAX_LOOP_LIMIT;
	mutex_unlock(&nsdev_registry_lock);
	if (!nsdev_init_ns)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(nsdev_default_devices) && !ret; i++)
		ret = nsdev_registry_add_default(NSDEVTMPFS_CHR,
						 MKDEV(nsdev_default_devices[i].major,
						       nsdev_default_devices[i].minor),
						 nsdev_default_devices[i].name, 0666);
	if (ret)
		nsdev_registry_exit();
	return ret;
}

/*
 * nsdev_registry_exit - free everything. No view is mounted (each holds a
 * module reference) and the control device is gone, so nothing races.
 */
void nsdev_registry_exit(void)
{
	struct nsdev_device *dev, *tmp;

	struct nsdev_ns *ns, *next;

	mutex_lock(&nsdev_registry_lock);
	list_for_each_entry_safe(dev, tmp, &nsdev_device_list, node) {
		if (dev->flags & NSDEV_DEV_LOOP) {
			nsdev_loop_unreserve(dev->devt);
			continue;
		}
		dev->flags &= ~NSDEV_DEV_DEFAULT;
		while (dev->grant)
			nsdev_pop(dev);
		if (dev->flags & NSDEV_DEV_DISKPART)
			nsdev_device_free(dev);
		else
			nsdev_device_maybe_free(dev);
	}
	list_for_each_entry_safe(ns, next, &nsdev_ns_list, node) {
		if (ns->limit_set) {
			ns->limit_set = false;
			nsdev_ns_put(ns);
		}
	}
	nsdev_ns_put(nsdev_init_ns);
	WARN_ON(!list_empty(&nsdev_ns_list));
	mutex_unlock(&nsdev_registry_lock);
	rcu_barrier();
}

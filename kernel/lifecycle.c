// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle.c - reclaiming what dead user namespaces held (SPEC §5)
 *
 * The kernel tells nobody when a user namespace dies, and the registry
 * itself keeps every namespace it records alive (each record holds a
 * reference, so that its pointer and inode number stay unique). So a
 * reaper looks, every second, for records whose namespace nothing but the
 * module can reach any more, and takes back what they held: their loops are
 * detached and freed, devices assigned to them revert to their assigners,
 * their quota and limits go. Then the records go, and the namespaces with
 * them.
 *
 * The rule. A namespace is dead when, under nsdev_registry_lock:
 *  1. no task's credentials are in it or in a namespace below it,
 *  2. neither it nor a recorded namespace below it has a view mounted (the
 *     superblock references it) or is pinned by nsfs: an open
 *     /proc/PID/ns/user, a bind mount of one, a path being set up
 *     (nsdev_userns_pinned()), and
 *  3. either its reference count is at most the registry's own reference
 *     plus one per delegated loop it owns (a bound loop's backing file may
 *     carry a credential of the namespace), or 1 and 2 have held for
 *     NSDEV_REAP_GRACE (five seconds, counted in time, not reaper runs).
 *
 * Why this is safe: a namespace can only gain a task through setns() on an
 * nsfs file (2; on 7.x a file handle reopens only a namespace that a task
 * or an nsfs file still keeps active), or through a task already in it or
 * below (1). With 3's first form, nothing else can be holding it: a child
 * namespace, a namespace it owns (mount, network...), a file in flight
 * would each add a reference; only the loops' backing files are excused,
 * and those bring no task back. The count can only fall while we look
 * (nobody can take a reference from nothing), so a namespace judged dead
 * stays dead. The lockless nsfs check races only with a task or an nsfs
 * file that holds a reference of its own, so 3's first form sees it; 3's
 * second form needs five seconds of such misses in a row.
 *
 * So a namespace that a container manager prepares and keeps by an nsfs
 * fd or a bind mount before its first process keeps its devices and loops
 * as long as it is kept. Once the last of these goes, the next run (within
 * NSDEV_REAP_PERIOD) reclaims it.
 *
 * 3's second form is a choice, not a proof: some kernel objects keep a
 * reference a while after their last user (seen: a namespace whose loop
 * fd had been handed to another process kept one more reference for good
 * after that process closed it; a loop bound to a file opened in an
 * unrecorded child namespace keeps that child, and so its parent, for as
 * long as the loop is bound). A namespace without tasks, views and nsfs
 * pins, in it and in the recorded namespaces below, for NSDEV_REAP_GRACE
 * is treated as dead. What errs here errs against that namespace alone:
 * it loses its own devices and loops, to their assigners, and the quota
 * comes back; nobody else gains access to anything. An unrecorded
 * descendant pinned by nsfs alone is the case this misses (README, "Known
 * limits").
 *
 * Records are reclaimed children first: a dead child's record keeps its
 * parent referenced (a namespace references its parent) until it goes, so
 * each pass frees one more level, and a pass is repeated while it finds
 * anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "nsdevtmpfs.h"
#include "registry.h"

#define NSDEV_REAP_PERIOD	HZ
#define NSDEV_REAP_PASSES	8	/* nesting levels freed per run */
#define NSDEV_REAP_GRACE	(5 * HZ)	/* without task, view or pin: dead */

static void nsdev_reap_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(nsdev_reap_work, nsdev_reap_work_fn);
static unsigned long nsdev_sweep_next;	/* the reap work's own */

/*
 * Mark the record of @u and of every namespace above it live. Whenever a
 * record is marked, so are all above it: a live one ends the walk.
 */
static void nsdev_mark_live_from(struct user_namespace *u)
{
	struct nsdev_ns *ns;

	lockdep_assert_held(&nsdev_registry_lock);

	for (; u; u = u->parent) {
		ns = nsdev_ns_find(u);
		if (!ns)
			continue;
		if (ns->reap.live)
			break;	/* and so is everything above */
		ns->reap.live = true;
	}
}

/* Mark the records that rules 1 and 2 keep alive (see the top). */
static void nsdev_mark_live(void)
{
	struct task_struct *p, *t;
	struct nsdev_ns *ns;

	lockdep_assert_held(&nsdev_registry_lock);

	for (ns = nsdev_ns_next(NULL); ns; ns = nsdev_ns_next(ns))
		ns->reap.live = false;

	rcu_read_lock();
	for_each_process_thread(p, t)
		nsdev_mark_live_from(task_cred_xxx(t, user_ns));
	rcu_read_unlock();

	/* Each record holds its namespace: ->userns is safe to look at. */
	for (ns = nsdev_ns_next(NULL); ns; ns = nsdev_ns_next(ns))
		if (ns->sb || nsdev_userns_pinned(ns->userns))
			nsdev_mark_live_from(ns->userns);
}

static bool nsdev_ns_dead(struct nsdev_ns *ns)
{
	if (ns == nsdev_init_ns || ns->reap.live) {
		ns->reap.idle = 0;
		return false;
	}
	/*
	 * Time, not reaper runs: anyone can make the reaper run (a GET_FREE
	 * at its quota does), nobody can make the grace shorter.
	 */
	if (!ns->reap.idle)
		ns->reap.idle = jiffies | 1;
	if (time_after_eq(jiffies, ns->reap.idle + NSDEV_REAP_GRACE))
		return true;
	return nsdev_userns_refs(ns->userns) <= 1 + nsdev_ns_loops_owned(ns);
}

/**
 * nsdev_reap - one reaper run: find dead namespaces and reclaim them
 *
 * Return: how many namespaces were found dead.
 */
static unsigned int nsdev_reap(void)
{
	struct nsdev_ns **dead, *ns;
	unsigned int n = 0, i, max;

	mutex_lock(&nsdev_registry_lock);
	max = 0;
	for (ns = nsdev_ns_next(NULL); ns; ns = nsdev_ns_next(ns))
		max++;
	mutex_unlock(&nsdev_registry_lock);
	/* Only the initial namespace: no walk over every thread this time. */
	if (max <= 1)
		return 0;
	dead = kcalloc(max, sizeof(*dead), GFP_KERNEL);
	if (!dead) {
		/* Not skipped silently: the next run comes in a second. */
		pr_warn_ratelimited("no memory to reap dead namespaces; retrying\n");
		return 0;
	}

	/* Judge, and keep each dead record with a user of our own. */
	mutex_lock(&nsdev_registry_lock);
	nsdev_mark_live();
	for (ns = nsdev_ns_next(NULL); ns; ns = nsdev_ns_next(ns)) {
		if (n < max && nsdev_ns_dead(ns)) {
			nsdev_ns_hold(ns);
			dead[n++] = ns;
		}
	}
	mutex_unlock(&nsdev_registry_lock);

	/* Loops first, without the registry lock (loopdev.c's order). */
	for (i = 0; i < n; i++)
		nsdev_loop_reclaim(dead[i]);

	mutex_lock(&nsdev_registry_lock);
	for (i = 0; i < n; i++) {
		nsdev_ns_reclaim(dead[i]);
		nsdev_ns_put(dead[i]);
	}
	mutex_unlock(&nsdev_registry_lock);
	kfree(dead);
	return n;
}

static void nsdev_reap_work_fn(struct work_struct *work)
{
	int pass;

	for (pass = 0; pass < NSDEV_REAP_PASSES; pass++)
		if (!nsdev_reap())
			break;
	/* Once a period: extra runs (nsdev_reap_now()) do not sweep. */
	if (time_after_eq(jiffies, nsdev_sweep_next)) {
		nsdev_sweep_untracked();
		nsdev_sweep_next = jiffies + NSDEV_REAP_PERIOD;
	}
	schedule_delayed_work(&nsdev_reap_work, NSDEV_REAP_PERIOD);
}

/* nsdev_reap_now - reclaim dead namespaces before returning */
void nsdev_reap_now(void)
{
	mod_delayed_work(system_wq, &nsdev_reap_work, 0);
	flush_delayed_work(&nsdev_reap_work);
}

void __init nsdev_lifecycle_init(void)
{
	schedule_delayed_work(&nsdev_reap_work, NSDEV_REAP_PERIOD);
}

void nsdev_lifecycle_exit(void)
{
	cancel_delayed_work_sync(&nsdev_reap_work);
}

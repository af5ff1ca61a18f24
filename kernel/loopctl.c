// SPDX-License-Identifier: GPL-2.0
/*
 * loopctl.c - loop-control delegation (SPEC §4)
 *
 * /dev/nsdevtmpfs-loop-control, shown as "loop-control" in every view,
 * answers LOOP_CTL_GET_FREE, LOOP_CTL_ADD and LOOP_CTL_REMOVE like the
 * loop driver's own loop-control, for the caller's user namespace. The
 * devices are real loop devices, made by driving the loop driver's
 * loop-control from here (no loop API is exported).
 *
 * Who may call it is decided here (nsdev_loopctl_caller_is_root()); what
 * a number then goes through is in loopdev.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/loop.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/user_namespace.h>

#include <uapi/linux/nsdevtmpfs.h>

#include "loopdev.h"
#include "loopdrv.h"
#include "nsdevtmpfs.h"
#include "registry.h"

/* Where numbers for GET_FREE start: well above what the host allocates. */
static unsigned int nsdev_loop_base = 1024;
module_param_named(loop_index_base, nsdev_loop_base, uint, 0444);
MODULE_PARM_DESC(loop_index_base,
		 "first loop device number handed out to namespaces (1024; 256-524288)");

/*
 * Does the caller's namespace, or one below it, hold any delegated loop?
 * If not, GET_FREE need not look through the whole table for one of its
 * reserved numbers: the common case stays independent of how many other
 * namespaces hold loops.
 */
static bool nsdev_loops_held(void)
{
	struct nsdev_ns *ns;
	bool held;

	mutex_lock(&nsdev_registry_lock);
	ns = nsdev_ns_find(current_user_ns());
	held = ns && ns->loops_used;
	mutex_unlock(&nsdev_registry_lock);
	return held;
}

static long nsdev_loopctl_get_free(void)
{
	unsigned int i;
	long ret;

	/* A free number the namespace holds already? */
	if (nsdev_loops_held()) {
		ret = nsdev_loop_find_reserved();
		if (ret >= 0)
			return ret;
	}

	/* A new number that neither the loop driver nor the table uses. */
	for (i = nsdev_loop_base; i <= nsdev_loopdrv_max_index(); i++) {
		if (nsdev_loop_known(i) || nsdev_loopdrv_exists(i))
			continue;
		ret = nsdev_loop_reserve_index(i);
		if (ret != -EEXIST)
			return ret;
	}
	return -ENOSPC;
}

static long nsdev_loopctl_remove(unsigned int index)
{
	struct nsdev_loop *loop = nsdev_loop_get(index);
	long ret;

	if (!loop)
		return nsdev_loopdrv_exists(index) ? -EPERM : -ENODEV;
	/*
	 * Its own numbers, as any root of the namespace may; a descendant's
	 * only with CAP_SYS_ADMIN, which already gives power over it (a
	 * capability-less root must not take what a user of the namespace
	 * made in a namespace of its own).
	 */
	if (!nsdev_loop_mine(loop, false) &&
	    !(ns_capable(current_user_ns(), CAP_SYS_ADMIN) &&
	      nsdev_loop_mine(loop, true)))
		ret = -EPERM;
	else
		ret = nsdev_loop_give_up(loop);
	nsdev_loop_put(loop);
	return ret;
}

/*
 * Who may use loop-control: root of the caller's own user namespace, by
 * uid or by capability. The stock loop-control checks nothing but its
 * node's mode (0660 root:disk), so host root uses it without
 * CAP_SYS_ADMIN; container runtimes run root without it by default, and
 * losetup there must work as on the host. A uid 0 without capabilities is
 * no stronger a principal here: what it allocates is its namespace's,
 * counted against the quota of the namespace and every ancestor, and no
 * other namespace's device is reachable through it. Non-root users of the
 * namespace are refused, as the stock mode refuses users outside "disk".
 * The fsuid is what the stock node's mode is checked against. Not in the
 * initial namespace: its uid 0 without capabilities is what a container
 * without a user namespace runs as, and the initial namespace's loops are
 * the host's (its quota is the host's, and every such container shares
 * its view); there CAP_SYS_ADMIN is asked for, as before.
 */
static bool nsdev_loopctl_caller_is_root(void)
{
	struct user_namespace *ns = current_user_ns();

	if (ns != &init_user_ns && uid_eq(current_fsuid(), make_kuid(ns, 0)))
		return true;
	return ns_capable(ns, CAP_SYS_ADMIN);
}

static long nsdev_loopctl_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	long ret;

	switch (cmd) {
	case LOOP_CTL_GET_FREE:
	case LOOP_CTL_ADD:
	case LOOP_CTL_REMOVE:
		break;
	default:
		return -ENOTTY;
	}
	if (!nsdev_loopctl_caller_is_root())
		return -EPERM;
	ret = nsdev_loopdrv_open();
	if (ret)
		return ret;
	/* The range depends on loop.ko's max_part, known once it is open. */
	if (cmd != LOOP_CTL_GET_FREE &&
	    (arg > nsdev_loopdrv_max_index() || arg > INT_MAX))
		return -EINVAL;

	switch (cmd) {
	case LOOP_CTL_GET_FREE:
		ret = nsdev_loopctl_get_free();
		break;
	case LOOP_CTL_ADD:
		/* The host's numbers are the host's (see loop_index_base). */
		if (arg < nsdev_loop_base)
			return -EPERM;
		if (nsdev_loopdrv_exists(arg))
			return -EEXIST;
		ret = nsdev_loop_reserve_index(arg);
		break;
	default:
		return nsdev_loopctl_remove(arg);
	}
	/* Dead descendants may still hold quota: reclaim them, try again. */
	if (ret == -EDQUOT) {
		nsdev_reap_now();
		ret = cmd == LOOP_CTL_GET_FREE ? nsdev_loopctl_get_free() :
						 nsdev_loop_reserve_index(arg);
	}
	return ret;
}

static const struct file_operations nsdev_loopctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= nsdev_loopctl_ioctl,
	.compat_ioctl	= nsdev_loopctl_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice nsdev_loopctl_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= NSDEVTMPFS_LOOPCTL_NAME,
	.fops	= &nsdev_loopctl_fops,
	.mode	= 0666,
};

/**
 * nsdev_loopctl_init - bring up loop delegation
 *
 * The stand-ins for the loop driver first, then the file operations of
 * the view's block nodes, then the misc device, which appears in every
 * view's default content.
 *
 * Return: 0 or a negative errno.
 */
int __init nsdev_loopctl_init(void)
{
	int ret;

	/*
	 * Below the minimum, GET_FREE would hand a namespace numbers the
	 * host's own losetup takes next; above the maximum, few numbers are
	 * left under 2^20 minors. Refuse to load rather than guess.
	 */
	if (nsdev_loop_base < NSDEVTMPFS_LOOP_INDEX_BASE_MIN ||
	    nsdev_loop_base > NSDEVTMPFS_LOOP_INDEX_BASE_MAX) {
		pr_err("loop_index_base=%u is out of range (%u-%u): namespaces' loop numbers must stay above the host's\n",
		       nsdev_loop_base, NSDEVTMPFS_LOOP_INDEX_BASE_MIN,
		       NSDEVTMPFS_LOOP_INDEX_BASE_MAX);
		return -EINVAL;
	}
	ret = nsdev_loopdrv_init();
	if (ret)
		return ret;
	nsdev_loopdev_init();
	ret = misc_register(&nsdev_loopctl_misc);
	if (ret)
		goto err_drv;
	ret = nsdev_registry_add_default(NSDEVTMPFS_CHR,
					 nsdev_loopctl_misc.this_device->devt,
					 "loop-control", 0666);
	if (ret)
		goto err_misc;
	return 0;

err_misc:
	misc_deregister(&nsdev_loopctl_misc);
err_drv:
	nsdev_loopdrv_exit();
	return ret;
}

/*
 * nsdev_loopctl_exit - no view is mounted and no file of ours is open
 * (both hold module references): no new number can come, every number
 * goes, then the real loop-control.
 */
void nsdev_loopctl_exit(void)
{
	misc_deregister(&nsdev_loopctl_misc);
	nsdev_loopdev_exit();
	nsdev_loopdrv_exit();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * proc.c - /proc/nsdevtmpfs/devices and /proc/nsdevtmpfs/namespaces
 *
 * Both list registry state, filtered by the user namespace of whoever
 * opened the file: a reader sees its own namespace and its descendants,
 * and global devices; the initial namespace sees everything. The registry
 * is walked with its iterators under nsdev_registry_lock, held from
 * ->start() to ->stop(); each ->start() walks again from the beginning, as
 * seq_list_start() would.
 *
 *   devices:    type major:minor name owner-ns-inode assigner-ns-inode flags
 *               (owner 0 = global; flags: global or owned, then
 *               ,default ,loop ,partition as they apply; "partition" is a
 *               partition of an assigned disk)
 *   namespaces: ns-inode parent-inode loops-used loop-limit views-mounted
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/user_namespace.h>

#include "nsdevtmpfs.h"
#include "registry.h"

static struct proc_dir_entry *nsdev_proc_dir;

static void *nsdev_proc_devices_start(struct seq_file *m, loff_t *pos)
{
	const struct nsdev_device *dev;
	loff_t n = *pos;

	mutex_lock(&nsdev_registry_lock);
	for (dev = nsdev_device_next(NULL); dev; dev = nsdev_device_next(dev))
		if (!n--)
			break;
	return (void *)dev;
}

static void *nsdev_proc_devices_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return (void *)nsdev_device_next(v);
}

static void nsdev_proc_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&nsdev_registry_lock);
}

static int nsdev_proc_devices_show(struct seq_file *m, void *v)
{
	const struct nsdev_device *dev = v;
	struct nsdev_desc desc;

	if (!nsdev_device_describe(dev, seq_user_ns(m), &desc))
		return 0;

	seq_printf(m, "%c %u:%u %s %llu %llu ",
		   dev->type == NSDEVTMPFS_BLK ? 'b' : 'c',
		   MAJOR(dev->devt), MINOR(dev->devt), dev->name,
		   desc.owner_ino, desc.assigner_ino);
	seq_puts(m, desc.owned ? "owned" : "global");
	if (dev->flags & NSDEV_DEV_DEFAULT)
		seq_puts(m, ",default");
	if (dev->flags & NSDEV_DEV_LOOP)
		seq_puts(m, ",loop");
	if (dev->flags & NSDEV_DEV_DISKPART)
		seq_puts(m, ",partition");
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations nsdev_proc_devices_ops = {
	.start	= nsdev_proc_devices_start,
	.next	= nsdev_proc_devices_next,
	.stop	= nsdev_proc_stop,
	.show	= nsdev_proc_devices_show,
};

static void *nsdev_proc_ns_start(struct seq_file *m, loff_t *pos)
{
	struct nsdev_ns *ns;
	loff_t n = *pos;

	mutex_lock(&nsdev_registry_lock);
	for (ns = nsdev_ns_next(NULL); ns; ns = nsdev_ns_next(ns))
		if (!n--)
			break;
	return ns;
}

static void *nsdev_proc_ns_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return nsdev_ns_next(v);
}

static int nsdev_proc_ns_show(struct seq_file *m, void *v)
{
	const struct nsdev_ns *ns = v;
	struct user_namespace *parent = ns->userns->parent;

	if (!nsdev_userns_is_descendant(ns->userns, seq_user_ns(m)))
		return 0;
	seq_printf(m, "%llu %llu %u %u %u\n", nsdev_ns_ino(ns),
		   parent ? (u64)parent->ns.inum : 0ULL, ns->loops_used,
		   ns->loop_limit, ns->sb ? 1 : 0);
	return 0;
}

static const struct seq_operations nsdev_proc_ns_ops = {
	.start	= nsdev_proc_ns_start,
	.next	= nsdev_proc_ns_next,
	.stop	= nsdev_proc_stop,
	.show	= nsdev_proc_ns_show,
};

int __init nsdev_proc_init(void)
{
	nsdev_proc_dir = proc_mkdir("nsdevtmpfs", NULL);
	if (!nsdev_proc_dir)
		return -ENOMEM;
	if (!proc_create_seq("devices", 0444, nsdev_proc_dir,
			     &nsdev_proc_devices_ops) ||
	    !proc_create_seq("namespaces", 0444, nsdev_proc_dir,
			     &nsdev_proc_ns_ops)) {
		proc_remove(nsdev_proc_dir);
		return -ENOMEM;
	}
	return 0;
}

void nsdev_proc_exit(void)
{
	proc_remove(nsdev_proc_dir);
}

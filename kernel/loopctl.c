// SPDX-License-Identifier: GPL-2.0
/*
 * loopctl.c - /dev/nsdevtmpfs-loop-control, shown as loop-control in views
 *
 * Loop-control delegation (SPEC §4) is built on this device. For now it
 * only exists, so that every view has its loop-control node; its ioctls
 * answer ENOTTY until delegation lands.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <uapi/linux/nsdevtmpfs.h>

#include "nsdevtmpfs.h"
#include "registry.h"

static long nsdev_loopctl_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations nsdev_loopctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= nsdev_loopctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice nsdev_loopctl_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= NSDEVTMPFS_LOOPCTL_NAME,
	.fops	= &nsdev_loopctl_fops,
	.mode	= 0660,
};

int __init nsdev_loopctl_init(void)
{
	int ret;

	ret = misc_register(&nsdev_loopctl_misc);
	if (ret)
		return ret;
	ret = nsdev_registry_add_default(NSDEVTMPFS_CHR,
					 nsdev_loopctl_misc.this_device->devt,
					 "loop-control", 0660);
	if (ret)
		misc_deregister(&nsdev_loopctl_misc);
	return ret;
}

void nsdev_loopctl_exit(void)
{
	misc_deregister(&nsdev_loopctl_misc);
}

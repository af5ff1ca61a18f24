// SPDX-License-Identifier: GPL-2.0
/*
 * control.c - /dev/nsdevtmpfs-control
 *
 * The misc device through which namespace roots administer device
 * ownership. It is 0600 root on the host; every ioctl does its own
 * permission check, because views show it to namespace roots as well.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <uapi/linux/nsdevtmpfs.h>

#include "nsdevtmpfs.h"

static long nsdev_control_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations nsdev_control_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= nsdev_control_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice nsdev_control_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= NSDEVTMPFS_CONTROL_NAME,
	.fops	= &nsdev_control_fops,
	.mode	= 0600,
};

int __init nsdev_control_init(void)
{
	return misc_register(&nsdev_control_misc);
}

void nsdev_control_exit(void)
{
	misc_deregister(&nsdev_control_misc);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module entry points
 *
 * Brings the parts up in dependency order and tears them down in reverse:
 * the control device first, so that by the time a view can be mounted the
 * interface that administers it exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "nsdevtmpfs.h"

static int __init nsdev_init(void)
{
	int ret;

	ret = nsdev_control_init();
	if (ret)
		return ret;

	ret = nsdev_fs_init();
	if (ret)
		goto err_control;

	return 0;

err_control:
	nsdev_control_exit();
	return ret;
}

static void __exit nsdev_exit(void)
{
	nsdev_fs_exit();
	nsdev_control_exit();
}

module_init(nsdev_init);
module_exit(nsdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("devtmpfs-like /dev per user namespace with loop-control delegation");
MODULE_VERSION("0.1.0");

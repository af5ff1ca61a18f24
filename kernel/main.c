// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module parameters and entry points
 *
 * Brings the parts up in dependency order and tears them down in reverse:
 * the registry first (everything else records into it), the control
 * device, the hotplug tracking (it learns the misc class from the control
 * device), loop delegation (it reads sysfs through hotplug's mount), /proc,
 * the filesystem, so that by the time a view can be mounted everything it
 * shows exists, and last the reaper of dead namespaces.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "nsdevtmpfs.h"
#include "registry.h"

unsigned int nsdev_default_loop_limit = 8;
module_param_named(loop_limit, nsdev_default_loop_limit, uint, 0644);
MODULE_PARM_DESC(loop_limit,
		 "loop devices a user namespace and its descendants may hold by default (8)");

unsigned int nsdev_user_loop_limit = 16;
module_param_named(loop_limit_per_user, nsdev_user_loop_limit, uint, 0644);
MODULE_PARM_DESC(loop_limit_per_user,
		 "loop devices the namespaces of one user may hold together (16)");

static int __init nsdev_init(void)
{
	int ret;

	ret = nsdev_registry_init();
	if (ret)
		return ret;
	ret = nsdev_control_init();
	if (ret)
		goto err_registry;
	ret = nsdev_hotplug_init(nsdev_control_device());
	if (ret)
		goto err_control;
	ret = nsdev_loopctl_init();
	if (ret)
		goto err_hotplug;
	ret = nsdev_proc_init();
	if (ret)
		goto err_loopctl;
	ret = nsdev_fs_init();
	if (ret)
		goto err_proc;
	nsdev_lifecycle_init();
	return 0;

err_proc:
	nsdev_proc_exit();
err_loopctl:
	nsdev_loopctl_exit();
err_hotplug:
	nsdev_hotplug_exit();
err_control:
	nsdev_control_exit();
err_registry:
	nsdev_registry_exit();
	return ret;
}

static void __exit nsdev_exit(void)
{
	nsdev_lifecycle_exit();
	nsdev_fs_exit();
	nsdev_proc_exit();
	nsdev_loopctl_exit();
	nsdev_hotplug_exit();
	nsdev_control_exit();
	nsdev_registry_exit();
}

module_init(nsdev_init);
module_exit(nsdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("devtmpfs-like /dev per user namespace with loop-control delegation");
MODULE_VERSION(NSDEV_VERSION);

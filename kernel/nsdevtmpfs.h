/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nsdevtmpfs.h - interfaces between the parts of the module
 *
 * registry.c  the ownership registry (its own header: registry.h)
 * fs.c        the nsdevtmpfs filesystem: one view per user namespace
 * file.c      regular files in a view
 * control.c   /dev/nsdevtmpfs-control, the administrative ioctls
 * loopctl.c   /dev/nsdevtmpfs-loop-control: who gets a loop number
 * loopdev.c   delegated loop numbers: their states, their view nodes (loopdev.h)
 * loopdrv.c   the loop driver and block layer, reached from outside (loopdrv.h)
 * blkfilter.c the block ioctls a view passes on
 * hotplug.c   device names (devnode) and removal tracking
 * proc.c      /proc/nsdevtmpfs/{devices,namespaces}
 * lifecycle.c reclaiming what dead user namespaces held
 * main.c      module parameters, init and exit in dependency order
 */
#ifndef _NSDEVTMPFS_H
#define _NSDEVTMPFS_H

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/types.h>

struct device;
struct gendisk;
struct inode;
struct nsdev_device;
struct super_block;

/* main.c */
extern unsigned int nsdev_default_loop_limit;
extern unsigned int nsdev_user_loop_limit;

/* registry.c (the rest is in registry.h) */
int nsdev_registry_add_default(u32 type, dev_t devt, const char *name,
			       umode_t mode);

/* fs.c */
int __init nsdev_fs_init(void);
void nsdev_fs_exit(void);
struct nsdev_ns;
struct nsdev_sync;
void nsdev_view_init(struct nsdev_ns *ns);
void nsdev_view_update(struct nsdev_ns *ns, const struct nsdev_device *dev,
		       bool show);
void nsdev_view_settle(struct inode *inode);
void nsdev_sync_begin(struct nsdev_sync *sync);
void nsdev_sync_end(void);
void nsdev_sync_wait(struct nsdev_sync *sync);
bool nsdev_node_visible(struct inode *inode);
int nsdev_view_charge_bytes(struct super_block *sb, unsigned long bytes);
void nsdev_view_uncharge_bytes(struct super_block *sb, unsigned long bytes);
loff_t nsdev_view_max_bytes(const struct super_block *sb);

/* file.c */
void nsdev_file_init(struct inode *inode);
unsigned long nsdev_file_charged(const struct inode *inode);

/* control.c */
int __init nsdev_control_init(void);
void nsdev_control_exit(void);
struct device *nsdev_control_device(void);

/* loopctl.c */
int __init nsdev_loopctl_init(void);
void nsdev_loopctl_exit(void);

/* loopdev.c (the rest is in loopdev.h) */
/* The file operations of a view's block nodes: */
extern const struct file_operations *const nsdev_blk_loop_fops; /* a delegated loop's */
extern const struct file_operations *const nsdev_blk_part_fops; /* a partition of one */
extern const struct file_operations *const nsdev_blk_disk_fops; /* any other */
bool nsdev_loop_holds_disk(dev_t devt, const struct gendisk *disk);
void nsdev_loop_reclaim(struct nsdev_ns *ns);

/* blkfilter.c */
bool nsdev_blk_ioctl_allowed(unsigned int cmd, bool compat, bool loop);

/* hotplug.c */
int __init nsdev_hotplug_init(struct device *misc);
void nsdev_hotplug_exit(void);
int nsdev_devnode_lookup(u32 type, dev_t devt, char *name, umode_t *mode);
int nsdev_sysfs_id(u32 type, dev_t devt, u64 *id);
int nsdev_hotplug_watch_block(dev_t devt);
bool nsdev_hotplug_tracks(u32 type, dev_t devt);
struct device *nsdev_hotplug_disk_get(dev_t devt);
void nsdev_hotplug_partitions(struct device *disk);
ssize_t nsdev_sysfs_read(const char *path, char *buf, size_t len);
bool nsdev_sysfs_exists(const char *path);

/* lifecycle.c */
void __init nsdev_lifecycle_init(void);
void nsdev_lifecycle_exit(void);
void nsdev_reap_now(void);

/* proc.c */
int __init nsdev_proc_init(void);
void nsdev_proc_exit(void);

#endif /* _NSDEVTMPFS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loopdev.h - delegated loop numbers, as loop-control hands them out
 *
 * loopctl.c decides who may ask for a number; loopdev.c keeps the numbers
 * and drives each through its states. An entry is opaque outside
 * loopdev.c: a reference from nsdev_loop_get() keeps it, not its number.
 */
#ifndef _NSDEVTMPFS_LOOPDEV_H
#define _NSDEVTMPFS_LOOPDEV_H

#include <linux/init.h>
#include <linux/types.h>

struct nsdev_loop;

void __init nsdev_loopdev_init(void);
void nsdev_loopdev_exit(void);

struct nsdev_loop *nsdev_loop_get(unsigned int index);
void nsdev_loop_put(struct nsdev_loop *loop);
bool nsdev_loop_known(unsigned int index);
bool nsdev_loop_mine(struct nsdev_loop *loop, bool below);

long nsdev_loop_reserve_index(unsigned int index);
long nsdev_loop_find_reserved(void);
int nsdev_loop_give_up(struct nsdev_loop *loop);

#endif /* _NSDEVTMPFS_LOOPDEV_H */

#!/bin/sh
# The demo run inside the VM by `make demo`: what exists so far.
set -e
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "kernel $(uname -r): nsdevtmpfs is loaded"
lsmod | grep -E '^(Module|nsdevtmpfs|loop) '
modinfo -F description nsdevtmpfs
printf 'version: '; modinfo -F version nsdevtmpfs

step "the control device and the filesystem type"
ls -l /dev/nsdevtmpfs-control
grep nsdevtmpfs /proc/filesystems

step "a view in the initial user namespace"
mkdir -p /tmp/host-view
mount -t nsdevtmpfs none /tmp/host-view
grep ' /tmp/host-view ' /proc/self/mounts
stat -c '%n: device %d, owner %u:%g, mode %a' /tmp/host-view

step "a view mounted by root of a new user namespace (unshare -Urm)"
unshare -Urm sh -c '
	mkdir -p /tmp/ns-view
	mount -t nsdevtmpfs none /tmp/ns-view
	echo "in user namespace $(readlink /proc/self/ns/user):"
	stat -c "%n: device %d (its own superblock), owner %u:%g inside" /tmp/ns-view
'

step "unloading is refused while a view is mounted"
rmmod nsdevtmpfs 2>&1 || true
umount /tmp/host-view
rmmod nsdevtmpfs && echo "after umount: rmmod nsdevtmpfs succeeded"

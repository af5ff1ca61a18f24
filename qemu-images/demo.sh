#!/bin/sh
# The demo run inside the VM by `make demo`: per-namespace /dev at work.
# Everything here is what a user types; nsdevctl comes from userspace/.
set -e
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# The pid of the command nsdevctl run started (its only child).
child_of() {
	for i in $(seq 50); do
		c=$(cat /proc/$1/task/$1/children 2>/dev/null | awk '{print $1}')
		[ -n "$c" ] && [ "$(cat /proc/$c/comm)" = sleep ] && { echo $c; return; }
		sleep 0.1
	done
}
inside() { ns=$1; shift; nsenter -t "$ns" -U -m -- "$@"; }

step "kernel $(uname -r): nsdevtmpfs is loaded"
nsdevctl status

step "two sibling containers: user + mount namespace, a view on /dev"
nsdevctl run -- sleep 1000 & A=$(child_of $!)
nsdevctl run -- sleep 1000 & B=$(child_of $!)
echo "A is pid $A, B is pid $B"
inside "$A" ls /dev

step "the host assigns ram0 to A: it appears in A's /dev only"
nsdevctl assign /dev/ram0 --ns "$A"
nsdevctl probe 1 "$A" "$B"

step "the host assigns no loop device: A's root allocates its own, with Debian's losetup"
nsdevctl assign /dev/loop0 --ns "$A" || true
truncate -s 64M /tmp/a.img
printf 'label: dos\n,24M,L\n,24M,L\n' | sfdisk -q /tmp/a.img
chmod 666 /tmp/a.img
dev=$(inside "$A" losetup -fP --show /tmp/a.img)
echo "losetup -fP in A gave $dev"
inside "$A" sh -c "ls -l /dev | grep loop; mkfs.ext4 -q ${dev}p1 && e2fsck -fn ${dev}p1 | tail -1"

step "B sees none of it; nor does the host's own view"
nsdevctl probe 1 "$A" "$B"

step "a container inside A (nested): its own view, A's loops not in it"
inside "$A" nsdevctl run --map u:0:1000:1000 --map g:0:1000:1000 -- sh -c 'ls /dev | tr "\n" " "; echo'

step "the registry, as the host sees it"
nsdevctl ls

step "A detaches: the device, its partitions and its number leave A's /dev"
inside "$A" losetup -d "$dev"
sleep 0.3
inside "$A" sh -c 'ls /dev | grep loop | tr "\n" " "; echo'
nsdevctl revoke /dev/ram0
kill "$A" "$B"

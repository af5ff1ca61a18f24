#!/bin/sh
# The demo run inside the VM by `make demo`: per-namespace /dev at work.
# Everything here is what a user types; nsdevctl comes from userspace/.
# NSDEV_DEMO_COLOR=1 (scripts/demo sets it when its output is a terminal)
# makes the step titles bold.
set -e
if [ -n "${NSDEV_DEMO_COLOR:-}" ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
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

step "two sibling containers, A and B: user + mount namespace, a view on /dev"
nsdevctl run -- sleep 1000 & A=$(child_of $!)
nsdevctl run -- sleep 1000 & B=$(child_of $!)
echo "A is pid $A (user namespace $(stat -L -c %i /proc/$A/ns/user))," \
	"B is pid $B (user namespace $(stat -L -c %i /proc/$B/ns/user))"
inside "$A" ls /dev

step "the host assigns ram0 to A: it appears in A's /dev only"
nsdevctl assign /dev/ram0 --ns "$A"
nsdevctl probe host=1 A="$A" B="$B"

step "the host assigns no loop device: A's root allocates its own, with Debian's losetup"
nsdevctl assign /dev/loop0 --ns "$A" || true
truncate -s 64M /tmp/a.img
printf 'label: dos\n,24M,L\n,24M,L\n' | sfdisk -q /tmp/a.img
chmod 666 /tmp/a.img
dev=$(inside "$A" losetup -fP --show /tmp/a.img)
echo "losetup -fP in A gave $dev"
inside "$A" sh -c "ls -l /dev | grep loop; mkfs.ext4 -q ${dev}p1 && e2fsck -fn ${dev}p1 | tail -1"

step "B sees none of it; nor does the host's own view"
nsdevctl probe host=1 A="$A" B="$B"

step "a container inside A (nested): its own view, A's loops not in it"
inside "$A" nsdevctl run --map u:0:1000:1000 --map g:0:1000:1000 -- sh -c 'ls /dev | tr "\n" " "; echo'

step "the registry, as the host sees it"
nsdevctl ls
nsdevctl ls --namespaces

step "quota: the host limits A to 1 loop device; a second one is refused"
nsdevctl limit --ns "$A" --loops 1
inside "$A" losetup -f --show /tmp/a.img || echo "(refused: A is at its limit)"
nsdevctl ls --namespaces -o NS,PID,COMMAND,LOOPS,LIMIT

step "A detaches: the partitions leave A's /dev; the number stays A's, unbound, for its next losetup"
inside "$A" losetup -d "$dev"
sleep 0.3
inside "$A" sh -c 'ls /dev | grep loop | tr "\n" " "; echo'

step "A dies with a loop attached and ram0 assigned: the module reclaims both"
dev=$(inside "$A" losetup -f --show /tmp/a.img)
echo "A attached $dev again"
kill "$A"
for i in $(seq 50); do
	grep -q ram0 /proc/nsdevtmpfs/devices || break
	sleep 0.1
done
nsdevctl ls
echo "(ram0 and A's loop are gone; the host's losetup sees no delegated loop:)"
losetup -a | grep -v "/dev/loop[0-7]:" || echo "(none)"
kill "$B"

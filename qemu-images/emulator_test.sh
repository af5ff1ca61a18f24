#!/bin/sh
# emulator_test - the test VM runs the kernel's code patching correctly (TAP)
#
# Not a test of nsdevtmpfs: a test of the machine the other tests run on.
# Linux flips a static key by writing int3 over each of its call sites
# (text_poke_bp), syncing every CPU, writing the new instruction and removing
# the int3. QEMU 7.2's multi-threaded TCG (Debian 12's) can let the other
# vCPU execute a stale int3 after that, which the kernel can only take as
# an "Oops: int3" and a panic. Container runtimes flip static keys (the
# first memory cgroup, device-cgroup BPF programs), so this killed a whole
# test VM in runtimes_test (CI, 2026-12-07). scripts/vm-run runs the vCPUs
# on one host thread (-accel tcg,thread=single) for this reason.
#
# The probe: flip the schedstats key (sites in the scheduler's hot path)
# while two busy loops keep both vCPUs scheduling. With thread=multi this
# panicked the guest within 4 s of starting, on 6.12. A panic here shows up
# as this binary never finishing, and as an Oops on the console.
set -u
flips=${1:-200}
knob=/proc/sys/kernel/sched_schedstats

echo "1..1"
if [ ! -w "$knob" ]; then
	echo "not ok 1 the kernel has no $knob to flip (CONFIG_SCHEDSTATS)"
	exit 1
fi
old=$(cat "$knob")
busy() { while :; do /bin/true; done; }
busy &
b1=$!
busy &
b2=$!
i=0
while [ "$i" -lt "$flips" ]; do
	echo 1 >"$knob"
	echo 0 >"$knob"
	i=$((i + 1))
done
kill "$b1" "$b2"
wait 2>/dev/null
echo "$old" >"$knob"
echo "ok 1 a static key flipped $i times under load, and the kernel lives"

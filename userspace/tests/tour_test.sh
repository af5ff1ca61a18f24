#!/bin/sh
# tour_test - README.md's quick tour, verbatim, as pasted into `make shell` (TAP)
#
# Issue 14, item 2: the tour raced its container (A was empty), used an
# image nobody made, and one the container's root could not write. The
# lines between "# README: tour" and "# end README" are the README's
# block (scripts/lint checks it); this runs them as root in the test VM
# and checks what each promises.
set -u
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

echo "1..8"
log=/tmp/nsdev-tour.log
rm -f /tmp/img
(
	set -e
	# README: tour
	nsdevctl run -- sleep 1000 &                 # a container: userns + mountns, view on /dev
	sleep 1; A=$(cat /proc/$!/task/$!/children)   # its pid: nsdevctl run's child
	nsdevctl assign /dev/ram0 --ns $A            # ram0 appears in A's /dev only
	nsdevctl probe 1 $A                          # who sees what ("1": the host)
	truncate -s 64M /tmp/img; chown 100000:100000 /tmp/img   # an image A's root owns
	L=$(nsenter -t $A -U -m losetup -f --show /tmp/img)   # A's root allocates its own loop
	nsenter -t $A -U -m nsdevctl loop ls         # A's loop devices, listed without losetup
	nsenter -t $A -U -m mkfs.ext4 -q $L          # a file system, made by A's root
	nsdevctl ls                                  # the registry: A owns ram0 and its loop
	kill $!                                      # A ends: the module reclaims both
	# end README
	echo "A=$A"
	echo "L=$L"
) >"$log" 2>&1
status=$?
sed 's/^/# /' "$log"
A=$(sed -n 's/^A=//p' "$log")
L=$(sed -n 's/^L=//p' "$log")
check "the tour runs to its end" '[ "$status" -eq 0 ]'
check "A is the container's pid" '[ -n "$A" ] && [ "$A" -gt 1 ] 2>/dev/null'
check "probe shows ram0 in A only" 'grep -Eq "^ram0 +b +1:0 +- +x$" "$log"'
check "A's loop is delegated (1024 and up)" \
	'[ "${L#/dev/loop}" -ge 1024 ] 2>/dev/null'
check "loop ls in A lists it with the image" 'grep -Eq "^$L .* /tmp/img " "$log"'
check "ls shows ram0 owned" 'grep -Eq "^ram0 +b +1:0 +owned " "$log"'
check "mkfs.ext4 in A made ext4" '[ "$(blkid -o value -s TYPE /tmp/img)" = ext4 ]'
# Reclaim is asynchronous (SPEC §5: within a few seconds).
gone=no
for i in $(seq 100); do
	if ! grep -q "ram0" /proc/nsdevtmpfs/devices; then gone=yes; break; fi
	sleep 0.1
done
check "A's death gives ram0 back" '[ "$status" -eq 0 ] && [ "$gone" = yes ]'
rm -f /tmp/img "$log"
exit "$failed"

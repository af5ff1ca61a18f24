#!/bin/sh
# packaged_test - the Debian packages at work, in the test VM (TAP)
#
# Issue 15: the VM boots with the module DKMS built from the installed
# nsdevtmpfs-dkms source (in /lib/modules/RELEASE/updates/dkms, where DKMS
# installs it) and with the nsdevctl package's files over the tree's own
# (scripts/build-initramfs --packaged). It checks that this module is the
# one loaded and has the packages' version, that the packaged nsdevctl and
# nsdev-oci-hook work, and runs the smoke test of a real host: uid 1000
# makes a user namespace, mounts a view, attaches a partitioned image with
# losetup -fP, uses a partition, and leaves without detaching: when the
# namespace dies its loops are reclaimed.
set -u

n=0
failed=0
top=/tmp/nsdev-pkg
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }
# check NAME CMD...: ok if CMD succeeds; its output is shown on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		not_ok "$name"
	fi
}

echo "1..6"

module_is_dkms_built() {
	f=$(modinfo -F filename nsdevtmpfs) &&
		echo "module file: $f" &&
		case $f in */updates/dkms/nsdevtmpfs.ko*) ;; *) false ;; esac &&
		grep -q '^nsdevtmpfs ' /proc/modules
}
check "the loaded module is the one DKMS built from the package" module_is_dkms_built

versions_agree() {
	v=$(nsdevctl --version) && m=$(cat /sys/module/nsdevtmpfs/version) &&
		echo "nsdevctl: $v; module: $m" && [ "$v" = "nsdevctl $m" ]
}
check "the packaged nsdevctl and the module have one version" versions_agree

# The package's nsdevctl links libstdc++ dynamically; the tree's (the VM
# tests') statically: this is the package's, and it sees the module.
packaged_nsdevctl_works() {
	grep -qa 'libstdc++\.so\.6' /usr/bin/nsdevctl && nsdevctl status
}
check "the packaged nsdevctl runs and reports the module loaded" packaged_nsdevctl_works

hook_filters() {
	out=$(echo '{"ociVersion":"1.0.2","linux":{"namespaces":[{"type":"user"},{"type":"mount"}]},"mounts":[{"destination":"/dev","type":"tmpfs","source":"tmpfs"}]}' |
		/usr/libexec/nsdevtmpfs/nsdev-oci-hook) &&
		echo "$out" && echo "$out" | grep -q '"type": *"nsdevtmpfs"'
}
check "the packaged nsdev-oci-hook turns /dev into a view" hook_filters

mkdir -p "$top"
truncate -s 32M "$top/disk.img"
printf 'label: dos\n,8M,L\n,8M,L\n' | sfdisk -q "$top/disk.img"
chown -R 1000:1000 "$top"
cat >"$top/work.sh" <<-'INNER'
	set -e
	mount -t nsdevtmpfs none /dev
	d=$(losetup -fP --show /tmp/nsdev-pkg/disk.img)
	test -b "${d}p1" && test -b "${d}p2"
	echo hello | dd of="${d}p2" bs=512 conv=sync status=none
	test "$(head -c 5 "${d}p2")" = hello
	echo "SMOKE-OK $d"
INNER
smoke() {
	setpriv --reuid 1000 --regid 1000 --clear-groups unshare -Urm sh /tmp/nsdev-pkg/work.sh |
		tee /dev/stderr | grep -q SMOKE-OK
}
check "uid 1000's namespace root attaches a partitioned image in its view" smoke

# The namespace is gone: its loop leaves within the reaper's grace (5 s).
reclaimed() {
	for i in $(seq 1 30); do
		if [ "$(grep -c . /proc/nsdevtmpfs/namespaces)" -le 1 ] &&
			! ls /sys/block | grep -Eq '^loop(1[0-9]{3}|[2-9][0-9]{3})'; then
			return 0
		fi
		sleep 0.5
	done
	cat /proc/nsdevtmpfs/namespaces
	ls /sys/block
	return 1
}
check "the namespace's loop is reclaimed when it dies" reclaimed
exit $failed

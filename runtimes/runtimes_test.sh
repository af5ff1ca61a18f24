#!/bin/sh
# runtimes_test - Debian's own container runtimes with a view as /dev (TAP)
#
# Issue 13, SPEC §8: crun, runc, podman, LXC and bubblewrap, as Debian 12 ships them,
# run a container whose /dev is an nsdevtmpfs view, with the stock
# configuration changed only as README.md's "Using it with container
# runtimes" says. In each container the same workload runs: /dev/null and
# /dev/urandom work, losetup -fP on a partitioned image shows p1 and p2,
# mkfs.ext4 and e2fsck work on p1, losetup -d. After the container is gone
# its namespace leaves the registry and its loops are removed.
#
# The container's root file system is a bind mount of the VM's own root,
# which has every tool the workload needs. Runs as root in the test VM;
# rootless runs switch to uid 1000 (user) with setpriv.
set -u

top=/tmp/nsdev-rt
img=$top/img/disk.img
user_env="HOME=/home/user XDG_RUNTIME_DIR=$top/run-user"
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n $1"
	failed=1
}

# as_user CMD...: run CMD as uid 1000, without supplementary groups.
as_user() {
	setpriv --reuid 1000 --regid 1000 --clear-groups env $user_env "$@"
}

# The workload, written where every container sees it.
setup() {
	mkdir -p "$top/img" "$top/run-user" "$top/run-root" /home/user
	truncate -s 64M "$img"
	printf 'label: dos\n,16M,L\n,16M,L\n' | sfdisk -q "$img"
	cat >"$top/work.sh" <<-'EOF'
	#!/bin/sh
	# The same in every container: prints WORKLOAD-OK when all worked.
	set -e
	exec 2>&1
	echo x >/dev/null
	test "$(head -c 16 /dev/urandom | wc -c)" -eq 16
	# A pty: /dev/ptmx -> pts/ptmx, on the container's devpts.
	script -qec tty /dev/null </dev/null | tr -d '\r' | grep -q '^/dev/pts/[0-9]'
	echo PTY-OK
	d=$(losetup -fP --show "$1")
	test -b "${d}p1"
	test -b "${d}p2"
	mkfs.ext4 -F -q "${d}p1"
	e2fsck -fn "${d}p1" >/dev/null
	losetup -d "$d"
	echo WORKLOAD-OK
	EOF
	chmod 755 "$top/work.sh"
	# The user's files are its own, as an image it built would be.
	chown -R 1000:1000 "$top/img" "$top/run-user" /home/user
}

# The registry holds no namespace but the initial one, and no loop of the
# module's range is left, within the reaper's grace (5 s) and a margin.
nothing_left() {
	local i
	for i in $(seq 1 30); do
		if [ "$(grep -c . /proc/nsdevtmpfs/namespaces)" -le 1 ] &&
			! ls /sys/block | grep -Eq '^loop(1[0-9]{3}|[2-9][0-9]{3})'; then
			return 0
		fi
		sleep 0.5
	done
	echo "# left behind:"
	sed 's/^/#   /' /proc/nsdevtmpfs/namespaces
	ls /sys/block | grep loop | sed 's/^/#   /'
	return 1
}

# report NAME LOG: ok if LOG says WORKLOAD-OK and nothing is left.
report() {
	if grep -q WORKLOAD-OK "$2"; then
		ok "$1: the workload ran in the container"
	else
		sed 's/^/# /' "$2"
		not_ok "$1: the workload ran in the container"
	fi
	if nothing_left; then
		ok "$1: nothing left after the container"
	else
		not_ok "$1: nothing left after the container"
	fi
}

# --- OCI runtimes ----------------------------------------------------------

# new_bundle DIR SPEC-CMD...: a bundle whose rootfs is the VM's root and
# whose config.json is what SPEC-CMD (`crun spec`, `runc spec
# --rootless`, ...) writes, running the workload without a terminal.
# A rootless bundle's DIR is made by its user beforehand.
new_bundle() {
	local dir=$1
	shift
	mkdir -p "$dir/rootfs"
	mount --rbind / "$dir/rootfs"
	(cd "$dir" && "$@")
	sed -i -e 's|^\(\t*\)"sh"$|\1"/tmp/nsdev-rt/work.sh", "/tmp/nsdev-rt/img/disk.img"|' \
		-e 's/"terminal": true/"terminal": false/' "$dir/config.json"
}

# user_bundle DIR SPEC-CMD...: new_bundle for uid 1000.
user_bundle() {
	local dir=$1
	shift
	mkdir -p "$dir" && chown 1000:1000 "$dir"
	new_bundle "$dir" as_user "$@"
}

# add_userns DIR: root's container gets a user namespace, 100000-165535.
add_userns() {
	sed -i 's|^\(\t*\)"namespaces": \[|\1"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],\n\1"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],\n\1"namespaces": [{"type": "user"},|' \
		"$1/config.json"
}

# run_as_root NAME RUNTIME DIR TITLE: run the bundle as root, the image
# the container root's meanwhile, and report under TITLE.
run_as_root() {
	local log=$top/$1.log
	chown 100000:100000 "$img"
	"$2" --root "$top/run-root" run -b "$3" "rt-$1" >"$log" 2>&1
	chown 1000:1000 "$img"
	report "$4" "$log"
}

# The README's crun change: /dev's type becomes nsdevtmpfs; nothing else
# of the /dev mount changes.
crun_rootless() {
	local b=$top/crun-rootless log=$top/crun-rootless.log
	user_bundle "$b" crun spec --rootless
	(
		cd "$b" || exit
		# README: crun
		sed -i '/"destination": "\/dev",/{n;s/"type": "tmpfs"/"type": "nsdevtmpfs"/}' config.json
		# end README
	)
	as_user crun --root "$top/run-user" run -b "$b" rt-rootless >"$log" 2>&1
	report "crun rootless" "$log"
}

# terminal_container TITLE BUNDLE CMD: BUNDLE's container, made a terminal
# container running the workload, run as the user by CMD under a pty.
terminal_container() {
	local b=$2 log=$top/$(basename "$2")-terminal.log
	sed -i -e 's/"terminal": false/"terminal": true/' \
		-e 's|"/tmp/nsdev-rt/work.sh", "/tmp/nsdev-rt/img/disk.img"|"sh", "-c", "test -c /dev/console \&\& tty \&\& /tmp/nsdev-rt/work.sh /tmp/nsdev-rt/img/disk.img"|' \
		"$b/config.json"
	as_user timeout 60 script -qec "$3" /dev/null </dev/null >"$log" 2>&1
	if grep -q '/dev/pts/[0-9]' "$log"; then
		ok "$1: /dev/console and a pty"
	else
		sed 's/^/# /' "$log"
		not_ok "$1: /dev/console and a pty"
	fi
	report "$1" "$log"
}

# A terminal container: crun binds the pty onto /dev/console, a regular
# file it makes in the view.
crun_terminal() {
	terminal_container "crun terminal" "$top/crun-rootless" \
		"crun --root $top/run-user run -b $top/crun-rootless rt-terminal"
}

# crun run by root, the container in a user namespace and a device
# cgroup, which must let the delegation devices through: the stock spec
# with a user namespace, run through nsdev-oci-hook (the filter podman's
# hook runs) instead of the README's sed line.
crun_root_userns() {
	local b=$top/crun-root
	new_bundle "$b" crun spec
	add_userns "$b"
	(
		cd "$b" || exit
		# README: filter
		/usr/libexec/nsdevtmpfs/nsdev-oci-hook <config.json >config.json.new &&
			mv config.json.new config.json
		# end README
	)
	run_as_root crun-root crun "$b" "crun as root, user namespace, device cgroup"
}

# podman's hook path on its own: the hooks.d file's program, given the
# configuration on stdin as podman's precreate stage does, and crun
# running the result.
podman_hook() {
	local b=$top/hook log=$top/hook.log hook
	hook=$(sed -n 's/^ *"path": "\(.*\)"$/\1/p' /usr/share/containers/oci/hooks.d/nsdevtmpfs.json)
	user_bundle "$b" crun spec --rootless
	if ! as_user "$hook" <"$b/config.json" >"$b/config.new" ||
		! mv "$b/config.new" "$b/config.json"; then
		not_ok "podman hook: $hook filters the configuration"
	elif as_user "$hook" <"$b/config.json" | cmp -s - "$b/config.json"; then
		ok "podman hook: $hook filters the configuration (twice is once)"
	else
		not_ok "podman hook: $hook filters the configuration (twice is once)"
	fi
	as_user crun --root "$top/run-user" run -b "$b" rt-hook >"$log" 2>&1
	report "podman hook" "$log"
}

# podman itself (4.3.1, with conmon and crun): the installed hooks.d file
# applies to containers with the annotation. The root file system is the
# VM's root (--rootfs), whose mount targets podman cannot create from a
# user namespace, so they exist (a real image has them). The VM's podman
# runs without systemd and journald (qemu-images/containers/*.conf).
podman_rootfs() {
	rootfs=$top/podman-rootfs
	mkdir -p "$rootfs"
	mount --rbind / "$rootfs"
	touch /run/.containerenv
}

podman_root_userns() {
	local log=$top/podman-root.log
	podman_rootfs
	chown 100000:100000 "$img"
	(
		# README: podman
		podman run --annotation io.nsdevtmpfs.view=true --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
			--rm --network none --rootfs "$rootfs" "$top/work.sh" "$img"
		# end README
	) >"$log" 2>&1
	chown 1000:1000 "$img"
	report "podman as root, user namespace, device cgroup" "$log"
}

# A terminal container (-t): conmon's pty is the container's /dev/console.
podman_terminal() {
	local log=$top/podman-terminal.log
	podman run --annotation io.nsdevtmpfs.view=true --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
		--rm -t --network none --rootfs "$rootfs" sh -c 'test -c /dev/console && tty' \
		</dev/null >"$log" 2>&1
	if grep -q '^/dev/pts/[0-9]' "$log"; then
		ok "podman terminal: /dev/console and a pty"
	else
		sed 's/^/# /' "$log"
		not_ok "podman terminal: /dev/console and a pty"
	fi
}

# Rootless podman runs every container of a user in one user namespace of
# its own (kept by its pause process), which the containers share: so do
# they their view. That namespace, and any loop a container left, goes
# when the pause process does (podman system migrate stops it).
podman_rootless() {
	local log=$top/podman-rootless.log
	cat >"$top/podman-rootless" <<-'EOF'
	#!/bin/sh
	# README: podman rootless
	podman run --annotation io.nsdevtmpfs.view=true \
		--rm --network none --rootfs "$rootfs" "$top/work.sh" "$img"
	# end README
	EOF
	as_user env rootfs="$rootfs" top="$top" img="$img" sh "$top/podman-rootless" >"$log" 2>&1
	as_user podman system migrate >>"$log" 2>&1
	report "podman rootless" "$log"
}

# runc sets /dev up itself and opens each node it makes with O_CREAT,
# which a view's /dev/tty refuses outside a session: its /dev stays the
# stock tmpfs, and a createContainer hook mounts the view over it, moving
# what runc mounted there (devpts, shm, mqueue, device binds) onto it.
add_runc_hook() {
	(
		cd "$1" || exit
		# README: runc
		sed -i 's|^\t"root": {|\t"hooks": {"createContainer": [{"path": "/usr/libexec/nsdevtmpfs/nsdev-oci-hook", "args": ["nsdev-oci-hook", "create-container"]}]},\n&|' config.json
		# end README
	)
}

runc_rootless() {
	local b=$top/runc log=$top/runc.log
	user_bundle "$b" runc spec --rootless
	add_runc_hook "$b"
	as_user runc --root "$top/run-user" run -b "$b" rt-runc >"$log" 2>&1
	report "runc rootless" "$log"
}

# A terminal container: runc binds its pty onto /dev/console in its
# tmpfs, and the hook moves that onto a /dev/console it makes in the view.
runc_terminal() {
	terminal_container "runc terminal" "$top/runc" \
		"runc --root $top/run-user run -b $top/runc rt-runc-terminal"
}

# runc run by root, the container in a user namespace with a device
# cgroup: the hook as above, and the device rules from nsdev-oci-hook
# --devices-only.
runc_root_userns() {
	local b=$top/runc-root
	new_bundle "$b" runc spec
	add_userns "$b"
	add_runc_hook "$b"
	(
		cd "$b" || exit
		# README: runc devices
		/usr/libexec/nsdevtmpfs/nsdev-oci-hook --devices-only <config.json >config.json.new &&
			mv config.json.new config.json
		# end README
	)
	run_as_root runc-root runc "$b" "runc as root, user namespace, device cgroup"
}

# LXC, the container in a user namespace (ids 100000-165535, root's and
# user's in /etc/subuid), with LXC's ptys, ttys and console (tty.max and
# pty.max as its templates set them): its config includes the project's
# snippet. Container output goes to LXC's console, so the workload
# writes a log. lxc_container NAME TITLE [as_user]: as root, or as the user.
lxc_container() {
	local d=$top/$1 log=$top/out-$1/lxc.log
	mkdir -p "$d/rt" "$top/out-$1"
	chown 100000:100000 "$top/out-$1" "$img"
	printf '#!/bin/sh\n%s\nexec %s %s >>%s 2>&1\n' \
		"test -c /dev/console && test -c /dev/ptmx && test -c /dev/tty1 && echo LXC-TTYS-OK >$log" \
		"$top/work.sh" "$img" "$log" >"$top/$1-work"
	chmod 755 "$top/$1-work"
	cat >"$d/rt/config" <<-EOF
	lxc.uts.name = rt
	lxc.rootfs.path = dir:/
	lxc.idmap = u 0 100000 65536
	lxc.idmap = g 0 100000 65536
	lxc.net.0.type = empty
	lxc.mount.auto = proc:mixed sys:ro
	lxc.apparmor.profile = unconfined
	lxc.tty.max = 1
	lxc.pty.max = 16
	lxc.init.cmd = $top/$1-work
	# README: lxc
	lxc.include = /usr/share/nsdevtmpfs/lxc/nsdevtmpfs.conf
	# end README
	EOF
	[ -n "${lxc_extra:-}" ] && printf '%s\n' "$lxc_extra" >>"$d/rt/config"
	[ -n "${3:-}" ] && chown -R 1000:1000 "$d"
	${3:-} lxc-start -P "$d" -n rt -F -o "$d/start.log" -l WARN </dev/null >/dev/null 2>&1 ||
		sed 's/^/# lxc-start: /' "$d/start.log"
	chown 1000:1000 "$img"
	if grep -q LXC-TTYS-OK "$log"; then
		ok "$2: console, ptmx and ttys in the view"
	else
		not_ok "$2: console, ptmx and ttys in the view"
	fi
	report "$2" "$log"
}

lxc_root_userns() {
	lxc_container lxc "LXC as root, user namespace"
}

# LXC as root with a device cgroup that denies everything first, as LXC's
# common.conf does, then allows what its templates allow, and the rules
# nsdev-oci-hook prints (loop-control's minor is the module's of this boot).
lxc_device_cgroup() {
	(
		# README: lxc devices
		mkdir -p /run/nsdevtmpfs &&
			/usr/libexec/nsdevtmpfs/nsdev-oci-hook --lxc-rules >/run/nsdevtmpfs/lxc-devices.conf
		# end README
	)
	lxc_extra=$(cat <<-'EOF'
	lxc.cgroup2.devices.deny = a
	lxc.cgroup2.devices.allow = c *:* m
	lxc.cgroup2.devices.allow = b *:* m
	lxc.cgroup2.devices.allow = c 1:3 rwm
	lxc.cgroup2.devices.allow = c 1:5 rwm
	lxc.cgroup2.devices.allow = c 1:7 rwm
	lxc.cgroup2.devices.allow = c 1:8 rwm
	lxc.cgroup2.devices.allow = c 1:9 rwm
	lxc.cgroup2.devices.allow = c 5:0 rwm
	lxc.cgroup2.devices.allow = c 5:1 rwm
	lxc.cgroup2.devices.allow = c 5:2 rwm
	lxc.cgroup2.devices.allow = c 136:* rwm
	lxc.include = /run/nsdevtmpfs/lxc-devices.conf
	EOF
	)
	lxc_container lxc-devices "LXC as root, user namespace, device cgroup"
	lxc_extra=
}

# Unprivileged LXC: the user starts it from a cgroup delegated to it (what
# systemd's user@.service gives a login session); no network, so no
# lxc-user-nic.
lxc_unprivileged() {
	local cg=/sys/fs/cgroup/nsdev-rt-user
	mkdir -p "$cg"
	chown -R 1000:1000 "$cg"
	echo $$ >"$cg/cgroup.procs"
	lxc_container lxc-user "LXC unprivileged" as_user
	echo $$ >/sys/fs/cgroup/cgroup.procs
}

# bubblewrap, unprivileged: the sandbox mounts its view itself (bwrap has
# no option for it), then runs the command.
bwrap_rootless() {
	local log=$top/bwrap.log
	cat >"$top/bwrap-view" <<-'EOF'
	#!/bin/sh
	# README: bubblewrap
	# bwrap-view CMD [ARG]...: run CMD as root of a new user namespace
	# whose /dev is its view
	exec bwrap --unshare-user --uid 0 --gid 0 --unshare-pid \
		--cap-add CAP_SYS_ADMIN --bind / / --proc /proc \
		sh -c 'mount -t nsdevtmpfs none /dev &&
			mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
			exec "$@"' sh "$@"
	# end README
	EOF
	chmod 755 "$top/bwrap-view"
	as_user "$top/bwrap-view" "$top/work.sh" "$img" >"$log" 2>&1
	report "bubblewrap rootless" "$log"
}

setup
echo "1..33"
crun_rootless
crun_terminal
crun_root_userns
podman_hook
podman_root_userns
podman_terminal
podman_rootless
runc_rootless
runc_terminal
runc_root_userns
lxc_root_userns
lxc_device_cgroup
lxc_unprivileged
bwrap_rootless
exit $failed

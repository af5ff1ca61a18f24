// SPDX-License-Identifier: GPL-2.0
/*
 * loop_test - loop-control delegation (SPEC §4)
 *
 * Debian's own util-linux losetup, mkfs.ext4 and e2fsck run as root of a
 * new user namespace whose /dev is its view: allocation, partitions,
 * detaching, a file system and the bytes under it. Then what must not
 * happen: other namespaces seeing or touching the loop, quotas multiplied
 * by nesting, bad loop-control input, and the host's GET_FREE handing a
 * namespace's device to the host while both race.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/sendfile.h>

#include "helpers.h"

#include "kselftest_harness.h"

#define IMG		"/tmp/nsdev-img"	/* 64 MiB, no partition table */
#define IMG_PART	"/tmp/nsdev-img-2p"	/* 64 MiB, two partitions */
#define LOOP_BASE	1024			/* the module's loop_index_base */

/* In a namespace child: /dev becomes the view (once), then run @arg. */
static int ns_sh(const char *arg)
{
	static bool mounted;
	char script[NSCALL_ARG_MAX + 16];

	if (!mounted) {
		if (mount("none", "/dev", FSTYPE, 0, NULL))
			return -errno;
		mounted = true;
	}
	/* Keep the tools' chatter off stdout, which is TAP. */
	snprintf(script, sizeof(script), "exec >&2; %s", arg);
	return sh(script);
}

static int read_int(const char *path)
{
	char *text = slurp(path);
	int n = -1;

	if (text && sscanf(text, "/dev/loop%d", &n) != 1 && sscanf(text, "%d", &n) != 1)
		n = -1;
	free(text);
	return n;
}

/* In a namespace child: a loop-control ioctl through its view. */
static int ns_loopctl(const char *arg)
{
	int cmd, n, fd, ret;

	if (sscanf(arg, "%d %d", &cmd, &n) != 2)
		return -EINVAL;
	fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, n);
	ret = ret < 0 ? -errno : ret;
	close(fd);
	return ret;
}

static char *loopctl_arg(int cmd, int n)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%d %d", cmd, n);
	return buf;
}

FIXTURE(loop) {
	struct nschild a;
};

FIXTURE_SETUP(loop)
{
	ASSERT_EQ(0, sh("truncate -s 64M " IMG " && chmod 666 " IMG " && "
			"truncate -s 64M " IMG_PART " && chmod 666 " IMG_PART " && "
			"printf 'label: dos\\n,16M,L\\n,16M,L\\n' | sfdisk -q " IMG_PART));
	ASSERT_EQ(0, nschild_start(&self->a, CHILD_ID_BASE, CHILD_ID_COUNT));
}

FIXTURE_TEARDOWN(loop)
{
	nschild_call(&self->a, ns_sh, "losetup -D");
	nschild_stop(&self->a);
	unlink(IMG);
	unlink(IMG_PART);
}

TEST_F(loop, losetup_f_fP_d_inside_a_namespace)
{
	struct nsdevtmpfs_query q;
	int n, p;

	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "losetup -f --show " IMG " > /tmp/nsdev-n")) {
		TH_LOG("losetup -f --show failed inside the namespace");
	}
	n = read_int("/tmp/nsdev-n");
	ASSERT_GE(n, LOOP_BASE);
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, makedev(7, n), &q));
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED | NSDEVTMPFS_STATE_LOOP, q.state);

	/* Partitions are in the view when losetup -P returns. */
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "d=$(losetup -fP --show " IMG_PART ") && "
				  "echo $d > /tmp/nsdev-p && "
				  "test -b ${d}p1 && test -b ${d}p2")) {
		TH_LOG("loopNp1/loopNp2 missing from the view after losetup -P");
	}
	p = read_int("/tmp/nsdev-p");
	ASSERT_GE(p, LOOP_BASE);
	ASSERT_NE(n, p);
	/* losetup -a shows the namespace's devices. */
	EXPECT_EQ(0, nschild_call(&self->a, ns_sh,
				  "losetup -a | grep -q " IMG_PART " && "
				  "losetup -a | grep -q '" IMG "'"));

	/*
	 * Detach: the partitions go before losetup -d returns; the node stays,
	 * as the stock driver's does, and so does the number's quota.
	 */
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "d=$(cat /tmp/nsdev-p) && losetup -d $d && "
				  "! test -e ${d}p1 && ! test -e ${d}p2 && test -b $d"));
	EXPECT_EQ(0, sh("! test -e /sys/block/loop$(cat /tmp/nsdev-p | tr -dc 0-9)")) {
		TH_LOG("the detached loop device still exists on the host");
	}
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, makedev(7, p), &q));
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED | NSDEVTMPFS_STATE_LOOP, q.state);
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh, "losetup -d $(cat /tmp/nsdev-n)"));
	/* The next -f gets the lowest free number, as on the host. */
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "losetup -f --show " IMG " > /tmp/nsdev-n2 && "
				  "losetup -d $(cat /tmp/nsdev-n2)"));
	EXPECT_EQ(n < p ? n : p, read_int("/tmp/nsdev-n2"));
	/* LOOP_CTL_REMOVE gives a number up: its node and quota go. */
	EXPECT_EQ(0, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, p)));
	EXPECT_EQ(-ENODEV, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, makedev(7, p), &q));
	EXPECT_EQ(0, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, n)));
	EXPECT_EQ(-ENODEV, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, makedev(7, n), &q));
}

TEST_F(loop, mkfs_fsck_and_bytes_round_trip)
{
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "d=$(losetup -f --show " IMG ") && echo $d > /tmp/nsdev-n && "
				  "mkfs.ext4 -q -F $d && e2fsck -fn $d")) {
		TH_LOG("mkfs.ext4 or e2fsck -fn failed on the delegated loop");
	}
	/* Bytes written through the loop device are in the backing file. */
	ASSERT_EQ(0, sh("head -c 65536 /dev/urandom > /tmp/nsdev-pattern && "
			"chmod 644 /tmp/nsdev-pattern"));
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "dd if=/tmp/nsdev-pattern of=$(cat /tmp/nsdev-n) bs=4096 seek=4096 "
				  "conv=fsync status=none && losetup -d $(cat /tmp/nsdev-n)"));
	EXPECT_EQ(0, sh("sleep 0.3; dd if=" IMG " bs=4096 skip=4096 count=16 status=none | "
			"cmp -s - /tmp/nsdev-pattern")) {
		TH_LOG("the backing file does not hold what was written through the loop");
	}
	unlink("/tmp/nsdev-pattern");
}

/*
 * Host root detaching a namespace's loop through the host's own node while
 * the namespace has it open acts as on any loop device: the loop driver
 * sets autoclear, and the device is cleared at the last close. Host root
 * outranks the namespace; what must not happen is that the detach is lost
 * and the device stays bound until the namespace dies. (An idle device,
 * open only by the module, is cleared at the namespace's next close of it:
 * README "Known limits".)
 */
TEST_F(loop, host_detach_takes_effect_at_the_last_close)
{
	char sys[64];
	int n;

	/* A process in the namespace has the node open for 2 s. */
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "d=$(losetup -f --show " IMG ") && echo $d > /tmp/nsdev-n && "
				  "{ sleep 2 <$d & }"));
	n = read_int("/tmp/nsdev-n");
	ASSERT_GE(n, LOOP_BASE);
	snprintf(sys, sizeof(sys), "/sys/block/loop%d/loop/backing_file", n);
	ASSERT_EQ(0, access(sys, F_OK));
	ASSERT_EQ(0, sh("losetup -d /dev/loop$(cat /tmp/nsdev-n | tr -dc 0-9)"));
	EXPECT_EQ(0, access(sys, F_OK)) {
		TH_LOG("detached while the namespace still had it open");
	}
	ASSERT_EQ(0, sh("for i in $(seq 1 50); do test -e /sys/block/loop$(cat /tmp/nsdev-n | "
			"tr -dc 0-9)/loop/backing_file || exit 0; sleep 0.1; done; exit 1")) {
		TH_LOG("still bound 3 s after the namespace's last close of it");
	}
	/* The number is still the namespace's, and binds again. */
	EXPECT_EQ(0, nschild_call(&self->a, ns_sh,
				  "d=$(cat /tmp/nsdev-n) && losetup $d " IMG " && losetup -d $d"));
}

/*
 * B has no path to A's /dev: /proc/A/root is refused by procfs before
 * nsdevtmpfs is asked. With an fd of A's view that A hands over, B acts in
 * A's view (binderfs semantics): A's loop opens there, but a node A kept
 * of a loop it gave up does not, not even once the number is B's own loop.
 */
TEST_F(loop, other_namespaces_cannot_see_or_touch_it)
{
	char arg[128], name[64], kept[32];
	struct nschild b;
	int n, got;

	ASSERT_EQ(0, nschild_call(&self->a, ns_sh,
				  "losetup -f --show " IMG " > /tmp/nsdev-n"));
	n = read_int("/tmp/nsdev-n");
	ASSERT_GE(n, LOOP_BASE);

	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	snprintf(arg, sizeof(arg), "test ! -e /dev/loop%d", n);
	EXPECT_EQ(0, nschild_call(&b, ns_sh, arg));
	EXPECT_EQ(-EPERM, nschild_call(&b, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, n)));
	EXPECT_EQ(-EEXIST, nschild_call(&b, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, n)));
	got = nschild_call(&b, ns_loopctl, loopctl_arg(LOOP_CTL_GET_FREE, 0));
	EXPECT_GE(got, LOOP_BASE);
	EXPECT_NE(n, got) {
		TH_LOG("B's GET_FREE returned A's loop%d", n);
	}
	/* B's number is B's: A cannot remove it either. */
	EXPECT_EQ(-EPERM, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, got)));
	EXPECT_EQ(0, nschild_call(&b, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, got)));
	/* A busy loop cannot be removed, even by its owner. */
	EXPECT_EQ(-EBUSY, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, n)));

	/* A keeps a hard link of its loop and hands B an fd of its /dev. */
	snprintf(arg, sizeof(arg), "ln /dev/loop%d /dev/kept", n);
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh, arg));
	snprintf(name, sizeof(name), "nsdev-loop-test-%d", getpid());
	ASSERT_EQ(0, nschild_call(&b, ns_fd_listen, name));
	snprintf(arg, sizeof(arg), "%s /dev", name);
	ASSERT_EQ(0, nschild_call(&self->a, ns_fd_send_opath, arg));
	ASSERT_EQ(0, nschild_call(&b, ns_fd_recv, NULL));
	snprintf(kept, sizeof(kept), "loop%d", n);
	EXPECT_EQ((int)LOOP(n), nschild_call(&b, ns_fd_statat, kept));
	EXPECT_EQ(0, nschild_call(&b, ns_fd_openat, kept)) {
		TH_LOG("an open through A's view was not checked against A's namespace");
	}

	/* A detaches and gives the number up; B allocates it for itself. */
	snprintf(arg, sizeof(arg), "losetup -d /dev/loop%d", n);
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh, arg));
	ASSERT_EQ(0, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, n)));
	EXPECT_EQ(n, nschild_call(&b, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, n)));
	snprintf(arg, sizeof(arg), "test -b /dev/loop%d", n);
	EXPECT_EQ(0, nschild_call(&b, ns_sh, arg));
	EXPECT_EQ(-ENOENT, nschild_call(&b, ns_fd_statat, kept));
	EXPECT_EQ((int)LOOP(n), nschild_call(&b, ns_fd_statat, "kept"));
	EXPECT_EQ(-ENXIO, nschild_call(&b, ns_fd_openat, "kept")) {
		TH_LOG("B opened loop%d through the node A kept in A's view", n);
	}
	EXPECT_EQ(-ENXIO, nschild_call(&self->a, ns_open, "/dev/kept")) {
		TH_LOG("A opened B's loop%d through the node it kept", n);
	}
	EXPECT_EQ(0, nschild_call(&b, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, n)));
	EXPECT_EQ(0, nschild_stop(&b));
}

static int ns_nonroot_get_free(const char *arg)
{
	return nonroot_call(ns_loopctl, loopctl_arg(LOOP_CTL_GET_FREE, 0)) == -EPERM ? 0 : 11;
}

TEST_F(loop, non_root_in_the_namespace_cannot_allocate)
{
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh, "true"));
	EXPECT_EQ(0, nschild_call(&self->a, ns_nonroot_get_free, NULL));
}

/*
 * In A: run the shell script @arg as root of A with no capability at all,
 * not even after exec (SECBIT_NOROOT), as container runtimes run root by
 * default (crun's and podman's default set has no CAP_SYS_ADMIN).
 * Return: its exit status, or 250 + the step that failed before it ran.
 */
static int ns_sh_without_caps(const char *arg)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	int status, ret = ns_sh("true");
	pid_t pid;

	if (ret)
		return ret;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED))
			_exit(251);
		if (syscall(SYS_capset, &hdr, data))
			_exit(252);
		dup2(2, 1);
		execl("/bin/sh", "sh", "-c", arg, (char *)NULL);
		_exit(253);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * The stock loop-control asks for no capability: its mode (0660 root:disk)
 * is the check. Root of the namespace uses a view's as root uses the
 * host's, with or without CAP_SYS_ADMIN; losetup -fP and -d work.
 */
TEST_F(loop, root_without_capabilities_uses_loop_control)
{
	EXPECT_EQ(0, nschild_call(&self->a, ns_sh_without_caps,
				  "grep -q '^CapEff:.0*$' /proc/self/status || exit 9; "
				  "d=$(losetup -fP --show " IMG_PART ") || exit 10; "
				  "test -b ${d}p2 || exit 11; "
				  "losetup -d $d || exit 12")) {
		TH_LOG("9: capabilities left, 10: losetup -fP, 11: no p2, 12: losetup -d");
	}
}

/*
 * Root without capabilities in the initial namespace (a container without
 * a user namespace) is not a namespace root: the host's loops need
 * CAP_SYS_ADMIN, as they did.
 */
TEST(initial_root_without_capabilities_cannot_allocate)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	int status, fd, ret;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (syscall(SYS_capset, &hdr, data))
			_exit(250);
		fd = open("/dev/nsdevtmpfs-loop-control", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(251);
		ret = ioctl(fd, LOOP_CTL_GET_FREE);
		_exit(ret < 0 && errno == EPERM ? 0 : 252);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WIFEXITED(status) ? WEXITSTATUS(status) : 128) {
		TH_LOG("250: capset, 251: open, 252: GET_FREE did not answer EPERM");
	}
}

/* In A, without capabilities: LOOP_CTL_REMOVE of @arg (a number). */
static int ns_remove_without_caps(const char *arg)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (syscall(SYS_capset, &hdr, data))
			_exit(255);
		_exit(-ns_loopctl(loopctl_arg(LOOP_CTL_REMOVE, atoi(arg))) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/*
 * In A: a child namespace C reserves @arg; A's root without capabilities
 * may not remove it (it has no power over C, which another user of A may
 * have made), A's root with them may. C's root is A's root: with another
 * id, C's /proc files are closed to A until C is dumpable again, which
 * nschild_start() does not wait for. Return: what the capability-less
 * REMOVE answered, or -EBADE when the capable one failed.
 */
static int ns_child_loop_removed_by_capless_parent(const char *arg)
{
	struct nschild c;
	int n = atoi(arg), ret;

	ret = ns_sh("true");
	if (ret)
		return ret;
	ret = nschild_start(&c, 0, 1);
	if (ret)
		return ret;
	ret = nschild_call(&c, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, n));
	if (ret == n) {
		ret = ns_remove_without_caps(arg);
		if (ret)
			if (ns_loopctl(loopctl_arg(LOOP_CTL_REMOVE, n)))
				ret = -EBADE;
	} else if (ret >= 0) {
		ret = -ERANGE;
	}
	nschild_stop(&c);
	return ret;
}

TEST_F(loop, capability_less_root_removes_only_its_own)
{
	EXPECT_EQ(-EPERM, nschild_call(&self->a, ns_child_loop_removed_by_capless_parent, "2040")) {
		TH_LOG("-EBADE: A's root with CAP_SYS_ADMIN could not remove it either");
	}
}

/* In A: sendfile 4 KiB from 2 MiB into /dev/null, from loop @arg. */
static int ns_sendfile_far(const char *arg)
{
	char path[64];
	off_t off = 2 << 20;
	int in, out;
	ssize_t n;

	snprintf(path, sizeof(path), "/dev/loop%s", arg);
	in = open(path, O_RDONLY | O_CLOEXEC);
	out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in < 0 || out < 0)
		n = -errno;
	else
		n = sendfile(out, in, &off, 4096);
	n = n < 0 ? -errno : n;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return n;
}

/* A view's size limit is its files', not its block nodes' (s_maxbytes). */
TEST_F(loop, view_nodes_reach_past_the_views_size)
{
	char arg[16];
	int n;

	ASSERT_EQ(0, nschild_call(&self->a, ns_sh, "losetup -f --show " IMG " > /tmp/nsdev-n"));
	n = read_int("/tmp/nsdev-n");
	ASSERT_GE(n, LOOP_BASE);
	snprintf(arg, sizeof(arg), "%d", n);
	EXPECT_EQ(4096, nschild_call(&self->a, ns_sendfile_far, arg)) {
		TH_LOG("sendfile at 2 MiB of a 64 MiB loop in a 1 MiB view failed");
	}
}

/* In A: run loop-control calls in a new child namespace of A. */
static int ns_child_add(const char *arg)
{
	struct nschild gc;
	int ret;

	ret = nschild_start(&gc, 0, 1);
	if (ret)
		return ret;
	ret = nschild_call(&gc, ns_loopctl, arg);
	nschild_stop(&gc);
	return ret;
}

/* In a child served by the test: /dev becomes its own view, then "CMD N". */
static int ns_loopctl_in_view(const char *arg)
{
	int ret = ns_sh("true");

	return ret ? ret : ns_loopctl(arg);
}

TEST_F(loop, quota_counts_against_every_ancestor)
{
	struct nsdevtmpfs_limit l = { .max_loops = 2 };
	struct nschild c;
	int fd;

	l.userns_fd = self->a.userns;
	fd = open(CONTROL, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, NSDEVTMPFS_IOC_SET_LIMIT, &l));
	close(fd);
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh, "true"));

	EXPECT_EQ(2000, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, 2000)));
	EXPECT_EQ(2001, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, 2001)));
	EXPECT_EQ(-EDQUOT, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, 2002)));
	/* A child namespace of A does not get a quota of its own on top. */
	EXPECT_EQ(-EDQUOT, nschild_call(&self->a, ns_child_add, loopctl_arg(LOOP_CTL_ADD, 2003)));
	EXPECT_EQ(0, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, 2000)));
	/*
	 * Freed: now a child may, and its loop counts against A while the
	 * child lives (a dead one's would be reclaimed at A's EDQUOT).
	 */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, nschild_start_under(&c, self->a.userns, 0, 1000));
	EXPECT_EQ(2003, nschild_call(&c, ns_loopctl_in_view, loopctl_arg(LOOP_CTL_ADD, 2003)));
	EXPECT_EQ(-EDQUOT, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, 2004)));
	/* A may remove what its descendant holds. */
	EXPECT_EQ(0, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, 2003)));
	EXPECT_EQ(0, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, 2001)));
	EXPECT_EQ(0, nschild_stop(&c));
}

TEST_F(loop, bad_loop_control_input)
{
	char *before = slurp("/proc/nsdevtmpfs/devices"), *after;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, nschild_call(&self->a, ns_sh, "true"));
	EXPECT_EQ(-EINVAL, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, -1)));
	EXPECT_EQ(-EINVAL, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, 1 << 20)));
	EXPECT_EQ(-EINVAL, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, -5)));
	EXPECT_EQ(-EINVAL, nschild_call(&self->a, ns_loopctl,
					loopctl_arg(LOOP_CTL_ADD, 0x7fffffff)));
	/* The host's numbers, below loop_index_base, are not the namespace's. */
	EXPECT_EQ(-EPERM, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_ADD, 0)));
	EXPECT_EQ(-EPERM, nschild_call(&self->a, ns_loopctl,
				       loopctl_arg(LOOP_CTL_ADD, LOOP_BASE - 1)));
	EXPECT_EQ(-EPERM, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, 0)));
	EXPECT_EQ(-ENODEV, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, 3333)));
	EXPECT_EQ(-ENOTTY, nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_SET_FD, 0)));
	after = slurp("/proc/nsdevtmpfs/devices");
	EXPECT_STREQ(before, after);
	free(before);
	free(after);
}

/* --- racing the host's losetup -f ----------------------------------------- */

#define RACE_ROUNDS	150

/*
 * What losetup -f does: GET_FREE on the loop-control at @ctl (host or
 * view), open the device, LOOP_CONFIGURE. With @keep the device stays
 * bound; otherwise it is cleared again. Return: 0, 1 when the open failed
 * (the number was given up meanwhile: losetup tries the next), or the
 * negative errno of LOOP_CONFIGURE.
 */
static int cycle(const char *ctl, int backing, bool keep, int *index)
{
	struct loop_config cfg = { .fd = backing };
	char path[64];
	int fd, dev, ret;

	fd = open(ctl, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*index = ioctl(fd, LOOP_CTL_GET_FREE);
	close(fd);
	if (*index < 0)
		return -errno;
	snprintf(path, sizeof(path), "/dev/loop%d", *index);
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return 1;
	ret = ioctl(dev, LOOP_CONFIGURE, &cfg) ? -errno : 0;
	if (!ret && !keep)
		ioctl(dev, LOOP_CLR_FD);
	close(dev);
	return ret;
}

/*
 * In A: RACE_ROUNDS cycles. Returns the number of LOOP_CONFIGUREs that
 * found the namespace's own (claimed) device bound by someone else, plus
 * 1000 times the numbers lost while released, plus 1000000 times the
 * cycles that bound the device.
 */
static int ns_race(const char *arg)
{
	int i, idx, taken = 0, lost = 0, bound = 0, backing, ret;

	if (mount("none", "/dev", FSTYPE, 0, NULL))
		return -errno;
	backing = open(IMG, O_RDWR | O_CLOEXEC);
	if (backing < 0)
		return -errno;
	for (i = 0; i < RACE_ROUNDS; i++) {
		ret = cycle("/dev/loop-control", backing, false, &idx);
		taken += ret < 0;
		lost += ret == 1;
		bound += ret == 0;
	}
	close(backing);
	return taken + 1000 * lost + 1000000 * bound;
}

/*
 * Detach the host's loops bound to @backing and remove those in the
 * namespace range (numbers the namespace let go and the host took).
 */
static void host_put_back_loops(const char *backing)
{
	char path[300], *file;
	struct dirent *e;
	int n, dev, ctl, i;
	DIR *d;

	d = opendir("/sys/block");
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	while (d && ctl >= 0 && (e = readdir(d))) {
		if (sscanf(e->d_name, "loop%d", &n) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", e->d_name);
		file = slurp(path);
		if (!file || !strstr(file, backing)) {
			free(file);
			continue;
		}
		free(file);
		snprintf(path, sizeof(path), "/dev/loop%d", n);
		dev = open(path, O_RDWR | O_CLOEXEC);
		if (dev >= 0) {
			ioctl(dev, LOOP_CLR_FD);
			close(dev);
		}
		/* 6.12+ may finish the clear after the close. */
		for (i = 0; n >= LOOP_BASE && i < 200 &&
		     ioctl(ctl, LOOP_CTL_REMOVE, n) && errno == EBUSY; i++)
			usleep(10 * 1000);
	}
	if (ctl >= 0)
		close(ctl);
	if (d)
		closedir(d);
}

/* Minutes on the debug kernel (KASAN, lockdep): more than the default 30 s. */
TEST_F_TIMEOUT(loop, host_losetup_never_gets_a_namespace_loop, 600)
{
	int i, status, backing, pipefd[2], res[3] = { 0 }, idx, ns;
	pid_t host;

	ASSERT_EQ(0, pipe(pipefd));
	host = fork();
	ASSERT_GE(host, 0);
	if (host == 0) {
		/*
		 * The host keeps every loop it binds, so its GET_FREE always
		 * walks past its own (bound) devices to the namespace's, which
		 * come and go meanwhile: res[0] bound, res[1] of them numbers
		 * the namespace had released, res[2] refused with EBUSY.
		 */
		backing = open(IMG_PART, O_RDWR | O_CLOEXEC);
		for (i = 0; i < RACE_ROUNDS; i++) {
			int ret = cycle("/dev/loop-control", backing, true, &idx);

			if (!ret) {
				res[0]++;
				res[1] += idx >= LOOP_BASE;
			}
			res[2] += ret != 0;
		}
		if (write(pipefd[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	ns = nschild_call(&self->a, ns_race, NULL);
	ASSERT_GE(ns, 0);
	/* The namespace really raced: most of its cycles bound a device. */
	EXPECT_GE(ns / 1000000, RACE_ROUNDS / 2);
	/* The guarantee: a device the namespace holds is never taken. */
	EXPECT_EQ(0, ns % 1000) {
		TH_LOG("the namespace's LOOP_CONFIGURE found its device taken %d times",
		       ns % 1000);
	}
	ASSERT_EQ(host, waitpid(host, &status, 0));
	ASSERT_EQ(sizeof(res), read(pipefd[0], res, sizeof(res)));
	EXPECT_GT(res[0], 0);
	/*
	 * The host keeps what it bound: none of it may be the namespace's.
	 * (A number the namespace has let go may go to anyone.)
	 */
	EXPECT_EQ(0, sh("for d in /sys/block/loop*; do n=${d##*loop}; "
			"[ -e $d/loop/backing_file ] || continue; "
			"grep -q '" IMG_PART "' $d/loop/backing_file || continue; "
			"grep -q \"^b 7:$n \" /proc/nsdevtmpfs/devices && exit 1; done; exit 0")) {
		TH_LOG("a loop the host bound is listed as a namespace's");
	}
	TH_LOG("host bound %d loops, %d with numbers the namespace had let go; %d refused",
	       res[0], res[1], res[2]);
	TH_LOG("the namespace bound %d times and found %d numbers gone between GET_FREE and open",
	       ns / 1000000, ns / 1000 % 1000);
	host_put_back_loops(IMG_PART);
}

TEST_HARNESS_MAIN

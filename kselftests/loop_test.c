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
#include <sys/mman.h>
#include <sys/sendfile.h>

#include "kselftest_harness.h"
#include "fixtures.h"

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

/*
 * What forked processes report back to the test, field by field: a
 * MAP_SHARED page mapped before the fixture's namespace is forked, so
 * that A, its children and their forks all write into the test's copy.
 */
struct capless {
	int drop;	/* dropping the capabilities: 0, or -errno */
	int ret;	/* what the function returned without them */
};

struct race_counts {
	int bound;	/* cycles that bound the device */
	int lost;	/* the number was gone between GET_FREE and the open */
	int refused;	/* GET_FREE or LOOP_CONFIGURE failed */
	int last_err;	/* the errno of the last refusal */
	int high;	/* bound numbers at or above LOOP_BASE */
};

struct report {
	struct capless capless;
	struct race_counts ns;		/* the namespace's cycles */
	struct race_counts host;	/* the host's, racing them */
};

static struct report *report;

static int map_report(void)
{
	report = mmap(NULL, sizeof(*report), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (report == MAP_FAILED) {
		report = NULL;
		return -errno;
	}
	memset(report, 0, sizeof(*report));
	return 0;
}

static void unmap_report(void)
{
	if (report)
		munmap(report, sizeof(*report));
	report = NULL;
}

/*
 * Every test has namespace A (root mapped to CHILD_ID_BASE, its view
 * mounted on /dev at its first ns_sh()) and two 64 MiB images.
 */
FIXTURE(loop) {
	struct nschild a;
};

FIXTURE_SETUP(loop)
{
	int ret;

	self->a.pid = -1;
	ret = map_report();
	ASSERT_EQ(0, ret) {
		TH_LOG("map the report page: %s", errstr(ret));
	}
	ret = sh("truncate -s 64M " IMG " && chmod 666 " IMG " && "
		 "truncate -s 64M " IMG_PART " && chmod 666 " IMG_PART " && "
		 "printf 'label: dos\\n,16M,L\\n,16M,L\\n' | sfdisk -q " IMG_PART);
	ASSERT_EQ(0, ret) {
		TH_LOG("make the images: exit status %d", ret);
	}
	ret = nschild_start(&self->a, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start namespace A: %s", errstr(ret));
	}
}

FIXTURE_TEARDOWN(loop)
{
	if (self->a.pid > 0)
		nschild_call(&self->a, ns_sh, "losetup -D");
	ns_stop_quietly(&self->a);
	unlink(IMG);
	unlink(IMG_PART);
	unmap_report();
}

/* Run @script in @c (ns_sh()) and assert that it exits 0. */
#define ASSERT_SH(c, script, what) do {					\
	int __st = nschild_call(c, ns_sh, script);			\
	ASSERT_EQ(0, __st) {						\
		TH_LOG("%s: %s %d", what, __st < 0 ? strerror(-__st) :	\
		       "exit status", __st);				\
	}								\
} while (0)

/* The same, an EXPECT. */
#define EXPECT_SH(c, script, what) do {					\
	int __st = nschild_call(c, ns_sh, script);			\
	EXPECT_EQ(0, __st) {						\
		TH_LOG("%s: %s %d", what, __st < 0 ? strerror(-__st) :	\
		       "exit status", __st);				\
	}								\
} while (0)

/* A loop-control call in @c, with the errno text on a mismatch. */
#define EXPECT_LOOPCTL(want, c, cmd, n, what) do {			\
	int __n = (n);							\
	int __r = nschild_call(c, ns_loopctl, loopctl_arg(cmd, __n));	\
	EXPECT_EQ(want, __r) {						\
		TH_LOG("%s: %s %d: %d (%s)", what, #cmd, __n, __r,	\
		       errstr(__r));					\
	}								\
} while (0)

/* QUERY loop @n on the host: its state, or the negative errno. */
static int loop_state(int n)
{
	struct nsdevtmpfs_query q;
	int ret;

	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, LOOP(n), &q);
	return ret ? ret : (int)q.state;
}

TEST_F(loop, losetup_f_fP_d_inside_a_namespace)
{
	int n, p, st, ret;

	ASSERT_SH(&self->a, "losetup -f --show " IMG " > /tmp/nsdev-n",
		  "losetup -f --show inside the namespace");
	n = read_int("/tmp/nsdev-n");
	ASSERT_LE(LOOP_BASE, n) {
		TH_LOG("losetup -f printed no delegated loop: %d", n);
	}
	st = loop_state(n);
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED | NSDEVTMPFS_STATE_LOOP, st) {
		TH_LOG("QUERY loop%d: state %#x (%s)", n, st, errstr(st));
	}

	/* Partitions are in the view when losetup -P returns. */
	ASSERT_SH(&self->a, "d=$(losetup -fP --show " IMG_PART ") && "
		  "echo $d > /tmp/nsdev-p && test -b ${d}p1 && test -b ${d}p2",
		  "loopNp1/loopNp2 missing from the view after losetup -P");
	p = read_int("/tmp/nsdev-p");
	ASSERT_LE(LOOP_BASE, p) {
		TH_LOG("losetup -fP printed no delegated loop: %d", p);
	}
	ASSERT_NE(n, p) {
		TH_LOG("losetup -fP got bound loop%d again", n);
	}
	/* losetup -a shows the namespace's devices. */
	EXPECT_SH(&self->a, "losetup -a | grep -q " IMG_PART " && "
		  "losetup -a | grep -q '" IMG "'",
		  "losetup -a does not list both images");

	/*
	 * Detach: the partitions go before losetup -d returns; the node stays,
	 * as the stock driver's does, and so does the number's quota.
	 */
	ASSERT_SH(&self->a, "d=$(cat /tmp/nsdev-p) && losetup -d $d && "
		  "! test -e ${d}p1 && ! test -e ${d}p2 && test -b $d",
		  "after losetup -d, partitions stayed or the node went");
	ret = sh("! test -e /sys/block/loop$(cat /tmp/nsdev-p | tr -dc 0-9)");
	EXPECT_EQ(0, ret) {
		TH_LOG("the detached loop device still exists on the host");
	}
	st = loop_state(p);
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED | NSDEVTMPFS_STATE_LOOP, st) {
		TH_LOG("QUERY detached loop%d: state %#x (%s)", p, st, errstr(st));
	}
	ASSERT_SH(&self->a, "losetup -d $(cat /tmp/nsdev-n)", "losetup -d of the first");
	/* The next -f gets the lowest free number, as on the host. */
	ASSERT_SH(&self->a, "losetup -f --show " IMG " > /tmp/nsdev-n2 && "
		  "losetup -d $(cat /tmp/nsdev-n2)", "losetup -f again");
	ret = read_int("/tmp/nsdev-n2");
	EXPECT_EQ(n < p ? n : p, ret) {
		TH_LOG("losetup -f after loop%d and loop%d were detached", n, p);
	}
	/* LOOP_CTL_REMOVE gives a number up: its node and quota go. */
	EXPECT_LOOPCTL(0, &self->a, LOOP_CTL_REMOVE, p, "A gives up its loop");
	st = loop_state(p);
	EXPECT_EQ(-ENODEV, st) {
		TH_LOG("QUERY removed loop%d: state %#x (%s)", p, st, errstr(st));
	}
	EXPECT_LOOPCTL(0, &self->a, LOOP_CTL_REMOVE, n, "A gives up its loop");
	st = loop_state(n);
	EXPECT_EQ(-ENODEV, st) {
		TH_LOG("QUERY removed loop%d: state %#x (%s)", n, st, errstr(st));
	}
}

TEST_F(loop, mkfs_fsck_and_bytes_round_trip)
{
	int ret;

	ASSERT_SH(&self->a, "d=$(losetup -f --show " IMG ") && echo $d > /tmp/nsdev-n && "
		  "mkfs.ext4 -q -F $d && e2fsck -fn $d",
		  "mkfs.ext4 or e2fsck -fn on the delegated loop");
	/* Bytes written through the loop device are in the backing file. */
	ret = sh("head -c 65536 /dev/urandom > /tmp/nsdev-pattern && "
		 "chmod 644 /tmp/nsdev-pattern");
	ASSERT_EQ(0, ret) {
		TH_LOG("make /tmp/nsdev-pattern: exit status %d", ret);
	}
	ASSERT_SH(&self->a, "dd if=/tmp/nsdev-pattern of=$(cat /tmp/nsdev-n) bs=4096 "
		  "seek=4096 conv=fsync status=none && losetup -d $(cat /tmp/nsdev-n)",
		  "dd onto the loop and losetup -d");
	ret = sh("sleep 0.3; dd if=" IMG " bs=4096 skip=4096 count=16 status=none | "
		 "cmp -s - /tmp/nsdev-pattern");
	EXPECT_EQ(0, ret) {
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
	int n, ret;

	/* A process in the namespace has the node open for 2 s. */
	ASSERT_SH(&self->a, "d=$(losetup -f --show " IMG ") && echo $d > /tmp/nsdev-n && "
		  "{ sleep 2 <$d & }", "losetup -f and a process holding the node");
	n = read_int("/tmp/nsdev-n");
	ASSERT_LE(LOOP_BASE, n) {
		TH_LOG("losetup -f printed no delegated loop: %d", n);
	}
	snprintf(sys, sizeof(sys), "/sys/block/loop%d/loop/backing_file", n);
	ASSERT_EQ(0, access(sys, F_OK)) {
		TH_LOG("%s: %s", sys, strerror(errno));
	}
	ret = sh("losetup -d /dev/loop$(cat /tmp/nsdev-n | tr -dc 0-9)");
	ASSERT_EQ(0, ret) {
		TH_LOG("the host's losetup -d of loop%d: exit status %d", n, ret);
	}
	EXPECT_EQ(0, access(sys, F_OK)) {
		TH_LOG("detached while the namespace still had it open");
	}
	ret = sh("for i in $(seq 1 50); do test -e /sys/block/loop$(cat /tmp/nsdev-n | "
		 "tr -dc 0-9)/loop/backing_file || exit 0; sleep 0.1; done; exit 1");
	ASSERT_EQ(0, ret) {
		TH_LOG("still bound 3 s after the namespace's last close of it");
	}
	/* The number is still the namespace's, and binds again. */
	EXPECT_SH(&self->a, "d=$(cat /tmp/nsdev-n) && losetup $d " IMG " && losetup -d $d",
		  "the namespace binds its loop again");
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
	int n, got, ret;

	ASSERT_SH(&self->a, "losetup -f --show " IMG " > /tmp/nsdev-n",
		  "losetup -f in A");
	n = read_int("/tmp/nsdev-n");
	ASSERT_LE(LOOP_BASE, n) {
		TH_LOG("losetup -f printed no delegated loop: %d", n);
	}

	ret = nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start namespace B: %s", errstr(ret));
	}
	snprintf(arg, sizeof(arg), "test ! -e /dev/loop%d", n);
	EXPECT_SH(&b, arg, "B sees A's loop in its view");
	EXPECT_LOOPCTL(-EPERM, &b, LOOP_CTL_REMOVE, n, "B removes A's loop");
	EXPECT_LOOPCTL(-EEXIST, &b, LOOP_CTL_ADD, n, "B adds A's loop");
	got = nschild_call(&b, ns_loopctl, loopctl_arg(LOOP_CTL_GET_FREE, 0));
	EXPECT_LE(LOOP_BASE, got) {
		TH_LOG("B's GET_FREE: %s", errstr(got));
	}
	EXPECT_NE(n, got) {
		TH_LOG("B's GET_FREE returned A's loop%d", n);
	}
	/* B's number is B's: A cannot remove it either. */
	EXPECT_LOOPCTL(-EPERM, &self->a, LOOP_CTL_REMOVE, got, "A removes B's loop");
	EXPECT_LOOPCTL(0, &b, LOOP_CTL_REMOVE, got, "B removes its own loop");
	/* A busy loop cannot be removed, even by its owner. */
	EXPECT_LOOPCTL(-EBUSY, &self->a, LOOP_CTL_REMOVE, n, "A removes its bound loop");

	/* A keeps a hard link of its loop and hands B an fd of its /dev. */
	snprintf(arg, sizeof(arg), "ln /dev/loop%d /dev/kept", n);
	ASSERT_SH(&self->a, arg, "A hard-links its loop as /dev/kept");
	snprintf(name, sizeof(name), "nsdev-loop-test-%d", getpid());
	ret = nschild_call(&b, ns_fd_listen, name);
	ASSERT_EQ(0, ret) {
		TH_LOG("B binds the socket %s: %s", name, errstr(ret));
	}
	snprintf(arg, sizeof(arg), "%s /dev", name);
	ret = nschild_call(&self->a, ns_fd_send_opath, arg);
	ASSERT_EQ(0, ret) {
		TH_LOG("A sends an O_PATH fd of its /dev: %s", errstr(ret));
	}
	ret = nschild_call(&b, ns_fd_recv, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("B receives A's /dev: %s", errstr(ret));
	}
	snprintf(kept, sizeof(kept), "loop%d", n);
	ret = nschild_call(&b, ns_fd_statat, kept);
	EXPECT_EQ((int)LOOP(n), ret) {
		TH_LOG("B stats %s in A's view: %s", kept, errstr(ret));
	}
	ret = nschild_call(&b, ns_fd_openat, kept);
	EXPECT_EQ(0, ret) {
		TH_LOG("an open through A's view was not checked against A's namespace: %s",
		       errstr(ret));
	}

	/* A detaches and gives the number up; B allocates it for itself. */
	snprintf(arg, sizeof(arg), "losetup -d /dev/loop%d", n);
	ASSERT_SH(&self->a, arg, "A detaches its loop");
	ret = nschild_call(&self->a, ns_loopctl, loopctl_arg(LOOP_CTL_REMOVE, n));
	ASSERT_EQ(0, ret) {
		TH_LOG("A gives up loop%d: %s", n, errstr(ret));
	}
	EXPECT_LOOPCTL(n, &b, LOOP_CTL_ADD, n, "B adds the number A gave up");
	snprintf(arg, sizeof(arg), "test -b /dev/loop%d", n);
	EXPECT_SH(&b, arg, "B's new loop is not in its view");
	ret = nschild_call(&b, ns_fd_statat, kept);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("B stats %s in A's view after A gave it up: %s", kept, errstr(ret));
	}
	ret = nschild_call(&b, ns_fd_statat, "kept");
	EXPECT_EQ((int)LOOP(n), ret) {
		TH_LOG("B stats A's kept node: %s", errstr(ret));
	}
	ret = nschild_call(&b, ns_fd_openat, "kept");
	EXPECT_EQ(-ENXIO, ret) {
		TH_LOG("B opened loop%d through the node A kept in A's view: %s",
		       n, errstr(ret));
	}
	ret = nschild_call(&self->a, ns_open, "/dev/kept");
	EXPECT_EQ(-ENXIO, ret) {
		TH_LOG("A opened B's loop%d through the node it kept: %s", n, errstr(ret));
	}
	EXPECT_LOOPCTL(0, &b, LOOP_CTL_REMOVE, n, "B removes its loop");
	ret = nschild_stop(&b);
	EXPECT_EQ(0, ret) {
		TH_LOG("B exited with status %d", ret);
	}
}

/* A loop-control call's result, 0 for any number: for nonroot_call(). */
static int ns_loopctl_status(const char *arg)
{
	int ret = ns_loopctl(arg);

	return ret < 0 ? ret : 0;
}

/* In A: GET_FREE as uid 1, not root of A. */
static int ns_nonroot_get_free(const char *arg)
{
	return nonroot_call(ns_loopctl_status, loopctl_arg(LOOP_CTL_GET_FREE, 0));
}

TEST_F(loop, non_root_in_the_namespace_cannot_allocate)
{
	int ret;

	ASSERT_SH(&self->a, "true", "A mounts its view on /dev");
	ret = nschild_call(&self->a, ns_nonroot_get_free, NULL);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("GET_FREE by uid 1 of A: %s", errstr(ret));
	}
}

/*
 * Drop every capability, and with @noroot keep root from regaining them
 * at exec (SECBIT_NOROOT), as container runtimes run root by default
 * (crun's and podman's default set has no CAP_SYS_ADMIN).
 * Return: 0 or the negative errno.
 */
static int drop_caps(bool noroot)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (noroot && prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED))
		return -errno;
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/*
 * Run fn(arg) in a forked process without capabilities (drop_caps()); it
 * reports in report->capless: .drop, and .ret, fn's result.
 * Return: 0, or the negative errno of fork() or waitpid().
 */
static int capless_call(nscall_fn fn, const char *arg, bool noroot)
{
	int status;
	pid_t pid;

	report->capless.drop = -ECHILD;
	report->capless.ret = -ECHILD;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		report->capless.drop = drop_caps(noroot);
		if (!report->capless.drop)
			report->capless.ret = fn(arg);
		_exit(0);
	}
	return waitpid(pid, &status, 0) == pid ? 0 : -errno;
}

/* In A: run the shell script ARG as root of A without any capability. */
static int ns_sh_without_caps(const char *arg)
{
	return capless_call(ns_sh, arg, true);
}

/* In A: a loop-control call "CMD N" without any capability. */
static int ns_loopctl_without_caps(const char *arg)
{
	return capless_call(ns_loopctl, arg, false);
}

/*
 * Run @fn(@arg) in @c without capabilities; assert that it ran.
 * Return: what fn returned.
 */
static int capless_in(struct __test_metadata *_metadata, struct nschild *c,
		      nscall_fn fn, const char *arg)
{
	int ret = nschild_call(c, fn, arg);

	ASSERT_EQ(0, ret) {
		TH_LOG("fork a process to drop its capabilities: %s", errstr(ret));
	}
	ASSERT_EQ(0, report->capless.drop) {
		TH_LOG("drop every capability: %s", errstr(report->capless.drop));
	}
	return report->capless.ret;
}

/*
 * The stock loop-control asks for no capability: its mode (0660 root:disk)
 * is the check. Root of the namespace uses a view's as root uses the
 * host's, with or without CAP_SYS_ADMIN; losetup -fP and -d work.
 */
TEST_F(loop, root_without_capabilities_uses_loop_control)
{
	int st;

	ASSERT_SH(&self->a, "true", "A mounts its view on /dev");
	st = capless_in(_metadata, &self->a, ns_sh_without_caps,
			"grep -q '^CapEff:.0*$' /proc/self/status");
	ASSERT_EQ(0, st) {
		TH_LOG("the process still has effective capabilities (status %d)", st);
	}
	st = capless_in(_metadata, &self->a, ns_sh_without_caps,
			"losetup -fP --show " IMG_PART " > /tmp/nsdev-n");
	ASSERT_EQ(0, st) {
		TH_LOG("losetup -fP without capabilities: exit status %d", st);
	}
	st = capless_in(_metadata, &self->a, ns_sh_without_caps,
			"test -b $(cat /tmp/nsdev-n)p2");
	EXPECT_EQ(0, st) {
		TH_LOG("no loopNp2 after losetup -fP without capabilities");
	}
	st = capless_in(_metadata, &self->a, ns_sh_without_caps,
			"losetup -d $(cat /tmp/nsdev-n)");
	EXPECT_EQ(0, st) {
		TH_LOG("losetup -d without capabilities: exit status %d", st);
	}
}

/* Open the host's delegation loop-control: 0 or -errno (for capless_call()). */
static int open_host_loop_control(const char *arg)
{
	int fd = open("/dev/nsdevtmpfs-loop-control", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* GET_FREE on the host's delegation loop-control: a number or -errno. */
static int host_get_free(const char *arg)
{
	int fd = open("/dev/nsdevtmpfs-loop-control", O_RDWR | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = ioctl(fd, LOOP_CTL_GET_FREE);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

/*
 * Root without capabilities in the initial namespace (a container without
 * a user namespace) is not a namespace root: the host's loops need
 * CAP_SYS_ADMIN, as they did.
 */
TEST(initial_root_without_capabilities_cannot_allocate)
{
	int ret;

	ret = map_report();
	ASSERT_EQ(0, ret) {
		TH_LOG("map the report page: %s", errstr(ret));
	}
	ret = capless_call(open_host_loop_control, NULL, false);
	ASSERT_EQ(0, ret) {
		TH_LOG("fork a process to drop its capabilities: %s", errstr(ret));
	}
	ASSERT_EQ(0, report->capless.drop) {
		TH_LOG("drop every capability: %s", errstr(report->capless.drop));
	}
	ASSERT_EQ(0, report->capless.ret) {
		TH_LOG("open the loop-control without capabilities: %s",
		       errstr(report->capless.ret));
	}
	ret = capless_call(host_get_free, NULL, false);
	ASSERT_EQ(0, ret) {
		TH_LOG("fork a process to drop its capabilities: %s", errstr(ret));
	}
	ASSERT_EQ(0, report->capless.drop) {
		TH_LOG("drop every capability: %s", errstr(report->capless.drop));
	}
	EXPECT_EQ(-EPERM, report->capless.ret) {
		TH_LOG("GET_FREE without capabilities: %d (%s)", report->capless.ret,
		       errstr(report->capless.ret));
	}
	unmap_report();
}

/* In a namespace: its child namespace, started by ns_start_below(). */
static struct nschild below;

/*
 * In A: start a child namespace C whose root is A's root (with another
 * id, C's /proc files are closed to A until C is dumpable again, which
 * nschild_start() does not wait for).
 */
static int ns_start_below(const char *arg)
{
	return nschild_start(&below, 0, 1);
}

/* In A: a loop-control call "CMD N" in C. */
static int ns_below_loopctl(const char *arg)
{
	return nschild_call(&below, ns_loopctl, arg);
}

static int ns_stop_below(const char *arg)
{
	return nschild_stop(&below);
}

/* Start C below A (after A mounted its view on /dev, which C inherits). */
static void start_below(struct __test_metadata *_metadata, struct nschild *a)
{
	int ret;

	ASSERT_SH(a, "true", "A mounts its view on /dev");
	ret = nschild_call(a, ns_start_below, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A starts C, a child namespace: %s", errstr(ret));
	}
}

/*
 * A child namespace C of A reserves a number; A's root without
 * capabilities may not remove it (it has no power over C, which another
 * user of A may have made), A's root with them may.
 */
TEST_F(loop, capability_less_root_removes_only_its_own)
{
	int ret;

	start_below(_metadata, &self->a);
	ret = nschild_call(&self->a, ns_below_loopctl, loopctl_arg(LOOP_CTL_ADD, 2040));
	ASSERT_EQ(2040, ret) {
		TH_LOG("C adds loop2040: %s", errstr(ret));
	}
	ret = capless_in(_metadata, &self->a, ns_loopctl_without_caps,
			 loopctl_arg(LOOP_CTL_REMOVE, 2040));
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A's root without capabilities removes C's loop2040: %s",
		       errstr(ret));
	}
	if (ret) {
		ret = nschild_call(&self->a, ns_loopctl,
				   loopctl_arg(LOOP_CTL_REMOVE, 2040));
		EXPECT_EQ(0, ret) {
			TH_LOG("A's root with CAP_SYS_ADMIN removes C's loop2040: %s",
			       errstr(ret));
		}
	}
	ret = nschild_call(&self->a, ns_stop_below, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("C exited with status %d", ret);
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
	int n, ret;

	ASSERT_SH(&self->a, "losetup -f --show " IMG " > /tmp/nsdev-n", "losetup -f in A");
	n = read_int("/tmp/nsdev-n");
	ASSERT_LE(LOOP_BASE, n) {
		TH_LOG("losetup -f printed no delegated loop: %d", n);
	}
	snprintf(arg, sizeof(arg), "%d", n);
	ret = nschild_call(&self->a, ns_sendfile_far, arg);
	EXPECT_EQ(4096, ret) {
		TH_LOG("sendfile at 2 MiB of a 64 MiB loop in a 1 MiB view: %s",
		       errstr(ret));
	}
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
	int ret;

	l.userns_fd = self->a.userns;
	ret = control_ioctl(NSDEVTMPFS_IOC_SET_LIMIT, &l);
	ASSERT_EQ(0, ret) {
		TH_LOG("SET_LIMIT of A to 2 loops: %s", errstr(ret));
	}
	ASSERT_SH(&self->a, "true", "A mounts its view on /dev");

	EXPECT_LOOPCTL(2000, &self->a, LOOP_CTL_ADD, 2000, "A's first loop");
	EXPECT_LOOPCTL(2001, &self->a, LOOP_CTL_ADD, 2001, "A's second loop");
	EXPECT_LOOPCTL(-EDQUOT, &self->a, LOOP_CTL_ADD, 2002, "A's third loop");
	/* A child namespace of A does not get a quota of its own on top. */
	start_below(_metadata, &self->a);
	ret = nschild_call(&self->a, ns_below_loopctl, loopctl_arg(LOOP_CTL_ADD, 2003));
	EXPECT_EQ(-EDQUOT, ret) {
		TH_LOG("a child namespace of A, A's quota used up: ADD 2003: %d (%s)",
		       ret, errstr(ret));
	}
	ret = nschild_call(&self->a, ns_stop_below, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's child namespace exited with status %d", ret);
	}
	EXPECT_LOOPCTL(0, &self->a, LOOP_CTL_REMOVE, 2000, "A gives up a loop");
	/*
	 * Freed: now a child may, and its loop counts against A while the
	 * child lives (a dead one's would be reclaimed at A's EDQUOT).
	 */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		TH_LOG("become a child subreaper: %s", strerror(errno));
	}
	ret = nschild_start_under(&c, self->a.userns, 0, 1000);
	ASSERT_EQ(0, ret) {
		TH_LOG("start C below A: %s", errstr(ret));
	}
	ret = nschild_call(&c, ns_loopctl_in_view, loopctl_arg(LOOP_CTL_ADD, 2003));
	EXPECT_EQ(2003, ret) {
		TH_LOG("C below A, A's quota not used up: ADD 2003: %s", errstr(ret));
	}
	EXPECT_LOOPCTL(-EDQUOT, &self->a, LOOP_CTL_ADD, 2004,
		       "A's loop with C's counted against A");
	/* A may remove what its descendant holds. */
	EXPECT_LOOPCTL(0, &self->a, LOOP_CTL_REMOVE, 2003, "A removes C's loop");
	EXPECT_LOOPCTL(0, &self->a, LOOP_CTL_REMOVE, 2001, "A removes its loop");
	ret = nschild_stop(&c);
	EXPECT_EQ(0, ret) {
		TH_LOG("C exited with status %d", ret);
	}
}

TEST_F(loop, bad_loop_control_input)
{
	static const struct {
		int cmd, n, want;
		const char *what;
	} cases[] = {
		{ LOOP_CTL_ADD, -1, -EINVAL, "ADD of a negative number" },
		{ LOOP_CTL_ADD, 1 << 20, -EINVAL, "ADD past MINORMASK" },
		{ LOOP_CTL_REMOVE, -5, -EINVAL, "REMOVE of a negative number" },
		{ LOOP_CTL_ADD, 0x7fffffff, -EINVAL, "ADD of INT_MAX" },
		/* The host's numbers, below loop_index_base, are not the namespace's. */
		{ LOOP_CTL_ADD, 0, -EPERM, "ADD of the host's loop0" },
		{ LOOP_CTL_ADD, LOOP_BASE - 1, -EPERM, "ADD below loop_index_base" },
		{ LOOP_CTL_REMOVE, 0, -EPERM, "REMOVE of the host's loop0" },
		{ LOOP_CTL_REMOVE, 3333, -ENODEV, "REMOVE of a number never added" },
		{ LOOP_SET_FD, 0, -ENOTTY, "a loop device's ioctl on loop-control" },
	};
	char *before = slurp("/proc/nsdevtmpfs/devices"), *after;
	unsigned int i;
	int ret;

	ASSERT_NE(NULL, before) {
		TH_LOG("read /proc/nsdevtmpfs/devices: %s", strerror(errno));
	}
	ASSERT_SH(&self->a, "true", "A mounts its view on /dev");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = nschild_call(&self->a, ns_loopctl,
				   loopctl_arg(cases[i].cmd, cases[i].n));
		EXPECT_EQ(cases[i].want, ret) {
			TH_LOG("%s (%d): %d (%s), not %s", cases[i].what, cases[i].n,
			       ret, errstr(ret), strerror(-cases[i].want));
		}
	}
	after = slurp("/proc/nsdevtmpfs/devices");
	EXPECT_STREQ(before, after) {
		TH_LOG("bad loop-control input changed the registry");
	}
	free(before);
	free(after);
}

/* --- racing the host's losetup -f ----------------------------------------- */

#define RACE_ROUNDS	150

/*
 * What losetup -f does: GET_FREE on the loop-control at @ctl (host or
 * view), open the device, LOOP_CONFIGURE. With @keep the device stays
 * bound; otherwise it is cleared again. The outcome is counted in @c: bound,
 * lost (the open failed: the number was given up meanwhile, and losetup
 * tries the next) or refused (GET_FREE or LOOP_CONFIGURE failed).
 */
static void cycle(const char *ctl, int backing, bool keep, struct race_counts *c)
{
	struct loop_config cfg = { .fd = backing };
	int fd, dev, index, ret;
	char path[64];

	fd = open(ctl, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto refused;
	}
	index = ioctl(fd, LOOP_CTL_GET_FREE);
	ret = index < 0 ? -errno : 0;
	close(fd);
	if (ret)
		goto refused;
	snprintf(path, sizeof(path), "/dev/loop%d", index);
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		c->lost++;
		return;
	}
	ret = ioctl(dev, LOOP_CONFIGURE, &cfg) ? -errno : 0;
	if (!ret && !keep)
		ioctl(dev, LOOP_CLR_FD);
	close(dev);
	if (ret)
		goto refused;
	c->bound++;
	c->high += index >= LOOP_BASE;
	return;
refused:
	c->refused++;
	c->last_err = -ret;
}

/* In A: RACE_ROUNDS cycles through its view, counted in report->ns. */
static int ns_race(const char *arg)
{
	int i, backing;

	if (mount("none", "/dev", FSTYPE, 0, NULL))
		return -errno;
	backing = open(IMG, O_RDWR | O_CLOEXEC);
	if (backing < 0)
		return -errno;
	for (i = 0; i < RACE_ROUNDS; i++)
		cycle("/dev/loop-control", backing, false, &report->ns);
	close(backing);
	return 0;
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
	struct race_counts *ns = &report->ns, *host = &report->host;
	int i, status, backing, ret;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid) {
		TH_LOG("fork the host's losetup: %s", strerror(errno));
	}
	if (pid == 0) {
		/*
		 * The host keeps every loop it binds, so its GET_FREE always
		 * walks past its own (bound) devices to the namespace's, which
		 * come and go meanwhile.
		 */
		backing = open(IMG_PART, O_RDWR | O_CLOEXEC);
		for (i = 0; i < RACE_ROUNDS; i++)
			cycle("/dev/loop-control", backing, true, host);
		_exit(0);
	}
	ret = nschild_call(&self->a, ns_race, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view and opens " IMG ": %s", errstr(ret));
	}
	/* The namespace really raced: most of its cycles bound a device. */
	EXPECT_LE(RACE_ROUNDS / 2, ns->bound) {
		TH_LOG("the namespace bound a loop in %d of %d cycles (%d lost, %d refused)",
		       ns->bound, RACE_ROUNDS, ns->lost, ns->refused);
	}
	/* The guarantee: a device the namespace holds is never taken. */
	EXPECT_EQ(0, ns->refused) {
		TH_LOG("the namespace's GET_FREE or LOOP_CONFIGURE failed %d times, last: %s",
		       ns->refused, strerror(ns->last_err));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0)) {
		TH_LOG("reap the host's losetup: %s", strerror(errno));
	}
	EXPECT_LT(0, host->bound) {
		TH_LOG("the host bound no loop (%d lost, %d refused, last: %s)",
		       host->lost, host->refused, strerror(host->last_err));
	}
	/*
	 * The host keeps what it bound: none of it may be the namespace's.
	 * (A number the namespace has let go may go to anyone.)
	 */
	ret = sh("for d in /sys/block/loop*; do n=${d##*loop}; "
		 "[ -e $d/loop/backing_file ] || continue; "
		 "grep -q '" IMG_PART "' $d/loop/backing_file || continue; "
		 "grep -q \"^b 7:$n \" /proc/nsdevtmpfs/devices && exit 1; done; exit 0");
	EXPECT_EQ(0, ret) {
		TH_LOG("a loop the host bound is listed as a namespace's");
	}
	TH_LOG("host bound %d loops, %d with numbers the namespace had let go; %d refused",
	       host->bound, host->high, host->lost + host->refused);
	TH_LOG("the namespace bound %d times and found %d numbers gone between GET_FREE and open",
	       ns->bound, ns->lost);
	host_put_back_loops(IMG_PART);
}

TEST_HARNESS_MAIN

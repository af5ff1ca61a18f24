// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle_test - what a dying user namespace leaves behind (SPEC §5)
 *
 * Nothing: its loops are detached and freed, what was assigned to it goes
 * back to its assigner, its records disappear, within a few seconds. A
 * loop handed to someone outside lives until that user is done with it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>

#include "helpers.h"

#include "kselftest_harness.h"

#define IMG_PART	"/tmp/nsdev-life-2p"
#define PIN_PATH	"/tmp/nsdev-life-pin"
#define CHURN		500
#define REAP_WAIT_MS	10000
#define CHURN_WAIT_MS	180000	/* the reaper frees about 30 namespaces a second */

/* Delegated loop devices (numbers from 1024 up) that exist right now. */
static int delegated_loops(void)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int n = 0, i;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += sscanf(e->d_name, "loop%d", &i) == 1 && i >= 1024;
	closedir(d);
	return n;
}

static bool loop_exists(int n)
{
	char sysfs[64];

	snprintf(sysfs, sizeof(sysfs), "/sys/block/loop%d", n);
	return !access(sysfs, F_OK);
}

/*
 * Wait up to @limit_ms until the registry holds nothing but the initial
 * namespace. Return: how long that took, or -1 (after logging what is left).
 */
static int wait_until_empty(int limit_ms)
{
	int ms;

	for (ms = 0; ms < limit_ms; ms += 100) {
		if (count_lines("/proc/nsdevtmpfs/namespaces", "") == 1 &&
		    count_lines("/proc/nsdevtmpfs/devices", "owned") == 0 &&
		    delegated_loops() == 0)
			return ms;
		usleep(100 * 1000);
	}
	sh("echo '# left in the registry:'; sed 's/^/#   /' /proc/nsdevtmpfs/namespaces; "
	   "grep -v default /proc/nsdevtmpfs/devices | sed 's/^/#   /'; "
	   "ls /sys/block | tr '\\n' ' ' | sed 's/^/#   /'; echo");
	return -1;
}

static bool wait_for_empty_registry(void)
{
	return wait_until_empty(REAP_WAIT_MS) >= 0;
}

/*
 * In a child: mount the view on /dev, bind one loop (partitioned image,
 * partition scan) and reserve another one, and leave both.
 */
static int ns_two_loops(const char *arg)
{
	struct loop_config cfg = { .info.lo_flags = LO_FLAGS_PARTSCAN };
	int ctl, dev, n, m, ret = 0;
	char path[32];

	if (mount("none", "/dev", FSTYPE, 0, NULL))
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	cfg.fd = open(IMG_PART, O_RDWR | O_CLOEXEC);
	if (ctl < 0 || cfg.fd < 0)
		return -errno;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0)
		return -1000 - errno;
	snprintf(path, sizeof(path), "/dev/loop%d", n);
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -2000 - errno;
	if (ioctl(dev, LOOP_CONFIGURE, &cfg))
		ret = -3000 - errno;
	/* The partitions are there when LOOP_CONFIGURE returns. */
	snprintf(path, sizeof(path), "/dev/loop%dp2", n);
	if (!ret && access(path, F_OK))
		ret = -ENOENT;
	m = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (!ret && (m < 0 || m == n))
		ret = -EEXIST;
	close(dev);
	close(cfg.fd);
	close(ctl);
	return ret;
}

FIXTURE(life) {
	int unused;
};

FIXTURE_SETUP(life)
{
	ASSERT_EQ(0, sh("truncate -s 32M " IMG_PART " && chmod 666 " IMG_PART " && "
			"printf 'label: dos\\n,8M,L\\n,8M,L\\n' | sfdisk -q " IMG_PART));
	ASSERT_TRUE(wait_for_empty_registry()) {
		TH_LOG("an earlier test left namespaces behind");
	}
}

FIXTURE_TEARDOWN(life)
{
	unlink(IMG_PART);
	/* A test that failed with a namespace pinned must not fail the next. */
	umount2(PIN_PATH, MNT_DETACH);
	unlink(PIN_PATH);
}

/*
 * Try to unload the module until told to stop (by SIGTERM); it must fail
 * every time. Exit status: 0, or 1 if it ever succeeded or failed with
 * anything but "in use".
 */
static void rmmod_hammer(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		if (!syscall(__NR_delete_module, "nsdevtmpfs", O_NONBLOCK))
			_exit(1);
		if (errno != EWOULDBLOCK && errno != EBUSY)
			_exit(2);
		usleep(2000);
	}
}

TEST_F_TIMEOUT(life, churn_leaves_nothing_behind, 900)
{
	struct timespec t0, t1;
	struct nschild c, pin;
	int i, status, drain;
	pid_t hammer;

	/* A view stays mounted all along: unloading must fail throughout. */
	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&pin, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&pin, ns_mount_view, NULL));
	hammer = fork();
	ASSERT_GE(hammer, 0);
	if (hammer == 0)
		rmmod_hammer();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < CHURN; i++) {
		ASSERT_EQ(0, nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT));
		ASSERT_EQ(0, nschild_call(&c, ns_two_loops, NULL)) {
			TH_LOG("namespace %d could not set up its loops", i);
		}
		ASSERT_EQ(0, nschild_stop(&c));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(hammer, SIGTERM);
	ASSERT_EQ(hammer, waitpid(hammer, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status)) {
		TH_LOG("rmmod during the churn: %s", WEXITSTATUS(status) == 1 ?
		       "succeeded" : "failed with an unexpected errno");
	}
	ASSERT_EQ(0, nschild_stop(&pin));
	drain = wait_until_empty(CHURN_WAIT_MS);
	EXPECT_LE(0, drain) {
		TH_LOG("left: %d namespaces, %d owned devices, %d delegated loops",
		       count_lines("/proc/nsdevtmpfs/namespaces", "") - 1,
		       count_lines("/proc/nsdevtmpfs/devices", "owned"),
		       delegated_loops());
	}
	TH_LOG("%d namespaces with 2 loops each in %ld ms; all reclaimed %d ms later",
	       CHURN, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
	       drain);

	/* Nothing holds the module any more. */
	ASSERT_EQ(0, syscall(__NR_delete_module, "nsdevtmpfs", O_NONBLOCK)) {
		TH_LOG("rmmod after the churn: %s", strerror(errno));
	}
	ASSERT_EQ(0, load_module());
}

/*
 * In a child: mount the view on /dev and bind a free loop to IMG_PART.
 * Return: the loop's number, its node left open in *@dev; or -errno.
 */
static int bind_free_loop(int *dev)
{
	struct loop_config cfg = { 0 };
	int ctl, n, ret = 0;
	char path[32];

	if (mount("none", "/dev", FSTYPE, 0, NULL))
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	cfg.fd = open(IMG_PART, O_RDWR | O_CLOEXEC);
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	snprintf(path, sizeof(path), "/dev/loop%d", n);
	*dev = open(path, O_RDWR | O_CLOEXEC);
	if (ctl < 0 || cfg.fd < 0 || n < 0 || *dev < 0 ||
	    ioctl(*dev, LOOP_CONFIGURE, &cfg))
		ret = -errno;
	close(cfg.fd);
	close(ctl);
	return ret ? ret : n;
}

/* In A: open its bound loop and hand the fd out over @arg's socket. */
static int sock[2];

static int ns_bind_and_send(const char *arg)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	int dev, n = bind_free_loop(&dev);

	if (n < 0)
		return n;
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &dev, sizeof(int));
	if (sendmsg(sock[0], &msg, 0) != 1)
		return -errno;
	close(dev);
	return n;
}

/* Read 4 KiB blocks from @fd until SIGTERM; exit 1 at the first failure. */
static void reader(int fd)
{
	char buf[4096];
	unsigned int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0;; i++)
		if (pread(fd, buf, sizeof(buf), (i % 4096) * sizeof(buf)) != sizeof(buf))
			_exit(1);
}

TEST_F(life, loop_outlives_its_namespace_while_someone_uses_it)
{
	char buf[4096];
	struct nschild a;
	int fd, n, status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	n = nschild_call(&a, ns_bind_and_send, NULL);
	ASSERT_GE(n, 1024);
	fd = fdpass_recv(sock[1]);
	ASSERT_GE(fd, 0);

	/* A dies while another process is in the middle of reading. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		reader(fd);
	usleep(200 * 1000);
	ASSERT_EQ(0, nschild_stop(&a));
	sleep(3);	/* past several reaper runs */
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status)) {
		TH_LOG("a read from loop%d failed after its namespace died", n);
	}
	EXPECT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 0));
	EXPECT_TRUE(loop_exists(n)) {
		TH_LOG("loop%d vanished while in use", n);
	}
	/*
	 * The fd was opened in A's view, so A's view (and A) live as long as
	 * it does; the device goes when its last user does.
	 */
	close(fd);
	close(sock[0]);
	close(sock[1]);
	EXPECT_TRUE(wait_for_empty_registry());
}

/* --- three levels --------------------------------------------------------- */

static struct nschild below;	/* in each level: its child namespace */

/* In a namespace: start a child namespace of it, with a view. */
static int ns_start_below(const char *arg)
{
	int ret = nschild_start(&below, 0, 1000);

	return ret ? ret : nschild_call(&below, ns_mount_view, NULL);
}

/* In a namespace: run "FN ARG" in its child namespace. */
static int ns_forward(const char *arg)
{
	char rest[NSCALL_ARG_MAX] = "";
	void *fn;

	if (sscanf(arg, "%p %255[^\n]", &fn, rest) < 1)
		return -EINVAL;
	return nschild_call(&below, (nscall_fn)fn, rest);
}

/* In a namespace: give ram0 to its child namespace. */
static int ns_give_down(const char *arg)
{
	return nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, RAM(0),
			       below.userns, 0);
}

static int ns_stop_below(const char *arg)
{
	return nschild_stop(&below);
}

static char *fwd(nscall_fn fn, const char *arg)
{
	static char buf[NSCALL_ARG_MAX];

	snprintf(buf, sizeof(buf), "%p %s", (void *)fn, arg ? arg : "");
	return buf;
}

TEST_F(life, nested_three_levels)
{
	char inner[NSCALL_ARG_MAX];
	struct nsdevtmpfs_query q;
	struct nschild a;
	int ms;

	ensure_view_dir();
	/* A, B below A, C below B; each with a view. */
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&a, ns_start_below, NULL));
	ASSERT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_start_below, NULL)));

	/* Delegation down: init -> A -> B -> C. */
	ASSERT_EQ(0, assign_blk(RAM(0), a.userns));
	ASSERT_EQ(0, nschild_call(&a, ns_give_down, NULL));
	ASSERT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_give_down, NULL)));
	snprintf(inner, sizeof(inner), "%s", fwd(ns_exists, "ram0"));
	EXPECT_EQ(1, nschild_call(&a, ns_forward, fwd(ns_forward, inner))) {
		TH_LOG("C does not see ram0");
	}
	EXPECT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_exists, "ram0")));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ram0"));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q));
	EXPECT_EQ(3, q.depth);

	/* Revoke from the top: C's grant goes, B has it again. */
	ASSERT_EQ(0, revoke_blk(RAM(0)));
	EXPECT_EQ(1, nschild_call(&a, ns_forward, fwd(ns_exists, "ram0")));

	/* B and C die: what they held goes back up to A. */
	ASSERT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_give_down, NULL)));
	ASSERT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_stop_below, NULL)));
	ASSERT_EQ(0, nschild_call(&a, ns_stop_below, NULL));
	for (ms = 0; ms < REAP_WAIT_MS; ms += 100) {
		if (!nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q) && q.depth == 1)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(1, q.depth) {
		TH_LOG("ram0 did not revert to A after B and C died");
	}
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ram0"));
	ASSERT_EQ(0, nschild_stop(&a));
	/* And A's death returns it to nobody: the initial assignment goes too. */
	EXPECT_TRUE(wait_for_empty_registry());
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q));
}

/* In a namespace: give ram0 to the user namespace at path @arg. */
static int ns_give_to(const char *arg)
{
	int userns = open(arg, O_RDONLY | O_CLOEXEC), ret;

	if (userns < 0)
		return -errno;
	ret = nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, RAM(0), userns, 0);
	close(userns);
	return ret;
}

/* In a namespace with a view on VIEW: bind a free loop; its number. */
static int ns_bind_loop(const char *arg)
{
	struct loop_config cfg = { 0 };
	int ctl, dev = -1, n, ret = 0;
	char path[64];

	ctl = open(VIEW "/loop-control", O_RDWR | O_CLOEXEC);
	cfg.fd = open(IMG_PART, O_RDWR | O_CLOEXEC);
	n = ctl < 0 ? -1 : ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n >= 0) {
		snprintf(path, sizeof(path), VIEW "/loop%d", n);
		dev = open(path, O_RDWR | O_CLOEXEC);
	}
	if (ctl < 0 || cfg.fd < 0 || n < 0 || dev < 0 ||
	    ioctl(dev, LOOP_CONFIGURE, &cfg))
		ret = -errno;
	if (dev >= 0)
		close(dev);
	close(cfg.fd);
	close(ctl);
	return ret ? ret : n;
}

static char *userns_path(const struct nschild *c)
{
	static char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", c->pid);
	return path;
}

/*
 * The middle of A > B > C loses its last task while C lives on. B is not
 * dead: C holds it, and C's grant came through it. Nothing of B's or C's
 * goes until C dies too; then both go, and ram0 is A's again.
 */
TEST_F(life, middle_namespace_dies_with_live_children)
{
	struct nsdevtmpfs_query q;
	struct nschild a, b, c;
	int nb, nc, ms;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start_under(&b, a.userns, 0, 1000));
	ASSERT_EQ(0, nschild_start_under(&c, b.userns, 0, 100));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&c, ns_mount_view, NULL));

	ASSERT_EQ(0, assign_blk(RAM(0), a.userns));
	ASSERT_EQ(0, nschild_call(&a, ns_give_to, userns_path(&b)));
	ASSERT_EQ(0, nschild_call(&b, ns_give_to, userns_path(&c)));
	nb = nschild_call(&b, ns_bind_loop, NULL);
	nc = nschild_call(&c, ns_bind_loop, NULL);
	ASSERT_GE(nb, 1024);
	ASSERT_GE(nc, 1024);
	ASSERT_EQ(4, count_lines("/proc/nsdevtmpfs/namespaces", ""));

	/* B's only process exits; its view is gone with its mount namespace. */
	ASSERT_EQ(0, nschild_stop(&b));
	sleep(3);	/* past several reaper runs */
	EXPECT_EQ(4, count_lines("/proc/nsdevtmpfs/namespaces", "")) {
		TH_LOG("B or C was reaped while C lives");
	}
	EXPECT_EQ(1, nschild_call(&c, ns_exists, "ram0"));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q));
	EXPECT_EQ(3, q.depth);
	EXPECT_TRUE(loop_exists(nb));
	EXPECT_TRUE(loop_exists(nc));
	/* C still works: its loop, and a new one. */
	EXPECT_EQ(0, nschild_call(&c, ns_open, "ram0"));
	EXPECT_LE(1024, nschild_call(&c, ns_bind_loop, NULL));

	/* Now C goes: B and C are reaped, bottom up, and A has ram0 again. */
	ASSERT_EQ(0, nschild_stop(&c));
	for (ms = 0; ms < REAP_WAIT_MS; ms += 100) {
		if (count_lines("/proc/nsdevtmpfs/namespaces", "") == 2)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(2, count_lines("/proc/nsdevtmpfs/namespaces", ""));
	/* The numbers go with the namespaces; the devices right after. */
	for (ms = 0; ms < REAP_WAIT_MS && (loop_exists(nb) || loop_exists(nc)); ms += 100)
		usleep(100 * 1000);
	EXPECT_FALSE(loop_exists(nb));
	EXPECT_FALSE(loop_exists(nc));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q));
	EXPECT_EQ(1, q.depth);
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ram0"));
	ASSERT_EQ(0, nschild_stop(&a));
	EXPECT_TRUE(wait_for_empty_registry());
}

/* In a namespace: give loop @n (its own, delegated) to the namespace at @path. */
static int ns_give_loop_to(const char *arg)
{
	char path[64];
	int n, userns, ret;

	if (sscanf(arg, "%d %63s", &n, path) != 2)
		return -EINVAL;
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return -errno;
	ret = nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, makedev(7, n), userns, 0);
	close(userns);
	return ret;
}

/*
 * A delegated loop that A passed down to its child B goes back to A when
 * B dies (SPEC §5), bound as it was, instead of being detached and freed.
 */
TEST_F(life, passed_down_loop_returns_to_its_assigner)
{
	struct nsdevtmpfs_query q;
	struct nschild a, b;
	char arg[128];
	int n, ms;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start_under(&b, a.userns, 0, 1000));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	n = nschild_call(&a, ns_bind_loop, NULL);
	ASSERT_GE(n, 1024);
	snprintf(arg, sizeof(arg), "%d %s", n, userns_path(&b));
	ASSERT_EQ(0, nschild_call(&a, ns_give_loop_to, arg));
	snprintf(arg, sizeof(arg), "loop%d", n);
	ASSERT_EQ(1, nschild_call(&b, ns_exists, arg));

	ASSERT_EQ(0, nschild_stop(&b));
	for (ms = 0; ms < REAP_WAIT_MS; ms += 100) {
		if (count_lines("/proc/nsdevtmpfs/namespaces", "") == 2)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(2, count_lines("/proc/nsdevtmpfs/namespaces", "")) {
		TH_LOG("B was not reaped");
	}
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, makedev(7, n), &q)) {
		TH_LOG("loop%d went with B instead of back to A", n);
	}
	EXPECT_EQ(1, q.depth);
	EXPECT_EQ(1, nschild_call(&a, ns_exists, arg));
	EXPECT_TRUE(loop_exists(n));
	EXPECT_EQ(0, nschild_call(&a, ns_open, arg));
	ASSERT_EQ(0, nschild_stop(&a));
	EXPECT_TRUE(wait_for_empty_registry());
}

/* Is A (one record besides the initial one) still there, with its loops? */
static bool kept(int loops)
{
	return count_lines("/proc/nsdevtmpfs/namespaces", "") == 2 &&
	       count_lines("/proc/nsdevtmpfs/devices", "owned,loop") == loops;
}

#define PIN_HOLD_S	15	/* three times the reaper's five-second grace */

/*
 * A container manager makes a user namespace, keeps it by an nsfs fd or a
 * bind mount of /proc/PID/ns/user, and starts its processes later. Until
 * then the namespace has no task and no view, and it is alive: its loops
 * and devices stay, however long, and go within two seconds of the last
 * pin.
 */
TEST_F(life, a_namespace_kept_by_nsfs_alone_keeps_its_loops)
{
	struct nschild a;
	int pin, s, ms;

	ASSERT_EQ(0, sh("touch " PIN_PATH));
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_two_loops, NULL));
	ASSERT_EQ(0, mount(userns_path(&a), PIN_PATH, NULL, MS_BIND, NULL)) {
		TH_LOG("bind mount of %s: %s", userns_path(&a), strerror(errno));
	}
	pin = dup(a.userns);
	ASSERT_GE(pin, 0);
	ASSERT_EQ(0, nschild_stop(&a));
	ASSERT_TRUE(kept(2));

	/* Kept by an fd and a bind mount. */
	for (s = 0; s < PIN_HOLD_S; s++) {
		sleep(1);
		ASSERT_TRUE(kept(2)) {
			TH_LOG("A, kept by an nsfs fd and a bind mount, lost its loops after %d s",
			       s + 1);
		}
	}
	/* By the bind mount alone. */
	close(pin);
	for (s = 0; s < 3; s++) {
		sleep(1);
		ASSERT_TRUE(kept(2)) {
			TH_LOG("A, kept by a bind mount, lost its loops %d s after its fd closed",
			       s + 1);
		}
	}
	/* By nothing: reclaimed at the reaper's next run. */
	ASSERT_EQ(0, umount(PIN_PATH));
	ms = wait_until_empty(2000);
	EXPECT_GE(ms, 0) {
		TH_LOG("A was not reclaimed within 2 s of its last pin");
	}
	TH_LOG("reclaimed %d ms after the last pin went", ms);
	EXPECT_TRUE(wait_for_empty_registry());
}

/* In a child: bind a loop through its view, then unmount the view. */
static int ns_bind_then_umount(const char *arg)
{
	int dev, n = bind_free_loop(&dev);

	if (n < 0)
		return n;
	close(dev);
	return umount("/dev") ? -errno : n;
}

/* With no view mounted, unloading the module frees the loops it made. */
TEST_F(life, rmmod_frees_the_loops_of_living_namespaces)
{
	char sysfs[64];
	struct nschild a;
	int n;

	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	n = nschild_call(&a, ns_bind_then_umount, NULL);
	ASSERT_GE(n, 1024);
	snprintf(sysfs, sizeof(sysfs), "/sys/block/loop%d/loop/backing_file", n);
	ASSERT_EQ(0, access(sysfs, F_OK));

	ASSERT_EQ(0, syscall(__NR_delete_module, "nsdevtmpfs", O_NONBLOCK)) {
		TH_LOG("rmmod with a bound delegated loop: %s", strerror(errno));
	}
	EXPECT_FALSE(loop_exists(n)) {
		TH_LOG("loop%d survived the module", n);
	}
	/* Back as it was, for whatever runs next. */
	ASSERT_EQ(0, load_module());
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST_HARNESS_MAIN

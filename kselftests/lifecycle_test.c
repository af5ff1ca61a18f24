// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle_test - what a dying user namespace leaves behind (SPEC §5)
 *
 * Nothing: its loops are detached and freed, what was assigned to it goes
 * back to its assigner, its records disappear, within a few seconds. A
 * loop handed to someone outside lives until that user is done with it.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>

#include "helpers.h"

#include "kselftest_harness.h"

#define IMG_PART	"/tmp/nsdev-life-2p"
#define CHURN		100
#define REAP_WAIT_MS	10000

/* Delegated loop devices that exist right now. */
static int delegated_loops(void)
{
	return sh("n=0; for d in /sys/block/loop*; do [ ${d##*loop} -ge 1024 ] && "
		  "n=$((n+1)); done; exit $n");
}

/* Wait until the registry holds nothing but the initial namespace. */
static bool wait_for_empty_registry(void)
{
	int ms;

	for (ms = 0; ms < REAP_WAIT_MS; ms += 100) {
		if (count_lines("/proc/nsdevtmpfs/namespaces", "") == 1 &&
		    count_lines("/proc/nsdevtmpfs/devices", "owned") == 0 &&
		    delegated_loops() == 0)
			return true;
		usleep(100 * 1000);
	}
	sh("echo '# left in the registry:'; sed 's/^/#   /' /proc/nsdevtmpfs/namespaces; "
	   "grep -v default /proc/nsdevtmpfs/devices | sed 's/^/#   /'; "
	   "ls /sys/block | tr '\\n' ' ' | sed 's/^/#   /'; echo");
	return false;
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
}

TEST_F_TIMEOUT(life, churn_leaves_nothing_behind, 600)
{
	struct timespec t0, t1;
	struct nschild c;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < CHURN; i++) {
		ASSERT_EQ(0, nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT));
		ASSERT_EQ(0, nschild_call(&c, ns_two_loops, NULL)) {
			TH_LOG("namespace %d could not set up its loops", i);
		}
		ASSERT_EQ(0, nschild_stop(&c));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_TRUE(wait_for_empty_registry()) {
		TH_LOG("left: %d namespaces, %d owned devices, %d delegated loops",
		       count_lines("/proc/nsdevtmpfs/namespaces", "") - 1,
		       count_lines("/proc/nsdevtmpfs/devices", "owned"),
		       delegated_loops());
	}
	TH_LOG("%d namespaces with 2 loops each in %ld ms", CHURN,
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
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

static int recv_fd(int s)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(s, &msg, 0) != 1)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

TEST_F(life, loop_outlives_its_namespace_while_someone_uses_it)
{
	char buf[4096], sysfs[64];
	struct nschild a;
	int fd, n, i;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	n = nschild_call(&a, ns_bind_and_send, NULL);
	ASSERT_GE(n, 1024);
	fd = recv_fd(sock[1]);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, nschild_stop(&a));

	/* A is gone; I/O through the handed-over fd goes on meanwhile. */
	for (i = 0; i < 30; i++) {
		ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), (i % 16) * 4096)) {
			TH_LOG("read %d from loop%d failed: %s", i, n, strerror(errno));
		}
		usleep(100 * 1000);
	}
	snprintf(sysfs, sizeof(sysfs), "/sys/block/loop%d", n);
	EXPECT_EQ(0, access(sysfs, F_OK)) {
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

/* In a namespace: give loop0 to its child namespace. */
static int ns_give_down(const char *arg)
{
	return nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, makedev(7, 0),
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
	ASSERT_EQ(0, assign_blk(LOOP(0), a.userns));
	ASSERT_EQ(0, nschild_call(&a, ns_give_down, NULL));
	ASSERT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_give_down, NULL)));
	snprintf(inner, sizeof(inner), "%s", fwd(ns_exists, "loop0"));
	EXPECT_EQ(1, nschild_call(&a, ns_forward, fwd(ns_forward, inner))) {
		TH_LOG("C does not see loop0");
	}
	EXPECT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_exists, "loop0")));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "loop0"));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, LOOP(0), &q));
	EXPECT_EQ(3, q.depth);

	/* Revoke from the top: C's grant goes, B has it again. */
	ASSERT_EQ(0, revoke_blk(LOOP(0)));
	EXPECT_EQ(1, nschild_call(&a, ns_forward, fwd(ns_exists, "loop0")));

	/* B and C die: what they held goes back up to A. */
	ASSERT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_give_down, NULL)));
	ASSERT_EQ(0, nschild_call(&a, ns_forward, fwd(ns_stop_below, NULL)));
	ASSERT_EQ(0, nschild_call(&a, ns_stop_below, NULL));
	for (ms = 0; ms < REAP_WAIT_MS; ms += 100) {
		if (!nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, LOOP(0), &q) && q.depth == 1)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(1, q.depth) {
		TH_LOG("loop0 did not revert to A after B and C died");
	}
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "loop0"));
	ASSERT_EQ(0, nschild_stop(&a));
	/* And A's death returns it to nobody: the initial assignment goes too. */
	EXPECT_TRUE(wait_for_empty_registry());
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, LOOP(0), &q));
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
	char sysfs[64], ko[128];
	struct nschild a;
	struct utsname u;
	int n, fd;

	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	n = nschild_call(&a, ns_bind_then_umount, NULL);
	ASSERT_GE(n, 1024);
	snprintf(sysfs, sizeof(sysfs), "/sys/block/loop%d/loop/backing_file", n);
	ASSERT_EQ(0, access(sysfs, F_OK));

	ASSERT_EQ(0, syscall(__NR_delete_module, "nsdevtmpfs", O_NONBLOCK)) {
		TH_LOG("rmmod with a bound delegated loop: %s", strerror(errno));
	}
	snprintf(sysfs, sizeof(sysfs), "/sys/block/loop%d", n);
	EXPECT_NE(0, access(sysfs, F_OK)) {
		TH_LOG("loop%d survived the module", n);
	}
	/* Back as it was, for whatever runs next. */
	ASSERT_EQ(0, uname(&u));
	snprintf(ko, sizeof(ko), "/lib/modules/%s/extra/nsdevtmpfs.ko", u.release);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, syscall(__NR_finit_module, fd, "", 0));
	close(fd);
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST_HARNESS_MAIN

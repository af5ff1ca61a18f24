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

#include "kselftest_harness.h"
#include "fixtures.h"

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

/* Records in /proc/nsdevtmpfs/namespaces, the initial namespace's included. */
static int ns_records(void)
{
	return count_lines("/proc/nsdevtmpfs/namespaces", "");
}

/*
 * Wait up to @limit_ms until the registry holds nothing but the initial
 * namespace. Return: how long that took, or -1 (after logging what is left).
 */
static int wait_until_empty(int limit_ms)
{
	int ms;

	for (ms = 0; ms < limit_ms; ms += 100) {
		if (ns_records() == 1 &&
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

/* Wait up to REAP_WAIT_MS for @n namespace records; the last count seen. */
static int wait_for_namespaces(int n)
{
	int ms, seen = ns_records();

	for (ms = 0; ms < REAP_WAIT_MS && seen != n; ms += 100) {
		usleep(100 * 1000);
		seen = ns_records();
	}
	return seen;
}

/* --- functions to run in a namespace child -------------------------------- */

/* Mount the view on /dev (instead of VIEW), as a container does. */
static int ns_mount_dev(const char *arg)
{
	return mount("none", "/dev", FSTYPE, 0, NULL) ? -errno : 0;
}

/* Unmount the view from /dev. */
static int ns_umount_dev(const char *arg)
{
	return umount("/dev") ? -errno : 0;
}

/* LOOP_CTL_GET_FREE through the loop-control at ARG: a number, or -errno. */
static int ns_get_free(const char *arg)
{
	int ctl, n;

	ctl = open(arg, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	n = n < 0 ? -errno : n;
	close(ctl);
	return n;
}

/* Is there a node at the path ARG? 1, 0, or a negative errno from lstat. */
static int ns_path_exists(const char *arg)
{
	struct stat st;

	if (lstat(arg, &st))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

/*
 * ARG is "DEV PARTSCAN": LOOP_CONFIGURE the loop device at DEV to IMG_PART,
 * with a partition scan if PARTSCAN is 1, and close it again (it stays
 * bound). Return: 0 or the negative errno.
 */
static int ns_bind(const char *arg)
{
	struct loop_config cfg = { 0 };
	char path[64];
	int dev, scan, ret;

	if (sscanf(arg, "%63s %d", path, &scan) != 2)
		return -EINVAL;
	if (scan)
		cfg.info.lo_flags = LO_FLAGS_PARTSCAN;
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	cfg.fd = open(IMG_PART, O_RDWR | O_CLOEXEC);
	ret = cfg.fd < 0 || ioctl(dev, LOOP_CONFIGURE, &cfg) ? -errno : 0;
	if (cfg.fd >= 0)
		close(cfg.fd);
	close(dev);
	return ret;
}

/* "DEV PARTSCAN" for ns_bind() (a static buffer). */
static char *bind_arg(const char *dir, int n, bool partscan)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s/loop%d %d", dir, n, partscan);
	return buf;
}

/**
 * bind_free_loop - in @c, bind a free loop of the view on @dir to IMG_PART
 * @_metadata: the running test (the ASSERTs end it on failure)
 * @c:         the namespace child, its view mounted on @dir
 * @dir:       "/dev" or VIEW
 * @what:      names @c for the log
 *
 * Return: the loop's number (bound, closed again).
 */
static int bind_free_loop(struct __test_metadata *_metadata, struct nschild *c,
			  const char *dir, const char *what)
{
	char ctl[64];
	int n, ret;

	snprintf(ctl, sizeof(ctl), "%s/loop-control", dir);
	n = nschild_call(c, ns_get_free, ctl);
	ASSERT_LE(1024, n) {
		TH_LOG("%s: GET_FREE on %s: %s", what, ctl, errstr(n));
	}
	ret = nschild_call(c, ns_bind, bind_arg(dir, n, false));
	ASSERT_EQ(0, ret) {
		TH_LOG("%s: LOOP_CONFIGURE of loop%d: %s", what, n, errstr(ret));
	}
	return n;
}

/**
 * leave_two_loops - in @c, make two loops on a view on /dev and leave them
 * @_metadata: the running test (the ASSERTs end it on failure)
 * @c:         the namespace child, no view mounted yet
 * @what:      names @c for the log
 *
 * @c mounts its view on /dev, binds a free loop to the partitioned image
 * with a partition scan (the partitions are there when LOOP_CONFIGURE
 * returns) and reserves another one, unbound.
 */
static void leave_two_loops(struct __test_metadata *_metadata,
			    struct nschild *c, const char *what)
{
	char path[32];
	int n, m, ret;

	ret = nschild_call(c, ns_mount_dev, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s mounts its view on /dev: %s", what, errstr(ret));
	}
	n = nschild_call(c, ns_get_free, "/dev/loop-control");
	ASSERT_LE(1024, n) {
		TH_LOG("%s: GET_FREE: %s", what, errstr(n));
	}
	ret = nschild_call(c, ns_bind, bind_arg("/dev", n, true));
	ASSERT_EQ(0, ret) {
		TH_LOG("%s: LOOP_CONFIGURE of loop%d with a partition scan: %s",
		       what, n, errstr(ret));
	}
	snprintf(path, sizeof(path), "/dev/loop%dp2", n);
	ret = nschild_call(c, ns_path_exists, path);
	ASSERT_EQ(1, ret) {
		TH_LOG("%s: %s missing when LOOP_CONFIGURE returned: %s",
		       what, path, errstr(ret));
	}
	m = nschild_call(c, ns_get_free, "/dev/loop-control");
	ASSERT_LE(1024, m) {
		TH_LOG("%s: the second GET_FREE: %s", what, errstr(m));
	}
	ASSERT_NE(n, m) {
		TH_LOG("%s: GET_FREE returned bound loop%d again", what, n);
	}
}

/*
 * Every test has namespace A, root mapped to CHILD_ID_BASE, no view mounted
 * yet, and starts from an empty registry, with a partitioned image for its
 * loops. The teardown stops A, and B and C if a test started them.
 */
FIXTURE(life) {
	struct nschild a;
	struct nschild b;	/* for the tests that nest B and C below A */
	struct nschild c;
};

FIXTURE_SETUP(life)
{
	int ret;

	self->a.pid = -1;
	self->b.pid = -1;
	self->c.pid = -1;
	ret = sh("truncate -s 32M " IMG_PART " && chmod 666 " IMG_PART " && "
		 "printf 'label: dos\\n,8M,L\\n,8M,L\\n' | sfdisk -q " IMG_PART);
	ASSERT_EQ(0, ret) {
		TH_LOG("make the partitioned image " IMG_PART ": exit status %d", ret);
	}
	ASSERT_TRUE(wait_for_empty_registry()) {
		TH_LOG("an earlier test left namespaces behind");
	}
	ensure_view_dir();
	ret = nschild_start(&self->a, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start namespace A: %s", errstr(ret));
	}
}

FIXTURE_TEARDOWN(life)
{
	ns_stop_quietly(&self->c);
	ns_stop_quietly(&self->b);
	ns_stop_quietly(&self->a);
	unlink(IMG_PART);
	/* A test that failed with a namespace pinned must not fail the next. */
	umount2(PIN_PATH, MNT_DETACH);
	unlink(PIN_PATH);
}

/*
 * Try to unload the module until told to stop (by SIGTERM); it must fail
 * with "in use" every time. Exit status, at the first other result: 0 if
 * the module was unloaded, else the errno of delete_module(2).
 */
static void rmmod_hammer(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		if (!syscall(__NR_delete_module, "nsdevtmpfs", O_NONBLOCK))
			_exit(0);
		if (errno != EWOULDBLOCK && errno != EBUSY)
			_exit(errno);
		usleep(2000);
	}
}

TEST_F_TIMEOUT(life, churn_leaves_nothing_behind, 900)
{
	struct timespec t0, t1;
	int i, ret, status, drain;
	struct nschild c;
	char what[32];
	pid_t hammer;

	/* A keeps its view mounted all along: unloading must fail throughout. */
	ret = nschild_call(&self->a, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view: %s", errstr(ret));
	}
	hammer = fork();
	ASSERT_LE(0, hammer) {
		TH_LOG("fork the rmmod hammer: %s", strerror(errno));
	}
	if (hammer == 0)
		rmmod_hammer();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < CHURN; i++) {
		snprintf(what, sizeof(what), "namespace %d", i);
		ret = nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT);
		ASSERT_EQ(0, ret) {
			TH_LOG("start %s: %s", what, errstr(ret));
		}
		leave_two_loops(_metadata, &c, what);
		ret = nschild_stop(&c);
		ASSERT_EQ(0, ret) {
			TH_LOG("%s exited with status %d", what, ret);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(hammer, SIGTERM);
	ASSERT_EQ(hammer, waitpid(hammer, &status, 0)) {
		TH_LOG("reap the rmmod hammer: %s", strerror(errno));
	}
	EXPECT_TRUE(WIFSIGNALED(status)) {
		TH_LOG("rmmod during the churn: %s", WEXITSTATUS(status) ?
		       strerror(WEXITSTATUS(status)) : "the module was unloaded");
	}
	ret = nschild_stop(&self->a);
	ASSERT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
	drain = wait_until_empty(CHURN_WAIT_MS);
	EXPECT_LE(0, drain) {
		TH_LOG("left: %d namespaces, %d owned devices, %d delegated loops",
		       ns_records() - 1, count_lines("/proc/nsdevtmpfs/devices", "owned"),
		       delegated_loops());
	}
	TH_LOG("%d namespaces with 2 loops each in %ld ms; all reclaimed %d ms later",
	       CHURN, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
	       drain);

	/* Nothing holds the module any more. */
	ASSERT_EQ(0, syscall(__NR_delete_module, "nsdevtmpfs", O_NONBLOCK)) {
		TH_LOG("rmmod after the churn: %s", strerror(errno));
	}
	ret = load_module();
	ASSERT_EQ(0, ret) {
		TH_LOG("load the module again: %s", errstr(ret));
	}
}

/* In A: hand the fd of its /dev/loopN (ARG "NAME N") to the socket NAME. */
static int ns_send_loop(const char *arg)
{
	char name[NSCALL_ARG_MAX], path[32];
	int n, dev, ret;

	if (sscanf(arg, "%255s %d", name, &n) != 2)
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/loop%d", n);
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	ret = fdpass_send(name, dev);
	close(dev);
	return ret;
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
	char buf[4096], arg[NSCALL_ARG_MAX];
	int s, fd, n, ret, status;
	pid_t pid;

	snprintf(arg, sizeof(arg), "nsdev-life-test-%d", getpid());
	s = fdpass_bind(arg);
	ASSERT_LE(0, s) {
		TH_LOG("bind the socket %s: %s", arg, errstr(s));
	}
	ret = nschild_call(&self->a, ns_mount_dev, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view on /dev: %s", errstr(ret));
	}
	n = bind_free_loop(_metadata, &self->a, "/dev", "A");
	snprintf(arg + strlen(arg), sizeof(arg) - strlen(arg), " %d", n);
	ret = nschild_call(&self->a, ns_send_loop, arg);
	ASSERT_EQ(0, ret) {
		TH_LOG("A sends an fd of its loop%d: %s", n, errstr(ret));
	}
	fd = fdpass_recv(s);
	ASSERT_LE(0, fd) {
		TH_LOG("receive A's fd of loop%d: %s", n, errstr(fd));
	}

	/* A dies while another process is in the middle of reading. */
	pid = fork();
	ASSERT_LE(0, pid) {
		TH_LOG("fork the reader: %s", strerror(errno));
	}
	if (pid == 0)
		reader(fd);
	usleep(200 * 1000);
	ret = nschild_stop(&self->a);
	ASSERT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
	sleep(3);	/* past several reaper runs */
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0)) {
		TH_LOG("reap the reader: %s", strerror(errno));
	}
	EXPECT_TRUE(WIFSIGNALED(status)) {
		TH_LOG("a read from loop%d failed after its namespace died", n);
	}
	EXPECT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 0)) {
		TH_LOG("read loop%d after its namespace died: %s", n, strerror(errno));
	}
	EXPECT_TRUE(loop_exists(n)) {
		TH_LOG("loop%d vanished while in use", n);
	}
	/*
	 * The fd was opened in A's view, so A's view (and A) live as long as
	 * it does; the device goes when its last user does.
	 */
	close(fd);
	close(s);
	EXPECT_TRUE(wait_for_empty_registry()) {
		TH_LOG("A or loop%d stayed after the last fd of it closed", n);
	}
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

/*
 * B and C, below A, are dead: ram0 is back with A (one assignment left, in
 * A's view, within the reaper's time), and A's own death empties the
 * registry.
 */
static void expect_ram0_back_to_a(struct __test_metadata *_metadata,
				  struct nschild *a)
{
	struct nsdevtmpfs_query q = { 0 };
	int ret, ms;

	for (ms = 0; ms < REAP_WAIT_MS; ms += 100) {
		ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q);
		if (!ret && q.depth == 1)
			break;
		usleep(100 * 1000);
	}
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram0 after B and C died: %s", errstr(ret));
	}
	EXPECT_EQ(1, q.depth) {
		TH_LOG("ram0 did not revert to A after B and C died");
	}
	ret = nschild_call(a, ns_exists, "ram0");
	EXPECT_EQ(1, ret) {
		TH_LOG("A does not see ram0 back: %s", errstr(ret));
	}
	ret = nschild_stop(a);
	ASSERT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
	/* And A's death returns it to nobody: the initial assignment goes too. */
	EXPECT_TRUE(wait_for_empty_registry()) {
		TH_LOG("A's records stayed after it died");
	}
}

TEST_F(life, nested_three_levels)
{
	char inner[NSCALL_ARG_MAX];
	struct nsdevtmpfs_query q;
	struct nschild *a = &self->a;
	int ret;

	/* A, B below A, C below B; each with a view. */
	ret = nschild_call(a, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_start_below, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A starts B with a view: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_forward, fwd(ns_start_below, NULL));
	ASSERT_EQ(0, ret) {
		TH_LOG("B starts C with a view: %s", errstr(ret));
	}

	/* Delegation down: init -> A -> B -> C. */
	ret = assign_blk(RAM(0), a->userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("assign ram0 to A: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_give_down, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A assigns ram0 to B: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_forward, fwd(ns_give_down, NULL));
	ASSERT_EQ(0, ret) {
		TH_LOG("B assigns ram0 to C: %s", errstr(ret));
	}
	snprintf(inner, sizeof(inner), "%s", fwd(ns_exists, "ram0"));
	ret = nschild_call(a, ns_forward, fwd(ns_forward, inner));
	EXPECT_EQ(1, ret) {
		TH_LOG("C does not see ram0: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_forward, fwd(ns_exists, "ram0"));
	EXPECT_EQ(0, ret) {
		TH_LOG("B still sees ram0, which it gave to C (%s)", errstr(ret));
	}
	ret = nschild_call(a, ns_exists, "ram0");
	EXPECT_EQ(0, ret) {
		TH_LOG("A still sees ram0, which it gave to B (%s)", errstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram0: %s", errstr(ret));
	}
	EXPECT_EQ(3, q.depth) {
		TH_LOG("ram0's assignment depth, init -> A -> B -> C");
	}

	/* Revoke from the top: C's grant goes, B has it again. */
	ret = revoke_blk(RAM(0));
	ASSERT_EQ(0, ret) {
		TH_LOG("host REVOKE of ram0: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_forward, fwd(ns_exists, "ram0"));
	EXPECT_EQ(1, ret) {
		TH_LOG("B does not see ram0 after the host revoked C's grant: %s",
		       errstr(ret));
	}

	/* B and C die: what they held goes back up to A. */
	ret = nschild_call(a, ns_forward, fwd(ns_give_down, NULL));
	ASSERT_EQ(0, ret) {
		TH_LOG("B assigns ram0 to C again: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_forward, fwd(ns_stop_below, NULL));
	ASSERT_EQ(0, ret) {
		TH_LOG("B stops C: exit status %d", ret);
	}
	ret = nschild_call(a, ns_stop_below, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A stops B: exit status %d", ret);
	}
	expect_ram0_back_to_a(_metadata, a);
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("QUERY ram0 after A died: %s", errstr(ret));
	}
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

static char *userns_path(const struct nschild *c)
{
	static char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", c->pid);
	return path;
}

/* Start @c under @parent, mapping @count ids, and mount its view on VIEW. */
static void start_under_with_view(struct __test_metadata *_metadata,
				  struct nschild *c, struct nschild *parent,
				  unsigned int count, const char *what)
{
	int ret;

	ret = nschild_start_under(c, parent->userns, 0, count);
	ASSERT_EQ(0, ret) {
		TH_LOG("start %s: %s", what, errstr(ret));
	}
	ret = nschild_call(c, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s mounts its view: %s", what, errstr(ret));
	}
}

/*
 * The middle of A > B > C loses its last task while C lives on. B is not
 * dead: C holds it, and C's grant came through it. Nothing of B's or C's
 * goes until C dies too; then both go, and ram0 is A's again.
 */
TEST_F(life, middle_namespace_dies_with_live_children)
{
	struct nsdevtmpfs_query q;
	struct nschild *a = &self->a, *b = &self->b, *c = &self->c;
	int nb, nc, ms, ret;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		TH_LOG("become a child subreaper: %s", strerror(errno));
	}
	start_under_with_view(_metadata, b, a, 1000, "B, below A");
	start_under_with_view(_metadata, c, b, 100, "C, below B");
	ret = nschild_call(a, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view: %s", errstr(ret));
	}

	ret = assign_blk(RAM(0), a->userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("assign ram0 to A: %s", errstr(ret));
	}
	ret = nschild_call(a, ns_give_to, userns_path(b));
	ASSERT_EQ(0, ret) {
		TH_LOG("A assigns ram0 to B: %s", errstr(ret));
	}
	ret = nschild_call(b, ns_give_to, userns_path(c));
	ASSERT_EQ(0, ret) {
		TH_LOG("B assigns ram0 to C: %s", errstr(ret));
	}
	nb = bind_free_loop(_metadata, b, VIEW, "B");
	nc = bind_free_loop(_metadata, c, VIEW, "C");
	ASSERT_EQ(4, ns_records()) {
		TH_LOG("namespace records for init, A, B and C");
	}

	/* B's only process exits; its view is gone with its mount namespace. */
	ret = nschild_stop(b);
	ASSERT_EQ(0, ret) {
		TH_LOG("B exited with status %d", ret);
	}
	sleep(3);	/* past several reaper runs */
	EXPECT_EQ(4, ns_records()) {
		TH_LOG("B or C was reaped while C lives");
	}
	ret = nschild_call(c, ns_exists, "ram0");
	EXPECT_EQ(1, ret) {
		TH_LOG("C lost ram0 when B's last task exited: %s", errstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram0: %s", errstr(ret));
	}
	EXPECT_EQ(3, q.depth) {
		TH_LOG("ram0's assignment depth, init -> A -> B -> C");
	}
	EXPECT_TRUE(loop_exists(nb)) {
		TH_LOG("B's loop%d went while C holds B", nb);
	}
	EXPECT_TRUE(loop_exists(nc)) {
		TH_LOG("C's loop%d went while C lives", nc);
	}
	/* C still works: its loop, and a new one. */
	ret = nschild_call(c, ns_open, "ram0");
	EXPECT_EQ(0, ret) {
		TH_LOG("C opens ram0: %s", errstr(ret));
	}
	ret = nschild_call(c, ns_get_free, VIEW "/loop-control");
	EXPECT_LE(1024, ret) {
		TH_LOG("C allocates a loop: %s", errstr(ret));
	}
	if (ret >= 1024) {
		ret = nschild_call(c, ns_bind, bind_arg(VIEW, ret, false));
		EXPECT_EQ(0, ret) {
			TH_LOG("C binds its new loop: %s", errstr(ret));
		}
	}

	/* Now C goes: B and C are reaped, bottom up, and A has ram0 again. */
	ret = nschild_stop(c);
	ASSERT_EQ(0, ret) {
		TH_LOG("C exited with status %d", ret);
	}
	EXPECT_EQ(2, wait_for_namespaces(2)) {
		TH_LOG("B and C were not reaped after C died");
	}
	/* The numbers go with the namespaces; the devices right after. */
	for (ms = 0; ms < REAP_WAIT_MS && (loop_exists(nb) || loop_exists(nc)); ms += 100)
		usleep(100 * 1000);
	EXPECT_FALSE(loop_exists(nb)) {
		TH_LOG("B's loop%d stayed after B was reaped", nb);
	}
	EXPECT_FALSE(loop_exists(nc)) {
		TH_LOG("C's loop%d stayed after C was reaped", nc);
	}
	expect_ram0_back_to_a(_metadata, a);
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
	struct nschild *a = &self->a, *b = &self->b;
	char arg[128];
	int n, ret;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		TH_LOG("become a child subreaper: %s", strerror(errno));
	}
	start_under_with_view(_metadata, b, a, 1000, "B, below A");
	ret = nschild_call(a, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view: %s", errstr(ret));
	}
	n = bind_free_loop(_metadata, a, VIEW, "A");
	snprintf(arg, sizeof(arg), "%d %s", n, userns_path(b));
	ret = nschild_call(a, ns_give_loop_to, arg);
	ASSERT_EQ(0, ret) {
		TH_LOG("A assigns its loop%d to B: %s", n, errstr(ret));
	}
	snprintf(arg, sizeof(arg), "loop%d", n);
	ret = nschild_call(b, ns_exists, arg);
	ASSERT_EQ(1, ret) {
		TH_LOG("B does not see %s: %s", arg, errstr(ret));
	}

	ret = nschild_stop(b);
	ASSERT_EQ(0, ret) {
		TH_LOG("B exited with status %d", ret);
	}
	EXPECT_EQ(2, wait_for_namespaces(2)) {
		TH_LOG("B was not reaped");
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, makedev(7, n), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("loop%d went with B instead of back to A: %s", n, errstr(ret));
	}
	EXPECT_EQ(1, q.depth) {
		TH_LOG("loop%d's assignment depth, A's own delegated loop", n);
	}
	ret = nschild_call(a, ns_exists, arg);
	EXPECT_EQ(1, ret) {
		TH_LOG("A does not see %s back: %s", arg, errstr(ret));
	}
	EXPECT_TRUE(loop_exists(n)) {
		TH_LOG("loop%d was freed instead of returned to A", n);
	}
	ret = nschild_call(a, ns_open, arg);
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens %s: %s", arg, errstr(ret));
	}
	ret = nschild_stop(a);
	ASSERT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
	EXPECT_TRUE(wait_for_empty_registry()) {
		TH_LOG("A's records stayed after it died");
	}
}

#define PIN_HOLD_S	15	/* three times the reaper's five-second grace */

/* A (one record besides the initial one) is still there with its 2 loops. */
static void assert_a_kept(struct __test_metadata *_metadata, const char *by,
			  int s)
{
	int n;

	n = ns_records();
	ASSERT_EQ(2, n) {
		TH_LOG("A, kept by %s, lost its record after %d s (%d records)",
		       by, s, n);
	}
	n = count_lines("/proc/nsdevtmpfs/devices", "owned,loop");
	ASSERT_EQ(2, n) {
		TH_LOG("A, kept by %s, has %d of its 2 loops after %d s", by, n, s);
	}
}

/*
 * A container manager makes a user namespace, keeps it by an nsfs fd or a
 * bind mount of /proc/PID/ns/user, and starts its processes later. Until
 * then the namespace has no task and no view, and it is alive: its loops
 * and devices stay, however long, and go within two seconds of the last
 * pin.
 */
TEST_F(life, a_namespace_kept_by_nsfs_alone_keeps_its_loops)
{
	int pin, s, ms, ret;

	ret = sh("touch " PIN_PATH);
	ASSERT_EQ(0, ret) {
		TH_LOG("touch " PIN_PATH ": exit status %d", ret);
	}
	leave_two_loops(_metadata, &self->a, "A");
	ASSERT_EQ(0, mount(userns_path(&self->a), PIN_PATH, NULL, MS_BIND, NULL)) {
		TH_LOG("bind mount of %s: %s", userns_path(&self->a), strerror(errno));
	}
	pin = dup(self->a.userns);
	ASSERT_LE(0, pin) {
		TH_LOG("dup A's nsfs fd: %s", strerror(errno));
	}
	ret = nschild_stop(&self->a);
	ASSERT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
	assert_a_kept(_metadata, "an nsfs fd and a bind mount", 0);

	/* Kept by an fd and a bind mount. */
	for (s = 1; s <= PIN_HOLD_S; s++) {
		sleep(1);
		assert_a_kept(_metadata, "an nsfs fd and a bind mount", s);
	}
	/* By the bind mount alone. */
	close(pin);
	for (s = 1; s <= 3; s++) {
		sleep(1);
		assert_a_kept(_metadata, "a bind mount alone", s);
	}
	/* By nothing: reclaimed at the reaper's next run. */
	ASSERT_EQ(0, umount(PIN_PATH)) {
		TH_LOG("umount " PIN_PATH ": %s", strerror(errno));
	}
	ms = wait_until_empty(2000);
	EXPECT_LE(0, ms) {
		TH_LOG("A was not reclaimed within 2 s of its last pin");
	}
	TH_LOG("reclaimed %d ms after the last pin went", ms);
	EXPECT_TRUE(wait_for_empty_registry()) {
		TH_LOG("A's records stayed after its last pin went");
	}
}

/* With no view mounted, unloading the module frees the loops it made. */
TEST_F(life, rmmod_frees_the_loops_of_living_namespaces)
{
	char sysfs[64];
	int n, ret;

	ret = nschild_call(&self->a, ns_mount_dev, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view on /dev: %s", errstr(ret));
	}
	n = bind_free_loop(_metadata, &self->a, "/dev", "A");
	ret = nschild_call(&self->a, ns_umount_dev, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A unmounts its view: %s", errstr(ret));
	}
	snprintf(sysfs, sizeof(sysfs), "/sys/block/loop%d/loop/backing_file", n);
	ASSERT_EQ(0, access(sysfs, F_OK)) {
		TH_LOG("loop%d is not bound: %s: %s", n, sysfs, strerror(errno));
	}

	ASSERT_EQ(0, syscall(__NR_delete_module, "nsdevtmpfs", O_NONBLOCK)) {
		TH_LOG("rmmod with a bound delegated loop: %s", strerror(errno));
	}
	EXPECT_FALSE(loop_exists(n)) {
		TH_LOG("loop%d survived the module", n);
	}
	/* Back as it was, for whatever runs next. */
	ret = load_module();
	ASSERT_EQ(0, ret) {
		TH_LOG("load the module again: %s", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
}

TEST_HARNESS_MAIN

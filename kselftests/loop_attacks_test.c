// SPDX-License-Identifier: GPL-2.0
/*
 * loop_attacks_test - loop delegation under attack (issue 11)
 *
 * Every attack runs as an unprivileged user: uid 1000 on the host unshares
 * a user and a mount namespace itself (mapping only its own uid, as
 * `unshare -Urm` does), mounts its view on /dev and attacks from there.
 * The "attacker" fixture starts one such namespace, A; a test that needs
 * more attackers starts siblings of A (the same uid) in self->sib[]. What
 * the host does (its own losetup, ASSIGN, reading the registry) runs as
 * real root in the test process. One test per attack of the issue, and a
 * stress test of the host's losetup -f/-fP against two namespaces.
 *
 * A helper run in a namespace returns one value: 0, an index or a count,
 * or a negative errno. A helper of several steps names the one that
 * failed (fail_at()), and a helper that counts until an error leaves that
 * error in shm->stop_err: the test asserts on each and logs the rest.
 *
 * After every test no loop device with an index at or above
 * loop_index_base may be left, and the registry must list only its
 * default entries.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

#include <linux/blktrace_api.h>
#include <linux/hdreg.h>

#include <linux/blkpg.h>

#include "kselftest_harness.h"
#include "fixtures.h"

#define LOOP_BASE	1024		/* the module's loop_index_base */
#define NS_LIMIT	8		/* the module's loop_limit */
#define USER_LIMIT	16		/* loop_limit_per_user after the fix */
#define UNPRIV		1000		/* the attacker's uid on the host */
#define SIBLINGS	3		/* at most, besides A */

/* The namespace's images (0666) and the host's (0600: secrets). */
#define IMG_NS		"/tmp/nsdev-atk-ns.img"		/* 64 MiB, no table */
#define IMG_NS2P	"/tmp/nsdev-atk-ns-2p.img"	/* 64 MiB, 2 x 16 MiB */
#define IMG_NS_STRESS	"/tmp/nsdev-atk-ns-stress%d.img"	/* per namespace */
#define IMG_HOST	"/tmp/nsdev-atk-host.img"	/* secret at 0 */
#define IMG_HOST2P	"/tmp/nsdev-atk-host-2p.img"	/* secret at p1's start */
#define SECRET		"NSDEV-HOST-SECRET-DATA"
#define MIB		(1024 * 1024)

#ifndef BLKPBSZGET
#define BLKPBSZGET	_IO(0x12, 123)
#endif
#ifndef BLKIOMIN
#define BLKIOMIN	_IO(0x12, 120)
#endif
#ifndef BLKIOOPT
#define BLKIOOPT	_IO(0x12, 121)
#endif
#ifndef BLKDISCARD
#define BLKDISCARD	_IO(0x12, 119)
#endif
#ifndef BLKTRACESETUP
#define BLKTRACESETUP	_IOWR(0x12, 115, struct blk_user_trace_setup)
#endif
#ifndef BLKTRACETEARDOWN
#define BLKTRACETEARDOWN _IO(0x12, 118)
#endif
#ifndef BLKGETDISKSEQ
#define BLKGETDISKSEQ	_IOR(0x12, 128, __u64)
#endif

/* --- state shared between the test process and its namespace children --- */

struct stress_ns {
	int ops, binds, bind_fail, detaches, adds, add_fail, races, race_kept;
	int scans, opened, viol;
	char first_viol[200];
};

struct shared {
	/* the step the last helper failed at (fail_at()), "" if none */
	char failed[64];
	/* the negative errno that ended a counting helper, 0 if none did */
	int stop_err;
	/* open race (one round) */
	int race_index, race_kept, race_legit, race_errno;
	/* stress */
	struct stress_ns ns[2];
	int host_binds, host_high, host_refused, host_viol, host_overlap;
	char host_first_viol[200];
	char host_failed[64];
};

static struct shared *shm;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * fail_at - name @step as the one that failed if @ret is a negative errno
 * Return: @ret, so that a helper can "return fail_at("open", -errno);".
 */
static int fail_at(const char *step, int ret)
{
	if (ret < 0)
		snprintf(shm->failed, sizeof(shm->failed), "%s", step);
	return ret;
}

/* The step fail_at() named last, for TH_LOG(). */
static const char *failed_step(void)
{
	return shm->failed[0] ? shm->failed : "(no step failed)";
}

/* --- the attacker: uid 1000 becomes root of its own user namespace ------ */

/*
 * uchild_start - fork a process that drops to uid/gid 1000, unshares a user
 * and a mount namespace by itself (mapping "0 1000 1", setgroups denied
 * first), makes its mounts private, mounts its view on /dev and serves
 * nschild_call(). It dies with the caller. Return: 0 or a negative errno,
 * the step that failed in failed_step().
 */
static int uchild_start(struct nschild *c)
{
	int cmd[2], res[2], ret = 0;
	char path[64], *status;
	pid_t parent = getpid(), pid;

	*c = (struct nschild){ .pid = -1, .cmd = -1, .res = -1, .userns = -1 };
	shm->failed[0] = '\0';
	if (pipe2(cmd, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return fail_at("pipe2", -errno);
	pid = fork();
	if (pid < 0)
		return fail_at("fork", -errno);
	if (pid == 0) {
		close(cmd[1]);
		close(res[0]);
		if (setgroups(0, NULL) || setresgid(UNPRIV, UNPRIV, UNPRIV) ||
		    setresuid(UNPRIV, UNPRIV, UNPRIV))
			ret = fail_at("become uid 1000", -errno);
		/* The uid change cleared both: set them again. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_DUMPABLE, 1);
		if (getppid() != parent)
			_exit(1);
		if (!ret && unshare(CLONE_NEWUSER | CLONE_NEWNS))
			ret = fail_at("unshare a user and a mount namespace", -errno);
		if (!ret)
			ret = fail_at("deny setgroups",
				      write_file("/proc/self/setgroups", "deny"));
		if (!ret)
			ret = fail_at("write uid_map",
				      write_file("/proc/self/uid_map", "0 1000 1\n"));
		if (!ret)
			ret = fail_at("write gid_map",
				      write_file("/proc/self/gid_map", "0 1000 1\n"));
		if (!ret && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			ret = fail_at("make the mounts private", -errno);
		if (!ret && mount("none", "/dev", FSTYPE, 0, NULL))
			ret = fail_at("mount its view on /dev", -errno);
		if (write(res[1], &ret, sizeof(ret)) != sizeof(ret) || ret)
			_exit(1);
		nschild_serve(cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	c->cmd = cmd[1];
	c->res = res[0];
	c->pid = pid;
	if (read_full(c->res, &ret, sizeof(ret)) != sizeof(ret))
		ret = fail_at("read the child's answer", -ECHILD);
	if (ret) {
		waitpid(pid, NULL, 0);
		c->pid = -1;
		return ret;
	}
	/* Root inside, uid 1000 outside, and nothing more. */
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = slurp(path);
	if (!status || !strstr(status, "\nUid:\t1000\t1000\t1000\t1000\n") ||
	    !strstr(status, "\nGid:\t1000\t1000\t1000\t1000\n"))
		ret = fail_at("uid and gid 1000 outside, in /proc/PID/status", -EPERM);
	free(status);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	c->userns = open(path, O_RDONLY | O_CLOEXEC);
	if (!ret && c->userns < 0)
		ret = fail_at("open /proc/PID/ns/user", -errno);
	return ret;
}

/* Run @fn in @c, with shm->failed and shm->stop_err cleared first. */
static int uchild_call(struct nschild *c, nscall_fn fn, const char *arg)
{
	shm->failed[0] = '\0';
	shm->stop_err = 0;
	return nschild_call(c, fn, arg);
}

/* The inode number of @c's user namespace, as the registry prints it. */
static unsigned long long userns_ino(struct nschild *c)
{
	struct stat st;

	return fstat(c->userns, &st) ? 0 : st.st_ino;
}

static void uchild_kill(struct nschild *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->cmd);
	close(c->res);
	if (c->userns >= 0)
		close(c->userns);
	c->pid = 0;
}

/* Send a call without waiting, to run two children at once. */
static int nschild_send(struct nschild *c, nscall_fn fn, const char *arg)
{
	struct nscall call = { .fn = fn };

	if (arg)
		snprintf(call.arg, sizeof(call.arg), "%s", arg);
	return write(c->cmd, &call, sizeof(call)) == sizeof(call) ? 0 : -EPIPE;
}

static int nschild_recv(struct nschild *c)
{
	int ret;

	return read_full(c->res, &ret, sizeof(ret)) == sizeof(ret) ? ret : -EPIPE;
}

/* --- loop driver facts, host side ----------------------------------------- */

static unsigned int part_shift(void)
{
	char *text = slurp("/sys/module/loop/parameters/max_part");
	unsigned int max_part = 0, shift = 0;

	if (text)
		max_part = strtoul(text, NULL, 10);
	free(text);
	while (max_part >> shift)
		shift++;
	return shift;
}

static unsigned int loop_minor(int index)
{
	return index << part_shift();
}

static bool sys_exists(const char *fmt, int index)
{
	char path[96];

	snprintf(path, sizeof(path), fmt, index);
	return !access(path, F_OK);
}

#define loop_exists(n)	sys_exists("/sys/block/loop%d", n)
#define loop_bound(n)	sys_exists("/sys/block/loop%d/loop/backing_file", n)

/* The registry, parsed. */
struct regline {
	char type;
	unsigned int maj, min;
	char name[64];
	unsigned long long owner, assigner;
	char flags[64];
};

static int reg_read(struct regline *out, int max)
{
	char *text = slurp("/proc/nsdevtmpfs/devices"), *line, *save = NULL;
	int n = 0;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		struct regline *r = &out[n];

		if (sscanf(line, "%c %u:%u %63s %llu %llu %63s", &r->type, &r->maj,
			   &r->min, r->name, &r->owner, &r->assigner, r->flags) == 7)
			n++;
	}
	free(text);
	return n;
}

#define REG_MAX	4096

/* Does the registry list the whole loop device @index (b 7:MINOR)? */
static bool reg_lists_loop(int index, unsigned long long owner)
{
	static struct regline reg[REG_MAX];
	unsigned int minor = loop_minor(index);
	int i, n = reg_read(reg, REG_MAX);

	for (i = 0; i < n; i++)
		if (reg[i].type == 'b' && reg[i].maj == 7 && reg[i].min == minor &&
		    (!owner || reg[i].owner == owner))
			return true;
	return false;
}

/* How many owned registry entries are partitions of loop @index? */
static int reg_owned_partitions_of(int index, char *which, size_t len)
{
	static struct regline reg[REG_MAX];
	int i, n = reg_read(reg, REG_MAX), found = 0, k, p;

	for (i = 0; i < n; i++)
		if (reg[i].owner && sscanf(reg[i].name, "loop%dp%d", &k, &p) == 2 &&
		    k == index) {
			if (!found++ && which)
				snprintf(which, len, "b %u:%u %s owner %llu %s", reg[i].maj,
					 reg[i].min, reg[i].name, reg[i].owner, reg[i].flags);
		}
	return found;
}

/* One LOOP_CTL_* on the host's (the loop driver's) loop-control. */
static int host_loopctl(unsigned long cmd, int n)
{
	int fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, n);
	ret = ret < 0 ? -errno : ret;
	close(fd);
	return ret;
}

/* Host: detach loop @n and, unless it is one of the boot's loop0..7, remove it. */
static int host_detach_remove(int n)
{
	char path[32];
	int fd, i, ret = 0;

	snprintf(path, sizeof(path), "/dev/loop%d", n);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, LOOP_CLR_FD);
		close(fd);
	}
	if (n < 8)
		return 0;
	/* 6.12+ may finish the clear after the close. */
	for (i = 0; i < 200; i++) {
		ret = host_loopctl(LOOP_CTL_REMOVE, n);
		if (ret != -EBUSY)
			break;
		usleep(10 * 1000);
	}
	return ret == -ENODEV ? 0 : ret;
}

/* Host: bind @image to /dev/loopN (existing), with or without a partition scan. */
static int host_bind(int n, const char *image, bool partscan)
{
	struct loop_config cfg = { 0 };
	char path[32];
	int fd, img, ret;

	img = open(image, O_RDWR | O_CLOEXEC);
	if (img < 0)
		return -errno;
	snprintf(path, sizeof(path), "/dev/loop%d", n);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		close(img);
		return ret;
	}
	cfg.fd = img;
	cfg.info.lo_flags = partscan ? LO_FLAGS_PARTSCAN : 0;
	ret = ioctl(fd, LOOP_CONFIGURE, &cfg) ? -errno : 0;
	close(fd);
	close(img);
	return ret;
}

/*
 * The end of every test: within ~10 s no loop with an index at or above
 * loop_index_base exists and the registry lists its default entries only.
 * What is left is logged, and then cleared by force so that the next test
 * starts clean.
 */
static void settle_and_check(struct __test_metadata *_metadata)
{
	static struct regline reg[REG_MAX];
	char left[512], path[300], *file;
	struct dirent *e;
	double end = now() + 10;
	int i, n, k, clean;
	size_t len;
	DIR *d;

	for (;;) {
		left[0] = '\0';
		len = 0;
		clean = 1;
		d = opendir("/sys/block");
		while (d && (e = readdir(d))) {
			if (sscanf(e->d_name, "loop%d", &k) != 1 || k < LOOP_BASE)
				continue;
			clean = 0;
			if (len < sizeof(left) - 40)
				len += snprintf(left + len, sizeof(left) - len, " /sys/block/%s%s",
						e->d_name, loop_bound(k) ? "(bound)" : "");
		}
		if (d)
			closedir(d);
		n = reg_read(reg, REG_MAX);
		for (i = 0; i < n; i++) {
			if (strstr(reg[i].flags, "default"))
				continue;
			clean = 0;
			if (len < sizeof(left) - 80)
				len += snprintf(left + len, sizeof(left) - len, " [%c %u:%u %s %s]",
						reg[i].type, reg[i].maj, reg[i].min, reg[i].name,
						reg[i].flags);
		}
		if (clean || now() > end)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(1, clean) {
		TH_LOG("left 10 s after the test:%s", left);
	}

	/* Detach the host's loops bound to our images; remove loops >= base. */
	d = opendir("/sys/block");
	while (d && (e = readdir(d))) {
		if (sscanf(e->d_name, "loop%d", &k) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", e->d_name);
		file = slurp(path);
		if ((file && strstr(file, "nsdev-atk-")) || k >= LOOP_BASE)
			host_detach_remove(k);
		free(file);
	}
	if (d)
		closedir(d);
}

/* --- functions run in a namespace child ----------------------------------- */

static int ns_fd_list[64];
static int ns_nfds;

static void ns_keep(int fd)
{
	if (ns_nfds < (int)ARRAY_SIZE(ns_fd_list))
		ns_fd_list[ns_nfds++] = fd;
}

static int ns_close_all(const char *arg)
{
	while (ns_nfds > 0)
		close(ns_fd_list[--ns_nfds]);
	return 0;
}

static int loopctl(unsigned long cmd, int n)
{
	int fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, n);
	ret = ret < 0 ? -errno : ret;
	close(fd);
	return ret;
}

/* "CMD N": one loop-control ioctl through the view. */
static int ns_loopctl(const char *arg)
{
	unsigned long cmd;
	int n;

	if (sscanf(arg, "%lu %d", &cmd, &n) != 2)
		return -EINVAL;
	return loopctl(cmd, n);
}

static char *ctl_arg(unsigned long cmd, int n)
{
	static char buf[40];

	snprintf(buf, sizeof(buf), "%lu %d", cmd, n);
	return buf;
}

/* Is there a node /dev/ARG in the view? 1, 0 or -errno. */
static int ns_exists_dev(const char *arg)
{
	char path[NSCALL_ARG_MAX + 8];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", arg);
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

/*
 * Open ARG (a path) and read its first 4 KiB: 1 if they start with the
 * host's secret, 0 if they do not, or the negative errno of open/read.
 */
static int ns_read_secret(const char *arg)
{
	char buf[4096];
	int fd, n;

	fd = open(arg, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_at("open", -errno);
	n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		n = fail_at("pread", -errno);
		close(fd);
		return n;
	}
	close(fd);
	return n >= (int)strlen(SECRET) && !memcmp(buf, SECRET, strlen(SECRET));
}

/*
 * GET_FREE and open /dev/loopN read-write: the first steps of every losetup.
 * Return: the fd (N in *@index), or a negative errno.
 */
static int open_free(int *index)
{
	char path[32];
	int n = loopctl(LOOP_CTL_GET_FREE, 0), fd;

	if (n < 0)
		return fail_at("LOOP_CTL_GET_FREE", n);
	snprintf(path, sizeof(path), "/dev/loop%d", n);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail_at("open /dev/loopN", -errno);
	*index = n;
	return fd;
}

/* GET_FREE, open and close: a delegated loop made once (and released). */
static int ns_touch_one(const char *arg)
{
	int n, fd = open_free(&n);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/*
 * The loop an attack works on, X, kept open: ns_whole is its fd, ns_index
 * its number, ns_part the fd of its p1 (ns_open_p1()).
 */
static int ns_whole = -1, ns_part = -1, ns_index = -1;

/*
 * GET_FREE, open, LOOP_CONFIGURE with the image ARG ("PATH FLAGS"): X. The
 * fd stays open (ns_keep(), ns_whole). Return: the index, or a negative
 * errno.
 */
static int ns_bind_new(const char *arg)
{
	struct loop_config cfg = { 0 };
	unsigned int flags = 0;
	char image[200];
	int n, fd, img, ret;

	if (sscanf(arg, "%199s %u", image, &flags) < 1)
		return -EINVAL;
	fd = open_free(&n);
	if (fd < 0)
		return fd;
	img = open(image, ((flags & LO_FLAGS_READ_ONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (img < 0) {
		ret = fail_at("open the image", -errno);
		close(fd);
		return ret;
	}
	cfg.fd = img;
	cfg.info.lo_flags = flags;
	ret = ioctl(fd, LOOP_CONFIGURE, &cfg) ? fail_at("LOOP_CONFIGURE", -errno) : 0;
	close(img);
	if (ret) {
		close(fd);
		return ret;
	}
	ns_keep(fd);
	ns_whole = fd;
	ns_index = n;
	return n;
}

/* --- the fixture: one attacker, A, and room for its siblings ------------- */

/**
 * FIXTURE(attacker) - uid 1000's own namespace, A, with its view on /dev
 * @a:   the attacker, started by the setup
 * @sib: more namespaces of uid 1000 (siblings of A), for the tests that
 *       start them (uchild_start())
 *
 * The setup also makes the images and the shared state; the teardown
 * kills what is left, then checks that nothing of the test stays behind
 * (settle_and_check()).
 */
FIXTURE(attacker) {
	struct nschild a;
	struct nschild sib[SIBLINGS];
};

FIXTURE_SETUP(attacker)
{
	int i, ret;

	self->a.pid = -1;
	for (i = 0; i < SIBLINGS; i++)
		self->sib[i].pid = -1;
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shm) {
		TH_LOG("mmap of the shared state: %s", strerror(errno));
	}
	memset(shm, 0, sizeof(*shm));
	ret = sh("set -e; cd /tmp; "
		 "for f in " IMG_NS " " IMG_NS2P " " IMG_HOST " " IMG_HOST2P "; do "
		 "truncate -s 64M $f; done; "
		 "chmod 666 " IMG_NS " " IMG_NS2P "; chmod 600 " IMG_HOST " " IMG_HOST2P "; "
		 "for f in " IMG_NS2P " " IMG_HOST2P "; do "
		 "printf 'label: dos\\n,16M,L\\n,16M,L\\n' | sfdisk -q $f; done; "
		 "for i in $(seq 64); do printf " SECRET "; done | "
		 "dd of=" IMG_HOST " conv=notrunc status=none; "
		 "for i in $(seq 64); do printf " SECRET "; done | "
		 "dd of=" IMG_HOST2P " bs=1M seek=1 conv=notrunc status=none");
	ASSERT_EQ(0, ret) {
		TH_LOG("making the images in /tmp (truncate, sfdisk, dd): exit status %d", ret);
	}
	ret = uchild_start(&self->a);
	ASSERT_EQ(0, ret) {
		TH_LOG("uid 1000 starts namespace A: %s: %s", failed_step(), errstr(ret));
	}
}

FIXTURE_TEARDOWN(attacker)
{
	int i;

	uchild_kill(&self->a);
	for (i = 0; i < SIBLINGS; i++)
		uchild_kill(&self->sib[i]);
	settle_and_check(_metadata);
	sh("rm -f /tmp/nsdev-atk-*");
	munmap(shm, sizeof(*shm));
}

/* Start sibling @i of A (another namespace of uid 1000). */
static void start_sibling(struct __test_metadata *_metadata, struct nschild *c, int i)
{
	int ret = uchild_start(c);

	ASSERT_EQ(0, ret) {
		TH_LOG("uid 1000 starts sibling namespace %d: %s: %s", i, failed_step(),
		       errstr(ret));
	}
}

/* --- 1. host partitions through a low number ------------------------------- */

/* A loop number below the base that no device uses, from @from up. */
static int unused_low(int from)
{
	while (from < LOOP_BASE && loop_exists(from))
		from++;
	return from;
}

TEST_F_TIMEOUT(attacker, low_number_gets_host_partitions, 120)
{
	unsigned long long ino = userns_ino(&self->a);
	char node[64], which[200] = "";
	int low, ret, seen, got, owned;

	/* Any delegated loop, once: the module then watches the block class. */
	ret = uchild_call(&self->a, ns_touch_one, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A makes and opens a loop: %s: %s", failed_step(), errstr(ret));
	}

	low = unused_low(20);
	ret = uchild_call(&self->a, ns_loopctl, ctl_arg(LOOP_CTL_ADD, low));
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A's LOOP_CTL_ADD %d (below loop_index_base) answered %d (%s)",
		       low, ret, errstr(ret));
	}
	/* The host's losetup -P makes that number and scans its partitions. */
	ret = host_loopctl(LOOP_CTL_ADD, low);
	ASSERT_EQ(low, ret) {
		TH_LOG("the host's LOOP_CTL_ADD %d: %s", low, errstr(ret));
	}
	ret = host_bind(low, IMG_HOST2P, true);
	ASSERT_EQ(0, ret) {
		TH_LOG("the host binds %s to loop%d with a partition scan: %s",
		       IMG_HOST2P, low, errstr(ret));
	}
	ASSERT_TRUE(sys_exists("/sys/class/block/loop%dp1", low)) {
		TH_LOG("the host's partition scan of loop%d made no loop%dp1", low, low);
	}

	snprintf(node, sizeof(node), "loop%dp1", low);
	seen = uchild_call(&self->a, ns_exists_dev, node);
	EXPECT_EQ(0, seen) {
		TH_LOG("A's view on /dev and the host's %s: lstat says %s", node,
		       seen == 1 ? "it is there" : errstr(seen));
	}
	snprintf(node, sizeof(node), "/dev/loop%dp1", low);
	got = uchild_call(&self->a, ns_read_secret, node);
	EXPECT_GT(0, got) {
		TH_LOG("A opened the host's %s: %s", node,
		       got == 1 ? "and read the host's secret through it" : "(no secret read)");
	}
	owned = reg_owned_partitions_of(low, which, sizeof(which));
	EXPECT_EQ(0, owned) {
		TH_LOG("registry: a partition of the host's loop%d is a namespace's "
		       "(A is %llu): %s", low, ino, which);
	}

	ret = host_detach_remove(low);
	EXPECT_EQ(0, ret) {
		TH_LOG("the host detaches and removes loop%d: %s", low, errstr(ret));
	}
}

/* --- 2. an open racing the release ---------------------------------------- */

struct race {
	char path[64];
	int go;
	int kept, legit, err;
};

/* Thread X: open the node until the number is gone, or it got a stale fd. */
static void *race_x(void *p)
{
	struct race *r = p;
	struct stat st;
	int fd;

	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		;
	for (;;) {
		fd = open(r->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r->err = errno;
			break;
		}
		/*
		 * While X holds an fd the module cannot release the number, so
		 * if its node is gone now, X's open came after the release.
		 */
		if (stat(r->path, &st) && errno == ENOENT) {
			r->kept = fd;
			break;
		}
		close(fd);
		if (++r->legit > 100000)
			break;
	}
	return NULL;
}

/* One round's outcome; @failed names the step when the round failed. */
struct race_result {
	int index, kept, legit, err;
	const char *failed;
};

/*
 * One round: GET_FREE -> N; Y (this thread) opens /dev/loopN without
 * binding it and closes it, which releases the device (the number stays,
 * as the stock driver's device does), and then gives the number up with
 * LOOP_CTL_REMOVE, while X spins on open: X's opens race both the release
 * and the number's end. Fills @out; the stale fd, if any, is kept
 * (ns_keep(); out->kept). Runs in both namespaces of the stress at once,
 * so it names a failed step in @out, not in shm.
 * Return: 0 or a negative errno.
 */
static int race_round(struct race_result *out)
{
	struct race r = { .kept = -1 };
	pthread_t x;
	int n, y, i, spin;

	n = loopctl(LOOP_CTL_GET_FREE, 0);
	if (n < 0) {
		out->failed = "LOOP_CTL_GET_FREE";
		return n;
	}
	snprintf(r.path, sizeof(r.path), "/dev/loop%d", n);
	y = open(r.path, O_RDWR | O_CLOEXEC);
	if (y < 0) {
		out->failed = "open /dev/loopN";
		return -errno;
	}
	if (pthread_create(&x, NULL, race_x, &r)) {
		close(y);
		out->failed = "pthread_create";
		return -EAGAIN;
	}
	__atomic_store_n(&r.go, 1, __ATOMIC_RELEASE);
	/* A varying head start for X, so the rounds sweep the window. */
	spin = rand() % 200000;
	for (i = 0; i < spin; i++)
		__asm__ volatile("" ::: "memory");
	close(y);
	/* EBUSY while X holds it open: X closes it between its opens. */
	while (loopctl(LOOP_CTL_REMOVE, n) == -EBUSY)
		;
	pthread_join(x, NULL);
	out->index = n;
	out->kept = r.kept >= 0;
	out->legit = r.legit;
	out->err = r.err;
	if (r.kept >= 0)
		ns_keep(r.kept);
	return 0;
}

static int ns_race_round(const char *arg)
{
	struct race_result res = { 0 };
	int ret = race_round(&res);

	if (ret)
		return fail_at(res.failed, ret);
	shm->race_index = res.index;
	shm->race_kept = res.kept;
	shm->race_legit = res.legit;
	shm->race_errno = res.err;
	return 0;
}

#define RACE_ROUNDS	2000
#define RACE_SECONDS	50

TEST_F_TIMEOUT(attacker, open_races_the_release, 240)
{
	int rounds = 0, wins = 0, stale = 0, ret, n, errs[4] = { 0 };
	double end = now() + RACE_SECONDS;

	srand(getpid());
	while (rounds < RACE_ROUNDS && now() < end) {
		ret = uchild_call(&self->a, ns_race_round, NULL);
		ASSERT_EQ(0, ret) {
			TH_LOG("round %d of A's open race: %s: %s", rounds, failed_step(),
			       errstr(ret));
		}
		rounds++;
		n = shm->race_index;
		if (shm->race_errno == ENOENT)
			errs[0]++;
		else if (shm->race_errno == ENXIO)
			errs[1]++;
		else if (!shm->race_kept)
			errs[2]++;
		if (shm->race_kept) {
			stale++;
			/* X holds an fd: on a device that no registry entry covers? */
			if (loop_exists(n) && !reg_lists_loop(n, 0)) {
				if (!wins)
					TH_LOG("round %d: A holds an fd on loop%d, "
					       "which exists (%s) and is not in the registry",
					       rounds, n, loop_bound(n) ? "bound" : "unbound");
				wins++;
			}
		}
		uchild_call(&self->a, ns_close_all, NULL);
		/* What the kernel re-created, nobody owns: the host removes it. */
		if (loop_exists(n) && !reg_lists_loop(n, 0))
			host_detach_remove(n);
	}
	TH_LOG("%d rounds, %d wins (stale fds %d); X's last open after the release: "
	       "ENOENT %d, ENXIO %d, other %d", rounds, wins, stale, errs[0], errs[1], errs[2]);
	EXPECT_EQ(0, wins) {
		TH_LOG("in %d of %d rounds A kept an fd on a loop no registry entry covers",
		       wins, rounds);
	}
	EXPECT_GE(rounds, 50) {
		TH_LOG("only %d rounds in %d s: too few to say the race was tried",
		       rounds, RACE_SECONDS);
	}
}

/* --- 3. ASSIGN of a loop device ------------------------------------------ */

/* The loop device losetup printed into @path ("/dev/loopN"): N, or -1. */
static int losetup_printed(const char *path)
{
	char *text = slurp(path);
	int n = -1;

	if (text && sscanf(text, "/dev/loop%d", &n) != 1)
		n = -1;
	free(text);
	return n;
}

TEST_F(attacker, assigned_loop_is_taken_by_host_losetup)
{
	char path[32];
	int k, got, ret, r;

	/* The loop the host's losetup -f takes next (loop0 in a fresh VM). */
	ret = sh("losetup -f > /tmp/nsdev-atk-next");
	ASSERT_EQ(0, ret) {
		TH_LOG("the host's losetup -f (find the next free loop): exit status %d", ret);
	}
	k = losetup_printed("/tmp/nsdev-atk-next");
	ASSERT_LE(0, k) {
		TH_LOG("no /dev/loopN in what the host's losetup -f printed");
	}

	/* The README tour: nsdevctl assign /dev/loopK --ns A. */
	ret = assign_blk(makedev(7, loop_minor(k)), self->a.userns);
	EXPECT_EQ(-EOPNOTSUPP, ret) {
		TH_LOG("ASSIGN of the unbound /dev/loop%d to A answered %d (%s)", k, ret,
		       errstr(ret));
	}
	/* The host's losetup -f binds a host image. */
	r = sh("losetup -f --show " IMG_HOST " > /tmp/nsdev-atk-got");
	ASSERT_EQ(0, r) {
		TH_LOG("the host's losetup -f --show %s: exit status %d", IMG_HOST, r);
	}
	got = losetup_printed("/tmp/nsdev-atk-got");
	ASSERT_LE(0, got) {
		TH_LOG("no /dev/loopN in what the host's losetup -f --show printed");
	}
	if (got != k)
		TH_LOG("the host's losetup -f took loop%d, not the assigned loop%d", got, k);

	snprintf(path, sizeof(path), "/dev/loop%d", k);
	r = uchild_call(&self->a, ns_read_secret, path);
	EXPECT_NE(1, r) {
		TH_LOG("A read the host's secret through its %s", path);
	}
	if (r != 1)
		TH_LOG("A's open/read of %s: %s", path,
		       r < 0 ? errstr(r) : "opened, no secret read");

	r = host_detach_remove(got);
	EXPECT_EQ(0, r) {
		TH_LOG("the host detaches and removes loop%d: %s", got, errstr(r));
	}
	if (!ret)
		revoke_blk(makedev(7, loop_minor(k)));
}

/* --- 4. block ioctls on delegated loops and their partitions ------------- */

/* Open X's p1 read-write and keep it (ns_part). */
static int ns_open_p1(const char *arg)
{
	char path[40];

	snprintf(path, sizeof(path), "/dev/loop%dp1", ns_index);
	ns_part = open(path, O_RDWR | O_CLOEXEC);
	if (ns_part < 0)
		return -errno;
	ns_keep(ns_part);
	return 0;
}

/* For the loop ioctls of do_op(): X's status, and a file to change to. */
static struct loop_info64 ns_info;
static int ns_image = -1;

/* Read X's status (LOOP_SET_STATUS64 sets it unchanged); open IMG_NS2P. */
static int ns_prepare_loop_ops(const char *arg)
{
	if (ioctl(ns_whole, LOOP_GET_STATUS64, &ns_info))
		return fail_at("LOOP_GET_STATUS64 on X", -errno);
	ns_image = open(IMG_NS2P, O_RDONLY | O_CLOEXEC);
	if (ns_image < 0)
		return fail_at("open " IMG_NS2P, -errno);
	ns_keep(ns_image);
	return 0;
}

enum {
	OP_TRACE, OP_GETSIZE64, OP_SSZGET, OP_PBSZGET, OP_ROGET, OP_IOMIN, OP_IOOPT,
	OP_GETGEO, OP_FLSBUF, OP_DISCARD, OP_SET_STATUS64, OP_CHANGE_FD, OP_CLR_FD,
	OP_GETDISKSEQ,
};

static const char * const op_names[] = {
	"BLKTRACESETUP", "BLKGETSIZE64", "BLKSSZGET", "BLKPBSZGET", "BLKROGET",
	"BLKIOMIN", "BLKIOOPT", "HDIO_GETGEO", "BLKFLSBUF", "BLKDISCARD",
	"LOOP_SET_STATUS64", "LOOP_CHANGE_FD", "LOOP_CLR_FD", "BLKGETDISKSEQ",
};

/*
 * One ioctl on an open block device: 0 or -errno (BLKTRACE torn down).
 * LOOP_SET_STATUS64 and LOOP_CHANGE_FD need ns_prepare_loop_ops() first.
 */
static int do_op(int fd, int op)
{
	struct blk_user_trace_setup buts = {
		.act_mask = 0xffff, .buf_size = 4096, .buf_nr = 2,
	};
	struct hd_geometry geo;
	unsigned long long u64, range[2] = { 40ULL * MIB, MIB };
	int i, ret;

	switch (op) {
	case OP_TRACE:
		ret = ioctl(fd, BLKTRACESETUP, &buts) ? -errno : 0;
		if (!ret)
			ioctl(fd, BLKTRACETEARDOWN);
		return ret;
	case OP_GETSIZE64:
		return ioctl(fd, BLKGETSIZE64, &u64) ? -errno : 0;
	case OP_SSZGET:
		return ioctl(fd, BLKSSZGET, &i) ? -errno : 0;
	case OP_PBSZGET:
		return ioctl(fd, BLKPBSZGET, &i) ? -errno : 0;
	case OP_ROGET:
		return ioctl(fd, BLKROGET, &i) ? -errno : 0;
	case OP_IOMIN:
		return ioctl(fd, BLKIOMIN, &i) ? -errno : 0;
	case OP_IOOPT:
		return ioctl(fd, BLKIOOPT, &i) ? -errno : 0;
	case OP_GETGEO:
		return ioctl(fd, HDIO_GETGEO, &geo) ? -errno : 0;
	case OP_FLSBUF:
		return ioctl(fd, BLKFLSBUF, 0) ? -errno : 0;
	case OP_DISCARD:
		return ioctl(fd, BLKDISCARD, range) ? -errno : 0;
	case OP_SET_STATUS64:
		return ioctl(fd, LOOP_SET_STATUS64, &ns_info) ? -errno : 0;
	case OP_CHANGE_FD:
		return ioctl(fd, LOOP_CHANGE_FD, ns_image) ? -errno : 0;
	case OP_CLR_FD:
		return ioctl(fd, LOOP_CLR_FD, 0) ? -errno : 0;
	case OP_GETDISKSEQ:
		return ioctl(fd, BLKGETDISKSEQ, &u64) ? -errno : 0;
	}
	return -EINVAL;
}

/* "w OP" or "p OP": the ioctl on the whole loop or on its p1. */
static int ns_op(const char *arg)
{
	char which;
	int op;

	if (sscanf(arg, "%c %d", &which, &op) != 2)
		return -EINVAL;
	return do_op(which == 'w' ? ns_whole : ns_part, op);
}

/* The loop driver's own answer to @op on one of the host's loops. */
static int host_op(int op)
{
	int fd = open("/dev/loop0", O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = do_op(fd, op);
	close(fd);
	return ret;
}

static char *op_arg(char which, int op)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "%c %d", which, op);
	return buf;
}

TEST_F_TIMEOUT(attacker, block_ioctls_on_loops_and_partitions, 120)
{
	static const int allowed[] = {
		OP_GETSIZE64, OP_SSZGET, OP_PBSZGET, OP_ROGET, OP_IOMIN, OP_IOOPT,
	};
	static const int loop_ops[] = { OP_SET_STATUS64, OP_CHANGE_FD, OP_CLR_FD };
	int n, i, w, ret, geo;
	const char *p;
	char which;

	/* losetup -fP IMG_NS2P in A; the loop and its p1 stay open. */
	n = uchild_call(&self->a, ns_bind_new, IMG_NS2P " 8");	/* LO_FLAGS_PARTSCAN */
	ASSERT_LE(LOOP_BASE, n) {
		TH_LOG("losetup -fP %s in A gave %d: %s: %s", IMG_NS2P, n, failed_step(),
		       errstr(n));
	}
	ret = uchild_call(&self->a, ns_open_p1, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A opens /dev/loop%dp1: %s", n, errstr(ret));
	}

	/* BLKTRACESETUP: refused on the loop and on its partition. */
	for (w = 0; w < 2; w++) {
		which = w ? 'p' : 'w';
		p = w ? "p1" : "";
		ret = uchild_call(&self->a, ns_op, op_arg(which, OP_TRACE));
		EXPECT_TRUE(ret == -ENOTTY || ret == -ENOENT) {
			TH_LOG("BLKTRACESETUP on /dev/loop%d%s answered %d (%s)%s", n, p, ret,
			       errstr(ret), ret ? "" : ": a trace was set up");
		}
	}
	/* What losetup, mkfs, fsck and fio need keeps working, on both. */
	TH_LOG("HDIO_GETGEO on the host's loop0 (the loop driver's own answer): %d",
	       host_op(OP_GETGEO));
	for (w = 0; w < 2; w++) {
		which = w ? 'p' : 'w';
		p = w ? "p1" : "";
		for (i = 0; i < (int)ARRAY_SIZE(allowed); i++) {
			ret = uchild_call(&self->a, ns_op, op_arg(which, allowed[i]));
			EXPECT_EQ(0, ret) {
				TH_LOG("%s on /dev/loop%d%s: %s", op_names[allowed[i]], n, p,
				       errstr(ret));
			}
		}
		/* The loop driver has no getgeo: the host's own answer is the bar. */
		geo = host_op(OP_GETGEO);
		ret = uchild_call(&self->a, ns_op, op_arg(which, OP_GETGEO));
		EXPECT_EQ(geo, ret) {
			TH_LOG("HDIO_GETGEO on /dev/loop%d%s answered %d (%s), the host's loop0 %d",
			       n, p, ret, errstr(ret), geo);
		}
		ret = uchild_call(&self->a, ns_op, op_arg(which, OP_FLSBUF));
		EXPECT_TRUE(ret == 0 || ret == -EACCES) {
			TH_LOG("BLKFLSBUF on /dev/loop%d%s: %s", n, p, errstr(ret));
		}
	}
	ret = uchild_call(&self->a, ns_op, op_arg('w', OP_DISCARD));
	EXPECT_EQ(0, ret) {
		TH_LOG("BLKDISCARD on /dev/loop%d: %s", n, errstr(ret));
	}
	/* Loop ioctls through the partition's node: refused (LOOP_CLR_FD last). */
	ret = uchild_call(&self->a, ns_prepare_loop_ops, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A prepares the loop ioctls: %s: %s", failed_step(), errstr(ret));
	}
	for (i = 0; i < (int)ARRAY_SIZE(loop_ops); i++) {
		ret = uchild_call(&self->a, ns_op, op_arg('p', loop_ops[i]));
		EXPECT_EQ(-ENOTTY, ret) {
			TH_LOG("%s on /dev/loop%dp1 answered %d (%s)", op_names[loop_ops[i]], n,
			       ret, errstr(ret));
		}
	}
	uchild_call(&self->a, ns_op, op_arg('w', OP_CLR_FD));
	uchild_call(&self->a, ns_close_all, NULL);
}

/* --- 5. a loop backed by its own partition -------------------------------- */

/* Y, the loop an attack tries to back with X, and that backing file. */
static int ns_y = -1, ns_backing = -1;

/* GET_FREE and open: Y. Return: its index, or a negative errno. */
static int ns_open_y(const char *arg)
{
	int n;

	ns_y = open_free(&n);
	return ns_y < 0 ? ns_y : n;
}

/* Open ARG (a path) read-only, as the backing file of the next bind. */
static int ns_open_backing(const char *arg)
{
	ns_backing = open(arg, O_RDONLY | O_CLOEXEC);
	return ns_backing < 0 ? -errno : 0;
}

/*
 * "c" or "s": LOOP_CONFIGURE (read-only) or LOOP_SET_FD of Y with the
 * backing file. One accepted (today) is cleared again at once, with no
 * I/O done on it. Y and the backing file are closed.
 * Return: the ioctl's 0 or negative errno.
 */
static int ns_bind_y(const char *arg)
{
	struct loop_config cfg = { 0 };
	int ret;

	if (arg[0] == 'c') {
		cfg.fd = ns_backing;
		cfg.info.lo_flags = LO_FLAGS_READ_ONLY;
		ret = ioctl(ns_y, LOOP_CONFIGURE, &cfg) ? -errno : 0;
	} else {
		ret = ioctl(ns_y, LOOP_SET_FD, ns_backing) ? -errno : 0;
	}
	close(ns_backing);
	if (!ret)
		ioctl(ns_y, LOOP_CLR_FD, 0);
	close(ns_y);
	return ret;
}

/* Shrink loop X to 8 MiB (its partitions stay). */
static int ns_shrink(const char *arg)
{
	struct loop_info64 info;

	if (ioctl(ns_whole, LOOP_GET_STATUS64, &info))
		return fail_at("LOOP_GET_STATUS64", -errno);
	info.lo_sizelimit = 8 * MIB;
	return ioctl(ns_whole, LOOP_SET_STATUS64, &info) ?
	       fail_at("LOOP_SET_STATUS64", -errno) : 0;
}

/* LOOP_CHANGE_FD(X, the backing file), which is closed then. */
static int ns_change_fd(const char *arg)
{
	int ret = ioctl(ns_whole, LOOP_CHANGE_FD, ns_backing) ? -errno : 0;

	close(ns_backing);
	return ret;
}

/* In the namespace: bind a loop (kept open by nobody) and let the namespace die. */
static int ns_bind_and_leave(const char *arg)
{
	int n = ns_bind_new(IMG_NS " 0");

	if (n >= 0)
		ns_close_all(NULL);
	return n;
}

TEST_F_TIMEOUT(attacker, loop_backed_by_its_own_partition, 120)
{
	static const char * const how[] = { "c", "s" };
	static const char * const ioctl_name[] = { "LOOP_CONFIGURE", "LOOP_SET_FD" };
	char p1[32], whole[32];
	const char *backing;
	int x, y, ret, n, i, b, h;

	/* X: read-only, partition scan, p1 is 16 MiB. */
	x = uchild_call(&self->a, ns_bind_new, IMG_NS2P " 9");	/* READ_ONLY | PARTSCAN */
	ASSERT_LE(LOOP_BASE, x) {
		TH_LOG("losetup -rfP %s in A gave %d: %s: %s", IMG_NS2P, x, failed_step(),
		       errstr(x));
	}
	snprintf(p1, sizeof(p1), "/dev/loop%dp1", x);
	snprintf(whole, sizeof(whole), "/dev/loop%d", x);
	ret = uchild_call(&self->a, ns_exists_dev, p1 + 5);
	ASSERT_EQ(1, ret) {
		TH_LOG("%s in A's view after the partition scan: %s", p1,
		       ret ? errstr(ret) : "not there");
	}

	/*
	 * Another delegated loop, Y, backed by X's partition or by X itself,
	 * with LOOP_CONFIGURE and LOOP_SET_FD. X is bound to a plain file now,
	 * so nothing waits on itself if one is accepted (it is cleared at once).
	 */
	for (b = 0; b < 2; b++) {
		backing = b ? whole : p1;
		for (h = 0; h < 2; h++) {
			y = uchild_call(&self->a, ns_open_y, NULL);
			ASSERT_LE(LOOP_BASE, y) {
				TH_LOG("A's losetup -f for Y gave %d: %s: %s", y, failed_step(),
				       errstr(y));
			}
			ret = uchild_call(&self->a, ns_open_backing, backing);
			ASSERT_EQ(0, ret) {
				TH_LOG("A opens %s read-only: %s", backing, errstr(ret));
			}
			ret = uchild_call(&self->a, ns_bind_y, how[h]);
			EXPECT_EQ(-EBADF, ret) {
				TH_LOG("%s(loop%d, %s) answered %d (%s)", ioctl_name[h], y, backing,
				       ret, errstr(ret));
			}
		}
	}

	/* X shrinks to 8 MiB: p1 (16 MiB) now matches its size for CHANGE_FD. */
	ret = uchild_call(&self->a, ns_shrink, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A shrinks %s to 8 MiB: %s: %s", whole, failed_step(), errstr(ret));
	}
	ret = uchild_call(&self->a, ns_exists_dev, p1 + 5);
	ASSERT_EQ(1, ret) {
		TH_LOG("%s in A's view after the shrink: %s", p1,
		       ret ? errstr(ret) : "not there");
	}
	ret = uchild_call(&self->a, ns_open_backing, p1);
	ASSERT_EQ(0, ret) {
		TH_LOG("A opens %s read-only: %s", p1, errstr(ret));
	}
	ret = uchild_call(&self->a, ns_change_fd, NULL);
	EXPECT_EQ(-EBADF, ret) {
		TH_LOG("LOOP_CHANGE_FD(%s, %s) answered %d (%s)%s", whole, p1, ret,
		       errstr(ret), ret ? "" : ": the loop is backed by its own partition");
	}
	if (!ret) {
		/*
		 * Do no I/O on X. Back to the image (its size matches under the
		 * 8 MiB limit too): that breaks the cycle, whose partition scan
		 * finds p1 still open and reads nothing.
		 */
		ret = uchild_call(&self->a, ns_open_backing, IMG_NS2P);
		if (!ret)
			ret = uchild_call(&self->a, ns_change_fd, NULL);
		if (ret)
			TH_LOG("could not undo the cycle (LOOP_CHANGE_FD back: %s): "
			       "loop%d stays bound to itself", errstr(ret), x);
	}
	uchild_call(&self->a, ns_op, op_arg('w', OP_CLR_FD));
	uchild_call(&self->a, ns_close_all, NULL);
	uchild_kill(&self->a);

	/* Another namespace's full cycle still works, the reaper included. */
	start_sibling(_metadata, &self->sib[0], 0);
	n = uchild_call(&self->sib[0], ns_bind_and_leave, NULL);
	ASSERT_LE(LOOP_BASE, n) {
		TH_LOG("losetup -f %s in a second namespace gave %d: %s: %s", IMG_NS, n,
		       failed_step(), errstr(n));
	}
	EXPECT_TRUE(loop_bound(n)) {
		TH_LOG("loop%d, which the second namespace bound, has no backing file", n);
	}
	uchild_kill(&self->sib[0]);
	for (i = 0; i < 100 && loop_exists(n); i++)
		usleep(100 * 1000);
	EXPECT_FALSE(loop_exists(n)) {
		TH_LOG("loop%d of a dead namespace still exists after 10 s", n);
	}
}

/* --- 6. autoclear set, then cleared --------------------------------------- */

/* Bind loop ARG (a number) with AUTOCLEAR, clear AUTOCLEAR again, close. */
static int ns_autoclear_flip(const char *arg)
{
	struct loop_config cfg = { 0 };
	struct loop_info64 info = { 0 };
	char path[32];
	int fd, img, ret = 0;

	snprintf(path, sizeof(path), "/dev/loop%d", atoi(arg));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail_at("open /dev/loopN", -errno);
	img = open(IMG_NS, O_RDWR | O_CLOEXEC);
	if (img < 0) {
		ret = fail_at("open " IMG_NS, -errno);
		close(fd);
		return ret;
	}
	cfg.fd = img;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (ioctl(fd, LOOP_CONFIGURE, &cfg))
		ret = fail_at("LOOP_CONFIGURE with LO_FLAGS_AUTOCLEAR", -errno);
	else if (ioctl(fd, LOOP_GET_STATUS64, &info))
		ret = fail_at("LOOP_GET_STATUS64", -errno);
	info.lo_flags &= ~LO_FLAGS_AUTOCLEAR;
	if (!ret && ioctl(fd, LOOP_SET_STATUS64, &info))
		ret = fail_at("LOOP_SET_STATUS64 without LO_FLAGS_AUTOCLEAR", -errno);
	close(img);
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(attacker, autoclear_cleared_leaks_bound_loops, 120)
{
	unsigned long long ino = userns_ino(&self->a);
	int got[10], i, k, leaked = 0, left = 0, removed, ret;
	char num[16];

	for (i = 0; i < 10; i++) {
		got[i] = uchild_call(&self->a, ns_loopctl, ctl_arg(LOOP_CTL_GET_FREE, 0));
		if (i < NS_LIMIT) {
			EXPECT_LE(LOOP_BASE, got[i]) {
				TH_LOG("round %d: A's LOOP_CTL_GET_FREE gave %d (%s)",
				       i + 1, got[i], errstr(got[i]));
			}
		} else {
			EXPECT_EQ(-EDQUOT, got[i]) {
				TH_LOG("round %d: A's LOOP_CTL_GET_FREE gave %d (%s) "
				       "beyond the quota of %d", i + 1, got[i], errstr(got[i]),
				       NS_LIMIT);
			}
		}
		if (got[i] < LOOP_BASE)
			continue;
		snprintf(num, sizeof(num), "%d", got[i]);
		ret = uchild_call(&self->a, ns_autoclear_flip, num);
		EXPECT_EQ(0, ret) {
			TH_LOG("round %d: A binds loop%d with autoclear and clears it: %s: %s",
			       i + 1, got[i], failed_step(), errstr(ret));
		}
		/* Bound means owned and counted; or it is gone. */
		for (k = 0; k < 10; k++) {
			if (!loop_bound(got[i]) || reg_lists_loop(got[i], ino))
				break;
			usleep(100 * 1000);
		}
		if (loop_bound(got[i]) && !reg_lists_loop(got[i], ino)) {
			if (!leaked) {
				removed = host_loopctl(LOOP_CTL_REMOVE, got[i]);
				TH_LOG("loop%d is bound (it has loop/backing_file in sysfs) "
				       "and not in the registry; the host's LOOP_CTL_REMOVE: %s",
				       got[i], errstr(removed));
			}
			leaked++;
		}
	}
	EXPECT_EQ(0, leaked) {
		TH_LOG("%d bound loops owned by nobody", leaked);
	}

	/* The namespace dies: every one of them is detached and removed. */
	uchild_kill(&self->a);
	for (k = 0; k < 100; k++) {
		for (i = 0, left = 0; i < 10; i++)
			left += got[i] >= LOOP_BASE && loop_exists(got[i]);
		if (!left)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(0, left) {
		TH_LOG("%d of A's loops still exist 10 s after it died", left);
	}
	for (i = 0; i < 10; i++)
		if (got[i] >= LOOP_BASE && loop_exists(got[i]))
			TH_LOG("loop%d: %s", got[i], loop_bound(got[i]) ? "bound" : "unbound");
}

/* --- 7. quota multiplied by sibling namespaces ---------------------------- */

/*
 * GET_FREE + open (kept) until an error, or 65 times. Return: how many
 * loops it holds; the error that stopped it in shm->stop_err.
 */
static int ns_fill(const char *arg)
{
	char path[32];
	int n, fd, count;

	for (count = 0; count <= 64; count++) {
		n = loopctl(LOOP_CTL_GET_FREE, 0);
		if (n < 0) {
			shm->stop_err = fail_at("LOOP_CTL_GET_FREE", n);
			break;
		}
		snprintf(path, sizeof(path), "/dev/loop%d", n);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			shm->stop_err = fail_at("open /dev/loopN", -errno);
			break;
		}
		ns_keep(fd);
	}
	return count;
}

TEST_F_TIMEOUT(attacker, quota_per_user_across_siblings, 120)
{
	struct nschild *c[1 + SIBLINGS] = { &self->a };
	int i, count, total = 0, limit = -1;
	char *param;

	param = slurp("/sys/module/nsdevtmpfs/parameters/loop_limit_per_user");
	if (param)
		limit = atoi(param);
	free(param);
	EXPECT_EQ(USER_LIMIT, limit) {
		TH_LOG("loop_limit_per_user: %s", limit < 0 ? "no such parameter" : "not 16");
	}
	for (i = 1; i <= SIBLINGS; i++) {
		c[i] = &self->sib[i - 1];
		start_sibling(_metadata, c[i], i);
	}
	for (i = 0; i <= SIBLINGS; i++) {
		count = uchild_call(c[i], ns_fill, NULL);
		ASSERT_LE(0, count) {
			TH_LOG("sibling %d of uid 1000: %s", i, errstr(count));
		}
		TH_LOG("sibling %d of uid 1000: %d loops, then %s: %s", i, count,
		       failed_step(), errstr(shm->stop_err));
		EXPECT_EQ(-EDQUOT, shm->stop_err) {
			TH_LOG("sibling %d's losetup -f ended at %s: %s, not at the quota",
			       i, failed_step(), errstr(shm->stop_err));
		}
		total += count;
	}
	EXPECT_EQ(USER_LIMIT, total) {
		TH_LOG("uid 1000 holds %d loops with %d sibling namespaces", total,
		       1 + SIBLINGS);
	}
}

/* --- 9. partitions an owner makes with BLKPG --------------------------- */

#define BLKPG_CAP	32	/* NSDEV_USER_PARTS_PER_LOOP */

/*
 * On X (ns_bind_new()): BLKPG add partition 1, 2, ... (64 KiB each) until
 * one fails, 128 at most. Return: how many were added; the failure's
 * negative errno in shm->stop_err.
 */
static int ns_blkpg_flood(const char *arg)
{
	struct blkpg_partition p = { .length = 64 * 1024 };
	struct blkpg_ioctl_arg a = { .op = BLKPG_ADD_PARTITION,
				     .datalen = sizeof(p), .data = &p };
	int n;

	for (n = 0; n < 4 * BLKPG_CAP; n++) {
		p.pno = n + 1;
		p.start = (long long)(n + 1) * p.length;
		if (ioctl(ns_whole, BLKPG, &a)) {
			shm->stop_err = -errno;
			break;
		}
	}
	return n;
}

/*
 * The module does BLKPG for an owner with the initial root's credentials:
 * what it makes must stay bounded (32 partitions, where the block layer
 * would allow 256), and the partitions are the owner's.
 */
TEST_F_TIMEOUT(attacker, blkpg_partitions_are_bounded, 120)
{
	char arg[256], path[64];
	int n, made, ret;

	snprintf(arg, sizeof(arg), "%s %u", IMG_NS, LO_FLAGS_PARTSCAN);
	n = uchild_call(&self->a, ns_bind_new, arg);
	ASSERT_LE(LOOP_BASE, n) {
		TH_LOG("losetup -fP %s in A gave %d: %s: %s", IMG_NS, n, failed_step(),
		       errstr(n));
	}
	made = uchild_call(&self->a, ns_blkpg_flood, NULL);
	EXPECT_EQ(BLKPG_CAP, made) {
		TH_LOG("BLKPG on A's loop%d made %d partitions, then: %s", n, made,
		       errstr(shm->stop_err));
	}
	EXPECT_EQ(-ENOSPC, shm->stop_err) {
		TH_LOG("BLKPG add partition %d on A's loop%d: %s", made + 1, n,
		       errstr(shm->stop_err));
	}
	snprintf(path, sizeof(path), "/sys/block/loop%d/loop%dp%d", n, n, BLKPG_CAP);
	ret = access(path, F_OK);
	EXPECT_EQ(0, ret) {
		TH_LOG("the last partition allowed, %s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof(path), "/sys/block/loop%d/loop%dp%d", n, n, BLKPG_CAP + 1);
	ret = access(path, F_OK);
	EXPECT_EQ(-1, ret) {
		TH_LOG("%s exists, one partition beyond the cap", path);
	}
	snprintf(path, sizeof(path), "loop%dp1 ", n);
	ret = count_lines("/proc/nsdevtmpfs/devices", path);
	EXPECT_EQ(1, ret) {
		TH_LOG("lines for %sin /proc/nsdevtmpfs/devices: %d; the partitions BLKPG "
		       "made are not the namespace's", path, ret);
	}
	uchild_call(&self->a, ns_close_all, NULL);
}

/* --- 8. the host's losetup -f/-fP against two namespaces ----------------- */

#define STRESS_SECONDS	35

/* A loop the namespace holds (seq: its diskseq; for a stale fd: reported). */
struct held {
	int fd, index;
	unsigned long long seq;
};

static void stress_viol(struct stress_ns *s, const char *fmt, const char *a, const char *b)
{
	if (!s->viol++)
		snprintf(s->first_viol, sizeof(s->first_viol), fmt, a, b);
}

/* Is the loop behind @fd (node @name, disk @k) ours? Else a violation. */
static void stress_check_fd(struct stress_ns *s, int fd, const char *name, int k,
			    const char *mine, struct held *held, int nheld)
{
	char path[96], *backing;
	unsigned long long seq;
	int i;

	snprintf(path, sizeof(path), "/sys/block/loop%d/loop/backing_file", k);
	backing = slurp(path);
	if (backing)
		backing[strcspn(backing, "\n")] = '\0';
	if (backing && !strstr(backing, mine))
		stress_viol(s, "opened %s, bound to %s", name, backing);
	free(backing);
	if (ioctl(fd, BLKGETDISKSEQ, &seq))
		return;
	for (i = 0; i < nheld; i++)
		if (held[i].index == k && held[i].seq != seq)
			stress_viol(s, "%s is not the disk this namespace bound (%s)", name,
				    "diskseq differs");
}

/* Open every loop node of the view and check what it is. */
static void stress_scan(struct stress_ns *s, const char *mine, struct held *held, int nheld)
{
	char path[300];
	struct dirent *e;
	int k, p, fd;
	DIR *d;

	s->scans++;
	d = opendir("/dev");
	while (d && (e = readdir(d))) {
		/* loopK and loopKpJ; not loop-control */
		if (sscanf(e->d_name, "loop%d", &k) != 1)
			continue;
		if (sscanf(e->d_name, "loop%dp%d", &k, &p) != 2)
			p = 0;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		s->opened++;
		stress_check_fd(s, fd, path, k, mine, held, nheld);
		close(fd);
	}
	if (d)
		closedir(d);
}

static void held_drop(struct held *h)
{
	ioctl(h->fd, LOOP_CLR_FD, 0);
	close(h->fd);
}

/*
 * "SLOT": a namespace's part of the stress, counted in shm->ns[SLOT]. Two
 * run at once, so nothing here names a failed step in shm->failed.
 * Return: 0, or the negative errno of opening its image.
 */
static int ns_stress(const char *arg)
{
	struct held held[4], stale[2];
	struct race_result rr;
	int slot, img, nheld = 0, nstale = 0, i, n, fd;
	struct loop_config cfg = { 0 };
	struct stress_ns *s;
	char mine[64], path[40];
	double end;

	slot = atoi(arg);
	if (slot < 0 || slot > 1)
		return -EINVAL;
	s = &shm->ns[slot];
	snprintf(mine, sizeof(mine), IMG_NS_STRESS, slot);
	img = open(mine, O_RDWR | O_CLOEXEC);
	if (img < 0)
		return -errno;
	srand(getpid());
	end = now() + STRESS_SECONDS;
	while (now() < end) {
		s->ops++;
		switch (rand() % 6) {
		case 0:
		case 1:		/* losetup -f / -fP */
			if (nheld == 4) {
				held_drop(&held[0]);
				memmove(held, held + 1, sizeof(held[0]) * --nheld);
			}
			n = loopctl(LOOP_CTL_GET_FREE, 0);
			if (n < 0) {
				s->bind_fail++;
				break;
			}
			snprintf(path, sizeof(path), "/dev/loop%d", n);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				s->bind_fail++;
				break;
			}
			cfg.fd = img;
			cfg.info.lo_flags = rand() % 2 ? LO_FLAGS_PARTSCAN : 0;
			if (ioctl(fd, LOOP_CONFIGURE, &cfg)) {
				s->bind_fail++;
				close(fd);
				break;
			}
			s->binds++;
			held[nheld].fd = fd;
			held[nheld].index = n;
			held[nheld].seq = 0;
			ioctl(fd, BLKGETDISKSEQ, &held[nheld].seq);
			nheld++;
			break;
		case 2:		/* losetup -d */
			if (nheld) {
				held_drop(&held[nheld - 1]);
				nheld--;
				s->detaches++;
			}
			break;
		case 3:		/* LOOP_CTL_ADD of a number >= the base; open it or remove it */
			n = LOOP_BASE + 64 + rand() % 64;
			if (loopctl(LOOP_CTL_ADD, n) != n) {
				s->add_fail++;
				break;
			}
			s->adds++;
			if (rand() % 2) {
				snprintf(path, sizeof(path), "/dev/loop%d", n);
				fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd >= 0) {
					stress_check_fd(s, fd, path, n, mine, held, nheld);
					close(fd);
				}
			} else {
				loopctl(LOOP_CTL_REMOVE, n);
			}
			break;
		default:	/* an open racing the release; a stale fd is kept a while */
			if (race_round(&rr))
				break;
			s->races++;
			if (rr.kept && ns_nfds > 0) {
				s->race_kept++;
				if (nstale == 2) {
					close(stale[0].fd);
					stale[0] = stale[1];
					nstale--;
				}
				stale[nstale].fd = ns_fd_list[--ns_nfds];
				stale[nstale].index = rr.index;
				stale[nstale].seq = 0;
				nstale++;
			}
			break;
		}
		stress_scan(s, mine, held, nheld);
		/* Whatever a stale fd now reaches must not be the host's (once each). */
		for (i = 0; i < nstale; i++) {
			int before = s->viol;

			if (stale[i].seq)
				continue;
			snprintf(path, sizeof(path), "stale fd on loop%d", stale[i].index);
			stress_check_fd(s, stale[i].fd, path, stale[i].index, mine, NULL, 0);
			stale[i].seq = s->viol != before;
		}
	}
	for (i = 0; i < nstale; i++)
		close(stale[i].fd);
	while (nheld)
		held_drop(&held[--nheld]);
	close(img);
	return 0;
}

/*
 * The host's part: losetup -f / -fP in a loop, keeping what it binds. A
 * process of its own: it exits 0, or 1 with the reason in shm->host_failed.
 */
static void host_stress(void)
{
	static struct regline reg[REG_MAX];
	int mine[32], nmine = 0, i, j, n, k, d, p, ctl, dev, img, round = 0;
	struct loop_config cfg = { 0 };
	double end = now() + STRESS_SECONDS;
	char path[32];

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		snprintf(shm->host_failed, sizeof(shm->host_failed),
			 "open /dev/loop-control: %s", strerror(errno));
		_exit(1);
	}
	img = open(IMG_HOST2P, O_RDWR | O_CLOEXEC);
	if (img < 0) {
		snprintf(shm->host_failed, sizeof(shm->host_failed),
			 "open " IMG_HOST2P ": %s", strerror(errno));
		_exit(1);
	}
	while (now() < end) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			shm->host_refused++;
			continue;
		}
		snprintf(path, sizeof(path), "/dev/loop%d", n);
		dev = open(path, O_RDWR | O_CLOEXEC);
		if (dev < 0) {
			shm->host_refused++;
			continue;
		}
		cfg.fd = img;
		cfg.info.lo_flags = round++ % 2 ? LO_FLAGS_PARTSCAN : 0;
		if (ioctl(dev, LOOP_CONFIGURE, &cfg)) {
			shm->host_refused++;
			close(dev);
			continue;
		}
		close(dev);
		shm->host_binds++;
		shm->host_high += n >= LOOP_BASE;
		mine[nmine++] = n;
		/* No partition of a disk the host has bound is a namespace's. */
		k = reg_read(reg, REG_MAX);
		for (i = 0; i < k; i++) {
			if (!reg[i].owner)
				continue;
			for (j = 0; j < nmine; j++) {
				char name[32];

				snprintf(name, sizeof(name), "loop%d", mine[j]);
				if (sscanf(reg[i].name, "loop%dp%d", &d, &p) == 2 && d == mine[j]) {
					if (!shm->host_viol++)
						snprintf(shm->host_first_viol,
							 sizeof(shm->host_first_viol),
							 "%s (host-bound loop%d) owner %llu",
							 reg[i].name, mine[j], reg[i].owner);
				} else if (!strcmp(reg[i].name, name)) {
					/*
					 * Not a violation, so only counted: a
					 * number a namespace reserved (no device
					 * yet) that the host's GET_FREE made a
					 * device for. The namespace's next open
					 * of it fails (EBUSY: the module's ADD
					 * finds the host's device) and the number
					 * leaves it; its stress checks that every
					 * device it opens is bound to its image.
					 */
					shm->host_overlap++;
				}
			}
		}
		/* Keep loop0..7 bound; let the rest go now and then. */
		if (nmine == (int)ARRAY_SIZE(mine) - 8) {
			for (i = 0, j = 0; i < nmine; i++) {
				if (mine[i] < 8)
					mine[j++] = mine[i];
				else
					host_detach_remove(mine[i]);
			}
			nmine = j;
		}
	}
	for (i = 0; i < nmine; i++)
		host_detach_remove(mine[i]);
	_exit(0);
}

TEST_F_TIMEOUT(attacker, host_losetup_against_namespaces, 300)
{
	struct nschild *ns[2] = { &self->a, &self->sib[0] };
	int i, status, ret[2];
	pid_t host, waited;

	ret[0] = sh("for i in 0 1; do f=$(printf " IMG_NS_STRESS " $i); "
		    "truncate -s 64M $f && chmod 666 $f && "
		    "printf 'label: dos\\n,16M,L\\n,16M,L\\n' | sfdisk -q $f || exit 1; done");
	ASSERT_EQ(0, ret[0]) {
		TH_LOG("making the namespaces' images (truncate, sfdisk): exit status %d",
		       ret[0]);
	}
	start_sibling(_metadata, ns[1], 1);
	host = fork();
	ASSERT_LE(0, host) {
		TH_LOG("fork of the host's losetup loop: %s", strerror(errno));
	}
	if (host == 0)
		host_stress();
	for (i = 0; i < 2; i++) {
		ret[i] = nschild_send(ns[i], ns_stress, i ? "1" : "0");
		ASSERT_EQ(0, ret[i]) {
			TH_LOG("sending namespace %d its stress: %s", i, errstr(ret[i]));
		}
	}
	for (i = 0; i < 2; i++)
		ret[i] = nschild_recv(ns[i]);
	waited = waitpid(host, &status, 0);
	ASSERT_EQ(host, waited) {
		TH_LOG("waitpid for the host's losetup loop: %s", strerror(errno));
	}
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("the host's losetup loop ended with status %#x: %s", status,
		       shm->host_failed[0] ? shm->host_failed : "(no reason given)");
	}
	for (i = 0; i < 2; i++) {
		struct stress_ns *s = &shm->ns[i];

		EXPECT_EQ(0, ret[i]) {
			TH_LOG("namespace %d's stress (opening its image, or its answer): %s",
			       i, errstr(ret[i]));
		}
		TH_LOG("namespace %d: %d ops: %d binds (%d failed), %d detaches, %d ADDs "
		       "(%d failed), %d open races (%d stale fds), %d scans opened %d nodes",
		       i, s->ops, s->binds, s->bind_fail, s->detaches, s->adds, s->add_fail,
		       s->races, s->race_kept, s->scans, s->opened);
		EXPECT_EQ(0, s->viol) {
			TH_LOG("namespace %d: %d violations, first: %s", i, s->viol, s->first_viol);
		}
	}
	TH_LOG("host: %d binds (%d at or above loop_index_base), %d refused; "
	       "registry listed a host-bound whole disk as a namespace's %d times",
	       shm->host_binds, shm->host_high, shm->host_refused, shm->host_overlap);
	EXPECT_EQ(0, shm->host_viol) {
		TH_LOG("%d times a partition of a host-bound disk was a namespace's; first: %s",
		       shm->host_viol, shm->host_first_viol);
	}
	EXPECT_LT(0, shm->host_binds) {
		TH_LOG("the host's losetup -f bound nothing in %d s (%d refused)",
		       STRESS_SECONDS, shm->host_refused);
	}
}

TEST_HARNESS_MAIN

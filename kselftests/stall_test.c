// SPDX-License-Identifier: GPL-2.0
/*
 * stall_test - one namespace that stalls its own view stalls nobody else
 *
 * A view's owner can hold its view's directory lock as long as it likes:
 * here a getdents64 on the view's root into a buffer whose page fault a
 * userfaultfd never answers (vm.unprivileged_userfaultfd=1 lets any
 * namespace root do that; a FUSE file it serves would do as well). It then
 * changes its own view (LOOP_CTL_ADD). That call may wait for its own
 * view, but another namespace must still mount, allocate and read /proc,
 * and the host's losetup -fP must still complete (its partitions' hotplug
 * callbacks run under the block class's lock). Likewise a writer of a
 * view's regular file stalled on its buffer stalls no reader of it.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "fixtures.h"

#define IMG_PART	"/tmp/nsdev-stall-img"
#define LIMIT_MS	5000	/* what "does not hang" means under TCG + KASAN */

/* The stalling process tells its parent: 0 once its fault is pending, or -errno. */
static int uffd_ready[2];

static void tell_parent(int ret)
{
	(void)!write(uffd_ready[1], &ret, sizeof(ret));
}

static void *uffd_watch(void *arg)
{
	struct uffd_msg msg;
	int uffd = *(int *)arg;

	if (read(uffd, &msg, sizeof(msg)) == sizeof(msg))
		tell_parent(0);
	else
		tell_parent(-EIO);
	pause();	/* and never answer */
	return NULL;
}

/*
 * Fork a process that runs @fault(@fd, buf, page size) on a page whose
 * fault a userfaultfd never answers, and close @fd here. Return: its pid,
 * once its fault is pending, or the negative errno of the step that
 * failed (-ECHILD: it exited without faulting).
 */
static int stall_on_fault(int fd, void (*fault)(int fd, void *buf, long page))
{
	int ready;
	pid_t pid;

	if (fd < 0)
		return -errno;
	if (pipe2(uffd_ready, O_CLOEXEC)) {
		ready = -errno;
		close(fd);
		return ready;
	}
	pid = fork();
	if (pid == 0) {
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
		long page = sysconf(_SC_PAGESIZE);
		pthread_t watcher;
		void *buf;
		int uffd;

		close(uffd_ready[0]);
		uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
		if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
			tell_parent(-errno);
			_exit(1);
		}
		buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED) {
			tell_parent(-errno);
			_exit(1);
		}
		reg.range.start = (unsigned long)buf;
		reg.range.len = page;
		if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
			tell_parent(-errno);
			_exit(1);
		}
		ready = pthread_create(&watcher, NULL, uffd_watch, &uffd);
		if (ready) {
			tell_parent(-ready);
			_exit(1);
		}
		fault(fd, buf, page);
		_exit(1);
	}
	ready = pid < 0 ? -errno : 0;
	close(fd);
	close(uffd_ready[1]);
	if (!ready && read_full(uffd_ready[0], &ready, sizeof(ready)) != sizeof(ready))
		ready = -ECHILD;
	close(uffd_ready[0]);
	if (ready && pid > 0)
		waitpid(pid, NULL, 0);
	return ready ? ready : pid;
}

static void getdents_into(int dir, void *buf, long page)
{
	syscall(__NR_getdents64, dir, buf, page);
}

static void write_from(int fd, void *buf, long page)
{
	(void)!pwrite(fd, buf, page, 4096);
}

/*
 * In A: fork a process of A that stalls in getdents64 on the view's root
 * with the directory locked. Return: its pid, once its fault is pending.
 */
static int ns_stall_view(const char *arg)
{
	return stall_on_fault(open(VIEW, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
			      getdents_into);
}

/*
 * In A: fork a process of A that stalls in a write to VIEW/@arg (a regular
 * file) from a buffer whose page fault a userfaultfd never answers: the
 * file's inode lock is held meanwhile. Return: its pid, once the fault is
 * pending.
 */
static int ns_stall_write(const char *arg)
{
	char path[NSCALL_ARG_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), VIEW "/%s", arg);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && pwrite(fd, "data", 4, 0) != 4) {
		close(fd);
		return -EIO;
	}
	return stall_on_fault(fd, write_from);
}

/*
 * In A: LOOP_CTL_ADD @arg through the view, from a process of its own.
 * Return: its pid; its exit status is 0, or the errno of the open or the
 * ioctl.
 */
static int ns_add_async(const char *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(VIEW "/loop-control", O_RDWR | O_CLOEXEC);

		if (fd < 0 || ioctl(fd, LOOP_CTL_ADD, atoi(arg)) < 0)
			_exit(errno);
		_exit(0);
	}
	return pid < 0 ? -errno : pid;
}

/*
 * In A: reap the process of A @arg (a pid), waiting up to 30 s.
 * Return: its exit status; -EINTR if a signal killed it, -ETIMEDOUT if
 * it did not exit in time.
 */
static int ns_reap(const char *arg)
{
	int status, ms;

	for (ms = 0; ms < 30000; ms += 10) {
		if (waitpid(atoi(arg), &status, WNOHANG) == atoi(arg))
			return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
		usleep(10 * 1000);
	}
	return -ETIMEDOUT;
}

/* In @c: reap its process @pid (ns_reap()). */
static int reap_in(struct nschild *c, pid_t pid)
{
	char arg[16];

	snprintf(arg, sizeof(arg), "%d", pid);
	return nschild_call(c, ns_reap, arg);
}

static int ns_remove(const char *arg)
{
	int fd = open(VIEW "/loop-control", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, LOOP_CTL_REMOVE, atoi(arg)) ? -errno : 0;
	close(fd);
	return ret;
}

/* In B: GET_FREE, REMOVE and a read of /proc through a fresh view. */
static int ns_allocate_and_read(const char *arg)
{
	char *devices;
	int fd, n;

	fd = open(VIEW "/loop-control", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = ioctl(fd, LOOP_CTL_GET_FREE);
	if (n < 0 || ioctl(fd, LOOP_CTL_REMOVE, n)) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	devices = slurp("/proc/nsdevtmpfs/devices");
	if (!devices)
		return -errno;
	free(devices);
	return 0;
}

/* Host: a new namespace mounts its view, allocates and reads /proc. */
static int other_namespace(void)
{
	struct nschild b;
	int ret;

	ret = nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT);
	if (!ret)
		ret = nschild_call(&b, ns_mount_view, NULL);
	if (!ret)
		ret = nschild_call(&b, ns_allocate_and_read, NULL);
	nschild_stop(&b);
	return ret;
}

static int host_proc(void)
{
	char *devices = slurp("/proc/nsdevtmpfs/devices");

	free(devices);
	return devices ? 0 : -ENOENT;
}

static int host_losetup(void)
{
	return sh("d=$(losetup -fP --show " IMG_PART ") && test -b ${d}p1 && "
		  "losetup -d $d") ? -EIO : 0;
}

/* The host: read the file A's writer stalls on, through A's root. */
static char stalled_file[64];

static int host_read_stalled_file(void)
{
	char buf[8];
	int fd = open(stalled_file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	/* 7.2 may have moved the end already: the first bytes are the data. */
	return n >= 4 && !memcmp(buf, "data", 4) ? 0 : -EIO;
}

static pid_t stalled_ns_pid;

/* The host: assign a device to A, whose view gets its node. */
static int host_assign_to_stalled(void)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", stalled_ns_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = assign_blk(RAM(2), fd);
	close(fd);
	return ret;
}

/*
 * Run @fn in a forked process: its result, or -ETIMEDOUT when it did not
 * finish within LIMIT_MS (it is left behind, stuck). *@ms gets the time.
 */
static int timed(int (*fn)(void), int *ms)
{
	int status, waited;
	pid_t pid = fork();

	if (pid == 0)
		_exit(-fn() & 0xff);
	for (waited = 0; waited < LIMIT_MS; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			*ms = waited;
			return WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
		}
		usleep(10 * 1000);
	}
	*ms = waited;
	return -ETIMEDOUT;
}

/*
 * Every test has namespace A with its view mounted, and may let any
 * namespace root use userfaultfd: the teardown kills A's stalled process
 * and puts the sysctl back.
 */
FIXTURE(stall) {
	struct nschild a;
	char *sysctl;	/* vm.unprivileged_userfaultfd as it was */
	pid_t staller;	/* A's stalled process, or 0 */
};

FIXTURE_SETUP(stall)
{
	int ret;

	self->a.pid = -1;
	self->staller = 0;
	self->sysctl = slurp("/proc/sys/vm/unprivileged_userfaultfd");
	ASSERT_NE(NULL, self->sysctl) {
		TH_LOG("read vm.unprivileged_userfaultfd: %s", strerror(errno));
	}
	ns_start_with_view(_metadata, &self->a, "A");
	ret = write_file("/proc/sys/vm/unprivileged_userfaultfd", "1");
	ASSERT_EQ(0, ret) {
		TH_LOG("set vm.unprivileged_userfaultfd=1: %s", errstr(ret));
	}
}

FIXTURE_TEARDOWN(stall)
{
	if (self->staller > 0) {
		kill(self->staller, SIGKILL);
		reap_in(&self->a, self->staller);
	}
	ns_stop_quietly(&self->a);
	write_file("/proc/sys/vm/unprivileged_userfaultfd", self->sysctl);
	free(self->sysctl);
	unlink(IMG_PART);
}

/* Kill @a's stalled process *@staller, reap it, and forget it. */
static void release_staller(struct __test_metadata *_metadata,
			    struct nschild *a, pid_t *staller)
{
	int ret;

	kill(*staller, SIGKILL);
	ret = reap_in(a, *staller);
	ASSERT_EQ(-EINTR, ret) {
		TH_LOG("reap A's stalled process %d after SIGKILL: %d (%s)",
		       *staller, ret, errstr(ret));
	}
	*staller = 0;
}

TEST_F_TIMEOUT(stall, a_stalled_view_stalls_only_its_namespace, 300)
{
	int ms, adder, ret;

	ret = sh("truncate -s 64M " IMG_PART " && "
		 "printf 'label: dos\\n,16M,L\\n,16M,L\\n' | sfdisk -q " IMG_PART);
	ASSERT_EQ(0, ret) {
		TH_LOG("make the partitioned image " IMG_PART ": exit status %d", ret);
	}
	/* A block device in the registry: the block class's hotplug is watched. */
	ret = assign_blk(RAM(1), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("assign ram1 to A: %s", errstr(ret));
	}

	self->staller = nschild_call(&self->a, ns_stall_view, NULL);
	ASSERT_LT(0, self->staller) {
		TH_LOG("could not stall a getdents64 on A's view: %s",
		       errstr(self->staller));
	}
	/* A changes its own view: this call may wait, for A's view only. */
	adder = nschild_call(&self->a, ns_add_async, "2000");
	ASSERT_LT(0, adder) {
		TH_LOG("fork A's LOOP_CTL_ADD: %s", errstr(adder));
	}
	usleep(300 * 1000);

	ret = timed(other_namespace, &ms);
	EXPECT_EQ(0, ret) {
		TH_LOG("another namespace could not mount, allocate or read /proc: %s",
		       errstr(ret));
	}
	TH_LOG("another namespace: mount, GET_FREE, REMOVE, /proc read in %d ms", ms);
	ret = timed(host_proc, &ms);
	EXPECT_EQ(0, ret) {
		TH_LOG("the host's read of /proc/nsdevtmpfs/devices: %s", errstr(ret));
	}
	TH_LOG("the host's /proc/nsdevtmpfs read in %d ms", ms);
	ret = timed(host_losetup, &ms);
	EXPECT_EQ(0, ret) {
		TH_LOG("the host's losetup -fP did not complete: %s", errstr(ret));
	}
	TH_LOG("the host's losetup -fP and -d in %d ms", ms);

	/* Let A go: its own call completes once its view is free. */
	release_staller(_metadata, &self->a, &self->staller);
	ret = reap_in(&self->a, adder);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's LOOP_CTL_ADD once its view was free: %s",
		       ret > 0 ? strerror(ret) : errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "loop2000");
	EXPECT_EQ(1, ret) {
		TH_LOG("loop2000 is not in A's view: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_remove, "2000");
	EXPECT_EQ(0, ret) {
		TH_LOG("A removes loop2000: %s", errstr(ret));
	}
	ret = revoke_blk(RAM(1));
	EXPECT_EQ(0, ret) {
		TH_LOG("host REVOKE of ram1: %s", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
}

/*
 * A writer of a view's regular file holds the file's inode lock while
 * its buffer faults, as on any file system. Nothing else has to wait for
 * it: reads of the file take no lock (the host reads it through A's root),
 * and the module's view updates (an ASSIGN to A) never touch a file's
 * lock, nor does another namespace.
 */
TEST_F_TIMEOUT(stall, a_stalled_file_write_stalls_no_reader, 300)
{
	int ms, ret;

	self->staller = nschild_call(&self->a, ns_stall_write, "f");
	ASSERT_LT(0, self->staller) {
		TH_LOG("could not stall a write to A's view's file: %s",
		       errstr(self->staller));
	}
	snprintf(stalled_file, sizeof(stalled_file), "/proc/%d/root" VIEW "/f",
		 self->a.pid);
	stalled_ns_pid = self->a.pid;

	ret = timed(host_read_stalled_file, &ms);
	EXPECT_EQ(0, ret) {
		TH_LOG("the host could not read the file a writer stalls on: %s",
		       errstr(ret));
	}
	TH_LOG("the host read the stalled file in %d ms", ms);
	ret = timed(host_assign_to_stalled, &ms);
	EXPECT_EQ(0, ret) {
		TH_LOG("ASSIGN to A waited for A's stalled writer: %s", errstr(ret));
	}
	TH_LOG("ASSIGN to A in %d ms", ms);
	ret = nschild_call(&self->a, ns_exists, "ram2");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram2 is not in A's view: %s", errstr(ret));
	}
	ret = timed(other_namespace, &ms);
	EXPECT_EQ(0, ret) {
		TH_LOG("another namespace could not mount, allocate or read /proc: %s",
		       errstr(ret));
	}

	release_staller(_metadata, &self->a, &self->staller);
	ret = revoke_blk(RAM(2));
	EXPECT_EQ(0, ret) {
		TH_LOG("host REVOKE of ram2: %s", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A exited with status %d", ret);
	}
}

TEST_HARNESS_MAIN

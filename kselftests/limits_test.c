// SPDX-License-Identifier: GPL-2.0
/*
 * limits_test - a view's mount options and limits
 *
 * A view takes tmpfs's option names (stock container configurations mount
 * /dev with mode=755,size=65536k) and bounds what its users make: at most
 * nr_inodes inodes, and size bytes of symlink targets and regular files'
 * pages. Unknown options and values out of range fail, as they do on tmpfs.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "fixtures.h"

/* In a namespace child: mount its (new) view on VIEW with options @arg. */
static int ns_mount_with(const char *arg)
{
	return mount("none", VIEW, FSTYPE, 0, arg) ? -errno : 0;
}

static int ns_root_mode(const char *arg)
{
	struct stat st;

	return stat(VIEW, &st) ? -errno : (int)(st.st_mode & 07777);
}

/* The root directory's owner (an id of the namespace), or -errno. */
static int ns_root_uid(const char *arg)
{
	struct stat st;

	return stat(VIEW, &st) ? -errno : (int)st.st_uid;
}

/* The root directory's group (an id of the namespace), or -errno. */
static int ns_root_gid(const char *arg)
{
	struct stat st;

	return stat(VIEW, &st) ? -errno : (int)st.st_gid;
}

/* mkdir VIEW/d0, d1, ... until it fails: how many, and the errno. */
static int ns_mkdirs(const char *arg)
{
	char path[64];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), VIEW "/d%d", i);
		if (mkdir(path, 0755))
			return errno == ENOSPC ? i : -errno;
	}
	return -E2BIG;
}

static int ns_rmdir0(const char *arg)
{
	return rmdir(VIEW "/d0") ? -errno : 0;
}

static int ns_mkdir0(const char *arg)
{
	return mkdir(VIEW "/d0", 0755) ? -errno : 0;
}

/* A symlink at VIEW/linkN whose target is N (@arg) bytes long. */
static int ns_symlink_of(const char *arg)
{
	char target[4096], path[64];
	int n = atoi(arg);

	if (n <= 0 || n >= (int)sizeof(target))
		return -EINVAL;
	memset(target, 'x', n);
	target[n] = '\0';
	snprintf(path, sizeof(path), VIEW "/link%d", n);
	return symlink(target, path) ? -errno : 0;
}

/*
 * A file operation in VIEW, "OP NAME N [OFF]": "write" N bytes at OFF,
 * "trunc" to N, "size" (the answer is st_size), "unlink".
 * Return: 0 (or the size), or the negative errno.
 */
static int ns_file(const char *arg)
{
	char op[16], name[32], path[64], buf[4096];
	long n = 0, off = 0, done = 0;
	struct stat st;
	ssize_t w;
	int fd, ret = 0;

	if (sscanf(arg, "%15s %31s %ld %ld", op, name, &n, &off) < 2)
		return -EINVAL;
	snprintf(path, sizeof(path), VIEW "/%s", name);
	if (!strcmp(op, "unlink"))
		return unlink(path) ? -errno : 0;
	if (!strcmp(op, "size"))
		return stat(path, &st) ? -errno : (int)st.st_size;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (!strcmp(op, "trunc")) {
		ret = ftruncate(fd, n) ? -errno : 0;
	} else {
		memset(buf, 'x', sizeof(buf));
		while (!ret && done < n) {
			w = pwrite(fd, buf, n - done < (long)sizeof(buf) ?
				   n - done : (long)sizeof(buf), off + done);
			if (w < 0)
				ret = -errno;
			done += w > 0 ? w : 0;
		}
	}
	close(fd);
	return ret;
}

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

struct cachestat_range_compat {
	__u64 off;
	__u64 len;
};

struct cachestat_compat {
	__u64 nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

/* Does the kernel have cachestat(2) (6.5+)? It answers a bad fd EBADF. */
static bool have_cachestat(void)
{
	struct cachestat_range_compat r = { 0, 0 };
	struct cachestat_compat cs;

	return syscall(__NR_cachestat, -1, &r, &cs, 0) && errno == EBADF;
}

/* "NAME": how many pages of VIEW/NAME the page cache holds (cachestat(2)). */
static int ns_pages(const char *arg)
{
	struct cachestat_range_compat r = { 0, 0 };
	struct cachestat_compat cs;
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), VIEW "/%s", arg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_cachestat, fd, &r, &cs, 0) ? -errno : (int)cs.nr_cache;
	close(fd);
	return ret;
}

/* "NAME LEN": read VIEW/NAME's first LEN bytes; 0 if all are zero, 1 if not. */
static int ns_read_zeroes(const char *arg)
{
	char name[32], path[64], buf[65536];
	ssize_t n;
	int fd, len = 0, i;

	if (sscanf(arg, "%31s %d", name, &len) != 2 || len > (int)sizeof(buf))
		return -EINVAL;
	snprintf(path, sizeof(path), VIEW "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	close(fd);
	if (n != len)
		return n < 0 ? -errno : -EIO;
	for (i = 0; i < len; i++)
		if (buf[i])
			return 1;
	return 0;
}

/* "NAME OFF": a write from an unmapped buffer at OFF: its errno. */
static int ns_write_fault(const char *arg)
{
	char name[32], path[64];
	long off = 0;
	void *bad;
	int fd, ret;

	if (sscanf(arg, "%31s %ld", name, &off) != 2)
		return -EINVAL;
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bad == MAP_FAILED)
		return -errno;
	snprintf(path, sizeof(path), VIEW "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ret = fd < 0 ? -errno : (pwrite(fd, bad, 4096, off) < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	munmap(bad, 4096);
	return ret;
}

/* Every test has namespace A (root mapped to CHILD_ID_BASE), no view yet. */
FIXTURE(limits) {
	struct nschild a;
};

FIXTURE_SETUP(limits)
{
	int ret;

	self->a.pid = -1;
	ensure_view_dir();
	ret = nschild_start(&self->a, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start namespace A: %s", errstr(ret));
	}
}

FIXTURE_TEARDOWN(limits)
{
	ns_stop_quietly(&self->a);
}

/* A mounts its view on VIEW with the options @opts. */
#define ASSERT_MOUNT(opts) do {						\
	const char *__o = (opts);					\
	int __r = nschild_call(&self->a, ns_mount_with, __o);		\
	ASSERT_EQ(0, __r) {						\
		TH_LOG("A mounts its view with %s: %s", __o,		\
		       errstr(__r));					\
	}								\
} while (0)

/* @fn(@arg) in A answers @want; a mismatch logs @what and the answer. */
#define EXPECT_IN_A(want, fn, arg, what) do {				\
	const char *__a = (arg);					\
	int __r = nschild_call(&self->a, fn, __a);			\
	EXPECT_EQ(want, __r) {						\
		TH_LOG("%s: %s(%s): %d (%s)", what, #fn,		\
		       __a ? __a : "", __r, errstr(__r));		\
	}								\
} while (0)

/* A stops with exit status 0. */
#define EXPECT_A_STOPS() do {						\
	int __r = nschild_stop(&self->a);				\
	EXPECT_EQ(0, __r) {						\
		TH_LOG("A exited with status %d", __r);			\
	}								\
} while (0)

TEST_F(limits, stock_container_options_are_accepted)
{
	EXPECT_IN_A(0, ns_mount_with, "mode=755,size=65536k",
		    "a runtime's stock /dev options");
	EXPECT_IN_A(0755, ns_root_mode, NULL, "the root directory's mode");
	EXPECT_IN_A(1, ns_exists, "null", "null in the view");
	EXPECT_A_STOPS();
}

TEST_F(limits, root_mode_uid_and_gid)
{
	/* Not root's ids, which a view's root has anyway. */
	EXPECT_IN_A(0, ns_mount_with, "mode=0711,uid=5,gid=7", "mode, uid and gid");
	EXPECT_IN_A(0711, ns_root_mode, NULL, "the root directory's mode");
	EXPECT_IN_A(5, ns_root_uid, NULL, "the root directory's owner");
	EXPECT_IN_A(7, ns_root_gid, NULL, "the root directory's group");
	EXPECT_A_STOPS();
}

TEST_F(limits, bad_options_fail)
{
	static const char * const bad[] = {
		"bogus=1", "size=0", "size=12q", "size=1g", "nr_inodes=0",
		"nr_inodes=2m",
		"uid=70000",	/* only ids of the namespace: 70000 is not mapped */
		"mode=abc",
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = nschild_call(&self->a, ns_mount_with, bad[i]);
		EXPECT_EQ(-EINVAL, ret) {
			TH_LOG("mount with %s: %s, not EINVAL", bad[i], errstr(ret));
		}
	}
	EXPECT_A_STOPS();
}

TEST_F(limits, what_users_make_is_bounded)
{
	ASSERT_MOUNT("nr_inodes=5,size=1k");
	EXPECT_IN_A(5, ns_mkdirs, NULL, "nr_inodes=5: mkdir until ENOSPC");
	EXPECT_IN_A(-ENOSPC, ns_symlink_of, "10", "a symlink with no inode left");
	/* What is removed is given back... */
	EXPECT_IN_A(0, ns_rmdir0, NULL, "rmdir d0");
	/* ...and a symlink counts its target's bytes. */
	EXPECT_IN_A(-ENOSPC, ns_symlink_of, "2000",
		    "a 2000-byte symlink target in size=1k");
	EXPECT_IN_A(0, ns_symlink_of, "1000", "a 1000-byte symlink target in size=1k");
	EXPECT_IN_A(-ENOSPC, ns_mkdir0, NULL, "mkdir with the inode back but no byte left");
	/* The module's own nodes do not count: the devices are all there. */
	EXPECT_IN_A(1, ns_exists, "null", "null in a full view");
	EXPECT_IN_A(1, ns_exists, "loop-control", "loop-control in a full view");
	EXPECT_A_STOPS();
}

/*
 * Regular files (bind-mount targets, a boot id) count their pages against
 * size: a view's users cannot fill the host's memory through them.
 */
TEST_F(limits, file_data_is_bounded)
{
	ASSERT_MOUNT("size=16k");
	EXPECT_IN_A(0, ns_file, "write f 16384 0", "fill size=16k with one file");
	EXPECT_IN_A(16384, ns_file, "size f", "the full file's size");
	/* No file is longer than the view's bytes... */
	EXPECT_IN_A(-EFBIG, ns_file, "write f 1 16384", "a write past size");
	EXPECT_IN_A(-EFBIG, ns_file, "trunc g 16385", "a truncate past size");
	/* ...and all of them together take no more. */
	EXPECT_IN_A(-ENOSPC, ns_file, "write g 1 0", "a second file's page in a full view");
	EXPECT_IN_A(-ENOSPC, ns_file, "trunc g 4096", "a second file's truncate up");
	EXPECT_IN_A(-ENOSPC, ns_symlink_of, "10", "a symlink in a full view");
	EXPECT_IN_A(0, ns_file, "size g", "the second file's size");
	/* Whole pages: a shorter first file gives back what it no longer uses. */
	EXPECT_IN_A(0, ns_file, "trunc f 8193", "truncate the first file to 3 pages");
	EXPECT_IN_A(0, ns_file, "write g 4096 0", "the page given back");
	EXPECT_IN_A(-ENOSPC, ns_file, "write g 1 4096", "a page more than given back");
	/* A file that goes gives back all of it. */
	EXPECT_IN_A(0, ns_file, "unlink f", "unlink the first file");
	EXPECT_IN_A(0, ns_file, "write g 8192 4096", "the pages the unlink gave back");
	EXPECT_IN_A(12288, ns_file, "size g", "the second file's size");
	EXPECT_IN_A(-ENOSPC, ns_file, "write h 4097 0", "a page more than is left");
	EXPECT_IN_A(0, ns_file, "write h 4096 0", "the last page");
	EXPECT_A_STOPS();
}

/*
 * Only writes add pages, and only within the file's charged size: holes
 * read as zeroes without a page (a read racing a truncate could otherwise
 * leave an uncharged, unevictable page past the end), and a write that
 * faults on its buffer leaves none past the end. Pages are counted with
 * cachestat(2) where the kernel has it (6.5+).
 */
TEST_F(limits, reads_and_failed_writes_add_no_page)
{
	int pages, ret;

	ASSERT_MOUNT("size=64k");
	ret = nschild_call(&self->a, ns_file, "trunc f 12288");
	ASSERT_EQ(0, ret) {
		TH_LOG("truncate f to 3 pages: %s", errstr(ret));
	}
	EXPECT_IN_A(0, ns_read_zeroes, "f 12288", "read a 3-page hole (1: not zeroes)");
	if (have_cachestat()) {
		pages = nschild_call(&self->a, ns_pages, "f");
		EXPECT_EQ(0, pages) {
			TH_LOG("reading a 3-page hole added %d pages (%s)", pages,
			       errstr(pages));
		}
	}
	ret = nschild_call(&self->a, ns_file, "write f 1 0");
	ASSERT_EQ(0, ret) {
		TH_LOG("write f's first byte: %s", errstr(ret));
	}
	EXPECT_IN_A(-EFAULT, ns_write_fault, "f 12288",
		    "a write from an unmapped buffer at the end");
	EXPECT_IN_A(12288, ns_file, "size f", "f's size after the faulting write");
	if (have_cachestat()) {
		pages = nschild_call(&self->a, ns_pages, "f");
		EXPECT_EQ(1, pages) {
			TH_LOG("a faulting write past the end left %d pages (%s)",
			       pages - 1, errstr(pages));
		}
	}
	/* Written data reads back; the rest of the page and the file: zeroes. */
	EXPECT_IN_A(1, ns_read_zeroes, "f 12288", "read f back (0: all zeroes)");
	EXPECT_A_STOPS();
}

TEST_HARNESS_MAIN

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

#include "helpers.h"

#include "kselftest_harness.h"

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

/* The root directory's owner, as uid * 1000 + gid (ids of the namespace). */
static int ns_root_owner(const char *arg)
{
	struct stat st;

	return stat(VIEW, &st) ? -errno : (int)(st.st_uid * 1000 + st.st_gid);
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

TEST(stock_container_options_are_accepted)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	EXPECT_EQ(0, nschild_call(&a, ns_mount_with, "mode=755,size=65536k"));
	EXPECT_EQ(0755, nschild_call(&a, ns_root_mode, NULL));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "null"));
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST(root_mode_uid_and_gid)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	/* Not root's ids, which a view's root has anyway. */
	EXPECT_EQ(0, nschild_call(&a, ns_mount_with, "mode=0711,uid=5,gid=7"));
	EXPECT_EQ(0711, nschild_call(&a, ns_root_mode, NULL));
	EXPECT_EQ(5 * 1000 + 7, nschild_call(&a, ns_root_owner, NULL));
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST(bad_options_fail)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "bogus=1"));
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "size=0"));
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "size=12q"));
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "size=1g"));
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "nr_inodes=0"));
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "nr_inodes=2m"));
	/* Only ids of the namespace: 70000 is not mapped in it. */
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "uid=70000"));
	EXPECT_EQ(-EINVAL, nschild_call(&a, ns_mount_with, "mode=abc"));
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST(what_users_make_is_bounded)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_with, "nr_inodes=5,size=1k"));
	EXPECT_EQ(5, nschild_call(&a, ns_mkdirs, NULL)) {
		TH_LOG("nr_inodes=5 did not stop mkdir at the sixth inode");
	}
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_symlink_of, "10"));
	/* What is removed is given back... */
	EXPECT_EQ(0, nschild_call(&a, ns_rmdir0, NULL));
	/* ...and a symlink counts its target's bytes. */
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_symlink_of, "2000")) {
		TH_LOG("a 2000-byte symlink target passed size=1k");
	}
	EXPECT_EQ(0, nschild_call(&a, ns_symlink_of, "1000"));
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_mkdir0, NULL));
	/* The module's own nodes do not count: the devices are all there. */
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "null"));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "loop-control"));
	EXPECT_EQ(0, nschild_stop(&a));
}

/*
 * Regular files (bind-mount targets, a boot id) count their pages against
 * size: a view's users cannot fill the host's memory through them.
 */
TEST(file_data_is_bounded)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_with, "size=16k"));
	EXPECT_EQ(0, nschild_call(&a, ns_file, "write f 16384 0"));
	EXPECT_EQ(16384, nschild_call(&a, ns_file, "size f"));
	/* No file is longer than the view's bytes... */
	EXPECT_EQ(-EFBIG, nschild_call(&a, ns_file, "write f 1 16384"));
	EXPECT_EQ(-EFBIG, nschild_call(&a, ns_file, "trunc g 16385"));
	/* ...and all of them together take no more. */
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_file, "write g 1 0")) {
		TH_LOG("a second file's page passed size=16k");
	}
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_file, "trunc g 4096"));
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_symlink_of, "10"));
	EXPECT_EQ(0, nschild_call(&a, ns_file, "size g"));
	/* Whole pages: a shorter first file gives back what it no longer uses. */
	EXPECT_EQ(0, nschild_call(&a, ns_file, "trunc f 8193"));
	EXPECT_EQ(0, nschild_call(&a, ns_file, "write g 4096 0"));
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_file, "write g 1 4096"));
	/* A file that goes gives back all of it. */
	EXPECT_EQ(0, nschild_call(&a, ns_file, "unlink f"));
	EXPECT_EQ(0, nschild_call(&a, ns_file, "write g 8192 4096"));
	EXPECT_EQ(12288, nschild_call(&a, ns_file, "size g"));
	EXPECT_EQ(-ENOSPC, nschild_call(&a, ns_file, "write h 4097 0"));
	EXPECT_EQ(0, nschild_call(&a, ns_file, "write h 4096 0"));
	EXPECT_EQ(0, nschild_stop(&a));
}

/*
 * Only writes add pages, and only within the file's charged size: holes
 * read as zeroes without a page (a read racing a truncate could otherwise
 * leave an uncharged, unevictable page past the end), and a write that
 * faults on its buffer leaves none past the end. Pages are counted with
 * cachestat(2) where the kernel has it (6.5+).
 */
TEST(reads_and_failed_writes_add_no_page)
{
	struct nschild a;
	int pages;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_with, "size=64k"));
	ASSERT_EQ(0, nschild_call(&a, ns_file, "trunc f 12288"));
	EXPECT_EQ(0, nschild_call(&a, ns_read_zeroes, "f 12288"));
	if (have_cachestat()) {
		pages = nschild_call(&a, ns_pages, "f");
		EXPECT_EQ(0, pages) {
			TH_LOG("reading a 3-page hole added %d pages", pages);
		}
	}
	ASSERT_EQ(0, nschild_call(&a, ns_file, "write f 1 0"));
	EXPECT_EQ(-EFAULT, nschild_call(&a, ns_write_fault, "f 12288"));
	EXPECT_EQ(12288, nschild_call(&a, ns_file, "size f"));
	if (have_cachestat()) {
		pages = nschild_call(&a, ns_pages, "f");
		EXPECT_EQ(1, pages) {
			TH_LOG("a faulting write past the end left %d pages", pages - 1);
		}
	}
	/* Written data reads back; the rest of the page and the file: zeroes. */
	EXPECT_EQ(1, nschild_call(&a, ns_read_zeroes, "f 12288"));
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST_HARNESS_MAIN

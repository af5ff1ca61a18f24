// SPDX-License-Identifier: GPL-2.0
/*
 * views_test - the nsdevtmpfs filesystem and the ownership registry
 *
 * SPEC §2 and §3, one test per behaviour: the default content, one shared
 * tree per user namespace, different trees for different namespaces, views
 * mounted by unprivileged users, owned devices visible only to their owner
 * (and not to parents, siblings or children), hotplug on ASSIGN, REVOKE and
 * device removal, delegation down the tree, /proc filtering, every
 * ioctl's bad input leaving the registry untouched, and loop devices
 * refused by ASSIGN. The block devices assigned are brd's ramdisks.
 * Isolation attacks are in attacks_test.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

#include "kselftest_harness.h"
#include "fixtures.h"

/* errno of a failed call (-1), or 0 when it succeeded. */
static int err_of(long ret)
{
	return ret == -1 ? errno : 0;
}

static mode_t current_umask(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return mask;
}

#define LISTING_MAX	128

struct listing {
	char *lines[LISTING_MAX];
	int n;
};

/*
 * Add a line per entry under @top/@rel to @l, recursively: "name d MODE
 * UID:GID", "name l TARGET", "name c|b MAJ:MIN MODE UID:GID".
 */
static int list_tree(const char *top, const char *rel, struct listing *l)
{
	char path[1024], sub[512], line[1024], target[256];
	struct dirent *e;
	struct stat st;
	ssize_t len;
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s%s", top, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d)
		return -errno;
	while (!ret && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", top, sub);
		if (lstat(path, &st)) {
			ret = -errno;
			break;
		}
		switch (st.st_mode & S_IFMT) {
		case S_IFDIR:
			snprintf(line, sizeof(line), "%s d %04o %u:%u", sub,
				 st.st_mode & 07777, st.st_uid, st.st_gid);
			break;
		case S_IFLNK:
			len = readlink(path, target, sizeof(target) - 1);
			target[len < 0 ? 0 : len] = '\0';
			snprintf(line, sizeof(line), "%s l %s", sub, target);
			break;
		case S_IFCHR:
		case S_IFBLK:
			snprintf(line, sizeof(line), "%s %c %u:%u %04o %u:%u", sub,
				 S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
				 minor(st.st_rdev), st.st_mode & 07777, st.st_uid,
				 st.st_gid);
			break;
		default:
			snprintf(line, sizeof(line), "%s ? %o", sub, st.st_mode);
		}
		if (l->n == LISTING_MAX) {
			ret = -E2BIG;
			break;
		}
		l->lines[l->n++] = strdup(line);
		if (S_ISDIR(st.st_mode))
			ret = list_tree(top, sub, l);
	}
	closedir(d);
	return ret;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* Every entry under @dir, a sorted line each (malloc'ed), or NULL. */
static char *view_listing(const char *dir)
{
	struct listing l = { .n = 0 };
	size_t size = 1;
	char *text;
	int i, ret;

	ret = list_tree(dir, "", &l);
	qsort(l.lines, l.n, sizeof(l.lines[0]), cmp_lines);
	for (i = 0; i < l.n; i++)
		size += strlen(l.lines[i]) + 1;
	text = ret ? NULL : malloc(size);
	if (text)
		text[0] = '\0';
	for (i = 0; i < l.n; i++) {
		if (text)
			strcat(strcat(text, l.lines[i]), "\n");
		free(l.lines[i]);
	}
	return text;
}

/* "MAJ:MIN" of the misc device @name, from sysfs. */
static void misc_devt(const char *name, char *buf, size_t len)
{
	char path[128], *text;

	snprintf(path, sizeof(path), "/sys/class/misc/%s/dev", name);
	text = slurp(path);
	snprintf(buf, len, "%s", text ? text : "?");
	buf[strcspn(buf, "\n")] = '\0';
	free(text);
}

/*
 * The whole of a fresh view, sorted (SPEC §2): the global devices, the
 * module's two, the directories and the symlinks, all root's of the
 * view's namespace; nothing else. The misc devices' minors are dynamic.
 */
static char *expected_listing(void)
{
	char control[32], loopctl[32], *text = malloc(2048);

	misc_devt(NSDEVTMPFS_CONTROL_NAME, control, sizeof(control));
	misc_devt(NSDEVTMPFS_LOOPCTL_NAME, loopctl, sizeof(loopctl));
	if (text)
		snprintf(text, 2048,
			 "fd l /proc/self/fd\n"
			 "full c 1:7 0666 0:0\n"
			 "fuse c 10:229 0666 0:0\n"
			 "loop-control c %s 0666 0:0\n"
			 "mqueue d 0755 0:0\n"
			 "net d 0755 0:0\n"
			 "net/tun c 10:200 0666 0:0\n"
			 "nsdevtmpfs-control c %s 0600 0:0\n"
			 "null c 1:3 0666 0:0\n"
			 "ptmx l pts/ptmx\n"
			 "pts d 0755 0:0\n"
			 "random c 1:8 0666 0:0\n"
			 "shm d 0755 0:0\n"
			 "stderr l /proc/self/fd/2\n"
			 "stdin l /proc/self/fd/0\n"
			 "stdout l /proc/self/fd/1\n"
			 "tty c 5:0 0666 0:0\n"
			 "urandom c 1:9 0666 0:0\n"
			 "zero c 1:5 0666 0:0\n",
			 loopctl, control);
	return text;
}

static int mount_view_at(const char *dir)
{
	mkdir(dir, 0755);
	return mount("none", dir, FSTYPE, 0, NULL) ? -errno : 0;
}

/* What ns_exists() answered, in words. */
static const char *existstr(int ret)
{
	return ret == 1 ? "present" : ret == 0 ? "absent" : strerror(-ret);
}

/* A positive errno (err_of()) in words. */
static const char *errnostr(int err)
{
	return err ? strerror(err) : "succeeded";
}

/* A fixture: the test body runs in its own mount namespace. */
FIXTURE(view) {
	char dir[64];
};

FIXTURE_SETUP(view)
{
	int ret;

	ASSERT_EQ(0, unshare(CLONE_NEWNS)) {
		TH_LOG("unshare(CLONE_NEWNS): %s", strerror(errno));
	}
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		TH_LOG("make / private: %s", strerror(errno));
	}
	snprintf(self->dir, sizeof(self->dir), "/tmp/nsdev-host-view");
	ret = mount_view_at(self->dir);
	ASSERT_EQ(0, ret) {
		TH_LOG("mount -t nsdevtmpfs on %s: %s", self->dir, errstr(ret));
	}
	ensure_view_dir();
}

FIXTURE_TEARDOWN(view)
{
	umount2(self->dir, MNT_DETACH);
}

TEST_F(view, default_content)
{
	char *want = expected_listing(), *got = view_listing(self->dir);

	ASSERT_NE(NULL, want) {
		TH_LOG("out of memory for the expected listing");
	}
	ASSERT_NE(NULL, got) {
		TH_LOG("listing %s failed", self->dir);
	}
	/* The delegation device, not the real loop-control (10:237). */
	EXPECT_EQ(NULL, strstr(want, "loop-control c 10:237 ")) {
		TH_LOG("/sys/class/misc/%s is the real loop-control's 10:237",
		       NSDEVTMPFS_LOOPCTL_NAME);
	}
	EXPECT_STREQ(want, got) {
		TH_LOG("the initial namespace's fresh view is not exactly the default content");
	}
	free(want);
	free(got);
}

TEST_F(view, nodes_work)
{
	char path[128], buf[16];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/null", self->dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0) {
		TH_LOG("open %s for writing: %s", path, strerror(errno));
	}
	n = write(fd, "hello", 5);
	EXPECT_EQ(5, n) {
		TH_LOG("write 5 bytes to %s: %s", path,
		       n < 0 ? strerror(errno) : "short write");
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/urandom", self->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0) {
		TH_LOG("open %s: %s", path, strerror(errno));
	}
	n = read(fd, buf, sizeof(buf));
	EXPECT_EQ(sizeof(buf), n) {
		TH_LOG("read %zu bytes from %s: %s", sizeof(buf), path,
		       n < 0 ? strerror(errno) : "short read");
	}
	close(fd);
}

TEST_F(view, two_mounts_share_the_tree)
{
	char link[128], target[16];
	ssize_t n;
	int ret;

	ret = mount_view_at("/tmp/nsdev-host-view2");
	ASSERT_EQ(0, ret) {
		TH_LOG("second mount on /tmp/nsdev-host-view2: %s", errstr(ret));
	}
	snprintf(link, sizeof(link), "%s/marker", self->dir);
	ASSERT_EQ(0, symlink("null", link)) {
		TH_LOG("symlink %s: %s", link, strerror(errno));
	}
	n = readlink("/tmp/nsdev-host-view2/marker", target, sizeof(target) - 1);
	ASSERT_EQ(4, n) {
		TH_LOG("a symlink made in one mount is not seen in the other: %s",
		       n < 0 ? strerror(errno) : "wrong target");
	}
	unlink(link);
	umount("/tmp/nsdev-host-view2");
}

TEST_F(view, root_may_reshape)
{
	char a[128], b[128];
	struct stat st;

	snprintf(a, sizeof(a), "%s/d", self->dir);
	ASSERT_EQ(0, mkdir(a, 0700)) {
		TH_LOG("mkdir %s: %s", a, strerror(errno));
	}
	snprintf(b, sizeof(b), "%s/d/zero", self->dir);
	snprintf(a, sizeof(a), "%s/zero", self->dir);
	ASSERT_EQ(0, rename(a, b)) {
		TH_LOG("rename %s to %s: %s", a, b, strerror(errno));
	}
	ASSERT_EQ(0, chmod(b, 0600)) {
		TH_LOG("chmod 0600 %s: %s", b, strerror(errno));
	}
	ASSERT_EQ(0, chown(b, 1, 1)) {
		TH_LOG("chown 1:1 %s: %s", b, strerror(errno));
	}
	ASSERT_EQ(0, stat(b, &st)) {
		TH_LOG("stat %s: %s", b, strerror(errno));
	}
	EXPECT_EQ(0600, st.st_mode & 07777) {
		TH_LOG("%s has mode %o after chmod 0600", b, st.st_mode & 07777);
	}
	EXPECT_EQ(1, (int)st.st_uid) {
		TH_LOG("%s has uid %u after chown 1", b, st.st_uid);
	}
	ASSERT_EQ(0, unlink(b)) {
		TH_LOG("unlink %s: %s", b, strerror(errno));
	}
	snprintf(a, sizeof(a), "%s/d", self->dir);
	ASSERT_EQ(0, rmdir(a)) {
		TH_LOG("rmdir %s: %s", a, strerror(errno));
	}
}

/* The initial root has CAP_MKNOD: the view itself has no ->mknod. */
TEST_F(view, root_may_not_make_nodes)
{
	struct stat st;
	char a[128];
	int err;

	snprintf(a, sizeof(a), "%s/mynull", self->dir);
	err = err_of(mknod(a, S_IFCHR | 0666, makedev(1, 3)));
	EXPECT_EQ(EPERM, err) {
		TH_LOG("mknod of a character node: %s, want EPERM", errnostr(err));
	}
	err = err_of(mknod(a, S_IFIFO | 0666, 0));
	EXPECT_EQ(EPERM, err) {
		TH_LOG("mknod of a FIFO: %s, want EPERM", errnostr(err));
	}
	err = err_of(open(self->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
	EXPECT_EQ(EOPNOTSUPP, err) {
		TH_LOG("O_TMPFILE in the view: %s, want EOPNOTSUPP",
		       errnostr(err));
	}
	err = err_of(lstat(a, &st));
	EXPECT_EQ(ENOENT, err) {
		TH_LOG("lstat %s after the refused mknods: %s, want ENOENT", a,
		       errnostr(err));
	}
}

#define BOOT_ID		"0f4f6a1c-63bb-4c54-9c1a-7a5e2cf1e5b1\n"

/*
 * Regular files as on tmpfs: what container runtimes make in /dev (crun's
 * console bind-mount target, LXC's boot id) and use as they would there.
 */
TEST_F(view, regular_file_reads_and_writes_like_tmpfs)
{
	char a[128], buf[64];
	struct stat st;
	off_t off = 0;
	ssize_t n;
	void *map;
	int fd, null, err;

	snprintf(a, sizeof(a), "%s/.boot-id", self->dir);
	fd = open(a, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0640);
	ASSERT_GE(fd, 0) {
		TH_LOG("O_CREAT in a view: %s", strerror(errno));
	}
	ASSERT_EQ(0, fstat(fd, &st)) {
		TH_LOG("fstat %s: %s", a, strerror(errno));
	}
	EXPECT_TRUE(S_ISREG(st.st_mode)) {
		TH_LOG("O_CREAT made mode %o, not a regular file", st.st_mode);
	}
	EXPECT_EQ(0640 & ~current_umask(), st.st_mode & 07777) {
		TH_LOG("O_CREAT 0640 made mode %o under umask %o",
		       st.st_mode & 07777, current_umask());
	}
	EXPECT_EQ(0, (int)st.st_uid) {
		TH_LOG("the new file is uid %u's, not the creator's 0", st.st_uid);
	}
	n = pwrite(fd, BOOT_ID, 37, 0);
	ASSERT_EQ(37, n) {
		TH_LOG("pwrite 37 bytes: %s", n < 0 ? strerror(errno) : "short");
	}
	n = pread(fd, buf, sizeof(buf), 0);
	EXPECT_EQ(37, n) {
		TH_LOG("pread back: %s", n < 0 ? strerror(errno) : "wrong size");
	}
	EXPECT_EQ(0, memcmp(buf, BOOT_ID, 32)) {
		TH_LOG("read back \"%.32s\", not what was written", buf);
	}
	ASSERT_EQ(0, fstat(fd, &st)) {
		TH_LOG("fstat %s: %s", a, strerror(errno));
	}
	EXPECT_EQ(37, st.st_size) {
		TH_LOG("size %lld after writing 37 bytes", (long long)st.st_size);
	}
	/* splice (sendfile, cp's copy_file_range fallback) reads it too. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(null, 0) {
		TH_LOG("open /dev/null: %s", strerror(errno));
	}
	n = sendfile(null, fd, &off, 100);
	EXPECT_EQ(37, n) {
		TH_LOG("sendfile from the view's file: %s",
		       n < 0 ? strerror(errno) : "wrong size");
	}
	close(null);
	/* No mmap: every page a file has is within its charged size. */
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	err = map == MAP_FAILED ? errno : 0;
	EXPECT_EQ(ENODEV, err) {
		TH_LOG("mmap of a view's regular file: %s, want ENODEV",
		       errnostr(err));
	}
	if (map != MAP_FAILED)
		munmap(map, 4096);
	EXPECT_EQ(0, ftruncate(fd, 5)) {
		TH_LOG("ftruncate to 5: %s", strerror(errno));
	}
	ASSERT_EQ(0, fstat(fd, &st)) {
		TH_LOG("fstat %s: %s", a, strerror(errno));
	}
	EXPECT_EQ(5, st.st_size) {
		TH_LOG("size %lld after ftruncate to 5", (long long)st.st_size);
	}
	close(fd);
	unlink(a);
}

/* Linked, renamed and removed like any other file. */
TEST_F(view, regular_file_is_linked_renamed_and_removed)
{
	char a[128], b[128];
	struct stat st;
	int fd, err;

	snprintf(a, sizeof(a), "%s/.boot-id", self->dir);
	fd = open(a, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0640);
	ASSERT_GE(fd, 0) {
		TH_LOG("O_CREAT in a view: %s", strerror(errno));
	}
	close(fd);
	snprintf(b, sizeof(b), "%s/shm/id", self->dir);
	EXPECT_EQ(0, link(a, b)) {
		TH_LOG("link %s to %s: %s", a, b, strerror(errno));
	}
	EXPECT_EQ(0, unlink(a)) {
		TH_LOG("unlink %s: %s", a, strerror(errno));
	}
	EXPECT_EQ(0, rename(b, a)) {
		TH_LOG("rename %s to %s: %s", b, a, strerror(errno));
	}
	EXPECT_EQ(0, unlink(a)) {
		TH_LOG("unlink %s after the rename: %s", a, strerror(errno));
	}
	err = err_of(lstat(a, &st));
	EXPECT_EQ(ENOENT, err) {
		TH_LOG("lstat %s after unlink: %s, want ENOENT", a, errnostr(err));
	}
}

/* A bind-mount target: crun's /dev/console, podman's --device. */
TEST_F(view, regular_file_is_a_bind_mount_target)
{
	char a[128], b[128];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(a, sizeof(a), "%s/console", self->dir);
	ASSERT_EQ(0, mknod(a, S_IFREG | 0600, 0)) {
		TH_LOG("mknod(S_IFREG) %s: %s", a, strerror(errno));
	}
	snprintf(b, sizeof(b), "%s/null", self->dir);
	ASSERT_EQ(0, mount(b, a, NULL, MS_BIND, NULL)) {
		TH_LOG("bind mount on a view's regular file: %s", strerror(errno));
	}
	ASSERT_EQ(0, stat(a, &st)) {
		TH_LOG("stat %s: %s", a, strerror(errno));
	}
	EXPECT_TRUE(S_ISCHR(st.st_mode)) {
		TH_LOG("%s has mode %o, not the bound character device", a,
		       st.st_mode);
	}
	EXPECT_EQ(makedev(1, 3), st.st_rdev) {
		TH_LOG("%s is %u:%u, not null's 1:3", a, major(st.st_rdev),
		       minor(st.st_rdev));
	}
	fd = open(a, O_WRONLY | O_CLOEXEC);
	EXPECT_GE(fd, 0) {
		TH_LOG("open %s: %s", a, strerror(errno));
	}
	n = write(fd, "hello", 5);
	EXPECT_EQ(5, n) {
		TH_LOG("write to the bound null: %s",
		       n < 0 ? strerror(errno) : "short write");
	}
	close(fd);
	EXPECT_EQ(0, umount(a)) {
		TH_LOG("umount %s: %s", a, strerror(errno));
	}
	EXPECT_EQ(0, unlink(a)) {
		TH_LOG("unlink %s: %s", a, strerror(errno));
	}
}

TEST_F(view, fresh_after_last_umount)
{
	char link[128];
	struct stat st;
	int ret;

	snprintf(link, sizeof(link), "%s/marker", self->dir);
	ASSERT_EQ(0, symlink("null", link)) {
		TH_LOG("symlink %s: %s", link, strerror(errno));
	}
	snprintf(link, sizeof(link), "%s/null", self->dir);
	ASSERT_EQ(0, unlink(link)) {
		TH_LOG("unlink %s: %s", link, strerror(errno));
	}
	ASSERT_EQ(0, umount(self->dir)) {
		TH_LOG("umount %s: %s", self->dir, strerror(errno));
	}
	ret = mount_view_at(self->dir);
	ASSERT_EQ(0, ret) {
		TH_LOG("mount %s again: %s", self->dir, errstr(ret));
	}
	snprintf(link, sizeof(link), "%s/marker", self->dir);
	ret = err_of(lstat(link, &st));
	EXPECT_EQ(ENOENT, ret) {
		TH_LOG("the marker symlink outlived the last umount: lstat %s",
		       errnostr(ret));
	}
	snprintf(link, sizeof(link), "%s/null", self->dir);
	EXPECT_EQ(0, lstat(link, &st)) {
		TH_LOG("the default content did not come back: lstat %s: %s",
		       link, strerror(errno));
	}
}

/* --- namespaces ---------------------------------------------------------- */

static int ns_marker(const char *arg)
{
	return symlink("null", VIEW "/marker") ? -errno : 0;
}

static int ns_st_dev(const char *arg)
{
	struct stat st;

	return stat(VIEW, &st) ? -errno : (int)minor(st.st_dev);
}

/* The uid (ARG "uid") or gid (ARG "gid") of VIEW/null, or -errno. */
static int ns_null_owner(const char *arg)
{
	struct stat st;

	if (stat(VIEW "/null", &st))
		return -errno;
	return strcmp(arg, "gid") ? (int)st.st_uid : (int)st.st_gid;
}

TEST_F(two_ns, sibling_namespaces_have_their_own_views)
{
	int ret, dev_a, dev_b;

	ret = nschild_call(&self->a, ns_marker, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A makes a symlink in its view: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "marker");
	EXPECT_EQ(1, ret) {
		TH_LOG("A's symlink in A's view: %s", existstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "marker");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's symlink in B's view: %s", existstr(ret));
	}
	dev_a = nschild_call(&self->a, ns_st_dev, NULL);
	dev_b = nschild_call(&self->b, ns_st_dev, NULL);
	EXPECT_NE(dev_a, dev_b) {
		TH_LOG("A's and B's views have one superblock (minor %d)", dev_a);
	}
	/* Nodes are root's of the namespace, seen from inside. */
	ret = nschild_call(&self->a, ns_null_owner, "uid");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's null has uid %d inside A, want 0", ret);
	}
	ret = nschild_call(&self->a, ns_null_owner, "gid");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's null has gid %d inside A, want 0", ret);
	}
	ret = nschild_call(&self->a, ns_open, "null");
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens its null: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_open, "urandom");
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens its urandom: %s", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
	ret = nschild_stop(&self->b);
	EXPECT_EQ(0, ret) {
		TH_LOG("B's server exited with %d", ret);
	}
}

#define LISTING_FILE	"/tmp/nsdev-views-listing"

/* In a namespace child: 0 when its view is exactly the default content, 1 not. */
static int ns_view_is_default(const char *arg)
{
	char *want = expected_listing(), *got = view_listing(VIEW);
	int ret = want && got ? !!strcmp(want, got) : -ENOMEM;

	if (got)
		write_file(LISTING_FILE, got);
	free(want);
	free(got);
	return ret;
}

/* A namespace's fresh view has nothing of its parent's, nothing more. */
TEST_F(one_ns, fresh_namespace_view_is_the_default_content)
{
	char *got;
	int ret;

	ret = sh("rm -f " LISTING_FILE " && touch " LISTING_FILE
		 " && chmod 666 " LISTING_FILE);
	ASSERT_EQ(0, ret) {
		TH_LOG("make " LISTING_FILE " writable for A: exit status %d",
		       ret);
	}
	ret = nschild_call(&self->a, ns_view_is_default, NULL);
	EXPECT_EQ(0, ret) {
		got = slurp(LISTING_FILE);
		TH_LOG("A's fresh view (%s):\n%s",
		       ret < 0 ? errstr(ret) : "differs",
		       got ? got : "(none)");
		free(got);
	}
	unlink(LISTING_FILE);
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/**
 * FIXTURE(user_ns) - a namespace made by uid 1000: the threat model's attacker
 * @c: its first process, root inside, uid 1000 outside (unshare -Ur)
 */
FIXTURE(user_ns) {
	struct nschild c;
};

FIXTURE_SETUP(user_ns)
{
	int ret;

	self->c.pid = -1;
	ensure_view_dir();
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		TH_LOG("become a child subreaper: %s", strerror(errno));
	}
	ret = nschild_start_as(&self->c, 1000);
	ASSERT_EQ(0, ret) {
		TH_LOG("uid 1000 makes a user and mount namespace: %s",
		       errstr(ret));
	}
}

FIXTURE_TEARDOWN(user_ns)
{
	ns_stop_quietly(&self->c);
}

/* In a namespace child: write a byte to VIEW/null; 0 or -errno. */
static int ns_write_null(const char *arg)
{
	int fd, ret;

	fd = open(VIEW "/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, "x", 1);
	ret = ret < 0 ? -errno : ret == 1 ? 0 : -EIO;
	close(fd);
	return ret;
}

/* In a namespace child: read 8 bytes from VIEW/urandom; 0 or -errno. */
static int ns_read_urandom(const char *arg)
{
	char buf[8];
	ssize_t n;
	int fd;

	fd = open(VIEW "/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 ? -errno : n == sizeof(buf) ? 0 : -EIO;
}

/* An unprivileged user: unshare -Ur, mount, use /dev/null and urandom. */
TEST_F(user_ns, mounts_a_view)
{
	int ret;

	ret = nschild_call(&self->c, ns_mount_view, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("uid 1000's namespace mounts a view: %s", errstr(ret));
	}
}

TEST_F(user_ns, writes_to_null_in_its_view)
{
	int ret;

	ret = nschild_call(&self->c, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("uid 1000's namespace mounts a view: %s", errstr(ret));
	}
	ret = nschild_call(&self->c, ns_write_null, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("uid 1000's namespace writes to its null: %s",
		       errstr(ret));
	}
}

TEST_F(user_ns, reads_urandom_in_its_view)
{
	int ret;

	ret = nschild_call(&self->c, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("uid 1000's namespace mounts a view: %s", errstr(ret));
	}
	ret = nschild_call(&self->c, ns_read_urandom, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("uid 1000's namespace reads its urandom: %s",
		       errstr(ret));
	}
}

/*
 * In a namespace child: its own child namespace (root mapped to root only),
 * one at a time, kept across calls, and an fd of its own namespace that
 * the grandchild inherits: the one it must not give a device back to.
 */
static struct nschild grandchild = { .pid = -1 };
static int own_userns = -1;

static int ns_gc_start(const char *arg)
{
	own_userns = open("/proc/self/ns/user", O_RDONLY);
	if (own_userns < 0)
		return -errno;
	return nschild_start(&grandchild, 0, 1);
}

static int ns_gc_mount_view(const char *arg)
{
	return nschild_call(&grandchild, ns_mount_view, NULL);
}

static int ns_gc_exists(const char *arg)
{
	return nschild_call(&grandchild, ns_exists, arg);
}

/* The grandchild server's exit status (0), or -1. */
static int ns_gc_stop(const char *arg)
{
	int ret = nschild_stop(&grandchild);

	close(own_userns);
	own_userns = -1;
	return ret;
}

/*
 * Start a grandchild under @c, mount its view, and return whether @name
 * is there (ns_exists()); the grandchild is stopped again.
 */
static int grandchild_sees(struct __test_metadata *_metadata,
			   struct nschild *c, const char *who,
			   const char *name)
{
	int ret, seen;

	ret = nschild_call(c, ns_gc_start, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s starts a child namespace: %s", who, errstr(ret));
	}
	ret = nschild_call(c, ns_gc_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("a child of %s mounts its view: %s", who, errstr(ret));
	}
	seen = nschild_call(c, ns_gc_exists, name);
	ret = nschild_call(c, ns_gc_stop, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("the child of %s exited with %d", who, ret);
	}
	return seen;
}

TEST_F(two_ns, owned_device_is_only_in_its_owners_view)
{
	struct stat st;
	int ret;

	/* Hotplug: A's mounted view shows ram1 when ASSIGN returns. */
	ret = assign_blk(RAM(1), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram1 to A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram1");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram1 in A's view after ASSIGN returned: %s",
		       existstr(ret));
	}
	ret = nschild_call(&self->a, ns_open, "ram1");
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens its ram1: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "ram1");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram1 in B's view: %s", existstr(ret));
	}
	ret = grandchild_sees(_metadata, &self->b, "B", "ram1");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram1 in the view of a child of B: %s",
		       existstr(ret));
	}
	ret = grandchild_sees(_metadata, &self->a, "A", "ram1");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram1 in the view of a child of A (owned means A only): %s",
		       existstr(ret));
	}
	/* Not in the initial namespace's view either. */
	ASSERT_EQ(0, unshare(CLONE_NEWNS)) {
		TH_LOG("unshare(CLONE_NEWNS): %s", strerror(errno));
	}
	ret = mount_view_at("/tmp/nsdev-host-view");
	ASSERT_EQ(0, ret) {
		TH_LOG("mount the initial namespace's view: %s", errstr(ret));
	}
	ret = err_of(lstat("/tmp/nsdev-host-view/ram1", &st));
	EXPECT_EQ(ENOENT, ret) {
		TH_LOG("A's ram1 in the initial namespace's view: lstat %s",
		       errnostr(ret));
	}
	umount2("/tmp/nsdev-host-view", MNT_DETACH);
	ret = revoke_blk(RAM(1));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram1 from A: %s", errstr(ret));
	}
}

TEST_F(two_ns, revoked_device_leaves_the_view_and_may_go_to_another)
{
	int ret;

	ret = assign_blk(RAM(1), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram1 to A: %s", errstr(ret));
	}
	/* REVOKE takes it away before returning. */
	ret = revoke_blk(RAM(1));
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE ram1 from A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram1");
	EXPECT_EQ(0, ret) {
		TH_LOG("ram1 in A's view after REVOKE returned: %s",
		       existstr(ret));
	}
	/* Then another namespace's mounted view shows it. */
	ret = assign_blk(RAM(1), self->b.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram1 to B after A: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "ram1");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram1 in B's view: %s", existstr(ret));
	}
	ret = revoke_blk(RAM(1));
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE ram1 from B: %s", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
	ret = nschild_stop(&self->b);
	EXPECT_EQ(0, ret) {
		TH_LOG("B's server exited with %d", ret);
	}
}

TEST(view_mounted_after_assign_shows_the_device)
{
	struct nschild a;
	int ret;

	ensure_view_dir();
	ret = nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start namespace A: %s", errstr(ret));
	}
	ret = assign_blk(RAM(2), a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram2 to A before it mounts a view: %s",
		       errstr(ret));
	}
	ret = nschild_call(&a, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts its view: %s", errstr(ret));
	}
	ret = nschild_call(&a, ns_exists, "ram2");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram2 in A's view mounted after the ASSIGN: %s",
		       existstr(ret));
	}
	ret = nschild_call(&a, ns_open, "ram2");
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens its ram2: %s", errstr(ret));
	}
	ret = revoke_blk(RAM(2));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram2 from A: %s", errstr(ret));
	}
	ret = nschild_stop(&a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/*
 * A character device outside the misc class: no class interface tells the
 * module when it goes, so every open checks the number still names it.
 */
TEST_F(one_ns, untracked_char_device_is_checked_at_open)
{
	struct nsdevtmpfs_query q;
	dev_t ttys3 = makedev(4, 67);
	int ret;

	ret = nsdev_assign_at(CONTROL, NSDEVTMPFS_CHR, ttys3, self->a.userns, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ttyS3 (4:67) to A: %s", errstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, ttys3, &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY 4:67: %s", errstr(ret));
	}
	EXPECT_STREQ("ttyS3", q.name) {
		TH_LOG("QUERY names 4:67 \"%s\"", q.name);
	}
	ret = nschild_call(&self->a, ns_exists, "ttyS3");
	EXPECT_EQ(1, ret) {
		TH_LOG("ttyS3 in A's view: %s", existstr(ret));
	}
	ret = nschild_call(&self->a, ns_open, "ttyS3");
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens its ttyS3: %s", errstr(ret));
	}
	ret = nsdev_revoke_at(CONTROL, NSDEVTMPFS_CHR, ttys3);
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE ttyS3 from A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ttyS3");
	EXPECT_EQ(0, ret) {
		TH_LOG("ttyS3 in A's view after REVOKE: %s", existstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/*
 * brd removes no single disk: unloading it takes ram0..7 away. Return: 0,
 * or the negative errno of the last try (a slow kernel may still be
 * closing a ramdisk a test before this one opened).
 */
static int unload_brd(void)
{
	int ms, ret = 0;

	for (ms = 0; ms < 3000; ms += 100) {
		ret = syscall(__NR_delete_module, "brd", O_NONBLOCK) ? -errno : 0;
		if (ret != -EBUSY && ret != -EAGAIN)
			break;
		usleep(100 * 1000);
	}
	return ret;
}

TEST_F(one_ns, removed_device_leaves_view_and_registry)
{
	struct nsdevtmpfs_query q;
	int in_view, in_registry, ret, err;
	char *listing;

	ret = assign_blk(RAM(7), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram7 to A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram7");
	ASSERT_EQ(1, ret) {
		TH_LOG("ram7 in A's view: %s", existstr(ret));
	}

	ret = unload_brd();
	ASSERT_EQ(0, ret) {
		TH_LOG("rmmod brd with ram7 assigned: %s", errstr(ret));
	}
	err = err_of(access("/sys/block/ram7", F_OK));
	in_view = nschild_call(&self->a, ns_exists, "ram7");
	listing = slurp("/proc/nsdevtmpfs/devices");
	in_registry = listing && strstr(listing, "b 1:7 ");
	/* The ramdisks come back before anything can fail: later tests need them. */
	ret = sh(RAM_MODPROBE);
	ASSERT_EQ(0, ret) {
		TH_LOG(RAM_MODPROBE ": exit status %d", ret);
	}
	ASSERT_EQ(0, access("/sys/block/ram7", F_OK)) {
		TH_LOG("/sys/block/ram7 after " RAM_MODPROBE ": %s",
		       strerror(errno));
	}

	EXPECT_EQ(ENOENT, err) {
		TH_LOG("/sys/block/ram7 after rmmod brd: %s, want ENOENT",
		       errnostr(err));
	}
	EXPECT_EQ(0, in_view) {
		TH_LOG("ram7 in A's view after the device went away: %s",
		       existstr(in_view));
	}
	ASSERT_NE(NULL, listing) {
		TH_LOG("read /proc/nsdevtmpfs/devices failed");
	}
	EXPECT_FALSE(in_registry) {
		TH_LOG("the registry still lists b 1:7:\n%s", listing);
	}
	free(listing);
	/* A new device with the same number is not A's. */
	ret = nschild_call(&self->a, ns_exists, "ram7");
	EXPECT_EQ(0, ret) {
		TH_LOG("the new ram7 in A's view: %s", existstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(7), &q);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("QUERY the new ram7: %s, want ENOENT",
		       ret ? errstr(ret) : "registered");
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/* In a grandchild: try to ASSIGN "MAJ:MIN" to the namespace of fd FD. */
static int ns_assign_to_fd(const char *arg)
{
	unsigned int maj, min;
	int fd;

	if (sscanf(arg, "%u:%u %d", &maj, &min, &fd) != 3)
		return -EINVAL;
	return nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, makedev(maj, min),
			       fd, 0);
}

/* In A, which owns ram3: give it to its grandchild through its own view. */
static int ns_give_ram3_to_gc(const char *arg)
{
	return nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, RAM(3),
			       grandchild.userns, 0);
}

/* In A: its grandchild tries to give ram3 back up to A. */
static int ns_gc_gives_ram3_back(const char *arg)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "1:3 %d", own_userns);
	return nschild_call(&grandchild, ns_assign_to_fd, buf);
}

TEST_F(one_ns, delegation_down_the_tree_and_revoke_from_the_top)
{
	struct nsdevtmpfs_query q;
	int ret;

	ret = assign_blk(RAM(3), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram3 to A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_gc_start, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A starts a child namespace: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_gc_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A's child mounts its view: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_give_ram3_to_gc, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A ASSIGNs ram3 to its child through its view: %s",
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_gc_exists, "ram3");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram3 in the view of A's child: %s", existstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram3");
	EXPECT_EQ(0, ret) {
		TH_LOG("ram3 in A's view once passed down: %s", existstr(ret));
	}
	ret = nschild_call(&self->a, ns_gc_gives_ram3_back, NULL);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A's child ASSIGNs ram3 back up to A: %s, want EPERM",
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_gc_stop, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's child exited with %d", ret);
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(3), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram3: %s", errstr(ret));
	}
	EXPECT_EQ(2, q.depth) {
		TH_LOG("ram3 has %u stacked assignments, want 2", q.depth);
	}
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED, q.state) {
		TH_LOG("ram3's state is %#x, want OWNED", q.state);
	}
	EXPECT_STREQ("ram3", q.name) {
		TH_LOG("QUERY names 1:3 \"%s\"", q.name);
	}
	/* The grandchild is gone; the top revokes A's delegation... */
	ret = revoke_blk(RAM(3));
	ASSERT_EQ(0, ret) {
		TH_LOG("the host REVOKEs A's delegation of ram3: %s",
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram3");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram3 in A's view after its delegation was revoked: %s",
		       existstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(3), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram3: %s", errstr(ret));
	}
	EXPECT_EQ(1, q.depth) {
		TH_LOG("ram3 has %u stacked assignments, want 1", q.depth);
	}
	/* ...and then its own assignment. */
	ret = revoke_blk(RAM(3));
	ASSERT_EQ(0, ret) {
		TH_LOG("the host REVOKEs ram3 from A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram3");
	EXPECT_EQ(0, ret) {
		TH_LOG("ram3 in A's view after the last REVOKE: %s",
		       existstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(3), &q);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("QUERY ram3 after the last REVOKE: %s, want ENOENT",
		       ret ? errstr(ret) : "registered");
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/* In a namespace: "MAJ MIN PATH": pass block device MAJ:MIN to PATH's namespace. */
static int ns_give_blk_to(const char *arg)
{
	unsigned int maj, min;
	char path[64];
	int userns, ret;

	if (sscanf(arg, "%u %u %63s", &maj, &min, path) != 3)
		return -EINVAL;
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return -errno;
	ret = nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, makedev(maj, min),
			      userns, 0);
	close(userns);
	return ret;
}

/* Wait up to @limit_ms for VIEW/NAME to exist (1) or not (0) in @c's view. */
static int wait_exists(struct nschild *c, const char *name, int want,
		       int limit_ms)
{
	int ms, got = -1;

	for (ms = 0; ms < limit_ms; ms += 20) {
		got = nschild_call(c, ns_exists, name);
		if (got == want)
			break;
		usleep(20 * 1000);
	}
	return got;
}

#define PART_DISK	"/dev/ram2"
/* brd's disks are 1 MiB: two partitions of 128 KiB, a third one later. */
#define PART_TABLE	"label: dos\nstart=8,size=256\nstart=264,size=256\n"

/*
 * A whole disk comes with its partitions (SPEC §2): the ones it has when
 * it is assigned and the ones it gets later are in its owner's view and
 * no other, follow it when it is passed down, and leave with it. They
 * have no assignment of their own.
 */
TEST_F(two_ns, assigned_disk_brings_its_partitions)
{
	struct nsdevtmpfs_query q;
	struct nschild c;
	char arg[96];
	struct stat st;
	int ret;

	/* C's first process is an orphan that we reap. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		TH_LOG("become a child subreaper: %s", strerror(errno));
	}
	ret = sh("printf '" PART_TABLE "' | sfdisk -q " PART_DISK " && "
		 "test -e /sys/block/ram2/ram2p2");
	ASSERT_EQ(0, ret) {
		TH_LOG("partition " PART_DISK ": exit status %d", ret);
	}
	ret = assign_blk(RAM(2), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram2 to A: %s", errstr(ret));
	}

	/* The partitions it has, at once, in A's view only. */
	ret = nschild_call(&self->a, ns_exists, "ram2p1");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram2p1 in A's view: %s", existstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram2p2");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram2p2 in A's view: %s", existstr(ret));
	}
	ret = nschild_call(&self->a, ns_open, "ram2p1");
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens its ram2p1: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "ram2p1");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram2p1 in B's view: %s", existstr(ret));
	}
	ASSERT_EQ(0, stat("/dev/ram2p1", &st)) {
		TH_LOG("stat /dev/ram2p1: %s", strerror(errno));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, st.st_rdev, &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram2p1: %s", errstr(ret));
	}
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED | NSDEVTMPFS_STATE_PARTITION, q.state) {
		TH_LOG("ram2p1's state is %#x, want OWNED | PARTITION", q.state);
	}
	EXPECT_STREQ("ram2p1", q.name) {
		TH_LOG("QUERY names ram2p1 \"%s\"", q.name);
	}
	ASSERT_EQ(0, fstat(self->a.userns, &st)) {
		TH_LOG("fstat A's namespace fd: %s", strerror(errno));
	}
	EXPECT_EQ(st.st_ino, q.owner_ino) {
		TH_LOG("ram2p1's owner is nsfs inode %llu, not A's %llu",
		       (unsigned long long)q.owner_ino,
		       (unsigned long long)st.st_ino);
	}
	/* It follows the disk: no assignment of its own. */
	ASSERT_EQ(0, stat("/dev/ram2p1", &st)) {
		TH_LOG("stat /dev/ram2p1: %s", strerror(errno));
	}
	ret = assign_blk(st.st_rdev, self->b.userns);
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("ASSIGN A's ram2p1 to B: %s, want EBUSY", errstr(ret));
	}
	ret = revoke_blk(st.st_rdev);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("REVOKE ram2p1 by itself: %s, want ENOENT", errstr(ret));
	}

	/* One the disk gets later, and loses again. */
	ret = sh("printf 'start=520,size=256\n' | sfdisk -q --append " PART_DISK);
	ASSERT_EQ(0, ret) {
		TH_LOG("add a third partition to " PART_DISK ": exit status %d",
		       ret);
	}
	ret = wait_exists(&self->a, "ram2p3", 1, 1000);
	EXPECT_EQ(1, ret) {
		TH_LOG("the new ram2p3 in A's view within 1 s: %s",
		       existstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "ram2p3");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's new ram2p3 in B's view: %s", existstr(ret));
	}
	ret = sh("sfdisk -q --delete " PART_DISK " 3");
	ASSERT_EQ(0, ret) {
		TH_LOG("delete the third partition: exit status %d", ret);
	}
	ret = wait_exists(&self->a, "ram2p3", 0, 1000);
	EXPECT_EQ(0, ret) {
		TH_LOG("the deleted ram2p3 in A's view after 1 s: %s",
		       existstr(ret));
	}

	/* Passed down to A's child C, the partitions go with the disk. */
	ret = nschild_start_under(&c, self->a.userns, 0, 1000);
	ASSERT_EQ(0, ret) {
		TH_LOG("start C, a child namespace of A: %s", errstr(ret));
	}
	ret = nschild_call(&c, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("C mounts its view: %s", errstr(ret));
	}
	snprintf(arg, sizeof(arg), "1 2 /proc/%d/ns/user", c.pid);
	ret = nschild_call(&self->a, ns_give_blk_to, arg);
	ASSERT_EQ(0, ret) {
		TH_LOG("A ASSIGNs ram2 to C: %s", errstr(ret));
	}
	ret = nschild_call(&c, ns_exists, "ram2p2");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram2p2 in C's view: %s", existstr(ret));
	}
	ret = nschild_call(&c, ns_open, "ram2p2");
	EXPECT_EQ(0, ret) {
		TH_LOG("C opens its ram2p2: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram2p2");
	EXPECT_EQ(0, ret) {
		TH_LOG("ram2p2 in A's view once passed down: %s",
		       existstr(ret));
	}
	/* C dies: the disk goes back to A, and its partitions with it. */
	ret = nschild_stop(&c);
	EXPECT_EQ(0, ret) {
		TH_LOG("C's server exited with %d", ret);
	}
	ret = wait_exists(&self->a, "ram2p2", 1, 10000);
	EXPECT_EQ(1, ret) {
		TH_LOG("ram2p2 back in A's view within 10 s of C's death: %s",
		       existstr(ret));
	}

	/* Revoked, the disk takes them along. */
	ret = revoke_blk(RAM(2));
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE ram2 from A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram2p1");
	EXPECT_EQ(0, ret) {
		TH_LOG("ram2p1 in A's view after the disk's REVOKE: %s",
		       existstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "ram2p2");
	EXPECT_EQ(0, ret) {
		TH_LOG("ram2p2 in A's view after the disk's REVOKE: %s",
		       existstr(ret));
	}
	ret = count_lines("/proc/nsdevtmpfs/devices", "ram2");
	EXPECT_EQ(0, ret) {
		TH_LOG("/proc/nsdevtmpfs/devices has %d ram2 lines after the REVOKE",
		       ret);
	}

	ret = sh("sfdisk -q --delete " PART_DISK);
	EXPECT_EQ(0, ret) {
		TH_LOG("delete " PART_DISK "'s partitions: exit status %d", ret);
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
	ret = nschild_stop(&self->b);
	EXPECT_EQ(0, ret) {
		TH_LOG("B's server exited with %d", ret);
	}
}

TEST(query_reports_a_default_global_device)
{
	struct nsdevtmpfs_query q;
	struct stat st;
	int ret;

	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, makedev(1, 3), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY null (1:3): %s", errstr(ret));
	}
	EXPECT_EQ(NSDEVTMPFS_STATE_GLOBAL | NSDEVTMPFS_STATE_DEFAULT, q.state) {
		TH_LOG("null's state is %#x, want GLOBAL | DEFAULT", q.state);
	}
	EXPECT_EQ(0, q.owner_ino) {
		TH_LOG("the global null has an owner, nsfs inode %llu",
		       (unsigned long long)q.owner_ino);
	}
	ASSERT_EQ(0, stat("/proc/self/ns/user", &st)) {
		TH_LOG("stat /proc/self/ns/user: %s", strerror(errno));
	}
	EXPECT_EQ(st.st_ino, q.assigner_ino) {
		TH_LOG("null's assigner is nsfs inode %llu, not the initial namespace",
		       (unsigned long long)q.assigner_ino);
	}
	EXPECT_STREQ("null", q.name) {
		TH_LOG("QUERY names 1:3 \"%s\"", q.name);
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, makedev(4095, 4095), &q);
	EXPECT_EQ(-ENODEV, ret) {
		TH_LOG("QUERY of a device that does not exist: %s, want ENODEV",
		       errstr(ret));
	}
}

TEST(query_reports_an_owned_device)
{
	struct nsdevtmpfs_query q;
	struct nschild a;
	struct stat st;
	int ret;

	ret = nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start namespace A: %s", errstr(ret));
	}
	ret = assign_blk(RAM(4), a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram4 to A: %s", errstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(4), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram4: %s", errstr(ret));
	}
	ASSERT_EQ(0, fstat(a.userns, &st)) {
		TH_LOG("fstat A's namespace fd: %s", strerror(errno));
	}
	EXPECT_EQ(st.st_ino, q.owner_ino) {
		TH_LOG("ram4's owner is nsfs inode %llu, not A's %llu",
		       (unsigned long long)q.owner_ino,
		       (unsigned long long)st.st_ino);
	}
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED, q.state) {
		TH_LOG("ram4's state is %#x, want OWNED", q.state);
	}
	ret = revoke_blk(RAM(4));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram4 from A: %s", errstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(4), &q);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("QUERY ram4 after REVOKE: %s, want ENOENT",
		       ret ? errstr(ret) : "registered");
	}
	ret = nschild_stop(&a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

static int ns_proc_devices_with(const char *arg)
{
	return count_lines("/proc/nsdevtmpfs/devices", arg);
}

static int ns_proc_namespaces(const char *arg)
{
	return count_lines("/proc/nsdevtmpfs/namespaces", arg);
}

TEST_F(two_ns, proc_listings_show_a_namespace_its_subtree)
{
	char b_ino[32];
	struct stat st;
	int ret;

	ASSERT_EQ(0, fstat(self->b.userns, &st)) {
		TH_LOG("fstat B's namespace fd: %s", strerror(errno));
	}
	snprintf(b_ino, sizeof(b_ino), "%llu ", (unsigned long long)st.st_ino);
	ret = assign_blk(RAM(5), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram5 to A: %s", errstr(ret));
	}
	ret = assign_blk(RAM(6), self->b.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram6 to B: %s", errstr(ret));
	}

	/* The initial namespace sees both. */
	ret = count_lines("/proc/nsdevtmpfs/devices", "b 1:5 ");
	EXPECT_EQ(1, ret) {
		TH_LOG("the host's devices listing has %d lines of A's ram5",
		       ret);
	}
	ret = count_lines("/proc/nsdevtmpfs/devices", "b 1:6 ");
	EXPECT_EQ(1, ret) {
		TH_LOG("the host's devices listing has %d lines of B's ram6",
		       ret);
	}
	/* A sees its own device and the globals, not B's. */
	ret = nschild_call(&self->a, ns_proc_devices_with, "b 1:5 ");
	EXPECT_EQ(1, ret) {
		TH_LOG("A's devices listing has %d lines of its ram5", ret);
	}
	ret = nschild_call(&self->a, ns_proc_devices_with, "b 1:6 ");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's devices listing has %d lines of B's ram6", ret);
	}
	ret = nschild_call(&self->a, ns_proc_devices_with, "c 1:3 ");
	EXPECT_EQ(1, ret) {
		TH_LOG("A's devices listing has %d lines of the global null",
		       ret);
	}
	/* A's namespaces listing: only itself. */
	ret = nschild_call(&self->a, ns_proc_namespaces, "");
	EXPECT_EQ(1, ret) {
		TH_LOG("A's namespaces listing has %d lines, want its own only",
		       ret);
	}
	ret = nschild_call(&self->a, ns_proc_namespaces, b_ino);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's namespaces listing has %d lines naming B", ret);
	}
	ret = count_lines("/proc/nsdevtmpfs/namespaces", "");
	EXPECT_GE(ret, 3) {
		TH_LOG("the host's namespaces listing has %d lines, want at least itself, A and B",
		       ret);
	}

	ret = revoke_blk(RAM(5));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram5 from A: %s", errstr(ret));
	}
	ret = revoke_blk(RAM(6));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram6 from B: %s", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
	ret = nschild_stop(&self->b);
	EXPECT_EQ(0, ret) {
		TH_LOG("B's server exited with %d", ret);
	}
}

/* uid (ARG "uid:NAME") or gid ("gid:NAME") of VIEW/NAME, or -errno. */
static int ns_node_owner(const char *arg)
{
	char path[NSCALL_ARG_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), VIEW "/%s", arg + 4);
	if (lstat(path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
		return -EINVAL;
	return strncmp(arg, "gid:", 4) ? (int)st.st_uid : (int)st.st_gid;
}

/* The nsfs inode number of the namespace behind @fd, or 0. */
static unsigned long long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* The nsfs inode number of this process's user namespace, or 0. */
static unsigned long long my_userns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/user", &st) ? 0 : st.st_ino;
}

/*
 * The line of @path that starts with @prefix (malloc'ed, without its
 * newline), or NULL when there is none.
 */
static char *line_with_prefix(const char *path, const char *prefix)
{
	char *text = slurp(path), *line, *save = NULL, *found = NULL;

	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, prefix, strlen(prefix)))
			found = strdup(line);
	free(text);
	return found;
}

/* An assigned device's node is root's of its owner, as default nodes are. */
TEST_F(two_ns, assigned_node_is_owned_by_the_owners_root)
{
	int ret;

	ret = assign_blk(RAM(5), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram5 to A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_node_owner, "uid:ram5");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram5 has uid %d inside A (%s), want 0", ret,
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_node_owner, "gid:ram5");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram5 has gid %d inside A (%s), want 0", ret,
		       errstr(ret));
	}
	ret = revoke_blk(RAM(5));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram5 from A: %s", errstr(ret));
	}
}

/* Every column of both listings, for a global, an owned device and A. */
TEST_F(two_ns, proc_lines_name_owner_assigner_and_parent)
{
	unsigned long long init = my_userns_ino();
	unsigned long long a = ino_of(self->a.userns);
	char want[128], prefix[64], *line;
	int ret;

	ASSERT_NE(0, init) {
		TH_LOG("stat /proc/self/ns/user: %s", strerror(errno));
	}
	ASSERT_NE(0, a) {
		TH_LOG("fstat A's namespace fd: %s", strerror(errno));
	}
	ret = assign_blk(RAM(5), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram5 to A: %s", errstr(ret));
	}

	/* A global default device: owner 0, flags global then default. */
	line = line_with_prefix("/proc/nsdevtmpfs/devices", "c 1:3 ");
	snprintf(want, sizeof(want), "c 1:3 null 0 %llu global,default", init);
	EXPECT_STREQ(want, line ? line : "(no line)") {
		TH_LOG("the host's devices line of null");
	}
	free(line);
	line = line_with_prefix("/proc/nsdevtmpfs/devices", "b 1:5 ");
	snprintf(want, sizeof(want), "b 1:5 ram5 %llu %llu owned", a, init);
	EXPECT_STREQ(want, line ? line : "(no line)") {
		TH_LOG("the host's devices line of A's ram5");
	}
	free(line);
	/* A: a child of the initial namespace, no loops, its view mounted. */
	snprintf(prefix, sizeof(prefix), "%llu ", a);
	line = line_with_prefix("/proc/nsdevtmpfs/namespaces", prefix);
	ASSERT_NE(NULL, line) {
		TH_LOG("no namespaces line of A (%llu)", a);
	}
	snprintf(want, sizeof(want), "%llu %llu 0 ", a, init);
	EXPECT_EQ(0, strncmp(line, want, strlen(want))) {
		TH_LOG("A's namespaces line is \"%s\", want it to start \"%s\"",
		       line, want);
	}
	EXPECT_STREQ(" 1", line + strlen(line) - 2) {
		TH_LOG("A's namespaces line \"%s\" does not end in views-mounted 1",
		       line);
	}
	free(line);
	ret = revoke_blk(RAM(5));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram5 from A: %s", errstr(ret));
	}
}

/* Initial root cannot reassign an owned device: it revokes it first. */
TEST_F(two_ns, initial_root_cannot_take_a_device_from_its_owner)
{
	struct nsdevtmpfs_query q;
	int ret;

	ret = assign_blk(RAM(5), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram5 to A: %s", errstr(ret));
	}
	ret = assign_blk(RAM(5), self->b.userns);
	EXPECT_EQ(-EBUSY, ret) {
		TH_LOG("ASSIGN of A's ram5 to B: %s, want EBUSY", errstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(5), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram5: %s", errstr(ret));
	}
	EXPECT_EQ(ino_of(self->a.userns), q.owner_ino) {
		TH_LOG("ram5's owner is %llu after the refused ASSIGN, not A",
		       (unsigned long long)q.owner_ino);
	}
	EXPECT_EQ(1, q.depth) {
		TH_LOG("ram5 has %u assignments after the refused ASSIGN", q.depth);
	}
	ret = nschild_call(&self->b, ns_exists, "ram5");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram5 in B's view: %s", existstr(ret));
	}
	ret = revoke_blk(RAM(5));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram5 from A: %s", errstr(ret));
	}
}

/* --- bad input changes nothing ------------------------------------------ */

/**
 * FIXTURE(bad_input) - what bad ioctls are aimed at, and the registry before
 * @c:           a namespace child without a view: a valid namespace fd
 * @netns:       a namespace fd of the wrong type
 * @file:        an fd that is no namespace at all
 * @closed:      a descriptor number nothing in the test has open
 * @devs_before: /proc/nsdevtmpfs/devices before the test's ioctls
 * @ns_before:   /proc/nsdevtmpfs/namespaces before them
 */
FIXTURE(bad_input) {
	struct nschild c;
	int netns;
	int file;
	int closed;
	char *devs_before;
	char *ns_before;
};

FIXTURE_SETUP(bad_input)
{
	int ret;

	self->c.pid = -1;
	self->netns = -1;
	self->file = -1;
	self->devs_before = NULL;
	self->ns_before = NULL;
	ret = nschild_start(&self->c, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start a namespace child: %s", errstr(ret));
	}
	self->netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->netns, 0) {
		TH_LOG("open /proc/self/ns/net: %s", strerror(errno));
	}
	self->file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->file, 0) {
		TH_LOG("open /dev/null: %s", strerror(errno));
	}
	self->closed = 999;
	close(self->closed);
	self->devs_before = slurp("/proc/nsdevtmpfs/devices");
	ASSERT_NE(NULL, self->devs_before) {
		TH_LOG("read /proc/nsdevtmpfs/devices: %s", strerror(errno));
	}
	self->ns_before = slurp("/proc/nsdevtmpfs/namespaces");
	ASSERT_NE(NULL, self->ns_before) {
		TH_LOG("read /proc/nsdevtmpfs/namespaces: %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(bad_input)
{
	free(self->devs_before);
	free(self->ns_before);
	if (self->netns >= 0)
		close(self->netns);
	if (self->file >= 0)
		close(self->file);
	ns_stop_quietly(&self->c);
}

/* The registry's listings are as @devs_before and @ns_before; stop @c. */
static void expect_nothing_changed(struct __test_metadata *_metadata,
				   const char *devs_before, const char *ns_before,
				   struct nschild *c)
{
	char *devs_after, *ns_after;
	int ret;

	devs_after = slurp("/proc/nsdevtmpfs/devices");
	ns_after = slurp("/proc/nsdevtmpfs/namespaces");
	ASSERT_NE(NULL, devs_after) {
		TH_LOG("read /proc/nsdevtmpfs/devices again: %s", strerror(errno));
	}
	ASSERT_NE(NULL, ns_after) {
		TH_LOG("read /proc/nsdevtmpfs/namespaces again: %s",
		       strerror(errno));
	}
	EXPECT_STREQ(devs_before, devs_after) {
		TH_LOG("bad input changed the devices listing");
	}
	EXPECT_STREQ(ns_before, ns_after) {
		TH_LOG("bad input changed the namespaces listing");
	}
	free(devs_after);
	free(ns_after);
	ret = nschild_stop(c);
	EXPECT_EQ(0, ret) {
		TH_LOG("the namespace child's server exited with %d", ret);
	}
}

/* A bad argument: its fields as text for the log, the struct, the errno. */
#define BAD(want, what, defaults, ...) \
	{ what, { defaults, __VA_ARGS__ }, want }

/*
 * Each case of the test's table "cases" (what, arg, want), sent through the
 * control device's @ioc on a copy of its arg (a struct @type), answers its
 * errno; then nothing has changed. @name names the ioctl in the log.
 */
#define EXPECT_CASES_REJECTED(ioc, name, type) do {			\
	unsigned int i_;						\
	int ret_;							\
									\
	for (i_ = 0; i_ < ARRAY_SIZE(cases); i_++) {			\
		struct type arg_ = cases[i_].arg;		\
									\
		ret_ = control_ioctl(ioc, &arg_);			\
		EXPECT_EQ(cases[i_].want, ret_) {			\
			TH_LOG(name " { %s }: %s, want %s",		\
			       cases[i_].what, errstr(ret_),		\
			       errstr(cases[i_].want));			\
		}							\
	}								\
	expect_nothing_changed(_metadata, self->devs_before,		\
			       self->ns_before, &self->c);		\
} while (0)

#define ASSIGN_DEFAULTS	.type = NSDEVTMPFS_BLK, .major = 1, .minor = 0, \
			.userns_fd = self->c.userns
#define REVOKE_DEFAULTS	.type = NSDEVTMPFS_BLK, .major = 1, .minor = 0
#define QUERY_DEFAULTS	.type = NSDEVTMPFS_CHR, .major = 1, .minor = 3
#define LIMIT_DEFAULTS	.userns_fd = self->c.userns, .max_loops = 4

TEST_F(bad_input, assign_is_rejected_and_changes_nothing)
{
	const struct {
		const char *what;
		struct nsdevtmpfs_assign arg;
		int want;
	} cases[] = {
#define A(want, ...) BAD(want, #__VA_ARGS__, ASSIGN_DEFAULTS, __VA_ARGS__)
		A(-EINVAL, .flags = 1U << 31),
		A(-EINVAL, .flags = 2),
		A(-EINVAL, .reserved[0] = 1),
		A(-EINVAL, .reserved[2] = 0xffffffff),
		A(-EINVAL, .type = 0),
		A(-EINVAL, .type = 3),
		A(-EINVAL, .major = 1U << 12),
		A(-EINVAL, .minor = 1U << 20),
		A(-EINVAL, .major = 0xffffffff, .minor = 0xffffffff),
		A(-EBADF, .userns_fd = self->closed),
		A(-EBADF, .userns_fd = -1),
		A(-EBADF, .userns_fd = 1 << 30),
		A(-EINVAL, .userns_fd = self->netns),
		A(-EINVAL, .userns_fd = self->file),
		A(-EINVAL, .flags = NSDEVTMPFS_ASSIGN_GLOBAL),
		A(-ENODEV, .major = 1, .minor = 999999),
		A(-ENODEV, .type = NSDEVTMPFS_CHR, .major = 4095, .minor = 1),
		A(-EBUSY, .type = NSDEVTMPFS_CHR, .major = 1, .minor = 3),
		A(-EEXIST, .type = NSDEVTMPFS_CHR, .major = 1, .minor = 3,
		  .userns_fd = -1, .flags = NSDEVTMPFS_ASSIGN_GLOBAL),
#undef A
	};

	EXPECT_CASES_REJECTED(NSDEVTMPFS_IOC_ASSIGN, "ASSIGN",
			      nsdevtmpfs_assign);
}

TEST_F(bad_input, revoke_is_rejected_and_changes_nothing)
{
	const struct {
		const char *what;
		struct nsdevtmpfs_revoke arg;
		int want;
	} cases[] = {
#define R(want, ...) BAD(want, #__VA_ARGS__, REVOKE_DEFAULTS, __VA_ARGS__)
		R(-EINVAL, .flags = 2),
		R(-EINVAL, .flags = 1U << 31),
		R(-EINVAL, .flags = NSDEVTMPFS_REVOKE_DEFAULT | 2),
		R(-EINVAL, .reserved[3] = 1),
		R(-EINVAL, .type = 9),
		R(-EINVAL, .minor = 0xffffffff),
		R(-ENOENT, .minor = 0),
		R(-ENOENT, .minor = 12345),
#undef R
	};

	EXPECT_CASES_REJECTED(NSDEVTMPFS_IOC_REVOKE, "REVOKE",
			      nsdevtmpfs_revoke);
}

TEST_F(bad_input, query_is_rejected_and_changes_nothing)
{
	const struct {
		const char *what;
		struct nsdevtmpfs_query arg;
		int want;
	} cases[] = {
#define Q(want, ...) BAD(want, #__VA_ARGS__, QUERY_DEFAULTS, __VA_ARGS__)
		Q(-EINVAL, .flags = 1),
		Q(-EINVAL, .state = 1),
		Q(-EINVAL, .owner_ino = 1),
		Q(-EINVAL, .name[5] = 'x'),
		Q(-EINVAL, .reserved[0] = 1),
		Q(-EINVAL, .type = 0),
		/* The same query with every out field zero: answered. */
		Q(0, .flags = 0),
#undef Q
	};

	EXPECT_CASES_REJECTED(NSDEVTMPFS_IOC_QUERY, "QUERY",
			      nsdevtmpfs_query);
}

TEST_F(bad_input, set_limit_is_rejected_and_changes_nothing)
{
	const struct {
		const char *what;
		struct nsdevtmpfs_limit arg;
		int want;
	} cases[] = {
#define L(want, ...) BAD(want, #__VA_ARGS__, LIMIT_DEFAULTS, __VA_ARGS__)
		L(-EINVAL, .flags = 1),
		L(-EINVAL, .reserved[4] = 1),
		L(-EINVAL, .max_loops = 0xffffffff),
		L(-EINVAL, .max_loops = (1U << 20) + 1),
		L(-EBADF, .userns_fd = self->closed),
		L(-EINVAL, .userns_fd = self->netns),
#undef L
	};

	EXPECT_CASES_REJECTED(NSDEVTMPFS_IOC_SET_LIMIT, "SET_LIMIT",
			      nsdevtmpfs_limit);
}

TEST_F(bad_input, unknown_ioctls_are_rejected_and_change_nothing)
{
	int ret;

	ret = control_ioctl(_IO(NSDEVTMPFS_IOC_MAGIC, 99), NULL);
	EXPECT_EQ(-ENOTTY, ret) {
		TH_LOG("ioctl number 99 of the control device: %s, want ENOTTY",
		       errstr(ret));
	}
	ret = control_ioctl(_IOW(NSDEVTMPFS_IOC_MAGIC, 1, int), &self->closed);
	EXPECT_EQ(-ENOTTY, ret) {
		TH_LOG("ASSIGN's number with an int's size: %s, want ENOTTY",
		       errstr(ret));
	}
	ret = control_ioctl(NSDEVTMPFS_IOC_ASSIGN, (void *)16);
	EXPECT_EQ(-EFAULT, ret) {
		TH_LOG("ASSIGN with a bad pointer: %s, want EFAULT", errstr(ret));
	}
	expect_nothing_changed(_metadata, self->devs_before, self->ns_before,
			       &self->c);
}

/* --- loop devices are never assigned ------------------------------------ */

#define LOOP_IMG	"/tmp/nsdev-views-loop-img"
#define LOOP_NAME	"/tmp/nsdev-views-loop-name"

/* The device number of /sys/class/block/@name, or 0. */
static dev_t sysfs_devt(const char *name)
{
	unsigned int maj, min;
	char path[128], *text;
	int n;

	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
	text = slurp(path);
	if (!text)
		return 0;
	n = sscanf(text, "%u:%u", &maj, &min);
	free(text);
	return n == 2 ? makedev(maj, min) : 0;
}

/*
 * An unbound loop in a namespace's view would be handed out by the host's
 * losetup -f, which then binds a host image the namespace can read. Loop
 * devices reach a namespace only through the loop-control of its view, so
 * ASSIGN refuses any loop device, bound or not, and its partitions, which
 * have numbers of the extended major (259).
 */
TEST_F(one_ns, loop_devices_are_not_assigned)
{
	char *devs_before, *devs_after, *name, part[32];
	dev_t bound, partition, unbound;
	struct nsdevtmpfs_query q;
	int n, ret[4], i, err;

	/* A host loop bound to a partitioned image, with its partition. */
	err = sh("truncate -s 8M " LOOP_IMG " && "
		 "printf 'label: dos\\n,4M,L\\n' | sfdisk -q " LOOP_IMG " && "
		 "losetup -fP --show " LOOP_IMG " > " LOOP_NAME);
	ASSERT_EQ(0, err) {
		TH_LOG("bind a host loop to a partitioned image: exit status %d",
		       err);
	}
	name = slurp(LOOP_NAME);
	ASSERT_NE(NULL, name) {
		TH_LOG("read " LOOP_NAME ": %s", strerror(errno));
	}
	i = sscanf(name, "/dev/loop%d", &n);
	ASSERT_EQ(1, i) {
		TH_LOG("losetup printed %s", name);
	}
	free(name);
	bound = LOOP(n);
	snprintf(part, sizeof(part), "loop%dp1", n);
	partition = sysfs_devt(part);
	ASSERT_NE(0, partition) {
		TH_LOG("no %s in /sys/class/block", part);
	}
	ASSERT_EQ(259, major(partition)) {
		TH_LOG("%s has major %u, not the extended 259", part,
		       major(partition));
	}
	/* And an unbound one of the host's loop0..7. */
	unbound = LOOP(n == 7 ? 6 : 7);
	snprintf(part, sizeof(part), "loop%u", minor(unbound));
	ASSERT_EQ(unbound, sysfs_devt(part)) {
		TH_LOG("no %s (7:%u) in /sys/class/block", part, minor(unbound));
	}

	devs_before = slurp("/proc/nsdevtmpfs/devices");
	ASSERT_NE(NULL, devs_before) {
		TH_LOG("read /proc/nsdevtmpfs/devices: %s", strerror(errno));
	}
	ret[0] = assign_blk(unbound, self->a.userns);
	ret[1] = assign_blk(bound, self->a.userns);
	ret[2] = assign_blk(partition, self->a.userns);
	ret[3] = nsdev_assign_at(CONTROL, NSDEVTMPFS_BLK, unbound, -1,
				 NSDEVTMPFS_ASSIGN_GLOBAL);
	devs_after = slurp("/proc/nsdevtmpfs/devices");
	err = nschild_call(&self->a, ns_exists, part);
	EXPECT_EQ(0, err) {
		TH_LOG("the unbound %s in A's view: %s", part, existstr(err));
	}
	err = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, unbound, &q);
	EXPECT_EQ(-ENOENT, err) {
		TH_LOG("QUERY the unbound %s: %s, want ENOENT", part,
		       err ? errstr(err) : "registered");
	}

	/* Undo what a kernel that accepted them did, before the verdicts. */
	for (i = 0; i < 3; i++)
		if (!ret[i])
			revoke_blk(i == 0 ? unbound : i == 1 ? bound : partition);
	if (!ret[3] && ret[0])
		revoke_blk(unbound);
	sh("losetup -d /dev/loop$(tr -dc 0-9 < " LOOP_NAME ")");
	unlink(LOOP_IMG);
	unlink(LOOP_NAME);

	EXPECT_EQ(-EOPNOTSUPP, ret[0]) {
		TH_LOG("ASSIGN of the unbound %s: %s, want EOPNOTSUPP", part,
		       errstr(ret[0]));
	}
	EXPECT_EQ(-EOPNOTSUPP, ret[1]) {
		TH_LOG("ASSIGN of the bound loop%d: %s, want EOPNOTSUPP", n,
		       errstr(ret[1]));
	}
	EXPECT_EQ(-EOPNOTSUPP, ret[2]) {
		TH_LOG("ASSIGN of the partition loop%dp1: %s, want EOPNOTSUPP",
		       n, errstr(ret[2]));
	}
	EXPECT_EQ(-EOPNOTSUPP, ret[3]) {
		TH_LOG("ASSIGN of %s to every view: %s, want EOPNOTSUPP", part,
		       errstr(ret[3]));
	}
	ASSERT_NE(NULL, devs_after) {
		TH_LOG("read /proc/nsdevtmpfs/devices again: %s",
		       strerror(errno));
	}
	EXPECT_STREQ(devs_before, devs_after) {
		TH_LOG("the refused ASSIGNs changed the devices listing");
	}
	free(devs_before);
	free(devs_after);
	err = nschild_stop(&self->a);
	EXPECT_EQ(0, err) {
		TH_LOG("A's server exited with %d", err);
	}
}

TEST(set_limit_is_reported)
{
	struct nsdevtmpfs_limit l = { .max_loops = 3 };
	unsigned long long ino, parent;
	unsigned int used, limit, views;
	char needle[32], *text, *line;
	struct nschild c;
	struct stat st;
	int ret;

	ret = nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start a namespace child: %s", errstr(ret));
	}
	l.userns_fd = c.userns;
	ret = control_ioctl(NSDEVTMPFS_IOC_SET_LIMIT, &l);
	ASSERT_EQ(0, ret) {
		TH_LOG("SET_LIMIT 3 on the child's namespace: %s", errstr(ret));
	}
	ASSERT_EQ(0, fstat(c.userns, &st)) {
		TH_LOG("fstat the child's namespace fd: %s", strerror(errno));
	}
	snprintf(needle, sizeof(needle), "\n%llu ", (unsigned long long)st.st_ino);
	text = slurp("/proc/nsdevtmpfs/namespaces");
	ASSERT_NE(NULL, text) {
		TH_LOG("read /proc/nsdevtmpfs/namespaces: %s", strerror(errno));
	}
	line = strstr(text, needle);
	ASSERT_NE(NULL, line) {
		TH_LOG("no line for the namespace in:\n%s", text);
	}
	/* ns-inode parent-inode loops-used loop-limit views-mounted */
	ret = sscanf(line + 1, "%llu %llu %u %u %u", &ino, &parent, &used,
		     &limit, &views);
	ASSERT_EQ(5, ret) {
		TH_LOG("the namespace's line has %d of 5 fields: %.80s", ret,
		       line + 1);
	}
	EXPECT_EQ(3, limit) {
		TH_LOG("loop-limit %u after SET_LIMIT 3", limit);
	}
	EXPECT_EQ(0, used) {
		TH_LOG("loops-used %u in a namespace that made none", used);
	}
	EXPECT_EQ(0, views) {
		TH_LOG("views-mounted %u in a namespace that mounted none", views);
	}
	free(text);
	ret = nschild_stop(&c);
	EXPECT_EQ(0, ret) {
		TH_LOG("the child's server exited with %d", ret);
	}
}

/* REVOKE with @flags: 0 or the negative errno. */
static int revoke_flags(unsigned int type, dev_t dev, unsigned int flags)
{
	struct nsdevtmpfs_revoke r = {
		.type = type, .major = major(dev), .minor = minor(dev),
		.flags = flags,
	};

	return control_ioctl(NSDEVTMPFS_IOC_REVOKE, &r);
}

/*
 * The default content is every container's: a plain REVOKE of null or of
 * the delegation loop-control would take it from every running view, so
 * it answers EPERM and changes nothing; NSDEVTMPFS_REVOKE_DEFAULT asks for
 * it explicitly. Issue 14: `nsdevctl revoke /dev/null` used to succeed.
 */
TEST_F(one_ns, plain_revoke_of_default_devices_is_refused)
{
	struct nsdevtmpfs_query q;
	dev_t null = makedev(1, 3);
	struct stat lc;
	int ret;

	ASSERT_EQ(0, stat("/dev/" NSDEVTMPFS_LOOPCTL_NAME, &lc)) {
		TH_LOG("stat /dev/" NSDEVTMPFS_LOOPCTL_NAME ": %s", strerror(errno));
	}
	ret = nschild_call(&self->a, ns_exists, "null");
	ASSERT_EQ(1, ret) {
		TH_LOG("null in A's view: %s", existstr(ret));
	}
	ret = revoke_flags(NSDEVTMPFS_CHR, null, 0);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("a plain REVOKE of the default null: %s, want EPERM",
		       errstr(ret));
	}
	ret = revoke_flags(NSDEVTMPFS_CHR, lc.st_rdev, 0);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("a plain REVOKE of the default loop-control: %s, want EPERM",
		       errstr(ret));
	}
	/* Refused means unchanged: still global default content, still there. */
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, null, &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY null: %s", errstr(ret));
	}
	EXPECT_EQ(NSDEVTMPFS_STATE_GLOBAL | NSDEVTMPFS_STATE_DEFAULT, q.state) {
		TH_LOG("null's state is %#x after the refused REVOKE", q.state);
	}
	ret = nschild_call(&self->a, ns_exists, "null");
	EXPECT_EQ(1, ret) {
		TH_LOG("null in A's view after the refused REVOKE: %s",
		       existstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "loop-control");
	EXPECT_EQ(1, ret) {
		TH_LOG("loop-control in A's view after the refused REVOKE: %s",
		       existstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/* Asked for, a default device goes from every view; ASSIGN --global brings it back. */
TEST_F(one_ns, default_device_is_revoked_on_request)
{
	struct nsdevtmpfs_query q;
	dev_t null = makedev(1, 3);
	int ret;

	ret = revoke_flags(NSDEVTMPFS_CHR, null, NSDEVTMPFS_REVOKE_DEFAULT);
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE null with NSDEVTMPFS_REVOKE_DEFAULT: %s",
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "null");
	EXPECT_EQ(0, ret) {
		TH_LOG("null in A's view after its REVOKE: %s", existstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, null, &q);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("QUERY null after its REVOKE: %s, want ENOENT",
		       ret ? errstr(ret) : "registered");
	}
	ret = nsdev_assign_at(CONTROL, NSDEVTMPFS_CHR, null, -1,
			      NSDEVTMPFS_ASSIGN_GLOBAL);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN null to every view again: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_exists, "null");
	EXPECT_EQ(1, ret) {
		TH_LOG("null in A's view after ASSIGN --global: %s",
		       existstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, null, &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY null after ASSIGN --global: %s", errstr(ret));
	}
	EXPECT_EQ(NSDEVTMPFS_STATE_GLOBAL | NSDEVTMPFS_STATE_DEFAULT, q.state) {
		TH_LOG("null's state is %#x after ASSIGN --global, want GLOBAL | DEFAULT",
		       q.state);
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/* The flag changes nothing for a device that is not default content. */
TEST_F(one_ns, revoke_default_flag_revokes_an_owned_device_as_usual)
{
	int ret;

	ret = assign_blk(RAM(5), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram5 to A: %s", errstr(ret));
	}
	ret = revoke_flags(NSDEVTMPFS_BLK, RAM(5), NSDEVTMPFS_REVOKE_DEFAULT);
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram5 with NSDEVTMPFS_REVOKE_DEFAULT: %s",
		       errstr(ret));
	}
	ret = revoke_flags(NSDEVTMPFS_BLK, RAM(5), 0);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("a second REVOKE of ram5: %s, want ENOENT", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

TEST_HARNESS_MAIN

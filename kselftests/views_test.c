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

#include "helpers.h"

#include "kselftest_harness.h"

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

/* A fixture: the test body runs in its own mount namespace. */
FIXTURE(view) {
	char dir[64];
};

FIXTURE_SETUP(view)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(self->dir, sizeof(self->dir), "/tmp/nsdev-host-view");
	ASSERT_EQ(0, mount_view_at(self->dir)) {
		TH_LOG("mount -t nsdevtmpfs on %s: %s", self->dir, strerror(errno));
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

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, got);
	/* The delegation device, not the real loop-control (10:237). */
	EXPECT_EQ(NULL, strstr(want, "loop-control c 10:237 "));
	EXPECT_STREQ(want, got) {
		TH_LOG("the initial namespace's fresh view is not exactly the default content");
	}
	free(want);
	free(got);
}

TEST_F(view, nodes_work)
{
	char path[128], buf[16];
	int fd;

	snprintf(path, sizeof(path), "%s/null", self->dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(5, write(fd, "hello", 5));
	close(fd);
	snprintf(path, sizeof(path), "%s/urandom", self->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
	close(fd);
}

TEST_F(view, two_mounts_share_the_tree)
{
	char link[128], target[16];
	ssize_t n;

	ASSERT_EQ(0, mount_view_at("/tmp/nsdev-host-view2"));
	snprintf(link, sizeof(link), "%s/marker", self->dir);
	ASSERT_EQ(0, symlink("null", link));
	n = readlink("/tmp/nsdev-host-view2/marker", target, sizeof(target) - 1);
	ASSERT_EQ(4, n) {
		TH_LOG("a symlink made in one mount is not seen in the other");
	}
	unlink(link);
	umount("/tmp/nsdev-host-view2");
}

TEST_F(view, root_may_reshape_but_not_mknod)
{
	char a[128], b[128];
	struct stat st;

	snprintf(a, sizeof(a), "%s/d", self->dir);
	ASSERT_EQ(0, mkdir(a, 0700));
	snprintf(b, sizeof(b), "%s/d/zero", self->dir);
	snprintf(a, sizeof(a), "%s/zero", self->dir);
	ASSERT_EQ(0, rename(a, b));
	ASSERT_EQ(0, chmod(b, 0600));
	ASSERT_EQ(0, chown(b, 1, 1));
	ASSERT_EQ(0, stat(b, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(1, (int)st.st_uid);
	ASSERT_EQ(0, unlink(b));
	snprintf(a, sizeof(a), "%s/d", self->dir);
	ASSERT_EQ(0, rmdir(a));

	snprintf(a, sizeof(a), "%s/mynull", self->dir);
	/* The initial root has CAP_MKNOD: the view itself has no ->mknod. */
	EXPECT_EQ(EPERM, err_of(mknod(a, S_IFCHR | 0666, makedev(1, 3))));
	EXPECT_EQ(EPERM, err_of(mknod(a, S_IFIFO | 0666, 0)));
	EXPECT_EQ(EOPNOTSUPP, err_of(open(self->dir, O_TMPFILE | O_RDWR | O_CLOEXEC,
					  0600)));
	EXPECT_EQ(ENOENT, err_of(lstat(a, &st)));
}

/*
 * Regular files as on tmpfs: what container runtimes make in /dev (crun's
 * console bind-mount target, LXC's boot id) and use as they would there.
 */
TEST_F(view, regular_files_like_tmpfs)
{
	char a[128], b[128], buf[64];
	struct stat st;
	off_t off = 0;
	void *map;
	int fd, null;

	snprintf(a, sizeof(a), "%s/.boot-id", self->dir);
	fd = open(a, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0640);
	ASSERT_GE(fd, 0) {
		TH_LOG("O_CREAT in a view: %s", strerror(errno));
	}
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0640 & ~current_umask(), st.st_mode & 07777);
	EXPECT_EQ(0, (int)st.st_uid);
	ASSERT_EQ(37, pwrite(fd, "0f4f6a1c-63bb-4c54-9c1a-7a5e2cf1e5b1\n", 37, 0));
	EXPECT_EQ(37, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "0f4f6a1c-63bb-4c54-9c1a-7a5e2cf1e5b1", 32));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(37, st.st_size);
	/* splice (sendfile, cp's copy_file_range fallback) reads it too. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	EXPECT_EQ(37, sendfile(null, fd, &off, 100));
	close(null);
	/* No mmap: every page a file has is within its charged size. */
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(ENODEV, errno);
	if (map != MAP_FAILED)
		munmap(map, 4096);
	EXPECT_EQ(0, ftruncate(fd, 5));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(5, st.st_size);
	close(fd);
	/* Linked, renamed and removed like any other file. */
	snprintf(b, sizeof(b), "%s/shm/id", self->dir);
	EXPECT_EQ(0, link(a, b));
	EXPECT_EQ(0, unlink(a));
	EXPECT_EQ(0, rename(b, a));
	EXPECT_EQ(0, unlink(a));
	EXPECT_EQ(ENOENT, err_of(lstat(a, &st)));

	/* A bind-mount target: crun's /dev/console, podman's --device. */
	snprintf(a, sizeof(a), "%s/console", self->dir);
	EXPECT_EQ(0, mknod(a, S_IFREG | 0600, 0));
	snprintf(b, sizeof(b), "%s/null", self->dir);
	ASSERT_EQ(0, mount(b, a, NULL, MS_BIND, NULL)) {
		TH_LOG("bind mount on a view's regular file: %s", strerror(errno));
	}
	ASSERT_EQ(0, stat(a, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(1, 3), st.st_rdev);
	fd = open(a, O_WRONLY | O_CLOEXEC);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(5, write(fd, "hello", 5));
	close(fd);
	EXPECT_EQ(0, umount(a));
	EXPECT_EQ(0, unlink(a));
}

TEST_F(view, fresh_after_last_umount)
{
	char link[128];
	struct stat st;

	snprintf(link, sizeof(link), "%s/marker", self->dir);
	ASSERT_EQ(0, symlink("null", link));
	snprintf(link, sizeof(link), "%s/null", self->dir);
	ASSERT_EQ(0, unlink(link));
	ASSERT_EQ(0, umount(self->dir));
	ASSERT_EQ(0, mount_view_at(self->dir));
	snprintf(link, sizeof(link), "%s/marker", self->dir);
	EXPECT_EQ(ENOENT, err_of(lstat(link, &st)));
	snprintf(link, sizeof(link), "%s/null", self->dir);
	EXPECT_EQ(0, lstat(link, &st)) {
		TH_LOG("the default content did not come back");
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

static int ns_owner_is_root(const char *arg)
{
	struct stat st;

	if (stat(VIEW "/null", &st))
		return -errno;
	return st.st_uid == 0 && st.st_gid == 0;
}

TEST(sibling_namespaces_have_their_own_views)
{
	struct nschild a, b;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&a, ns_marker, NULL));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "marker"));
	EXPECT_EQ(0, nschild_call(&b, ns_exists, "marker")) {
		TH_LOG("a symlink made in A's view shows in B's");
	}
	EXPECT_NE(nschild_call(&a, ns_st_dev, NULL), nschild_call(&b, ns_st_dev, NULL));
	/* Nodes are root's of the namespace, seen from inside. */
	EXPECT_EQ(1, nschild_call(&a, ns_owner_is_root, NULL));
	EXPECT_EQ(0, nschild_call(&a, ns_open, "null"));
	EXPECT_EQ(0, nschild_call(&a, ns_open, "urandom"));
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
}

#define LISTING_FILE	"/tmp/nsdev-views-listing"

/* In a namespace child: 0 when its view is exactly the default content. */
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
TEST(fresh_namespace_view_is_the_default_content)
{
	struct nschild a;
	char *got;

	ensure_view_dir();
	ASSERT_EQ(0, sh("rm -f " LISTING_FILE " && touch " LISTING_FILE
			" && chmod 666 " LISTING_FILE));
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	EXPECT_EQ(0, nschild_call(&a, ns_view_is_default, NULL)) {
		got = slurp(LISTING_FILE);
		TH_LOG("A's fresh view:\n%s", got ? got : "(none)");
		free(got);
	}
	unlink(LISTING_FILE);
	EXPECT_EQ(0, nschild_stop(&a));
}

/* An unprivileged user: unshare -Ur, mount, use /dev/null and urandom. */
TEST(unprivileged_user_mounts_a_view)
{
	int status;
	pid_t pid;

	ensure_view_dir();
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char buf[8];
		int fd;

		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000))
			_exit(10);
		prctl(PR_SET_DUMPABLE, 1);
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			_exit(11);
		if (write_file("/proc/self/setgroups", "deny") ||
		    write_file("/proc/self/uid_map", "0 1000 1") ||
		    write_file("/proc/self/gid_map", "0 1000 1"))
			_exit(12);
		if (mount("none", VIEW, FSTYPE, 0, NULL))
			_exit(13);
		fd = open(VIEW "/null", O_WRONLY);
		if (fd < 0 || write(fd, "x", 1) != 1)
			_exit(14);
		close(fd);
		fd = open(VIEW "/urandom", O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf))
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		/* 10 setuid, 11 unshare, 12 maps, 13 mount, 14 null, 15 urandom */
		TH_LOG("step %d failed", WEXITSTATUS(status));
	}
}

/* Run in a child: start a grandchild namespace, mount its view, report. */
static int ns_grandchild_sees(const char *arg)
{
	struct nschild gc;
	int ret;

	ret = nschild_start(&gc, 0, 1);
	if (ret)
		return ret;
	ret = nschild_call(&gc, ns_mount_view, NULL);
	if (!ret)
		ret = nschild_call(&gc, ns_exists, arg);
	nschild_stop(&gc);
	return ret;
}

TEST(owned_device_is_only_in_its_owners_view)
{
	struct nschild a, b;
	struct stat st;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));

	/* Hotplug: A's mounted view shows ram1 when ASSIGN returns. */
	ASSERT_EQ(0, assign_blk(RAM(1), a.userns));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ram1")) {
		TH_LOG("ram1 is not in A's view after ASSIGN returned");
	}
	EXPECT_EQ(0, nschild_call(&a, ns_open, "ram1"));
	EXPECT_EQ(0, nschild_call(&b, ns_exists, "ram1"));
	EXPECT_EQ(0, nschild_call(&b, ns_grandchild_sees, "ram1")) {
		TH_LOG("a child of B sees A's device");
	}
	EXPECT_EQ(0, nschild_call(&a, ns_grandchild_sees, "ram1")) {
		TH_LOG("a child of A sees A's device (owned means A only)");
	}
	/* Not in the initial namespace's view either. */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount_view_at("/tmp/nsdev-host-view"));
	EXPECT_EQ(ENOENT, err_of(lstat("/tmp/nsdev-host-view/ram1", &st)));

	/* REVOKE takes it away before returning. */
	ASSERT_EQ(0, revoke_blk(RAM(1)));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ram1"));
	/* A view mounted later shows what is assigned then. */
	ASSERT_EQ(0, assign_blk(RAM(1), b.userns));
	EXPECT_EQ(1, nschild_call(&b, ns_exists, "ram1"));
	ASSERT_EQ(0, revoke_blk(RAM(1)));
	umount2("/tmp/nsdev-host-view", MNT_DETACH);
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
}

TEST(view_mounted_after_assign_shows_the_device)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, assign_blk(RAM(2), a.userns));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ram2"));
	EXPECT_EQ(0, nschild_call(&a, ns_open, "ram2"));
	EXPECT_EQ(0, revoke_blk(RAM(2)));
	EXPECT_EQ(0, nschild_stop(&a));
}

/*
 * A character device outside the misc class: no class interface tells the
 * module when it goes, so every open checks the number still names it.
 */
TEST(untracked_char_device_is_checked_at_open)
{
	struct nsdevtmpfs_query q;
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nsdev_assign_at(CONTROL, NSDEVTMPFS_CHR, makedev(4, 67),
				     a.userns, 0));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, makedev(4, 67), &q));
	EXPECT_STREQ("ttyS3", q.name);
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ttyS3"));
	EXPECT_EQ(0, nschild_call(&a, ns_open, "ttyS3"));
	ASSERT_EQ(0, nsdev_revoke_at(CONTROL, NSDEVTMPFS_CHR, makedev(4, 67)));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ttyS3"));
	EXPECT_EQ(0, nschild_stop(&a));
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

TEST(removed_device_leaves_view_and_registry)
{
	struct nsdevtmpfs_query q;
	int in_view, in_registry;
	struct nschild a;
	char *listing;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, assign_blk(RAM(7), a.userns));
	ASSERT_EQ(1, nschild_call(&a, ns_exists, "ram7"));

	ASSERT_EQ(0, unload_brd()) {
		TH_LOG("rmmod brd with ram7 assigned failed");
	}
	EXPECT_EQ(ENOENT, err_of(access("/sys/block/ram7", F_OK))) {
		TH_LOG("ram7 still exists after rmmod brd");
	}
	in_view = nschild_call(&a, ns_exists, "ram7");
	listing = slurp("/proc/nsdevtmpfs/devices");
	in_registry = listing && strstr(listing, "b 1:7 ");
	/* The ramdisks come back before anything can fail: later tests need them. */
	ASSERT_EQ(0, sh(RAM_MODPROBE));
	ASSERT_EQ(0, access("/sys/block/ram7", F_OK));

	EXPECT_EQ(0, in_view) {
		TH_LOG("ram7 is still in A's view after the device went away");
	}
	ASSERT_NE(NULL, listing);
	EXPECT_FALSE(in_registry) {
		TH_LOG("the registry still lists b 1:7:\n%s", listing);
	}
	free(listing);
	/* A new device with the same number is not A's. */
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ram7"));
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(7), &q));
	EXPECT_EQ(0, nschild_stop(&a));
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

/*
 * In A, which owns ram3: give it to a new child of A through A's own
 * view's control node. Returns a bit set: 1 the child sees it, 2 A no
 * longer does, 4 the child cannot hand it back up to A (EPERM).
 */
static int ns_delegate_to_child(const char *arg)
{
	struct nschild gc;
	char buf[64];
	int ret, self, back;

	/* Inherited by the child: the namespace it must not give to. */
	self = open("/proc/self/ns/user", O_RDONLY);
	if (self < 0)
		return -errno;
	ret = nschild_start(&gc, 0, 1);
	if (!ret)
		ret = nschild_call(&gc, ns_mount_view, NULL);
	if (!ret)
		ret = nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, RAM(3),
				      gc.userns, 0);
	if (!ret) {
		ret = nschild_call(&gc, ns_exists, "ram3") == 1;
		ret |= (ns_exists("ram3") == 0) << 1;
		snprintf(buf, sizeof(buf), "1:3 %d", self);
		back = nschild_call(&gc, ns_assign_to_fd, buf);
		ret |= (back == -EPERM) << 2;
	}
	nschild_stop(&gc);
	close(self);
	return ret;
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
TEST(assigned_disk_brings_its_partitions)
{
	struct nsdevtmpfs_query q;
	struct nschild a, b, c;
	char arg[96];
	struct stat st;

	/* C's first process is an orphan that we reap. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ensure_view_dir();
	ASSERT_EQ(0, sh("printf '" PART_TABLE "' | sfdisk -q " PART_DISK " && "
			"test -e /sys/block/ram2/ram2p2")) {
		TH_LOG("cannot partition " PART_DISK);
	}
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	ASSERT_EQ(0, assign_blk(RAM(2), a.userns));

	/* The partitions it has, at once, in A's view only. */
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ram2p1"));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ram2p2"));
	EXPECT_EQ(0, nschild_call(&a, ns_open, "ram2p1"));
	EXPECT_EQ(0, nschild_call(&b, ns_exists, "ram2p1"));
	ASSERT_EQ(0, stat("/dev/ram2p1", &st));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, st.st_rdev, &q));
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED | NSDEVTMPFS_STATE_PARTITION, q.state);
	EXPECT_STREQ("ram2p1", q.name);
	ASSERT_EQ(0, fstat(a.userns, &st));
	EXPECT_EQ(st.st_ino, q.owner_ino);
	/* It follows the disk: no assignment of its own. */
	ASSERT_EQ(0, stat("/dev/ram2p1", &st));
	EXPECT_EQ(-EBUSY, assign_blk(st.st_rdev, b.userns));
	EXPECT_EQ(-ENOENT, revoke_blk(st.st_rdev));

	/* One the disk gets later, and loses again. */
	ASSERT_EQ(0, sh("printf 'start=520,size=256\n' | sfdisk -q --append " PART_DISK));
	EXPECT_EQ(1, wait_exists(&a, "ram2p3", 1, 1000));
	EXPECT_EQ(0, nschild_call(&b, ns_exists, "ram2p3"));
	ASSERT_EQ(0, sh("sfdisk -q --delete " PART_DISK " 3"));
	EXPECT_EQ(0, wait_exists(&a, "ram2p3", 0, 1000));

	/* Passed down to A's child C, the partitions go with the disk. */
	ASSERT_EQ(0, nschild_start_under(&c, a.userns, 0, 1000));
	ASSERT_EQ(0, nschild_call(&c, ns_mount_view, NULL));
	snprintf(arg, sizeof(arg), "1 2 /proc/%d/ns/user", c.pid);
	ASSERT_EQ(0, nschild_call(&a, ns_give_blk_to, arg));
	EXPECT_EQ(1, nschild_call(&c, ns_exists, "ram2p2"));
	EXPECT_EQ(0, nschild_call(&c, ns_open, "ram2p2"));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ram2p2"));
	/* C dies: the disk goes back to A, and its partitions with it. */
	EXPECT_EQ(0, nschild_stop(&c));
	EXPECT_EQ(1, wait_exists(&a, "ram2p2", 1, 10000));

	/* Revoked, the disk takes them along. */
	ASSERT_EQ(0, revoke_blk(RAM(2)));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ram2p1"));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ram2p2"));
	EXPECT_EQ(0, count_lines("/proc/nsdevtmpfs/devices", "ram2"));

	EXPECT_EQ(0, sh("sfdisk -q --delete " PART_DISK));
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
}

TEST(delegation_down_the_tree_and_revoke_from_the_top)
{
	struct nsdevtmpfs_query q;
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, assign_blk(RAM(3), a.userns));
	EXPECT_EQ(7, nschild_call(&a, ns_delegate_to_child, NULL)) {
		/* 1: the child sees ram3, 2: A does not, 4: no way back to A */
		TH_LOG("want all three of the bits 1, 2 and 4");
	}
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(3), &q));
	EXPECT_EQ(2, q.depth);
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED, q.state);
	EXPECT_STREQ("ram3", q.name);
	/* The grandchild is gone; the top revokes A's delegation... */
	ASSERT_EQ(0, revoke_blk(RAM(3)));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "ram3")) {
		TH_LOG("revoking A's delegation did not give ram3 back to A");
	}
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(3), &q));
	EXPECT_EQ(1, q.depth);
	/* ...and then its own assignment. */
	ASSERT_EQ(0, revoke_blk(RAM(3)));
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "ram3"));
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(3), &q));
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST(query_reports_owner_assigner_and_flags)
{
	struct nsdevtmpfs_query q;
	struct nschild a;
	struct stat st;

	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, makedev(1, 3), &q));
	EXPECT_EQ(NSDEVTMPFS_STATE_GLOBAL | NSDEVTMPFS_STATE_DEFAULT, q.state);
	EXPECT_EQ(0, q.owner_ino);
	ASSERT_EQ(0, stat("/proc/self/ns/user", &st));
	EXPECT_EQ(st.st_ino, q.assigner_ino);
	EXPECT_STREQ("null", q.name);

	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, assign_blk(RAM(4), a.userns));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(4), &q));
	ASSERT_EQ(0, fstat(a.userns, &st));
	EXPECT_EQ(st.st_ino, q.owner_ino);
	EXPECT_EQ(NSDEVTMPFS_STATE_OWNED, q.state);
	EXPECT_EQ(0, revoke_blk(RAM(4)));
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(4), &q));
	EXPECT_EQ(-ENODEV, nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, makedev(4095, 4095), &q));
	EXPECT_EQ(0, nschild_stop(&a));
}

static int ns_proc_devices_with(const char *arg)
{
	return count_lines("/proc/nsdevtmpfs/devices", arg);
}

static int ns_proc_namespaces(const char *arg)
{
	return count_lines("/proc/nsdevtmpfs/namespaces", arg);
}

TEST(proc_listings_show_a_namespace_its_subtree)
{
	struct nschild a, b;
	char a_ino[32], b_ino[32];
	struct stat st;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	ASSERT_EQ(0, fstat(a.userns, &st));
	snprintf(a_ino, sizeof(a_ino), " %llu ", (unsigned long long)st.st_ino);
	ASSERT_EQ(0, fstat(b.userns, &st));
	snprintf(b_ino, sizeof(b_ino), " %llu ", (unsigned long long)st.st_ino);
	ASSERT_EQ(0, assign_blk(RAM(5), a.userns));
	ASSERT_EQ(0, assign_blk(RAM(6), b.userns));

	/* The initial namespace sees both. */
	EXPECT_EQ(1, count_lines("/proc/nsdevtmpfs/devices", "b 1:5 "));
	EXPECT_EQ(1, count_lines("/proc/nsdevtmpfs/devices", "b 1:6 "));
	/* A sees its own device and the globals, not B's. */
	EXPECT_EQ(1, nschild_call(&a, ns_proc_devices_with, "b 1:5 "));
	EXPECT_EQ(0, nschild_call(&a, ns_proc_devices_with, "b 1:6 "));
	EXPECT_EQ(1, nschild_call(&a, ns_proc_devices_with, "c 1:3 "));
	/* A's namespaces listing: only itself. */
	EXPECT_EQ(1, nschild_call(&a, ns_proc_namespaces, ""));
	EXPECT_EQ(0, nschild_call(&a, ns_proc_namespaces, b_ino + 1));
	EXPECT_GE(count_lines("/proc/nsdevtmpfs/namespaces", ""), 3);

	EXPECT_EQ(0, revoke_blk(RAM(5)));
	EXPECT_EQ(0, revoke_blk(RAM(6)));
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
}

/* --- bad input changes nothing ------------------------------------------ */

TEST(bad_ioctl_input_is_rejected_and_changes_nothing)
{
	char *devs_before, *ns_before, *devs_after, *ns_after;
	struct nsdevtmpfs_assign a;
	struct nsdevtmpfs_revoke r;
	struct nsdevtmpfs_query q;
	struct nsdevtmpfs_limit l;
	struct nschild c;
	int netns, closed, file;

	ASSERT_EQ(0, nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT));
	netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* A descriptor number nothing in this test will open. */
	closed = 999;
	close(closed);
	devs_before = slurp("/proc/nsdevtmpfs/devices");
	ns_before = slurp("/proc/nsdevtmpfs/namespaces");
	ASSERT_NE(NULL, devs_before);

#define A(...) (a = (struct nsdevtmpfs_assign){ .type = NSDEVTMPFS_BLK, .major = 1, \
		.minor = 0, .userns_fd = c.userns, __VA_ARGS__ }, \
		control_ioctl(NSDEVTMPFS_IOC_ASSIGN, &a))
	EXPECT_EQ(-EINVAL, A(.flags = 1U << 31));
	EXPECT_EQ(-EINVAL, A(.flags = 2));
	EXPECT_EQ(-EINVAL, A(.reserved[0] = 1));
	EXPECT_EQ(-EINVAL, A(.reserved[2] = 0xffffffff));
	EXPECT_EQ(-EINVAL, A(.type = 0));
	EXPECT_EQ(-EINVAL, A(.type = 3));
	EXPECT_EQ(-EINVAL, A(.major = 1U << 12));
	EXPECT_EQ(-EINVAL, A(.minor = 1U << 20));
	EXPECT_EQ(-EINVAL, A(.major = 0xffffffff, .minor = 0xffffffff));
	EXPECT_EQ(-EBADF, A(.userns_fd = closed));
	EXPECT_EQ(-EBADF, A(.userns_fd = -1));
	EXPECT_EQ(-EBADF, A(.userns_fd = 1 << 30));
	EXPECT_EQ(-EINVAL, A(.userns_fd = netns));
	EXPECT_EQ(-EINVAL, A(.userns_fd = file));
	EXPECT_EQ(-EINVAL, A(.flags = NSDEVTMPFS_ASSIGN_GLOBAL));
	EXPECT_EQ(-ENODEV, A(.major = 1, .minor = 999999));
	EXPECT_EQ(-ENODEV, A(.type = NSDEVTMPFS_CHR, .major = 4095, .minor = 1));
	EXPECT_EQ(-EBUSY, A(.type = NSDEVTMPFS_CHR, .major = 1, .minor = 3));
	EXPECT_EQ(-EEXIST, A(.type = NSDEVTMPFS_CHR, .major = 1, .minor = 3,
			     .userns_fd = -1, .flags = NSDEVTMPFS_ASSIGN_GLOBAL));
#undef A

#define R(...) (r = (struct nsdevtmpfs_revoke){ .type = NSDEVTMPFS_BLK, .major = 1, \
		.minor = 0, __VA_ARGS__ }, control_ioctl(NSDEVTMPFS_IOC_REVOKE, &r))
	EXPECT_EQ(-EINVAL, R(.flags = 2));
	EXPECT_EQ(-EINVAL, R(.flags = 1U << 31));
	EXPECT_EQ(-EINVAL, R(.flags = NSDEVTMPFS_REVOKE_DEFAULT | 2));
	EXPECT_EQ(-EINVAL, R(.reserved[3] = 1));
	EXPECT_EQ(-EINVAL, R(.type = 9));
	EXPECT_EQ(-EINVAL, R(.minor = 0xffffffff));
	EXPECT_EQ(-ENOENT, R(.minor = 0));
	EXPECT_EQ(-ENOENT, R(.minor = 12345));
#undef R

#define Q(...) (q = (struct nsdevtmpfs_query){ .type = NSDEVTMPFS_CHR, .major = 1, \
		.minor = 3, __VA_ARGS__ }, control_ioctl(NSDEVTMPFS_IOC_QUERY, &q))
	EXPECT_EQ(-EINVAL, Q(.flags = 1));
	EXPECT_EQ(-EINVAL, Q(.state = 1));
	EXPECT_EQ(-EINVAL, Q(.owner_ino = 1));
	EXPECT_EQ(-EINVAL, Q(.name[5] = 'x'));
	EXPECT_EQ(-EINVAL, Q(.reserved[0] = 1));
	EXPECT_EQ(-EINVAL, Q(.type = 0));
	EXPECT_EQ(0, Q());
#undef Q

#define L(...) (l = (struct nsdevtmpfs_limit){ .userns_fd = c.userns, .max_loops = 4, \
		__VA_ARGS__ }, control_ioctl(NSDEVTMPFS_IOC_SET_LIMIT, &l))
	EXPECT_EQ(-EINVAL, L(.flags = 1));
	EXPECT_EQ(-EINVAL, L(.reserved[4] = 1));
	EXPECT_EQ(-EINVAL, L(.max_loops = 0xffffffff));
	EXPECT_EQ(-EINVAL, L(.max_loops = (1U << 20) + 1));
	EXPECT_EQ(-EBADF, L(.userns_fd = closed));
	EXPECT_EQ(-EINVAL, L(.userns_fd = netns));
#undef L

	EXPECT_EQ(-ENOTTY, control_ioctl(_IO(NSDEVTMPFS_IOC_MAGIC, 99), NULL));
	EXPECT_EQ(-ENOTTY, control_ioctl(_IOW(NSDEVTMPFS_IOC_MAGIC, 1, int), &closed));
	EXPECT_EQ(-EFAULT, control_ioctl(NSDEVTMPFS_IOC_ASSIGN, (void *)16));

	devs_after = slurp("/proc/nsdevtmpfs/devices");
	ns_after = slurp("/proc/nsdevtmpfs/namespaces");
	ASSERT_NE(NULL, devs_after);
	EXPECT_STREQ(devs_before, devs_after);
	EXPECT_STREQ(ns_before, ns_after);
	free(devs_before);
	free(devs_after);
	free(ns_before);
	free(ns_after);
	close(netns);
	close(file);
	EXPECT_EQ(0, nschild_stop(&c));
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
TEST(loop_devices_are_not_assigned)
{
	char *devs_before, *devs_after, *name, part[32];
	dev_t bound, partition, unbound;
	struct nsdevtmpfs_query q;
	struct nschild a;
	int n, ret[4], i;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	/* A host loop bound to a partitioned image, with its partition. */
	ASSERT_EQ(0, sh("truncate -s 8M " LOOP_IMG " && "
			"printf 'label: dos\\n,4M,L\\n' | sfdisk -q " LOOP_IMG " && "
			"losetup -fP --show " LOOP_IMG " > " LOOP_NAME));
	name = slurp(LOOP_NAME);
	ASSERT_NE(NULL, name);
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
	ASSERT_EQ(259, major(partition));
	/* And an unbound one of the host's loop0..7. */
	unbound = LOOP(n == 7 ? 6 : 7);
	snprintf(part, sizeof(part), "loop%u", minor(unbound));
	ASSERT_EQ(unbound, sysfs_devt(part));

	devs_before = slurp("/proc/nsdevtmpfs/devices");
	ASSERT_NE(NULL, devs_before);
	ret[0] = assign_blk(unbound, a.userns);
	ret[1] = assign_blk(bound, a.userns);
	ret[2] = assign_blk(partition, a.userns);
	ret[3] = nsdev_assign_at(CONTROL, NSDEVTMPFS_BLK, unbound, -1,
				 NSDEVTMPFS_ASSIGN_GLOBAL);
	devs_after = slurp("/proc/nsdevtmpfs/devices");
	EXPECT_EQ(0, nschild_call(&a, ns_exists, part));
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, unbound, &q));

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
		TH_LOG("ASSIGN of the unbound %s", part);
	}
	EXPECT_EQ(-EOPNOTSUPP, ret[1]) {
		TH_LOG("ASSIGN of the bound loop%d", n);
	}
	EXPECT_EQ(-EOPNOTSUPP, ret[2]) {
		TH_LOG("ASSIGN of the partition loop%dp1", n);
	}
	EXPECT_EQ(-EOPNOTSUPP, ret[3]) {
		TH_LOG("ASSIGN of %s to every view", part);
	}
	ASSERT_NE(NULL, devs_after);
	EXPECT_STREQ(devs_before, devs_after);
	free(devs_before);
	free(devs_after);
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST(set_limit_is_reported)
{
	struct nsdevtmpfs_limit l = { .max_loops = 3 };
	unsigned long long ino, parent;
	unsigned int used, limit, views;
	char needle[32], *text, *line;
	struct nschild c;
	struct stat st;

	ASSERT_EQ(0, nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT));
	l.userns_fd = c.userns;
	ASSERT_EQ(0, control_ioctl(NSDEVTMPFS_IOC_SET_LIMIT, &l));
	ASSERT_EQ(0, fstat(c.userns, &st));
	snprintf(needle, sizeof(needle), "\n%llu ", (unsigned long long)st.st_ino);
	text = slurp("/proc/nsdevtmpfs/namespaces");
	ASSERT_NE(NULL, text);
	line = strstr(text, needle);
	ASSERT_NE(NULL, line) {
		TH_LOG("no line for the namespace in:\n%s", text);
	}
	/* ns-inode parent-inode loops-used loop-limit views-mounted */
	ASSERT_EQ(5, sscanf(line + 1, "%llu %llu %u %u %u", &ino, &parent,
			    &used, &limit, &views));
	EXPECT_EQ(3, limit);
	EXPECT_EQ(0, used);
	EXPECT_EQ(0, views);
	free(text);
	EXPECT_EQ(0, nschild_stop(&c));
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
TEST(default_devices_are_revoked_only_on_request)
{
	struct nsdevtmpfs_query q;
	struct nschild a;
	struct stat lc;
	dev_t null = makedev(1, 3);

	ASSERT_EQ(0, stat("/dev/" NSDEVTMPFS_LOOPCTL_NAME, &lc)) {
		TH_LOG("stat /dev/" NSDEVTMPFS_LOOPCTL_NAME ": %s", strerror(errno));
	}
	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(1, nschild_call(&a, ns_exists, "null"));

	EXPECT_EQ(-EPERM, revoke_flags(NSDEVTMPFS_CHR, null, 0)) {
		TH_LOG("a plain REVOKE of the default null was not refused with EPERM");
	}
	EXPECT_EQ(-EPERM, revoke_flags(NSDEVTMPFS_CHR, lc.st_rdev, 0)) {
		TH_LOG("a plain REVOKE of the default loop-control was not refused");
	}
	/* Refused means unchanged: still global default content, still there. */
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, null, &q));
	EXPECT_EQ(NSDEVTMPFS_STATE_GLOBAL | NSDEVTMPFS_STATE_DEFAULT, q.state);
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "null"));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "loop-control"));

	/* Asked for, it goes from every view; ASSIGN --global brings it back. */
	ASSERT_EQ(0, revoke_flags(NSDEVTMPFS_CHR, null, NSDEVTMPFS_REVOKE_DEFAULT)) {
		TH_LOG("REVOKE with NSDEVTMPFS_REVOKE_DEFAULT failed: %s", strerror(errno));
	}
	EXPECT_EQ(0, nschild_call(&a, ns_exists, "null"));
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, null, &q));
	ASSERT_EQ(0, nsdev_assign_at(CONTROL, NSDEVTMPFS_CHR, null, -1,
				     NSDEVTMPFS_ASSIGN_GLOBAL));
	EXPECT_EQ(1, nschild_call(&a, ns_exists, "null"));
	ASSERT_EQ(0, nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, null, &q));
	EXPECT_EQ(NSDEVTMPFS_STATE_GLOBAL | NSDEVTMPFS_STATE_DEFAULT, q.state);

	/* The flag changes nothing for a device that is not default content. */
	ASSERT_EQ(0, assign_blk(RAM(5), a.userns));
	EXPECT_EQ(0, revoke_flags(NSDEVTMPFS_BLK, RAM(5), NSDEVTMPFS_REVOKE_DEFAULT));
	EXPECT_EQ(-ENOENT, revoke_flags(NSDEVTMPFS_BLK, RAM(5), 0));
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST_HARNESS_MAIN

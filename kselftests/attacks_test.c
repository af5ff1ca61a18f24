// SPDX-License-Identifier: GPL-2.0
/*
 * attacks_test - isolation between views must hold against every route
 *
 * Each test is an attempt a hostile container (or user) would make to reach
 * a device that is not in its view, or to change ownership it has no right
 * to. Every attempt must fail, and what is allowed (an fd handed over by
 * someone who could open the device) must keep working. Add new routes
 * here as they are thought of.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/uinput.h>

#include "kselftest_harness.h"
#include "fixtures.h"

/* What ns_exists() answered, in words. */
static const char *existstr(int ret)
{
	return ret == 1 ? "present" : ret == 0 ? "absent" : strerror(-ret);
}

/* --- making nodes in a view ---------------------------------------------- */

/*
 * In A, as root of its namespace: make an object of kind ARG in its view.
 * Return: 0 (and undone) if it was made, else the negative errno.
 */
static int ns_make_in_view(const char *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = VIEW "/evil";
	int ret = -EINVAL, fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (!strcmp(arg, "blk")) {
		ret = mknod(path, S_IFBLK | 0600, RAM(0));
	} else if (!strcmp(arg, "fifo")) {
		ret = mknod(path, S_IFIFO | 0600, 0);
	} else if (!strcmp(arg, "mkfifo")) {
		ret = mkfifo(path, 0600);
	} else if (!strcmp(arg, "sock")) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
		if (ret)
			ret = -errno;
		close(fd);
		if (ret)
			return ret;
	} else if (!strcmp(arg, "creat")) {
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		ret = fd < 0 ? -1 : close(fd);
	} else if (!strcmp(arg, "mknodreg")) {
		ret = mknod(path, S_IFREG | 0600, 0);
	} else if (!strcmp(arg, "tmpfile")) {
		fd = open(VIEW, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	} else if (!strcmp(arg, "mkdir")) {
		ret = mkdir(path, 0700);
		if (!ret)
			return rmdir(path) ? -errno : 0;
	}
	if (ret)
		return ret == -EINVAL ? ret : -errno;
	unlink(path);
	return 0;
}

#define EVIL_TMPFS	"/tmp/nsdev-evil-tmpfs"

/* In A: mount a tmpfs of its own (its mount namespace's, not the host's). */
static int ns_mount_own_tmpfs(const char *arg)
{
	mkdir(EVIL_TMPFS, 0700);
	return mount("none", EVIL_TMPFS, "tmpfs", 0, NULL) ? -errno : 0;
}

/* In A: mknod /dev/null's number there: 0 (and undone) or the -errno. */
static int ns_mknod_in_own_tmpfs(const char *arg)
{
	if (mknod(EVIL_TMPFS "/null", S_IFCHR | 0666, makedev(1, 3)))
		return -errno;
	unlink(EVIL_TMPFS "/null");
	return 0;
}

static int ns_umount_own_tmpfs(const char *arg)
{
	return umount2(EVIL_TMPFS, MNT_DETACH) ? -errno : 0;
}

/*
 * Nothing but the module makes a node in a view: it has no ->mknod or
 * ->tmpfile, and its ->create makes regular files only. A device node
 * would be refused anyway by the VFS (CAP_MKNOD in the initial namespace),
 * so what tests the module is what needs no capability: FIFOs, sockets.
 * Regular files are allowed, as on tmpfs (bind-mount targets).
 */
TEST_F(one_ns, mknod_is_refused)
{
	static const struct {
		const char *kind;
		int want;
		const char *why;
	} makes[] = {
		{ "blk", -EPERM, "mknod(S_IFBLK): CAP_MKNOD in the initial namespace" },
		{ "fifo", -EPERM, "mknod(S_IFIFO): want EPERM (no ->mknod)" },
		{ "mkfifo", -EPERM, "mkfifo(): want EPERM (no ->mknod)" },
		{ "sock", -EPERM, "bind() of a unix socket: want EPERM (no ->mknod)" },
		{ "creat", 0, "O_CREAT: a regular file, as on tmpfs" },
		{ "mknodreg", 0, "mknod(S_IFREG): a regular file, as on tmpfs" },
		{ "tmpfile", -EOPNOTSUPP, "O_TMPFILE: want EOPNOTSUPP (no ->tmpfile)" },
	};
	unsigned int i;
	int ret;

	/* A may write to its view: what fails below fails for want of an op. */
	ret = nschild_call(&self->a, ns_make_in_view, "mkdir");
	ASSERT_EQ(0, ret) {
		TH_LOG("A makes a directory in its view: %s", errstr(ret));
	}
	for (i = 0; i < ARRAY_SIZE(makes); i++) {
		ret = nschild_call(&self->a, ns_make_in_view, makes[i].kind);
		EXPECT_EQ(makes[i].want, ret) {
			TH_LOG("%s in A's view: got \"%s\"", makes[i].why,
			       errstr(ret));
		}
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/* Nor by the back door of a tmpfs of its own. */
TEST_F(one_ns, mknod_in_own_tmpfs_is_refused)
{
	int ret;

	ret = nschild_call(&self->a, ns_mount_own_tmpfs, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A mounts a tmpfs of its own: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_mknod_in_own_tmpfs, NULL);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A makes a 1:3 node in its own tmpfs: %s, want EPERM",
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_umount_own_tmpfs, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("A unmounts its tmpfs: %s", errstr(ret));
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

/* --- a revoked node under other names ------------------------------------ */

#define BIND_TARGET	"/tmp/nsdev-bind-target"

/* In A: the O_PATH fd of its ram0 node, kept across calls. */
static int kept_opath = -1;

static int ns_alias_hardlink(const char *arg)
{
	return link(VIEW "/ram0", VIEW "/hardlink") ? -errno : 0;
}

static int ns_alias_rename(const char *arg)
{
	if (mkdir(VIEW "/d", 0700) || link(VIEW "/ram0", VIEW "/d/renamed-src") ||
	    rename(VIEW "/d/renamed-src", VIEW "/d/renamed"))
		return -errno;
	return 0;
}

static int ns_alias_opath(const char *arg)
{
	kept_opath = open(VIEW "/ram0", O_PATH | O_CLOEXEC);
	return kept_opath < 0 ? -errno : 0;
}

static int ns_alias_bind(const char *arg)
{
	int fd;

	fd = open(BIND_TARGET, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return mount(VIEW "/ram0", BIND_TARGET, NULL, MS_BIND, NULL) ? -errno : 0;
}

/* In A: open the alias ARG of its ram0 node (see aliases[]): 0 or -errno. */
static int ns_open_alias(const char *arg)
{
	char proc[64];

	if (!strcmp(arg, "hard link"))
		return ns_open(VIEW "/hardlink");
	if (!strcmp(arg, "renamed link"))
		return ns_open(VIEW "/d/renamed");
	if (!strcmp(arg, "bind mount"))
		return ns_open(BIND_TARGET);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", kept_opath);
	return ns_open(proc);
}

static const struct {
	const char *name;
	nscall_fn make;
} aliases[] = {
	{ "hard link", ns_alias_hardlink },
	{ "renamed link", ns_alias_rename },
	{ "bind mount", ns_alias_bind },
	{ "O_PATH reopen", ns_alias_opath },
};

TEST_F(one_ns, revoked_node_opens_under_no_name)
{
	unsigned int i;
	int ret;

	ret = assign_blk(RAM(0), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram0 to A: %s", errstr(ret));
	}
	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		ret = nschild_call(&self->a, aliases[i].make, NULL);
		ASSERT_EQ(0, ret) {
			TH_LOG("A makes a %s of its ram0: %s", aliases[i].name,
			       errstr(ret));
		}
	}
	/* While A owns the device every alias opens... */
	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		ret = nschild_call(&self->a, ns_open_alias, aliases[i].name);
		EXPECT_EQ(0, ret) {
			TH_LOG("A opens ram0 by its %s while it owns it: %s",
			       aliases[i].name, errstr(ret));
		}
	}
	ret = revoke_blk(RAM(0));
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE ram0 from A: %s", errstr(ret));
	}
	/* ...and after the revoke none does. */
	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		ret = nschild_call(&self->a, ns_open_alias, aliases[i].name);
		EXPECT_EQ(-ENXIO, ret) {
			TH_LOG("A opens the revoked ram0 by its %s: %s, want ENXIO",
			       aliases[i].name, errstr(ret));
		}
	}
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
	unlink(BIND_TARGET);
}

/* --- another namespace's view ------------------------------------------- */

/* In A: a hard link to its ram0 node, which outlives the device's revoke. */
static int ns_keep_ram0(const char *arg)
{
	return link(VIEW "/ram0", VIEW "/kept") ? -errno : 0;
}

/*
 * B has no path to A's view: /proc/A/root is refused by procfs (B may not
 * ptrace A) before nsdevtmpfs is asked. Only a file descriptor that A hands
 * over gets B in, and whoever holds one acts in A's view, as with binderfs:
 * every open of a node asks the registry about the namespace of the node's
 * view, never the opener's. So through A's view B opens what A may open
 * and nothing else: not a node A kept of a device taken from A, even when
 * that device is now B's own.
 */
TEST_F(two_ns, another_views_nodes_are_out_of_reach)
{
	char name[64], arg[128];
	int ret;

	snprintf(name, sizeof(name), "nsdev-attacks-%d", getpid());
	ret = assign_blk(RAM(0), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram0 to A: %s", errstr(ret));
	}
	ret = nschild_call(&self->a, ns_keep_ram0, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("A hard-links its ram0 as \"kept\": %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "ram0");
	EXPECT_EQ(0, ret) {
		TH_LOG("A's ram0 in B's own view: %s", existstr(ret));
	}

	/* A hands B an O_PATH fd of its view's root. */
	ret = nschild_call(&self->b, ns_fd_listen, name);
	ASSERT_EQ(0, ret) {
		TH_LOG("B listens on @%s: %s", name, errstr(ret));
	}
	snprintf(arg, sizeof(arg), "%s " VIEW, name);
	ret = nschild_call(&self->a, ns_fd_send_opath, arg);
	ASSERT_EQ(0, ret) {
		TH_LOG("A sends an O_PATH fd of its view: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_fd_recv, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("B receives A's fd: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_fd_statat, "ram0");
	EXPECT_EQ((int)RAM(0), ret) {
		TH_LOG("B stats ram0 in A's view: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_fd_statat, "kept");
	EXPECT_EQ((int)RAM(0), ret) {
		TH_LOG("B stats \"kept\" in A's view: %s", errstr(ret));
	}
	/* A's device, in A's view: it opens for B there (A's choice). */
	ret = nschild_call(&self->b, ns_fd_openat, "ram0");
	EXPECT_EQ(0, ret) {
		TH_LOG("B opens ram0 through A's view: %s (not checked against A's namespace?)",
		       errstr(ret));
	}

	/* ram0 goes to B: A's kept node, seen and opened from B, stays dead. */
	ret = revoke_blk(RAM(0));
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE ram0 from A: %s", errstr(ret));
	}
	ret = assign_blk(RAM(0), self->b.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram0 to B: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "ram0");
	EXPECT_EQ(1, ret) {
		TH_LOG("ram0 in B's view once B owns it: %s", existstr(ret));
	}
	ret = nschild_call(&self->b, ns_open, "ram0");
	EXPECT_EQ(0, ret) {
		TH_LOG("B opens its own ram0: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_fd_statat, "ram0");
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("B stats ram0 in A's view after the revoke: %s, want ENOENT",
		       ret < 0 ? errstr(ret) : "still there");
	}
	ret = nschild_call(&self->b, ns_fd_statat, "kept");
	EXPECT_EQ((int)RAM(0), ret) {
		TH_LOG("B stats \"kept\" in A's view after the revoke: %s",
		       errstr(ret));
	}
	ret = nschild_call(&self->b, ns_fd_openat, "kept");
	EXPECT_EQ(-ENXIO, ret) {
		TH_LOG("B opens ram0 through the node A kept in A's view: %s, want ENXIO",
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_open, "kept");
	EXPECT_EQ(-ENXIO, ret) {
		TH_LOG("A opens B's ram0 through the node it kept: %s, want ENXIO",
		       errstr(ret));
	}

	ret = revoke_blk(RAM(0));
	EXPECT_EQ(0, ret) {
		TH_LOG("REVOKE ram0 from B: %s", errstr(ret));
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

/* --- file descriptors over a unix socket --------------------------------- */

/* In B: the two fds A sent: [0] opened for real, [1] O_PATH. */
static int received[2] = { -1, -1 };

/* In A: open ram0 for real and as O_PATH, and send both to the name ARG. */
static int ns_send_ram0(const char *arg)
{
	int fd = open(VIEW "/ram0", O_RDONLY | O_CLOEXEC);
	int path = open(VIEW "/ram0", O_PATH | O_CLOEXEC);
	int ret;

	if (fd < 0 || path < 0)
		return -errno;
	ret = fdpass_send_fds(arg, (int[]){ fd, path }, 2);
	close(fd);
	close(path);
	return ret;
}

/* In B: receive them on the socket ns_fd_listen() bound. */
static int ns_recv_ram0(const char *arg)
{
	return fdpass_recv_fds(ns_fdpass_fds()[0], received, 2);
}

/* In B: use the passed real fd (a ramdisk's BLKGETSIZE64): 0 or -errno. */
static int ns_use_received(const char *arg)
{
	unsigned long long size;

	return ioctl(received[0], BLKGETSIZE64, &size) ? -errno : 0;
}

/* In B: reopen the passed O_PATH fd through /proc/self/fd. */
static int ns_reopen_received(const char *arg)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", received[1]);
	return ns_open(proc);
}

TEST_F(two_ns, passed_fds_carry_the_senders_right_only)
{
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "nsdev-attacks-fds-%d", getpid());
	ret = assign_blk(RAM(0), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram0 to A: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_fd_listen, name);
	ASSERT_EQ(0, ret) {
		TH_LOG("B listens on @%s: %s", name, errstr(ret));
	}
	ret = nschild_call(&self->a, ns_send_ram0, name);
	ASSERT_EQ(0, ret) {
		TH_LOG("A opens its ram0 and sends B two fds: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_recv_ram0, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("B receives A's two fds: %s", errstr(ret));
	}
	/* What A could open, B may use when A hands it over... */
	ret = nschild_call(&self->b, ns_use_received, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("B uses the ram0 fd A opened: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_reopen_received, NULL);
	EXPECT_EQ(0, ret) {
		TH_LOG("B reopens A's O_PATH fd while A owns ram0: %s",
		       errstr(ret));
	}
	/* ...but the right ends with A's. */
	ret = revoke_blk(RAM(0));
	ASSERT_EQ(0, ret) {
		TH_LOG("REVOKE ram0 from A: %s", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_reopen_received, NULL);
	EXPECT_EQ(-ENXIO, ret) {
		TH_LOG("B reopens A's O_PATH fd after the revoke: %s, want ENXIO",
		       errstr(ret));
	}
	ret = nschild_call(&self->b, ns_exists, "ram0");
	EXPECT_EQ(0, ret) {
		TH_LOG("ram0 in B's own view: %s", existstr(ret));
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

/* --- the control device, for a user who is not root ---------------------- */

/*
 * Run fn(@fd) in a forked process that has dropped to uid and gid 1000.
 * Return: fn's result (0 or a negative errno), or the negative errno of
 * dropping root.
 */
static int call_as_user(int (*fn)(int fd), int fd)
{
	int pipefd[2], ret, status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000))
			ret = -errno;
		else
			ret = fn(fd);
		_exit(write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret));
	}
	close(pipefd[1]);
	if (read_full(pipefd[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -ECHILD;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return ret;
}

static int user_opens_control(int unused)
{
	int fd = open(CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int user_assigns_through(int fd)
{
	struct nsdevtmpfs_assign a = {
		.type = NSDEVTMPFS_BLK, .major = 1, .minor = 0,
		.userns_fd = -1, .flags = NSDEVTMPFS_ASSIGN_GLOBAL,
	};

	return ioctl(fd, NSDEVTMPFS_IOC_ASSIGN, &a) ? -errno : 0;
}

static int user_revokes_through(int fd)
{
	struct nsdevtmpfs_revoke r = {
		.type = NSDEVTMPFS_CHR, .major = 1, .minor = 3,
	};

	return ioctl(fd, NSDEVTMPFS_IOC_REVOKE, &r) ? -errno : 0;
}

/* The node is 0600 root. */
TEST(non_root_cannot_open_the_control_device)
{
	int ret;

	ret = call_as_user(user_opens_control, -1);
	EXPECT_EQ(-EACCES, ret) {
		TH_LOG("uid 1000 opens %s: %s, want EACCES", CONTROL,
		       errstr(ret));
	}
}

/**
 * FIXTURE(root_control_fd) - the control device opened by the initial root
 * @fd: O_RDWR, inherited by the non-root process a test forks
 */
FIXTURE(root_control_fd) {
	int fd;
};

FIXTURE_SETUP(root_control_fd)
{
	self->fd = open(CONTROL, O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) {
		TH_LOG("open %s: %s", CONTROL, strerror(errno));
	}
}

FIXTURE_TEARDOWN(root_control_fd)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* An fd root opened carries no authority: each ioctl checks the caller. */
TEST_F(root_control_fd, gives_non_root_no_assign)
{
	int ret;

	ret = call_as_user(user_assigns_through, self->fd);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("uid 1000 ASSIGNs through root's fd: %s, want EPERM",
		       errstr(ret));
	}
}

TEST_F(root_control_fd, gives_non_root_no_revoke)
{
	int ret;

	ret = call_as_user(user_revokes_through, self->fd);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("uid 1000 REVOKEs null through root's fd: %s, want EPERM",
		       errstr(ret));
	}
}

/* --- the control device, for a namespace root ---------------------------- */

static int open_view_control(const char *arg)
{
	int fd = open(VIEW_CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* In a namespace child: a non-root process of the same namespace opens it. */
static int ns_nonroot_open_control(const char *arg)
{
	return nonroot_call(open_view_control, NULL);
}

/* Calls a namespace root makes with a device it does not own. */
static int ns_assign(const char *arg)
{
	unsigned int maj, min, flags;
	int fd;

	if (sscanf(arg, "%u:%u %d %u", &maj, &min, &fd, &flags) != 4)
		return -EINVAL;
	return nsdev_assign_at(VIEW_CONTROL, NSDEVTMPFS_BLK, makedev(maj, min),
			       fd, flags);
}

static int ns_revoke(const char *arg)
{
	unsigned int maj, min;

	if (sscanf(arg, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	return nsdev_revoke_at(VIEW_CONTROL, NSDEVTMPFS_BLK, makedev(maj, min));
}

static int ns_query(const char *arg)
{
	struct nsdevtmpfs_query q;
	unsigned int maj, min;

	if (sscanf(arg, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	return nsdev_query_at(VIEW_CONTROL, NSDEVTMPFS_BLK, makedev(maj, min), &q);
}

static int ns_set_own_limit(const char *arg)
{
	struct nsdevtmpfs_limit l = { .max_loops = 1000 };
	int fd, ret;

	l.userns_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	fd = open(VIEW_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0 || l.userns_fd < 0)
		return -errno;
	ret = ioctl(fd, NSDEVTMPFS_IOC_SET_LIMIT, &l) ? -errno : 0;
	close(fd);
	close(l.userns_fd);
	return ret;
}

/**
 * FIXTURE(a_holds_bs_fd) - sibling namespaces, A owning ram0 and holding B's fd
 * @a: namespace A, with its view, owner of ram0 (assigned by the initial root)
 * @b: namespace B, with its view; started first, so A inherited the nsfs fd
 *     of B's namespace under the same number as b.userns
 */
FIXTURE(a_holds_bs_fd) {
	struct nschild a;
	struct nschild b;
};

FIXTURE_SETUP(a_holds_bs_fd)
{
	int ret;

	self->a.pid = -1;
	self->b.pid = -1;
	ns_start_with_view(_metadata, &self->b, "B");
	ns_start_with_view(_metadata, &self->a, "A");
	ret = assign_blk(RAM(0), self->a.userns);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN ram0 to A: %s", errstr(ret));
	}
}

FIXTURE_TEARDOWN(a_holds_bs_fd)
{
	revoke_blk(RAM(0));
	ns_stop_quietly(&self->a);
	ns_stop_quietly(&self->b);
}

TEST_F(a_holds_bs_fd, non_root_of_a_cannot_open_its_control_node)
{
	int ret;

	ret = nschild_call(&self->a, ns_nonroot_open_control, NULL);
	EXPECT_EQ(-EACCES, ret) {
		TH_LOG("uid 1 of A opens A's control node: %s, want EACCES",
		       errstr(ret));
	}
}

/* A may not give its device to a non-descendant (B)... */
TEST_F(a_holds_bs_fd, a_cannot_give_its_device_to_a_sibling)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "1:0 %d 0", self->b.userns);
	ret = nschild_call(&self->a, ns_assign, buf);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A ASSIGNs its ram0 to sibling B: %s, want EPERM",
		       errstr(ret));
	}
}

/* ...nor make it global... */
TEST_F(a_holds_bs_fd, a_cannot_make_its_device_global)
{
	int ret;

	ret = nschild_call(&self->a, ns_assign, "1:0 -1 1");
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A ASSIGNs its ram0 to every view: %s, want EPERM",
		       errstr(ret));
	}
}

/* ...nor hand out a device it does not own. */
TEST_F(a_holds_bs_fd, a_cannot_hand_out_a_device_it_does_not_own)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "1:5 %d 0", self->b.userns);
	ret = nschild_call(&self->a, ns_assign, buf);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A ASSIGNs ram5, not its own, to B: %s, want EPERM",
		       errstr(ret));
	}
}

/* B can neither revoke nor even learn about A's device. */
TEST_F(a_holds_bs_fd, b_cannot_revoke_or_query_the_device_of_a)
{
	int ret;

	ret = nschild_call(&self->b, ns_revoke, "1:0");
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("B REVOKEs A's ram0: %s, want ENOENT", errstr(ret));
	}
	ret = nschild_call(&self->b, ns_query, "1:0");
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("B QUERYs A's ram0: %s, want ENOENT", errstr(ret));
	}
}

/* A cannot undo the initial namespace's assignment to itself. */
TEST_F(a_holds_bs_fd, a_cannot_revoke_the_hosts_assignment)
{
	struct nsdevtmpfs_query q;
	struct stat st;
	int ret;

	ret = nschild_call(&self->a, ns_revoke, "1:0");
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A REVOKEs the host's assignment of ram0: %s, want EPERM",
		       errstr(ret));
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_BLK, RAM(0), &q);
	ASSERT_EQ(0, ret) {
		TH_LOG("QUERY ram0 after A's REVOKE: %s", errstr(ret));
	}
	ASSERT_EQ(0, fstat(self->a.userns, &st)) {
		TH_LOG("fstat A's namespace fd: %s", strerror(errno));
	}
	EXPECT_EQ(st.st_ino, q.owner_ino) {
		TH_LOG("ram0's owner is nsfs inode %llu, not A's",
		       (unsigned long long)q.owner_ino);
	}
	ret = revoke_blk(RAM(0));
	EXPECT_EQ(0, ret) {
		TH_LOG("the host REVOKEs ram0 from A: %s", errstr(ret));
	}
}

/* No namespace raises its own loop limit. */
TEST_F(a_holds_bs_fd, a_cannot_set_its_own_loop_limit)
{
	int ret;

	ret = nschild_call(&self->a, ns_set_own_limit, NULL);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A's SET_LIMIT on its own namespace: %s, want EPERM",
		       errstr(ret));
	}
}

/*
 * Permission before existence: a namespace root learns nothing about which
 * devices exist from ASSIGN or QUERY of devices it does not own. ram1
 * exists, 1:999 does not: the same answer for both.
 */
TEST_F(a_holds_bs_fd, assign_tells_a_nothing_of_other_devices)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "1:1 %d 0", self->b.userns);
	ret = nschild_call(&self->a, ns_assign, buf);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A ASSIGNs ram1 (exists, not A's): %s, want EPERM",
		       errstr(ret));
	}
	snprintf(buf, sizeof(buf), "1:999 %d 0", self->b.userns);
	ret = nschild_call(&self->a, ns_assign, buf);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("A ASSIGNs 1:999 (does not exist): %s, want EPERM",
		       errstr(ret));
	}
}

TEST_F(a_holds_bs_fd, query_tells_a_nothing_of_other_devices)
{
	int ret;

	ret = nschild_call(&self->a, ns_query, "1:1");
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("A QUERYs ram1 (exists, not A's): %s, want ENOENT",
		       errstr(ret));
	}
	ret = nschild_call(&self->a, ns_query, "1:999");
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("A QUERYs 1:999 (does not exist): %s, want ENOENT",
		       errstr(ret));
	}
}

/* --- a recycled character device number ---------------------------------- */

/* A uinput device with one key; its fd (closing it destroys the device). */
static int uinput_make(char *event, size_t len, dev_t *devt)
{
	struct uinput_setup setup = { .id.bustype = BUS_VIRTUAL };
	char sysname[64], path[160], *text;
	unsigned int maj, min, n = 0;
	DIR *dir;
	struct dirent *e;
	int fd;

	fd = open("/dev/uinput", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(setup.name, sizeof(setup.name), "nsdevtmpfs-test");
	if (ioctl(fd, UI_SET_EVBIT, EV_KEY) || ioctl(fd, UI_SET_KEYBIT, KEY_A) ||
	    ioctl(fd, UI_DEV_SETUP, &setup) || ioctl(fd, UI_DEV_CREATE) ||
	    ioctl(fd, UI_GET_SYSNAME(sizeof(sysname)), sysname) < 0) {
		close(fd);
		return -errno;
	}
	snprintf(path, sizeof(path), "/sys/devices/virtual/input/%s", sysname);
	dir = opendir(path);
	while (dir && (e = readdir(dir)))
		if (sscanf(e->d_name, "event%u", &n) == 1)
			break;
	if (dir)
		closedir(dir);
	snprintf(path, sizeof(path), "/sys/devices/virtual/input/%s/event%u/dev",
		 sysname, n);
	text = slurp(path);
	if (!text || sscanf(text, "%u:%u", &maj, &min) != 2) {
		free(text);
		close(fd);
		return -ENODEV;
	}
	free(text);
	*devt = makedev(maj, min);
	snprintf(event, len, "input/event%u", n);
	return fd;
}

/*
 * Keep an O_PATH fd of VIEW/ARG in the child (one at a time): reopening it
 * through /proc/self/fd reaches the inode whether or not its name is still
 * in the view. Return: the fd number, or the negative errno.
 */
static int held_path = -1;

static int ns_hold_path(const char *arg)
{
	char path[NSCALL_ARG_MAX + 32];

	if (held_path >= 0)
		close(held_path);
	snprintf(path, sizeof(path), VIEW "/%s", arg);
	held_path = open(path, O_PATH | O_CLOEXEC);
	return held_path >= 0 ? held_path : -errno;
}

/*
 * A character device outside the misc class whose name follows its minor:
 * when it goes and another device gets its number (and so its name), the
 * node assigned for the first must not open the second, and the
 * assignment ends: the registry sweeps such devices every second.
 * A is started (by the fixture) before the uinput fds exist: it must not
 * inherit them.
 */
TEST_F(one_ns, recycled_character_number_opens_nothing)
{
	struct nsdevtmpfs_query q;
	char first[32], second[32], reopen[32];
	int u1, u2 = -1, tries, held, ret;
	dev_t devt, again = 0;

	u1 = uinput_make(first, sizeof(first), &devt);
	ASSERT_GE(u1, 0) {
		TH_LOG("make a uinput device: %s", errstr(u1));
	}
	ret = nsdev_assign_at(CONTROL, NSDEVTMPFS_CHR, devt, self->a.userns, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("ASSIGN %s (%u:%u) to A: %s", first, major(devt),
		       minor(devt), errstr(ret));
	}
	ret = nschild_call(&self->a, ns_open, first);
	EXPECT_EQ(0, ret) {
		TH_LOG("A opens its %s: %s", first, errstr(ret));
	}
	held = nschild_call(&self->a, ns_hold_path, first);
	ASSERT_GE(held, 0) {
		TH_LOG("O_PATH open of A's %s: %s", first, errstr(held));
	}
	snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", held);

	/*
	 * The device goes; a new one (the host's keyboard, say) gets its
	 * number, once the input core has let go of it.
	 */
	close(u1);
	for (tries = 0; tries < 50; tries++) {
		u2 = uinput_make(second, sizeof(second), &again);
		ASSERT_GE(u2, 0) {
			TH_LOG("make the second uinput device (try %d): %s",
			       tries, errstr(u2));
		}
		if (again == devt)
			break;
		close(u2);
		usleep(100 * 1000);
	}
	ASSERT_EQ(devt, again) {
		TH_LOG("the new device got %u:%u, not %u:%u", major(again),
		       minor(again), major(devt), minor(devt));
	}
	ASSERT_STREQ(first, second) {
		TH_LOG("the device with the first one's number is named %s",
		       second);
	}
	/*
	 * The node A had of the first device opens nothing: refused at open
	 * (the sysfs id is another's) or, once the reaper's sweep has seen
	 * the first device go, no longer in the view. The inode held open
	 * by path is refused either way.
	 */
	ret = nschild_call(&self->a, ns_open, reopen);
	EXPECT_EQ(-ENXIO, ret) {
		TH_LOG("reopening A's node of the first device: %s",
		       ret ? errstr(ret) : "opened the second device");
	}
	ret = nschild_call(&self->a, ns_open, first);
	EXPECT_TRUE(ret == -ENXIO || ret == -ENOENT) {
		TH_LOG("opening A's %s by name: %s", first,
		       ret ? errstr(ret) : "opened the second device");
	}
	/* The assignment ended with the device, within the reaper's second. */
	for (tries = 0; tries < 30; tries++) {
		if (nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, devt, &q) == -ENOENT &&
		    nschild_call(&self->a, ns_exists, first) == 0)
			break;
		usleep(100 * 1000);
	}
	ret = nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, devt, &q);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("QUERY %u:%u 3 s after its device went: %s, want ENOENT",
		       major(devt), minor(devt),
		       ret ? errstr(ret) : "still registered");
	}
	ret = nschild_call(&self->a, ns_exists, first);
	EXPECT_EQ(0, ret) {
		TH_LOG("%s in A's view 3 s after its device went: %s", first,
		       existstr(ret));
	}
	ret = nsdev_revoke_at(CONTROL, NSDEVTMPFS_CHR, devt);
	EXPECT_EQ(-ENOENT, ret) {
		TH_LOG("REVOKE of the ended assignment: %s, want ENOENT",
		       errstr(ret));
	}
	close(u2);
	ret = nschild_stop(&self->a);
	EXPECT_EQ(0, ret) {
		TH_LOG("A's server exited with %d", ret);
	}
}

TEST_HARNESS_MAIN

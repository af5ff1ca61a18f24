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

#include "helpers.h"

#include "kselftest_harness.h"

/* --- state kept inside a namespace child across calls -------------------- */

static int kept_opath = -1;

/* In A: make every kind of alias of its ram0 node. */
static int ns_make_aliases(const char *arg)
{
	int fd;

	if (link(VIEW "/ram0", VIEW "/hardlink"))
		return -errno;
	if (mkdir(VIEW "/d", 0700) || link(VIEW "/ram0", VIEW "/d/renamed-src") ||
	    rename(VIEW "/d/renamed-src", VIEW "/d/renamed"))
		return -errno;
	kept_opath = open(VIEW "/ram0", O_PATH | O_CLOEXEC);
	if (kept_opath < 0)
		return -errno;
	fd = open("/tmp/nsdev-bind-target", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount(VIEW "/ram0", "/tmp/nsdev-bind-target", NULL, MS_BIND, NULL))
		return -errno;
	return 0;
}

/*
 * In A: bit i set when alias i cannot be opened (ENXIO), bit i + 4 when
 * it opens.
 */
static int ns_aliases_blocked(const char *arg)
{
	static const char * const names[] = {
		VIEW "/hardlink", VIEW "/d/renamed", "/tmp/nsdev-bind-target",
	};
	char proc[64];
	int i, ret, blocked = 0;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", kept_opath);
	for (i = 0; i < 4; i++) {
		ret = ns_open(i < 3 ? names[i] : proc);
		if (ret == -ENXIO)
			blocked |= 1 << i;
		else if (!ret)
			blocked |= 1 << (i + 4);
	}
	return blocked;
}

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

static int ns_mknod_tmpfs(const char *arg)
{
	int ret;

	mkdir("/tmp/nsdev-evil-tmpfs", 0700);
	if (mount("none", "/tmp/nsdev-evil-tmpfs", "tmpfs", 0, NULL))
		return -errno;
	ret = mknod("/tmp/nsdev-evil-tmpfs/null", S_IFCHR | 0666, makedev(1, 3));
	ret = ret ? -errno : 0;
	if (!ret)
		ret = ns_open("/tmp/nsdev-evil-tmpfs/null") ? -EPERM : 0;
	umount2("/tmp/nsdev-evil-tmpfs", MNT_DETACH);
	return ret;
}

/*
 * Nothing but the module makes a node in a view: it has no ->mknod or
 * ->tmpfile, and its ->create makes regular files only. A device node
 * would be refused anyway by the VFS (CAP_MKNOD in the initial namespace),
 * so what tests the module is what needs no capability: FIFOs, sockets.
 * Regular files are allowed, as on tmpfs (bind-mount targets).
 */
TEST(mknod_is_refused)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	/* A may write to its view: what fails below fails for want of an op. */
	ASSERT_EQ(0, nschild_call(&a, ns_make_in_view, "mkdir"));
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_make_in_view, "blk"));
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_make_in_view, "fifo")) {
		TH_LOG("mknod(S_IFIFO) in the view: want EPERM (no ->mknod)");
	}
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_make_in_view, "mkfifo"));
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_make_in_view, "sock")) {
		TH_LOG("bind() of a unix socket in the view: want EPERM");
	}
	EXPECT_EQ(0, nschild_call(&a, ns_make_in_view, "creat")) {
		TH_LOG("O_CREAT in the view: a regular file, as on tmpfs");
	}
	EXPECT_EQ(0, nschild_call(&a, ns_make_in_view, "mknodreg")) {
		TH_LOG("mknod(S_IFREG) in the view: a regular file, as on tmpfs");
	}
	EXPECT_EQ(-EOPNOTSUPP, nschild_call(&a, ns_make_in_view, "tmpfile")) {
		TH_LOG("O_TMPFILE in the view: want EOPNOTSUPP (no ->tmpfile)");
	}
	/* And not by the back door of a tmpfs of its own either. */
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_mknod_tmpfs, NULL));
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST(revoked_node_opens_under_no_name)
{
	struct nschild a;

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, assign_blk(RAM(0), a.userns));
	ASSERT_EQ(0, nschild_call(&a, ns_make_aliases, NULL));
	/* While A owns the device every alias opens... */
	EXPECT_EQ(0xf0, nschild_call(&a, ns_aliases_blocked, NULL)) {
		TH_LOG("bits 16 hard link, 32 rename, 64 bind mount, 128 O_PATH reopen");
	}
	ASSERT_EQ(0, revoke_blk(RAM(0)));
	/* ...and after the revoke none does. */
	EXPECT_EQ(0xf, nschild_call(&a, ns_aliases_blocked, NULL)) {
		TH_LOG("bits: 1 hard link, 2 rename, 4 bind mount, 8 O_PATH reopen");
	}
	EXPECT_EQ(0, nschild_stop(&a));
	unlink("/tmp/nsdev-bind-target");
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
TEST(another_views_nodes_are_out_of_reach)
{
	struct nschild a, b;
	char name[64], arg[128];

	ensure_view_dir();
	snprintf(name, sizeof(name), "nsdev-attacks-%d", getpid());
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	ASSERT_EQ(0, assign_blk(RAM(0), a.userns));
	ASSERT_EQ(0, nschild_call(&a, ns_keep_ram0, NULL));
	EXPECT_EQ(0, nschild_call(&b, ns_exists, "ram0"));

	/* A hands B an O_PATH fd of its view's root. */
	ASSERT_EQ(0, nschild_call(&b, ns_fd_listen, name));
	snprintf(arg, sizeof(arg), "%s " VIEW, name);
	ASSERT_EQ(0, nschild_call(&a, ns_fd_send_opath, arg));
	ASSERT_EQ(0, nschild_call(&b, ns_fd_recv, NULL));
	EXPECT_EQ((int)RAM(0), nschild_call(&b, ns_fd_statat, "ram0"));
	EXPECT_EQ((int)RAM(0), nschild_call(&b, ns_fd_statat, "kept"));
	/* A's device, in A's view: it opens for B there (A's choice). */
	EXPECT_EQ(0, nschild_call(&b, ns_fd_openat, "ram0")) {
		TH_LOG("an open through A's view was not checked against A's namespace");
	}

	/* ram0 goes to B: A's kept node, seen and opened from B, stays dead. */
	ASSERT_EQ(0, revoke_blk(RAM(0)));
	ASSERT_EQ(0, assign_blk(RAM(0), b.userns));
	EXPECT_EQ(1, nschild_call(&b, ns_exists, "ram0"));
	EXPECT_EQ(0, nschild_call(&b, ns_open, "ram0"));
	EXPECT_EQ(-ENOENT, nschild_call(&b, ns_fd_statat, "ram0"));
	EXPECT_EQ((int)RAM(0), nschild_call(&b, ns_fd_statat, "kept"));
	EXPECT_EQ(-ENXIO, nschild_call(&b, ns_fd_openat, "kept")) {
		TH_LOG("B opened ram0 through the node A kept in A's view");
	}
	EXPECT_EQ(-ENXIO, nschild_call(&a, ns_open, "kept")) {
		TH_LOG("A opened B's ram0 through the node it kept");
	}

	EXPECT_EQ(0, revoke_blk(RAM(0)));
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
}

/* --- file descriptors over a unix socket --------------------------------- */

static int sock[2] = { -1, -1 };
static int received[2] = { -1, -1 };

static int send_fds(int s, int fd0, int fd1)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))] = { 0 }, byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	int fds[2] = { fd0, fd1 };

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	return sendmsg(s, &msg, 0) == 1 ? 0 : -errno;
}

/* In A: open ram0 for real and as O_PATH, and send both to B. */
static int ns_send_ram0(const char *arg)
{
	int fd = open(VIEW "/ram0", O_RDONLY | O_CLOEXEC);
	int path = open(VIEW "/ram0", O_PATH | O_CLOEXEC);
	int ret;

	if (fd < 0 || path < 0)
		return -errno;
	ret = send_fds(sock[0], fd, path);
	close(fd);
	close(path);
	return ret;
}

/* In B: receive them; 0 when the real fd is usable. */
static int ns_recv_ram0(const char *arg)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	unsigned long long size;

	if (recvmsg(sock[1], &msg, 0) != 1)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(received, CMSG_DATA(cmsg), sizeof(received));
	/* A ramdisk: the ioctl works on the passed fd. */
	return ioctl(received[0], BLKGETSIZE64, &size) ? -errno : 0;
}

/* In B: reopen the passed O_PATH fd through /proc/self/fd. */
static int ns_reopen_received(const char *arg)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", received[1]);
	return ns_open(proc);
}

TEST(passed_fds_carry_the_senders_right_only)
{
	struct nschild a, b;

	ensure_view_dir();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	ASSERT_EQ(0, assign_blk(RAM(0), a.userns));

	ASSERT_EQ(0, nschild_call(&a, ns_send_ram0, NULL));
	/* What A could open, B may use when A hands it over... */
	EXPECT_EQ(0, nschild_call(&b, ns_recv_ram0, NULL));
	EXPECT_EQ(0, nschild_call(&b, ns_reopen_received, NULL));
	/* ...but the right ends with A's. */
	ASSERT_EQ(0, revoke_blk(RAM(0)));
	EXPECT_EQ(-ENXIO, nschild_call(&b, ns_reopen_received, NULL));
	EXPECT_EQ(0, nschild_call(&b, ns_exists, "ram0"));
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
	close(sock[0]);
	close(sock[1]);
}

/* --- the control device --------------------------------------------------- */

TEST(non_root_cannot_use_the_control_device)
{
	int status, fd;
	pid_t pid;

	fd = open(CONTROL, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct nsdevtmpfs_assign a = {
			.type = NSDEVTMPFS_BLK, .major = 1, .minor = 0,
			.userns_fd = -1, .flags = NSDEVTMPFS_ASSIGN_GLOBAL,
		};
		struct nsdevtmpfs_revoke r = {
			.type = NSDEVTMPFS_CHR, .major = 1, .minor = 3,
		};

		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000))
			_exit(10);
		/* The node is 0600 root. */
		if (open(CONTROL, O_RDWR) >= 0 || errno != EACCES)
			_exit(11);
		/* An fd root opened carries no authority. */
		if (!ioctl(fd, NSDEVTMPFS_IOC_ASSIGN, &a) || errno != EPERM)
			_exit(12);
		if (!ioctl(fd, NSDEVTMPFS_IOC_REVOKE, &r) || errno != EPERM)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("step %d: 11 open, 12 assign, 13 revoke", WEXITSTATUS(status));
	}
	close(fd);
}

static int open_view_control(const char *arg)
{
	int fd = open(VIEW_CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* In a namespace child: a non-root process of the same namespace. */
static int ns_nonroot_control(const char *arg)
{
	return nonroot_call(open_view_control, NULL) == -EACCES ? 0 : 11;
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

TEST(namespace_roots_cannot_overstep)
{
	struct nschild a, b;
	char buf[64];

	ensure_view_dir();
	/* B first, so that A inherits B's namespace fd. */
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	ASSERT_EQ(0, nschild_call(&b, ns_mount_view, NULL));
	ASSERT_EQ(0, assign_blk(RAM(0), a.userns));

	EXPECT_EQ(0, nschild_call(&a, ns_nonroot_control, NULL)) {
		TH_LOG("a non-root user of A could open A's control node");
	}
	/* A may not give its device to a non-descendant (B)... */
	snprintf(buf, sizeof(buf), "1:0 %d 0", b.userns);
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_assign, buf));
	/* ...nor make it global... */
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_assign, "1:0 -1 1"));
	/* ...nor hand out a device it does not own. */
	snprintf(buf, sizeof(buf), "1:5 %d 0", b.userns);
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_assign, buf));
	/* B can neither revoke nor even learn about A's device. */
	EXPECT_EQ(-ENOENT, nschild_call(&b, ns_revoke, "1:0"));
	EXPECT_EQ(-ENOENT, nschild_call(&b, ns_query, "1:0"));
	/* A cannot undo the initial namespace's assignment to itself. */
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_revoke, "1:0"));
	/* No namespace raises its own loop limit. */
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_set_own_limit, NULL));

	EXPECT_EQ(0, revoke_blk(RAM(0)));
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
}

/*
 * Permission before existence: a namespace root learns nothing about which
 * devices exist from ASSIGN or QUERY of devices it does not own.
 */
TEST(namespace_roots_cannot_probe_for_devices)
{
	struct nschild a, b;
	char buf[64];

	ensure_view_dir();
	ASSERT_EQ(0, nschild_start(&b, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	/* ram1 exists, 1:999 does not: the same answer for both. */
	snprintf(buf, sizeof(buf), "1:1 %d 0", b.userns);
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_assign, buf));
	snprintf(buf, sizeof(buf), "1:999 %d 0", b.userns);
	EXPECT_EQ(-EPERM, nschild_call(&a, ns_assign, buf)) {
		TH_LOG("ASSIGN of a device that does not exist told A so");
	}
	EXPECT_EQ(-ENOENT, nschild_call(&a, ns_query, "1:1"));
	EXPECT_EQ(-ENOENT, nschild_call(&a, ns_query, "1:999")) {
		TH_LOG("QUERY of a device that does not exist told A so");
	}
	EXPECT_EQ(0, nschild_stop(&a));
	EXPECT_EQ(0, nschild_stop(&b));
}

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
 */
TEST(recycled_character_number_opens_nothing)
{
	struct nsdevtmpfs_query q;
	char first[32], second[32], reopen[32];
	int u1, u2, tries, held, ret;
	dev_t devt, again;
	struct nschild a;

	ensure_view_dir();
	/* The child first: it must not inherit the uinput fds. */
	ASSERT_EQ(0, nschild_start(&a, CHILD_ID_BASE, CHILD_ID_COUNT));
	ASSERT_EQ(0, nschild_call(&a, ns_mount_view, NULL));
	u1 = uinput_make(first, sizeof(first), &devt);
	ASSERT_GE(u1, 0) {
		TH_LOG("uinput: %s", strerror(-u1));
	}
	ASSERT_EQ(0, nsdev_assign_at(CONTROL, NSDEVTMPFS_CHR, devt, a.userns, 0));
	EXPECT_EQ(0, nschild_call(&a, ns_open, first));
	held = nschild_call(&a, ns_hold_path, first);
	ASSERT_GE(held, 0) {
		TH_LOG("O_PATH open of A's %s: %s", first, strerror(-held));
	}
	snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", held);

	/*
	 * The device goes; a new one (the host's keyboard, say) gets its
	 * number, once the input core has let go of it.
	 */
	close(u1);
	for (tries = 0; tries < 50; tries++) {
		u2 = uinput_make(second, sizeof(second), &again);
		ASSERT_GE(u2, 0);
		if (again == devt)
			break;
		close(u2);
		usleep(100 * 1000);
	}
	ASSERT_EQ(devt, again) {
		TH_LOG("the new device got %u:%u, not %u:%u", major(again),
		       minor(again), major(devt), minor(devt));
	}
	ASSERT_STREQ(first, second);
	/*
	 * The node A had of the first device opens nothing: refused at open
	 * (the sysfs id is another's) or, once the reaper's sweep has seen
	 * the first device go, no longer in the view. The inode held open
	 * by path is refused either way.
	 */
	ret = nschild_call(&a, ns_open, reopen);
	EXPECT_EQ(-ENXIO, ret) {
		TH_LOG("reopening A's node of the first device: %s",
		       ret ? strerror(-ret) : "opened the second device");
	}
	ret = nschild_call(&a, ns_open, first);
	EXPECT_TRUE(ret == -ENXIO || ret == -ENOENT) {
		TH_LOG("opening A's %s by name: %s", first,
		       ret ? strerror(-ret) : "opened the second device");
	}
	/* The assignment ended with the device, within the reaper's second. */
	for (tries = 0; tries < 30; tries++) {
		if (nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, devt, &q) == -ENOENT &&
		    nschild_call(&a, ns_exists, first) == 0)
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(-ENOENT, nsdev_query_at(CONTROL, NSDEVTMPFS_CHR, devt, &q)) {
		TH_LOG("the registry still has %u:%u 3 s after its device went",
		       major(devt), minor(devt));
	}
	EXPECT_EQ(0, nschild_call(&a, ns_exists, first));
	EXPECT_EQ(-ENOENT, nsdev_revoke_at(CONTROL, NSDEVTMPFS_CHR, devt));
	close(u2);
	EXPECT_EQ(0, nschild_stop(&a));
}

TEST_HARNESS_MAIN

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * helpers.h - small helpers shared by the nsdevtmpfs selftests
 *
 * The central one is the "namespace child": a forked process that has
 * unshared a user and a mount namespace (the parent writes its id maps) and
 * then runs functions on request, one at a time, each returning an int.
 * Function pointers stay valid across fork() in these static binaries, so
 * a test can say "run this in A" and "now in B" and assert on the answers.
 */
#ifndef _NSDEV_SELFTEST_HELPERS_H
#define _NSDEV_SELFTEST_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/loop.h>
#include <linux/nsdevtmpfs.h>

#define FSTYPE		"nsdevtmpfs"
#define CONTROL		"/dev/" NSDEVTMPFS_CONTROL_NAME
/* Every namespace child mounts its view here, in its own mount namespace. */
#define VIEW		"/tmp/nsdev-view"
#define VIEW_CONTROL	VIEW "/" NSDEVTMPFS_CONTROL_NAME

/* Outside ids of namespace children: root inside is 100000 outside. */
#define CHILD_ID_BASE	100000
#define CHILD_ID_COUNT	65536

#define NSCALL_ARG_MAX	256

typedef int (*nscall_fn)(const char *arg);

struct nscall {
	nscall_fn fn;
	char arg[NSCALL_ARG_MAX];
};

/**
 * struct nschild - a process in its own user and mount namespace
 * @pid:     its pid
 * @cmd:     write end: requests to the child
 * @res:     read end: the child's answers
 * @userns:  O_RDONLY fd of /proc/PID/ns/user, for ASSIGN
 */
struct nschild {
	pid_t pid;
	int cmd;
	int res;
	int userns;
};

static inline int write_file(const char *path, const char *buf)
{
	ssize_t len = strlen(buf);
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, buf, len) == len ? 0 : -errno;
	close(fd);
	return ret;
}

/* Write "0 BASE COUNT" id maps for @pid (setgroups denied first). */
static inline int write_id_maps(pid_t pid, unsigned int base, unsigned int count)
{
	char path[64], map[64];
	int ret;

	snprintf(map, sizeof(map), "0 %u %u\n", base, count);
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	ret = write_file(path, "deny");
	if (ret && ret != -ENOENT)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ret = write_file(path, map);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, map);
}

static inline ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : (ssize_t)done;
		done += n;
	}
	return done;
}

/* The child's side: serve calls until told to stop (fn == NULL). */
static inline void nschild_serve(int cmd, int res)
{
	struct nscall call;
	int ret;

	for (;;) {
		if (read_full(cmd, &call, sizeof(call)) != sizeof(call))
			_exit(1);
		if (!call.fn)
			_exit(0);
		call.arg[NSCALL_ARG_MAX - 1] = '\0';
		ret = call.fn(call.arg);
		if (write(res, &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
	}
}

/*
 * Fork a server into new user and mount namespaces whose root maps to
 * @base (@count ids); it serves requests on @cmd[0] and answers on
 * @res[1]. The caller writes the id maps, so it must be able to: a
 * process of the parent namespace with CAP_SETUID there. A @tied child
 * dies with its parent. Return: the child's pid, or a negative errno.
 */
static inline pid_t nschild_fork(int cmd[2], int res[2], unsigned int base,
				 unsigned int count, bool tied)
{
	int up[2], down[2], ready;
	pid_t pid;

	if (pipe2(up, O_CLOEXEC))
		return -errno;
	if (pipe2(down, O_CLOEXEC)) {
		ready = -errno;
		close(up[0]);
		close(up[1]);
		return ready;
	}
	pid = fork();
	if (pid == 0) {
		close(cmd[1]);
		close(res[0]);
		close(up[0]);
		close(down[1]);
		if (tied)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		ready = unshare(CLONE_NEWUSER | CLONE_NEWNS) ? -errno : 0;
		if (write(up[1], &ready, sizeof(ready)) != sizeof(ready) || ready)
			_exit(1);
		/* Wait for the maps, then become root of the namespace. */
		if (read_full(down[0], &ready, sizeof(ready)) != sizeof(ready) || ready)
			_exit(1);
		close(up[1]);
		close(down[0]);
		if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
			_exit(1);
		/*
		 * The uid change made us undumpable: our /proc files would be
		 * the initial root's, and we could not map our own children.
		 */
		prctl(PR_SET_DUMPABLE, 1);
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		nschild_serve(cmd[0], res[1]);
	}
	ready = pid < 0 ? -errno : 0;
	close(up[1]);
	close(down[0]);
	/* The child's unshare() result, then the maps, then its go. */
	if (!ready && read_full(up[0], &ready, sizeof(ready)) != sizeof(ready))
		ready = -ECHILD;
	if (!ready) {
		ready = write_id_maps(pid, base, count);
		if (write(down[1], &ready, sizeof(ready)) != sizeof(ready) && !ready)
			ready = -EPIPE;
	}
	close(up[0]);
	close(down[1]);
	if (ready && pid > 0)
		waitpid(pid, NULL, 0);
	return ready ? ready : pid;
}

/* Take the parent's ends of the pipes and the new namespace's fd. */
static inline int nschild_adopt(struct nschild *c, pid_t pid, int cmd[2],
				int res[2])
{
	char path[64];

	close(cmd[0]);
	close(res[1]);
	c->cmd = cmd[1];
	c->res = res[0];
	c->pid = pid;
	c->userns = -1;
	if (pid < 0)
		return pid;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	c->userns = open(path, O_RDONLY | O_CLOEXEC);
	return c->userns < 0 ? -errno : 0;
}

/**
 * nschild_start - fork a child into new user and mount namespaces
 * @c:     filled in
 * @base:  outside id that root of the new namespace maps to
 * @count: how many ids are mapped
 *
 * The caller writes the id maps; the child makes its mounts private and
 * then serves nschild_call(). It dies with the caller.
 * Return: 0 or a negative errno.
 */
static inline int nschild_start(struct nschild *c, unsigned int base,
				unsigned int count)
{
	int cmd[2], res[2];

	*c = (struct nschild){ .pid = -1, .cmd = -1, .res = -1, .userns = -1 };
	if (pipe2(cmd, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -errno;
	return nschild_adopt(c, nschild_fork(cmd, res, base, count, true), cmd, res);
}

/*
 * nschild_start_by_helper - the common part of the two below: a short-lived
 * helper becomes the new namespace's creator (root of @parent, or @uid of
 * this namespace when @parent is -1), forks its first process with
 * nschild_fork(), maps it, sends its pid (or a negative errno) and exits.
 * The new process is an orphan that the caller talks to and, as a child
 * subreaper, reaps: it does not die with the caller.
 */
static inline int nschild_start_by_helper(struct nschild *c, int parent,
					  uid_t uid, unsigned int base,
					  unsigned int count)
{
	int cmd[2], res[2], status;
	pid_t helper, pid = -ECHILD;

	*c = (struct nschild){ .pid = -1, .cmd = -1, .res = -1, .userns = -1 };
	if (pipe2(cmd, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -errno;
	helper = fork();
	if (helper == 0) {
		bool became;

		if (parent >= 0)
			became = !setns(parent, CLONE_NEWUSER) &&
				 !setresgid(0, 0, 0) && !setresuid(0, 0, 0);
		else
			became = !setgroups(0, NULL) && !setresgid(uid, uid, uid) &&
				 !setresuid(uid, uid, uid);
		if (!became)
			pid = -errno;
		/* Dumpable again after the uid change: the maps are ours to write. */
		else if (prctl(PR_SET_DUMPABLE, 1))
			pid = -errno;
		else
			pid = nschild_fork(cmd, res, base, count, false);
		_exit(write(res[1], &pid, sizeof(pid)) != sizeof(pid));
	}
	if (helper > 0 && waitpid(helper, &status, 0) == helper &&
	    WIFEXITED(status) && !WEXITSTATUS(status) &&
	    read_full(res[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -ECHILD;
	return nschild_adopt(c, pid, cmd, res);
}

/**
 * nschild_start_under - a child namespace of @parent, served by the caller
 * @c:      filled in
 * @parent: fd of the user namespace to create it in
 * @base:   id of @parent that root of the new namespace maps to
 * @count:  how many ids are mapped
 *
 * The helper enters @parent as its root: @parent gains no task.
 * Return: 0 or a negative errno.
 */
static inline int nschild_start_under(struct nschild *c, int parent,
				      unsigned int base, unsigned int count)
{
	return nschild_start_by_helper(c, parent, 0, base, count);
}

/**
 * nschild_start_as - a namespace child made by an unprivileged user
 * @c:   filled in
 * @uid: the user (and group) that makes it, and the only id it maps:
 *       root inside is @uid outside, as with unshare -Ur
 *
 * The helper drops to @uid, which may write its own child's maps.
 * Return: 0 or a negative errno.
 */
static inline int nschild_start_as(struct nschild *c, uid_t uid)
{
	return nschild_start_by_helper(c, -1, uid, uid, 1);
}

/* Run fn(arg) in the child; its return value, or -EPIPE if it died. */
static inline int nschild_call(struct nschild *c, nscall_fn fn, const char *arg)
{
	struct nscall call = { .fn = fn };
	int ret;

	if (arg)
		snprintf(call.arg, sizeof(call.arg), "%s", arg);
	if (write(c->cmd, &call, sizeof(call)) != sizeof(call))
		return -EPIPE;
	if (read_full(c->res, &ret, sizeof(ret)) != sizeof(ret))
		return -EPIPE;
	return ret;
}

/* Stop the child and reap it. Return: its exit status, or -1. */
static inline int nschild_stop(struct nschild *c)
{
	struct nscall call = { .fn = NULL };
	int status;

	if (c->pid <= 0)
		return -1;
	if (write(c->cmd, &call, sizeof(call)) != sizeof(call))
		kill(c->pid, SIGKILL);
	close(c->cmd);
	close(c->res);
	if (c->userns >= 0)
		close(c->userns);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -1;
	c->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- functions to run in a namespace child (nscall_fn) ----------------- */

/* Mount this namespace's view on VIEW. */
static inline int ns_mount_view(const char *arg)
{
	return mount("none", VIEW, FSTYPE, 0, NULL) ? -errno : 0;
}

/* Is there a node at VIEW/ARG? 1, 0, or a negative errno from lstat. */
static inline int ns_exists(const char *arg)
{
	char path[NSCALL_ARG_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), VIEW "/%s", arg);
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

/* Open VIEW/ARG read-only: 0, or the negative errno. */
static inline int ns_open(const char *arg)
{
	char path[NSCALL_ARG_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), arg[0] == '/' ? "%s" : VIEW "/%s", arg);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* --- handing a file descriptor to another namespace ------------------- */

/*
 * Namespace children started at different times share no socket, but they
 * share the network namespace: the receiver binds an abstract AF_UNIX
 * datagram socket, the sender sends an fd to its name with SCM_RIGHTS.
 */
static inline int fdpass_addr(const char *name, struct sockaddr_un *sun)
{
	size_t len = strnlen(name, sizeof(sun->sun_path) - 1);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] stays '\0': an abstract name. */
	memcpy(sun->sun_path + 1, name, len);
	return offsetof(struct sockaddr_un, sun_path) + 1 + len;
}

/* The receiver's socket, bound to @name: an fd, or a negative errno. */
static inline int fdpass_bind(const char *name)
{
	struct sockaddr_un sun;
	socklen_t len = fdpass_addr(name, &sun);
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sun, len)) {
		close(s);
		return -errno;
	}
	return s;
}

/* The most fds one fdpass message carries. */
#define FDPASS_MAX	2

/* Send @fds[0..@n) in one message to the socket bound to @name: 0 or -errno. */
static inline int fdpass_send_fds(const char *name, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(FDPASS_MAX * sizeof(int))] = { 0 }, byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct sockaddr_un sun;
	struct msghdr msg = {
		.msg_name = &sun, .msg_namelen = fdpass_addr(name, &sun),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	int s, ret;

	if (n < 1 || n > FDPASS_MAX)
		return -EINVAL;
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	ret = sendmsg(s, &msg, 0) == 1 ? 0 : -errno;
	close(s);
	return ret;
}

/* Send @fd to the socket bound to @name: 0 or a negative errno. */
static inline int fdpass_send(const char *name, int fd)
{
	return fdpass_send_fds(name, &fd, 1);
}

/*
 * Receive exactly @n fds in one message on @s into @fds: 0, or a
 * negative errno (-EPROTO when the message carries another number).
 */
static inline int fdpass_recv_fds(int s, int *fds, int n)
{
	char cbuf[CMSG_SPACE(FDPASS_MAX * sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;

	if (n < 1 || n > FDPASS_MAX)
		return -EINVAL;
	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(n * sizeof(int)))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(cmsg), n * sizeof(int));
	return 0;
}

/* Receive one fd on @s: the new fd, or a negative errno. */
static inline int fdpass_recv(int s)
{
	int fd = -1, ret = fdpass_recv_fds(s, &fd, 1);

	return ret ? ret : fd;
}

/* In a namespace child: [0] the socket it listens on, [1] the fd it got. */
static inline int *ns_fdpass_fds(void)
{
	static int fds[2] = { -1, -1 };

	return fds;
}

/* Listen on the abstract name ARG. */
static inline int ns_fd_listen(const char *arg)
{
	int *fds = ns_fdpass_fds();

	if (fds[0] >= 0)
		close(fds[0]);
	fds[0] = fdpass_bind(arg);
	return fds[0] < 0 ? fds[0] : 0;
}

/* ARG is "NAME PATH": send an O_PATH fd of PATH to the name NAME. */
static inline int ns_fd_send_opath(const char *arg)
{
	char name[NSCALL_ARG_MAX], path[NSCALL_ARG_MAX];
	int fd, ret;

	if (sscanf(arg, "%255s %255s", name, path) != 2)
		return -EINVAL;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fdpass_send(name, fd);
	close(fd);
	return ret;
}

/* Receive the fd sent to the name listened on (replacing any before). */
static inline int ns_fd_recv(const char *arg)
{
	int *fds = ns_fdpass_fds();

	if (fds[1] >= 0)
		close(fds[1]);
	fds[1] = fdpass_recv(fds[0]);
	return fds[1] < 0 ? fds[1] : 0;
}

/* fstatat() ARG under the received fd: its device number, or -errno. */
static inline int ns_fd_statat(const char *arg)
{
	struct stat st;

	if (fstatat(ns_fdpass_fds()[1], arg, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
		return -EINVAL;
	return (int)st.st_rdev;
}

/* openat() ARG read-only under the received fd: 0 or -errno. */
static inline int ns_fd_openat(const char *arg)
{
	int fd = openat(ns_fdpass_fds()[1], arg,
			O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* --- control device ------------------------------------------------------ */

static inline int nsdev_assign_at(const char *control, unsigned int type,
				  dev_t dev, int userns_fd, unsigned int flags)
{
	struct nsdevtmpfs_assign a = {
		.type = type, .major = major(dev), .minor = minor(dev),
		.userns_fd = userns_fd, .flags = flags,
	};
	int fd, ret;

	fd = open(control, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, NSDEVTMPFS_IOC_ASSIGN, &a) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int nsdev_revoke_at(const char *control, unsigned int type,
				  dev_t dev)
{
	struct nsdevtmpfs_revoke r = {
		.type = type, .major = major(dev), .minor = minor(dev),
	};
	int fd, ret;

	fd = open(control, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, NSDEVTMPFS_IOC_REVOKE, &r) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int nsdev_query_at(const char *control, unsigned int type,
				 dev_t dev, struct nsdevtmpfs_query *q)
{
	int fd, ret;

	memset(q, 0, sizeof(*q));
	q->type = type;
	q->major = major(dev);
	q->minor = minor(dev);
	fd = open(control, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, NSDEVTMPFS_IOC_QUERY, q) ? -errno : 0;
	close(fd);
	return ret;
}

#define assign_blk(dev, userns)	nsdev_assign_at(CONTROL, NSDEVTMPFS_BLK, dev, userns, 0)
#define revoke_blk(dev)		nsdev_revoke_at(CONTROL, NSDEVTMPFS_BLK, dev)

/*
 * The block devices the tests hand out: brd's ram0..7 (major 1), which the
 * VM loads with rd_nr=8. Loop devices are never assigned (EOPNOTSUPP): they
 * reach a namespace only through loop delegation.
 */
#define RAM(n)		makedev(1, (n))
#define RAM_MODPROBE	"modprobe brd rd_nr=8 rd_size=1024"
/* The host's own loop devices, loop0..7 in the VM: for the refusal tests. */
#define LOOP(n)		makedev(7, (n))

/* Read a whole small file into a malloc'ed string (NULL on error). */
static inline char *slurp(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *bigger = realloc(buf, cap *= 2);

			if (!bigger)
				break;
			buf = bigger;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/*
 * Run fn(arg) in a forked process of the same namespaces that has become
 * uid and gid 1 (not root there). Return: fn's result (an errno, 0 or a
 * small number), or -ECHILD when the process could not drop root.
 */
static inline int nonroot_call(nscall_fn fn, const char *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) && errno != EPERM)
			_exit(255);
		if (setresgid(1, 1, 1) || setresuid(1, 1, 1))
			_exit(255);
		_exit(-fn(arg) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/* Run a shell script; its exit status (128 + signal if killed). */
static inline int sh(const char *script)
{
	int status = system(script);

	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* How many lines of the file at @path contain @needle ("" for all). */
static inline int count_lines(const char *path, const char *needle)
{
	char *text = slurp(path), *line, *save = NULL;
	int n = 0;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += !!strstr(line, needle);
	free(text);
	return n;
}

/* One ioctl on the host's control device: 0 or the negative errno. */
static inline int control_ioctl(unsigned long cmd, void *arg)
{
	int fd, ret;

	fd = open(CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, arg) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Load nsdevtmpfs.ko of the running kernel with module parameters @params
 * ("" for none): 0 or the negative errno of finit_module(2).
 */
static inline int load_module_with(const char *params)
{
	struct utsname u;
	char path[256];
	int fd, ret;

	if (uname(&u))
		return -errno;
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/" FSTYPE ".ko", u.release);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Load nsdevtmpfs.ko of the running kernel: 0 or the negative errno. */
static inline int load_module(void)
{
	return load_module_with("");
}

/* Make sure VIEW exists (as a plain directory of the initial namespace). */
static inline void ensure_view_dir(void)
{
	mkdir(VIEW, 0755);
}

#endif /* _NSDEV_SELFTEST_HELPERS_H */

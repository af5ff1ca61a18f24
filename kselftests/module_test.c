// SPDX-License-Identifier: GPL-2.0
/*
 * module_test - nsdevtmpfs.ko loads, registers its interfaces and unloads
 *
 * Runs as root in the initial namespaces of the test VM, where the module
 * is loaded at boot from /lib/modules/$(uname -r)/extra/nsdevtmpfs.ko. The
 * last tests unload and reload it; they leave it loaded as they found it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/nsdevtmpfs.h>

#include "kselftest_harness.h"
#include "fixtures.h"

#define MODNAME		"nsdevtmpfs"

/* read_file - the first line of PATH into BUF, without the newline */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool module_live(void)
{
	char state[32];

	return read_file("/sys/module/" MODNAME "/initstate", state,
			 sizeof(state)) == 0 && !strcmp(state, "live");
}

static bool fs_registered(void)
{
	char line[128];
	bool found = false;
	FILE *f;

	f = fopen("/proc/filesystems", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "nodev\t" MODNAME "\n"))
			found = true;
	fclose(f);
	return found;
}

static int delete_module(const char *name, int flags)
{
	return syscall(__NR_delete_module, name, flags);
}

TEST(module_is_live)
{
	ASSERT_TRUE(module_live()) {
		TH_LOG("/sys/module/%s/initstate is not \"live\"", MODNAME);
	}
}

TEST(control_device_is_root_0600_misc)
{
	unsigned int maj, min;
	char dev[32];
	struct stat st;
	int ret;

	ASSERT_EQ(0, stat(CONTROL, &st)) {
		TH_LOG("stat %s: %s", CONTROL, strerror(errno));
	}
	ASSERT_TRUE(S_ISCHR(st.st_mode)) {
		TH_LOG("%s is not a character device (mode %o)", CONTROL,
		       st.st_mode);
	}
	ASSERT_EQ(0600, st.st_mode & 07777) {
		TH_LOG("%s has mode %o, want 0600", CONTROL, st.st_mode & 07777);
	}
	ASSERT_EQ(0, st.st_uid) {
		TH_LOG("%s is owned by uid %u, want root", CONTROL, st.st_uid);
	}
	ASSERT_EQ(0, st.st_gid) {
		TH_LOG("%s has gid %u, want root's", CONTROL, st.st_gid);
	}

	/* The node is the misc device the module registered, not a stray. */
	ret = read_file("/sys/class/misc/" NSDEVTMPFS_CONTROL_NAME "/dev", dev,
			sizeof(dev));
	ASSERT_EQ(0, ret) {
		TH_LOG("read /sys/class/misc/%s/dev: %s",
		       NSDEVTMPFS_CONTROL_NAME, errstr(ret));
	}
	ret = sscanf(dev, "%u:%u", &maj, &min);
	ASSERT_EQ(2, ret) {
		TH_LOG("the misc device's dev file says \"%s\"", dev);
	}
	ASSERT_EQ(10, maj) {
		TH_LOG("the control device's major is %u, not misc's 10", maj);
	}
	ASSERT_EQ(makedev(maj, min), st.st_rdev) {
		TH_LOG("%s is %u:%u, the misc device %u:%u", CONTROL,
		       major(st.st_rdev), minor(st.st_rdev), maj, min);
	}
}

TEST(control_device_opens_and_rejects_unknown_ioctl)
{
	int fd, ret;

	fd = open(CONTROL, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0) {
		TH_LOG("open %s: %s", CONTROL, strerror(errno));
	}
	ret = ioctl(fd, _IO(0xff, 0x7f)) ? errno : 0;
	EXPECT_EQ(ENOTTY, ret) {
		TH_LOG("an unknown ioctl on %s: %s, want ENOTTY", CONTROL,
		       ret ? strerror(ret) : "succeeded");
	}
	close(fd);
}

TEST(filesystem_type_is_registered)
{
	ASSERT_TRUE(fs_registered()) {
		TH_LOG("no \"nodev\\t%s\" line in /proc/filesystems", MODNAME);
	}
}

TEST(mount_in_initial_namespace)
{
	char dir[] = "/tmp/nsdev-mnt.XXXXXX";
	struct statfs sfs;
	struct stat st;

	ASSERT_NE(NULL, mkdtemp(dir)) {
		TH_LOG("mkdtemp %s: %s", dir, strerror(errno));
	}
	ASSERT_EQ(0, mount("none", dir, MODNAME, 0, NULL)) {
		TH_LOG("mount -t %s on %s: %s", MODNAME, dir, strerror(errno));
	}
	ASSERT_EQ(0, statfs(dir, &sfs)) {
		TH_LOG("statfs %s: %s", dir, strerror(errno));
	}
	EXPECT_EQ(NSDEVTMPFS_SUPER_MAGIC, sfs.f_type) {
		TH_LOG("the mount's f_type is %#lx", (unsigned long)sfs.f_type);
	}
	ASSERT_EQ(0, stat(dir, &st)) {
		TH_LOG("stat %s: %s", dir, strerror(errno));
	}
	EXPECT_TRUE(S_ISDIR(st.st_mode)) {
		TH_LOG("the view's root has mode %o, not a directory", st.st_mode);
	}
	EXPECT_EQ(0, st.st_uid) {
		TH_LOG("the view's root is owned by uid %u, want 0", st.st_uid);
	}
	EXPECT_EQ(0, st.st_gid) {
		TH_LOG("the view's root has gid %u, want 0", st.st_gid);
	}
	EXPECT_EQ(0, umount(dir)) {
		TH_LOG("umount %s: %s", dir, strerror(errno));
	}
	rmdir(dir);
}

TEST(two_mounts_share_one_superblock)
{
	char a[] = "/tmp/nsdev-a.XXXXXX", b[] = "/tmp/nsdev-b.XXXXXX";
	struct stat sa, sb;

	ASSERT_NE(NULL, mkdtemp(a)) {
		TH_LOG("mkdtemp %s: %s", a, strerror(errno));
	}
	ASSERT_NE(NULL, mkdtemp(b)) {
		TH_LOG("mkdtemp %s: %s", b, strerror(errno));
	}
	ASSERT_EQ(0, mount("none", a, MODNAME, 0, NULL)) {
		TH_LOG("first mount on %s: %s", a, strerror(errno));
	}
	ASSERT_EQ(0, mount("none", b, MODNAME, 0, NULL)) {
		TH_LOG("second mount on %s: %s", b, strerror(errno));
	}
	ASSERT_EQ(0, stat(a, &sa)) {
		TH_LOG("stat %s: %s", a, strerror(errno));
	}
	ASSERT_EQ(0, stat(b, &sb)) {
		TH_LOG("stat %s: %s", b, strerror(errno));
	}
	EXPECT_EQ(sa.st_dev, sb.st_dev) {
		TH_LOG("two mounts in one user namespace got two superblocks");
	}
	EXPECT_EQ(0, umount(a)) {
		TH_LOG("umount %s: %s", a, strerror(errno));
	}
	EXPECT_EQ(0, umount(b)) {
		TH_LOG("umount %s: %s", b, strerror(errno));
	}
	rmdir(a);
	rmdir(b);
}

TEST(unknown_mount_option_is_rejected)
{
	char dir[] = "/tmp/nsdev-opt.XXXXXX";
	int ret;

	ASSERT_NE(NULL, mkdtemp(dir)) {
		TH_LOG("mkdtemp %s: %s", dir, strerror(errno));
	}
	ret = mount("none", dir, MODNAME, 0, "no_such_option=1") ? errno : 0;
	if (!ret)
		umount(dir);
	rmdir(dir);
	EXPECT_EQ(EINVAL, ret) {
		TH_LOG("mount -o no_such_option=1: %s, want EINVAL",
		       ret ? strerror(ret) : "mounted");
	}
}

TEST(unknown_fsconfig_option_is_named_in_the_log)
{
	char log[256];
	ssize_t n;
	int fsfd, ret;

	fsfd = fsopen(MODNAME, FSOPEN_CLOEXEC);
	ASSERT_GE(fsfd, 0) {
		TH_LOG("fsopen %s: %s", MODNAME, strerror(errno));
	}
	ret = fsconfig(fsfd, FSCONFIG_SET_STRING, "no_such_option", "1", 0) ?
	      errno : 0;
	EXPECT_EQ(EINVAL, ret) {
		TH_LOG("fsconfig no_such_option=1: %s, want EINVAL",
		       ret ? strerror(ret) : "accepted");
	}
	n = read(fsfd, log, sizeof(log) - 1);
	ASSERT_GT(n, 0) {
		TH_LOG("no message in the fs_context log: %s",
		       n < 0 ? strerror(errno) : "empty");
	}
	log[n] = '\0';
	EXPECT_NE(NULL, strstr(log, "no_such_option")) {
		TH_LOG("log message \"%s\" does not name the option", log);
	}
	close(fsfd);
}

TEST(rmmod_fails_while_mounted)
{
	char dir[] = "/tmp/nsdev-busy.XXXXXX";
	int ret;

	ASSERT_NE(NULL, mkdtemp(dir)) {
		TH_LOG("mkdtemp %s: %s", dir, strerror(errno));
	}
	ASSERT_EQ(0, mount("none", dir, MODNAME, 0, NULL)) {
		TH_LOG("mount -t %s on %s: %s", MODNAME, dir, strerror(errno));
	}
	/* A mounted view pins the module: the kernel says EWOULDBLOCK. */
	ret = delete_module(MODNAME, O_NONBLOCK) ? errno : 0;
	EXPECT_EQ(EWOULDBLOCK, ret) {
		TH_LOG("rmmod %s with a view mounted: %s, want EWOULDBLOCK",
		       MODNAME, ret ? strerror(ret) : "unloaded");
	}
	EXPECT_TRUE(module_live()) {
		TH_LOG("%s is no longer live after the refused rmmod", MODNAME);
	}
	EXPECT_EQ(0, access(CONTROL, F_OK)) {
		TH_LOG("%s after the refused rmmod: %s", CONTROL, strerror(errno));
	}
	EXPECT_EQ(0, umount(dir)) {
		TH_LOG("umount %s: %s", dir, strerror(errno));
	}
	rmdir(dir);
}

TEST(rmmod_after_unmount_then_reload)
{
	int ret;

	ASSERT_EQ(0, delete_module(MODNAME, O_NONBLOCK)) {
		TH_LOG("rmmod %s with nothing mounted: %s", MODNAME,
		       strerror(errno));
	}
	EXPECT_FALSE(module_live()) {
		TH_LOG("%s is still live after rmmod", MODNAME);
	}
	EXPECT_FALSE(fs_registered()) {
		TH_LOG("%s is still in /proc/filesystems after rmmod", MODNAME);
	}
	EXPECT_EQ(-1, access(CONTROL, F_OK)) {
		TH_LOG("%s outlived the module", CONTROL);
	}

	ret = load_module();
	ASSERT_EQ(0, ret) {
		TH_LOG("reloading %s: %s", MODNAME, errstr(ret));
	}
	EXPECT_TRUE(module_live()) {
		TH_LOG("%s is not live after the reload", MODNAME);
	}
	EXPECT_TRUE(fs_registered()) {
		TH_LOG("%s is not in /proc/filesystems after the reload", MODNAME);
	}
	EXPECT_EQ(0, access(CONTROL, F_OK)) {
		TH_LOG("%s after the reload: %s", CONTROL, strerror(errno));
	}
}

/*
 * A loop_index_base below NSDEVTMPFS_LOOP_INDEX_BASE_MIN would hand
 * namespaces numbers the host's losetup takes (issue 14: loop_index_base=2
 * gave a container /dev/loop8); above _MAX too few numbers are left. The
 * module refuses to load, saying which parameter is wrong.
 */
TEST(out_of_range_loop_index_base_fails_to_load)
{
	char params[64];
	unsigned int bad[] = { 2, NSDEVTMPFS_LOOP_INDEX_BASE_MIN - 1,
			       NSDEVTMPFS_LOOP_INDEX_BASE_MAX + 1 };
	unsigned int i;
	int ret;

	ASSERT_EQ(0, delete_module(MODNAME, O_NONBLOCK)) {
		TH_LOG("rmmod %s with nothing mounted: %s", MODNAME,
		       strerror(errno));
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(params, sizeof(params), "loop_index_base=%u", bad[i]);
		ret = load_module_with(params);
		EXPECT_EQ(-EINVAL, ret) {
			TH_LOG("loading with %s: %s, want EINVAL", params,
			       errstr(ret));
		}
		if (module_live())
			delete_module(MODNAME, O_NONBLOCK);
	}
	snprintf(params, sizeof(params), "loop_index_base=%u",
		 NSDEVTMPFS_LOOP_INDEX_BASE_MIN);
	ret = load_module_with(params);
	ASSERT_EQ(0, ret) {
		TH_LOG("loading with %s: %s", params, errstr(ret));
	}
	EXPECT_TRUE(module_live()) {
		TH_LOG("%s is not live after loading with %s", MODNAME, params);
	}
	ASSERT_EQ(0, delete_module(MODNAME, O_NONBLOCK)) {
		TH_LOG("rmmod %s loaded with %s: %s", MODNAME, params,
		       strerror(errno));
	}
	/* The defaults again, for the tests after this one. */
	ret = load_module();
	ASSERT_EQ(0, ret) {
		TH_LOG("reloading %s with the defaults: %s", MODNAME, errstr(ret));
	}
	EXPECT_TRUE(module_live()) {
		TH_LOG("%s is not live after the reload", MODNAME);
	}
}

TEST_HARNESS_MAIN

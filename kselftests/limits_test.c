// SPDX-License-Identifier: GPL-2.0
/*
 * limits_test - a view's mount options and limits
 *
 * A view takes tmpfs's option names (stock container configurations mount
 * /dev with mode=755,size=65536k) and bounds what its users make: at most
 * nr_inodes inodes and size bytes of symlink targets. Unknown options and
 * values out of range fail, as they do on tmpfs.
 */
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

TEST_HARNESS_MAIN

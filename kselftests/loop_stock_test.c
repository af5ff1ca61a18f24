// SPDX-License-Identifier: GPL-2.0
/*
 * loop_stock_test - a delegated loop behaves like the host's (SPEC §4)
 *
 * The sequences that loop test suites, image builders and util-linux run,
 * done once on a host loop and once as root of a user namespace whose
 * /dev is its view, in the same VM: every step must give the same result
 * and the same errno (for the tools: the same exit status). Each sequence
 * records its steps as "name=result" (a negative errno, or a value) and
 * the two records are compared.
 */
#define _GNU_SOURCE
#include <linux/blkpg.h>
#include <sys/stat.h>

#include "helpers.h"

#include "kselftest_harness.h"

#define IMG		"/tmp/nsdev-stock"	/* backing file */
#define IMG2		"/tmp/nsdev-stock-2"	/* for LOOP_CHANGE_FD */
#define REC_HOST	"/tmp/nsdev-stock-host"
#define REC_NS		"/tmp/nsdev-stock-ns"
#define MIB		(1024 * 1024)

struct rec {
	char text[1024];
	size_t len;
};

static void rec_step(struct rec *r, const char *name, long ret)
{
	int n = snprintf(r->text + r->len, sizeof(r->text) - r->len, "%s=%ld ",
			 name, ret);

	if (n > 0 && r->len + n < sizeof(r->text))
		r->len += n;
}

/* An ioctl's result the way the record keeps it: the value or -errno. */
static long res(long ret)
{
	return ret < 0 ? -errno : ret;
}

static int rec_save(const struct rec *r, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		return -errno;
	if (write(fd, r->text, r->len) != (ssize_t)r->len) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

static int loop_open(int n, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/loop%d", n);
	return open(path, flags | O_CLOEXEC);
}

static int node_exists(int n, int part)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/loop%dp%d", n, part);
	return access(path, F_OK) ? -errno : 1;
}

static int configure(int fd, const char *img, unsigned int flags)
{
	struct loop_config cfg = { .info.lo_flags = flags };
	int ret;

	cfg.fd = open(img, (flags & LO_FLAGS_READ_ONLY ? O_RDONLY : O_RDWR) |
			   O_CLOEXEC);
	if ((int)cfg.fd < 0)
		return -errno;
	ret = res(ioctl(fd, LOOP_CONFIGURE, &cfg));
	close(cfg.fd);
	return ret;
}

static int blkpg(int fd, int op, int pno, long long start, long long length)
{
	struct blkpg_partition p = { .start = start, .length = length, .pno = pno };
	struct blkpg_ioctl_arg a = { .op = op, .datalen = sizeof(p), .data = &p };

	return res(ioctl(fd, BLKPG, &a));
}

/*
 * Where the sequence runs: the host's /dev, or (in a namespace child, once)
 * the view mounted on /dev. "OUT" is the record's file.
 */
static bool on_host;

static int enter_dev(void)
{
	static bool mounted;

	if (on_host || mounted)
		return 0;
	if (mount("none", "/dev", FSTYPE, 0, NULL))
		return -errno;
	mounted = true;
	return 0;
}

/* The host's numbers are the host's: give back what a sequence removed. */
static void restore(int ctl, int n)
{
	if (on_host)
		ioctl(ctl, LOOP_CTL_ADD, n);
}

/*
 * Every sequence starts the same: /dev is right, loop-control is open in
 * *@ctl, GET_FREE gave the number (returned) and *@fd is its device, open
 * for reading and writing. Return: the number, or a negative errno.
 */
static int seq_start(int *ctl, int *fd)
{
	int n, ret = enter_dev();

	if (ret)
		return ret;
	*ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (*ctl < 0)
		return -errno;
	n = ioctl(*ctl, LOOP_CTL_GET_FREE);
	if (n < 0)
		return -errno;
	*fd = loop_open(n, O_RDWR);
	return *fd < 0 ? -errno : n;
}

/* ...and ends the same: LOOP_CTL_REMOVE recorded, the record saved. */
static int seq_end(struct rec *r, int ctl, int n, const char *out)
{
	rec_step(r, "remove", res(ioctl(ctl, LOOP_CTL_REMOVE, n)));
	restore(ctl, n);
	close(ctl);
	return rec_save(r, out);
}

/*
 * Detach as the only user, then the idioms that follow it: CLR_FD retried
 * until ENXIO, the device reopened and bound again under its number,
 * autoclear, an open and close without binding, GET_FREE, and
 * LOOP_CTL_REMOVE.
 */
static int seq_detach_and_reuse(const char *out)
{
	struct loop_info64 info;
	struct rec r = { 0 };
	int ctl, fd, n, m, i, ok, ret;

	n = seq_start(&ctl, &fd);
	if (n < 0)
		return n;
	rec_step(&r, "configure", configure(fd, IMG, 0));
	rec_step(&r, "get_status", res(ioctl(fd, LOOP_GET_STATUS64, &info)));
	rec_step(&r, "clr_fd", res(ioctl(fd, LOOP_CLR_FD)));
	rec_step(&r, "clr_fd_again", res(ioctl(fd, LOOP_CLR_FD)));
	rec_step(&r, "get_status_after", res(ioctl(fd, LOOP_GET_STATUS64, &info)));
	rec_step(&r, "set_status_after", res(ioctl(fd, LOOP_SET_STATUS64, &info)));
	close(fd);

	/* Reopened and bound again, ten times, under the same number. */
	for (i = 0, ok = 0; i < 10; i++) {
		fd = loop_open(n, O_RDWR);
		if (fd < 0) {
			ok = -1000 * (i + 1) - errno;
			break;
		}
		ret = configure(fd, IMG, 0);
		if (!ret)
			ret = res(ioctl(fd, LOOP_CLR_FD));
		close(fd);
		if (ret) {
			ok = -1000 * (i + 1) + ret;
			break;
		}
	}
	rec_step(&r, "rebind_ten_times", ok);

	/* Autoclear: the last close clears it. */
	fd = loop_open(n, O_RDWR);
	if (fd < 0)
		return -errno;
	rec_step(&r, "configure_autoclear", configure(fd, IMG, LO_FLAGS_AUTOCLEAR));
	close(fd);
	fd = loop_open(n, O_RDWR);
	rec_step(&r, "reopen_after_autoclear", fd < 0 ? -errno : 0);
	if (fd >= 0) {
		rec_step(&r, "get_status_after_autoclear",
			 res(ioctl(fd, LOOP_GET_STATUS64, &info)));
		close(fd);
	}

	/* Opened and closed unbound: still there. */
	fd = loop_open(n, O_RDWR);
	rec_step(&r, "open_unbound", fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	fd = loop_open(n, O_RDWR);
	rec_step(&r, "reopen_unbound", fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);

	m = ioctl(ctl, LOOP_CTL_GET_FREE);
	rec_step(&r, "get_free_same", m == n);
	rec_step(&r, "remove", res(ioctl(ctl, LOOP_CTL_REMOVE, n)));
	fd = loop_open(n, O_RDWR);
	rec_step(&r, "open_removed", fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	restore(ctl, n);
	close(ctl);
	return rec_save(&r, out);
}

/*
 * losetup -c after the backing file grew (it opens read-only), block size,
 * direct I/O, and LOOP_CHANGE_FD, which only a read-only loop allows.
 */
static int seq_capacity_and_settings(const char *out)
{
	struct rec r = { 0 };
	int ctl, fd, ro, n, img2;
	unsigned long long size = 0;

	if (truncate(IMG, 4 * MIB))
		return -errno;
	n = seq_start(&ctl, &fd);
	if (n < 0)
		return n;
	rec_step(&r, "configure", configure(fd, IMG, 0));
	ro = loop_open(n, O_RDONLY);
	rec_step(&r, "open_ro", ro < 0 ? -errno : 0);
	if (truncate(IMG, 8 * MIB))
		return -errno;
	rec_step(&r, "set_capacity_ro", res(ioctl(ro, LOOP_SET_CAPACITY, 0)));
	ioctl(fd, BLKGETSIZE64, &size);
	rec_step(&r, "size_mib", size / MIB);
	rec_step(&r, "set_block_size", res(ioctl(fd, LOOP_SET_BLOCK_SIZE, 4096)));
	rec_step(&r, "set_direct_io", res(ioctl(fd, LOOP_SET_DIRECT_IO, 1)));
	rec_step(&r, "clear_direct_io", res(ioctl(fd, LOOP_SET_DIRECT_IO, 0)));
	img2 = open(IMG2, O_RDONLY | O_CLOEXEC);
	rec_step(&r, "change_fd_rw", res(ioctl(fd, LOOP_CHANGE_FD, img2)));
	rec_step(&r, "clr_fd", res(ioctl(fd, LOOP_CLR_FD)));
	close(ro);
	close(fd);

	/* Read-only: LOOP_CHANGE_FD to a file of the same size. */
	fd = loop_open(n, O_RDWR);
	rec_step(&r, "configure_ro", configure(fd, IMG, LO_FLAGS_READ_ONLY));
	rec_step(&r, "change_fd_ro", res(ioctl(fd, LOOP_CHANGE_FD, img2)));
	rec_step(&r, "clr_fd_ro", res(ioctl(fd, LOOP_CLR_FD)));
	close(fd);
	close(img2);
	return seq_end(&r, ctl, n, out);
}

/*
 * What parted, partx and blockdev --rereadpt do: a partition scan at bind
 * time, then BLKPG delete, add and resize, and BLKRRPART. Each change is
 * in /dev when the call returns.
 */
static int seq_partitions(const char *out)
{
	struct rec r = { 0 };
	int ctl, fd, n;

	n = seq_start(&ctl, &fd);
	if (n < 0)
		return n;
	rec_step(&r, "configure_partscan", configure(fd, IMG, LO_FLAGS_PARTSCAN));
	rec_step(&r, "p1", node_exists(n, 1));
	rec_step(&r, "p2", node_exists(n, 2));
	rec_step(&r, "del_p2", blkpg(fd, BLKPG_DEL_PARTITION, 2, 0, 0));
	rec_step(&r, "p2_after_del", node_exists(n, 2));
	rec_step(&r, "add_p3", blkpg(fd, BLKPG_ADD_PARTITION, 3, 5 * MIB, MIB));
	rec_step(&r, "p3_after_add", node_exists(n, 3));
	rec_step(&r, "add_overlapping", blkpg(fd, BLKPG_ADD_PARTITION, 4, 5 * MIB, MIB));
	rec_step(&r, "resize_p3", blkpg(fd, BLKPG_RESIZE_PARTITION, 3, 5 * MIB, MIB / 2));
	rec_step(&r, "rereadpt", res(ioctl(fd, BLKRRPART)));
	rec_step(&r, "p2_after_rereadpt", node_exists(n, 2));
	rec_step(&r, "p3_after_rereadpt", node_exists(n, 3));
	rec_step(&r, "clr_fd", res(ioctl(fd, LOOP_CLR_FD)));
	close(fd);
	rec_step(&r, "p1_after_detach", node_exists(n, 1));
	return seq_end(&r, ctl, n, out);
}

/*
 * The tools themselves, as an image builder runs them: losetup -fP,
 * parted writing a new table (it tells the kernel with BLKPG), partx -d
 * and -a, blockdev --rereadpt, losetup -c after the file grew, losetup -d.
 * Each step's exit status is recorded.
 */
#define TOOLS_SCRIPT \
	"exec >/dev/null 2>&1; " \
	"s() { n=$1; shift; \"$@\"; printf '%%s=%%d ' $n $? >> %s; }; " \
	"d=$(losetup -fP --show " IMG ") || exit 1; " \
	"s mklabel parted -s $d mklabel msdos mkpart primary 1MiB 3MiB " \
	"mkpart primary 3MiB 5MiB mkpart primary 5MiB 6MiB; " \
	"s p3 test -b ${d}p3; " \
	"s partx_d partx -d --nr 3 $d; " \
	"s p3_gone test ! -e ${d}p3; " \
	"s partx_a partx -a --nr 3 $d; " \
	"s p3_back test -b ${d}p3; " \
	"s rereadpt blockdev --rereadpt $d; " \
	"s p2 test -b ${d}p2; " \
	"s grow truncate -s 16M " IMG "; " \
	"s losetup_c losetup -c $d; " \
	"s size test $(blockdev --getsize64 $d) = 16777216; " \
	"s detach losetup -d $d; " \
	"s p1_gone test ! -e ${d}p1; " \
	"s node_stays test -b $d"

static int seq_tools(const char *out)
{
	char script[2048];
	int ret = enter_dev();

	if (ret)
		return ret;
	unlink(out);
	snprintf(script, sizeof(script), TOOLS_SCRIPT, out);
	return sh(script) ? -EIO : 0;
}

FIXTURE(stock) {
	struct nschild a;
};

FIXTURE_SETUP(stock)
{
	/* 8 MiB with two 2 MiB partitions at 1 and 3 MiB. */
	ASSERT_EQ(0, sh("truncate -s 8M " IMG " && chmod 666 " IMG " && "
			"truncate -s 8M " IMG2 " && chmod 666 " IMG2 " && "
			"printf 'label: dos\\n1M,2M,L\\n3M,2M,L\\n' | sfdisk -q " IMG));
	ASSERT_EQ(0, nschild_start(&self->a, CHILD_ID_BASE, CHILD_ID_COUNT));
}

FIXTURE_TEARDOWN(stock)
{
	nschild_stop(&self->a);
	unlink(IMG);
	unlink(IMG2);
	unlink(REC_HOST);
	unlink(REC_NS);
}

/*
 * Run @fn on the host and in the namespace; both records must agree. Each
 * comparison runs its tools twice (parted, partx, sfdisk, mkfs): on the
 * debug kernel under TCG that has come close to the harness's default
 * 30 s, hence 120 s per test.
 */
static void compare(struct __test_metadata *_metadata, struct nschild *a,
		    nscall_fn fn)
{
	char *host, *ns;

	on_host = true;
	ASSERT_EQ(0, fn(REC_HOST));
	ASSERT_EQ(0, sh("printf 'label: dos\\n1M,2M,L\\n3M,2M,L\\n' | sfdisk -q " IMG));
	on_host = false;
	ASSERT_EQ(0, nschild_call(a, fn, REC_NS));
	host = slurp(REC_HOST);
	ns = slurp(REC_NS);
	ASSERT_NE(NULL, host);
	ASSERT_NE(NULL, ns);
	TH_LOG("host:      %s", host);
	EXPECT_STREQ(host, ns) {
		TH_LOG("namespace: %s", ns);
	}
	free(host);
	free(ns);
}

TEST_F_TIMEOUT(stock, detach_and_reuse, 120)
{
	compare(_metadata, &self->a, seq_detach_and_reuse);
}

TEST_F_TIMEOUT(stock, capacity_block_size_direct_io_change_fd, 120)
{
	compare(_metadata, &self->a, seq_capacity_and_settings);
}

TEST_F_TIMEOUT(stock, partition_table_changes, 120)
{
	compare(_metadata, &self->a, seq_partitions);
}

TEST_F_TIMEOUT(stock, parted_partx_blockdev_losetup, 120)
{
	compare(_metadata, &self->a, seq_tools);
}

TEST_HARNESS_MAIN

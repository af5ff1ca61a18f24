// SPDX-License-Identifier: GPL-2.0
/*
 * loop_stock_test - a delegated loop behaves like the host's (SPEC §4)
 *
 * The sequences that loop test suites, image builders and util-linux run,
 * done once on a host loop and once as root of a user namespace whose
 * /dev is its view, in the same VM: every step must give the same result
 * and the same errno (for the tools: the same exit status). Each run
 * records its steps, a name and a result (a negative errno, or a value),
 * in shared memory, and the test compares the two records step by step.
 */
#define _GNU_SOURCE
#include <linux/blkpg.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "fixtures.h"

#define IMG		"/tmp/nsdev-stock"	/* backing file */
#define IMG2		"/tmp/nsdev-stock-2"	/* for LOOP_CHANGE_FD */
#define TOOLS_HOST	"/tmp/nsdev-stock-tools-host"	/* the tools' steps */
#define TOOLS_NS	"/tmp/nsdev-stock-tools-ns"
#define MIB		(1024 * 1024)
#define PARTITION_IMG	"printf 'label: dos\\n1M,2M,L\\n3M,2M,L\\n' | sfdisk -q " IMG

#define REC_STEPS	32

/* One step of a sequence: what was done, and its result. */
struct step {
	char name[32];
	long ret;
};

/*
 * struct rec - one run of a sequence
 * @n:      steps recorded
 * @step:   the steps, in order
 * @failed: what the run could not do (it stopped there), "" if it ended
 */
struct rec {
	int n;
	struct step step[REC_STEPS];
	char failed[64];
};

/* The two runs of a test, shared with the namespace child. */
static struct {
	struct rec host;
	struct rec ns;
} *recs;

static void rec_step(struct rec *r, const char *name, long ret)
{
	struct step *s;

	if (r->n >= REC_STEPS)
		return;
	s = &r->step[r->n++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->ret = ret;
}

/* The run stops: note what it could not do. Return: @ret (-errno). */
static int rec_fail(struct rec *r, const char *what, int ret)
{
	snprintf(r->failed, sizeof(r->failed), "%s", what);
	return ret;
}

/* An ioctl's result the way the record keeps it: the value or -errno. */
static long res(long ret)
{
	return ret < 0 ? -errno : ret;
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
 * Where the sequence runs: ARG is "host" (the host's /dev) or "ns" (in the
 * namespace child: the view, mounted on /dev once). It records into
 * recs->host or recs->ns.
 */
static bool on_host;

static struct rec *rec_begin(const char *arg)
{
	struct rec *r;

	on_host = !strcmp(arg, "host");
	r = on_host ? &recs->host : &recs->ns;
	memset(r, 0, sizeof(*r));
	return r;
}

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
 * for reading and writing. Return: the number, or a negative errno (what
 * failed in r->failed).
 */
static int seq_start(struct rec *r, int *ctl, int *fd)
{
	int n, ret = enter_dev();

	if (ret)
		return rec_fail(r, "mount the view on /dev", ret);
	*ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (*ctl < 0)
		return rec_fail(r, "open /dev/loop-control", -errno);
	n = ioctl(*ctl, LOOP_CTL_GET_FREE);
	if (n < 0)
		return rec_fail(r, "LOOP_CTL_GET_FREE", -errno);
	*fd = loop_open(n, O_RDWR);
	return *fd < 0 ? rec_fail(r, "open /dev/loopN", -errno) : n;
}

/* ...and ends the same: LOOP_CTL_REMOVE recorded. */
static int seq_end(struct rec *r, int ctl, int n)
{
	rec_step(r, "remove", res(ioctl(ctl, LOOP_CTL_REMOVE, n)));
	restore(ctl, n);
	close(ctl);
	return 0;
}

/*
 * Detach as the only user, then the idioms that follow it: CLR_FD retried
 * until ENXIO, the device reopened and bound again under its number,
 * autoclear, an open and close without binding, GET_FREE, and
 * LOOP_CTL_REMOVE.
 */
static int seq_detach_and_reuse(const char *arg)
{
	struct rec *r = rec_begin(arg);
	struct loop_info64 info;
	int ctl, fd, n, m, i, ret;

	n = seq_start(r, &ctl, &fd);
	if (n < 0)
		return n;
	rec_step(r, "configure", configure(fd, IMG, 0));
	rec_step(r, "get_status", res(ioctl(fd, LOOP_GET_STATUS64, &info)));
	rec_step(r, "clr_fd", res(ioctl(fd, LOOP_CLR_FD)));
	rec_step(r, "clr_fd_again", res(ioctl(fd, LOOP_CLR_FD)));
	rec_step(r, "get_status_after", res(ioctl(fd, LOOP_GET_STATUS64, &info)));
	rec_step(r, "set_status_after", res(ioctl(fd, LOOP_SET_STATUS64, &info)));
	close(fd);

	/*
	 * Reopened and bound again, ten times, under the same number: how
	 * many rounds went through, and the error that ended the first that
	 * did not.
	 */
	for (i = 0, ret = 0; i < 10; i++) {
		fd = loop_open(n, O_RDWR);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		ret = configure(fd, IMG, 0);
		if (!ret)
			ret = res(ioctl(fd, LOOP_CLR_FD));
		close(fd);
		if (ret)
			break;
	}
	rec_step(r, "rebinds", i);
	rec_step(r, "rebind_error", ret);

	/* Autoclear: the last close clears it. */
	fd = loop_open(n, O_RDWR);
	if (fd < 0)
		return rec_fail(r, "open /dev/loopN for autoclear", -errno);
	rec_step(r, "configure_autoclear", configure(fd, IMG, LO_FLAGS_AUTOCLEAR));
	close(fd);
	fd = loop_open(n, O_RDWR);
	rec_step(r, "reopen_after_autoclear", fd < 0 ? -errno : 0);
	if (fd >= 0) {
		rec_step(r, "get_status_after_autoclear",
			 res(ioctl(fd, LOOP_GET_STATUS64, &info)));
		close(fd);
	}

	/* Opened and closed unbound: still there. */
	fd = loop_open(n, O_RDWR);
	rec_step(r, "open_unbound", fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	fd = loop_open(n, O_RDWR);
	rec_step(r, "reopen_unbound", fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);

	m = ioctl(ctl, LOOP_CTL_GET_FREE);
	rec_step(r, "get_free_same", m == n);
	rec_step(r, "remove", res(ioctl(ctl, LOOP_CTL_REMOVE, n)));
	fd = loop_open(n, O_RDWR);
	rec_step(r, "open_removed", fd < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	restore(ctl, n);
	close(ctl);
	return 0;
}

/*
 * losetup -c after the backing file grew (it opens read-only), block size,
 * direct I/O, and LOOP_CHANGE_FD, which only a read-only loop allows.
 */
static int seq_capacity_and_settings(const char *arg)
{
	struct rec *r = rec_begin(arg);
	int ctl, fd, ro, n, img2;
	unsigned long long size = 0;

	if (truncate(IMG, 4 * MIB))
		return rec_fail(r, "truncate the image to 4 MiB", -errno);
	n = seq_start(r, &ctl, &fd);
	if (n < 0)
		return n;
	rec_step(r, "configure", configure(fd, IMG, 0));
	ro = loop_open(n, O_RDONLY);
	rec_step(r, "open_ro", ro < 0 ? -errno : 0);
	if (truncate(IMG, 8 * MIB))
		return rec_fail(r, "grow the image to 8 MiB", -errno);
	rec_step(r, "set_capacity_ro", res(ioctl(ro, LOOP_SET_CAPACITY, 0)));
	ioctl(fd, BLKGETSIZE64, &size);
	rec_step(r, "size_mib", size / MIB);
	rec_step(r, "set_block_size", res(ioctl(fd, LOOP_SET_BLOCK_SIZE, 4096)));
	rec_step(r, "set_direct_io", res(ioctl(fd, LOOP_SET_DIRECT_IO, 1)));
	rec_step(r, "clear_direct_io", res(ioctl(fd, LOOP_SET_DIRECT_IO, 0)));
	img2 = open(IMG2, O_RDONLY | O_CLOEXEC);
	rec_step(r, "change_fd_rw", res(ioctl(fd, LOOP_CHANGE_FD, img2)));
	rec_step(r, "clr_fd", res(ioctl(fd, LOOP_CLR_FD)));
	close(ro);
	close(fd);

	/* Read-only: LOOP_CHANGE_FD to a file of the same size. */
	fd = loop_open(n, O_RDWR);
	rec_step(r, "configure_ro", configure(fd, IMG, LO_FLAGS_READ_ONLY));
	rec_step(r, "change_fd_ro", res(ioctl(fd, LOOP_CHANGE_FD, img2)));
	rec_step(r, "clr_fd_ro", res(ioctl(fd, LOOP_CLR_FD)));
	close(fd);
	close(img2);
	return seq_end(r, ctl, n);
}

/*
 * What parted, partx and blockdev --rereadpt do: a partition scan at bind
 * time, then BLKPG delete, add and resize, and BLKRRPART. Each change is
 * in /dev when the call returns.
 */
static int seq_partitions(const char *arg)
{
	struct rec *r = rec_begin(arg);
	int ctl, fd, n;

	n = seq_start(r, &ctl, &fd);
	if (n < 0)
		return n;
	rec_step(r, "configure_partscan", configure(fd, IMG, LO_FLAGS_PARTSCAN));
	rec_step(r, "p1", node_exists(n, 1));
	rec_step(r, "p2", node_exists(n, 2));
	rec_step(r, "del_p2", blkpg(fd, BLKPG_DEL_PARTITION, 2, 0, 0));
	rec_step(r, "p2_after_del", node_exists(n, 2));
	rec_step(r, "add_p3", blkpg(fd, BLKPG_ADD_PARTITION, 3, 5 * MIB, MIB));
	rec_step(r, "p3_after_add", node_exists(n, 3));
	rec_step(r, "add_overlapping", blkpg(fd, BLKPG_ADD_PARTITION, 4, 5 * MIB, MIB));
	rec_step(r, "resize_p3", blkpg(fd, BLKPG_RESIZE_PARTITION, 3, 5 * MIB, MIB / 2));
	rec_step(r, "rereadpt", res(ioctl(fd, BLKRRPART)));
	rec_step(r, "p2_after_rereadpt", node_exists(n, 2));
	rec_step(r, "p3_after_rereadpt", node_exists(n, 3));
	rec_step(r, "clr_fd", res(ioctl(fd, LOOP_CLR_FD)));
	close(fd);
	rec_step(r, "p1_after_detach", node_exists(n, 1));
	return seq_end(r, ctl, n);
}

/*
 * The tools themselves, as an image builder runs them: losetup -fP,
 * parted writing a new table (it tells the kernel with BLKPG), partx -d
 * and -a, blockdev --rereadpt, losetup -c after the file grew, losetup -d.
 * Each step's exit status goes to the file %s as "name=status ".
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

static int seq_tools(const char *arg)
{
	struct rec *r = rec_begin(arg);
	const char *out = on_host ? TOOLS_HOST : TOOLS_NS;
	char script[2048], *text, *tok, *save = NULL, name[32];
	int ret = enter_dev();
	long status;

	if (ret)
		return rec_fail(r, "mount the view on /dev", ret);
	unlink(out);
	snprintf(script, sizeof(script), TOOLS_SCRIPT, out);
	ret = sh(script);
	if (ret)
		return rec_fail(r, "losetup -fP --show (the script exited)", -EIO);
	text = slurp(out);
	if (!text)
		return rec_fail(r, "read the tools' record", -errno);
	for (tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (sscanf(tok, "%31[^=]=%ld", name, &status) == 2)
			rec_step(r, name, status);
	free(text);
	return 0;
}

FIXTURE(stock) {
	struct nschild a;
};

FIXTURE_SETUP(stock)
{
	int ret;

	recs = mmap(NULL, sizeof(*recs), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, recs) {
		TH_LOG("mmap of the records: %s", strerror(errno));
	}
	/* 8 MiB with two 2 MiB partitions at 1 and 3 MiB. */
	ret = sh("truncate -s 8M " IMG " && chmod 666 " IMG " && "
		 "truncate -s 8M " IMG2 " && chmod 666 " IMG2 " && " PARTITION_IMG);
	ASSERT_EQ(0, ret) {
		TH_LOG("making the images (truncate, chmod, sfdisk): exit status %d", ret);
	}
	ret = nschild_start(&self->a, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start the namespace: %s", errstr(ret));
	}
}

FIXTURE_TEARDOWN(stock)
{
	nschild_stop(&self->a);
	unlink(IMG);
	unlink(IMG2);
	unlink(TOOLS_HOST);
	unlink(TOOLS_NS);
	munmap(recs, sizeof(*recs));
}

/* A step's result as text: "-22 (Invalid argument)", or the value. */
static const char *ret_text(char *buf, size_t len, long ret)
{
	if (ret < 0)
		snprintf(buf, len, "%ld (%s)", ret, strerror(-ret));
	else
		snprintf(buf, len, "%ld", ret);
	return buf;
}

/* The whole record, "name=result ...", for the log. */
static const char *rec_text(char *buf, size_t len, const struct rec *r)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < r->n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s=%ld ", r->step[i].name,
				 r->step[i].ret);
	return buf;
}

/*
 * Run @fn on the host and in the namespace; both records must agree, step
 * by step. Each comparison runs its tools twice (parted, partx, sfdisk,
 * mkfs): on the debug kernel under TCG that has come close to the
 * harness's default 30 s, hence 120 s per test.
 */
static void compare(struct __test_metadata *_metadata, struct nschild *a,
		    nscall_fn fn)
{
	const struct rec *host = &recs->host, *ns = &recs->ns;
	char text[1024], h[64], n[64];
	int i, ret;

	ret = fn("host");
	ASSERT_EQ(0, ret) {
		TH_LOG("the sequence on the host could not %s: %s", host->failed, errstr(ret));
	}
	ret = sh(PARTITION_IMG);
	ASSERT_EQ(0, ret) {
		TH_LOG("sfdisk writing the image's table again: exit status %d", ret);
	}
	ret = nschild_call(a, fn, "ns");
	ASSERT_EQ(0, ret) {
		TH_LOG("the sequence in the namespace could not %s: %s",
		       ret == -EPIPE ? "answer (it died)" : ns->failed, errstr(ret));
	}
	TH_LOG("host:      %s", rec_text(text, sizeof(text), host));
	EXPECT_EQ(host->n, ns->n) {
		TH_LOG("steps recorded: %d on the host, %d in the namespace", host->n, ns->n);
		TH_LOG("namespace: %s", rec_text(text, sizeof(text), ns));
	}
	for (i = 0; i < host->n && i < ns->n; i++) {
		EXPECT_STREQ(host->step[i].name, ns->step[i].name) {
			TH_LOG("step %d is %s on the host, %s in the namespace", i + 1,
			       host->step[i].name, ns->step[i].name);
		}
		EXPECT_EQ(host->step[i].ret, ns->step[i].ret) {
			TH_LOG("step %s: the host got %s, the namespace %s", host->step[i].name,
			       ret_text(h, sizeof(h), host->step[i].ret),
			       ret_text(n, sizeof(n), ns->step[i].ret));
		}
	}
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

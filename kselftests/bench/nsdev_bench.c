// SPDX-License-Identifier: GPL-2.0
/*
 * nsdev_bench - what a view costs, against today's way, in the same VM
 *
 * Every figure is the median of several runs and is printed with its
 * baseline measured in the same boot, as a ratio: absolute times under
 * software emulation mean little. Not a test: it prints a table and
 * always exits 0 (unless it cannot run at all).
 */
#include <dirent.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#include "../helpers.h"

#define RUNS	5
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void row(const char *metric, double value, double base, const char *unit,
		const char *target, bool lower_is_better, double limit)
{
	double ratio = base > 0 ? value / base : 0;
	bool ok = lower_is_better ? ratio <= limit : ratio >= limit;

	printf("%-44s %10.2f %10.2f %-4s %6.2fx  %-8s %s\n", metric, value, base,
	       unit, ratio, target, ok ? "met" : "MISSED");
}

/* --- 1. stat and open+close through a view vs devtmpfs ------------------ */

#define ITER	20000

static double time_stat(const char *path)
{
	struct stat st;
	double t0 = now_us();
	int i;

	for (i = 0; i < ITER; i++)
		stat(path, &st);
	return (now_us() - t0) / ITER;
}

static double time_open(const char *path)
{
	double t0 = now_us();
	int i, fd;

	for (i = 0; i < ITER; i++) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		close(fd);
	}
	return (now_us() - t0) / ITER;
}

/* --- 2. readdir of a view with N owned devices vs devtmpfs ------------- */

#define RD_VIEW		"/tmp/nsdev-bench-rd"
#define RD_BASE		"/dev/nsdev-bench-rd"
#define RD_INDEX	300000	/* first loop number reserved for the view */

/*
 * Read a directory from the start to the end with getdents64 on an open
 * fd (no path walk: only readdir is measured); µs, and the entries seen.
 */
static double readdir_once(int fd, int *entries)
{
	char buf[32768];
	double t0 = now_us();
	long len, pos;
	int n = 0;

	lseek(fd, 0, SEEK_SET);
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (pos = 0; pos < len; n++)
			pos += ((struct dirent64 *)(buf + pos))->d_reclen;
	*entries = n;
	return len < 0 ? -1 : now_us() - t0;
}

/* The mean of enough readdir_once() calls for about 100000 entries. */
static double time_readdir(const char *dir, int *entries)
{
	int i, reps, fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	double t;

	if (fd < 0)
		return -1;
	t = readdir_once(fd, entries);
	reps = 1 + 100000 / (*entries + 1);
	for (i = 0; t >= 0 && i < reps; i++)
		t += readdir_once(fd, entries);
	close(fd);
	return t < 0 ? t : t / (reps + 1);
}

static int rd_owned;	/* in the namespace: numbers reserved so far */

/*
 * In the namespace: reserve loop numbers until the view holds @arg owned
 * devices, then time readdir of it. Return: the median in ns.
 */
static int ns_readdir(const char *arg)
{
	int want = atoi(arg), ctl, i, n;
	double v[RUNS];

	if (!rd_owned && mount("none", RD_VIEW, FSTYPE, 0, NULL))
		return -errno;
	ctl = open(RD_VIEW "/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	for (; rd_owned < want; rd_owned++)
		if (ioctl(ctl, LOOP_CTL_ADD, RD_INDEX + rd_owned) < 0)
			return -errno;
	close(ctl);
	for (i = 0; i < RUNS; i++)
		v[i] = time_readdir(RD_VIEW, &n);
	return (int)(median(v, RUNS) * 1000);
}

/* In the namespace: how many entries readdir of the view returns. */
static int ns_entries(const char *arg)
{
	int n;

	return time_readdir(RD_VIEW, &n) < 0 ? -errno : n;
}

/* devtmpfs: a directory with @entries entries (. and .. included). */
static double devtmpfs_readdir(int entries)
{
	static int made;
	double v[RUNS];
	char path[64];
	int i, n;

	mkdir(RD_BASE, 0755);
	for (; made < entries - 2; made++) {
		snprintf(path, sizeof(path), RD_BASE "/loop%d", RD_INDEX + made);
		mknod(path, S_IFBLK | 0660, makedev(7, RD_INDEX + made));
	}
	for (i = 0; i < RUNS; i++)
		v[i] = time_readdir(RD_BASE, &n);
	return median(v, RUNS);
}

static int set_loop_limit(int userns, unsigned int max)
{
	struct nsdevtmpfs_limit l = { .userns_fd = userns, .max_loops = max };

	return control_ioctl(NSDEVTMPFS_IOC_SET_LIMIT, &l);
}

static void bench_readdir(void)
{
	static const int sizes[] = { 10, 1000, 10000 };
	double view, base, per[ARRAY_SIZE(sizes)], bper[ARRAY_SIZE(sizes)], growth;
	struct nschild c;
	char arg[16], metric[64];
	int i, entries, ns;

	mkdir(RD_VIEW, 0755);
	if (nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT) ||
	    set_loop_limit(c.userns, 2 * sizes[ARRAY_SIZE(sizes) - 1])) {
		printf("# readdir: could not set up a namespace\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(arg, sizeof(arg), "%d", sizes[i]);
		ns = nschild_call(&c, ns_readdir, arg);
		entries = nschild_call(&c, ns_entries, NULL);
		if (ns < 0 || entries < sizes[i]) {
			printf("# readdir N=%d: %s\n", sizes[i], strerror(-ns));
			break;
		}
		view = ns / 1000.0;
		base = devtmpfs_readdir(entries);
		per[i] = view / entries;
		bper[i] = base / entries;
		snprintf(metric, sizeof(metric), "readdir, %d owned: view vs devtmpfs", sizes[i]);
		row(metric, view, base, "us", "<=1.1x", true, 1.1);
	}
	/*
	 * Linear: the cost per entry at N=10000 is within 1.25x of that at
	 * N=1000 (a walk per entry would make it 10x); devtmpfs's growth is
	 * the baseline column (both outgrow the CPU caches).
	 */
	if (i == ARRAY_SIZE(sizes)) {
		growth = per[2] / per[1];
		printf("%-44s %10.3f %10.3f %-4s %6.2fx  %-8s %s\n",
		       "readdir us/entry N=10000 / N=1000", growth, bper[2] / bper[1], "",
		       growth / (bper[2] / bper[1]), "<=1.25", growth <= 1.25 ? "met" : "MISSED");
	}
	nschild_stop(&c);
	sh("rm -rf " RD_BASE);
}

/* --- 3. a ready /dev: mount a view vs the tmpfs recipe ------------------- */

static const struct {
	const char *name;
	unsigned int maj, min;
} recipe_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const char * const recipe_links[][2] = {
	{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	{ "pts/ptmx", "ptmx" },
};

/* What libvirt/LXC do, inline: tmpfs, nodes, owners, modes, links, dirs. */
static double recipe_once(const char *dir)
{
	char path[128];
	double t0 = now_us();
	int i;

	mount("tmpfs", dir, "tmpfs", 0, "mode=755,size=64k");
	for (i = 0; i < ARRAY_SIZE(recipe_nodes); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, recipe_nodes[i].name);
		mknod(path, S_IFCHR | 0666, makedev(recipe_nodes[i].maj, recipe_nodes[i].min));
		chown(path, CHILD_ID_BASE, CHILD_ID_BASE);
		chmod(path, 0666);
	}
	for (i = 0; i < ARRAY_SIZE(recipe_links); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, recipe_links[i][1]);
		symlink(recipe_links[i][0], path);
	}
	snprintf(path, sizeof(path), "%s/pts", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/shm", dir);
	mkdir(path, 01777);
	t0 = now_us() - t0;
	umount(dir);
	return t0;
}

static double view_once(const char *dir)
{
	double t0 = now_us();

	mount("none", dir, FSTYPE, 0, NULL);
	t0 = now_us() - t0;
	umount(dir);
	return t0;
}

/* A tmpfs mount and nothing else: the floor under any mount-based /dev. */
static double tmpfs_once(const char *dir)
{
	double t0 = now_us();

	mount("tmpfs", dir, "tmpfs", 0, "mode=755,size=64k");
	t0 = now_us() - t0;
	umount(dir);
	return t0;
}

/* In a new namespace: its first mount, which makes the superblock; ns. */
static int ns_first_mount(const char *arg)
{
	double t0 = now_us();

	if (mount("none", "/tmp/nsdev-bench-dev", FSTYPE, 0, NULL))
		return -errno;
	return (int)((now_us() - t0) * 1000);
}

/* --- 4. a delegated GET_FREE + LOOP_CONFIGURE + clear, vs the host's ---- */

#define LOOP_ITER	40

/* One losetup -f / -d cycle through @ctl; µs. */
static double loop_cycle(const char *ctl, const char *devdir, int backing)
{
	struct loop_config cfg = { .fd = backing };
	double t0 = now_us();
	char path[64];
	int fd, dev, n;

	fd = open(ctl, O_RDWR | O_CLOEXEC);
	n = ioctl(fd, LOOP_CTL_GET_FREE);
	close(fd);
	snprintf(path, sizeof(path), "%s/loop%d", devdir, n);
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (n < 0 || dev < 0 || ioctl(dev, LOOP_CONFIGURE, &cfg))
		return -1;
	ioctl(dev, LOOP_CLR_FD);
	close(dev);
	return now_us() - t0;
}

static int ns_loop_median(const char *arg)
{
	double v[LOOP_ITER];
	int i, backing;

	if (mount("none", "/dev", FSTYPE, 0, NULL) && errno != EBUSY)
		return -errno;
	backing = open("/tmp/nsdev-bench.img", O_RDWR | O_CLOEXEC);
	for (i = 0; i < LOOP_ITER; i++)
		v[i] = loop_cycle("/dev/loop-control", "/dev", backing);
	close(backing);
	return (int)median(v, LOOP_ITER);
}

static double host_loop_median(void)
{
	double v[LOOP_ITER];
	int i, backing = open("/tmp/nsdev-bench.img", O_RDWR | O_CLOEXEC);

	for (i = 0; i < LOOP_ITER; i++)
		v[i] = loop_cycle("/dev/loop-control", "/dev", backing);
	close(backing);
	return median(v, LOOP_ITER);
}

/*
 * The host's cycle with the device made and removed around it, which a
 * delegated cycle does every time (LOOP_CTL_ADD on first open, REMOVE on
 * detach): the part of the ratio that is the loop driver's, not ours.
 */
static double host_add_cycle_remove_median(void)
{
	struct loop_config cfg = { 0 };
	double v[LOOP_ITER], t0;
	int i, ctl, dev, tries;

	cfg.fd = open("/tmp/nsdev-bench.img", O_RDWR | O_CLOEXEC);
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	for (i = 0; i < LOOP_ITER; i++) {
		t0 = now_us();
		if (ioctl(ctl, LOOP_CTL_ADD, 900) < 0)
			return -1;
		dev = open("/dev/loop900", O_RDWR | O_CLOEXEC);
		if (dev < 0 || ioctl(dev, LOOP_CONFIGURE, &cfg))
			return -1;
		ioctl(dev, LOOP_CLR_FD);
		close(dev);
		/* 6.12+ may finish the clear after the close. */
		for (tries = 0; ioctl(ctl, LOOP_CTL_REMOVE, 900) < 0 && errno == EBUSY &&
		     tries < 1000; tries++)
			usleep(100);
		v[i] = now_us() - t0;
	}
	close(ctl);
	close(cfg.fd);
	return median(v, LOOP_ITER);
}

/* --- 6. slab per namespace -------------------------------------------- */

static long slab_kb(void)
{
	char *text = slurp("/proc/meminfo"), *p;
	long kb = -1;

	p = text ? strstr(text, "\nSlab:") : NULL;
	if (p)
		sscanf(p + 6, "%ld", &kb);
	free(text);
	return kb;
}

static int ns_idle(const char *arg)
{
	return 0;
}

static int ns_view_and_loops(const char *arg)
{
	int ctl, i;

	if (mount("none", "/dev", FSTYPE, 0, NULL))
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	for (i = 0; i < 4; i++)
		if (ioctl(ctl, LOOP_CTL_ADD, atoi(arg) + i) < 0)
			return -errno;
	close(ctl);
	return 0;
}

#define MEM_NS	1000

static void drop_caches(void)
{
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	usleep(300 * 1000);
}

/* Namespaces kept alive for the slab and live-namespace rows. */
static struct nschild live[MEM_NS];
static int nlive;

/* Grow to @n live namespaces, each running @fn; false if that failed. */
static bool grow_live(int n, nscall_fn fn)
{
	char arg[16];

	int ret;

	for (; nlive < n; nlive++) {
		ret = nschild_start(&live[nlive], CHILD_ID_BASE, CHILD_ID_COUNT);
		if (ret) {
			printf("# namespace %d: %s\n", nlive, strerror(-ret));
			return false;
		}
		snprintf(arg, sizeof(arg), "%d", 100000 + 4 * nlive);
		ret = nschild_call(&live[nlive], fn, arg);
		if (ret) {
			printf("# namespace %d: %s\n", nlive, strerror(-ret));
			nlive++;
			return false;
		}
	}
	return true;
}

static void stop_live(void)
{
	while (nlive)
		nschild_stop(&live[--nlive]);
}

/* Slab growth (KiB) per namespace for MEM_NS namespaces running @fn. */
static double slab_per_ns(nscall_fn fn)
{
	long before, after;
	bool ok;

	drop_caches();
	before = slab_kb();
	ok = grow_live(MEM_NS, fn);
	drop_caches();
	after = slab_kb();
	stop_live();
	return ok ? (double)(after - before) / MEM_NS : -1;
}

/*
 * The delegated loop cycle with 1, 100 and MEM_NS live namespaces (each
 * with a view and 4 loop numbers), and the slab those cost.
 */
static void bench_live_namespaces(double host, double host_add)
{
	static const int counts[] = { 1, 100, MEM_NS };
	double cycle[ARRAY_SIZE(counts)], bare, slab = -1;
	char metric[64];
	struct nschild c;
	long before = 0;
	int i;

	bare = slab_per_ns(ns_idle);
	if (nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT))
		return;
	drop_caches();
	before = slab_kb();
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		/* The measured namespace is one of them. */
		if (!grow_live(counts[i] - 1, ns_view_and_loops)) {
			printf("# could not start %d namespaces\n", counts[i]);
			break;
		}
		if (counts[i] == MEM_NS) {
			drop_caches();
			slab = (double)(slab_kb() - before) / MEM_NS;
		}
		cycle[i] = nschild_call(&c, ns_loop_median, NULL);
		snprintf(metric, sizeof(metric), "loop cycle, %d live ns: delegated vs host",
			 counts[i]);
		row(metric, cycle[i] / 1000, host / 1000, "ms", "<=1.2x", true, 1.2);
		snprintf(metric, sizeof(metric), "  the same vs host ADD+cycle+REMOVE");
		row(metric, cycle[i] / 1000, host_add / 1000, "ms", "<=1.2x", true, 1.2);
	}
	if (i == ARRAY_SIZE(counts))
		printf("%-44s %10.2f %10.2f %-4s %6.2fx  %-8s %s\n",
		       "loop cycle: 1000 live ns vs 1 live ns", cycle[2] / 1000,
		       cycle[0] / 1000, "ms", cycle[2] / cycle[0], "flat",
		       cycle[2] / cycle[0] <= 1.2 ? "met" : "MISSED");
	nschild_stop(&c);
	stop_live();
	if (slab >= 0 && bare >= 0) {
		printf("%-44s %10.2f %10.2f %-4s %7s  %-8s %s\n",
		       "slab per ns at 1000: view+4 loops vs bare ns", slab, bare, "KiB", "",
		       "<64KiB", slab - bare < 64 ? "met" : "MISSED");
		printf("# a view + 4 delegated loop numbers cost %.1f KiB of slab per namespace\n",
		       slab - bare);
	}
}

int main(void)
{
	double a[RUNS], b[RUNS], view, base;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Three pipes' worth of fds per live namespace (MEM_NS of them). */
	setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 4 * MEM_NS + 64, 4 * MEM_NS + 64 });
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 1;
	mkdir("/tmp/nsdev-bench-view", 0755);
	mkdir("/tmp/nsdev-bench-dev", 0755);
	/*
	 * The baseline is the host's devtmpfs mounted at a path as long and
	 * as deep as the view's: the same path walk, the same mount crossing.
	 */
	mkdir("/tmp/nsdev-bench-devt", 0755);
	if (mount("none", "/tmp/nsdev-bench-view", FSTYPE, 0, NULL) ||
	    mount("devtmpfs", "/tmp/nsdev-bench-devt", "devtmpfs", 0, NULL))
		return 1;
	system("truncate -s 16M /tmp/nsdev-bench.img; chmod 666 /tmp/nsdev-bench.img");

	printf("%-44s %10s %10s %-4s %7s  %-8s %s\n", "metric", "value", "baseline",
	       "unit", "ratio", "target", "verdict");

	for (i = 0; i < RUNS; i++) {
		a[i] = time_stat("/tmp/nsdev-bench-view/null");
		b[i] = time_stat("/tmp/nsdev-bench-devt/null");
	}
	row("stat(null): view vs devtmpfs", median(a, RUNS), median(b, RUNS), "us",
	    "<=1.05x", true, 1.05);
	for (i = 0; i < RUNS; i++) {
		a[i] = time_open("/tmp/nsdev-bench-view/null");
		b[i] = time_open("/tmp/nsdev-bench-devt/null");
	}
	row("open+close(null): view vs devtmpfs", median(a, RUNS), median(b, RUNS), "us",
	    "<=1.05x", true, 1.05);

	for (i = 0; i < RUNS; i++) {
		a[i] = view_once("/tmp/nsdev-bench-dev");
		b[i] = recipe_once("/tmp/nsdev-bench-dev");
	}
	/* For a ratio where bigger is better, baseline over value. */
	view = median(a, RUNS);
	base = median(b, RUNS);
	row("ready /dev: tmpfs recipe / view mount", base, view, "us", ">=10x", false, 10);
	for (i = 0; i < RUNS; i++) {
		struct nschild c;

		a[i] = -1;
		if (!nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT)) {
			a[i] = nschild_call(&c, ns_first_mount, NULL) / 1000.0;
			nschild_stop(&c);
		}
		b[i] = tmpfs_once("/tmp/nsdev-bench-dev");
	}
	row("  the same, first mount in a new namespace", base, median(a, RUNS), "us",
	    ">=10x", false, 10);
	printf("%-44s %10.2f %10.2f %-4s %6.2fx  %-8s %s\n",
	       "  view mount vs a bare tmpfs mount (floor)", view, median(b, RUNS), "us",
	       view / median(b, RUNS), "", "info");

	bench_readdir();

	base = host_loop_median();
	bench_live_namespaces(base, host_add_cycle_remove_median());
	return 0;
}

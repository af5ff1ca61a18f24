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

#define MEM_NS	200

static void drop_caches(void)
{
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	usleep(300 * 1000);
}

/* Slab growth (KiB) for MEM_NS namespaces, each running @fn. */
static double slab_per_ns(nscall_fn fn)
{
	static struct nschild c[MEM_NS];
	char arg[16];
	long before, after;
	int i;

	drop_caches();
	before = slab_kb();
	for (i = 0; i < MEM_NS; i++) {
		if (nschild_start(&c[i], CHILD_ID_BASE, CHILD_ID_COUNT))
			break;
		snprintf(arg, sizeof(arg), "%d", 100000 + 4 * i);
		nschild_call(&c[i], fn, arg);
	}
	drop_caches();
	after = slab_kb();
	while (i--)
		nschild_stop(&c[i]);
	return (double)(after - before) / MEM_NS;
}

int main(void)
{
	double a[RUNS], b[RUNS], view, base;
	struct nschild c;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 1;
	mkdir("/tmp/nsdev-bench-view", 0755);
	mkdir("/tmp/nsdev-bench-dev", 0755);
	if (mount("none", "/tmp/nsdev-bench-view", FSTYPE, 0, NULL))
		return 1;
	system("truncate -s 16M /tmp/nsdev-bench.img; chmod 666 /tmp/nsdev-bench.img");

	printf("%-44s %10s %10s %-4s %7s  %-8s %s\n", "metric", "value", "baseline",
	       "unit", "ratio", "target", "verdict");

	for (i = 0; i < RUNS; i++) {
		a[i] = time_stat("/tmp/nsdev-bench-view/null");
		b[i] = time_stat("/dev/null");
	}
	row("stat(null): view vs devtmpfs", median(a, RUNS), median(b, RUNS), "us",
	    "<=1.05x", true, 1.05);
	for (i = 0; i < RUNS; i++) {
		a[i] = time_open("/tmp/nsdev-bench-view/null");
		b[i] = time_open("/dev/null");
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

	if (nschild_start(&c, CHILD_ID_BASE, CHILD_ID_COUNT))
		return 1;
	base = host_loop_median();
	view = nschild_call(&c, ns_loop_median, NULL);
	row("loop GET_FREE+CONFIGURE+CLR: delegated vs host", view, base, "us", "<=1.2x",
	    true, 1.2);
	nschild_stop(&c);

	base = slab_per_ns(ns_idle);
	view = slab_per_ns(ns_view_and_loops);
	printf("%-44s %10.2f %10.2f %-4s %7s  %-8s %s\n",
	       "slab per namespace: view+4 loops vs bare ns", view, base, "KiB", "",
	       "<64KiB", view - base < 64 ? "met" : "MISSED");
	printf("# view + 4 delegated loop numbers cost %.1f KiB of slab per namespace\n",
	       view - base);
	return 0;
}

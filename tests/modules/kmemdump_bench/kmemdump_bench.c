// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump kernel-side benchmark: times the core's operations with ktime
 * and prints medians on the console, one parseable line per measurement:
 *
 *   KMD-BENCH op=<op> present=<N> n=<samples> median_ns=<ns> min_ns=<ns> max_ns=<ns>
 *
 * present is the number of regions in the table while the timed region is
 * registered (the kernel's own regions included). Nothing is asserted: the
 * host (scripts/bench.sh) only collects the figures. Run it in a guest
 * where the default (no-op) backend is active, so what is timed is the
 * kmemdump core; the replay measurement registers a dummy backend.
 *
 *   reps=N         samples per measurement (default 1001)
 *   replay_reps=N  samples for the backend replay (default 101; each one
 *                  logs two kernel messages)
 *
 * kmemdump_register_backend() logs with pr_info(): lower the console
 * loglevel first (echo 4 > /proc/sys/kernel/printk) or the serial console
 * is timed too, and read the results with dmesg.
 *
 * All the work happens in the init function; the module keeps no region
 * and can be removed right away. (It does not fail its init on purpose:
 * busybox insmod would retry with init_module() and run it twice.)
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmemdump.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>

static unsigned int reps = 1001;
module_param(reps, uint, 0400);
/* kmemdump logs every backend change: fewer samples, less log. */
static unsigned int replay_reps = 101;
module_param(replay_reps, uint, 0400);

#define NSLOTS		CONFIG_KMEMDUMP_MAX_REGIONS
#define BUF_SIZE	64

static char (*bufs)[BUF_SIZE];	/* one distinct buffer per filler region */
static int *ids;		/* IDs of the fillers, in registration order */
static unsigned int nfill;	/* fillers registered now */
static unsigned int base;	/* regions present before the module ran */
static u64 *samples;

static int dummy_register(struct kmemdump_backend *be, enum kmemdump_uid id,
			  const void *vaddr, size_t size)
{
	return 0;
}

static int dummy_unregister(struct kmemdump_backend *be, enum kmemdump_uid id)
{
	return 0;
}

static struct kmemdump_backend dummy_backend = {
	.name = "bench_dummy",
	.register_region = dummy_register,
	.unregister_region = dummy_unregister,
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *op, unsigned int present, unsigned int n)
{
	if (!n) {
		pr_info("KMD-BENCH op=%s present=%u n=0\n", op, present);
		return;
	}
	sort(samples, n, sizeof(*samples), cmp_u64, NULL);
	pr_info("KMD-BENCH op=%s present=%u n=%u median_ns=%llu min_ns=%llu max_ns=%llu\n",
		op, present, n, samples[n / 2], samples[0], samples[n - 1]);
}

/* Bring the table to @present regions (kernel's + fillers). */
static int fill_to(unsigned int present)
{
	while (base + nfill < present) {
		int id = kmemdump_register(bufs[nfill], BUF_SIZE);

		if (id < 0)
			return id;
		ids[nfill++] = id;
	}
	while (base + nfill > present && nfill)
		kmemdump_unregister(ids[--nfill]);
	return 0;
}

static void empty_all(void)
{
	fill_to(base);
}

/*
 * Register and unregister one more region, @reps times, with the table
 * holding @present regions while it is registered.
 */
static void bench_reg_unreg(unsigned int present)
{
	unsigned int i, n = 0;
	u64 *unreg;
	void *p = bufs[NSLOTS];	/* the timed region's buffer */

	if (present <= base || fill_to(present - 1)) {
		pr_info("KMD-BENCH op=register present=%u n=0 skipped\n", present);
		return;
	}
	unreg = kcalloc(reps, sizeof(*unreg), GFP_KERNEL);
	if (!unreg)
		return;
	for (i = 0; i < reps; i++) {
		u64 t0, t1, t2;
		int id;

		t0 = ktime_get_ns();
		id = kmemdump_register(p, BUF_SIZE);
		t1 = ktime_get_ns();
		if (id < 0)
			break;
		kmemdump_unregister(id);
		t2 = ktime_get_ns();
		samples[n] = t1 - t0;
		unreg[n++] = t2 - t1;
	}
	report("register", present, n);
	memcpy(samples, unreg, n * sizeof(*samples));
	report("unregister", present, n);
	kfree(unreg);
}

/*
 * Register with the table full but for one slot: free filler @hole, time
 * registering @id (KMEMDUMP_ID_NO_ID: the allocation searches the ID
 * bitmap) and unregistering again, then give the filler its slot back.
 */
static void bench_hole(const char *op, unsigned int hole, enum kmemdump_uid id)
{
	unsigned int i, n = 0;

	kmemdump_unregister(ids[hole]);
	for (i = 0; i < reps; i++) {
		u64 t0, t1;
		int ret;

		t0 = ktime_get_ns();
		ret = kmemdump_register_id(id, bufs[NSLOTS], BUF_SIZE);
		t1 = ktime_get_ns();
		if (ret < 0)
			break;
		kmemdump_unregister(ret);
		samples[n++] = t1 - t0;
	}
	report(op, base + nfill, n);
	ids[hole] = kmemdump_register(bufs[hole], BUF_SIZE);
	if (ids[hole] < 0)
		ids[hole] = 0;	/* kmemdump_unregister(0) is a harmless -EINVAL */
}

/*
 * ID allocation with one free slot left. "last": the newest filler's ID
 * and slot are free, so the searches go past every used one; "first": the
 * oldest filler's (lowest dynamic ID, an early slot). A predefined ID at
 * the same occupancy needs no allocation (only if the kernel left it free).
 */
static void bench_nearly_full(void)
{
	if (fill_to(NSLOTS) || nfill < 2) {
		pr_info("KMD-BENCH op=noid_nearly_full present=%u n=0 skipped\n",
			base + nfill);
		return;
	}
	bench_hole("noid_nearly_full_last", nfill - 1, KMEMDUMP_ID_NO_ID);
	bench_hole("noid_nearly_full_first", 0, KMEMDUMP_ID_NO_ID);
	bench_hole("predefined_id_nearly_full", nfill - 1,
		   KMEMDUMP_ID_COREIMAGE_ELF);
}

/* kmemdump_register_backend() replays @present regions into the dummy. */
static void bench_replay(unsigned int present)
{
	unsigned int i, n = 0;
	u64 *unreg;

	if (present < base || fill_to(present)) {
		pr_info("KMD-BENCH op=replay_backend present=%u n=0 skipped\n", present);
		return;
	}
	unreg = kcalloc(replay_reps, sizeof(*unreg), GFP_KERNEL);
	if (!unreg)
		return;
	for (i = 0; i < replay_reps; i++) {
		u64 t0, t1, t2;

		t0 = ktime_get_ns();
		if (kmemdump_register_backend(&dummy_backend))
			break;
		t1 = ktime_get_ns();
		kmemdump_unregister_backend(&dummy_backend);
		t2 = ktime_get_ns();
		samples[n] = t1 - t0;
		unreg[n++] = t2 - t1;
	}
	report("register_backend", present, n);
	memcpy(samples, unreg, n * sizeof(*samples));
	report("unregister_backend", present, n);
	kfree(unreg);
}

/* What one ktime_get_ns() pair costs: subtract it mentally from the above. */
static void bench_clock(void)
{
	unsigned int i;

	for (i = 0; i < reps; i++) {
		u64 t0 = ktime_get_ns();

		samples[i] = ktime_get_ns() - t0;
	}
	report("ktime_overhead", 0, reps);
}

static unsigned int count_free(void)
{
	unsigned int n;

	/* Fill until the table refuses: what is left is the kernel's. */
	nfill = 0;
	base = 0;
	while (nfill < NSLOTS) {
		int id = kmemdump_register(bufs[nfill], BUF_SIZE);

		if (id < 0)
			break;
		ids[nfill++] = id;
	}
	n = nfill;
	while (nfill)
		kmemdump_unregister(ids[--nfill]);
	return n;
}

static int __init bench_init(void)
{
	static const unsigned int points[] = { 1, 50, 200 };
	unsigned int i, n;
	int ret = -ENOMEM;

	reps = clamp(reps, 1U, 100000U);
	replay_reps = clamp(replay_reps, 1U, reps);
	bufs = kcalloc(NSLOTS + 1, BUF_SIZE, GFP_KERNEL);
	ids = kcalloc(NSLOTS, sizeof(*ids), GFP_KERNEL);
	samples = kcalloc(reps, sizeof(*samples), GFP_KERNEL);
	if (!bufs || !ids || !samples)
		goto out;

	n = count_free();
	base = NSLOTS - n;
	pr_info("KMD-BENCH table slots=%u kernel_regions=%u free=%u reps=%u\n",
		NSLOTS, base, n, reps);

	bench_clock();
	for (i = 0; i < ARRAY_SIZE(points); i++)
		bench_reg_unreg(max(points[i], base + 1));
	bench_nearly_full();
	for (i = 0; i < ARRAY_SIZE(points); i++)
		bench_replay(max(points[i], base));
	pr_info("KMD-BENCH done\n");
	ret = 0;
out:
	empty_all();
	kfree(samples);
	kfree(ids);
	kfree(bufs);
	return ret;
}
module_init(bench_init);

static void __exit bench_exit(void)
{
}
module_exit(bench_exit);

MODULE_DESCRIPTION("kmemdump kernel-side benchmark (timings on the console)");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump kernel-side benchmark: times the core's operations with ktime
 * and prints medians on the console, one parseable line per measurement:
 *
 *   KMD-BENCH op=<op> present=<N> n=<samples> median_ns=<ns> min_ns=<ns> max_ns=<ns>
 *
 * present is the number of regions in the table while the timed region is
 * registered (the kernel's own regions included). Measured:
 *
 *   register, unregister   a 64-byte region, KMEMDUMP_ID_NO_ID, at the
 *                          kernel's own count + 1, 50 and 200 present
 *   kvmalloc_wrapped       kmemdump_alloc(kvmalloc) + kmemdump_free(kvfree)
 *                          of 256 bytes, timed as one pair, against
 *   kvmalloc_bare          kvmalloc() + kvfree() of 256 bytes, alternating
 *                          in batches in the same boot (the kernel's own
 *                          count + 1, and 200)
 *   register_vmalloc,      a 4-page vmalloc() buffer, KMEMDUMP_ID_NO_ID
 *   unregister_vmalloc     (the same two points)
 *   noid_nearly_full_*, predefined_id_nearly_full, register_backend,
 *   unregister_backend, ktime_overhead: see their functions
 *
 * Two more kinds of line:
 *
 *   KMD-BENCH ratio op=<a>/<b> present=<N> permille=<1000 * median a / median b>
 *   KMD-BENCH slots op=<op> present=<N> fillers=<F>
 *
 * The first compares two measurements of the same boot. The second is for
 * a region that may need page-table pages of its own (the vmalloc buffer):
 * they take table slots too, present counts them, and F fillers were left
 * to make room for them. Nothing is asserted: the
 * host (scripts/bench.sh) only collects the figures. Run it in a guest
 * where the default (no-op) backend is active, so what is timed is the
 * kmemdump core, or with a real backend (scripts/bench.sh: the minidump
 * table over ivshmem), to time it too; the replay measurement, the last,
 * registers a dummy backend, which replaces the active one.
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
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

static unsigned int reps = 1001;
module_param(reps, uint, 0400);
/* kmemdump logs every backend change: fewer samples, less log. */
static unsigned int replay_reps = 101;
module_param(replay_reps, uint, 0400);

#define NSLOTS		CONFIG_KMEMDUMP_MAX_REGIONS
#define BUF_SIZE	64
#define KV_SIZE		256	/* the wrapped and the bare kvmalloc() */
#define KV_BATCH	16	/* pairs timed in a row before the other kind */
#define VM_PAGES	4	/* the NO_ID vmalloc region */

static char (*bufs)[BUF_SIZE];	/* one distinct buffer per filler region */
static int *ids;		/* IDs of the fillers, in registration order */
static unsigned int nfill;	/* fillers registered now */
static unsigned int base;	/* regions present before the module ran */
static u64 *samples;
static void *vbuf;		/* the vmalloc region */

static int dummy_register(struct kmemdump_backend *be, enum kmemdump_uid id,
			  const char *name, const void *vaddr, size_t size)
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

/* Print the line of @n samples; returns the median (0 without samples). */
static u64 report(const char *op, unsigned int present, unsigned int n)
{
	if (!n) {
		pr_info("KMD-BENCH op=%s present=%u n=0\n", op, present);
		return 0;
	}
	sort(samples, n, sizeof(*samples), cmp_u64, NULL);
	pr_info("KMD-BENCH op=%s present=%u n=%u median_ns=%llu min_ns=%llu max_ns=%llu\n",
		op, present, n, samples[n / 2], samples[0], samples[n - 1]);
	return samples[n / 2];
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
 * Table slots in use, the panic reserve included, as count_free() counts
 * them for the kernel's own: fill the free ones with spare buffers (those
 * after the fillers), then give them back.
 */
static unsigned int slots_used(void)
{
	unsigned int k = nfill, used;

	while (k < NSLOTS) {
		int id = kmemdump_register(bufs[k], BUF_SIZE);

		if (id < 0)
			break;
		ids[k++] = id;
	}
	used = NSLOTS - (k - nfill);
	while (k > nfill)
		kmemdump_unregister(ids[--k]);
	return used;
}

/*
 * Register @p (@size bytes) under KMEMDUMP_ID_NO_ID and unregister it,
 * @reps times, with the table holding @present regions while it is
 * registered. A region that needs page-table pages of its own takes more
 * than one slot: if the table has no room for them, fillers make way, and
 * present is what the table then holds.
 */
static void bench_reg_unreg_buf(const char *reg_op, const char *unreg_op,
				unsigned int present, const void *p, size_t size)
{
	unsigned int i, n = 0;
	u64 *unreg;
	int id;

	if (present <= base || fill_to(present - 1)) {
		pr_info("KMD-BENCH op=%s present=%u n=0 skipped\n", reg_op, present);
		return;
	}
	/* Once untimed: room for it, and how many slots it takes. */
	for (;;) {
		id = kmemdump_register(p, size);
		if (id != -ENOSPC || !nfill)
			break;
		kmemdump_unregister(ids[--nfill]);
	}
	if (id < 0) {
		pr_info("KMD-BENCH op=%s present=%u n=0 error=%d\n", reg_op, present, id);
		return;
	}
	if (base + nfill + 1 != present || size > BUF_SIZE) {
		present = slots_used();
		pr_info("KMD-BENCH slots op=%s present=%u fillers=%u\n",
			reg_op, present, nfill);
	}
	kmemdump_unregister(id);
	unreg = kcalloc(reps, sizeof(*unreg), GFP_KERNEL);
	if (!unreg)
		return;
	for (i = 0; i < reps; i++) {
		u64 t0, t1, t2;

		t0 = ktime_get_ns();
		id = kmemdump_register(p, size);
		t1 = ktime_get_ns();
		if (id < 0)
			break;
		kmemdump_unregister(id);
		t2 = ktime_get_ns();
		samples[n] = t1 - t0;
		unreg[n++] = t2 - t1;
	}
	report(reg_op, present, n);
	memcpy(samples, unreg, n * sizeof(*samples));
	report(unreg_op, present, n);
	kfree(unreg);
}

/* One more BUF_SIZE region, @present in the table while it is registered. */
static void bench_reg_unreg(unsigned int present)
{
	bench_reg_unreg_buf("register", "unregister", present, bufs[NSLOTS],
			    BUF_SIZE);
}

/*
 * KMEMDUMP_ID_NO_ID registration of a VM_PAGES-page vmalloc() buffer, and
 * its unregistration: one chunk per page, physically scattered, and the
 * page-table pages that map it.
 */
static void bench_vmalloc_region(unsigned int present)
{
	bench_reg_unreg_buf("register_vmalloc", "unregister_vmalloc", present,
			    vbuf, VM_PAGES * PAGE_SIZE);
}

/*
 * One kvmalloc()/kvfree() pair of KV_SIZE bytes, timed as a whole:
 * wrapped, kmemdump_alloc() registers the memory (KMEMDUMP_ID_NO_ID) and
 * kmemdump_free() finds it by address and unregisters it before the free.
 * Returns U64_MAX if the allocation failed.
 */
static u64 time_kv_pair(bool wrapped)
{
	u64 t0, t1;
	void *p;
	bool ok;

	t0 = ktime_get_ns();
	if (wrapped) {
		p = kmemdump_alloc(KMEMDUMP_ID_NO_ID, KV_SIZE, kvfree, kvmalloc,
				   KV_SIZE, GFP_KERNEL);
		ok = p;
		kmemdump_free(kvfree, p);
	} else {
		p = kvmalloc(KV_SIZE, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(p);
		ok = p;
		kvfree(p);
	}
	t1 = ktime_get_ns();
	return ok ? t1 - t0 : U64_MAX;
}

/*
 * The wrapped pair against the bare one, @reps each, in the same boot,
 * with @present regions in the table while the wrapped one is registered
 * (the bare one runs with one fewer). They alternate in batches of
 * KV_BATCH pairs, and which goes first alternates too (bare, wrapped,
 * wrapped, bare, ...), so that what else the host does falls on both.
 */
static void bench_kvmalloc(unsigned int present)
{
	unsigned int b, half, i, nw = 0, nb = 0;
	u64 *bare, mw, mb;
	void *p;

	if (present <= base || fill_to(present - 1)) {
		pr_info("KMD-BENCH op=kvmalloc_wrapped present=%u n=0 skipped\n",
			present);
		return;
	}
	/*
	 * Untimed: the slots a wrapped allocation takes (the slab usually
	 * hands the same object back): its region, plus the page-table pages
	 * that map it when no other region holds them, which then come and go
	 * with every pair.
	 */
	p = kmemdump_alloc(KMEMDUMP_ID_NO_ID, KV_SIZE, kvfree, kvmalloc,
			   KV_SIZE, GFP_KERNEL);
	if (p) {
		pr_info("KMD-BENCH slots op=kvmalloc_wrapped present=%u fillers=%u\n",
			slots_used(), nfill);
		kmemdump_free(kvfree, p);
	}
	bare = kcalloc(reps, sizeof(*bare), GFP_KERNEL);
	if (!bare)
		return;
	for (b = 0; nw < reps || nb < reps; b++) {
		for (half = 0; half < 2; half++) {
			bool wrapped = (b + half) & 1;
			unsigned int *n = wrapped ? &nw : &nb;
			u64 *s = wrapped ? samples : bare;

			for (i = 0; i < KV_BATCH && *n < reps; i++) {
				u64 t = time_kv_pair(wrapped);

				if (t == U64_MAX)
					goto done;
				s[(*n)++] = t;
			}
		}
	}
done:
	mw = report("kvmalloc_wrapped", present, nw);
	memcpy(samples, bare, nb * sizeof(*samples));
	mb = report("kvmalloc_bare", present, nb);
	if (mw && mb)
		pr_info("KMD-BENCH ratio op=kvmalloc_wrapped/kvmalloc_bare present=%u permille=%llu\n",
			present, div64_u64(mw * 1000, mb));
	kfree(bare);
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
	/* The kernel's own regions + the timed one, then 200. */
	static const unsigned int kv_points[] = { 1, 200 };
	unsigned int i, n;
	int ret = -ENOMEM;

	reps = clamp(reps, 1U, 100000U);
	replay_reps = clamp(replay_reps, 1U, reps);
	bufs = kcalloc(NSLOTS + 1, BUF_SIZE, GFP_KERNEL);
	ids = kcalloc(NSLOTS, sizeof(*ids), GFP_KERNEL);
	samples = kcalloc(reps, sizeof(*samples), GFP_KERNEL);
	vbuf = vmalloc(VM_PAGES * PAGE_SIZE);
	if (!bufs || !ids || !samples || !vbuf)
		goto out;

	n = count_free();
	base = NSLOTS - n;
	pr_info("KMD-BENCH table slots=%u kernel_regions=%u free=%u reps=%u\n",
		NSLOTS, base, n, reps);

	bench_clock();
	for (i = 0; i < ARRAY_SIZE(points); i++)
		bench_reg_unreg(max(points[i], base + 1));
	for (i = 0; i < ARRAY_SIZE(kv_points); i++) {
		bench_kvmalloc(max(kv_points[i], base + 1));
		bench_vmalloc_region(max(kv_points[i], base + 1));
	}
	bench_nearly_full();
	for (i = 0; i < ARRAY_SIZE(points); i++)
		bench_replay(max(points[i], base));
	pr_info("KMD-BENCH done\n");
	ret = 0;
out:
	empty_all();
	vfree(vbuf);
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

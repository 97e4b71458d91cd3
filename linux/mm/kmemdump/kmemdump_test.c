// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kmemdump: registry, IDs, bad input, backends and replay,
 * chunk walking, allocation wrappers, static annotations and concurrency.
 *
 * The registry is global, so every test works relative to what the rest
 * of the kernel registered (linux_banner at least) and leaves it as found.
 * A fake backend mirrors the calls it receives so tests can compare what a
 * backend was told with what kmemdump holds.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/elf.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/pfn.h>
#include <linux/panic.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/sections.h>
#include <linux/unaligned.h>

#include "internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

struct fake_backend {
	struct kmemdump_backend be;
	struct {
		bool present;
		const void *vaddr;
		size_t size;
	} map[KMEMDUMP_ID_END];
	unsigned int nr_present;
	unsigned int calls;	/* register + unregister callbacks */
	unsigned int errors;	/* protocol violations seen */
	unsigned int fail_at;	/* fail the fail_at-th register call (1-based) */
	/* fail_err < 0: refuse; > 0: take the region, return fail_err */
	unsigned int reg_calls;
	int fail_err;
};

static struct fake_backend *to_fake(struct kmemdump_backend *be)
{
	return container_of(be, struct fake_backend, be);
}

static int fake_register(struct kmemdump_backend *be, enum kmemdump_uid id,
			 const void *vaddr, size_t size)
{
	struct fake_backend *f = to_fake(be);

	bool fail;

	f->calls++;
	fail = f->fail_at && ++f->reg_calls == f->fail_at;
	if (fail && f->fail_err <= 0)
		return f->fail_err;
	if (id == KMEMDUMP_ID_NO_ID || (unsigned int)id >= KMEMDUMP_ID_END ||
	    f->map[id].present) {
		f->errors++;
		return -EINVAL;
	}
	f->map[id].present = true;
	f->map[id].vaddr = vaddr;
	f->map[id].size = size;
	f->nr_present++;
	/* A positive "error": the region taken, but a bogus value returned. */
	return fail ? f->fail_err : 0;
}

static int fake_unregister(struct kmemdump_backend *be, enum kmemdump_uid id)
{
	struct fake_backend *f = to_fake(be);

	f->calls++;
	if (id == KMEMDUMP_ID_NO_ID || (unsigned int)id >= KMEMDUMP_ID_END ||
	    !f->map[id].present) {
		f->errors++;
		return -ENOENT;
	}
	/* Touch the memory: KASAN flags it if it was freed before this call. */
	(void)READ_ONCE(*(const char *)f->map[id].vaddr);
	f->map[id].present = false;
	f->nr_present--;
	return 0;
}

static void fake_init(struct fake_backend *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->be.name = name;
	f->be.register_region = fake_register;
	f->be.unregister_region = fake_unregister;
}

static void fake_unregister_action(void *arg)
{
	struct fake_backend *f = arg;

	/* -EINVAL when the test already took it out: that is fine. */
	kmemdump_unregister_backend(&f->be);
}

/* Make @f the backend; an aborted test still takes it out again. */
static int fake_attach(struct kunit *test, struct fake_backend *f)
{
	int ret = kmemdump_register_backend(&f->be);

	if (!ret)
		ret = kunit_add_action_or_reset(test, fake_unregister_action, f);
	return ret;
}

/* Does the fake hold exactly what kmemdump holds? */
struct mirror_check {
	struct fake_backend *f;
	unsigned int seen, mismatches;
};

static void mirror_check_one(const struct kmemdump_region *r, void *arg)
{
	struct mirror_check *c = arg;

	c->seen++;
	if (!c->f->map[r->id].present || c->f->map[r->id].vaddr != r->vaddr ||
	    c->f->map[r->id].size != r->size)
		c->mismatches++;
}

static void expect_mirror(struct kunit *test, struct fake_backend *f)
{
	struct mirror_check c = { .f = f };

	kmemdump_walk_regions(mirror_check_one, &c);
	KUNIT_EXPECT_EQ(test, c.mismatches, 0);
	KUNIT_EXPECT_EQ(test, c.seen, f->nr_present);
	KUNIT_EXPECT_EQ(test, f->errors, 0);
}

struct region_lookup {
	enum kmemdump_uid id;
	const void *vaddr;
	struct kmemdump_region found;
	unsigned int matches;
};

static void region_lookup_one(const struct kmemdump_region *r, void *arg)
{
	struct region_lookup *l = arg;

	if ((l->id && r->id == l->id) || (l->vaddr && r->vaddr == l->vaddr)) {
		l->found = *r;
		l->matches++;
	}
}

static unsigned int lookup(enum kmemdump_uid id, const void *vaddr,
			   struct kmemdump_region *out)
{
	struct region_lookup l = { .id = id, .vaddr = vaddr };

	kmemdump_walk_regions(region_lookup_one, &l);
	if (out)
		*out = l.found;
	return l.matches;
}

static bool backend_is_default(void)
{
	char name[32];

	kmemdump_backend_name(name, sizeof(name));
	return !strcmp(name, "none");
}

static char test_buf[3 * 64];
static struct fake_backend fake_a, fake_b;

static void kmemdump_test_register_unregister(struct kunit *test)
{
	unsigned int before = kmemdump_nr_regions();
	struct kmemdump_region r;
	int id;

	id = kmemdump_register(test_buf, 64);
	KUNIT_ASSERT_GE(test, id, KMEMDUMP_ID_DYNAMIC_START);
	KUNIT_EXPECT_LT(test, id, KMEMDUMP_ID_MAX);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before + 1);
	KUNIT_ASSERT_EQ(test, lookup(id, NULL, &r), 1);
	KUNIT_EXPECT_PTR_EQ(test, r.vaddr, (const void *)test_buf);
	KUNIT_EXPECT_EQ(test, r.size, 64);

	KUNIT_EXPECT_EQ(test, kmemdump_unregister(id), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	KUNIT_EXPECT_EQ(test, lookup(id, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(id), -ENOENT);
}

static void kmemdump_test_predefined_id(struct kunit *test)
{
	enum kmemdump_uid id;
	int ret;

	/* linux_banner is registered at boot: its ID is taken. */
	KUNIT_EXPECT_EQ(test, kmemdump_register_id(KMEMDUMP_ID_LINUX_BANNER,
						   test_buf, 8), -EEXIST);

	for (id = KMEMDUMP_ID_NO_ID + 1; id < KMEMDUMP_ID_DYNAMIC_START; id++)
		if (!lookup(id, NULL, NULL))
			break;
	if (id == KMEMDUMP_ID_DYNAMIC_START)
		kunit_skip(test, "every predefined ID is in use");

	KUNIT_ASSERT_EQ(test, kmemdump_register_id(id, test_buf, 8), id);
	KUNIT_EXPECT_EQ(test, kmemdump_register_id(id, test_buf + 8, 8),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(id), 0);
	/* Free again after unregistering. */
	ret = kmemdump_register_id(id, test_buf + 8, 8);
	KUNIT_EXPECT_EQ(test, ret, id);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(id), 0);
}

static void kmemdump_test_bad_input(struct kunit *test)
{
	unsigned int before = kmemdump_nr_regions();
	bool tainted = test_taint(TAINT_WARN);
	void *v;

	fake_init(&fake_a, "fake_a");
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);

	KUNIT_EXPECT_EQ(test, kmemdump_register(NULL, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_register(test_buf, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_register((void *)(ULONG_MAX - 15), 32),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_register_id(-1, test_buf, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_register_id(KMEMDUMP_ID_DYNAMIC_START,
						   test_buf, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_register_id(KMEMDUMP_ID_MAX, test_buf, 8),
			-EINVAL);
	/* User-space address. */
	KUNIT_EXPECT_EQ(test, kmemdump_register((void *)0x10000, 16), -EFAULT);
	/* vmalloc range running into the unmapped guard page. */
	v = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, kmemdump_register(v, 2 * PAGE_SIZE), -EFAULT);
	vfree(v);

	KUNIT_EXPECT_EQ(test, kmemdump_unregister(KMEMDUMP_ID_NO_ID), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(KMEMDUMP_ID_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(KMEMDUMP_ID_MAX - 1), -ENOENT);

	/* Nothing changed, the backend heard nothing, nothing warned. */
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	KUNIT_EXPECT_EQ(test, fake_a.calls, fake_a.nr_present);
	KUNIT_EXPECT_EQ(test, test_taint(TAINT_WARN), tainted);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), 0);
}

static void kmemdump_test_no_id_reuse(struct kunit *test)
{
	int a, b, c;

	a = kmemdump_register(test_buf, 8);
	b = kmemdump_register(test_buf, 8);
	KUNIT_ASSERT_GT(test, a, 0);
	KUNIT_ASSERT_GT(test, b, 0);
	KUNIT_EXPECT_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(a), 0);
	/*
	 * IDs go round: the ID just freed is not handed out again at once,
	 * so a stale unregister(a) cannot remove c.
	 */
	c = kmemdump_register(test_buf, 8);
	KUNIT_ASSERT_GT(test, c, 0);
	KUNIT_EXPECT_NE(test, c, a);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(a), -ENOENT);
	KUNIT_EXPECT_EQ(test, lookup(c, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(b), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(c), 0);
}

/* IDs a test registered, unregistered when it ends, even aborted. */
struct test_ids {
	unsigned int n;
	int id[CONFIG_KMEMDUMP_MAX_REGIONS];
};

static void test_ids_release(void *arg)
{
	struct test_ids *t = arg;
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->id[i] > 0)
			kmemdump_unregister(t->id[i]);
	t->n = 0;
}

static struct test_ids *test_ids_new(struct kunit *test)
{
	struct test_ids *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_ids_release,
							t), 0);
	return t;
}

static void reserve_close(void *unused)
{
	kmemdump_panic_reserve_open = false;
}

static void kmemdump_test_table_full(struct kunit *test)
{
	unsigned int before = kmemdump_nr_regions(), n;
	struct test_ids *ids = test_ids_new(test);
	enum kmemdump_uid free_id;
	int ret, task;

	while ((ret = kmemdump_register(test_buf, 1)) > 0)
		ids->id[ids->n++] = ret;
	n = ids->n;
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	/* The last slots are the panic path's. */
	KUNIT_EXPECT_EQ(test, n, CONFIG_KMEMDUMP_MAX_REGIONS -
			KMEMDUMP_PANIC_RESERVE - before);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), CONFIG_KMEMDUMP_MAX_REGIONS -
			KMEMDUMP_PANIC_RESERVE);
	/* A free predefined ID is refused too when the table is full. */
	for (free_id = KMEMDUMP_ID_NO_ID + 1;
	     free_id < KMEMDUMP_ID_DYNAMIC_START; free_id++)
		if (!lookup(free_id, NULL, NULL))
			break;
	if (free_id < KMEMDUMP_ID_DYNAMIC_START)
		KUNIT_EXPECT_EQ(test, kmemdump_register_id(free_id, test_buf, 1),
				-ENOSPC);
	/* At panic, the panicking task still gets a slot. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, reserve_close,
							NULL), 0);
	kmemdump_panic_reserve_open = true;
	task = kmemdump_register_id(KMEMDUMP_ID_PANIC_TASK, test_buf, 8);
	kmemdump_panic_reserve_open = false;
	KUNIT_EXPECT_EQ(test, task, KMEMDUMP_ID_PANIC_TASK);
	if (task > 0)
		KUNIT_EXPECT_EQ(test, kmemdump_unregister(task), 0);

	/* One slot freed: NO_ID finds it (with the next free ID). */
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(ids->id[n - 1]), 0);
	ret = kmemdump_register(test_buf, 1);
	KUNIT_EXPECT_GT(test, ret, 0);
	ids->id[n - 1] = ret;
	test_ids_release(ids);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
}

static void kmemdump_test_backend_replay(struct kunit *test)
{
	unsigned int before = kmemdump_nr_regions(), after;
	int early, v_id, late;
	void *v;

	/* Registered before any backend exists. */
	early = kmemdump_register(test_buf, 16);
	KUNIT_ASSERT_GT(test, early, 0);
	v = vmalloc(3 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	v_id = kmemdump_register(v, 3 * PAGE_SIZE);
	KUNIT_ASSERT_GT(test, v_id, 0);
	/* Plus the page-table pages behind the vmalloc area, if new. */
	after = kmemdump_nr_regions();
	KUNIT_EXPECT_GE(test, after, before + 2);

	fake_init(&fake_a, "fake_a");
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);
	KUNIT_EXPECT_FALSE(test, backend_is_default());
	KUNIT_EXPECT_EQ(test, fake_a.nr_present, after);
	KUNIT_EXPECT_TRUE(test, fake_a.map[early].present);
	KUNIT_EXPECT_PTR_EQ(test, fake_a.map[v_id].vaddr, (const void *)v);
	expect_mirror(test, &fake_a);

	/* Live changes reach the backend. */
	late = kmemdump_register(test_buf + 16, 16);
	KUNIT_ASSERT_GT(test, late, 0);
	KUNIT_EXPECT_TRUE(test, fake_a.map[late].present);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(early), 0);
	KUNIT_EXPECT_FALSE(test, fake_a.map[early].present);
	expect_mirror(test, &fake_a);

	/* Leaving: every region is withdrawn, the default takes over. */
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), 0);
	KUNIT_EXPECT_EQ(test, fake_a.nr_present, 0);
	KUNIT_EXPECT_TRUE(test, backend_is_default());
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), after);

	KUNIT_EXPECT_EQ(test, kmemdump_unregister(late), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(v_id), 0);
	vfree(v);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	KUNIT_EXPECT_EQ(test, fake_a.errors, 0);
}

static void kmemdump_test_backend_rules(struct kunit *test)
{
	struct kmemdump_backend incomplete = { .name = "incomplete" };

	incomplete.register_region = fake_register;
	KUNIT_EXPECT_EQ(test, kmemdump_register_backend(&incomplete), -EINVAL);
	incomplete.register_region = NULL;
	incomplete.unregister_region = fake_unregister;
	KUNIT_EXPECT_EQ(test, kmemdump_register_backend(&incomplete), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_register_backend(NULL), -EINVAL);

	fake_init(&fake_a, "fake_a");
	fake_init(&fake_b, "fake_b");
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_register_backend(&fake_a.be), -EEXIST);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_b.be), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), -EINVAL);
	KUNIT_EXPECT_TRUE(test, backend_is_default());
}

/* The seed: a new backend replaces the active one and gets every region. */
static void kmemdump_test_backend_switch(struct kunit *test)
{
	char name[32];

	fake_init(&fake_a, "fake_a");
	fake_init(&fake_b, "fake_b");
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);
	expect_mirror(test, &fake_a);

	/* b fails its last region: a stays, whole; b holds nothing. */
	fake_b.fail_at = kmemdump_nr_regions();
	fake_b.fail_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, kmemdump_register_backend(&fake_b.be), -ENOMEM);
	KUNIT_EXPECT_EQ(test, fake_b.nr_present, 0);
	kmemdump_backend_name(name, sizeof(name));
	KUNIT_EXPECT_STREQ(test, name, "fake_a");
	expect_mirror(test, &fake_a);

	/* b healthy: it takes over, a is emptied. */
	fake_b.fail_at = 0;
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_b), 0);
	KUNIT_EXPECT_EQ(test, fake_a.nr_present, 0);
	kmemdump_backend_name(name, sizeof(name));
	KUNIT_EXPECT_STREQ(test, name, "fake_b");
	expect_mirror(test, &fake_b);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_b.be), 0);
	KUNIT_EXPECT_EQ(test, fake_a.errors + fake_b.errors, 0);
}

/* A backend that returns a positive value does not make it an ID. */
static void kmemdump_test_backend_positive(struct kunit *test)
{
	unsigned int before = kmemdump_nr_regions();

	fake_init(&fake_a, "fake_a");
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);
	fake_a.fail_at = fake_a.reg_calls + 1;
	fake_a.fail_err = 5;
	KUNIT_EXPECT_EQ(test, kmemdump_register(test_buf, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	fake_a.fail_at = 0;
	expect_mirror(test, &fake_a);
}

static void kmemdump_test_failing_replay(struct kunit *test)
{
	unsigned int before = kmemdump_nr_regions();
	int ids[3], i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ids[i] = kmemdump_register(test_buf + i, 1);
		KUNIT_ASSERT_GT(test, ids[i], 0);
	}
	/* Fail on the last region: all accepted ones must be rolled back. */
	fake_init(&fake_a, "fake_a");
	fake_a.fail_at = kmemdump_nr_regions();
	fake_a.fail_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, kmemdump_register_backend(&fake_a.be), -ENOMEM);
	KUNIT_EXPECT_EQ(test, fake_a.nr_present, 0);
	KUNIT_EXPECT_EQ(test, fake_a.errors, 0);
	KUNIT_EXPECT_TRUE(test, backend_is_default());
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before + ARRAY_SIZE(ids));

	/* The same backend, healthy now, gets everything. */
	fake_a.fail_at = 0;
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);
	expect_mirror(test, &fake_a);

	/* A backend error on a live registration refuses the region. */
	fake_a.fail_at = fake_a.reg_calls + 1;
	KUNIT_EXPECT_EQ(test, kmemdump_register(test_buf, 4), -ENOMEM);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before + ARRAY_SIZE(ids));
	fake_a.fail_at = 0;
	expect_mirror(test, &fake_a);

	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), 0);
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		KUNIT_EXPECT_EQ(test, kmemdump_unregister(ids[i]), 0);
}

/* Static annotation in built-in code (or in this module when modular). */
static char kmemdump_test_static[123];
KMEMDUMP_VAR(kmemdump_test_static);

static void kmemdump_test_static_annotation(struct kunit *test)
{
	struct kmemdump_region r;

	KUNIT_ASSERT_EQ(test, lookup(0, kmemdump_test_static, &r), 1);
	KUNIT_EXPECT_EQ(test, r.size, sizeof(kmemdump_test_static));
	KUNIT_EXPECT_GE(test, r.id, KMEMDUMP_ID_DYNAMIC_START);

	/* linux_banner: predefined ID, sized from the final string. */
	KUNIT_ASSERT_EQ(test, lookup(KMEMDUMP_ID_LINUX_BANNER, NULL, &r), 1);
	KUNIT_EXPECT_PTR_EQ(test, r.vaddr, (const void *)linux_banner);
	KUNIT_EXPECT_EQ(test, r.size, strlen(linux_banner) + 1);
}

struct chunk_log {
	unsigned int n;
	size_t total;
	phys_addr_t pa[8];
	const void *va[8];
	size_t len[8];
	int fail_at;
};

static int chunk_record(phys_addr_t phys, const void *vaddr, size_t len,
			void *arg)
{
	struct chunk_log *log = arg;

	if (log->fail_at && log->n + 1 == log->fail_at)
		return -E2BIG;
	if (log->n < ARRAY_SIZE(log->pa)) {
		log->pa[log->n] = phys;
		log->va[log->n] = vaddr;
		log->len[log->n] = len;
	}
	log->n++;
	log->total += len;
	return 0;
}

static void kmemdump_test_chunks_linear(struct kunit *test)
{
	struct chunk_log log = {};
	char *k = kunit_kmalloc(test, 100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_EXPECT_EQ(test, kmemdump_walk_chunks(k, 100, chunk_record, &log), 0);
	KUNIT_EXPECT_EQ(test, log.n, 1);
	KUNIT_EXPECT_EQ(test, log.pa[0], virt_to_phys(k));
	KUNIT_EXPECT_EQ(test, log.len[0], 100);

	memset(&log, 0, sizeof(log));
	KUNIT_EXPECT_EQ(test, kmemdump_walk_chunks(test_buf, 10, chunk_record,
						   &log), 0);
	KUNIT_EXPECT_EQ(test, log.n, 1);
	KUNIT_EXPECT_EQ(test, log.pa[0], __pa_symbol(test_buf));
}

#define CHUNK_TEST_PAGES	5

static int cmp_pfn_desc(const void *a, const void *b)
{
	unsigned long pa = page_to_pfn(*(struct page * const *)a);
	unsigned long pb = page_to_pfn(*(struct page * const *)b);

	return pa < pb ? 1 : pa > pb ? -1 : 0;
}

struct chunk_test_map {
	struct page *pages[CHUNK_TEST_PAGES];
	char *vaddr;
};

static void chunk_test_unmap(void *arg)
{
	struct chunk_test_map *m = arg;
	unsigned int i;

	vunmap(m->vaddr);
	for (i = 0; i < CHUNK_TEST_PAGES; i++)
		__free_page(m->pages[i]);
}

/*
 * Pages mapped in descending pfn order: no page is followed by its
 * physical neighbour, so there is one chunk per page, whatever the page
 * allocator returned. The expected chunks come from the pages we mapped,
 * not from the page tables the code under test reads.
 */
static void kmemdump_test_chunks_vmalloc(struct kunit *test)
{
	const size_t head = 50, size = CHUNK_TEST_PAGES * PAGE_SIZE - 150;
	struct chunk_test_map *m;
	struct chunk_log log = {};
	unsigned int i;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	for (i = 0; i < CHUNK_TEST_PAGES; i++) {
		m->pages[i] = alloc_page(GFP_KERNEL);
		if (!m->pages[i])
			break;
	}
	if (i < CHUNK_TEST_PAGES) {
		while (i--)
			__free_page(m->pages[i]);
		KUNIT_FAIL_AND_ABORT(test, "out of memory");
	}
	sort(m->pages, CHUNK_TEST_PAGES, sizeof(m->pages[0]), cmp_pfn_desc,
	     NULL);
	m->vaddr = vmap(m->pages, CHUNK_TEST_PAGES, VM_MAP, PAGE_KERNEL);
	if (!m->vaddr) {
		for (i = 0; i < CHUNK_TEST_PAGES; i++)
			__free_page(m->pages[i]);
		KUNIT_FAIL_AND_ABORT(test, "vmap failed");
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, chunk_test_unmap,
							m), 0);

	/* Start mid-page, end mid-page: partial first and last chunks. */
	KUNIT_ASSERT_EQ(test, kmemdump_walk_chunks(m->vaddr + head, size,
						   chunk_record, &log), 0);
	KUNIT_EXPECT_EQ(test, log.total, size);
	KUNIT_ASSERT_EQ(test, log.n, CHUNK_TEST_PAGES);
	for (i = 0; i < CHUNK_TEST_PAGES; i++) {
		size_t off = i ? 0 : head;
		size_t len = PAGE_SIZE - off;

		if (i == CHUNK_TEST_PAGES - 1)
			len = head + size - i * PAGE_SIZE;
		KUNIT_EXPECT_EQ(test, log.pa[i], page_to_phys(m->pages[i]) + off);
		KUNIT_EXPECT_PTR_EQ(test, log.va[i],
				    (const void *)(m->vaddr + i * PAGE_SIZE + off));
		KUNIT_EXPECT_EQ(test, log.len[i], len);
	}

	/* The callback's error stops the walk and comes back. */
	memset(&log, 0, sizeof(log));
	log.fail_at = 2;
	KUNIT_EXPECT_EQ(test, kmemdump_walk_chunks(m->vaddr, size, chunk_record,
						   &log), -E2BIG);
	KUNIT_EXPECT_EQ(test, log.n, 1);
}

struct alloc_case {
	const char *name;
	void *(*alloc)(size_t size);
	void (*free)(void *p);
	size_t size;
	bool zeroed;
};

static void *a_kmalloc(size_t s)
{
	return kmemdump_kmalloc(KMEMDUMP_ID_NO_ID, s, GFP_KERNEL);
}

static void *a_kzalloc(size_t s)
{
	return kmemdump_kzalloc(KMEMDUMP_ID_NO_ID, s, GFP_KERNEL);
}

static void *a_vmalloc(size_t s)
{
	return kmemdump_vmalloc(KMEMDUMP_ID_NO_ID, s);
}

static void *a_vzalloc(size_t s)
{
	return kmemdump_vzalloc(KMEMDUMP_ID_NO_ID, s);
}

/* Order 1: the size is fixed by alloc_cases[]. */
static void *a_pages(size_t s)
{
	return (void *)kmemdump_get_free_pages(KMEMDUMP_ID_NO_ID, GFP_KERNEL, 1);
}

static void f_kfree(void *p)
{
	kmemdump_kfree(p);
}

static void f_vfree(void *p)
{
	kmemdump_vfree(p);
}

static void f_pages(void *p)
{
	kmemdump_free_pages((unsigned long)p, 1);
}

static const struct alloc_case alloc_cases[] = {
	{ "kmalloc", a_kmalloc, f_kfree, 300, false },
	{ "kzalloc", a_kzalloc, f_kfree, 300, true },
	{ "vmalloc", a_vmalloc, f_vfree, 3 * PAGE_SIZE + 7, false },
	{ "vzalloc", a_vzalloc, f_vfree, 3 * PAGE_SIZE + 7, true },
	{ "pages", a_pages, f_pages, 2 * PAGE_SIZE, false },
};

static void alloc_case_desc(const struct alloc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alloc, alloc_cases, alloc_case_desc);

static void kmemdump_test_alloc_wrappers(struct kunit *test)
{
	const struct alloc_case *c = test->param_value;
	unsigned int before = kmemdump_nr_regions();
	struct chunk_log log = {};
	struct kmemdump_region r;
	char *p;

	fake_init(&fake_a, "fake_a");
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);

	p = c->alloc(c->size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, lookup(0, p, &r), 1);
	KUNIT_EXPECT_EQ(test, r.size, c->size);
	KUNIT_EXPECT_TRUE(test, r.flags & KMEMDUMP_REGION_ALLOC);
	KUNIT_EXPECT_TRUE(test, fake_a.map[r.id].present);
	if (c->zeroed)
		KUNIT_EXPECT_TRUE(test, !memchr_inv(p, 0, c->size));
	KUNIT_EXPECT_EQ(test, kmemdump_walk_chunks(p, c->size, chunk_record,
						   &log), 0);
	KUNIT_EXPECT_EQ(test, log.total, c->size);

	/* fake_unregister reads the memory: KASAN catches free-before-unregister. */
	c->free(p);
	KUNIT_EXPECT_EQ(test, lookup(0, p, NULL), 0);
	KUNIT_EXPECT_FALSE(test, fake_a.map[r.id].present);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);

	/* A registration failure leaves nothing allocated or registered. */
	fake_a.fail_at = fake_a.reg_calls + 1;
	fake_a.fail_err = -ENOMEM;
	KUNIT_EXPECT_NULL(test, c->alloc(c->size));
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	KUNIT_EXPECT_EQ(test, fake_a.errors, 0);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), 0);
}

/* The generic wrapper, kmemdump_alloc(): any allocator, its own free. */
static unsigned int macro_frees;
static struct kmem_cache *macro_cache;

static void m_kfree(const void *p)
{
	macro_frees++;
	kfree(p);
}

static void m_kvfree(const void *p)
{
	macro_frees++;
	kvfree(p);
}

static void m_vfree(const void *p)
{
	macro_frees++;
	vfree(p);
}

static void m_cache_free(void *p)
{
	macro_frees++;
	kmem_cache_free(macro_cache, p);
}

static void m_pages_free(void *p, size_t size)
{
	macro_frees++;
	free_pages_exact(p, size);
}

#define MACRO_SIZE	(3 * PAGE_SIZE + 5)
#define MACRO_OBJ	96

static void *macro_alloc(int which, enum kmemdump_uid id)
{
	switch (which) {
	case 0:
		return kmemdump_alloc(id, MACRO_SIZE, m_kfree, kmalloc,
				      MACRO_SIZE, GFP_KERNEL);
	case 1:
		return kmemdump_alloc(id, MACRO_SIZE, m_kvfree, kvmalloc,
				      MACRO_SIZE, GFP_KERNEL);
	case 2:
		return kmemdump_alloc(id, MACRO_SIZE, m_vfree, vmalloc,
				      MACRO_SIZE);
	case 3:
		return kmemdump_alloc(id, MACRO_OBJ, m_cache_free,
				      kmem_cache_alloc, macro_cache, GFP_KERNEL);
	default:
		return kmemdump_alloc_sized(id, MACRO_SIZE, m_pages_free,
					    alloc_pages_exact, MACRO_SIZE,
					    GFP_KERNEL);
	}
}

static void macro_free(int which, void *p)
{
	switch (which) {
	case 0:
		kmemdump_free(m_kfree, p);
		break;
	case 1:
		kmemdump_free(m_kvfree, p);
		break;
	case 2:
		kmemdump_free(m_vfree, p);
		break;
	case 3:
		kmemdump_free(m_cache_free, p);
		break;
	default:
		kmemdump_free_sized(m_pages_free, p, MACRO_SIZE);
	}
}

static const char * const macro_names[] = {
	"kmalloc", "kvmalloc", "vmalloc", "kmem_cache_alloc", "alloc_pages_exact",
};

static void macro_desc(const char * const *name, char *desc)
{
	strscpy(desc, *name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(macro, macro_names, macro_desc);

static void macro_cache_destroy(void *unused)
{
	kmem_cache_destroy(macro_cache);
	macro_cache = NULL;
}

static void kmemdump_test_alloc_macro(struct kunit *test)
{
	int which = (const char * const *)test->param_value - macro_names;
	size_t size = which == 3 ? MACRO_OBJ : MACRO_SIZE;
	unsigned int before = kmemdump_nr_regions();
	struct kmemdump_region r;
	void *p;

	macro_cache = kmem_cache_create("kmemdump_test", MACRO_OBJ, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, macro_cache);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, macro_cache_destroy,
							NULL), 0);
	fake_init(&fake_a, "fake_a");
	KUNIT_ASSERT_EQ(test, fake_attach(test, &fake_a), 0);
	macro_frees = 0;

	p = macro_alloc(which, KMEMDUMP_ID_NO_ID);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, lookup(0, p, &r), 1);
	KUNIT_EXPECT_EQ(test, r.size, size);
	KUNIT_EXPECT_TRUE(test, r.flags & KMEMDUMP_REGION_ALLOC);
	KUNIT_EXPECT_TRUE(test, fake_a.map[r.id].present);
	/* Unregistered before freed: fake_unregister reads it (KASAN). */
	macro_free(which, p);
	KUNIT_EXPECT_EQ(test, macro_frees, 1);
	KUNIT_EXPECT_EQ(test, lookup(0, p, NULL), 0);
	KUNIT_EXPECT_FALSE(test, fake_a.map[r.id].present);

	/* The registration fails: the memory is freed again, NULL returned. */
	fake_a.fail_at = fake_a.reg_calls + 1;
	fake_a.fail_err = -ENOMEM;
	KUNIT_EXPECT_NULL(test, macro_alloc(which, KMEMDUMP_ID_NO_ID));
	KUNIT_EXPECT_EQ(test, macro_frees, 2);
	/* A predefined ID already taken: the same. */
	fake_a.fail_at = 0;
	KUNIT_EXPECT_NULL(test, macro_alloc(which, KMEMDUMP_ID_LINUX_BANNER));
	KUNIT_EXPECT_EQ(test, macro_frees, 3);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	KUNIT_EXPECT_EQ(test, fake_a.errors, 0);
}

/* Memory that is not for kmemdump: __init (freed), device memory (MMIO). */
static void kmemdump_test_refused_memory(struct kunit *test)
{
	phys_addr_t mmio;
	void __iomem *io;

	KUNIT_EXPECT_EQ(test, kmemdump_register(__init_begin, 16), -EFAULT);
	KUNIT_EXPECT_EQ(test, kmemdump_register(__init_end - 8, 16), -EFAULT);
	/* Past the last section of RAM: no struct page, not RAM. */
	mmio = ALIGN(PFN_PHYS(max_pfn), 1ULL << SECTION_SIZE_BITS);
	KUNIT_ASSERT_FALSE(test, pfn_valid(PHYS_PFN(mmio)));
	io = ioremap(mmio, PAGE_SIZE);
	if (!io)
		kunit_skip(test, "cannot ioremap %pa", &mmio);
	KUNIT_EXPECT_EQ(test, kmemdump_register((__force void *)io, 64), -EFAULT);
	iounmap(io);
}

/* Memory holding a region cannot go offline (the memory notifier's check). */
static void kmemdump_test_offline(struct kunit *test)
{
	char *buf = kunit_kmalloc(test, 64, GFP_KERNEL);
	unsigned long pfn;
	int id;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	pfn = PHYS_PFN(virt_to_phys(buf));
	KUNIT_EXPECT_EQ(test, kmemdump_offline_check(pfn, 1), 0);
	id = kmemdump_register(buf, 64);
	KUNIT_ASSERT_GT(test, id, 0);
	KUNIT_EXPECT_EQ(test, kmemdump_offline_check(pfn, 1), -EBUSY);
	KUNIT_EXPECT_EQ(test, kmemdump_offline_check(pfn > 16 ? pfn - 16 : 0, 32),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(id), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_offline_check(pfn, 1), 0);
}

/* Registering from hard interrupt context, also on PREEMPT_RT. */
struct hardirq_ctx {
	struct hrtimer timer;
	struct completion done;
	int reg, unreg;
	bool in_hardirq;
};

static enum hrtimer_restart hardirq_fn(struct hrtimer *t)
{
	struct hardirq_ctx *c = container_of(t, struct hardirq_ctx, timer);

	c->in_hardirq = in_hardirq();
	c->reg = kmemdump_register(test_buf, 32);
	c->unreg = c->reg > 0 ? kmemdump_unregister(c->reg) : -1;
	complete(&c->done);
	return HRTIMER_NORESTART;
}

static void hardirq_cancel(void *arg)
{
	hrtimer_cancel(arg);
}

static void kmemdump_test_hardirq(struct kunit *test)
{
	struct hardirq_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_completion(&c->done);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = hardirq_fn;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hardirq_cancel,
							&c->timer), 0);
	hrtimer_start(&c->timer, ns_to_ktime(1000), HRTIMER_MODE_REL_HARD);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&c->done, 10 * HZ));
	KUNIT_EXPECT_TRUE(test, c->in_hardirq);
	KUNIT_EXPECT_GT(test, c->reg, 0);
	KUNIT_EXPECT_EQ(test, c->unreg, 0);
}

static void kmemdump_test_alloc_zero_size(struct kunit *test)
{
	unsigned int before = kmemdump_nr_regions();

	KUNIT_EXPECT_NULL(test, kmemdump_kmalloc(KMEMDUMP_ID_NO_ID, 0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, kmemdump_vmalloc(KMEMDUMP_ID_NO_ID, 0));
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	/* NULL is a no-op for the free wrappers, as for kfree(). */
	kmemdump_kfree(NULL);
	kmemdump_vfree(NULL);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
}

#ifndef MODULE
/*
 * memblock only hands out memory before the slab allocator is up, long
 * before KUnit runs: "kmemdump_test_memblock" on the command line makes
 * this __setup hook exercise the wrapper then and leave the results here.
 */
static void *memblock_kept;
static int memblock_kept_id;
static unsigned int memblock_before, memblock_after_free;
static bool memblock_ran;

static int __init kmemdump_test_memblock_setup(char *unused)
{
	void *p;

	memblock_before = kmemdump_nr_regions();
	p = kmemdump_memblock_alloc(KMEMDUMP_ID_NO_ID, PAGE_SIZE + 5, SMP_CACHE_BYTES);
	kmemdump_memblock_free(p, PAGE_SIZE + 5);
	memblock_after_free = kmemdump_nr_regions();
	memblock_kept = kmemdump_memblock_alloc(KMEMDUMP_ID_NO_ID, 3 * PAGE_SIZE,
						PAGE_SIZE);
	memblock_ran = p && memblock_kept;
	return 1;
}
__setup("kmemdump_test_memblock", kmemdump_test_memblock_setup);

static void kmemdump_test_memblock_wrappers(struct kunit *test)
{
	struct kmemdump_region r;

	if (!memblock_ran)
		kunit_skip(test, "boot without kmemdump_test_memblock");
	KUNIT_EXPECT_EQ(test, memblock_after_free, memblock_before);
	KUNIT_ASSERT_EQ(test, lookup(0, memblock_kept, &r), 1);
	memblock_kept_id = r.id;
	KUNIT_EXPECT_EQ(test, r.size, 3 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, r.flags & KMEMDUMP_REGION_ALLOC);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(memblock_kept, 0, 3 * PAGE_SIZE));
	/* The memory now belongs to the kernel for good: just unregister it. */
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(memblock_kept_id), 0);
}
#endif

static void kmemdump_test_id_name(struct kunit *test)
{
	char buf[KMEMDUMP_NAME_LEN];

	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_LINUX_BANNER, buf,
					       sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "linux_banner");
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_DYNAMIC_START + 2, buf,
					       sizeof(buf)), 0);
	snprintf(test_buf, sizeof(test_buf), "dyn%d", KMEMDUMP_ID_DYNAMIC_START + 2);
	KUNIT_EXPECT_STREQ(test, buf, test_buf);
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_MAX - 1, buf,
					       sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_LINUX_BANNER, buf, 4),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_NO_ID, buf,
					       sizeof(buf)), -EINVAL);
	/* kmemdump's own page-table pages, after the dynamic range. */
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_MAX + 1, buf,
					       sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "pgt1");
	/* Then each CPU's current task and stack. */
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_CPU_START, buf,
					       sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "cpu0_task");
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_END - 1, buf,
					       sizeof(buf)), 0);
	snprintf(test_buf, sizeof(test_buf), "cpu%d_stack",
		 KMEMDUMP_MAX_CPU_SLOTS - 1);
	KUNIT_EXPECT_STREQ(test, buf, test_buf);
	KUNIT_EXPECT_EQ(test, kmemdump_id_name(KMEMDUMP_ID_END, buf,
					       sizeof(buf)), -EINVAL);
}

#if defined(CONFIG_MODULES) && defined(CONFIG_KALLSYMS)
/*
 * Section attributes laid out like kernel/module/sysfs.c's: the attribute
 * group first, then the NULL-terminated pointer array, the names last.
 */
struct fake_sects {
	struct attribute_group grp;
	struct bin_attribute battr[2];
	struct bin_attribute *ptrs[3];
	char names[16];
};

struct fake_module {
	struct module mod;
	struct fake_sects sects;
};

static struct fake_module *fake_module_new(struct kunit *test, const char *name)
{
	struct fake_module *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	strscpy(f->mod.name, name, sizeof(f->mod.name));
	memcpy(f->sects.names, ".text\0.data", 12);
	f->sects.battr[0].attr.name = f->sects.names;
	f->sects.battr[1].attr.name = f->sects.names + 6;
	for (i = 0; i < 2; i++)
		f->sects.ptrs[i] = &f->sects.battr[i];
	f->sects.grp.bin_attrs = f->sects.ptrs;
	f->mod.sect_attrs = (void *)&f->sects;
	return f;
}

static void fake_module_going(void *arg)
{
	kmemdump_module_going(arg);
}

/* The size of the region registered at @vaddr, 0 if none is. */
static size_t region_size_at(const void *vaddr)
{
	struct kmemdump_region r;

	return lookup(KMEMDUMP_ID_NO_ID, vaddr, &r) == 1 ? r.size : 0;
}

/*
 * A module's struct module is registered when it comes, its section
 * attributes when it is live: one region from the attribute group to the
 * end of the last section name. Attributes whose names lie elsewhere are
 * refused; the struct module stays.
 */
static void kmemdump_test_module_data(struct kunit *test)
{
	/* The group, 2 attributes, 3 pointers, ".text" and ".data". */
	size_t attrs_size = offsetof(struct fake_sects, names) + 12;
	unsigned int before = kmemdump_nr_regions();
	static const char elsewhere[] = ".rodata";
	struct fake_module *a, *b;

	a = fake_module_new(test, "kmd_fake_a");
	b = fake_module_new(test, "kmd_fake_b");
	b->sects.battr[1].attr.name = elsewhere;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_module_going,
							&a->mod), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_module_going,
							&b->mod), 0);

	kmemdump_module_coming(&a->mod);
	KUNIT_EXPECT_EQ(test, region_size_at(&a->mod), sizeof(struct module));
	KUNIT_EXPECT_EQ(test, region_size_at(&a->sects), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before + 1);
	kmemdump_module_live(&a->mod);
	KUNIT_EXPECT_EQ(test, region_size_at(&a->sects), attrs_size);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before + 2);

	kmemdump_module_coming(&b->mod);
	kmemdump_module_live(&b->mod);
	KUNIT_EXPECT_EQ(test, region_size_at(&b->mod), sizeof(struct module));
	KUNIT_EXPECT_EQ(test, region_size_at(&b->sects), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before + 3);

	kmemdump_module_going(&a->mod);
	KUNIT_EXPECT_EQ(test, region_size_at(&a->mod), 0);
	KUNIT_EXPECT_EQ(test, region_size_at(&a->sects), 0);
	kmemdump_module_going(&b->mod);
	KUNIT_EXPECT_EQ(test, region_size_at(&b->mod), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
}
#endif

#ifdef CONFIG_KMEMDUMP_COREIMAGE
struct coreimage_view {
	const struct elf64_hdr *eh;
	const struct elf64_phdr *ph;	/* PT_LOADs: ph[0 .. nr) */
	const u8 *names;		/* their 24-byte name entries */
	unsigned int nr;
	size_t size;
	u64 generation;
};

static void coreimage_view(struct kunit *test, struct coreimage_view *v)
{
	const u8 *hdr = kmemdump_coreimage_header(&v->size);
	const u8 *at;

	KUNIT_ASSERT_NOT_NULL(test, hdr);
	v->eh = (const void *)hdr;
	KUNIT_ASSERT_EQ(test, memcmp(v->eh->e_ident, ELFMAG, SELFMAG), 0);
	KUNIT_ASSERT_EQ(test, v->eh->e_type, ET_CORE);
	v->ph = (const struct elf64_phdr *)(hdr + v->eh->e_phoff) + 1;
	KUNIT_ASSERT_EQ(test, v->ph[-1].p_type, PT_NOTE);
	v->nr = v->eh->e_phnum - 1;
	at = memchr(hdr + v->eh->e_phoff, 'K', v->size - v->eh->e_phoff);
	while (at && memcmp(at, "KMDNAMES", 8))
		at = memchr(at + 1, 'K', hdr + v->size - at - 1);
	KUNIT_ASSERT_NOT_NULL(test, at);
	KUNIT_ASSERT_EQ(test, get_unaligned_le32(at + 8), v->nr);
	v->generation = get_unaligned_le64(at + 16);
	v->names = at + 24;
}

/* Index of the first PT_LOAD at @vaddr, or -1. */
static int coreimage_find(const struct coreimage_view *v, const void *vaddr)
{
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		if (v->ph[i].p_vaddr == (unsigned long)vaddr)
			return i;
	return -1;
}

/* PT_LOADs are laid end to end after the header, each with its name. */
static void coreimage_expect_consistent(struct kunit *test,
					const struct coreimage_view *v)
{
	u64 off = v->size;
	unsigned int i;

	for (i = 0; i < v->nr; i++) {
		KUNIT_EXPECT_EQ(test, v->ph[i].p_type, PT_LOAD);
		KUNIT_EXPECT_EQ(test, v->ph[i].p_offset, off);
		KUNIT_EXPECT_EQ(test, v->ph[i].p_filesz, v->ph[i].p_memsz);
		off += v->ph[i].p_filesz;
	}
}

static void kmemdump_test_coreimage(struct kunit *test)
{
	struct coreimage_view v;
	char name[KMEMDUMP_NAME_LEN];
	int lin, vm, i, j, before;
	char *p;

	coreimage_view(test, &v);
	before = v.nr;
	coreimage_expect_consistent(test, &v);

	p = vmalloc(3 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, p);
	lin = kmemdump_register(test_buf, 100);
	vm = kmemdump_register(p, 3 * PAGE_SIZE);
	KUNIT_ASSERT_GT(test, lin, 0);
	KUNIT_ASSERT_GT(test, vm, 0);

	coreimage_view(test, &v);
	coreimage_expect_consistent(test, &v);
	i = coreimage_find(&v, test_buf);
	KUNIT_ASSERT_GE(test, i, 0);
	KUNIT_EXPECT_EQ(test, v.ph[i].p_paddr, __pa_symbol(test_buf));
	KUNIT_EXPECT_EQ(test, v.ph[i].p_filesz, 100);
	kmemdump_id_name(lin, name, sizeof(name));
	KUNIT_EXPECT_STREQ(test, (const char *)v.names + 24 * i, name);
	/* The vmalloc region: one PT_LOAD per physical chunk, seq 0, 1, ... */
	j = coreimage_find(&v, p);
	KUNIT_ASSERT_GE(test, j, 0);
	kmemdump_id_name(vm, name, sizeof(name));
	for (i = j; i < v.nr && !strcmp((const char *)v.names + 24 * i, name); i++) {
		const char *va = (const char *)v.ph[i].p_vaddr;

		KUNIT_EXPECT_EQ(test, get_unaligned_le32(v.names + 24 * i + 16), i - j);
		KUNIT_EXPECT_EQ(test, v.ph[i].p_paddr,
				page_to_phys(vmalloc_to_page(va)));
	}
	KUNIT_EXPECT_EQ(test, v.ph[i - 1].p_vaddr + v.ph[i - 1].p_filesz,
			(unsigned long)p + 3 * PAGE_SIZE);

	/* Cut out again; what follows moves down, still end to end. */
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(lin), 0);
	coreimage_view(test, &v);
	coreimage_expect_consistent(test, &v);
	KUNIT_EXPECT_LT(test, coreimage_find(&v, test_buf), 0);
	KUNIT_EXPECT_GE(test, coreimage_find(&v, p), 0);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister(vm), 0);
	coreimage_view(test, &v);
	KUNIT_EXPECT_EQ(test, v.nr, before);
	KUNIT_EXPECT_LT(test, coreimage_find(&v, p), 0);
	vfree(p);
}
#endif

#define STRESS_THREADS	4
#define STRESS_SWAPS	200

struct stress_ctx {
	atomic_t stop;
	atomic_t bad;
	atomic_t ops;
	char buf[STRESS_THREADS][32];
};

static int stress_thread(void *arg)
{
	struct stress_ctx *ctx = arg;
	static atomic_t next;
	int me = atomic_inc_return(&next) % STRESS_THREADS;
	int id;

	while (!atomic_read(&ctx->stop)) {
		id = kmemdump_register(ctx->buf[me], sizeof(ctx->buf[me]));
		if (id > 0) {
			if (kmemdump_unregister(id))
				atomic_inc(&ctx->bad);
		} else if (id != -ENOSPC) {
			atomic_inc(&ctx->bad);
		}
		atomic_inc(&ctx->ops);
		cond_resched();
	}
	return 0;
}

static void kmemdump_test_concurrency(struct kunit *test)
{
	struct task_struct *tasks[STRESS_THREADS];
	unsigned int before = kmemdump_nr_regions(), i;
	struct stress_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	fake_init(&fake_a, "fake_a");
	fake_init(&fake_b, "fake_b");

	for (i = 0; i < STRESS_THREADS; i++) {
		tasks[i] = kthread_run(stress_thread, ctx, "kmemdump_stress/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tasks[i]));
		get_task_struct(tasks[i]);
	}
	for (i = 0; i < STRESS_SWAPS; i++) {
		struct fake_backend *f = i & 1 ? &fake_b : &fake_a;
		struct fake_backend *other = i & 1 ? &fake_a : &fake_b;

		/* Straight from one backend to the other, mid-storm. */
		KUNIT_EXPECT_EQ(test, fake_attach(test, f), 0);
		/* Once replaced, a backend holds nothing. */
		KUNIT_EXPECT_EQ(test, other->nr_present, 0);
		usleep_range(50, 100);
		if (i % 10 == 9) {
			KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&f->be), 0);
			KUNIT_EXPECT_EQ(test, f->nr_present, 0);
		}
	}
	/* Leave fake_a in while the threads finish, then compare. */
	KUNIT_EXPECT_EQ(test, fake_attach(test, &fake_a), 0);
	atomic_set(&ctx->stop, 1);
	for (i = 0; i < STRESS_THREADS; i++) {
		kthread_stop(tasks[i]);
		put_task_struct(tasks[i]);
	}
	expect_mirror(test, &fake_a);
	KUNIT_EXPECT_EQ(test, kmemdump_unregister_backend(&fake_a.be), 0);

	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->bad), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&ctx->ops), STRESS_THREADS);
	KUNIT_EXPECT_EQ(test, fake_a.errors + fake_b.errors, 0);
	KUNIT_EXPECT_EQ(test, kmemdump_nr_regions(), before);
	kunit_info(test, "%d register/unregister pairs across %d backend swaps\n",
		   atomic_read(&ctx->ops), STRESS_SWAPS);
}

static int kmemdump_test_init(struct kunit *test)
{
	/* Backend tests would take over, or be refused by, a real backend. */
	if (!backend_is_default())
		kunit_skip(test, "a real kmemdump backend is active");
	return 0;
}

static struct kunit_case kmemdump_test_cases[] = {
	KUNIT_CASE(kmemdump_test_register_unregister),
	KUNIT_CASE(kmemdump_test_predefined_id),
	KUNIT_CASE(kmemdump_test_bad_input),
	KUNIT_CASE(kmemdump_test_no_id_reuse),
	KUNIT_CASE(kmemdump_test_table_full),
	KUNIT_CASE(kmemdump_test_backend_replay),
	KUNIT_CASE(kmemdump_test_backend_rules),
	KUNIT_CASE(kmemdump_test_backend_switch),
	KUNIT_CASE(kmemdump_test_backend_positive),
	KUNIT_CASE(kmemdump_test_failing_replay),
	KUNIT_CASE(kmemdump_test_static_annotation),
	KUNIT_CASE(kmemdump_test_chunks_linear),
	KUNIT_CASE(kmemdump_test_chunks_vmalloc),
	KUNIT_CASE_PARAM(kmemdump_test_alloc_wrappers, alloc_gen_params),
	KUNIT_CASE(kmemdump_test_alloc_zero_size),
	KUNIT_CASE_PARAM(kmemdump_test_alloc_macro, macro_gen_params),
	KUNIT_CASE(kmemdump_test_refused_memory),
	KUNIT_CASE(kmemdump_test_offline),
	KUNIT_CASE(kmemdump_test_hardirq),
#ifndef MODULE
	KUNIT_CASE(kmemdump_test_memblock_wrappers),
#endif
	KUNIT_CASE(kmemdump_test_id_name),
#if defined(CONFIG_MODULES) && defined(CONFIG_KALLSYMS)
	KUNIT_CASE(kmemdump_test_module_data),
#endif
#ifdef CONFIG_KMEMDUMP_COREIMAGE
	KUNIT_CASE(kmemdump_test_coreimage),
#endif
	KUNIT_CASE_SLOW(kmemdump_test_concurrency),
	{}
};

static struct kunit_suite kmemdump_test_suite = {
	.name = "kmemdump",
	.init = kmemdump_test_init,
	.test_cases = kmemdump_test_cases,
};

kunit_test_suite(kmemdump_test_suite);

MODULE_DESCRIPTION("KUnit tests for kmemdump");
MODULE_LICENSE("GPL");

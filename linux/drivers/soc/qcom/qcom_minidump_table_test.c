// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the Qualcomm minidump table backend.
 *
 * Each test builds a table over fake shared memory (a kmalloc'd buffer
 * laid out like the ivshmem transport's: TOC at 0, region array at 4096),
 * plays the firmware's part by initialising the TOC, and drives the
 * backend's callbacks directly, as kmemdump would, without making it
 * kmemdump's backend: that is global state other tests and drivers may
 * own. After every step the test reads the table the way firmware would.
 * Only the last test registers the backend with kmemdump, and only while
 * no real backend is active.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/elf.h>
#include <linux/completion.h>
#include <linux/io.h>
#include <linux/kmemdump.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/soc/qcom/minidump_table.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define MD_TEST_ARRAY_OFFSET	4096
#define MD_TEST_SCATTERED_PAGES	3

struct md_fixture {
	struct qcom_md_table t;
	void *shm;
	size_t shm_len;
	struct qcom_md_toc *toc;
	struct qcom_md_region *arrays;	/* two arrays of @capacity entries */
	phys_addr_t arrays_phys;
	unsigned int capacity;
};

/* What boot firmware does before Linux starts. */
static void md_fw_init_toc(struct qcom_md_toc *toc)
{
	toc->status = cpu_to_le32(QCOM_MD_TOC_STATUS_INIT);
	toc->md_revision = cpu_to_le32(QCOM_MD_REVISION);
	toc->enabled = cpu_to_le32(QCOM_MD_ENABLED);
}

/* Fake shared memory with a firmware-initialised TOC; table not set up. */
static struct md_fixture *md_alloc(struct kunit *test, unsigned int capacity)
{
	struct md_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	f->capacity = capacity;
	f->shm_len = MD_TEST_ARRAY_OFFSET +
		     2 * capacity * sizeof(struct qcom_md_region);
	f->shm = kunit_kzalloc(test, f->shm_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->shm);
	f->toc = f->shm;
	f->arrays = f->shm + MD_TEST_ARRAY_OFFSET;
	/* kmalloc memory is in the linear map: virt_to_phys() is right. */
	f->arrays_phys = virt_to_phys(f->arrays);
	md_fw_init_toc(f->toc);
	return f;
}

/* Withdraw what a failed test left behind, then free the table. */
static void md_cleanup(void *arg)
{
	struct md_fixture *f = arg;
	struct qcom_md_table *t = &f->t;
	unsigned int i;

	for (i = 0; i < t->capacity; i++)
		if (t->owner[i] != KMEMDUMP_ID_NO_ID)
			t->be.unregister_region(&t->be, t->owner[i]);
	qcom_md_table_destroy(t);
}

static struct md_fixture *md_setup(struct kunit *test, unsigned int capacity)
{
	struct md_fixture *f = md_alloc(test, capacity);

	KUNIT_ASSERT_EQ(test, qcom_md_table_init(&f->t, "md_test", f->toc,
						 f->arrays, f->arrays_phys,
						 capacity), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_cleanup, f),
			0);
	/* Context switches would publish in the middle of a test's steps. */
	f->t.be.follow_cpus = false;
	return f;
}

/* One kmemdump operation: the callback, then the commit kmemdump adds. */
static int md_reg(struct md_fixture *f, enum kmemdump_uid id,
		  const void *vaddr, size_t size)
{
	int ret = f->t.be.register_region(&f->t.be, id, vaddr, size);

	f->t.be.commit(&f->t.be);
	return ret;
}

static int md_unreg(struct md_fixture *f, enum kmemdump_uid id)
{
	int ret = f->t.be.unregister_region(&f->t.be, id);

	f->t.be.commit(&f->t.be);
	return ret;
}

static struct qcom_md_subsystem *md_ss(struct md_fixture *f)
{
	return &f->toc->subsys[QCOM_MD_SUBSYS_APSS];
}

/* The array the firmware reads now, found as firmware finds it. */
static struct qcom_md_region *md_pub(struct md_fixture *f)
{
	u64 base = le64_to_cpu(READ_ONCE(md_ss(f)->regions_baseptr));

	if (base == f->arrays_phys)
		return f->arrays;
	if (base == f->arrays_phys + f->capacity * sizeof(*f->arrays))
		return f->arrays + f->capacity;
	return NULL;
}

static bool md_valid(struct md_fixture *f, unsigned int slot)
{
	return le32_to_cpu(md_pub(f)[slot].valid) == QCOM_MD_REGION_VALID;
}

static bool md_invalid(struct md_fixture *f, unsigned int slot)
{
	return le32_to_cpu(md_pub(f)[slot].valid) == QCOM_MD_REGION_INVALID;
}

/* Valid entries in the published array. */
static unsigned int md_nr_valid(struct md_fixture *f)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->capacity; i++)
		n += md_valid(f, i);
	return n;
}

/* Is every slot of both arrays VALI or INVA? Anything else confuses firmware. */
static bool md_markers_sane(struct md_fixture *f)
{
	unsigned int i;

	for (i = 0; i < 2 * f->capacity; i++) {
		u32 v = le32_to_cpu(f->arrays[i].valid);

		if (v != QCOM_MD_REGION_VALID && v != QCOM_MD_REGION_INVALID)
			return false;
	}
	return true;
}

/* The name field as firmware reads it: NUL-padded to 16 bytes. */
static void md_expect_name(struct kunit *test, struct md_fixture *f,
			   unsigned int slot, const char *name)
{
	char want[QCOM_MD_NAME_LEN] = {};

	KUNIT_ASSERT_LT(test, strlen(name), sizeof(want));
	memcpy(want, name, strlen(name));
	KUNIT_EXPECT_MEMEQ(test, md_pub(f)[slot].name, want, sizeof(want));
}

static void md_expect_entry(struct kunit *test, struct md_fixture *f,
			    unsigned int slot, const char *name, u32 seq,
			    phys_addr_t phys, size_t size)
{
	struct qcom_md_region *e = &md_pub(f)[slot];

	KUNIT_ASSERT_LT(test, slot, f->capacity);
	KUNIT_EXPECT_TRUE(test, md_valid(f, slot));
	md_expect_name(test, f, slot, name);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(e->seq_num), seq);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(e->address), (u64)phys);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(e->size), (u64)size);
}

static void md_dyn_name(enum kmemdump_uid id, char *buf, size_t len)
{
	snprintf(buf, len, "dyn%u", (unsigned int)id);
}

/* A buffer in the linear map: one chunk, at virt_to_phys(). */
static void *md_linear_buf(struct kunit *test, size_t size)
{
	void *p = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	return p;
}

struct md_scattered {
	struct page *pages[MD_TEST_SCATTERED_PAGES];
	void *vaddr;
};

static int md_cmp_pfn_desc(const void *a, const void *b)
{
	unsigned long pa = page_to_pfn(*(struct page * const *)a);
	unsigned long pb = page_to_pfn(*(struct page * const *)b);

	return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static void md_scattered_free(void *arg)
{
	struct md_scattered *s = arg;
	unsigned int i;

	vunmap(s->vaddr);
	for (i = 0; i < MD_TEST_SCATTERED_PAGES; i++)
		__free_page(s->pages[i]);
}

/*
 * Pages mapped in descending physical order: no page is followed by its
 * physical neighbour, so the range is MD_TEST_SCATTERED_PAGES chunks
 * whatever the page allocator returned (a plain vmalloc() may happen to
 * be contiguous).
 */
static struct md_scattered *md_scattered_alloc(struct kunit *test)
{
	struct md_scattered *s;
	unsigned int i;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	for (i = 0; i < MD_TEST_SCATTERED_PAGES; i++) {
		s->pages[i] = alloc_page(GFP_KERNEL);
		if (!s->pages[i])
			break;
	}
	if (i < MD_TEST_SCATTERED_PAGES) {
		while (i--)
			__free_page(s->pages[i]);
		KUNIT_FAIL_AND_ABORT(test, "out of memory");
	}
	sort(s->pages, MD_TEST_SCATTERED_PAGES, sizeof(s->pages[0]),
	     md_cmp_pfn_desc, NULL);
	s->vaddr = vmap(s->pages, MD_TEST_SCATTERED_PAGES, VM_MAP, PAGE_KERNEL);
	if (!s->vaddr) {
		for (i = 0; i < MD_TEST_SCATTERED_PAGES; i++)
			__free_page(s->pages[i]);
		KUNIT_FAIL_AND_ABORT(test, "vmap failed");
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_scattered_free,
							s), 0);
	return s;
}

static void md_test_init_refused(struct kunit *test)
{
	static const struct {
		u32 status, revision, enabled;
	} bad[] = {
		{ 0, 0, 0 },				/* never initialised */
		{ 0, QCOM_MD_REVISION, QCOM_MD_ENABLED },
		{ 2, QCOM_MD_REVISION, QCOM_MD_ENABLED },
		{ QCOM_MD_TOC_STATUS_INIT, 2, QCOM_MD_ENABLED },
		{ QCOM_MD_TOC_STATUS_INIT, QCOM_MD_REVISION, 0 },
		/* Byte-swapped: a big-endian writer. */
		{ QCOM_MD_TOC_STATUS_INIT, QCOM_MD_REVISION, 0x4C424E45 },
	};
	struct md_fixture *f = md_alloc(test, 4);
	struct qcom_md_table t;
	void *copy;
	unsigned int i;

	copy = kunit_kzalloc(test, f->shm_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Junk where the subsystem would be: must stay untouched. */
		memset(f->shm, 0xa5, f->shm_len);
		f->toc->status = cpu_to_le32(bad[i].status);
		f->toc->md_revision = cpu_to_le32(bad[i].revision);
		f->toc->enabled = cpu_to_le32(bad[i].enabled);
		memcpy(copy, f->shm, f->shm_len);

		KUNIT_EXPECT_EQ_MSG(test, qcom_md_table_init(&t, "md_test",
							     f->toc, f->arrays,
							     f->arrays_phys,
							     f->capacity),
				    -ENODEV, "case %u", i);
		KUNIT_EXPECT_MEMEQ_MSG(test, f->shm, copy, f->shm_len,
				       "case %u wrote to the memory", i);
	}

	/* Bad arguments, with a good TOC. */
	md_fw_init_toc(f->toc);
	memcpy(copy, f->shm, f->shm_len);
	KUNIT_EXPECT_EQ(test, qcom_md_table_init(&t, "md_test", f->toc,
						 f->arrays, f->arrays_phys,
						 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, qcom_md_table_init(&t, "md_test", f->toc,
						 (void *)f->arrays + 4,
						 f->arrays_phys + 4, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, qcom_md_table_init(&t, NULL, f->toc, f->arrays,
						 f->arrays_phys, 2), -EINVAL);
	KUNIT_EXPECT_MEMEQ(test, f->shm, copy, f->shm_len);
}

static void md_test_init(struct kunit *test)
{
	struct md_fixture *f = md_alloc(test, 8);
	struct qcom_md_subsystem *ss = md_ss(f);
	struct qcom_md_subsystem other;
	unsigned int i;

	/* What a previous kernel could have left: valid-looking entries. */
	ss->region_count = cpu_to_le32(3);
	for (i = 0; i < 2 * f->capacity; i++) {
		f->arrays[i].valid = cpu_to_le32(QCOM_MD_REGION_VALID);
		f->arrays[i].size = cpu_to_le64(4096);
	}
	/* Another subsystem's header: not ours to touch. */
	memset(&f->toc->subsys[1], 0x5a, sizeof(other));
	other = f->toc->subsys[1];

	KUNIT_ASSERT_EQ(test, qcom_md_table_init(&f->t, "md_test", f->toc,
						 f->arrays, f->arrays_phys,
						 f->capacity), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_cleanup, f),
			0);

	KUNIT_EXPECT_STREQ(test, f->t.be.name, "md_test");
	/* The firmware's part is unchanged. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(f->toc->status),
			QCOM_MD_TOC_STATUS_INIT);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(f->toc->md_revision),
			QCOM_MD_REVISION);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(f->toc->enabled), QCOM_MD_ENABLED);
	KUNIT_EXPECT_MEMEQ(test, &f->toc->subsys[1], &other, sizeof(other));

	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->status), QCOM_MD_SS_STATUS_INIT);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->enabled), QCOM_MD_ENABLED);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->encryption_status), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->encryption_required),
			QCOM_MD_ENCR_NOTREQ);
	/* Fixed from now on: one array's worth. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->region_count), f->capacity);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ss->regions_baseptr),
			(u64)f->arrays_phys);
	for (i = 0; i < 2 * f->capacity; i++) {
		KUNIT_EXPECT_EQ(test, le32_to_cpu(f->arrays[i].valid),
				QCOM_MD_REGION_INVALID);
		KUNIT_EXPECT_EQ(test, le64_to_cpu(f->arrays[i].size), 0);
	}
}

static void md_test_linear_region(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 8);
	enum kmemdump_uid dyn = KMEMDUMP_ID_DYNAMIC_START + 3;
	char *a = md_linear_buf(test, 100);
	/* Crosses a page boundary: still one chunk in the linear map. */
	char *b = md_linear_buf(test, 2 * PAGE_SIZE);
	char name[QCOM_MD_NAME_LEN];
	struct qcom_md_region *before;

	/* Entry 0 is the core image header's: others start at 1. */
	KUNIT_ASSERT_EQ(test, md_reg(f, KMEMDUMP_ID_LINUX_BANNER, a, 100), 0);
	md_expect_entry(test, f, 1, "linux_banner", 0, virt_to_phys(a), 100);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 0));

	KUNIT_ASSERT_EQ(test, md_reg(f, dyn, b + 10, PAGE_SIZE + 20), 0);
	md_dyn_name(dyn, name, sizeof(name));
	md_expect_entry(test, f, 2, name, 0, virt_to_phys(b + 10),
			PAGE_SIZE + 20);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 2);

	/* Same ID twice, bad memory: refused, nothing published. */
	before = md_pub(f);
	KUNIT_EXPECT_EQ(test, md_reg(f, dyn, a, 10), -EEXIST);
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_NO_ID, a, 10), -EINVAL);
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_COREIMAGE_ELF, NULL, 10),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_COREIMAGE_ELF, a, 0),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, md_pub(f), before);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 2);

	/* The header goes to entry 0, whatever else is there. */
	KUNIT_ASSERT_EQ(test, md_reg(f, KMEMDUMP_ID_COREIMAGE_ELF, a + 50, 50),
			0);
	md_expect_entry(test, f, 0, "elf_header", 0, virt_to_phys(a + 50), 50);

	KUNIT_EXPECT_EQ(test, md_unreg(f, dyn), 0);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 2));
	KUNIT_EXPECT_EQ(test, md_unreg(f, dyn), -ENOENT);
	KUNIT_EXPECT_EQ(test, md_unreg(f, KMEMDUMP_ID_NO_ID), -EINVAL);

	KUNIT_EXPECT_EQ(test, md_unreg(f, KMEMDUMP_ID_LINUX_BANNER), 0);
	KUNIT_EXPECT_EQ(test, md_unreg(f, KMEMDUMP_ID_COREIMAGE_ELF), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
	KUNIT_EXPECT_TRUE(test, md_markers_sane(f));
}

static void md_test_vmalloc_scattered(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 8);
	struct md_scattered *s = md_scattered_alloc(test);
	enum kmemdump_uid id = KMEMDUMP_ID_DYNAMIC_START;
	const size_t head = 100, tail = 200;
	size_t size = MD_TEST_SCATTERED_PAGES * PAGE_SIZE - head - tail;
	char name[QCOM_MD_NAME_LEN];
	unsigned int k;

	md_dyn_name(id, name, sizeof(name));
	KUNIT_ASSERT_EQ(test, md_reg(f, id, s->vaddr + head, size), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), MD_TEST_SCATTERED_PAGES);

	/* One entry per page, in address order, at the pages we mapped. */
	for (k = 0; k < MD_TEST_SCATTERED_PAGES; k++) {
		phys_addr_t pa = page_to_phys(s->pages[k]);
		size_t len = PAGE_SIZE;

		if (k == 0) {
			pa += head;
			len -= head;
		}
		if (k == MD_TEST_SCATTERED_PAGES - 1)
			len -= tail;
		md_expect_entry(test, f, 1 + k, name, k, pa, len);
		KUNIT_EXPECT_EQ(test, f->t.be.chunk_position(&f->t.be, id, k),
				1 + k);
	}
	KUNIT_EXPECT_EQ(test, f->t.be.chunk_position(&f->t.be, id, k), -ENOENT);

	KUNIT_EXPECT_EQ(test, md_unreg(f, id), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
	KUNIT_EXPECT_TRUE(test, md_markers_sane(f));
}

static void md_test_slot_reuse(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 8);
	struct md_scattered *s = md_scattered_alloc(test);
	enum kmemdump_uid a = KMEMDUMP_ID_DYNAMIC_START, b = a + 1, c = a + 2;
	enum kmemdump_uid d = a + 3, v = a + 4;
	char *buf = md_linear_buf(test, 4 * 64);
	char name[QCOM_MD_NAME_LEN];

	KUNIT_ASSERT_EQ(test, md_reg(f, a, buf, 64), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, b, buf + 64, 64), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, c, buf + 128, 64), 0);

	/* A hole: the entry goes INVA, the others stay where they are. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, b), 0);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 2));
	KUNIT_EXPECT_TRUE(test, md_valid(f, 3));

	/* The hole is reused before the array grows. */
	KUNIT_ASSERT_EQ(test, md_reg(f, d, buf + 192, 64), 0);
	md_dyn_name(d, name, sizeof(name));
	md_expect_entry(test, f, 2, name, 0, virt_to_phys(buf + 192), 64);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 4));

	/* A multi-chunk region filling a hole: its chunks are not adjacent. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, a), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, v, s->vaddr, 3 * PAGE_SIZE), 0);
	md_dyn_name(v, name, sizeof(name));
	md_expect_entry(test, f, 1, name, 0, page_to_phys(s->pages[0]),
			PAGE_SIZE);
	md_expect_entry(test, f, 4, name, 1, page_to_phys(s->pages[1]),
			PAGE_SIZE);
	md_expect_entry(test, f, 5, name, 2, page_to_phys(s->pages[2]),
			PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, md_unreg(f, c), 0);
	KUNIT_EXPECT_EQ(test, md_unreg(f, d), 0);
	KUNIT_EXPECT_EQ(test, md_unreg(f, v), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
	KUNIT_EXPECT_TRUE(test, md_markers_sane(f));
}

static void md_test_capacity(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 5);
	struct md_scattered *s = md_scattered_alloc(test);
	enum kmemdump_uid a = KMEMDUMP_ID_DYNAMIC_START, b = a + 1, c = a + 2;
	enum kmemdump_uid v = a + 3;
	size_t vsize = MD_TEST_SCATTERED_PAGES * PAGE_SIZE;
	char *buf = md_linear_buf(test, 3 * 64);
	char vname[QCOM_MD_NAME_LEN];
	struct qcom_md_region *pub;
	unsigned int i;

	/* 5 entries: entry 0 for the header, 4 for the rest. */
	md_dyn_name(v, vname, sizeof(vname));
	KUNIT_ASSERT_EQ(test, md_reg(f, a, buf, 64), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, b, buf + 64, 64), 0);

	/* 3 entries needed, 2 free: refused, nothing published. */
	pub = md_pub(f);
	KUNIT_EXPECT_EQ(test, md_reg(f, v, s->vaddr, vsize), -ENOSPC);
	KUNIT_EXPECT_PTR_EQ(test, md_pub(f), pub);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 2);
	for (i = 0; i < 2 * f->capacity; i++)
		if (le32_to_cpu(f->arrays[i].valid) == QCOM_MD_REGION_VALID)
			KUNIT_EXPECT_NE(test, strncmp(f->arrays[i].name, vname,
						      QCOM_MD_NAME_LEN), 0);
	KUNIT_EXPECT_TRUE(test, md_markers_sane(f));

	/* Freeing one entry makes room: entries 2-4, the table is full. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, b), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, v, s->vaddr, vsize), 0);
	for (i = 0; i < MD_TEST_SCATTERED_PAGES; i++)
		md_expect_entry(test, f, 2 + i, vname, i,
				page_to_phys(s->pages[i]), PAGE_SIZE);

	/* Full: even a one-chunk region is refused, the table unchanged. */
	KUNIT_EXPECT_EQ(test, md_reg(f, c, buf + 128, 64), -ENOSPC);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 4);
	/* ... but the header's own entry is still free for it. */
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_COREIMAGE_ELF, buf + 128,
				     64), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 5);

	/* And after that, removal still works. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, v), 0);
	KUNIT_EXPECT_EQ(test, md_unreg(f, a), 0);
	KUNIT_EXPECT_EQ(test, md_unreg(f, KMEMDUMP_ID_COREIMAGE_ELF), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
}

static void md_test_names(struct kunit *test)
{
	static const struct {
		enum kmemdump_uid id;
		const char *name;
		unsigned int slot;
	} predefined[] = {
		/* The names firmware sees (md_<name>.BIN): part of the ABI. */
		{ KMEMDUMP_ID_LINUX_BANNER, "linux_banner", 1 },
		{ KMEMDUMP_ID_COREIMAGE_ELF, "elf_header", 0 },
		{ KMEMDUMP_ID_COREIMAGE_VMCOREINFO, "vmcoreinfo", 2 },
		{ KMEMDUMP_ID_MAX, "pgt0", 3 },
	};
	struct md_fixture *f = md_setup(test, 8);
	enum kmemdump_uid dyn[] = { KMEMDUMP_ID_DYNAMIC_START,
				    KMEMDUMP_ID_MAX - 1 };
	char *buf = md_linear_buf(test, 64);
	char name[QCOM_MD_NAME_LEN];
	unsigned int i, slot = 4;

	for (i = 0; i < ARRAY_SIZE(predefined); i++) {
		KUNIT_ASSERT_EQ(test, md_reg(f, predefined[i].id, buf + i, 1),
				0);
		md_expect_entry(test, f, predefined[i].slot, predefined[i].name,
				0, virt_to_phys(buf + i), 1);
	}
	for (i = 0; i < ARRAY_SIZE(dyn); i++, slot++) {
		KUNIT_ASSERT_EQ(test, md_reg(f, dyn[i], buf + slot, 1), 0);
		md_dyn_name(dyn[i], name, sizeof(name));
		md_expect_entry(test, f, slot, name, 0,
				virt_to_phys(buf + slot), 1);
	}

	/* An ID kmemdump cannot name is refused before anything is written. */
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_END, buf, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), slot);

	for (i = 0; i < ARRAY_SIZE(predefined); i++)
		KUNIT_EXPECT_EQ(test, md_unreg(f, predefined[i].id), 0);
	for (i = 0; i < ARRAY_SIZE(dyn); i++)
		KUNIT_EXPECT_EQ(test, md_unreg(f, dyn[i]), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
}

static void md_unregister_backend_action(void *arg)
{
	qcom_md_table_unregister_backend(arg);
}

/* Slot holding chunk 0 of region @name in the published array, or -1. */
static int md_find(struct md_fixture *f, const char *name)
{
	struct qcom_md_region *pub = md_pub(f);
	unsigned int i;

	for (i = 0; i < f->capacity; i++)
		if (md_valid(f, i) && !le32_to_cpu(pub[i].seq_num) &&
		    !strncmp(pub[i].name, name, QCOM_MD_NAME_LEN))
			return i;
	return -1;
}

/* Make @f kmemdump's backend until the test ends; skip if one is active. */
static void md_become_backend(struct kunit *test, struct md_fixture *f)
{
	char active[QCOM_MD_NAME_LEN];
	int ret;

	/* It would replace a real backend, and take it out when done. */
	kmemdump_backend_name(active, sizeof(active));
	if (strcmp(active, "none"))
		kunit_skip(test, "the kmemdump backend %s is active", active);
	ret = qcom_md_table_register_backend(&f->t);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* Unregister before the fixture is freed, even if an assert fails. */
	ret = kunit_add_action_or_reset(test, md_unregister_backend_action,
					&f->t);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

/* Through kmemdump: replay, live registration, withdrawal on the way out. */
static void md_test_kmemdump_backend(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 1024);
	char *buf = md_linear_buf(test, 64);
	char name[QCOM_MD_NAME_LEN];
	int id, slot;

	md_become_backend(test, f);

	/* Replayed: the core image's header first, linux_banner somewhere. */
	KUNIT_EXPECT_EQ(test, md_find(f, "elf_header"), 0);
	slot = md_find(f, "linux_banner");
	KUNIT_ASSERT_GE(test, slot, 0);
	KUNIT_EXPECT_GT(test, le64_to_cpu(md_pub(f)[slot].size), 0);

	id = kmemdump_register(buf, 64);
	KUNIT_ASSERT_GT(test, id, 0);
	md_dyn_name(id, name, sizeof(name));
	slot = md_find(f, name);
	KUNIT_ASSERT_GE(test, slot, 0);
	md_expect_entry(test, f, slot, name, 0, virt_to_phys(buf), 64);

	KUNIT_EXPECT_EQ(test, kmemdump_unregister(id), 0);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, slot));
	KUNIT_EXPECT_LT(test, md_find(f, name), 0);

	/* Leaving withdraws every entry. */
	KUNIT_EXPECT_EQ(test, qcom_md_table_unregister_backend(&f->t), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
	KUNIT_EXPECT_EQ(test, f->t.used, 0);
}

/*
 * ---- What the firmware finds: the published table and core header ----
 *
 * Parsed from shared memory alone, as firmware would: regions_baseptr,
 * the entries, entry 0's header buffer. No allocation, so the every-store
 * test can run it with kmemdump's lock held.
 */
#define MD_NAMES_HDR	24
#define MD_NAMES_ENT	24
#define MD_VIEW_MAX	1024

struct md_load {
	char name[QCOM_MD_NAME_LEN];
	u32 seq;
	u64 vaddr, paddr, size;
};

struct md_view {
	u64 generation;
	u64 digest;		/* of the generation and every PT_LOAD/entry */
	unsigned int nr;	/* PT_LOADs */
	struct md_load *loads;	/* optional, MD_VIEW_MAX long */
	const char *err;
	unsigned int err_at;
};

static u64 md_fnv(u64 h, const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static int md_view_fail(struct md_view *v, const char *why, unsigned int at)
{
	v->err = why;
	v->err_at = at;
	return -EINVAL;
}

/* 0 if the table and the header agree: the copies laid end to end are a core. */
static int md_fw_view(struct md_fixture *f, struct md_view *v)
{
	const struct qcom_md_region *pub = md_pub(f), *e;
	const struct elf64_phdr *ph;
	const struct elf64_hdr *eh;
	const u8 *hdr, *names = NULL;
	unsigned int i, j = 0, nloads;
	u64 hsize, off, o;

	v->nr = 0;
	v->err = NULL;
	v->digest = 0xcbf29ce484222325ULL;
	if (!pub)
		return md_view_fail(v, "regions_baseptr points at neither array", 0);
	if (le32_to_cpu(md_ss(f)->region_count) != f->capacity)
		return md_view_fail(v, "region_count changed", 0);
	e = &pub[0];
	if (le32_to_cpu(e->valid) != QCOM_MD_REGION_VALID ||
	    strncmp(e->name, "elf_header", QCOM_MD_NAME_LEN) || e->seq_num)
		return md_view_fail(v, "entry 0 is not the ELF header", 0);
	hsize = le64_to_cpu(e->size);
	hdr = phys_to_virt(le64_to_cpu(e->address));
	eh = (const struct elf64_hdr *)hdr;
	if (hsize < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    !eh->e_phnum ||
	    eh->e_phoff + (u64)eh->e_phnum * sizeof(*ph) > hsize)
		return md_view_fail(v, "no ELF header at entry 0", 0);
	ph = (const struct elf64_phdr *)(hdr + eh->e_phoff);
	nloads = eh->e_phnum - 1;
	if (ph[0].p_type != PT_NOTE ||
	    ph[0].p_offset + ph[0].p_filesz != hsize)
		return md_view_fail(v, "PT_NOTE does not end the header", 0);
	for (o = ALIGN(eh->e_phoff + (u64)eh->e_phnum * sizeof(*ph), 8);
	     o + MD_NAMES_HDR <= hsize; o += 8)
		if (!memcmp(hdr + o, "KMDNAMES", 8)) {
			names = hdr + o;
			break;
		}
	if (!names || get_unaligned_le32(names + 8) != nloads ||
	    get_unaligned_le32(names + 12) != MD_NAMES_ENT ||
	    o + MD_NAMES_HDR + (u64)nloads * MD_NAMES_ENT > hsize)
		return md_view_fail(v, "name table missing or wrong", 0);
	v->generation = get_unaligned_le64(names + 16);
	v->digest = md_fnv(v->digest, &v->generation, sizeof(v->generation));
	names += MD_NAMES_HDR;

	off = hsize;
	for (i = 1; i < f->capacity; i++) {
		const u8 *nm = names + (size_t)j * MD_NAMES_ENT;
		const struct elf64_phdr *p = &ph[1 + j];
		u64 addr, size;
		u32 seq;

		e = &pub[i];
		if (le32_to_cpu(e->valid) == QCOM_MD_REGION_INVALID)
			continue;
		if (le32_to_cpu(e->valid) != QCOM_MD_REGION_VALID)
			return md_view_fail(v, "entry marker neither VALI nor INVA", i);
		if (j == nloads)
			return md_view_fail(v, "valid entry without a PT_LOAD", i);
		addr = le64_to_cpu(e->address);
		size = le64_to_cpu(e->size);
		seq = le32_to_cpu(e->seq_num);
		if (p->p_type != PT_LOAD || p->p_offset != off ||
		    p->p_paddr != addr || p->p_filesz != size ||
		    p->p_memsz != size ||
		    strncmp(nm, e->name, QCOM_MD_NAME_LEN) ||
		    get_unaligned_le32(nm + 16) != seq)
			return md_view_fail(v, "PT_LOAD does not match the entry", i);
		if (v->loads && j < MD_VIEW_MAX) {
			struct md_load *l = &v->loads[j];

			memcpy(l->name, e->name, sizeof(l->name));
			l->name[QCOM_MD_NAME_LEN - 1] = 0;
			l->seq = seq;
			l->vaddr = p->p_vaddr;
			l->paddr = addr;
			l->size = size;
		}
		v->digest = md_fnv(v->digest, e, sizeof(*e));
		v->digest = md_fnv(v->digest, &p->p_vaddr, sizeof(p->p_vaddr));
		off += size;
		j++;
	}
	if (j != nloads)
		return md_view_fail(v, "PT_LOAD without a valid entry", j);
	v->nr = nloads;
	return 0;
}

static struct md_load *md_view_loads(struct kunit *test)
{
	struct md_load *l = kunit_kcalloc(test, MD_VIEW_MAX, sizeof(*l),
					  GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, l);
	return l;
}

/* PT_LOAD index of chunk @seq of region @id, or -1. */
static int md_view_find(const struct md_view *v, enum kmemdump_uid id,
			u32 seq)
{
	char name[QCOM_MD_NAME_LEN];
	unsigned int i;

	md_dyn_name(id, name, sizeof(name));
	for (i = 0; i < min_t(unsigned int, v->nr, MD_VIEW_MAX); i++)
		if (v->loads[i].seq == seq && !strcmp(v->loads[i].name, name))
			return i;
	return -1;
}

/* A region this test registered with kmemdump; unregistered on abort. */
struct md_kreg {
	int id;
};

static void md_kreg_release(void *arg)
{
	struct md_kreg *r = arg;

	if (r->id > 0)
		kmemdump_unregister(r->id);
	r->id = 0;
}

static struct md_kreg *md_kreg_new(struct kunit *test)
{
	struct md_kreg *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_kreg_release,
							r), 0);
	return r;
}

static int md_kreg_add(struct md_kreg *r, const void *vaddr, size_t size)
{
	int id = kmemdump_register(vaddr, size);

	if (id > 0)
		r->id = id;
	return id;
}

static int md_kreg_del(struct md_kreg *r)
{
	int ret = kmemdump_unregister(r->id);

	r->id = 0;
	return ret;
}

/*
 * The reviewers' example: A and B registered before the backend probes,
 * A unregistered, C registered. C (three physically separate pages) fills
 * A's hole and goes on at the end: the core image must follow the table.
 */
static void md_test_order_example(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 1024);
	struct md_scattered *s = md_scattered_alloc(test);
	struct md_kreg *a = md_kreg_new(test), *b = md_kreg_new(test);
	struct md_kreg *c = md_kreg_new(test);
	char *buf = md_linear_buf(test, 300);
	struct md_view v = { .loads = md_view_loads(test) };
	char bname[QCOM_MD_NAME_LEN], cname[QCOM_MD_NAME_LEN];
	int ea, eb, ec, k;

	KUNIT_ASSERT_GT(test, md_kreg_add(a, buf, 100), 0);
	KUNIT_ASSERT_GT(test, md_kreg_add(b, buf + 100, 200), 0);
	md_become_backend(test, f);
	KUNIT_ASSERT_EQ_MSG(test, md_fw_view(f, &v), 0, "%s at %u", v.err,
			    v.err_at);
	md_dyn_name(a->id, cname, sizeof(cname));
	ea = md_find(f, cname);
	KUNIT_ASSERT_GT(test, ea, 0);

	KUNIT_ASSERT_EQ(test, md_kreg_del(a), 0);
	KUNIT_ASSERT_GT(test, md_kreg_add(c, s->vaddr,
					  MD_TEST_SCATTERED_PAGES * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ_MSG(test, md_fw_view(f, &v), 0, "%s at %u", v.err,
			    v.err_at);
	md_dyn_name(b->id, bname, sizeof(bname));
	md_dyn_name(c->id, cname, sizeof(cname));
	eb = md_find(f, bname);
	ec = md_find(f, cname);
	/* C's first chunk took A's entry, before B; its PT_LOAD too. */
	KUNIT_EXPECT_EQ(test, ec, ea);
	KUNIT_EXPECT_LT(test, ec, eb);
	KUNIT_EXPECT_LT(test, md_view_find(&v, c->id, 0),
			md_view_find(&v, b->id, 0));
	/* Each chunk at the page we mapped there. */
	for (k = 0; k < MD_TEST_SCATTERED_PAGES; k++) {
		int i = md_view_find(&v, c->id, k);

		KUNIT_ASSERT_GE(test, i, 0);
		KUNIT_EXPECT_EQ(test, v.loads[i].paddr,
				(u64)page_to_phys(s->pages[k]));
		KUNIT_EXPECT_EQ(test, v.loads[i].vaddr,
				(u64)(unsigned long)s->vaddr + k * PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, md_kreg_del(b), 0);
	KUNIT_EXPECT_EQ(test, md_kreg_del(c), 0);
	KUNIT_EXPECT_EQ_MSG(test, md_fw_view(f, &v), 0, "%s at %u", v.err,
			    v.err_at);
}

#define MD_RANDOM_OPS		10000
#define MD_RANDOM_LINEAR	10
#define MD_RANDOM_ITEMS		16
static unsigned int md_random_seed = 20261126;
module_param_named(random_seed, md_random_seed, uint, 0444);
MODULE_PARM_DESC(random_seed, "Seed of md_test_order_random");

struct md_item {
	struct md_kreg *reg;
	struct md_scattered *s;	/* NULL: linear buffer */
	char *buf;
	size_t off, len;
};

/* Does the view hold exactly the item's chunks, computed from its pages? */
static bool md_item_ok(const struct md_view *v, const struct md_item *it)
{
	size_t pos = it->off, end = it->off + it->len;
	const char *base = it->s ? it->s->vaddr : it->buf;
	u32 seq = 0;
	int i;

	if (!it->reg->id)
		return true;
	while (pos < end) {
		size_t next = it->s ? min_t(size_t, end, ALIGN(pos + 1, PAGE_SIZE)) :
				      end;
		phys_addr_t pa = it->s ?
			page_to_phys(it->s->pages[pos / PAGE_SIZE]) +
			offset_in_page(pos) : virt_to_phys(it->buf + pos);

		i = md_view_find(v, it->reg->id, seq);
		if (i < 0 || v->loads[i].paddr != pa ||
		    v->loads[i].size != next - pos ||
		    v->loads[i].vaddr != (u64)(unsigned long)(base + pos))
			return false;
		pos = next;
		seq++;
	}
	return md_view_find(v, it->reg->id, seq) < 0;
}

/*
 * Random registrations and unregistrations, linear and scattered, some
 * filling holes, with the backend leaving and coming back now and then:
 * after every operation the published table and header must agree and
 * hold exactly the registered chunks.
 */
static void md_test_order_random(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 1024);
	struct md_item *items;
	struct md_view v = { .loads = md_view_loads(test) };
	struct rnd_state rnd;
	bool active = true;
	unsigned int op, i;

	kunit_info(test, "seed %u\n", md_random_seed);
	prandom_seed_state(&rnd, md_random_seed);
	items = kunit_kcalloc(test, MD_RANDOM_ITEMS, sizeof(*items), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, items);
	for (i = 0; i < MD_RANDOM_ITEMS; i++) {
		items[i].reg = md_kreg_new(test);
		if (i < MD_RANDOM_LINEAR)
			items[i].buf = md_linear_buf(test, 2 * PAGE_SIZE);
		else
			items[i].s = md_scattered_alloc(test);
	}
	md_become_backend(test, f);

	for (op = 0; op < MD_RANDOM_OPS; op++) {
		u32 r = prandom_u32_state(&rnd);
		struct md_item *it = &items[r % MD_RANDOM_ITEMS];

		if (r % 97 == 0) {
			if (active)
				KUNIT_ASSERT_EQ(test, qcom_md_table_unregister_backend(&f->t), 0);
			else
				KUNIT_ASSERT_EQ(test, qcom_md_table_register_backend(&f->t), 0);
			active = !active;
		} else if (it->reg->id) {
			KUNIT_ASSERT_EQ(test, md_kreg_del(it->reg), 0);
		} else {
			size_t cap = it->s ? MD_TEST_SCATTERED_PAGES * PAGE_SIZE :
					     2 * PAGE_SIZE;

			char *base = it->s ? it->s->vaddr : it->buf;
			int id;

			it->off = (r >> 8) % (cap - 1);
			it->len = 1 + prandom_u32_state(&rnd) % (cap - it->off);
			id = md_kreg_add(it->reg, base + it->off, it->len);
			KUNIT_ASSERT_GT_MSG(test, id, 0, "seed %u op %u",
					    md_random_seed, op);
		}
		if (!active) {
			KUNIT_ASSERT_EQ_MSG(test, md_nr_valid(f), 0,
					    "seed %u op %u", md_random_seed, op);
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, md_fw_view(f, &v), 0,
				    "seed %u op %u: %s at %u", md_random_seed,
				    op, v.err, v.err_at);
		for (i = 0; i < MD_RANDOM_ITEMS; i++)
			KUNIT_ASSERT_TRUE_MSG(test, md_item_ok(&v, &items[i]),
					      "seed %u op %u: item %u", md_random_seed,
					      op, i);
	}
	if (!active)
		KUNIT_EXPECT_EQ(test, qcom_md_table_register_backend(&f->t), 0);
}

/* Snapshots taken by the kmemdump_shared_store() hook, store by store. */
struct md_store_log {
	struct md_fixture *f;
	struct task_struct *task;	/* the test's: other stores are not ours */
	unsigned int max_stores;	/* 0, or check only that many */
	unsigned int stores, bad_parse, bad_target, nseen;
	const char *first_err;
	struct {
		u64 generation, digest;
	} seen[1024];
};

static struct md_store_log *md_log;

/* Does [addr, addr + len) touch what firmware reads now? */
static bool md_hits_published(struct md_fixture *f, const void *addr,
			      size_t len)
{
	const struct qcom_md_region *pub = md_pub(f);
	const u8 *a = addr, *hdr;
	u64 hsize;

	if (a < (const u8 *)(pub + f->capacity) &&
	    a + len > (const u8 *)pub)
		return true;
	if (le32_to_cpu(pub[0].valid) != QCOM_MD_REGION_VALID)
		return false;
	hdr = phys_to_virt(le64_to_cpu(pub[0].address));
	hsize = le64_to_cpu(pub[0].size);
	return a < hdr + hsize && a + len > hdr;
}

static void md_store_hook(const void *addr, size_t len)
{
	struct md_store_log *log = md_log;
	struct qcom_md_subsystem *ss = md_ss(log->f);
	struct md_view v = {};

	if (log->task && current != log->task)
		return;
	/*
	 * Every CPU's switches, each parsing the whole table under the lock:
	 * bounded, or a PREEMPT_RT guest (threaded interrupts, many more
	 * switches) crawls.
	 */
	if (log->max_stores && log->stores >= log->max_stores)
		return;
	log->stores++;
	/* Only the switch itself may write what firmware is reading. */
	if (addr != &ss->regions_baseptr &&
	    md_hits_published(log->f, addr, len))
		log->bad_target++;
	if (md_fw_view(log->f, &v)) {
		if (!log->bad_parse++)
			log->first_err = v.err;
		return;
	}
	if (log->nseen < ARRAY_SIZE(log->seen)) {
		log->seen[log->nseen].generation = v.generation;
		log->seen[log->nseen].digest = v.digest;
		log->nseen++;
	}
}

static void md_check_update(struct kunit *test, struct md_store_log *log,
			    const struct md_view *old, const char *what,
			    int (*op)(void *arg), void *arg)
{
	struct md_view new = {};
	unsigned int i, n_old = 0, n_new = 0;

	log->stores = 0;
	log->bad_parse = 0;
	log->bad_target = 0;
	log->nseen = 0;
	KUNIT_ASSERT_GT_MSG(test, op(arg), -1, "%s", what);
	KUNIT_ASSERT_EQ(test, md_fw_view(log->f, &new), 0);
	KUNIT_EXPECT_EQ_MSG(test, new.generation, old->generation + 1, "%s", what);
	KUNIT_EXPECT_GT_MSG(test, log->stores, 0, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, log->bad_parse, 0, "%s: %s", what,
			    log->first_err);
	KUNIT_EXPECT_EQ_MSG(test, log->bad_target, 0, "%s", what);
	for (i = 0; i < log->nseen; i++) {
		if (log->seen[i].generation == old->generation &&
		    log->seen[i].digest == old->digest)
			n_old++;
		else if (log->seen[i].generation == new.generation &&
			 log->seen[i].digest == new.digest)
			n_new++;
	}
	/* Every snapshot is the old state or the new one, never a mix. */
	KUNIT_EXPECT_EQ_MSG(test, n_old + n_new, log->nseen, "%s", what);
	KUNIT_EXPECT_GT_MSG(test, n_old, 0, "%s", what);
	KUNIT_EXPECT_GT_MSG(test, n_new, 0, "%s", what);
	kunit_info(test, "%s: %u stores, %u saw generation %llu, %u saw %llu\n",
		   what, log->stores, n_old, old->generation, n_new,
		   new.generation);
}

struct md_store_op {
	struct md_kreg *reg;
	const void *vaddr;
	size_t size;
};

static int md_op_add(void *arg)
{
	struct md_store_op *o = arg;

	return md_kreg_add(o->reg, o->vaddr, o->size);
}

static int md_op_del(void *arg)
{
	struct md_store_op *o = arg;

	return md_kreg_del(o->reg);
}

static void md_store_hook_clear(void *unused)
{
	WRITE_ONCE(kmemdump_shared_store_hook, NULL);
	md_log = NULL;
}

/*
 * Hook kmemdump_shared_store() so that, after every single store the
 * table and the core image make, the state firmware would read is parsed:
 * it must be the complete state before the update or the one after it.
 */
static void md_test_every_store(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 1024);
	struct md_scattered *s1 = md_scattered_alloc(test);
	struct md_scattered *s2 = md_scattered_alloc(test);
	char *buf = md_linear_buf(test, 64);
	struct md_store_op a = { md_kreg_new(test), buf, 64 };
	struct md_store_op v1 = { md_kreg_new(test), s1->vaddr + 10,
				  MD_TEST_SCATTERED_PAGES * PAGE_SIZE - 20 };
	struct md_store_op v2 = { md_kreg_new(test), s2->vaddr,
				  MD_TEST_SCATTERED_PAGES * PAGE_SIZE };
	static const struct {
		const char *what;
		int (*op)(void *arg);
		int which;
	} steps[] = {
		{ "register linear", md_op_add, 0 },
		{ "register scattered", md_op_add, 1 },
		{ "unregister linear (hole)", md_op_del, 0 },
		{ "register scattered into the hole", md_op_add, 2 },
		{ "unregister first scattered", md_op_del, 1 },
		{ "unregister second scattered", md_op_del, 2 },
	};
	struct md_store_op *ops[] = { &a, &v1, &v2 };
	struct md_store_log *log;
	struct md_view old = {};
	unsigned int i;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, log);
	log->f = f;
	log->task = current;
	md_become_backend(test, f);
	md_log = log;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_store_hook_clear,
							NULL), 0);
	WRITE_ONCE(kmemdump_shared_store_hook, md_store_hook);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		KUNIT_ASSERT_EQ(test, md_fw_view(f, &old), 0);
		md_check_update(test, log, &old, steps[i].what, steps[i].op,
				ops[steps[i].which]);
	}
	md_store_hook_clear(NULL);
}

/* ---- Each CPU's current task, followed at every context switch ---- */

struct md_follow {
	struct md_fixture *f;
	struct md_load *loads;
	unsigned int rounds, found, missing;
	struct completion done;
};

/* Under kmemdump's lock: no commit can move the header meanwhile. */
struct md_follow_look {
	struct md_follow *fo;
	int ret;
	struct md_view v;
};

static void md_follow_look_locked(void *arg)
{
	struct md_follow_look *l = arg;

	l->v.loads = l->fo->loads;
	l->ret = md_fw_view(l->fo->f, &l->v);
}

/* A PT_LOAD at @vaddr, @paddr, of @min to @max bytes? */
static bool md_view_has(const struct md_view *v, const void *vaddr, u64 paddr,
			u64 min, u64 max)
{
	unsigned int i;

	for (i = 0; i < min_t(unsigned int, v->nr, MD_VIEW_MAX); i++)
		if (v->loads[i].vaddr == (unsigned long)vaddr &&
		    v->loads[i].paddr == paddr && v->loads[i].size >= min &&
		    v->loads[i].size <= max)
			return true;
	return false;
}

/* The task itself looks: after each time it was switched in. */
static int md_follow_thread(void *arg)
{
	struct md_follow *fo = arg;
	u8 *stack = task_stack_page(current);
	struct md_follow_look l = { .fo = fo };
	unsigned int r, i;
	bool all;

	for (r = 0; r < fo->rounds; r++) {
		schedule_timeout_uninterruptible(1);
		kmemdump_locked_call(md_follow_look_locked, &l);
		/* x86 allocates less than sizeof(): the FPU state is cut. */
		all = !l.ret && md_view_has(&l.v, current, virt_to_phys(current),
					    offsetof(struct task_struct, thread),
					    sizeof(*current));
		for (i = 0; all && i < THREAD_SIZE / PAGE_SIZE; i++) {
			struct page *pg = vmalloc_to_page(stack + i * PAGE_SIZE);
			u64 pa = pg ? page_to_phys(pg) :
				 virt_to_phys(stack + i * PAGE_SIZE);

			all = md_view_has(&l.v, stack + i * PAGE_SIZE, pa,
					  PAGE_SIZE, PAGE_SIZE);
		}
		if (all)
			fo->found++;
		else
			fo->missing++;
	}
	complete(&fo->done);
	return 0;
}

/*
 * With follow_cpus, a thread switched in finds its own task_struct and
 * every page of its stack in what firmware reads, on every CPU, while
 * every store any CPU makes meanwhile (the switches' publications
 * included) leaves a table and header that agree.
 */
static void md_test_follow_switch(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 256);
	struct md_follow *fo;
	struct md_store_log *log;
	struct task_struct *t;
	unsigned int cpu;

	if (!IS_ENABLED(CONFIG_KMEMDUMP_CPU_STACKS))
		kunit_skip(test, "CONFIG_KMEMDUMP_CPU_STACKS=n");
	fo = kunit_kzalloc(test, sizeof(*fo), GFP_KERNEL);
	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fo);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, log);
	fo->f = f;
	fo->loads = md_view_loads(test);
	fo->rounds = 20;
	log->f = f;		/* log->task NULL: every CPU's stores */
	log->max_stores = 3000;
	f->t.be.follow_cpus = true;
	md_become_backend(test, f);
	kmemdump_cpustate_sync();
	md_log = log;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_store_hook_clear,
							NULL), 0);
	WRITE_ONCE(kmemdump_shared_store_hook, md_store_hook);

	for_each_online_cpu(cpu) {
		init_completion(&fo->done);
		t = kthread_create_on_cpu(md_follow_thread, fo, cpu, "md_follow/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		wake_up_process(t);
		wait_for_completion(&fo->done);
	}
	md_store_hook_clear(NULL);
	kunit_info(test, "%u of %u looks found the thread's task and stack; %u stores checked\n",
		   fo->found, fo->found + fo->missing, log->stores);
	KUNIT_EXPECT_EQ(test, fo->missing, 0);
	KUNIT_EXPECT_EQ(test, fo->found, num_online_cpus() * fo->rounds);
	KUNIT_EXPECT_GT(test, log->stores, 0);
	KUNIT_EXPECT_EQ_MSG(test, log->bad_parse, 0, "%s", log->first_err);
	KUNIT_EXPECT_EQ(test, log->bad_target, 0);
}

static struct kunit_case md_test_cases[] = {
	KUNIT_CASE(md_test_init_refused),
	KUNIT_CASE(md_test_init),
	KUNIT_CASE(md_test_linear_region),
	KUNIT_CASE(md_test_vmalloc_scattered),
	KUNIT_CASE(md_test_slot_reuse),
	KUNIT_CASE(md_test_capacity),
	KUNIT_CASE(md_test_names),
	KUNIT_CASE(md_test_kmemdump_backend),
	KUNIT_CASE(md_test_order_example),
	KUNIT_CASE_SLOW(md_test_order_random),
	KUNIT_CASE(md_test_every_store),
	KUNIT_CASE(md_test_follow_switch),
	{}
};

static struct kunit_suite md_test_suite = {
	.name = "qcom_minidump_table",
	.test_cases = md_test_cases,
};

kunit_test_suite(md_test_suite);

MODULE_DESCRIPTION("KUnit tests for the Qualcomm minidump table backend");
MODULE_LICENSE("GPL");

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
#include <linux/io.h>
#include <linux/kmemdump.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/soc/qcom/minidump_table.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define MD_TEST_ARRAY_OFFSET	4096
#define MD_TEST_SCATTERED_PAGES	3

struct md_fixture {
	struct qcom_md_table t;
	void *shm;
	size_t shm_len;
	struct qcom_md_toc *toc;
	struct qcom_md_region *regions;
	phys_addr_t regions_phys;
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
		     capacity * sizeof(struct qcom_md_region);
	f->shm = kunit_kzalloc(test, f->shm_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->shm);
	f->toc = f->shm;
	f->regions = f->shm + MD_TEST_ARRAY_OFFSET;
	/* kmalloc memory is in the linear map: virt_to_phys() is right. */
	f->regions_phys = virt_to_phys(f->regions);
	md_fw_init_toc(f->toc);
	return f;
}

/* Withdraw what a failed test left behind, then free the table. */
static void md_cleanup(void *arg)
{
	struct md_fixture *f = arg;
	struct qcom_md_table *t = &f->t;
	unsigned int i;

	for (i = 0; i < t->count; i++)
		if (t->owner[i] != KMEMDUMP_ID_NO_ID)
			t->be.unregister_region(&t->be, t->owner[i]);
	qcom_md_table_destroy(t);
}

static struct md_fixture *md_setup(struct kunit *test, unsigned int capacity)
{
	struct md_fixture *f = md_alloc(test, capacity);

	KUNIT_ASSERT_EQ(test, qcom_md_table_init(&f->t, "md_test", f->toc,
						 f->regions, f->regions_phys,
						 capacity), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, md_cleanup, f),
			0);
	return f;
}

static int md_reg(struct md_fixture *f, enum kmemdump_uid id,
		  const void *vaddr, size_t size)
{
	return f->t.be.register_region(&f->t.be, id, vaddr, size);
}

static int md_unreg(struct md_fixture *f, enum kmemdump_uid id)
{
	return f->t.be.unregister_region(&f->t.be, id);
}

static u32 md_region_count(struct md_fixture *f)
{
	return le32_to_cpu(f->toc->subsys[QCOM_MD_SUBSYS_APSS].region_count);
}

static bool md_valid(struct md_fixture *f, unsigned int slot)
{
	return le32_to_cpu(f->regions[slot].valid) == QCOM_MD_REGION_VALID;
}

static bool md_invalid(struct md_fixture *f, unsigned int slot)
{
	return le32_to_cpu(f->regions[slot].valid) == QCOM_MD_REGION_INVALID;
}

/* Valid entries anywhere in the array, beyond region_count included. */
static unsigned int md_nr_valid(struct md_fixture *f)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->capacity; i++)
		n += md_valid(f, i);
	return n;
}

/* Is every slot either VALI or INVA? Anything else confuses firmware. */
static bool md_markers_sane(struct md_fixture *f)
{
	unsigned int i;

	for (i = 0; i < f->capacity; i++)
		if (!md_valid(f, i) && !md_invalid(f, i))
			return false;
	return true;
}

/* The name field as firmware reads it: NUL-padded to 16 bytes. */
static void md_expect_name(struct kunit *test, struct md_fixture *f,
			   unsigned int slot, const char *name)
{
	char want[QCOM_MD_NAME_LEN] = {};

	KUNIT_ASSERT_LT(test, strlen(name), sizeof(want));
	memcpy(want, name, strlen(name));
	KUNIT_EXPECT_MEMEQ(test, f->regions[slot].name, want, sizeof(want));
}

static void md_expect_entry(struct kunit *test, struct md_fixture *f,
			    unsigned int slot, const char *name, u32 seq,
			    phys_addr_t phys, size_t size)
{
	struct qcom_md_region *e = &f->regions[slot];

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
							     f->toc, f->regions,
							     f->regions_phys,
							     f->capacity),
				    -ENODEV, "case %u", i);
		KUNIT_EXPECT_MEMEQ_MSG(test, f->shm, copy, f->shm_len,
				       "case %u wrote to the memory", i);
	}

	/* Bad arguments, with a good TOC. */
	md_fw_init_toc(f->toc);
	memcpy(copy, f->shm, f->shm_len);
	KUNIT_EXPECT_EQ(test, qcom_md_table_init(&t, "md_test", f->toc,
						 f->regions, f->regions_phys,
						 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, qcom_md_table_init(&t, "md_test", f->toc,
						 (void *)f->regions + 4,
						 f->regions_phys + 4, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, qcom_md_table_init(&t, NULL, f->toc, f->regions,
						 f->regions_phys, 1), -EINVAL);
	KUNIT_EXPECT_MEMEQ(test, f->shm, copy, f->shm_len);
}

static void md_test_init(struct kunit *test)
{
	struct md_fixture *f = md_alloc(test, 8);
	struct qcom_md_subsystem *ss = &f->toc->subsys[QCOM_MD_SUBSYS_APSS];
	struct qcom_md_subsystem other;
	unsigned int i;

	/* What a previous kernel could have left: valid-looking entries. */
	ss->region_count = cpu_to_le32(3);
	for (i = 0; i < f->capacity; i++) {
		f->regions[i].valid = cpu_to_le32(QCOM_MD_REGION_VALID);
		f->regions[i].size = cpu_to_le64(4096);
	}
	/* Another subsystem's header: not ours to touch. */
	memset(&f->toc->subsys[1], 0x5a, sizeof(other));
	other = f->toc->subsys[1];

	KUNIT_ASSERT_EQ(test, qcom_md_table_init(&f->t, "md_test", f->toc,
						 f->regions, f->regions_phys,
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
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->region_count), 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ss->regions_baseptr),
			(u64)f->regions_phys);
	for (i = 0; i < f->capacity; i++) {
		KUNIT_EXPECT_TRUE(test, md_invalid(f, i));
		KUNIT_EXPECT_EQ(test, le64_to_cpu(f->regions[i].size), 0);
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

	KUNIT_ASSERT_EQ(test, md_reg(f, KMEMDUMP_ID_LINUX_BANNER, a, 100), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 1);
	md_expect_entry(test, f, 0, "linux_banner", 0, virt_to_phys(a), 100);

	KUNIT_ASSERT_EQ(test, md_reg(f, dyn, b + 10, PAGE_SIZE + 20), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 2);
	md_dyn_name(dyn, name, sizeof(name));
	md_expect_entry(test, f, 1, name, 0, virt_to_phys(b + 10),
			PAGE_SIZE + 20);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 2);

	/* Same ID twice, bad memory: refused, nothing written. */
	KUNIT_EXPECT_EQ(test, md_reg(f, dyn, a, 10), -EEXIST);
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_NO_ID, a, 10), -EINVAL);
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_COREIMAGE_ELF, NULL, 10),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_COREIMAGE_ELF, a, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 2);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 2);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 2));

	/* Removing the last slot shrinks region_count. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, dyn), 0);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 1));
	KUNIT_EXPECT_EQ(test, md_region_count(f), 1);
	KUNIT_EXPECT_EQ(test, md_unreg(f, dyn), -ENOENT);
	KUNIT_EXPECT_EQ(test, md_unreg(f, KMEMDUMP_ID_NO_ID), -EINVAL);

	KUNIT_EXPECT_EQ(test, md_unreg(f, KMEMDUMP_ID_LINUX_BANNER), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 0);
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
	KUNIT_EXPECT_EQ(test, md_region_count(f), MD_TEST_SCATTERED_PAGES);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), MD_TEST_SCATTERED_PAGES);

	/* One entry per page, in address order, from the page tables. */
	for (k = 0; k < MD_TEST_SCATTERED_PAGES; k++) {
		void *page_va = s->vaddr + k * PAGE_SIZE;
		phys_addr_t pa = page_to_phys(vmalloc_to_page(page_va));
		size_t len = PAGE_SIZE;

		if (k == 0) {
			pa += head;
			len -= head;
		}
		if (k == MD_TEST_SCATTERED_PAGES - 1)
			len -= tail;
		md_expect_entry(test, f, k, name, k, pa, len);
	}

	KUNIT_EXPECT_EQ(test, md_unreg(f, id), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 0);
	KUNIT_EXPECT_TRUE(test, md_markers_sane(f));
}

static void md_test_slot_reuse(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 8);
	enum kmemdump_uid a = KMEMDUMP_ID_DYNAMIC_START, b = a + 1, c = a + 2;
	enum kmemdump_uid d = a + 3;
	char *buf = md_linear_buf(test, 4 * 64);
	char name[QCOM_MD_NAME_LEN];

	KUNIT_ASSERT_EQ(test, md_reg(f, a, buf, 64), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, b, buf + 64, 64), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, c, buf + 128, 64), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 3);

	/* A hole below region_count: count stays, the slot goes INVA. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, b), 0);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 1));
	KUNIT_EXPECT_EQ(test, md_region_count(f), 3);

	/* The hole is reused before the array grows. */
	KUNIT_ASSERT_EQ(test, md_reg(f, d, buf + 192, 64), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 3);
	md_dyn_name(d, name, sizeof(name));
	md_expect_entry(test, f, 1, name, 0, virt_to_phys(buf + 192), 64);
	KUNIT_EXPECT_TRUE(test, md_invalid(f, 3));

	/* Last slot removed: region_count shrinks by one. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, c), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 2);
	/* First slot removed: a hole, no change. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, a), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 2);
	/* Last one: shrinks past the hole to 0. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, d), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
	KUNIT_EXPECT_TRUE(test, md_markers_sane(f));
}

static void md_test_capacity(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 4);
	struct md_scattered *s = md_scattered_alloc(test);
	enum kmemdump_uid a = KMEMDUMP_ID_DYNAMIC_START, b = a + 1, c = a + 2;
	enum kmemdump_uid v = a + 3;
	size_t vsize = MD_TEST_SCATTERED_PAGES * PAGE_SIZE;
	char *buf = md_linear_buf(test, 3 * 64);
	char vname[QCOM_MD_NAME_LEN];
	unsigned int i;

	md_dyn_name(v, vname, sizeof(vname));
	KUNIT_ASSERT_EQ(test, md_reg(f, a, buf, 64), 0);
	KUNIT_ASSERT_EQ(test, md_reg(f, b, buf + 64, 64), 0);

	/* 3 entries needed, 2 free: refused, and no entry of it is VALI. */
	KUNIT_EXPECT_EQ(test, md_reg(f, v, s->vaddr, vsize), -ENOSPC);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 2);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 2);
	for (i = 0; i < f->capacity; i++)
		if (md_valid(f, i))
			KUNIT_EXPECT_NE(test, strncmp(f->regions[i].name, vname,
						      QCOM_MD_NAME_LEN), 0);
	KUNIT_EXPECT_TRUE(test, md_markers_sane(f));

	/* Freeing one slot makes room: slots 1-3, the table is full. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, b), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 1);
	KUNIT_ASSERT_EQ(test, md_reg(f, v, s->vaddr, vsize), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 4);
	for (i = 0; i < MD_TEST_SCATTERED_PAGES; i++)
		md_expect_entry(test, f, 1 + i, vname, i,
				page_to_phys(vmalloc_to_page(s->vaddr +
							     i * PAGE_SIZE)),
				PAGE_SIZE);

	/* Full: even a one-chunk region is refused, the table unchanged. */
	KUNIT_EXPECT_EQ(test, md_reg(f, c, buf + 128, 64), -ENOSPC);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 4);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 4);

	/* And after that, removal still works. */
	KUNIT_EXPECT_EQ(test, md_unreg(f, v), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 1);
	KUNIT_EXPECT_EQ(test, md_unreg(f, a), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 0);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), 0);
}

static void md_test_names(struct kunit *test)
{
	static const struct {
		enum kmemdump_uid id;
		const char *name;
	} predefined[] = {
		/* The names firmware sees (md_<name>.BIN): part of the ABI. */
		{ KMEMDUMP_ID_LINUX_BANNER, "linux_banner" },
		{ KMEMDUMP_ID_COREIMAGE_ELF, "elf_header" },
		{ KMEMDUMP_ID_COREIMAGE_VMCOREINFO, "vmcoreinfo" },
	};
	struct md_fixture *f = md_setup(test, 8);
	enum kmemdump_uid dyn[] = { KMEMDUMP_ID_DYNAMIC_START,
				    KMEMDUMP_ID_MAX - 1 };
	char *buf = md_linear_buf(test, 64);
	char name[QCOM_MD_NAME_LEN];
	unsigned int i, slot = 0;

	for (i = 0; i < ARRAY_SIZE(predefined); i++, slot++) {
		KUNIT_ASSERT_EQ(test, md_reg(f, predefined[i].id, buf + slot,
					     1), 0);
		md_expect_entry(test, f, slot, predefined[i].name, 0,
				virt_to_phys(buf + slot), 1);
	}
	for (i = 0; i < ARRAY_SIZE(dyn); i++, slot++) {
		KUNIT_ASSERT_EQ(test, md_reg(f, dyn[i], buf + slot, 1), 0);
		md_dyn_name(dyn[i], name, sizeof(name));
		md_expect_entry(test, f, slot, name, 0,
				virt_to_phys(buf + slot), 1);
	}

	/* An ID kmemdump cannot name is refused before anything is written. */
	KUNIT_EXPECT_EQ(test, md_reg(f, KMEMDUMP_ID_MAX, buf, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, md_nr_valid(f), slot);
	KUNIT_EXPECT_EQ(test, md_region_count(f), slot);

	for (i = 0; i < ARRAY_SIZE(predefined); i++)
		KUNIT_EXPECT_EQ(test, md_unreg(f, predefined[i].id), 0);
	for (i = 0; i < ARRAY_SIZE(dyn); i++)
		KUNIT_EXPECT_EQ(test, md_unreg(f, dyn[i]), 0);
	KUNIT_EXPECT_EQ(test, md_region_count(f), 0);
}

static void md_unregister_backend_action(void *arg)
{
	qcom_md_table_unregister_backend(arg);
}

/* Slot holding chunk 0 of region @name, or -1. */
static int md_find(struct md_fixture *f, const char *name)
{
	unsigned int i;

	for (i = 0; i < md_region_count(f) && i < f->capacity; i++)
		if (md_valid(f, i) && !le32_to_cpu(f->regions[i].seq_num) &&
		    !strncmp(f->regions[i].name, name, QCOM_MD_NAME_LEN))
			return i;
	return -1;
}

/* Through kmemdump: replay, live registration, withdrawal on the way out. */
static void md_test_kmemdump_backend(struct kunit *test)
{
	struct md_fixture *f = md_setup(test, 1024);
	char *buf = md_linear_buf(test, 64);
	char name[QCOM_MD_NAME_LEN];
	int ret, id, slot;

	ret = qcom_md_table_register_backend(&f->t);
	if (ret == -EBUSY)
		kunit_skip(test, "another kmemdump backend is active");
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* Unregister before the fixture is freed, even if an assert fails. */
	ret = kunit_add_action_or_reset(test, md_unregister_backend_action,
					&f->t);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/* Replayed: init/version.c registers linux_banner at boot. */
	slot = md_find(f, "linux_banner");
	KUNIT_ASSERT_GE(test, slot, 0);
	KUNIT_EXPECT_GT(test, le64_to_cpu(f->regions[slot].size), 0);

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
	KUNIT_EXPECT_EQ(test, md_region_count(f), 0);
	KUNIT_EXPECT_EQ(test, f->t.used, 0);
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
	{}
};

static struct kunit_suite md_test_suite = {
	.name = "qcom_minidump_table",
	.test_cases = md_test_cases,
};

kunit_test_suite(md_test_suite);

MODULE_DESCRIPTION("KUnit tests for the Qualcomm minidump table backend");
MODULE_LICENSE("GPL");

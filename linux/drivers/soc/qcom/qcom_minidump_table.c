// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump backend that publishes regions in a Qualcomm minidump table.
 *
 * The table lives in memory shared with an agent outside the kernel: boot
 * firmware on Qualcomm SoCs, a host program for a virtual machine. A
 * transport driver finds and maps that memory; this file only knows the
 * layout and the rules for updating it.
 */

#define pr_fmt(fmt) "qcom_minidump_table: " fmt

#include <linux/align.h>
#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kmemdump.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/soc/qcom/minidump_table.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

/**
 * DOC: minidump table update protocol
 *
 * The firmware reads the table at an arbitrary instant: the kernel may
 * have frozen in the middle of an update, on any CPU, with interrupts off.
 * It never takes a lock and never waits for the kernel. So every state the
 * kernel can leave shared memory in must read as one complete table: the
 * one before an update or the one after it, never a mix.
 *
 * Double buffering gives that. The APSS subsystem's region_count is fixed
 * (the capacity of one array); there are two region arrays, and
 * regions_baseptr points the firmware at one of them, the published one.
 *
 *  - The published array is never written.
 *  - Every change (register, unregister, a chunk re-pointed in place at a
 *    context switch, the core image re-pointing its header) goes into a
 *    kernel copy, @staged. kmemdump ends each
 *    operation with a commit, which brings the other array up to date:
 *    it holds the table of two commits ago, so the entries the previous
 *    commit and this one changed (a bitmap each) are copied from
 *    @staged (freed entries as INVA); wmb(); then regions_baseptr is
 *    switched to that array with one aligned 64-bit WRITE_ONCE().
 *  - A firmware that read regions_baseptr before the switch reads the old
 *    array, untouched; after it, the new array, complete.
 *
 * The kmemdump core image describes the regions in an ELF header whose
 * buffer is switched inside the same commit (the header region is
 * re-pointed at the other buffer, staged like any change), so the table
 * and the header the firmware finds always belong to one generation.
 *
 * Layout rules, for tools that lay the copies end to end:
 *
 *  - entry 0 belongs to the core image's ELF header (chunk 0 of
 *    KMEMDUMP_ID_COREIMAGE_ELF) and to nothing else;
 *  - every other chunk takes the lowest free entry from 1; a region with
 *    several chunks (vmalloc memory is physically scattered) has entries
 *    with its name and seq_num 0, 1, 2... in address order, wherever the
 *    free entries are. The backend reports each chunk's entry
 *    (&kmemdump_backend.chunk_position), and the core image orders its
 *    PT_LOADs by it.
 *
 * A region is staged whole or not at all: free entries are counted before
 * the first is written, and if writing still fails, the entries already
 * staged are withdrawn.
 *
 * Initialisation (before the backend is registered): region_count = 0,
 * wmb(), so the firmware ignores whatever a previous kernel left; both
 * arrays INVA, regions_baseptr = array 0, the encryption fields,
 * region_count = capacity; wmb(); enabled = ENBL and status = 1 last.
 *
 * The shared memory is normal cacheable memory (SMEM, or a PCI BAR
 * mapped with memremap(MEMREMAP_WB)). wmb() orders the stores as seen by
 * other agents; it does not write them back from the caches. Qualcomm boot
 * firmware cleans the caches before it reads the table, and a hypervisor
 * reads guest memory through the same coherent view as the guest's CPUs.
 * Every store to shared memory is followed by kmemdump_shared_store(), a
 * no-op unless a KUnit test hooks it to check each intermediate state.
 */

/* Entry 0 is the core image's ELF header, first in the firmware's output. */
#define QCOM_MD_HEADER_ENTRY	0

static struct qcom_md_subsystem *qcom_md_apss(struct qcom_md_table *t)
{
	return &t->toc->subsys[QCOM_MD_SUBSYS_APSS];
}

static struct qcom_md_table *to_qcom_md_table(struct kmemdump_backend *be)
{
	return container_of(be, struct qcom_md_table, be);
}

static bool qcom_md_is_header(enum kmemdump_uid id, u32 seq)
{
	return id == KMEMDUMP_ID_COREIMAGE_ELF && seq == 0;
}

static bool qcom_md_has_region(struct qcom_md_table *t, enum kmemdump_uid id)
{
	unsigned int i;

	for (i = 0; i < t->hi; i++)
		if (t->owner[i] == id)
			return true;
	return false;
}

/* Entry for chunk @seq of @id: entry 0 for the header, else lowest free. */
static int qcom_md_free_slot(struct qcom_md_table *t, enum kmemdump_uid id,
			     u32 seq)
{
	unsigned int i;

	if (qcom_md_is_header(id, seq))
		return t->owner[QCOM_MD_HEADER_ENTRY] ? -EEXIST :
		       QCOM_MD_HEADER_ENTRY;
	for (i = QCOM_MD_HEADER_ENTRY + 1; i < t->capacity; i++)
		if (t->owner[i] == KMEMDUMP_ID_NO_ID)
			return i;
	return -ENOSPC;
}

/* Free entries a region other than the header can take. */
static unsigned int qcom_md_free_entries(struct qcom_md_table *t)
{
	unsigned int header = t->owner[QCOM_MD_HEADER_ENTRY] ? 1 : 0;

	return t->capacity - 1 - (t->used - header);
}

/* Entry @i of @staged changed: the next commit copies it. */
static void qcom_md_touch(struct qcom_md_table *t, unsigned int i)
{
	__set_bit(i, t->chg);
	t->dirty = true;
}

static void qcom_md_set_free(struct qcom_md_region *e)
{
	memset(e, 0, sizeof(*e));
	e->valid = cpu_to_le32(QCOM_MD_REGION_INVALID);
}

/* State of one region being staged, chunk by chunk. */
struct qcom_md_add {
	struct qcom_md_table *t;
	enum kmemdump_uid id;
	char name[QCOM_MD_NAME_LEN];
	u32 seq;
};

static int qcom_md_count_chunk(phys_addr_t phys, const void *vaddr,
			       size_t len, void *arg)
{
	unsigned int *n = arg;

	(*n)++;
	return 0;
}

static int qcom_md_add_chunk(phys_addr_t phys, const void *vaddr, size_t len,
			     void *arg)
{
	struct qcom_md_add *a = arg;
	struct qcom_md_table *t = a->t;
	struct qcom_md_region *e;
	int slot;

	slot = qcom_md_free_slot(t, a->id, a->seq);
	if (slot < 0)
		return slot;
	e = &t->staged[slot];
	memcpy(e->name, a->name, sizeof(e->name));
	e->seq_num = cpu_to_le32(a->seq);
	e->address = cpu_to_le64(phys);
	e->size = cpu_to_le64(len);
	e->valid = cpu_to_le32(QCOM_MD_REGION_VALID);
	t->owner[slot] = a->id;
	t->used++;
	t->hi = max_t(unsigned int, t->hi, slot + 1);
	qcom_md_touch(t, slot);
	a->seq++;
	return 0;
}

/* Withdraw every entry of region @id; returns how many there were. */
static unsigned int qcom_md_remove(struct qcom_md_table *t,
				   enum kmemdump_uid id)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->hi; i++) {
		if (t->owner[i] != id)
			continue;
		qcom_md_set_free(&t->staged[i]);
		t->owner[i] = KMEMDUMP_ID_NO_ID;
		t->used--;
		qcom_md_touch(t, i);
		n++;
	}
	while (t->hi && t->owner[t->hi - 1] == KMEMDUMP_ID_NO_ID)
		t->hi--;
	return n;
}

static int qcom_md_register_region(struct kmemdump_backend *be,
				   enum kmemdump_uid id, const void *vaddr,
				   size_t size)
{
	struct qcom_md_table *t = to_qcom_md_table(be);
	struct qcom_md_add a = { .t = t, .id = id };
	unsigned int chunks = 0;
	int ret;

	if (id == KMEMDUMP_ID_NO_ID)
		return -EINVAL;
	if (qcom_md_has_region(t, id))
		return -EEXIST;
	/* a.name is zeroed: the name goes out NUL-padded to 16 bytes. */
	ret = kmemdump_id_name(id, a.name, sizeof(a.name));
	if (ret)
		return ret;

	/* Count first, so a region that does not fit is never half staged. */
	ret = kmemdump_walk_chunks(vaddr, size, qcom_md_count_chunk, &chunks);
	if (ret)
		return ret;
	if (id == KMEMDUMP_ID_COREIMAGE_ELF)
		chunks--;	/* chunk 0 has its own entry */
	if (chunks > qcom_md_free_entries(t)) {
		pr_warn_ratelimited("table full: %s needs %u entries, %u of %u free\n",
				    a.name, chunks, qcom_md_free_entries(t),
				    t->capacity);
		return -ENOSPC;
	}

	ret = kmemdump_walk_chunks(vaddr, size, qcom_md_add_chunk, &a);
	if (ret)
		/* All or nothing: withdraw the chunks already staged. */
		qcom_md_remove(t, id);
	return ret;
}

static int qcom_md_unregister_region(struct kmemdump_backend *be,
				     enum kmemdump_uid id)
{
	struct qcom_md_table *t = to_qcom_md_table(be);

	if (id == KMEMDUMP_ID_NO_ID)
		return -EINVAL;
	return qcom_md_remove(t, id) ? 0 : -ENOENT;
}

/*
 * The entry of chunk @seq of @id. The search starts after the entry found
 * last: a region's chunks usually sit in a row, and a context switch
 * re-points them in order.
 */
static int qcom_md_find_chunk(struct qcom_md_table *t, enum kmemdump_uid id,
			      unsigned int seq)
{
	unsigned int i, k;

	for (k = 0, i = t->hint; k < t->hi; k++, i++) {
		if (i >= t->hi)
			i = 0;
		if (t->owner[i] == id &&
		    le32_to_cpu(t->staged[i].seq_num) == seq) {
			t->hint = i + 1;
			return i;
		}
	}
	return -ENOENT;
}

static int qcom_md_chunk_position(struct kmemdump_backend *be,
				  enum kmemdump_uid id, unsigned int seq)
{
	return qcom_md_find_chunk(to_qcom_md_table(be), id, seq);
}

/* Re-point an entry in @staged: only its address changes. */
static int qcom_md_move_chunk(struct kmemdump_backend *be,
			      enum kmemdump_uid id, unsigned int seq, int hint,
			      phys_addr_t phys)
{
	struct qcom_md_table *t = to_qcom_md_table(be);
	int i = hint;

	/* Where kmemdump saw it last: a context switch needs no search. */
	if (i < 0 || i >= t->hi || t->owner[i] != id ||
	    le32_to_cpu(t->staged[i].seq_num) != seq)
		i = qcom_md_find_chunk(t, id, seq);

	if (i < 0)
		return i;
	t->staged[i].address = cpu_to_le64(phys);
	qcom_md_touch(t, i);
	return i;
}

/*
 * Field by field: a struct assignment may become a string instruction
 * (rep movs with -Os), slow to start for 40 bytes, and one emulated
 * iteration per 4 bytes under QEMU TCG. A commit copies several.
 */
static void qcom_md_copy_entry(struct qcom_md_table *t, unsigned int n,
			       unsigned int i)
{
	struct qcom_md_region *dst = &t->regions[n][i];
	const struct qcom_md_region *src = &t->staged[i];

	memcpy(dst->name, src->name, sizeof(dst->name));
	dst->seq_num = src->seq_num;
	dst->valid = src->valid;
	dst->address = src->address;
	dst->size = src->size;
	kmemdump_shared_store(dst, sizeof(*dst));
}

/*
 * Publish @staged: fill the other array, then switch to it (see DOC).
 * One pass over both bitmaps, word by word: a context switch changes a
 * handful of entries of a table that may have a thousand.
 */
static void qcom_md_commit(struct kmemdump_backend *be)
{
	struct qcom_md_table *t = to_qcom_md_table(be);
	unsigned int n = t->published ^ 1, w;
	struct qcom_md_subsystem *ss = qcom_md_apss(t);
	unsigned long m;

	if (!t->dirty)
		return;
	/* Array n is two commits old: the last commit's changes and ours. */
	for (w = 0; w < BITS_TO_LONGS(t->capacity); w++) {
		m = t->chg[w] | t->prev_chg[w];
		/* Becomes this commit's bitmap, for the next one: empty. */
		t->prev_chg[w] = 0;
		for (; m; m &= m - 1)
			qcom_md_copy_entry(t, n, w * BITS_PER_LONG + __ffs(m));
	}
	swap(t->chg, t->prev_chg);
	/* The whole array before the pointer that makes firmware use it. */
	wmb();
	WRITE_ONCE(ss->regions_baseptr, cpu_to_le64(t->regions_phys[n]));
	kmemdump_shared_store(&ss->regions_baseptr, sizeof(ss->regions_baseptr));
	t->published = n;
	t->dirty = false;
}

static void qcom_md_free(struct qcom_md_table *t)
{
	kfree(t->owner);
	kfree(t->staged);
	bitmap_free(t->chg);
	bitmap_free(t->prev_chg);
	t->owner = NULL;
	t->staged = NULL;
	t->chg = NULL;
	t->prev_chg = NULL;
}

/**
 * qcom_md_table_init() - take over the APSS part of a minidump table
 * @t: the table state to set up
 * @name: name of the kmemdump backend, shown in debugfs and messages
 * @toc: the global table of contents, mapped, 8-byte aligned
 * @regions: memory for the two APSS region arrays, mapped, 8-byte
 *	aligned, 2 * @capacity entries long (array 0, then array 1); it must
 *	not overlap @toc
 * @regions_phys: physical address of @regions as the firmware sees it
 * @capacity: number of entries of each array
 *
 * Checks that firmware initialised @toc, then writes the APSS subsystem
 * header and two empty region arrays (see the DOC section above for the
 * order). Nothing is written to shared memory unless the check passes, so
 * calling this on memory meant for something else does no harm.
 *
 * Call qcom_md_table_register_backend() next to start publishing regions,
 * and qcom_md_table_destroy() when done with @t.
 *
 * Context: process context; allocates memory.
 * Return: 0; -EINVAL for a NULL or misaligned argument or @capacity below
 * 2 (the header's entry and one more); -ENODEV if @toc does not hold a
 * firmware-initialised table of contents (status 1, revision 1, enabled
 * "ENBL"); -ENOMEM.
 */
int qcom_md_table_init(struct qcom_md_table *t, const char *name, void *toc,
		       void *regions, phys_addr_t regions_phys,
		       unsigned int capacity)
{
	struct qcom_md_region *arrays = regions;
	struct qcom_md_subsystem *ss;
	struct qcom_md_toc *mt = toc;
	unsigned int i;

	if (!t || !name || !toc || !regions || capacity < 2 ||
	    !IS_ALIGNED((unsigned long)toc, 8) ||
	    !IS_ALIGNED((unsigned long)regions, 8) ||
	    !IS_ALIGNED(regions_phys, 8))
		return -EINVAL;

	if (le32_to_cpu(READ_ONCE(mt->status)) != QCOM_MD_TOC_STATUS_INIT ||
	    le32_to_cpu(READ_ONCE(mt->md_revision)) != QCOM_MD_REVISION ||
	    le32_to_cpu(READ_ONCE(mt->enabled)) != QCOM_MD_ENABLED)
		return -ENODEV;

	memset(t, 0, sizeof(*t));
	t->owner = kcalloc(capacity, sizeof(*t->owner), GFP_KERNEL);
	t->staged = kcalloc(capacity, sizeof(*t->staged), GFP_KERNEL);
	t->chg = bitmap_zalloc(capacity, GFP_KERNEL);
	t->prev_chg = bitmap_zalloc(capacity, GFP_KERNEL);
	if (!t->owner || !t->staged || !t->chg || !t->prev_chg) {
		qcom_md_free(t);
		return -ENOMEM;
	}
	t->be.name = name;
	t->be.register_region = qcom_md_register_region;
	t->be.unregister_region = qcom_md_unregister_region;
	t->be.chunk_position = qcom_md_chunk_position;
	t->be.move_chunk = qcom_md_move_chunk;
	/* Firmware reads this table when the machine hangs: follow the CPUs. */
	t->be.follow_cpus = true;
	t->be.commit = qcom_md_commit;
	t->toc = mt;
	t->regions[0] = arrays;
	t->regions[1] = arrays + capacity;
	t->regions_phys[0] = regions_phys;
	t->regions_phys[1] = regions_phys + capacity * sizeof(*arrays);
	t->capacity = capacity;
	for (i = 0; i < capacity; i++)
		qcom_md_set_free(&t->staged[i]);

	ss = qcom_md_apss(t);
	WRITE_ONCE(ss->region_count, 0);
	/*
	 * A previous kernel may have left entries: region_count 0 hides them
	 * before the arrays and their address are rewritten.
	 */
	wmb();
	for (i = 0; i < 2 * capacity; i++)
		qcom_md_set_free(&arrays[i]);
	ss->regions_baseptr = cpu_to_le64(regions_phys);
	ss->encryption_status = 0;
	ss->encryption_required = cpu_to_le32(QCOM_MD_ENCR_NOTREQ);
	ss->reserved = 0;
	ss->region_count = cpu_to_le32(capacity);
	/* The header and the empty arrays before the markers announcing them. */
	wmb();
	WRITE_ONCE(ss->enabled, cpu_to_le32(QCOM_MD_ENABLED));
	WRITE_ONCE(ss->status, cpu_to_le32(QCOM_MD_SS_STATUS_INIT));
	return 0;
}
EXPORT_SYMBOL_GPL(qcom_md_table_init);

/**
 * qcom_md_table_destroy() - free what qcom_md_table_init() allocated
 * @t: a table whose backend is not registered (any more)
 *
 * The shared memory is left as it is: after the backend was unregistered
 * the published array holds no valid entry.
 */
void qcom_md_table_destroy(struct qcom_md_table *t)
{
	/* Entries left: the backend is still registered and would use @t. */
	WARN_ON(t->used);
	qcom_md_free(t);
}
EXPORT_SYMBOL_GPL(qcom_md_table_destroy);

/**
 * qcom_md_table_register_backend() - publish kmemdump's regions in @t
 * @t: a table set up by qcom_md_table_init()
 *
 * Registers @t's backend with kmemdump, which replays every region
 * registered so far into the table and replaces the backend that was
 * active. If one of them does not fit, the table is left empty and
 * kmemdump keeps its previous backend.
 *
 * Return: 0, or the error of kmemdump_register_backend(): -EEXIST if @t
 * is already the backend, -ENOSPC if the regions do not fit.
 */
int qcom_md_table_register_backend(struct qcom_md_table *t)
{
	return kmemdump_register_backend(&t->be);
}
EXPORT_SYMBOL_GPL(qcom_md_table_register_backend);

/**
 * qcom_md_table_unregister_backend() - stop publishing regions in @t
 * @t: a table whose backend is registered
 *
 * Every entry is withdrawn and the empty table published. After this
 * returns kmemdump no longer calls into @t, so the shared memory may be
 * unmapped and @t destroyed.
 *
 * Return: 0, or -EINVAL if @t's backend is not the active one.
 */
int qcom_md_table_unregister_backend(struct qcom_md_table *t)
{
	return kmemdump_unregister_backend(&t->be);
}
EXPORT_SYMBOL_GPL(qcom_md_table_unregister_backend);

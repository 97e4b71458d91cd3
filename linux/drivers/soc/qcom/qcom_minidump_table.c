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
 * kernel can leave the table in must be one the firmware interprets
 * correctly. Two rules give that:
 *
 *  1. An entry whose marker is VALI is complete: its name, sequence
 *     number, address and size all describe the same chunk.
 *  2. The subsystem's region_count only covers slots that were written
 *     (slots beyond it are ignored, whatever they hold).
 *
 * Initialisation (before the backend is registered):
 *
 *  - region_count = 0, then wmb(), so the firmware ignores the array
 *    while it is rewritten; a previous kernel may have left one behind;
 *  - every entry zeroed and marked INVA, the array's address, the
 *    encryption fields; wmb();
 *  - enabled = ENBL and status = 1 last.
 *
 * Adding a chunk:
 *
 *  - pick a free slot: the lowest INVA slot below region_count, else slot
 *    region_count itself. A free slot is INVA, so the firmware skips it
 *    while it is being filled;
 *  - write name, seq_num, address and size; wmb();
 *  - valid = VALI; wmb();
 *  - if the slot is region_count, region_count = slot + 1.
 *
 * Removing a region:
 *
 *  - valid = INVA in each of its slots; wmb(). The barrier also orders the
 *    invalidation before whatever the caller does next to the memory, such
 *    as freeing it for reuse;
 *  - if that emptied the tail of the array, lower region_count past every
 *    trailing INVA slot.
 *
 * The markers and region_count are naturally aligned 32-bit words written
 * with WRITE_ONCE(), so the firmware sees either the old or the new value.
 * The other fields may tear while being written, but only in slots the
 * firmware ignores at that moment (rule 1 and 2).
 *
 * A region may need several entries (vmalloc memory is physically
 * scattered): they all carry the region's name and seq_num 0, 1, 2... in
 * address order. A region is published whole or not at all: free slots
 * are counted before the first is written, and if writing still fails,
 * the entries already written are withdrawn. The firmware may catch a
 * region half published or half withdrawn; every entry it sees as VALI is
 * still correct.
 *
 * The kernel never reads back the array: which slot belongs to which
 * region, the number of valid entries and region_count are kept in
 * &struct qcom_md_table, in kernel memory. Only the TOC's markers are
 * read, once, to check that firmware set the table up.
 *
 * The shared memory is normal cacheable memory (SMEM, or a PCI BAR
 * mapped with memremap(MEMREMAP_WB)). wmb() orders the stores as seen by
 * other agents; it does not write them back from the caches. Qualcomm boot
 * firmware cleans the caches before it reads the table, and a hypervisor
 * reads guest memory through the same coherent view as the guest's CPUs.
 */

static struct qcom_md_subsystem *qcom_md_apss(struct qcom_md_table *t)
{
	return &t->toc->subsys[QCOM_MD_SUBSYS_APSS];
}

static struct qcom_md_table *to_qcom_md_table(struct kmemdump_backend *be)
{
	return container_of(be, struct qcom_md_table, be);
}

static bool qcom_md_has_region(struct qcom_md_table *t, enum kmemdump_uid id)
{
	unsigned int i;

	for (i = 0; i < t->count; i++)
		if (t->owner[i] == id)
			return true;
	return false;
}

/* Lowest free slot below region_count, else region_count, else -ENOSPC. */
static int qcom_md_free_slot(struct qcom_md_table *t)
{
	unsigned int i;

	for (i = 0; i < t->count; i++)
		if (t->owner[i] == KMEMDUMP_ID_NO_ID)
			return i;
	return t->count < t->capacity ? t->count : -ENOSPC;
}

/* State of one region being published, chunk by chunk. */
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

	slot = qcom_md_free_slot(t);
	if (slot < 0)
		return slot;
	e = &t->regions[slot];

	/* The slot is INVA: the firmware skips it while it is incomplete. */
	memcpy(e->name, a->name, sizeof(e->name));
	e->seq_num = cpu_to_le32(a->seq);
	e->address = cpu_to_le64(phys);
	e->size = cpu_to_le64(len);
	/* All fields before the marker that makes the firmware use them. */
	wmb();
	WRITE_ONCE(e->valid, cpu_to_le32(QCOM_MD_REGION_VALID));

	t->owner[slot] = a->id;
	t->used++;
	a->seq++;
	if (slot == t->count) {
		/* A complete entry before the count that covers it. */
		wmb();
		t->count++;
		WRITE_ONCE(qcom_md_apss(t)->region_count,
			   cpu_to_le32(t->count));
	}
	return 0;
}

/* Withdraw every entry of region @id; returns how many there were. */
static unsigned int qcom_md_remove(struct qcom_md_table *t,
				   enum kmemdump_uid id)
{
	unsigned int i, n = 0, count = t->count;

	for (i = 0; i < t->count; i++) {
		if (t->owner[i] != id)
			continue;
		WRITE_ONCE(t->regions[i].valid,
			   cpu_to_le32(QCOM_MD_REGION_INVALID));
		t->owner[i] = KMEMDUMP_ID_NO_ID;
		t->used--;
		n++;
	}
	if (!n)
		return 0;
	/*
	 * The firmware must stop using the entries before the caller reuses
	 * the memory they describe, and before region_count shrinks.
	 */
	wmb();

	while (count && t->owner[count - 1] == KMEMDUMP_ID_NO_ID)
		count--;
	if (count != t->count) {
		t->count = count;
		WRITE_ONCE(qcom_md_apss(t)->region_count, cpu_to_le32(count));
	}
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

	/* Count first, so a region that does not fit is never half shown. */
	ret = kmemdump_walk_chunks(vaddr, size, qcom_md_count_chunk, &chunks);
	if (ret)
		return ret;
	if (chunks > t->capacity - t->used) {
		pr_warn_ratelimited("table full: %s needs %u entries, %u of %u free\n",
				    a.name, chunks, t->capacity - t->used,
				    t->capacity);
		return -ENOSPC;
	}

	ret = kmemdump_walk_chunks(vaddr, size, qcom_md_add_chunk, &a);
	if (ret)
		/* All or nothing: withdraw the chunks already published. */
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

/**
 * qcom_md_table_init() - take over the APSS part of a minidump table
 * @t: the table state to set up
 * @name: name of the kmemdump backend, shown in debugfs and messages
 * @toc: the global table of contents, mapped, 8-byte aligned
 * @regions: memory for the APSS region array, mapped, 8-byte aligned,
 *	@capacity entries long; it must not overlap @toc
 * @regions_phys: physical address of @regions as the firmware sees it
 * @capacity: number of entries @regions holds
 *
 * Checks that firmware initialised @toc, then writes the APSS subsystem
 * header and an empty region array (see the DOC section above for the
 * order). Nothing is written to shared memory unless the check passes, so
 * calling this on memory meant for something else does no harm.
 *
 * Call qcom_md_table_register_backend() next to start publishing regions,
 * and qcom_md_table_destroy() when done with @t.
 *
 * Context: process context; allocates memory.
 * Return: 0; -EINVAL for a NULL or misaligned argument or @capacity 0;
 * -ENODEV if @toc does not hold a firmware-initialised table of contents
 * (status 1, revision 1, enabled "ENBL"); -ENOMEM.
 */
int qcom_md_table_init(struct qcom_md_table *t, const char *name, void *toc,
		       void *regions, phys_addr_t regions_phys,
		       unsigned int capacity)
{
	struct qcom_md_subsystem *ss;
	struct qcom_md_toc *mt = toc;
	unsigned int i;

	if (!t || !name || !toc || !regions || !capacity ||
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
	if (!t->owner)
		return -ENOMEM;
	t->be.name = name;
	t->be.register_region = qcom_md_register_region;
	t->be.unregister_region = qcom_md_unregister_region;
	t->toc = mt;
	t->regions = regions;
	t->regions_phys = regions_phys;
	t->capacity = capacity;

	ss = qcom_md_apss(t);
	WRITE_ONCE(ss->region_count, 0);
	/*
	 * A previous kernel may have left entries: region_count 0 hides them
	 * before the array and its address are rewritten.
	 */
	wmb();
	memset(t->regions, 0, array_size(capacity, sizeof(*t->regions)));
	for (i = 0; i < capacity; i++)
		t->regions[i].valid = cpu_to_le32(QCOM_MD_REGION_INVALID);
	ss->regions_baseptr = cpu_to_le64(regions_phys);
	ss->encryption_status = 0;
	ss->encryption_required = cpu_to_le32(QCOM_MD_ENCR_NOTREQ);
	ss->reserved = 0;
	/* The header and the empty array before the markers announcing them. */
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
 * it holds no valid entry and region_count is 0.
 */
void qcom_md_table_destroy(struct qcom_md_table *t)
{
	/* Entries left: the backend is still registered and would use @t. */
	WARN_ON(t->used);
	kfree(t->owner);
	t->owner = NULL;
}
EXPORT_SYMBOL_GPL(qcom_md_table_destroy);

/**
 * qcom_md_table_register_backend() - publish kmemdump's regions in @t
 * @t: a table set up by qcom_md_table_init()
 *
 * Registers @t's backend with kmemdump, which replays every region
 * registered so far into the table. If one of them does not fit, the
 * table is left empty and kmemdump keeps its previous backend.
 *
 * Return: 0, or the error of kmemdump_register_backend(): -EBUSY if
 * another backend is active, -ENOSPC if the regions do not fit.
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
 * Every entry is withdrawn and region_count drops to 0. After this
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

// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump core: the region table and the backend that publishes it.
 *
 * Regions live in a fixed array so that registering never allocates and
 * works from early boot on. One spinlock (interrupts off) serialises the
 * table, the ID bitmap and every backend callback, so a backend always sees
 * the exact sequence of changes the table went through, including while it
 * is being replaced. It is a raw spinlock: see kmemdump_lock.
 *
 * Every operation is one transaction: the backend stages its changes, the
 * core image (coreimage.c) follows the placement the backend reports, and
 * one commit at the end publishes both, so that firmware reading at any
 * instant sees the state before the operation or the state after it.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/bitmap.h>
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

/*
 * Raw: registration is promised from any context but NMI, hardirq and
 * IRQs-off sections included, also on PREEMPT_RT where a spinlock_t
 * sleeps. The work under it is bounded by the number of regions.
 */
static DEFINE_RAW_SPINLOCK(kmemdump_lock);
static struct kmemdump_region kmemdump_regions[CONFIG_KMEMDUMP_MAX_REGIONS];

/*
 * Every region's chunks, found once (before the lock is taken) and kept:
 * the backend, the core image and the lifetime checks read them here
 * instead of walking the region's pages again under the lock. Compact:
 * region r owns [r->first, r->first + r->nr_chunks).
 */
#define KMEMDUMP_MAX_CHUNKS	(4 * CONFIG_KMEMDUMP_MAX_REGIONS)
static struct kmemdump_chunk kmemdump_chunks[KMEMDUMP_MAX_CHUNKS];
static unsigned int kmemdump_nr_chunks;

/*
 * The region a backend is being given, lock held: its chunks are the ones
 * the backend's walk must see, even if another region covers the same
 * range with other chunks (a CPU's current stack, kept page by page).
 */
static const struct kmemdump_region *kmemdump_walking;

/* The CPU that holds kmemdump_lock (interrupts off), or -1. */
static int kmemdump_lock_cpu = -1;
static DECLARE_BITMAP(kmemdump_ids, KMEMDUMP_ID_END);
/* Where each registered ID's region is: a lookup, not a scan, per switch. */
static u16 kmemdump_slot_of[KMEMDUMP_ID_END];
static_assert(CONFIG_KMEMDUMP_MAX_REGIONS <= U16_MAX);
static unsigned int kmemdump_count;
/* Dynamic IDs go round: a stale ID does not name the next owner's region. */
static unsigned int kmemdump_next_id = KMEMDUMP_ID_DYNAMIC_START;

static int kmemdump_noop_register(struct kmemdump_backend *be,
				  enum kmemdump_uid id, const void *vaddr,
				  size_t size)
{
	return 0;
}

static int kmemdump_noop_unregister(struct kmemdump_backend *be,
				    enum kmemdump_uid id)
{
	return 0;
}

/* Active from boot until a real backend registers, and after it leaves. */
static struct kmemdump_backend kmemdump_default_backend = {
	.name = "none",
	.register_region = kmemdump_noop_register,
	.unregister_region = kmemdump_noop_unregister,
};

static struct kmemdump_backend *kmemdump_backend = &kmemdump_default_backend;

/* What backends show the firmware: [a-z0-9_], under KMEMDUMP_NAME_LEN. */
static const char * const kmemdump_predefined_names[] = {
	[KMEMDUMP_ID_LINUX_BANNER] = "linux_banner",
	[KMEMDUMP_ID_COREIMAGE_ELF] = "elf_header",
	[KMEMDUMP_ID_COREIMAGE_VMCOREINFO] = "vmcoreinfo",
	[KMEMDUMP_ID_INIT_UTS_NS] = "init_uts_ns",
	[KMEMDUMP_ID_PRINTK_PRB] = "prb",
	[KMEMDUMP_ID_PRINTK_RB] = "printk_rb",
	[KMEMDUMP_ID_PRINTK_DESCS] = "printk_descs",
	[KMEMDUMP_ID_PRINTK_INFOS] = "printk_infos",
	[KMEMDUMP_ID_PRINTK_TEXT] = "printk_text",
	[KMEMDUMP_ID_PANIC_TASK] = "panic_task",
	[KMEMDUMP_ID_PANIC_STACK] = "panic_stack",
};

static_assert(ARRAY_SIZE(kmemdump_predefined_names) == KMEMDUMP_ID_DYNAMIC_START);

/**
 * kmemdump_id_name() - the human-readable name of a region ID
 * @id: a predefined or dynamic ID
 * @buf: where to write the name
 * @len: size of @buf; KMEMDUMP_NAME_LEN always suffices
 *
 * Predefined IDs have fixed names; dynamic IDs are named "dyn<id>", the
 * page-table pages kmemdump registers "pgt<n>", CPU n's current task and
 * stack "cpu<n>_task" and "cpu<n>_stack".
 * The name depends on the ID alone, so it needs no lock.
 *
 * Return: 0, -EINVAL for an ID out of range, -ENOSPC if @buf is too small.
 */
int kmemdump_id_name(enum kmemdump_uid id, char *buf, size_t len)
{
	int n;

	if (id == KMEMDUMP_ID_NO_ID || (unsigned int)id >= KMEMDUMP_ID_END)
		return -EINVAL;
	if (id < KMEMDUMP_ID_DYNAMIC_START)
		n = snprintf(buf, len, "%s", kmemdump_predefined_names[id]);
	else if (id < KMEMDUMP_ID_MAX)
		n = snprintf(buf, len, "dyn%u", (unsigned int)id);
	else if (id < KMEMDUMP_ID_CPU_START)
		n = snprintf(buf, len, "pgt%u", (unsigned int)id - KMEMDUMP_ID_MAX);
	else
		n = snprintf(buf, len, "cpu%u_%s",
			     (unsigned int)(id - KMEMDUMP_ID_CPU_START) / 2,
			     (id - KMEMDUMP_ID_CPU_START) % 2 ? "stack" : "task");
	return n < len ? 0 : -ENOSPC;
}
EXPORT_SYMBOL_GPL(kmemdump_id_name);

unsigned int kmemdump_region_slot(const struct kmemdump_region *r)
{
	return r - kmemdump_regions;
}

static void kmemdump_lock_irqsave(unsigned long *flags)
{
	raw_spin_lock_irqsave(&kmemdump_lock, *flags);
	WRITE_ONCE(kmemdump_lock_cpu, raw_smp_processor_id());
}

static bool kmemdump_trylock_irqsave(unsigned long *flags)
{
	if (!raw_spin_trylock_irqsave(&kmemdump_lock, *flags))
		return false;
	WRITE_ONCE(kmemdump_lock_cpu, raw_smp_processor_id());
	return true;
}

static void kmemdump_unlock_irqrestore(unsigned long flags)
{
	WRITE_ONCE(kmemdump_lock_cpu, -1);
	raw_spin_unlock_irqrestore(&kmemdump_lock, flags);
}

/*
 * Does this CPU hold kmemdump's lock? The holder runs with interrupts
 * off, so no other code runs on its CPU meanwhile (NMI aside).
 */
bool kmemdump_lock_held_here(void)
{
	return READ_ONCE(kmemdump_lock_cpu) == raw_smp_processor_id();
}

/*
 * Lock held: if [@vaddr, @vaddr + @size) is a region whose chunks are
 * kept, call @fn for them as kmemdump_walk_chunks() would and put its
 * result in @ret.
 */
bool kmemdump_kept_chunks(const void *vaddr, size_t size,
			  int (*fn)(phys_addr_t phys, const void *vaddr,
				    size_t len, void *arg),
			  void *arg, int *ret)
{
	const struct kmemdump_region *w = kmemdump_walking;
	unsigned int i;

	if (w && w->vaddr == vaddr && w->size == size && w->nr_chunks) {
		*ret = kmemdump_region_chunks_locked(w, fn, arg);
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(kmemdump_regions); i++) {
		const struct kmemdump_region *r = &kmemdump_regions[i];

		if (!r->id || r->vaddr != vaddr || r->size != size ||
		    !r->nr_chunks)
			continue;
		*ret = kmemdump_region_chunks_locked(r, fn, arg);
		return true;
	}
	return false;
}

/* Lock held: call @fn for each of @r's kept chunks, until it fails. */
int kmemdump_region_chunks_locked(const struct kmemdump_region *r,
				  int (*fn)(phys_addr_t phys, const void *vaddr,
					    size_t len, void *arg),
				  void *arg)
{
	unsigned int k;
	int ret = 0;

	for (k = 0; fn && !ret && k < r->nr_chunks; k++) {
		const struct kmemdump_chunk *c = &kmemdump_chunks[r->first + k];

		ret = fn(c->phys, c->vaddr, c->len, arg);
	}
	return ret;
}

static int kmemdump_keep_chunk(phys_addr_t phys, const void *vaddr,
			       size_t len, void *arg)
{
	struct kmemdump_region *r = arg;

	if (kmemdump_nr_chunks == KMEMDUMP_MAX_CHUNKS)
		return -ENOSPC;
	kmemdump_chunks[kmemdump_nr_chunks++] = (struct kmemdump_chunk) {
		.phys = phys, .vaddr = vaddr, .len = len,
	};
	r->nr_chunks++;
	return 0;
}

/* Keep @r's chunks: from @b, or walked here when @b has none. */
static int kmemdump_chunks_keep(struct kmemdump_region *r,
				const struct kmemdump_chunk_buf *b)
{
	const struct kmemdump_chunk *c = b && b->n ?
		(b->big ?: b->small) : NULL;
	unsigned int i;
	int ret;

	r->first = kmemdump_nr_chunks;
	r->nr_chunks = 0;
	if (c) {
		if (b->n > KMEMDUMP_MAX_CHUNKS - kmemdump_nr_chunks)
			return -ENOSPC;
		for (i = 0; i < b->n; i++)
			kmemdump_chunks[kmemdump_nr_chunks++] = c[i];
		r->nr_chunks = b->n;
		return 0;
	}
	ret = kmemdump_walk_chunks(r->vaddr, r->size, kmemdump_keep_chunk, r);
	if (ret) {
		kmemdump_nr_chunks = r->first;
		r->nr_chunks = 0;
	}
	return ret;
}

/* Forget @r's chunks; those after them move down. */
static void kmemdump_chunks_drop(struct kmemdump_region *r)
{
	unsigned int i, end = r->first + r->nr_chunks;

	if (!r->nr_chunks)
		return;
	memmove(&kmemdump_chunks[r->first], &kmemdump_chunks[end],
		(kmemdump_nr_chunks - end) * sizeof(*kmemdump_chunks));
	kmemdump_nr_chunks -= r->nr_chunks;
	for (i = 0; i < ARRAY_SIZE(kmemdump_regions); i++)
		if (kmemdump_regions[i].id && kmemdump_regions[i].first >= end)
			kmemdump_regions[i].first -= r->nr_chunks;
	r->nr_chunks = 0;
}

struct kmemdump_region *kmemdump_slot_region_locked(unsigned int slot)
{
	lockdep_assert_held(&kmemdump_lock);
	return &kmemdump_regions[slot];
}

static struct kmemdump_region *kmemdump_find(enum kmemdump_uid id)
{
	unsigned int i;

	lockdep_assert_held(&kmemdump_lock);
	if (id != KMEMDUMP_ID_NO_ID && (unsigned int)id < KMEMDUMP_ID_END &&
	    kmemdump_regions[kmemdump_slot_of[id]].id == id)
		return &kmemdump_regions[kmemdump_slot_of[id]];
	for (i = 0; i < ARRAY_SIZE(kmemdump_regions); i++)
		if (kmemdump_regions[i].id == id)
			return &kmemdump_regions[i];
	return NULL;
}

#if IS_ENABLED(CONFIG_KUNIT)
/* See kmemdump_shared_store(): a plain pointer, no lookup under the lock. */
void (*kmemdump_shared_store_hook)(const void *addr, size_t len);
EXPORT_SYMBOL_IF_KUNIT(kmemdump_shared_store_hook);
#endif

/* Sort key of a chunk for a backend that does not place it: slot order. */
static u64 kmemdump_slot_key(unsigned int slot, unsigned int seq)
{
	return BIT_ULL(63) | (u64)slot << 32 | seq;
}

/*
 * Sort key of chunk @seq of the region in @slot: where the backend placed
 * it, or, for a backend that does not say (the default one), slot order.
 */
u64 kmemdump_chunk_key_locked(enum kmemdump_uid id, unsigned int slot,
			      unsigned int seq)
{
	struct kmemdump_backend *be = kmemdump_backend;
	int pos;

	lockdep_assert_held(&kmemdump_lock);
	if (be->chunk_position) {
		pos = be->chunk_position(be, id, seq);
		if (pos >= 0)
			return pos;
		WARN_ONCE(1, "backend %s lost chunk %u of region %d\n",
			  be->name, seq, id);
	}
	return kmemdump_slot_key(slot, seq);
}

/* Publish what the current operation changed: core image, then backend. */
static void kmemdump_commit_locked(void)
{
	lockdep_assert_held(&kmemdump_lock);
	kmemdump_coreimage_commit();
	if (kmemdump_backend->commit)
		kmemdump_backend->commit(kmemdump_backend);
}

static int kmemdump_alloc_id(void)
{
	unsigned int id;

	/* The dynamic range has a slot's worth of IDs: one is free. */
	id = find_next_zero_bit(kmemdump_ids, KMEMDUMP_ID_MAX, kmemdump_next_id);
	if (id >= KMEMDUMP_ID_MAX)
		id = find_next_zero_bit(kmemdump_ids, KMEMDUMP_ID_MAX,
					KMEMDUMP_ID_DYNAMIC_START);
	if (WARN_ON_ONCE(id >= KMEMDUMP_ID_MAX))
		return -ENOSPC;
	kmemdump_next_id = id + 1 < KMEMDUMP_ID_MAX ? id + 1 :
			   KMEMDUMP_ID_DYNAMIC_START;
	return id;
}

static void kmemdump_del_locked(struct kmemdump_region *r);

/* Set at panic: the last slots are kept for the panicking task and stack. */
bool kmemdump_panic_reserve_open;
EXPORT_SYMBOL_IF_KUNIT(kmemdump_panic_reserve_open);

/*
 * A backend returns 0 or a negative errno. Anything positive would reach
 * the caller as a region ID: refuse it, and take back what it may hold.
 */
static int kmemdump_be_register(struct kmemdump_backend *be,
				const struct kmemdump_region *r)
{
	int ret;

	kmemdump_walking = r;
	ret = be->register_region(be, r->id, r->vaddr, r->size);
	kmemdump_walking = NULL;
	if (ret > 0) {
		pr_err_ratelimited("backend %s returned %d for region %d: refused\n",
				   be->name, ret, r->id);
		be->unregister_region(be, r->id);
		ret = -EINVAL;
	}
	return ret;
}

/*
 * The header is never translated; page-table pages need no page tables;
 * a CPU's current-task slots are read through their PT_LOADs' virtual
 * addresses, and re-pointed too often to follow their page tables.
 */
bool kmemdump_needs_pgtables(const struct kmemdump_region *r)
{
	return r->id != KMEMDUMP_ID_COREIMAGE_ELF &&
	       !(r->flags & (KMEMDUMP_REGION_PGTABLE | KMEMDUMP_REGION_CPUCUR));
}

/*
 * Register with the backend, the table and the core image, then the
 * page-table pages behind the region; caller validated the range and
 * commits. On error nothing changed.
 */
int kmemdump_add_chunks_locked(enum kmemdump_uid id, const void *vaddr,
			       size_t size, unsigned int flags,
			       const struct kmemdump_chunk_buf *b)
{
	struct kmemdump_region *slot;
	int ret;

	lockdep_assert_held(&kmemdump_lock);
	if (kmemdump_count >= ARRAY_SIZE(kmemdump_regions) -
	    (kmemdump_panic_reserve_open ? 0 : KMEMDUMP_PANIC_RESERVE))
		return -ENOSPC;
	if (id == KMEMDUMP_ID_NO_ID) {
		ret = kmemdump_alloc_id();
		if (ret < 0)
			return ret;
		id = ret;
	} else if (test_bit(id, kmemdump_ids)) {
		return -EEXIST;
	}

	/* In the table first, chunks kept: every walk below reads those. */
	slot = kmemdump_find(KMEMDUMP_ID_NO_ID);
	slot->id = id;
	slot->flags = flags;
	slot->vaddr = vaddr;
	slot->size = size;
	ret = kmemdump_chunks_keep(slot, b);
	if (!ret)
		ret = kmemdump_coreimage_room(vaddr, size);
	if (!ret)
		ret = kmemdump_be_register(kmemdump_backend, slot);
	if (ret) {
		kmemdump_chunks_drop(slot);
		memset(slot, 0, sizeof(*slot));
		return ret;
	}
	__set_bit(id, kmemdump_ids);
	kmemdump_slot_of[id] = kmemdump_region_slot(slot);
	WRITE_ONCE(kmemdump_count, kmemdump_count + 1);
	kmemdump_coreimage_add(slot, kmemdump_region_slot(slot));
	if (kmemdump_needs_pgtables(slot)) {
		ret = kmemdump_pgtable_get(slot);
		if (ret) {
			kmemdump_del_locked(slot);
			return ret;
		}
	}
	return id;
}

/* As kmemdump_add_chunks_locked(), the chunks walked here. */
int kmemdump_add_locked(enum kmemdump_uid id, const void *vaddr, size_t size,
			unsigned int flags)
{
	return kmemdump_add_chunks_locked(id, vaddr, size, flags, NULL);
}

static void kmemdump_del_locked(struct kmemdump_region *r)
{
	int ret;

	lockdep_assert_held(&kmemdump_lock);
	ret = kmemdump_backend->unregister_region(kmemdump_backend, r->id);
	if (ret)
		pr_warn("backend %s failed to unregister region %d: %d\n",
			kmemdump_backend->name, r->id, ret);
	kmemdump_coreimage_del(r->id);
	if (kmemdump_needs_pgtables(r))
		kmemdump_pgtable_put(r);
	kmemdump_chunks_drop(r);
	__clear_bit(r->id, kmemdump_ids);
	memset(r, 0, sizeof(*r));
	WRITE_ONCE(kmemdump_count, kmemdump_count - 1);
}

/* Unregister every region @match picks, lock held; returns how many. */
unsigned int kmemdump_del_matching_locked(bool (*match)(const struct kmemdump_region *r,
							void *arg),
					  void *arg)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&kmemdump_lock);
	for (i = 0; i < ARRAY_SIZE(kmemdump_regions); i++) {
		struct kmemdump_region *r = &kmemdump_regions[i];

		if (r->id && match(r, arg)) {
			kmemdump_del_locked(r);
			n++;
		}
	}
	return n;
}

unsigned int kmemdump_id_slot_locked(enum kmemdump_uid id)
{
	return kmemdump_region_slot(kmemdump_find(id));
}

int kmemdump_del_id_locked(enum kmemdump_uid id)
{
	struct kmemdump_region *r;

	lockdep_assert_held(&kmemdump_lock);
	if (!test_bit(id, kmemdump_ids))
		return -ENOENT;
	r = kmemdump_find(id);
	kmemdump_del_locked(r);
	return 0;
}

/* Sort key of a chunk the backend says it placed at @pos. */
static u64 kmemdump_pos_key(struct kmemdump_backend *be, int pos,
			    const struct kmemdump_region *r, unsigned int seq)
{
	if (be->chunk_position && pos >= 0)
		return pos;
	return kmemdump_slot_key(kmemdump_region_slot(r), seq);
}

/*
 * Point region @r at @vaddr, whose @n chunks @c have the lengths of @r's
 * own, one by one: each entry is re-pointed in place (the backend's
 * move_chunk), so the table keeps its layout and the core image its
 * order, and the cost does not depend on how many regions there are.
 * Within the current transaction. Return 0, or -EINVAL if the shapes
 * differ, -EOPNOTSUPP if the backend cannot move chunks, or the
 * backend's error: then nothing changed.
 */
int kmemdump_repoint_locked(struct kmemdump_region *r, const void *vaddr,
			    const struct kmemdump_chunk *c, unsigned int n)
{
	struct kmemdump_backend *be = kmemdump_backend;
	struct kmemdump_chunk *kept = &kmemdump_chunks[r->first];
	unsigned int k;
	int pos = -1, ret;

	lockdep_assert_held(&kmemdump_lock);
	if (n != r->nr_chunks)
		return -EINVAL;
	for (k = 0; k < n; k++)
		if (c[k].len != kept[k].len)
			return -EINVAL;
	if (!be->move_chunk && be != &kmemdump_default_backend)
		return -EOPNOTSUPP;
	for (k = 0; k < n; k++) {
		if (be->move_chunk) {
			pos = be->move_chunk(be, r->id, k, kept[k].pos,
					     c[k].phys);
			if (pos < 0) {
				ret = pos;
				goto undo;
			}
		}
		kept[k].load = kmemdump_coreimage_move(r->id,
						       kmemdump_pos_key(be, pos, r, k),
						       kept[k].load, c[k].vaddr,
						       c[k].phys);
		kept[k].pos = pos;
	}
	for (k = 0; k < n; k++) {
		kept[k].phys = c[k].phys;
		kept[k].vaddr = c[k].vaddr;
	}
	r->vaddr = vaddr;
	return 0;
undo:
	/* The entries still hold chunks 0..k-1's old addresses: put them back. */
	while (k--) {
		pos = be->move_chunk(be, r->id, k, kept[k].pos, kept[k].phys);
		kmemdump_coreimage_move(r->id, kmemdump_pos_key(be, pos, r, k),
					kept[k].load, kept[k].vaddr,
					kept[k].phys);
	}
	return ret;
}

/* Up to KMEMDUMP_SMALL_CHUNKS chunks of a range, walked under the lock. */
static int kmemdump_collect_small(phys_addr_t phys, const void *vaddr,
				  size_t len, void *arg)
{
	struct kmemdump_chunk_buf *b = arg;

	if (b->n == KMEMDUMP_SMALL_CHUNKS)
		return -E2BIG;
	b->small[b->n++] = (struct kmemdump_chunk) {
		.phys = phys, .vaddr = vaddr, .len = len,
	};
	return 0;
}

/*
 * kmemdump_move_chunks_locked() for a copy whose chunks the caller did not
 * give (@walk: walk them here, and re-point in place if they have the
 * region's shape), or of another shape: register the region anew. Apart,
 * so that the path taken at every commit has no chunk buffer on its
 * stack to clear (CONFIG_INIT_STACK_ALL_ZERO).
 */
static noinline int kmemdump_move_slow(struct kmemdump_region *r,
				       const void *vaddr, size_t size,
				       bool walk)
{
	struct kmemdump_backend *be = kmemdump_backend;
	struct kmemdump_chunk_buf b = {};
	enum kmemdump_uid id = r->id;
	struct kmemdump_region old;
	int ret;

	if (walk && r->nr_chunks <= KMEMDUMP_SMALL_CHUNKS &&
	    !kmemdump_walk_chunks(vaddr, size, kmemdump_collect_small, &b) &&
	    size == r->size && !kmemdump_repoint_locked(r, vaddr, b.small, b.n))
		return 0;
	be->unregister_region(be, id);
	old = *r;
	kmemdump_chunks_drop(r);
	r->vaddr = vaddr;
	r->size = size;
	ret = kmemdump_chunks_keep(r, NULL);
	if (!ret)
		ret = kmemdump_be_register(be, r);
	if (ret) {
		/* Keep what the backend had; the caller keeps the old copy. */
		WARN_ONCE(1, "backend %s cannot move region %d: %d\n",
			  be->name, id, ret);
		kmemdump_chunks_drop(r);
		*r = old;
		if (kmemdump_chunks_keep(r, NULL) ||
		    kmemdump_be_register(be, r))
			pr_err("backend %s lost region %d\n", be->name, id);
		return ret;
	}
	return 0;
}

/*
 * Point region @id at a new copy of itself, maybe larger (the core image
 * switching header buffers). Within the current transaction: the backend
 * publishes the new address together with everything else. A copy of
 * the same shape is re-pointed in place (kmemdump_repoint_locked()): its
 * chunks @c (@n of them) if the caller knows them, else walked here.
 */
int kmemdump_move_chunks_locked(enum kmemdump_uid id, const void *vaddr,
				size_t size, const struct kmemdump_chunk *c,
				unsigned int n)
{
	struct kmemdump_region *r;

	lockdep_assert_held(&kmemdump_lock);
	/* The header moves at every commit: one lookup, not the ID bitmap too. */
	r = id != KMEMDUMP_ID_NO_ID ? kmemdump_find(id) : NULL;
	if (!r)
		return -ENOENT;
	if (c && size == r->size && !kmemdump_repoint_locked(r, vaddr, c, n))
		return 0;
	return kmemdump_move_slow(r, vaddr, size, !c);
}

int kmemdump_move_locked(enum kmemdump_uid id, const void *vaddr, size_t size)
{
	return kmemdump_move_chunks_locked(id, vaddr, size, NULL, 0);
}

void kmemdump_walk_regions_locked(void (*fn)(const struct kmemdump_region *, void *),
				  void *arg)
{
	unsigned int i;

	lockdep_assert_held(&kmemdump_lock);
	for (i = 0; i < ARRAY_SIZE(kmemdump_regions); i++)
		if (kmemdump_regions[i].id)
			fn(&kmemdump_regions[i], arg);
}

void kmemdump_locked_call(void (*fn)(void *arg), void *arg)
{
	unsigned long irqflags;

	kmemdump_lock_irqsave(&irqflags);
	fn(arg);
	kmemdump_commit_locked();
	kmemdump_unlock_irqrestore(irqflags);
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_locked_call);

int kmemdump_trylocked_call(void (*fn)(void *arg), void *arg)
{
	unsigned long irqflags;

	if (!kmemdump_trylock_irqsave(&irqflags))
		return -EBUSY;
	fn(arg);
	kmemdump_commit_locked();
	kmemdump_unlock_irqrestore(irqflags);
	return 0;
}

int kmemdump_register_flags(enum kmemdump_uid id, const void *vaddr,
			    size_t size, unsigned int flags)
{
	struct kmemdump_chunk_buf chunks;
	unsigned long irqflags;
	int ret;

	/* Callers may pick predefined IDs only; dynamic ones are handed out. */
	if ((unsigned int)id >= KMEMDUMP_ID_DYNAMIC_START)
		return -EINVAL;
	/* Every page, outside the lock: NULL, wrap-around, holes, __init, MMIO. */
	ret = kmemdump_check_range(vaddr, size);
	if (ret)
		return ret;
	kmemdump_coreimage_prepare(vaddr, size);
	/* The one walk of the region's pages, before the lock. */
	kmemdump_chunks_collect(vaddr, size, &chunks);

	kmemdump_lock_irqsave(&irqflags);
	ret = kmemdump_add_chunks_locked(id, vaddr, size, flags, &chunks);
	if (ret > 0)
		kmemdump_commit_locked();
	kmemdump_unlock_irqrestore(irqflags);
	kmemdump_chunks_release(&chunks);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_register_flags);

/**
 * kmemdump_register_id() - register a region of kernel memory
 * @id: a predefined ID, or KMEMDUMP_ID_NO_ID to get a free dynamic ID
 * @vaddr: start of the region: linear map, kernel image, vmalloc or module
 *	memory (physically scattered memory is fine)
 * @size: length of the region in bytes
 *
 * The region is recorded and handed to the active backend, together with
 * the page-table pages needed to translate its addresses. It stays
 * registered until kmemdump_unregister(): the caller must unregister it
 * before the memory is freed.
 *
 * Context: any context but NMI; takes a spinlock with interrupts disabled.
 * Return: the region's ID (> 0) on success, or
 *  * -EINVAL: @vaddr is NULL, @size is 0, the range wraps around, or @id
 *    is neither KMEMDUMP_ID_NO_ID nor a predefined ID;
 *  * -EFAULT: the range is not mapped kernel RAM (user addresses, holes,
 *    unmapped vmalloc pages, ioremap()ed device memory), or it is __init
 *    memory, which is freed after boot;
 *  * -EEXIST: @id is already registered;
 *  * -ENOSPC: all CONFIG_KMEMDUMP_MAX_REGIONS slots are in use (page-table
 *    pages count too), or the core image has no room for the region;
 *  * any error returned by the backend, which then does not have the region.
 *
 * On error nothing changed.
 */
int kmemdump_register_id(enum kmemdump_uid id, const void *vaddr, size_t size)
{
	return kmemdump_register_flags(id, vaddr, size, 0);
}
EXPORT_SYMBOL_GPL(kmemdump_register_id);

/**
 * kmemdump_unregister() - unregister a region
 * @id: the ID kmemdump_register_id() returned
 *
 * The backend is told first; the region is forgotten even if the backend
 * reports an error (which is logged).
 *
 * Context: any context but NMI; takes a spinlock with interrupts disabled.
 * Return: 0, -EINVAL if @id is out of range, -ENOENT if it is not registered.
 */
int kmemdump_unregister(enum kmemdump_uid id)
{
	unsigned long irqflags;
	int ret;

	if (id == KMEMDUMP_ID_NO_ID || (unsigned int)id >= KMEMDUMP_ID_MAX)
		return -EINVAL;

	kmemdump_lock_irqsave(&irqflags);
	ret = kmemdump_del_id_locked(id);
	if (!ret)
		kmemdump_commit_locked();
	kmemdump_unlock_irqrestore(irqflags);
	return ret;
}
EXPORT_SYMBOL_GPL(kmemdump_unregister);

/**
 * kmemdump_unregister_alloc() - unregister memory an allocation wrapper registered
 * @vaddr: the address the wrapper returned, or NULL
 *
 * Call it before freeing the memory. A wrong address (memory no wrapper
 * registered) is reported with a warning.
 *
 * Context: any context but NMI.
 * Return: 0, or -ENOENT if no wrapper registered @vaddr (0 for NULL).
 */
int kmemdump_unregister_alloc(const void *vaddr)
{
	unsigned long irqflags;
	unsigned int i;
	int ret = -ENOENT;

	if (!vaddr)
		return 0;
	kmemdump_lock_irqsave(&irqflags);
	for (i = 0; i < ARRAY_SIZE(kmemdump_regions); i++) {
		struct kmemdump_region *r = &kmemdump_regions[i];

		if (r->id && (r->flags & KMEMDUMP_REGION_ALLOC) &&
		    r->vaddr == vaddr) {
			kmemdump_del_locked(r);
			kmemdump_commit_locked();
			ret = 0;
			break;
		}
	}
	kmemdump_unlock_irqrestore(irqflags);
	if (ret)
		pr_warn("freeing %p, which no kmemdump wrapper allocated\n",
			vaddr);
	return ret;
}
EXPORT_SYMBOL_GPL(kmemdump_unregister_alloc);

/*
 * Withdraw from @be the regions in slots below @end, and @extra (a region
 * it was given out of slot order, or NULL), then publish that.
 */
static void kmemdump_withdraw(struct kmemdump_backend *be, unsigned int end,
			      const struct kmemdump_region *extra)
{
	unsigned int i;

	for (i = 0; i < end; i++)
		if (kmemdump_regions[i].id && &kmemdump_regions[i] != extra)
			be->unregister_region(be, kmemdump_regions[i].id);
	if (extra)
		be->unregister_region(be, extra->id);
	if (be->commit)
		be->commit(be);
}

/**
 * kmemdump_register_backend() - make @be the backend that publishes regions
 * @be: the backend; it must stay valid until kmemdump_unregister_backend()
 *	or until another backend replaces it
 *
 * Every region registered so far is replayed into @be: the core image's
 * ELF header first, so that it is the first thing the firmware finds,
 * then the others in slot order. If @be fails one of them, the regions it
 * accepted are unregistered from it again, the active backend stays as it
 * was and the error is returned: a backend either has every region or is
 * not in use.
 *
 * If another real backend is active, @be replaces it in the same critical
 * section: once @be holds every region, each region is unregistered from
 * the old backend (which publishes its empty table), and @be takes over;
 * no registration can slip in between. The core image is then reordered
 * to follow @be's placement and everything is published with one commit.
 *
 * Context: any context but NMI; the callbacks run under a raw spinlock.
 * Return: 0, -EINVAL if @be lacks a name or a callback, -EEXIST if @be is
 * already the active backend, or the error @be returned.
 */
int kmemdump_register_backend(struct kmemdump_backend *be)
{
	struct kmemdump_backend *old;
	char old_name[KMEMDUMP_NAME_LEN];
	struct kmemdump_region *elf;
	unsigned long irqflags;
	unsigned int i = 0;
	int ret = 0;

	if (!be || !be->name || !be->register_region || !be->unregister_region)
		return -EINVAL;

	kmemdump_lock_irqsave(&irqflags);
	old = kmemdump_backend;
	strscpy(old_name, old->name, sizeof(old_name));
	if (be == old) {
		ret = -EEXIST;
		goto out;
	}
	elf = test_bit(KMEMDUMP_ID_COREIMAGE_ELF, kmemdump_ids) ?
	      kmemdump_find(KMEMDUMP_ID_COREIMAGE_ELF) : NULL;
	if (elf) {
		ret = kmemdump_be_register(be, elf);
		if (ret)
			elf = NULL;	/* not accepted: nothing to roll back */
	}
	for (i = 0; !ret && i < ARRAY_SIZE(kmemdump_regions); i++) {
		struct kmemdump_region *r = &kmemdump_regions[i];

		if (!r->id || r == elf)
			continue;
		ret = kmemdump_be_register(be, r);
		if (ret)
			break;
	}
	if (ret) {
		/* Withdraw what @be accepted: the header, slots before i. */
		kmemdump_withdraw(be, i, elf);
		goto out;
	}
	if (old != &kmemdump_default_backend)
		kmemdump_withdraw(old, ARRAY_SIZE(kmemdump_regions), NULL);
	kmemdump_backend = be;
	kmemdump_coreimage_rebuild();
	kmemdump_commit_locked();
out:
	kmemdump_unlock_irqrestore(irqflags);
	if (!ret)
		kmemdump_cpustate_backend_changed();
	if (ret)
		pr_warn("backend %s refused: %d (%s stays)\n", be->name, ret,
			old_name);
	else if (old != &kmemdump_default_backend)
		pr_info("backend %s registered, replacing %s\n", be->name,
			old_name);
	else
		pr_info("backend %s registered\n", be->name);
	return ret;
}
EXPORT_SYMBOL_GPL(kmemdump_register_backend);

/**
 * kmemdump_unregister_backend() - stop using @be
 * @be: the active backend
 *
 * Every region is first unregistered from @be, which publishes the empty
 * table; then the default no-op backend takes over. The regions stay
 * registered with kmemdump and are replayed into the next backend. After
 * this returns, kmemdump never calls @be again, so @be may be freed.
 *
 * Context: any context but NMI; @be's callbacks run under a spinlock.
 * Return: 0, or -EINVAL if @be is not the active backend.
 */
int kmemdump_unregister_backend(struct kmemdump_backend *be)
{
	unsigned long irqflags;
	int ret = 0;

	kmemdump_lock_irqsave(&irqflags);
	if (!be || be != kmemdump_backend ||
	    be == &kmemdump_default_backend) {
		ret = -EINVAL;
		goto out;
	}
	kmemdump_withdraw(be, ARRAY_SIZE(kmemdump_regions), NULL);
	kmemdump_backend = &kmemdump_default_backend;
	kmemdump_coreimage_rebuild();
	kmemdump_commit_locked();
out:
	kmemdump_unlock_irqrestore(irqflags);
	if (!ret) {
		kmemdump_cpustate_backend_changed();
		pr_info("backend %s unregistered\n", be->name);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(kmemdump_unregister_backend);

/* Call @fn for every region, in table order, under the lock. */
void kmemdump_walk_regions(void (*fn)(const struct kmemdump_region *r,
				      void *arg),
			       void *arg)
{
	unsigned long irqflags;
	unsigned int i;

	kmemdump_lock_irqsave(&irqflags);
	for (i = 0; i < ARRAY_SIZE(kmemdump_regions); i++)
		if (kmemdump_regions[i].id)
			fn(&kmemdump_regions[i], arg);
	kmemdump_unlock_irqrestore(irqflags);
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_walk_regions);

/**
 * kmemdump_backend_name() - the name of the active backend
 * @buf: where to write it, NUL-terminated and possibly cut short
 * @len: size of @buf
 *
 * "none" while no real backend is registered. Read under kmemdump's lock,
 * so the name never belongs to a backend already gone.
 *
 * Context: any context but NMI.
 */
void kmemdump_backend_name(char *buf, size_t len)
{
	unsigned long irqflags;

	kmemdump_lock_irqsave(&irqflags);
	strscpy(buf, kmemdump_backend->name, len);
	kmemdump_unlock_irqrestore(irqflags);
}
EXPORT_SYMBOL_GPL(kmemdump_backend_name);

/* Does the active backend want each CPU's current task followed? */
bool kmemdump_backend_follows_cpus(void)
{
	unsigned long irqflags;
	bool ret;

	kmemdump_lock_irqsave(&irqflags);
	ret = kmemdump_backend->follow_cpus;
	kmemdump_unlock_irqrestore(irqflags);
	return ret;
}

unsigned int kmemdump_nr_regions(void)
{
	return READ_ONCE(kmemdump_count);
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_nr_regions);

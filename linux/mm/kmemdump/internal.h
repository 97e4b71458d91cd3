/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces shared by the files of mm/kmemdump/ and its KUnit test. */
#ifndef _MM_KMEMDUMP_INTERNAL_H
#define _MM_KMEMDUMP_INTERNAL_H

#include <linux/kmemdump.h>

/* Region registered by an allocation wrapper: freed by address. */
#define KMEMDUMP_REGION_ALLOC	BIT(0)
/* Page-table page registered by kmemdump itself (see pgtable.c). */
#define KMEMDUMP_REGION_PGTABLE	BIT(1)
/* Registered from a static annotation, which unregisters it itself. */
#define KMEMDUMP_REGION_ANNOTATION	BIT(2)
/* A CPU's current task or stack, re-pointed at each switch (cpustate.c). */
#define KMEMDUMP_REGION_CPUCUR	BIT(3)

/*
 * Slots only the panic path may take: the panicking task, its stack, one
 * other CPU's task and stack, and the page-table pages they may need, so
 * a full table cannot drop them.
 */
#define KMEMDUMP_PANIC_RESERVE	8
extern bool kmemdump_panic_reserve_open;

struct kmemdump_region {
	enum kmemdump_uid id;	/* KMEMDUMP_ID_NO_ID: free slot */
	unsigned int flags;
	const void *vaddr;
	size_t size;
	unsigned int first;	/* its chunks: kmemdump's chunk store */
	unsigned int nr_chunks;
};

/*
 * A physically contiguous piece of a region (kmemdump_walk_chunks()); for
 * a kept chunk, also where the backend said it put it when it was last
 * moved, a hint the backend checks (kmemdump_backend.move_chunk), and
 * where its PT_LOAD was, a hint the core image checks.
 */
struct kmemdump_chunk {
	phys_addr_t phys;
	const void *vaddr;
	size_t len;
	int pos;
	unsigned int load;
};

/*
 * A region's chunks, found before kmemdump's lock is taken: in @small, or
 * in @big when there are more. @n is 0 if they could not be collected
 * (too many for @small, and no memory): they are then walked under the
 * lock, once.
 */
#define KMEMDUMP_SMALL_CHUNKS	8
struct kmemdump_chunk_buf {
	struct kmemdump_chunk small[KMEMDUMP_SMALL_CHUNKS];
	struct kmemdump_chunk *big;
	unsigned int n;
};

void kmemdump_chunks_collect(const void *vaddr, size_t size,
			     struct kmemdump_chunk_buf *b);
void kmemdump_chunks_release(struct kmemdump_chunk_buf *b);
bool kmemdump_lock_held_here(void);
int kmemdump_region_chunks_locked(const struct kmemdump_region *r,
				  int (*fn)(phys_addr_t phys, const void *vaddr,
					    size_t len, void *arg),
				  void *arg);
bool kmemdump_kept_chunks(const void *vaddr, size_t size,
			  int (*fn)(phys_addr_t phys, const void *vaddr,
				    size_t len, void *arg),
			  void *arg, int *ret);
gfp_t kmemdump_gfp(void);

int kmemdump_check_range(const void *vaddr, size_t size);
int kmemdump_register_flags(enum kmemdump_uid id, const void *vaddr,
			    size_t size, unsigned int flags);
void kmemdump_walk_regions(void (*fn)(const struct kmemdump_region *r,
				      void *arg),
			       void *arg);
unsigned int kmemdump_region_slot(const struct kmemdump_region *r);
unsigned int kmemdump_nr_regions(void);

/*
 * Run @fn under kmemdump's lock, then publish what it changed (one
 * commit). The trylock form is for the panic path: a stopped CPU may hold
 * the lock; it returns -EBUSY without calling @fn.
 */
void kmemdump_locked_call(void (*fn)(void *arg), void *arg);
int kmemdump_trylocked_call(void (*fn)(void *arg), void *arg);
/* With the lock held (inside @fn above or a backend/core-image hook). */
int kmemdump_add_locked(enum kmemdump_uid id, const void *vaddr, size_t size,
			unsigned int flags);
int kmemdump_add_chunks_locked(enum kmemdump_uid id, const void *vaddr,
			       size_t size, unsigned int flags,
			       const struct kmemdump_chunk_buf *b);
void kmemdump_walk_regions_locked(void (*fn)(const struct kmemdump_region *, void *),
				  void *arg);
struct kmemdump_region *kmemdump_slot_region_locked(unsigned int slot);
unsigned int kmemdump_id_slot_locked(enum kmemdump_uid id);
bool kmemdump_needs_pgtables(const struct kmemdump_region *r);
bool kmemdump_backend_follows_cpus(void);
u64 kmemdump_chunk_key_locked(enum kmemdump_uid id, unsigned int slot,
			      unsigned int seq);
int kmemdump_move_locked(enum kmemdump_uid id, const void *vaddr, size_t size);
int kmemdump_move_chunks_locked(enum kmemdump_uid id, const void *vaddr,
				size_t size, const struct kmemdump_chunk *c,
				unsigned int n);
int kmemdump_repoint_locked(struct kmemdump_region *r, const void *vaddr,
			    const struct kmemdump_chunk *c, unsigned int n);
int kmemdump_del_id_locked(enum kmemdump_uid id);
unsigned int kmemdump_del_matching_locked(bool (*match)(const struct kmemdump_region *r,
							void *arg),
					  void *arg);
int kmemdump_offline_check(unsigned long start_pfn, unsigned long nr_pages);

#if IS_ENABLED(CONFIG_KUNIT) && defined(CONFIG_MODULES)
struct module;
void kmemdump_module_coming(const struct module *mod);
void kmemdump_module_live(const struct module *mod);
void kmemdump_module_going(const struct module *mod);
#endif

#ifdef CONFIG_KMEMDUMP_COREIMAGE
int kmemdump_coreimage_room(const void *vaddr, size_t size);
void kmemdump_coreimage_prepare(const void *vaddr, size_t size);
void kmemdump_coreimage_reserve(unsigned int k);
void kmemdump_coreimage_add(const struct kmemdump_region *r, unsigned int slot);
void kmemdump_coreimage_del(enum kmemdump_uid id);
void kmemdump_coreimage_rebuild(void);
unsigned int kmemdump_coreimage_move(enum kmemdump_uid id, u64 key,
				     unsigned int hint, const void *vaddr,
				     phys_addr_t phys);
void kmemdump_coreimage_commit(void);
void kmemdump_coreimage_set_pid(unsigned int cpu, pid_t pid);
const void *kmemdump_coreimage_header(size_t *size);
#else
static inline int kmemdump_coreimage_room(const void *vaddr, size_t size)
{
	return 0;
}

static inline void kmemdump_coreimage_prepare(const void *vaddr, size_t size)
{
}

static inline void kmemdump_coreimage_reserve(unsigned int k)
{
}

static inline void kmemdump_coreimage_add(const struct kmemdump_region *r,
					  unsigned int slot)
{
}

static inline void kmemdump_coreimage_del(enum kmemdump_uid id)
{
}

static inline void kmemdump_coreimage_rebuild(void)
{
}

static inline unsigned int kmemdump_coreimage_move(enum kmemdump_uid id,
						   u64 key, unsigned int hint,
						   const void *vaddr,
						   phys_addr_t phys)
{
	return hint;
}

static inline void kmemdump_coreimage_commit(void)
{
}

static inline void kmemdump_coreimage_set_pid(unsigned int cpu, pid_t pid)
{
}
#endif

/* Page-table pages behind the regions (pgtable.c). */
int kmemdump_pgtable_get(const struct kmemdump_region *r);
void kmemdump_pgtable_put(const struct kmemdump_region *r);
void kmemdump_pgtable_refresh_locked(void);
void kmemdump_cpustate_panic_locked(void);
#ifdef CONFIG_KMEMDUMP_CPU_STACKS
void kmemdump_cpustate_backend_changed(void);
#else
static inline void kmemdump_cpustate_backend_changed(void)
{
}
#endif
unsigned long kmemdump_kernel_pfn(unsigned long addr);

#endif /* _MM_KMEMDUMP_INTERNAL_H */

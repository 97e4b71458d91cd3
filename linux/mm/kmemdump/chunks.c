// SPDX-License-Identifier: GPL-2.0
/*
 * Translate a registered region into the physically contiguous chunks
 * behind it. Firmware copies physical memory, so a backend must never
 * apply __pa() to an address outside the linear map: vmalloc and module
 * memory is mapped page by page from anywhere in RAM.
 */

#include <linux/io.h>
#include <linux/pfn.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/vmalloc.h>
#include <asm/sections.h>

#include "internal.h"

static bool kmemdump_in_image(unsigned long start, unsigned long last)
{
	unsigned long lo = (unsigned long)_stext, hi = (unsigned long)_end;

	return start >= lo && last < hi;
}

/* Both ends: the pages between are checked once, at registration. */
static bool kmemdump_in_linear_map(unsigned long start, unsigned long last)
{
	return virt_addr_valid((void *)start) && virt_addr_valid((void *)last);
}

/*
 * Other kernel mappings of RAM, such as x86's cpu_entry_area where the
 * exception stacks are seen: walked page by page like vmalloc space.
 */
static bool kmemdump_in_other_mapping(unsigned long start, unsigned long last)
{
	return start >= TASK_SIZE_MAX && last >= start;
}

/* __init text and data are freed after boot: never theirs to register. */
static bool kmemdump_in_init(unsigned long start, unsigned long last)
{
	unsigned long lo = (unsigned long)__init_begin;
	unsigned long hi = (unsigned long)__init_end;

	return start < hi && last >= lo;
}

/**
 * kmemdump_check_range() - can [@vaddr, @vaddr + @size) be registered?
 * @vaddr: start of the range
 * @size: length in bytes
 *
 * What kmemdump_walk_chunks() checks, and also every page of a linear-map
 * range (it may run off the end of a memory bank), that the range is not
 * in memory freed after boot (__init), and that vmalloc-space pages are
 * RAM (not ioremap()ed device memory). Called before taking kmemdump's
 * lock, so that the work under it does not depend on the range's size.
 *
 * Return: 0 or the error kmemdump_register_id() documents.
 */
int kmemdump_check_range(const void *vaddr, size_t size)
{
	unsigned long start = (unsigned long)vaddr, last, p;
	int ret;

	ret = kmemdump_walk_chunks(vaddr, size, NULL, NULL);
	if (ret)
		return ret;
	last = start + size - 1;
	if (kmemdump_in_init(start, last))
		return -EFAULT;
	if (kmemdump_in_image(start, last))
		return 0;
	if (kmemdump_in_linear_map(start, last)) {
		for (p = start & PAGE_MASK; p <= last; p += PAGE_SIZE)
			if (!virt_addr_valid((void *)p))
				return -EFAULT;
		return 0;
	}
	/* Only RAM: ioremap()ed device memory has no struct page. */
	for (p = start & PAGE_MASK; p <= last; p += PAGE_SIZE)
		if (!pfn_valid(kmemdump_kernel_pfn(p)))
			return -EFAULT;
	return 0;
}

static int kmemdump_walk_vmalloc(unsigned long start, unsigned long last,
				 int (*fn)(phys_addr_t phys, const void *vaddr,
					   size_t len, void *arg),
				 void *arg)
{
	unsigned long p = start, chunk_va = 0;
	phys_addr_t chunk_pa = 0;
	size_t chunk_len = 0;
	int ret;

	while (p <= last) {
		unsigned long pfn = kmemdump_kernel_pfn(p);
		size_t len = min(PAGE_SIZE - offset_in_page(p), last - p + 1);
		phys_addr_t pa;

		if (!pfn)
			return -EFAULT;
		pa = PFN_PHYS(pfn) + offset_in_page(p);
		if (chunk_len && chunk_pa + chunk_len == pa) {
			chunk_len += len;
		} else {
			if (chunk_len && fn) {
				ret = fn(chunk_pa, (void *)chunk_va, chunk_len, arg);
				if (ret)
					return ret;
			}
			chunk_pa = pa;
			chunk_va = p;
			chunk_len = len;
		}
		p += len;
	}
	return fn ? fn(chunk_pa, (void *)chunk_va, chunk_len, arg) : 0;
}

/**
 * kmemdump_walk_chunks() - walk the physical memory behind a range
 * @vaddr: start of the range
 * @size: length of the range in bytes
 * @fn: called as fn(phys, vaddr, len, @arg) once per physically
 *	contiguous chunk, in virtual address order; a non-zero return stops
 *	the walk. NULL only validates the range
 * @arg: passed to @fn
 *
 * Kernel image and linear-map ranges are one chunk. vmalloc and module
 * ranges are split wherever the next page is not physically adjacent.
 * Only the ends of a linear-map range are checked here; registration
 * checked every page (kmemdump_check_range()). Called by a backend
 * callback for a registered region, it gives the chunks kmemdump found
 * when the region was registered, without walking its pages again.
 *
 * Context: any context but NMI; does not sleep.
 * Return: 0 after the whole walk; -EINVAL if @vaddr is NULL, @size is 0 or
 * the range wraps around; -EFAULT if the range is not entirely mapped
 * kernel image, linear-map, vmalloc, module or other page-mapped kernel
 * memory (user addresses, holes, unmapped pages); otherwise the first
 * non-zero value @fn returned.
 */
int kmemdump_walk_chunks(const void *vaddr, size_t size,
			 int (*fn)(phys_addr_t phys, const void *vaddr,
				   size_t len, void *arg),
			 void *arg)
{
	unsigned long start = (unsigned long)vaddr, last;
	int ret;

	if (!vaddr || !size || check_add_overflow(start, size - 1, &last))
		return -EINVAL;
	/* Under kmemdump's lock, a registered region's kept chunks. */
	if (kmemdump_lock_held_here() &&
	    kmemdump_kept_chunks(vaddr, size, fn, arg, &ret))
		return ret;

	if (kmemdump_in_image(start, last))
		return fn ? fn(__pa_symbol(start), vaddr, size, arg) : 0;
	if (kmemdump_in_linear_map(start, last))
		return fn ? fn(__pa(start), vaddr, size, arg) : 0;
	if ((is_vmalloc_or_module_addr(vaddr) &&
	     is_vmalloc_or_module_addr((void *)last)) ||
	    kmemdump_in_other_mapping(start, last))
		return kmemdump_walk_vmalloc(start, last, fn, arg);
	return -EFAULT;
}
EXPORT_SYMBOL_GPL(kmemdump_walk_chunks);

/* May this context allocate, and how? 0: it may not (NMI, RT atomic). */
gfp_t kmemdump_gfp(void)
{
	if (in_nmi() || (IS_ENABLED(CONFIG_PREEMPT_RT) && !preemptible()))
		return 0;
	return preemptible() ? GFP_KERNEL : GFP_NOWAIT | __GFP_NOWARN;
}

struct kmemdump_collect {
	struct kmemdump_chunk *c;
	unsigned int cap, n;
};

static int kmemdump_collect_one(phys_addr_t phys, const void *vaddr,
				size_t len, void *arg)
{
	struct kmemdump_collect *k = arg;

	if (k->n < k->cap)
		k->c[k->n] = (struct kmemdump_chunk) {
			.phys = phys, .vaddr = vaddr, .len = len,
		};
	k->n++;
	return 0;
}

/*
 * Before kmemdump's lock is taken: find the chunks of a range that
 * kmemdump_check_range() accepted, in one walk when they fit @b->small.
 * More go to an array allocated here, if the context allows (a second
 * walk); otherwise @b->n stays 0 and the range is walked under the lock.
 */
void kmemdump_chunks_collect(const void *vaddr, size_t size,
			     struct kmemdump_chunk_buf *b)
{
	struct kmemdump_collect k = { b->small, ARRAY_SIZE(b->small) };
	gfp_t gfp;

	b->n = 0;
	b->big = NULL;
	if (kmemdump_walk_chunks(vaddr, size, kmemdump_collect_one, &k))
		return;
	if (k.n <= k.cap) {
		b->n = k.n;
		return;
	}
	gfp = kmemdump_gfp();
	b->big = gfp ? kmalloc_array(k.n, sizeof(*b->big), gfp) : NULL;
	if (!b->big)
		return;
	k = (struct kmemdump_collect) { b->big, k.n };
	if (!kmemdump_walk_chunks(vaddr, size, kmemdump_collect_one, &k) &&
	    k.n <= k.cap)
		b->n = k.n;	/* else the mapping changed: walk it again */
}

void kmemdump_chunks_release(struct kmemdump_chunk_buf *b)
{
	kfree(b->big);
	b->big = NULL;
}

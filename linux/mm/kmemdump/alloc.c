// SPDX-License-Identifier: GPL-2.0
/*
 * Allocate-and-register wrappers. Each allocation is registered as one
 * region flagged KMEMDUMP_REGION_ALLOC; the matching free wrapper finds it
 * by address and unregisters it *before* freeing, so the backend never
 * publishes memory that already went back to the allocator.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/gfp.h>
#include <linux/memblock.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

/* Register @p or, if that fails, tell the caller to free it. */
static bool kmemdump_track(enum kmemdump_uid id, const void *p, size_t size)
{
	int ret;

	if (!p)
		return false;
	ret = kmemdump_register_flags(id, p, size, KMEMDUMP_REGION_ALLOC);
	if (ret < 0) {
		pr_debug("cannot register %zu bytes at %p: %d\n", size, p, ret);
		return false;
	}
	return true;
}

static void kmemdump_untrack(const void *p)
{
	kmemdump_unregister_alloc(p);
}

/**
 * kmemdump_register_alloc() - register memory an allocator just returned
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @p: the memory
 * @size: bytes to register from @p
 *
 * For kmemdump_alloc(): the region is found again by address when
 * kmemdump_free() or kmemdump_unregister_alloc() releases it.
 *
 * Context: any context but NMI.
 * Return: the ID, or the error of kmemdump_register_id().
 */
int kmemdump_register_alloc(enum kmemdump_uid id, const void *p, size_t size)
{
	return kmemdump_register_flags(id, p, size, KMEMDUMP_REGION_ALLOC);
}
EXPORT_SYMBOL_GPL(kmemdump_register_alloc);

/**
 * kmemdump_kmalloc() - kmalloc() and register the allocation
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @size: bytes to allocate (0 is refused)
 * @flags: GFP flags for kmalloc()
 *
 * Free with kmemdump_kfree().
 *
 * Return: the memory, or NULL if allocation or registration failed (then
 * nothing is left allocated or registered).
 */
void *kmemdump_kmalloc(enum kmemdump_uid id, size_t size, gfp_t flags)
{
	void *p = size ? kmalloc(size, flags) : NULL;

	if (kmemdump_track(id, p, size))
		return p;
	kfree(p);
	return NULL;
}
EXPORT_SYMBOL_GPL(kmemdump_kmalloc);

/**
 * kmemdump_kzalloc() - kzalloc() and register the allocation
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @size: bytes to allocate (0 is refused)
 * @flags: GFP flags for kzalloc()
 *
 * Return: as kmemdump_kmalloc().
 */
void *kmemdump_kzalloc(enum kmemdump_uid id, size_t size, gfp_t flags)
{
	return kmemdump_kmalloc(id, size, flags | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(kmemdump_kzalloc);

/**
 * kmemdump_kfree() - unregister and kfree() memory from kmemdump_kmalloc()
 * @p: the memory, or NULL
 */
void kmemdump_kfree(const void *p)
{
	kmemdump_untrack(p);
	kfree(p);
}
EXPORT_SYMBOL_GPL(kmemdump_kfree);

/**
 * kmemdump_vmalloc() - vmalloc() and register the allocation
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @size: bytes to allocate (0 is refused)
 *
 * The pages are physically scattered: backends see them through
 * kmemdump_walk_chunks(). Free with kmemdump_vfree().
 *
 * Context: may sleep.
 * Return: as kmemdump_kmalloc().
 */
void *kmemdump_vmalloc(enum kmemdump_uid id, unsigned long size)
{
	void *p = size ? vmalloc(size) : NULL;

	if (kmemdump_track(id, p, size))
		return p;
	vfree(p);
	return NULL;
}
EXPORT_SYMBOL_GPL(kmemdump_vmalloc);

/**
 * kmemdump_vzalloc() - vzalloc() and register the allocation
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @size: bytes to allocate (0 is refused)
 *
 * Context: may sleep.
 * Return: as kmemdump_kmalloc().
 */
void *kmemdump_vzalloc(enum kmemdump_uid id, unsigned long size)
{
	void *p = size ? vzalloc(size) : NULL;

	if (kmemdump_track(id, p, size))
		return p;
	vfree(p);
	return NULL;
}
EXPORT_SYMBOL_GPL(kmemdump_vzalloc);

/**
 * kmemdump_vfree() - unregister and vfree() memory from kmemdump_vmalloc()
 * @p: the memory, or NULL
 *
 * Context: may sleep.
 */
void kmemdump_vfree(const void *p)
{
	kmemdump_untrack(p);
	vfree(p);
}
EXPORT_SYMBOL_GPL(kmemdump_vfree);

/**
 * kmemdump_get_free_pages() - __get_free_pages() and register the pages
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @flags: GFP flags; must not include __GFP_HIGHMEM
 * @order: allocation order
 *
 * Free with kmemdump_free_pages().
 *
 * Return: the address of the first page, or 0 on failure (nothing is left
 * allocated or registered).
 */
unsigned long kmemdump_get_free_pages(enum kmemdump_uid id, gfp_t flags,
				      unsigned int order)
{
	unsigned long addr = __get_free_pages(flags, order);

	if (kmemdump_track(id, (void *)addr, PAGE_SIZE << order))
		return addr;
	if (addr)
		free_pages(addr, order);
	return 0;
}
EXPORT_SYMBOL_GPL(kmemdump_get_free_pages);

/**
 * kmemdump_free_pages() - unregister and free pages from
 *	kmemdump_get_free_pages()
 * @addr: the address it returned, or 0
 * @order: the order it was given
 */
void kmemdump_free_pages(unsigned long addr, unsigned int order)
{
	kmemdump_untrack((void *)addr);
	if (addr)
		free_pages(addr, order);
}
EXPORT_SYMBOL_GPL(kmemdump_free_pages);

/**
 * kmemdump_memblock_alloc() - memblock_alloc() and register the memory
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @size: bytes to allocate (0 is refused)
 * @align: alignment, as for memblock_alloc()
 *
 * For early boot, before the slab allocator exists; kmemdump's table is
 * static, so registering works that early. Free with
 * kmemdump_memblock_free() while memblock still owns the memory.
 *
 * Return: the zeroed memory, or NULL (nothing is left allocated).
 */
void *__init kmemdump_memblock_alloc(enum kmemdump_uid id, phys_addr_t size,
				     phys_addr_t align)
{
	void *p = size ? memblock_alloc(size, align) : NULL;

	if (kmemdump_track(id, p, size))
		return p;
	if (p)
		memblock_free(p, size);
	return NULL;
}

/**
 * kmemdump_memblock_free() - unregister and free memory from
 *	kmemdump_memblock_alloc()
 * @p: the memory, or NULL
 * @size: the size it was allocated with
 */
void __init kmemdump_memblock_free(void *p, size_t size)
{
	kmemdump_untrack(p);
	if (p)
		memblock_free(p, size);
}

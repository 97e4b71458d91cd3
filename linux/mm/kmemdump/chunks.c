// SPDX-License-Identifier: GPL-2.0
/*
 * Translate a registered region into the physically contiguous chunks
 * behind it. Firmware copies physical memory, so a backend must never
 * apply __pa() to an address outside the linear map: vmalloc and module
 * memory is mapped page by page from anywhere in RAM.
 */

#include <linux/io.h>
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

static bool kmemdump_in_linear_map(unsigned long start, unsigned long last)
{
	unsigned long p;

	/* Each page: a range may run off the end of a memory bank. */
	for (p = start & PAGE_MASK; p <= last; p += PAGE_SIZE)
		if (!virt_addr_valid((void *)p))
			return false;
	return true;
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
		struct page *page = vmalloc_to_page((void *)p);
		size_t len = min(PAGE_SIZE - offset_in_page(p), last - p + 1);
		phys_addr_t pa;

		if (!page)
			return -EFAULT;
		pa = page_to_phys(page) + offset_in_page(p);
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
 *
 * Context: any context but NMI; does not sleep.
 * Return: 0 after the whole walk; -EINVAL if @vaddr is NULL, @size is 0 or
 * the range wraps around; -EFAULT if the range is not entirely mapped
 * kernel image, linear-map, vmalloc or module memory (user addresses,
 * holes, unmapped pages); otherwise the first non-zero value @fn returned.
 */
int kmemdump_walk_chunks(const void *vaddr, size_t size,
			 int (*fn)(phys_addr_t phys, const void *vaddr,
				   size_t len, void *arg),
			 void *arg)
{
	unsigned long start = (unsigned long)vaddr, last;

	if (!vaddr || !size || check_add_overflow(start, size - 1, &last))
		return -EINVAL;

	if (kmemdump_in_image(start, last))
		return fn ? fn(__pa_symbol(start), vaddr, size, arg) : 0;
	if (kmemdump_in_linear_map(start, last))
		return fn ? fn(__pa(start), vaddr, size, arg) : 0;
	if (is_vmalloc_or_module_addr(vaddr) &&
	    is_vmalloc_or_module_addr((void *)last))
		return kmemdump_walk_vmalloc(start, last, fn, arg);
	return -EFAULT;
}
EXPORT_SYMBOL_GPL(kmemdump_walk_chunks);

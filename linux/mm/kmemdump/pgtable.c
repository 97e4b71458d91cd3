// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table pages behind the registered regions.
 *
 * Dump readers translate kernel virtual addresses through the page tables
 * even when a PT_LOAD names the address (makedumpfile always does; drgn
 * for anything outside the PT_LOADs). So for every region, the pages of
 * init_mm's page table that map it, from the top level down to the leaf
 * entry, are registered too: not the whole tree, only the path to each
 * registered byte. A page shared by several regions is registered once
 * and counted; it goes away with the last region that needs it.
 *
 * All of it runs under kmemdump's lock, inside the transaction of the
 * region that needs the pages, so they are published together with it.
 * Kernel page tables that map registered memory do not go away while the
 * memory is mapped. A huge mapping split later (set_memory_*()) needs a
 * lower-level page: every region is walked again once boot has finalised
 * the kernel's mappings, whenever a module goes live (setting its
 * permissions splits the linear map's huge pages around its pages), and
 * at panic.
 */

#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/pgtable.h>
#include <linux/printk.h>

#include "internal.h"

struct kmd_pgt {
	const void *page;	/* NULL: free */
	unsigned int refs;
};

static struct kmd_pgt kmd_pgts[KMEMDUMP_MAX_PGTABLES];

static int kmd_pgt_ref(const void *page)
{
	struct kmd_pgt *free = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kmd_pgts); i++) {
		if (kmd_pgts[i].page == page) {
			kmd_pgts[i].refs++;
			return 0;
		}
		if (!kmd_pgts[i].page && !free)
			free = &kmd_pgts[i];
	}
	if (!free)
		return -ENOSPC;
	ret = kmemdump_add_locked(KMEMDUMP_ID_MAX + (free - kmd_pgts), page,
				  PAGE_SIZE, KMEMDUMP_REGION_PGTABLE);
	if (ret < 0)
		return ret;
	free->page = page;
	free->refs = 1;
	return 0;
}

static int kmd_pgt_unref(const void *page)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmd_pgts); i++) {
		if (kmd_pgts[i].page != page || !kmd_pgts[i].refs)
			continue;
		if (!--kmd_pgts[i].refs) {
			kmd_pgts[i].page = NULL;
			kmemdump_del_id_locked(KMEMDUMP_ID_MAX + i);
		}
		return 0;
	}
	return 0;	/* a page the mapping gained after registration */
}

/*
 * Call @fn for the entry of every level that maps [@start, @end), once per
 * entry, top down. Stops at the first error.
 */
static int kmd_walk_pgtables(unsigned long start, unsigned long end,
			     int (*fn)(const void *entry))
{
	unsigned long addr = start, next;
	int ret;

	while (addr < end) {
		pgd_t *pgd = pgd_offset_k(addr);
		p4d_t *p4d;
		pud_t *pud;
		pmd_t *pmd;
		pte_t *pte;

		next = pgd_addr_end(addr, end);
		ret = fn(pgd);
		if (ret || pgd_none(*pgd) || pgd_bad(*pgd))
			goto level_done;
		p4d = p4d_offset(pgd, addr);
		next = p4d_addr_end(addr, end);
		/* With folded levels the entry is the one above: same page. */
		if ((void *)p4d != (void *)pgd)
			ret = fn(p4d);
		if (ret || p4d_none(*p4d) || p4d_bad(*p4d))
			goto level_done;
		pud = pud_offset(p4d, addr);
		next = pud_addr_end(addr, end);
		if ((void *)pud != (void *)p4d)
			ret = fn(pud);
		if (ret || pud_none(*pud) || pud_leaf(*pud) || pud_bad(*pud))
			goto level_done;
		pmd = pmd_offset(pud, addr);
		next = pmd_addr_end(addr, end);
		if ((void *)pmd != (void *)pud)
			ret = fn(pmd);
		if (ret || pmd_none(*pmd) || pmd_leaf(*pmd) || pmd_bad(*pmd))
			goto level_done;
		pte = pte_offset_kernel(pmd, addr);
		next = (addr + PAGE_SIZE) & PAGE_MASK;
		ret = fn(pte);
level_done:
		if (ret)
			return ret;
		addr = next;
	}
	return 0;
}

/**
 * kmemdump_kernel_pfn() - the page frame @addr is mapped to in init_mm
 * @addr: a kernel virtual address (vmalloc or module space)
 *
 * Read from the page table entries themselves, never through a struct
 * page: for ioremap()ed device memory there is none, and vmalloc_to_page()
 * would hand back a pointer to memory that does not exist.
 *
 * Return: the pfn, or 0 if @addr is not mapped.
 */
unsigned long kmemdump_kernel_pfn(unsigned long addr)
{
	pgd_t *pgd = pgd_offset_k(addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte, entry;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return 0;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return 0;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return 0;
	if (pud_leaf(*pud))
		return pud_pfn(*pud) + ((addr & ~PUD_MASK) >> PAGE_SHIFT);
	if (pud_bad(*pud))
		return 0;
	pmd = pmd_offset(pud, addr);
	if (pmd_none(*pmd))
		return 0;
	if (pmd_leaf(*pmd))
		return pmd_pfn(*pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	if (pmd_bad(*pmd))
		return 0;
	pte = pte_offset_kernel(pmd, addr);
	entry = ptep_get(pte);
	return pte_present(entry) ? pte_pfn(entry) : 0;
}

/*
 * Entries of one region, deduplicated by page: consecutive addresses hit
 * the same page-table pages, and a region takes one reference per page it
 * meets. The walk is deterministic, so unreferencing repeats exactly the
 * references taken (up to @limit of them when undoing a failed walk).
 */
struct kmd_pgt_walk {
	const void *recent[16];
	unsigned int n;
	unsigned int done;
	unsigned int limit;
	bool ref;
};

static struct kmd_pgt_walk *kmd_walk;	/* under kmemdump's lock */

static int kmd_pgt_visit(const void *entry)
{
	const void *page = (const void *)((unsigned long)entry & PAGE_MASK);
	struct kmd_pgt_walk *w = kmd_walk;
	unsigned int i;
	int ret;

	for (i = 0; i < min_t(unsigned int, w->n, ARRAY_SIZE(w->recent)); i++)
		if (w->recent[i] == page)
			return 0;
	if (!w->ref && w->done == w->limit)
		return -ECANCELED;
	ret = w->ref ? kmd_pgt_ref(page) : kmd_pgt_unref(page);
	if (ret)
		return ret;
	w->recent[w->n++ % ARRAY_SIZE(w->recent)] = page;
	w->done++;
	return 0;
}

static int kmd_pgt_walk_region(const struct kmemdump_region *r, bool ref,
			       unsigned int limit, unsigned int *done)
{
	struct kmd_pgt_walk w = { .ref = ref, .limit = limit };
	unsigned long start = (unsigned long)r->vaddr;
	int ret;

	kmd_walk = &w;
	ret = kmd_walk_pgtables(start, start + r->size, kmd_pgt_visit);
	kmd_walk = NULL;
	if (done)
		*done = w.done;
	return ret;
}

/* Register the page-table pages behind @r; all or nothing. */
int kmemdump_pgtable_get(const struct kmemdump_region *r)
{
	unsigned int done;
	int ret = kmd_pgt_walk_region(r, true, 0, &done);

	if (ret)
		kmd_pgt_walk_region(r, false, done, NULL);
	return ret;
}

/* Drop @r's references; pages no region needs any more are unregistered. */
void kmemdump_pgtable_put(const struct kmemdump_region *r)
{
	kmd_pgt_walk_region(r, false, UINT_MAX, NULL);
}

static void kmd_pgt_ref_region(const struct kmemdump_region *r, void *arg)
{
	unsigned int *failed = arg;

	if (!kmemdump_needs_pgtables(r))
		return;
	if (kmd_pgt_walk_region(r, true, 0, NULL))
		(*failed)++;
}

/*
 * Walk every region again and register the page-table pages as they are
 * now: boot splits huge mappings of the kernel image (mark_readonly())
 * after most regions were registered. Lock held, inside a transaction.
 */
void kmemdump_pgtable_refresh_locked(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < ARRAY_SIZE(kmd_pgts); i++)
		kmd_pgts[i].refs = 0;
	kmemdump_walk_regions_locked(kmd_pgt_ref_region, &failed);
	for (i = 0; i < ARRAY_SIZE(kmd_pgts); i++) {
		if (kmd_pgts[i].page && !kmd_pgts[i].refs) {
			kmd_pgts[i].page = NULL;
			kmemdump_del_id_locked(KMEMDUMP_ID_MAX + i);
		}
	}
	if (failed)
		pr_warn_ratelimited("kmemdump: page tables of %u regions do not fit\n",
				    failed);
}

static void kmd_pgtable_refresh(void *unused)
{
	kmemdump_pgtable_refresh_locked();
}

/**
 * kmemdump_kernel_mappings_final() - the kernel's mappings are final
 *
 * Called once at the end of boot, after the kernel image's huge mappings
 * were split to set permissions: registers the page-table pages that now
 * map the regions, and drops those that no longer do.
 */
void kmemdump_kernel_mappings_final(void)
{
	kmemdump_locked_call(kmd_pgtable_refresh, NULL);
}

#ifdef CONFIG_MODULES
/* A live module's permissions are set: the linear map may have split. */
static int kmd_pgt_module_notify(struct notifier_block *nb,
				 unsigned long state, void *data)
{
	if (state == MODULE_STATE_LIVE)
		kmemdump_locked_call(kmd_pgtable_refresh, NULL);
	return NOTIFY_OK;
}

static struct notifier_block kmd_pgt_module_nb = {
	.notifier_call = kmd_pgt_module_notify,
};

static int __init kmemdump_pgtable_init(void)
{
	return register_module_notifier(&kmd_pgt_module_nb);
}
core_initcall(kmemdump_pgtable_init);
#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Safety nets for the rule "unregister a region before its memory goes
 * away". Breaking it makes the firmware copy whatever reuses the memory,
 * or read memory that is gone:
 *
 *  - a module that is going away loses the regions inside its memory that
 *    it registered by hand (its annotations are unregistered by
 *    annotations.c), with a warning naming the module and the region;
 *  - memory that holds a registered region cannot go offline: the
 *    offlining is refused, with a line naming the region. Dropping the
 *    region instead would hide the mistake from its owner, who still
 *    writes there and expects it in the next dump.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/init.h>
#include <linux/memory.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/pfn.h>
#include <kunit/visibility.h>

#include "internal.h"

#ifdef CONFIG_MODULES
static bool kmd_in_module(const struct kmemdump_region *r, void *arg)
{
	struct module *mod = arg;
	unsigned long start = (unsigned long)r->vaddr;
	char name[KMEMDUMP_NAME_LEN];

	if (r->flags & (KMEMDUMP_REGION_ANNOTATION | KMEMDUMP_REGION_PGTABLE))
		return false;
	if (!within_module(start, mod) &&
	    !within_module(start + r->size - 1, mod))
		return false;
	if (kmemdump_id_name(r->id, name, sizeof(name)))
		strscpy(name, "?", sizeof(name));
	WARN(1, "kmemdump: module %s is going away with region %s (%zu bytes at %pS) registered: unregistering it\n",
	     mod->name, name, r->size, r->vaddr);
	return true;
}

static void kmd_module_going(void *arg)
{
	kmemdump_del_matching_locked(kmd_in_module, arg);
}

static int kmd_module_notify(struct notifier_block *nb, unsigned long state,
			     void *data)
{
	if (state == MODULE_STATE_GOING)
		kmemdump_locked_call(kmd_module_going, data);
	return NOTIFY_OK;
}

/* After annotations.c's notifier, which takes its own regions out. */
static struct notifier_block kmd_module_nb = {
	.notifier_call = kmd_module_notify,
	.priority = -1,
};
#endif

struct kmd_offline {
	phys_addr_t start, end;
	enum kmemdump_uid id;
};

static int kmd_chunk_in_range(phys_addr_t phys, const void *vaddr, size_t len,
			      void *arg)
{
	struct kmd_offline *o = arg;

	return phys < o->end && phys + len > o->start;
}

static void kmd_find_in_range(const struct kmemdump_region *r, void *arg)
{
	struct kmd_offline *o = arg;

	if (!o->id && kmemdump_walk_chunks(r->vaddr, r->size,
					   kmd_chunk_in_range, o) > 0)
		o->id = r->id;
}

static void kmd_offline_locked(void *arg)
{
	kmemdump_walk_regions_locked(kmd_find_in_range, arg);
}

/*
 * Return: 0 if no registered region lies in the @nr_pages pages from
 * @start_pfn, else -EBUSY after saying which one does.
 */
int kmemdump_offline_check(unsigned long start_pfn, unsigned long nr_pages)
{
	struct kmd_offline o = {
		.start = PFN_PHYS(start_pfn),
		.end = PFN_PHYS(start_pfn + nr_pages),
	};
	char name[KMEMDUMP_NAME_LEN];

	kmemdump_locked_call(kmd_offline_locked, &o);
	if (!o.id)
		return 0;
	if (kmemdump_id_name(o.id, name, sizeof(name)))
		strscpy(name, "?", sizeof(name));
	pr_warn("refusing to offline pfns %#lx-%#lx: region %s is registered there\n",
		start_pfn, start_pfn + nr_pages - 1, name);
	return -EBUSY;
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_offline_check);

#ifdef CONFIG_MEMORY_HOTREMOVE
static int kmd_memory_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct memory_notify *mn = data;

	if (action != MEM_GOING_OFFLINE)
		return NOTIFY_OK;
	return notifier_from_errno(kmemdump_offline_check(mn->start_pfn,
							  mn->nr_pages));
}
#endif

static int __init kmemdump_lifetime_init(void)
{
#ifdef CONFIG_MEMORY_HOTREMOVE
	hotplug_memory_notifier(kmd_memory_notify, DEFAULT_CALLBACK_PRI);
#endif
#ifdef CONFIG_MODULES
	return register_module_notifier(&kmd_module_nb);
#else
	return 0;
#endif
}
core_initcall(kmemdump_lifetime_init);

// SPDX-License-Identifier: GPL-2.0
/*
 * Static annotations: KMEMDUMP_VAR*() place a record in the .kmemdump
 * section. vmlinux's records are registered at boot; a module's records
 * are registered when it comes up and unregistered when it goes away, so a
 * module can never leave a region pointing at memory it no longer owns.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/init.h>
#include <linux/sched/clock.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/string.h>

#include "internal.h"

extern struct kmemdump_annotation __start_kmemdump[];
extern struct kmemdump_annotation __stop_kmemdump[];

static void kmemdump_annotations_register(struct kmemdump_annotation *a,
					  unsigned int n, const char *owner)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++, a++) {
		size_t size = a->size ?: strlen(a->addr) + 1;

		ret = kmemdump_register_flags(a->id, a->addr, size,
					      KMEMDUMP_REGION_ANNOTATION);
		if (ret < 0) {
			pr_warn("%s: cannot register %zu bytes at %ps: %d\n",
				owner, size, a->addr, ret);
			a->registered = 0;
			continue;
		}
		a->registered = ret;
	}
}

static void kmemdump_annotations_unregister(struct kmemdump_annotation *a,
					    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, a++) {
		if (a->registered)
			kmemdump_unregister(a->registered);
		a->registered = 0;
	}
}

#ifdef CONFIG_MODULES
static int kmemdump_module_notify(struct notifier_block *nb,
				  unsigned long state, void *data)
{
	struct module *mod = data;

	switch (state) {
	case MODULE_STATE_COMING:
		kmemdump_annotations_register(mod->kmemdump_annotations,
					      mod->num_kmemdump_annotations,
					      mod->name);
		break;
	case MODULE_STATE_GOING:
		/* Also reached when the module's init fails. */
		kmemdump_annotations_unregister(mod->kmemdump_annotations,
						mod->num_kmemdump_annotations);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block kmemdump_module_nb = {
	.notifier_call = kmemdump_module_notify,
};
#endif

/* Early, so that built-in regions exist before any backend probes. */
static int __init kmemdump_annotations_init(void)
{
	unsigned int n = __stop_kmemdump - __start_kmemdump;
	u64 t0 = local_clock();

	kmemdump_annotations_register(__start_kmemdump, n, "vmlinux");
	/* Boot cost of the static annotations, for the benchmarks. */
	pr_info("%u static regions registered in %llu ns\n", n,
		local_clock() - t0);
#ifdef CONFIG_MODULES
	return register_module_notifier(&kmemdump_module_nb);
#else
	return 0;
#endif
}
core_initcall(kmemdump_annotations_init);

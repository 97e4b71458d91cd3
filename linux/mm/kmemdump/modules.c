// SPDX-License-Identifier: GPL-2.0
/*
 * What a debugger needs to find the loaded modules in a dump, so that it
 * names the functions of a module on a stack. The modules list head is a
 * static annotation (kernel/module/main.c); while a module is live, this
 * file keeps registered:
 *
 *  - its struct module: the list links, the name, the load addresses
 *    (mod->mem[]) and the pointer to its section attributes;
 *  - its section attributes (mod->sect_attrs, kernel/module/sysfs.c):
 *    every section's name and load address, what drgn and the kernel's
 *    own gdb scripts (lx-symbols) read to place the module's .ko;
 *  - the section names, which kernel/module/sysfs.c keeps in the same
 *    allocation as the attributes: the whole is one region, one table
 *    entry of the firmware's ~200.
 *
 * The struct module is registered at MODULE_STATE_COMING, the attributes
 * at MODULE_STATE_LIVE (load_module() creates them after the COMING
 * notifiers); all is unregistered at MODULE_STATE_GOING, before sysfs.c
 * frees the attributes and before lifetime.c checks that the module left
 * nothing registered.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>

#include "internal.h"

/* Bounds against a layout that is not what this file expects. */
#define KMD_MOD_MAX_SECTIONS	1024

struct kmd_module {
	struct list_head node;
	const struct module *mod;
	int mod_id;
	int attrs_id;
};

static LIST_HEAD(kmd_modules);
static DEFINE_MUTEX(kmd_modules_lock);

#ifdef CONFIG_KALLSYMS
/*
 * The section attributes start with their struct attribute_group; the
 * NULL-terminated bin_attrs array and then the section names follow in
 * the same allocation (sysfs.c's add_sect_attrs()). Register from the
 * group to the end of the last name; a name elsewhere (a kernel whose
 * sysfs.c allocates them one by one) is refused rather than left out.
 */
static int kmd_sect_attrs_register(struct kmd_module *m,
				   const struct attribute_group *grp)
{
	struct bin_attribute *const *ba = grp->bin_attrs;
	unsigned long start = (unsigned long)grp, array_end, end;
	unsigned int n;
	int ret;

	n = 0;
	while (n < KMD_MOD_MAX_SECTIONS && ba[n])
		n++;
	array_end = (unsigned long)&ba[n + 1];
	end = array_end;
	if (n == KMD_MOD_MAX_SECTIONS || (unsigned long)ba < start ||
	    end - start > KMALLOC_MAX_SIZE)
		return -EINVAL;
	while (n--) {
		unsigned long name = (unsigned long)ba[n]->attr.name;

		if (name < array_end || name - start >= KMALLOC_MAX_SIZE)
			return -EINVAL;
		end = max(end, name + strnlen(ba[n]->attr.name,
					      KMALLOC_MAX_SIZE - (name - start)) + 1);
	}
	if (end - start > KMALLOC_MAX_SIZE)
		return -EINVAL;
	ret = kmemdump_register(grp, end - start);
	if (ret < 0)
		return ret;
	m->attrs_id = ret;
	return 0;
}
#endif

static void kmd_module_release_sections(struct kmd_module *m)
{
	if (m->attrs_id > 0)
		kmemdump_unregister(m->attrs_id);
	m->attrs_id = 0;
}

static struct kmd_module *kmd_module_find(const struct module *mod)
{
	struct kmd_module *m;

	list_for_each_entry(m, &kmd_modules, node)
		if (m->mod == mod)
			return m;
	return NULL;
}

/**
 * kmemdump_module_coming() - register @mod's struct module
 * @mod: a module being loaded
 *
 * Does not fail the load: if the table is full, the module is reported and
 * left out of the dump.
 */
VISIBLE_IF_KUNIT void kmemdump_module_coming(const struct module *mod)
{
	struct kmd_module *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return;
	m->mod = mod;
	ret = kmemdump_register(mod, sizeof(*mod));
	if (ret < 0) {
		kfree(m);
		pr_warn("%s: cannot register its struct module: %d\n",
			mod->name, ret);
		return;
	}
	m->mod_id = ret;
	mutex_lock(&kmd_modules_lock);
	list_add(&m->node, &kmd_modules);
	mutex_unlock(&kmd_modules_lock);
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_module_coming);

/**
 * kmemdump_module_live() - register @mod's section attributes
 * @mod: a module whose init succeeded
 *
 * load_module() creates the attributes after the MODULE_STATE_COMING
 * notifiers, so a module that hangs in its init is in the dump without
 * them. On failure the module keeps its struct module registered.
 */
VISIBLE_IF_KUNIT void kmemdump_module_live(const struct module *mod)
{
#ifdef CONFIG_KALLSYMS
	struct kmd_module *m;
	int ret = 0;

	mutex_lock(&kmd_modules_lock);
	m = kmd_module_find(mod);
	if (m && mod->sect_attrs && !m->attrs_id)
		ret = kmd_sect_attrs_register(m, (const void *)mod->sect_attrs);
	if (ret) {
		kmd_module_release_sections(m);
		pr_warn("%s: cannot register its section attributes: %d\n",
			mod->name, ret);
	}
	mutex_unlock(&kmd_modules_lock);
#endif
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_module_live);

/**
 * kmemdump_module_going() - unregister what kmemdump_module_coming() did
 * @mod: the module
 */
VISIBLE_IF_KUNIT void kmemdump_module_going(const struct module *mod)
{
	struct kmd_module *m;

	mutex_lock(&kmd_modules_lock);
	m = kmd_module_find(mod);
	if (m) {
		list_del(&m->node);
		kmd_module_release_sections(m);
		kmemdump_unregister(m->mod_id);
		kfree(m);
	}
	mutex_unlock(&kmd_modules_lock);
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_module_going);

static int kmd_modules_notify(struct notifier_block *nb, unsigned long state,
			      void *data)
{
	if (state == MODULE_STATE_COMING)
		kmemdump_module_coming(data);
	else if (state == MODULE_STATE_LIVE)
		kmemdump_module_live(data);
	else if (state == MODULE_STATE_GOING)
		kmemdump_module_going(data);
	return NOTIFY_OK;
}

/* Before lifetime.c's notifier (priority -1), which flags what is left. */
static struct notifier_block kmd_modules_nb = {
	.notifier_call = kmd_modules_notify,
};

static int __init kmemdump_modules_init(void)
{
	return register_module_notifier(&kmd_modules_nb);
}
core_initcall(kmemdump_modules_init);

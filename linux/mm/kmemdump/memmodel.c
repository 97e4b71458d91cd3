// SPDX-License-Identifier: GPL-2.0
/*
 * The memory model a dump reader needs before it reads anything else.
 *
 * makedumpfile starts every run, even --dump-dmesg, by learning the
 * memory layout: which nodes are online (node_states) and where the
 * sparse memory model's section table is (mem_section and, with
 * SPARSEMEM_EXTREME, the root array and each populated root page).
 * Register those, once the boot allocated them.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/init.h>
#include <linux/kmemdump.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/printk.h>

static int __init kmemdump_register_one(const void *addr, size_t size)
{
	int ret = kmemdump_register(addr, size);

	if (ret < 0)
		pr_warn("memory model: cannot register %zu bytes at %p: %d\n",
			size, addr, ret);
	return ret;
}

static int __init kmemdump_memmodel_init(void)
{
#ifdef CONFIG_SPARSEMEM
	unsigned long root;
#endif

	kmemdump_register_one(&node_states, sizeof(node_states));
#ifdef CONFIG_SPARSEMEM_EXTREME
	kmemdump_register_one(&mem_section, sizeof(mem_section));
	if (!mem_section)
		return 0;
	kmemdump_register_one(mem_section, NR_SECTION_ROOTS * sizeof(*mem_section));
	for (root = 0; root < NR_SECTION_ROOTS; root++)
		if (mem_section[root])
			kmemdump_register_one(mem_section[root],
					      SECTIONS_PER_ROOT *
					      sizeof(struct mem_section));
#elif defined(CONFIG_SPARSEMEM)
	root = 0;
	kmemdump_register_one(mem_section, sizeof(mem_section));
#endif
	return 0;
}

/* After the core image (pure) and the annotations (core). */
postcore_initcall(kmemdump_memmodel_init);

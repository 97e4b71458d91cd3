// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs kmemdump/regions: the active backend, then one line per region:
 * id, name, size in bytes, start address (hashed like every %p).
 */

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

struct kmemdump_snapshot {
	unsigned int n;
	struct kmemdump_region r[CONFIG_KMEMDUMP_MAX_REGIONS];
};

/* Under kmemdump's lock, interrupts off: copy, print later. */
static void kmemdump_copy_region(const struct kmemdump_region *r, void *arg)
{
	struct kmemdump_snapshot *snap = arg;

	if (snap->n < ARRAY_SIZE(snap->r))
		snap->r[snap->n++] = *r;
}

static int kmemdump_regions_show(struct seq_file *m, void *v)
{
	struct kmemdump_snapshot *snap;
	char name[KMEMDUMP_NAME_LEN];
	char backend[32];
	unsigned int i;

	snap = kvzalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	kmemdump_backend_name(backend, sizeof(backend));
	kmemdump_walk_regions(kmemdump_copy_region, snap);
	seq_printf(m, "backend: %s\n", backend);
	seq_printf(m, "regions: %u/%u\n", snap->n, CONFIG_KMEMDUMP_MAX_REGIONS);
	for (i = 0; i < snap->n; i++) {
		const struct kmemdump_region *r = &snap->r[i];

		if (kmemdump_id_name(r->id, name, sizeof(name)))
			strscpy(name, "?", sizeof(name));
		seq_printf(m, "%d %s %zu %p\n", r->id, name, r->size, r->vaddr);
	}
	kvfree(snap);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kmemdump_regions);

static int __init kmemdump_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("kmemdump", NULL);

	debugfs_create_file("regions", 0400, dir, NULL, &kmemdump_regions_fops);
	return 0;
}
late_initcall(kmemdump_debugfs_init);

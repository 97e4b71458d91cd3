// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs kmemdump/regions: the active backend, then one line per region:
 * id, name, size in bytes, start address (hashed like every %p).
 */

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/seq_file.h>

#include "internal.h"

static void kmemdump_show_region(const struct kmemdump_region *r, void *arg)
{
	char name[KMEMDUMP_NAME_LEN];
	struct seq_file *m = arg;

	if (kmemdump_id_name(r->id, name, sizeof(name)))
		strscpy(name, "?", sizeof(name));
	seq_printf(m, "%d %s %zu %p\n", r->id, name, r->size, r->vaddr);
}

static int kmemdump_regions_show(struct seq_file *m, void *v)
{
	char backend[32];

	kmemdump_backend_name(backend, sizeof(backend));
	seq_printf(m, "backend: %s\n", backend);
	seq_printf(m, "regions: %u/%u\n", kmemdump_nr_regions(),
		   CONFIG_KMEMDUMP_MAX_REGIONS);
	kmemdump_walk_regions(kmemdump_show_region, m);
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

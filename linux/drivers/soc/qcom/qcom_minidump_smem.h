/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the SMEM transport of the minidump table, visible to its
 * KUnit test only.
 */
#ifndef _QCOM_MINIDUMP_SMEM_H
#define _QCOM_MINIDUMP_SMEM_H

#include <linux/soc/qcom/minidump_table.h>
#include <linux/types.h>

/* SMEM item in which boot firmware keeps the global minidump TOC. */
#define QCOM_MD_SMEM_TOC_ITEM	602

struct device;

/**
 * struct qcom_md_smem - state of the SMEM transport
 * @table: the minidump table, its TOC in SMEM
 * @regions: the two APSS region arrays, in kernel memory
 * @capacity: entries of each array
 */
struct qcom_md_smem {
	struct qcom_md_table table;
	struct qcom_md_region *regions;
	unsigned int capacity;
};

#if IS_ENABLED(CONFIG_KUNIT)
void *qcom_md_smem_get_toc(size_t *size);
int qcom_md_smem_check_toc(struct device *dev, const void *item, size_t size);
struct qcom_md_smem *qcom_md_smem_setup(struct device *dev,
					unsigned int max_entries);
#endif

#endif /* _QCOM_MINIDUMP_SMEM_H */

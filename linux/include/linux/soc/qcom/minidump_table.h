/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Qualcomm minidump table: the layout boot firmware and the kernel share,
 * and a kmemdump backend that fills it. The table logic does not care how
 * the memory is shared (SMEM on Qualcomm SoCs, a PCI BAR in a virtual
 * machine); a transport driver maps it and hands it over.
 *
 * See drivers/soc/qcom/qcom_minidump_table.c for the update protocol.
 */
#ifndef _LINUX_SOC_QCOM_MINIDUMP_TABLE_H
#define _LINUX_SOC_QCOM_MINIDUMP_TABLE_H

#include <linux/build_bug.h>
#include <linux/kmemdump.h>
#include <linux/stddef.h>
#include <linux/types.h>

#define QCOM_MD_NAME_LEN		16
#define QCOM_MD_NUM_SUBSYS		10
/* Subsystem 0 belongs to the application processors (APSS): Linux. */
#define QCOM_MD_SUBSYS_APSS		0

/* Values firmware writes into the TOC before Linux boots. */
#define QCOM_MD_TOC_STATUS_INIT		1
#define QCOM_MD_REVISION		1
/* Value Linux writes into the status of its subsystem. */
#define QCOM_MD_SS_STATUS_INIT		1

/* ASCII tags, read as little-endian 32-bit words by the firmware. */
#define QCOM_MD_REGION_VALID		0x56414C49	/* "VALI" */
#define QCOM_MD_REGION_INVALID		0x494E5641	/* "INVA" */
#define QCOM_MD_ENABLED			0x454E424C	/* "ENBL" */
#define QCOM_MD_ENCR_NOTREQ		0x00004E52	/* "NR" */
#define QCOM_MD_ENCR_DONE		0x444F4E45	/* "DONE" */

/* Regions Qualcomm boot firmware reserves for Linux in SMEM. */
#define QCOM_MD_MAX_REGIONS		201

/**
 * struct qcom_md_region - one entry of a subsystem's region array
 * @name: NUL-terminated name; firmware saves the entry as md_<name>.BIN
 * @seq_num: index of this chunk within the region called @name
 * @valid: %QCOM_MD_REGION_VALID if firmware should copy the entry,
 *	%QCOM_MD_REGION_INVALID if it should skip it
 * @address: physical address of the chunk
 * @size: length of the chunk in bytes
 */
struct qcom_md_region {
	char name[QCOM_MD_NAME_LEN];
	__le32 seq_num;
	__le32 valid;
	__le64 address;
	__le64 size;
};

/**
 * struct qcom_md_subsystem - a subsystem's header in the TOC
 * @status: %QCOM_MD_SS_STATUS_INIT once the subsystem set the header up
 * @enabled: %QCOM_MD_ENABLED once the subsystem set the header up
 * @encryption_status: 0, or %QCOM_MD_ENCR_DONE once firmware encrypted
 *	the dump
 * @encryption_required: %QCOM_MD_ENCR_NOTREQ: copy the regions as they are
 * @region_count: number of slots of the region array firmware examines
 * @reserved: padding, zero
 * @regions_baseptr: physical address of the region array
 */
struct qcom_md_subsystem {
	__le32 status;
	__le32 enabled;
	__le32 encryption_status;
	__le32 encryption_required;
	__le32 region_count;
	__le32 reserved;
	__le64 regions_baseptr;
};

/**
 * struct qcom_md_toc - global table of contents, set up by boot firmware
 * @status: %QCOM_MD_TOC_STATUS_INIT once firmware initialised the TOC
 * @md_revision: layout revision, %QCOM_MD_REVISION
 * @enabled: %QCOM_MD_ENABLED if firmware collects minidumps
 * @reserved: padding, zero
 * @subsys: one header per subsystem; Linux owns %QCOM_MD_SUBSYS_APSS
 */
struct qcom_md_toc {
	__le32 status;
	__le32 md_revision;
	__le32 enabled;
	__le32 reserved;
	struct qcom_md_subsystem subsys[QCOM_MD_NUM_SUBSYS];
};

/* The firmware's layout: natural alignment, no packing, fixed sizes. */
static_assert(sizeof(struct qcom_md_region) == 40);
static_assert(offsetof(struct qcom_md_region, valid) == 20);
static_assert(offsetof(struct qcom_md_region, address) == 24);
static_assert(sizeof(struct qcom_md_subsystem) == 32);
static_assert(offsetof(struct qcom_md_subsystem, region_count) == 16);
static_assert(offsetof(struct qcom_md_subsystem, regions_baseptr) == 24);
static_assert(sizeof(struct qcom_md_toc) == 336);
static_assert(offsetof(struct qcom_md_toc, subsys) == 16);

/**
 * struct qcom_md_table - kernel-side state of a minidump table
 * @be: the kmemdump backend; register it with
 *	qcom_md_table_register_backend()
 * @toc: the TOC in shared memory
 * @regions: the two APSS region arrays in shared memory; the TOC points
 *	the firmware at one of them
 * @regions_phys: physical addresses of @regions, as firmware sees them
 * @capacity: number of entries each array holds (the region_count the
 *	firmware examines)
 * @published: index of the array the TOC points at
 * @chg: bitmap of the entries changed in @staged since the last commit
 * @prev_chg: @chg of the last commit
 * @hint: where the search for a chunk's entry starts
 * @used: number of valid entries in @staged
 * @hi: entries at and past @hi are free in @staged
 * @dirty: @staged differs from the published array
 * @staged: kernel copy of the table the next commit publishes
 * @owner: per entry of @staged, the kmemdump ID whose chunk it holds, or
 *	%KMEMDUMP_ID_NO_ID for a free (invalid) entry.
 *
 * The kernel never acts on what it reads back from memory other agents
 * can write: @staged and @owner, in kernel memory, are authoritative. The
 * backend callbacks are serialised by kmemdump's lock; nothing else may
 * change the table while the backend is registered.
 */
struct qcom_md_table {
	struct kmemdump_backend be;
	struct qcom_md_toc *toc;
	struct qcom_md_region *regions[2];
	phys_addr_t regions_phys[2];
	unsigned int capacity;
	unsigned int published;
	unsigned long *chg;
	unsigned long *prev_chg;
	unsigned int hint;
	unsigned int used;
	unsigned int hi;
	bool dirty;
	struct qcom_md_region *staged;
	enum kmemdump_uid *owner;
};

int qcom_md_table_init(struct qcom_md_table *t, const char *name, void *toc,
		       void *regions, phys_addr_t regions_phys,
		       unsigned int capacity);
void qcom_md_table_destroy(struct qcom_md_table *t);
int qcom_md_table_register_backend(struct qcom_md_table *t);
int qcom_md_table_unregister_backend(struct qcom_md_table *t);

#endif /* _LINUX_SOC_QCOM_MINIDUMP_TABLE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump backend for virtual machines: a Qualcomm minidump table in
 * QEMU's ivshmem-plain device.
 *
 * The device's BAR 2 is memory that a host program can also map. Before
 * the guest boots, the host plays boot firmware and initialises a minidump
 * table of contents at offset 0. This driver puts the two APSS region
 * arrays (see the update protocol in qcom_minidump_table.c) at offset
 * 4096 and publishes kmemdump's regions there. When the guest
 * panics or freezes, the host reads the table and copies the regions out
 * of guest RAM.
 *
 * ivshmem devices serve other purposes too. The driver binds only when it
 * finds an initialised table of contents, and writes nothing before that.
 */

#include <linux/device.h>
#include <linux/dev_printk.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/soc/qcom/minidump_table.h>

#define KMEMDUMP_IVSHMEM_DEVICE_ID	0x1110	/* ivshmem-plain, ivshmem-doorbell */
#define KMEMDUMP_IVSHMEM_BAR		2
/*
 * Where the region array starts in the BAR. A fixed byte offset, not
 * PAGE_SIZE: the host program reading the table does not know the guest's
 * page size.
 */
#define KMEMDUMP_IVSHMEM_ARRAY_OFFSET	4096

static_assert(sizeof(struct qcom_md_toc) <= KMEMDUMP_IVSHMEM_ARRAY_OFFSET);

/*
 * Unlike Qualcomm firmware's fixed QCOM_MD_MAX_REGIONS, the host reader
 * takes whatever fits; a vmalloc region takes one entry per physically
 * contiguous chunk, so a few large regions can need hundreds. The default
 * is the most entries the project's host reader (mdfw) examines.
 */
static unsigned int max_entries = 1024;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries,
		 "Most region entries to use (default 1024; fewer if BAR 2 is smaller)");

static int kmemdump_ivshmem_probe(struct pci_dev *pdev,
				  const struct pci_device_id *ent)
{
	resource_size_t start, len;
	struct qcom_md_table *table;
	unsigned int capacity;
	size_t map_len;
	void *shm;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "cannot enable device\n");

	start = pci_resource_start(pdev, KMEMDUMP_IVSHMEM_BAR);
	len = pci_resource_len(pdev, KMEMDUMP_IVSHMEM_BAR);
	if (!start || !(pci_resource_flags(pdev, KMEMDUMP_IVSHMEM_BAR) &
			IORESOURCE_MEM)) {
		dev_info(&pdev->dev, "no shared memory BAR, not binding\n");
		return -ENODEV;
	}
	if (len < KMEMDUMP_IVSHMEM_ARRAY_OFFSET +
		  4 * sizeof(struct qcom_md_region)) {
		dev_info(&pdev->dev, "shared memory too small for a minidump table (%pa bytes), not binding\n",
			 &len);
		return -ENODEV;
	}
	/* Two arrays of @capacity entries: the table is double-buffered. */
	capacity = min_t(resource_size_t, max_entries,
			 (len - KMEMDUMP_IVSHMEM_ARRAY_OFFSET) /
			 (2 * sizeof(struct qcom_md_region)));
	if (capacity < 2) {
		dev_err(&pdev->dev, "max_entries is below 2, not binding\n");
		return -EINVAL;
	}

	ret = pcim_request_region(pdev, KMEMDUMP_IVSHMEM_BAR, KBUILD_MODNAME);
	if (ret)
		return dev_err_probe(&pdev->dev, ret,
				     "cannot claim shared memory\n");

	/*
	 * Only what the table uses: the BAR may be far larger. Write-back
	 * cacheable is what the table code expects (normal memory; in QEMU
	 * the host sees the guest's stores without any flushing).
	 */
	map_len = KMEMDUMP_IVSHMEM_ARRAY_OFFSET +
		  2 * capacity * sizeof(struct qcom_md_region);
	shm = devm_memremap(&pdev->dev, start, map_len, MEMREMAP_WB);
	if (IS_ERR(shm))
		return dev_err_probe(&pdev->dev, PTR_ERR(shm),
				     "cannot map shared memory\n");

	table = devm_kzalloc(&pdev->dev, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;

	/* Checks the host's table of contents before writing anything. */
	ret = qcom_md_table_init(table, KBUILD_MODNAME, shm,
				 shm + KMEMDUMP_IVSHMEM_ARRAY_OFFSET,
				 start + KMEMDUMP_IVSHMEM_ARRAY_OFFSET,
				 capacity);
	if (ret == -ENODEV) {
		dev_info(&pdev->dev, "no minidump table, not binding\n");
		return ret;
	}
	if (ret)
		return dev_err_probe(&pdev->dev, ret,
				     "cannot set up the minidump table\n");

	/* Replays every region kmemdump holds into the table. */
	ret = qcom_md_table_register_backend(table);
	if (ret) {
		qcom_md_table_destroy(table);
		return dev_err_probe(&pdev->dev, ret,
				     "cannot register the kmemdump backend\n");
	}
	pci_set_drvdata(pdev, table);
	dev_info(&pdev->dev, "minidump table at %pa, %u region entries\n",
		 &start, capacity);
	return 0;
}

static void kmemdump_ivshmem_remove(struct pci_dev *pdev)
{
	struct qcom_md_table *table = pci_get_drvdata(pdev);

	/*
	 * Stop kmemdump from calling into the table first. The mapping and
	 * @table are devm-managed and released only after this returns.
	 */
	qcom_md_table_unregister_backend(table);
	qcom_md_table_destroy(table);
}

static const struct pci_device_id kmemdump_ivshmem_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, KMEMDUMP_IVSHMEM_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, kmemdump_ivshmem_ids);

static struct pci_driver kmemdump_ivshmem_driver = {
	.name = KBUILD_MODNAME,
	.id_table = kmemdump_ivshmem_ids,
	.probe = kmemdump_ivshmem_probe,
	.remove = kmemdump_ivshmem_remove,
};
module_pci_driver(kmemdump_ivshmem_driver);

MODULE_DESCRIPTION("kmemdump backend: minidump table in QEMU ivshmem memory");
MODULE_LICENSE("GPL");

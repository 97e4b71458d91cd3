// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump backend for Qualcomm SoCs: the minidump table in SMEM.
 *
 * Before Linux starts, the boot firmware allocates SMEM item 602 and
 * initialises the global minidump table of contents in it (status 1,
 * revision 1, enabled "ENBL", one header per subsystem). Linux owns the
 * header of subsystem 0, the application processors (APSS). This driver
 * finds the TOC through the kernel's SMEM driver, checks it, points the
 * APSS header at two region arrays in kernel memory (the table is
 * double-buffered, see qcom_minidump_table.c) and publishes kmemdump's
 * regions there. After a crash or a watchdog bite the firmware follows
 * the same path, SMEM item 602 to the APSS header to the published array,
 * and copies each valid region out of DDR.
 *
 * Nothing is written to SMEM unless the firmware set the TOC up.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/device.h>
#include <linux/dev_printk.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/soc/qcom/minidump_table.h>
#include <linux/soc/qcom/smem.h>

#include "qcom_minidump_smem.h"

/*
 * Entries per region array. Qualcomm firmware examines the region_count
 * Linux writes; a vmalloc region takes one entry per physically
 * contiguous chunk, so the default leaves room for a few large regions
 * on top of kmemdump's CONFIG_KMEMDUMP_MAX_REGIONS.
 */
static unsigned int max_entries = 1024;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "Entries of each APSS region array (default 1024)");

/* The TOC in SMEM; a KUnit test redirects this to a fake one. */
VISIBLE_IF_KUNIT void *qcom_md_smem_get_toc(size_t *size)
{
	KUNIT_STATIC_STUB_REDIRECT(qcom_md_smem_get_toc, size);
	return qcom_smem_get(QCOM_SMEM_HOST_ANY, QCOM_MD_SMEM_TOC_ITEM, size);
}
EXPORT_SYMBOL_IF_KUNIT(qcom_md_smem_get_toc);

/*
 * Is @item, @size bytes, a TOC the firmware set up for us? Only reads.
 * Returns 0, -EINVAL for a TOC too small or misaligned to be one,
 * -ENODEV if the firmware did not initialise it, does not use this
 * revision or does not collect minidumps.
 */
VISIBLE_IF_KUNIT int qcom_md_smem_check_toc(struct device *dev,
					    const void *item, size_t size)
{
	const struct qcom_md_toc *toc = item;
	u32 status, revision, enabled;

	if (size < sizeof(*toc) || !IS_ALIGNED((unsigned long)item, 8)) {
		dev_err(dev, "SMEM item %u (%zu bytes at %p) cannot hold a minidump table of contents (%zu bytes, 8-byte aligned)\n",
			QCOM_MD_SMEM_TOC_ITEM, size, item, sizeof(*toc));
		return -EINVAL;
	}
	status = le32_to_cpu(READ_ONCE(toc->status));
	revision = le32_to_cpu(READ_ONCE(toc->md_revision));
	enabled = le32_to_cpu(READ_ONCE(toc->enabled));
	if (status != QCOM_MD_TOC_STATUS_INIT) {
		dev_err(dev, "firmware did not initialise the minidump table of contents (status %u)\n",
			status);
		return -ENODEV;
	}
	if (revision != QCOM_MD_REVISION) {
		dev_err(dev, "minidump table revision %u, only %u is supported\n",
			revision, QCOM_MD_REVISION);
		return -ENODEV;
	}
	if (enabled != QCOM_MD_ENABLED) {
		dev_info(dev, "firmware does not collect minidumps (enabled %#x)\n",
			 enabled);
		return -ENODEV;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(qcom_md_smem_check_toc);

/*
 * Find and check the TOC, allocate the region arrays and claim the APSS
 * header. Device-managed memory; qcom_md_table_destroy() the table when
 * done. Returns the state or an ERR_PTR(): -EPROBE_DEFER while SMEM is
 * not probed, -ENODEV if the firmware did not set the TOC up.
 */
VISIBLE_IF_KUNIT struct qcom_md_smem *qcom_md_smem_setup(struct device *dev,
							 unsigned int max)
{
	struct qcom_md_smem *md;
	size_t size;
	void *toc;
	int ret;

	toc = qcom_md_smem_get_toc(&size);
	if (IS_ERR(toc)) {
		ret = PTR_ERR(toc);
		if (ret == -EPROBE_DEFER)
			return ERR_PTR(dev_err_probe(dev, ret, "waiting for SMEM\n"));
		if (ret == -ENOENT)
			ret = -ENODEV;
		dev_err(dev, "no minidump table of contents: SMEM item %u: %pe; firmware did not set one up\n",
			QCOM_MD_SMEM_TOC_ITEM, toc);
		return ERR_PTR(ret);
	}
	ret = qcom_md_smem_check_toc(dev, toc, size);
	if (ret)
		return ERR_PTR(ret);
	if (max < 2) {
		dev_err(dev, "max_entries %u is below 2\n", max);
		return ERR_PTR(-EINVAL);
	}

	md = devm_kzalloc(dev, sizeof(*md), GFP_KERNEL);
	if (!md)
		return ERR_PTR(-ENOMEM);
	/*
	 * The firmware reads the arrays by physical address: kmalloc memory
	 * is physically contiguous and in the linear map.
	 */
	md->capacity = max;
	md->regions = devm_kcalloc(dev, 2 * max, sizeof(*md->regions),
				   GFP_KERNEL);
	if (!md->regions)
		return ERR_PTR(-ENOMEM);

	/* Writes the APSS header only now that the TOC checked out. */
	ret = qcom_md_table_init(&md->table, KBUILD_MODNAME, toc, md->regions,
				 virt_to_phys(md->regions), max);
	if (ret) {
		dev_err(dev, "cannot set up the minidump table: %d\n", ret);
		return ERR_PTR(ret);
	}
	return md;
}
EXPORT_SYMBOL_IF_KUNIT(qcom_md_smem_setup);

static int qcom_md_smem_probe(struct platform_device *pdev)
{
	struct qcom_md_smem *md;
	int ret;

	if (!qcom_smem_is_available())
		return dev_err_probe(&pdev->dev, -EPROBE_DEFER,
				     "waiting for SMEM\n");
	md = qcom_md_smem_setup(&pdev->dev, max_entries);
	if (IS_ERR(md))
		return PTR_ERR(md);

	/* Replays every region kmemdump holds into the table. */
	ret = qcom_md_table_register_backend(&md->table);
	if (ret) {
		qcom_md_table_destroy(&md->table);
		return dev_err_probe(&pdev->dev, ret,
				     "cannot register the kmemdump backend\n");
	}
	platform_set_drvdata(pdev, md);
	dev_info(&pdev->dev, "minidump table in SMEM item %u, APSS region arrays at %pa, %u entries each\n",
		 QCOM_MD_SMEM_TOC_ITEM, &md->table.regions_phys[0],
		 md->capacity);
	return 0;
}

static void qcom_md_smem_remove(struct platform_device *pdev)
{
	struct qcom_md_smem *md = platform_get_drvdata(pdev);

	/* kmemdump stops calling into the table before the arrays go. */
	qcom_md_table_unregister_backend(&md->table);
	qcom_md_table_destroy(&md->table);
}

static struct platform_driver qcom_md_smem_driver = {
	.probe = qcom_md_smem_probe,
	.remove = qcom_md_smem_remove,
	.driver = {
		.name = "qcom-minidump-smem",
	},
};

static struct platform_device *qcom_md_smem_pdev;

static int __init qcom_md_smem_init(void)
{
	struct device_node *np;
	int ret;

	/*
	 * The table is not a device of its own: instantiate one on boards
	 * that have SMEM, and let it wait (deferred probe) for the SMEM
	 * driver. Elsewhere it would wait forever.
	 */
	np = of_find_compatible_node(NULL, NULL, "qcom,smem");
	if (!np)
		return -ENODEV;
	of_node_put(np);

	ret = platform_driver_register(&qcom_md_smem_driver);
	if (ret)
		return ret;
	qcom_md_smem_pdev = platform_device_register_simple("qcom-minidump-smem",
							    PLATFORM_DEVID_NONE,
							    NULL, 0);
	if (IS_ERR(qcom_md_smem_pdev)) {
		platform_driver_unregister(&qcom_md_smem_driver);
		return PTR_ERR(qcom_md_smem_pdev);
	}
	return 0;
}
module_init(qcom_md_smem_init);

static void __exit qcom_md_smem_exit(void)
{
	platform_device_unregister(qcom_md_smem_pdev);
	platform_driver_unregister(&qcom_md_smem_driver);
}
module_exit(qcom_md_smem_exit);

MODULE_DESCRIPTION("kmemdump backend: minidump table in Qualcomm SMEM");
MODULE_LICENSE("GPL");

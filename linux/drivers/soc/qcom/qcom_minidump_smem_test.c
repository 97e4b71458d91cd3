// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the SMEM transport of the minidump table: what it
 * accepts as the firmware's table of contents and what it writes there.
 *
 * The SMEM lookup is redirected to a fake item in kernel memory, so the
 * tests run on any machine, with or without SMEM. They never register the
 * backend with kmemdump (global state the real transport may own).
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/soc/qcom/minidump_table.h>
#include <linux/string.h>

#include "qcom_minidump_smem.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

struct md_smem_fake {
	void *item;		/* what qcom_smem_get() returns, or an ERR_PTR */
	size_t size;
	struct device *dev;
};

static struct md_smem_fake *md_smem_fake;

static void *fake_get_toc(size_t *size)
{
	*size = md_smem_fake->size;
	return md_smem_fake->item;
}

/* Item 602 as boot firmware leaves it, with room after it. */
static struct md_smem_fake *fake_alloc(struct kunit *test, size_t size)
{
	struct md_smem_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct qcom_md_toc *toc;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->item = kunit_kzalloc(test, max(size, sizeof(*toc)) + 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->item);
	f->size = size;
	toc = f->item;
	toc->status = cpu_to_le32(QCOM_MD_TOC_STATUS_INIT);
	toc->md_revision = cpu_to_le32(QCOM_MD_REVISION);
	toc->enabled = cpu_to_le32(QCOM_MD_ENABLED);
	f->dev = kunit_device_register(test, "qcom-md-smem-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->dev);
	md_smem_fake = f;
	kunit_activate_static_stub(test, qcom_md_smem_get_toc, fake_get_toc);
	return f;
}

/* A good TOC: the APSS header points at array 0, all entries invalid. */
static void md_smem_claims_apss(struct kunit *test)
{
	struct md_smem_fake *f = fake_alloc(test, sizeof(struct qcom_md_toc));
	struct qcom_md_toc *toc = f->item;
	struct qcom_md_subsystem *ss = &toc->subsys[QCOM_MD_SUBSYS_APSS];
	struct qcom_md_smem *md;
	unsigned int i;

	md = qcom_md_smem_setup(f->dev, 16);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	KUNIT_EXPECT_EQ(test, md->capacity, 16);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->status), QCOM_MD_SS_STATUS_INIT);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->enabled), QCOM_MD_ENABLED);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->encryption_required),
			QCOM_MD_ENCR_NOTREQ);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ss->region_count), 16);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ss->regions_baseptr),
			(u64)virt_to_phys(md->regions));
	for (i = 0; i < 2 * 16; i++)
		KUNIT_EXPECT_EQ(test, le32_to_cpu(md->regions[i].valid),
				QCOM_MD_REGION_INVALID);
	/* The other subsystems belong to other processors: untouched. */
	for (i = 1; i < QCOM_MD_NUM_SUBSYS; i++)
		KUNIT_EXPECT_TRUE(test, !memchr_inv(&toc->subsys[i], 0,
						    sizeof(toc->subsys[i])));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(toc->status), QCOM_MD_TOC_STATUS_INIT);
	qcom_md_table_destroy(&md->table);
}

/* A bigger item (firmware may reserve more) is fine too. */
static void md_smem_accepts_larger_item(struct kunit *test)
{
	struct md_smem_fake *f = fake_alloc(test, 4096);
	struct qcom_md_smem *md = qcom_md_smem_setup(f->dev, 2);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, md);
	qcom_md_table_destroy(&md->table);
}

struct md_smem_bad {
	const char *what;
	size_t size;		/* item size */
	size_t shift;		/* item misaligned by this */
	int field;		/* 0 status, 1 revision, 2 enabled, -1 none */
	u32 value;
	int err;
};

static const struct md_smem_bad md_smem_bad_cases[] = {
	{ "one byte short", sizeof(struct qcom_md_toc) - 1, 0, -1, 0, -EINVAL },
	{ "empty item", 0, 0, -1, 0, -EINVAL },
	{ "misaligned", sizeof(struct qcom_md_toc), 4, -1, 0, -EINVAL },
	{ "status 0", sizeof(struct qcom_md_toc), 0, 0, 0, -ENODEV },
	{ "status 2", sizeof(struct qcom_md_toc), 0, 0, 2, -ENODEV },
	{ "revision 0", sizeof(struct qcom_md_toc), 0, 1, 0, -ENODEV },
	{ "revision 2", sizeof(struct qcom_md_toc), 0, 1, 2, -ENODEV },
	{ "disabled", sizeof(struct qcom_md_toc), 0, 2, 0, -ENODEV },
	{ "INVA not ENBL", sizeof(struct qcom_md_toc), 0, 2,
	  QCOM_MD_REGION_INVALID, -ENODEV },
};

static void md_smem_bad_desc(const struct md_smem_bad *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(md_smem_bad, md_smem_bad_cases, md_smem_bad_desc);

/* Refused with the right error, and not one byte of the item written. */
static void md_smem_refuses_bad_toc(struct kunit *test)
{
	const struct md_smem_bad *c = test->param_value;
	struct md_smem_fake *f = fake_alloc(test, c->size);
	size_t len = sizeof(struct qcom_md_toc) + 64;
	struct qcom_md_smem *md;
	__le32 *word;
	u8 *before;

	if (c->shift) {
		memmove(f->item + c->shift, f->item, sizeof(struct qcom_md_toc));
		f->item += c->shift;
		len -= c->shift;
	}
	word = f->item;
	if (c->field >= 0)
		word[c->field] = cpu_to_le32(c->value);
	before = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	memcpy(before, f->item, len);

	KUNIT_EXPECT_EQ(test, qcom_md_smem_check_toc(f->dev, f->item, f->size),
			c->err);
	md = qcom_md_smem_setup(f->dev, 16);
	KUNIT_ASSERT_TRUE(test, IS_ERR(md));
	KUNIT_EXPECT_EQ(test, PTR_ERR(md), c->err);
	KUNIT_EXPECT_MEMEQ(test, f->item, before, len);
}

/* SMEM not probed yet: defer. Item missing: "no TOC", -ENODEV. */
static void md_smem_lookup_errors(struct kunit *test)
{
	struct md_smem_fake *f = fake_alloc(test, 0);

	f->item = ERR_PTR(-EPROBE_DEFER);
	KUNIT_EXPECT_EQ(test, PTR_ERR(qcom_md_smem_setup(f->dev, 16)),
			-EPROBE_DEFER);
	f->item = ERR_PTR(-ENOENT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(qcom_md_smem_setup(f->dev, 16)),
			-ENODEV);
	f->item = ERR_PTR(-EINVAL);	/* item number beyond SMEM's items */
	KUNIT_EXPECT_EQ(test, PTR_ERR(qcom_md_smem_setup(f->dev, 16)),
			-EINVAL);
}

/* Fewer than two entries cannot hold the ELF header and a region. */
static void md_smem_refuses_tiny_capacity(struct kunit *test)
{
	struct md_smem_fake *f = fake_alloc(test, sizeof(struct qcom_md_toc));
	struct qcom_md_toc *toc = f->item;

	KUNIT_EXPECT_EQ(test, PTR_ERR(qcom_md_smem_setup(f->dev, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, toc->subsys[QCOM_MD_SUBSYS_APSS].enabled, 0);
}

static struct kunit_case qcom_md_smem_cases[] = {
	KUNIT_CASE(md_smem_claims_apss),
	KUNIT_CASE(md_smem_accepts_larger_item),
	KUNIT_CASE_PARAM(md_smem_refuses_bad_toc, md_smem_bad_gen_params),
	KUNIT_CASE(md_smem_lookup_errors),
	KUNIT_CASE(md_smem_refuses_tiny_capacity),
	{}
};

static struct kunit_suite qcom_md_smem_suite = {
	.name = "qcom_minidump_smem",
	.test_cases = qcom_md_smem_cases,
};

kunit_test_suite(qcom_md_smem_suite);

MODULE_DESCRIPTION("KUnit tests for the minidump table's SMEM transport");
MODULE_LICENSE("GPL");

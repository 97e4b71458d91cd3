// SPDX-License-Identifier: GPL-2.0
/*
 * Test module: two file-local objects annotated with KMEMDUMP_VAR(). The
 * module loader finds the records; tests/guest/t-module-annotations.sh
 * checks that they come and go with the module.
 */
#include <linux/kmemdump.h>
#include <linux/module.h>

static char modtest_text[4093] = "kmemdump module test";
KMEMDUMP_VAR(modtest_text);

static u8 modtest_table[1234];
KMEMDUMP_VAR(modtest_table);

static int __init modtest_init(void)
{
	modtest_table[0] = 1;
	pr_info("kmemdump_modtest: loaded (%s)\n", modtest_text);
	return 0;
}
module_init(modtest_init);

static void __exit modtest_exit(void)
{
}
module_exit(modtest_exit);

MODULE_DESCRIPTION("kmemdump static annotations in a module");
MODULE_LICENSE("GPL");

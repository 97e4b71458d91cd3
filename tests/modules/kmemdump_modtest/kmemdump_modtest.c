// SPDX-License-Identifier: GPL-2.0
/*
 * Test module: two file-local objects annotated with KMEMDUMP_VAR(). The
 * module loader finds the records; tests/guest/t-module-annotations.sh
 * checks that they come and go with the module.
 *
 * leak=1 also registers a third object by hand and "forgets" to
 * unregister it: tests/guest/t-module-leak.sh checks that kmemdump takes
 * it out, with a warning, when the module goes away.
 */
#include <linux/kmemdump.h>
#include <linux/module.h>

static char modtest_text[4093] = "kmemdump module test";
KMEMDUMP_VAR(modtest_text);

static u8 modtest_table[1234];
KMEMDUMP_VAR(modtest_table);

static bool leak;
module_param(leak, bool, 0400);
static char modtest_leaked[777];

static int __init modtest_init(void)
{
	int id;

	if (leak) {
		id = kmemdump_register(modtest_leaked, sizeof(modtest_leaked));
		pr_info("kmemdump_modtest: registered %zu bytes by hand: %d\n",
			sizeof(modtest_leaked), id);
	}
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

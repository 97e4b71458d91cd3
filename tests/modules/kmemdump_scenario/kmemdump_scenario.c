// SPDX-License-Identifier: GPL-2.0
/*
 * The seed's scenario, guest side: register the regions the host test
 * will look for in the dump, then freeze the kernel on request.
 *
 *   marker=STR   a kmalloc region holding STR (NUL included)
 *   vpages=N     a vmalloc region of N pages filled with a known pattern
 *   extra=N      N more 64-byte regions "extra-NNN", to fill the table
 *   storm=N      N kthreads register and unregister 256-byte buffers
 *                "storm-T-" repeated (T: thread) until the freeze, so the
 *                firmware catches the table in the middle of updates
 *
 * A region is also registered (by a wrapper) and freed again before the
 * freeze: it must not be in the dump. A region that cannot be registered
 * (table full) is reported as "not registered <what> <size>: <errno>". Each region is reported on the console as
 * "kmemdump_scenario: region <name> <size> <what>" so the host can find
 * its md_<name>.BIN. Writing "panic" or "lockup" to
 * <debugfs>/kmemdump_scenario/freeze freezes the kernel: "lockup" spins
 * every CPU with interrupts off, which only the watchdog can catch.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kmemdump.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static char *marker = "KMEMDUMP-MARKER";
module_param(marker, charp, 0400);
static unsigned int vpages = 4;
module_param(vpages, uint, 0400);
static unsigned int extra;
module_param(extra, uint, 0400);
static unsigned int storm;
module_param(storm, uint, 0400);

#define STORM_SIZE	256
#define STORM_MAX	8

#define EXTRA_SIZE	64

static char *marker_buf;
static u8 *vbuf;
static char **extra_bufs;
static int marker_id, vbuf_id, *extra_ids;
static struct dentry *dir;

/* Byte i of the vmalloc region; the host recomputes it. */
static u8 pattern(size_t i)
{
	return (u8)(i * 131 + (i >> 12) * 17 + 7);
}

/* Register @p (plain API: we want the ID) and tell the host about it. */
static int track(void *p, size_t size, const char *what)
{
	struct page *pg = is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);
	phys_addr_t pa = page_to_phys(pg) + offset_in_page(p);
	char name[KMEMDUMP_NAME_LEN];
	int id = kmemdump_register(p, size);

	if (id < 0) {
		pr_info("not registered %s %zu: %d\n", what, size, id);
		return id;
	}
	kmemdump_id_name(id, name, sizeof(name));
	pr_info("region %s %zu %s phys %pa\n", name, size, what, &pa);
	return id;
}

/* Keep the table changing until the kernel freezes. */
static int storm_thread(void *arg)
{
	unsigned long t = (unsigned long)arg;
	char prefix[16];
	size_t n, i;
	char *buf;
	int id;

	n = snprintf(prefix, sizeof(prefix), "storm-%lu-", t);
	while (!kthread_should_stop()) {
		buf = kmalloc(STORM_SIZE, GFP_KERNEL);
		if (!buf)
			continue;
		for (i = 0; i < STORM_SIZE; i++)
			buf[i] = prefix[i % n];
		id = kmemdump_register(buf, STORM_SIZE);
		/* Odd rounds hold the region a while, so some are caught. */
		if (id > 0 && (id & 1))
			usleep_range(50, 100);
		if (id > 0)
			kmemdump_unregister(id);
		kfree(buf);
		cond_resched();
	}
	return 0;
}

static struct task_struct *storm_tasks[STORM_MAX];

static void lockup_cpu(void *unused)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

static ssize_t freeze_write(struct file *f, const char __user *ubuf,
			    size_t len, loff_t *off)
{
	char cmd[16] = {};

	if (copy_from_user(cmd, ubuf, min(len, sizeof(cmd) - 1)))
		return -EFAULT;
	if (!strncmp(cmd, "panic", 5))
		panic("kmemdump scenario: panic requested");
	if (!strncmp(cmd, "lockup", 6)) {
		pr_emerg("hard lockup: all CPUs spin with interrupts off\n");
		smp_call_function(lockup_cpu, NULL, false);
		lockup_cpu(NULL);
	}
	return -EINVAL;
}

static const struct file_operations freeze_fops = {
	.write = freeze_write,
};

static int __init scenario_init(void)
{
	size_t len = strlen(marker) + 1, i;
	char *gone;
	int ret;

	/* Registered, then freed before the freeze: must not be dumped. */
	gone = kmemdump_kzalloc(KMEMDUMP_ID_NO_ID, 64, GFP_KERNEL);
	if (!gone)
		return -ENOMEM;
	strscpy(gone, "KMEMDUMP-GONE-REGION", 64);
	kmemdump_kfree(gone);

	marker_buf = kmalloc(len, GFP_KERNEL);
	vbuf = vmalloc(vpages * PAGE_SIZE);
	extra_bufs = kcalloc(extra, sizeof(*extra_bufs), GFP_KERNEL);
	extra_ids = kcalloc(extra, sizeof(*extra_ids), GFP_KERNEL);
	if (!marker_buf || !vbuf || (extra && (!extra_bufs || !extra_ids))) {
		ret = -ENOMEM;
		goto err;
	}
	memcpy(marker_buf, marker, len);
	for (i = 0; i < vpages * PAGE_SIZE; i++)
		vbuf[i] = pattern(i);
	marker_id = track(marker_buf, len, "marker");
	vbuf_id = track(vbuf, vpages * PAGE_SIZE, "vmalloc");
	for (i = 0; i < extra; i++) {
		extra_bufs[i] = kzalloc(EXTRA_SIZE, GFP_KERNEL);
		if (!extra_bufs[i])
			continue;
		snprintf(extra_bufs[i], EXTRA_SIZE, "extra-%03zu", i);
		extra_ids[i] = track(extra_bufs[i], EXTRA_SIZE, "extra");
	}

	for (i = 0; i < min(storm, STORM_MAX); i++)
		storm_tasks[i] = kthread_run(storm_thread, (void *)i,
					     "kmemdump_storm/%zu", i);

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("freeze", 0200, dir, NULL, &freeze_fops);
	return 0;

err:
	kfree(extra_ids);
	kfree(extra_bufs);
	vfree(vbuf);
	kfree(marker_buf);
	return ret;
}
module_init(scenario_init);

static void __exit scenario_exit(void)
{
	unsigned int i;

	debugfs_remove(dir);
	for (i = 0; i < STORM_MAX; i++)
		if (!IS_ERR_OR_NULL(storm_tasks[i]))
			kthread_stop(storm_tasks[i]);
	for (i = 0; i < extra; i++) {
		if (extra_ids[i] > 0)
			kmemdump_unregister(extra_ids[i]);
		kfree(extra_bufs[i]);
	}
	kfree(extra_ids);
	kfree(extra_bufs);
	if (vbuf_id > 0)
		kmemdump_unregister(vbuf_id);
	vfree(vbuf);
	if (marker_id > 0)
		kmemdump_unregister(marker_id);
	kfree(marker_buf);
}
module_exit(scenario_exit);

MODULE_DESCRIPTION("kmemdump end-to-end scenario: regions and a freeze");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of scripts/bench-switch.sh: what the sched_switch tracepoint
 * runs, and how long kmemdump's probe on it takes, without a kernel change.
 *
 * A read of debugfs kmd_switch_cost/probes prints
 *
 *   KMD-SWITCH-TP probes=N key=on|off FUNC,FUNC...
 *
 * the probes registered on sched_switch and its static key, as the
 * scheduler sees them (this module's own probes left out). key=off, no
 * probe: trace_sched_switch() is a patched-out branch, the scheduler's
 * code as without kmemdump.
 *
 * time=1 also registers two probes on sched_switch that bracket every
 * other one: "before" at TRACEPOINT_DEFAULT_PRIO + 1 (run first) reads the
 * TSC, "after" at TRACEPOINT_DEFAULT_PRIO - 1 (run last) reads it again
 * and keeps the difference, per CPU. kmemdump registers its probe at the
 * default priority, so it runs between them whenever it is registered
 * (the ivshmem backend bound), also when it is registered after them.
 * With no probe between, the difference is what the bracket itself costs;
 * the difference of the two medians is kmemdump's probe.
 *
 * debugfs kmd_switch_cost/stats: a write (any) empties the samples and
 * starts collecting; a read stops and prints, per CPU,
 *
 *   KMD-SWITCH-COST cpu=C n=N median=CYC p10=CYC p90=CYC median_ns=NS
 *
 * in TSC cycles (under QEMU TCG the guest's TSC follows the host's clock:
 * it measures time, not instructions). Nothing is asserted.
 *
 *   time=0|1       register the bracket (default 0: only report)
 *   samples=N      samples kept per CPU (default 65536; more are dropped)
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <asm/msr.h>
#include <asm/tsc.h>

static bool time_probes;
module_param_named(time, time_probes, bool, 0400);
static unsigned int samples = 65536;
module_param(samples, uint, 0400);

struct kmd_cost_cpu {
	u64 t0;
	unsigned int n;
	u32 *d;
};

static DEFINE_PER_CPU(struct kmd_cost_cpu, kmd_cost);
static struct tracepoint *tp_switch;
static struct dentry *dir;
static bool collecting;

static void find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		tp_switch = tp;
}

static void probe_before(void *data, bool preempt, struct task_struct *prev,
			 struct task_struct *next, unsigned int prev_state)
{
	this_cpu_write(kmd_cost.t0, rdtsc_ordered());
}

static void probe_after(void *data, bool preempt, struct task_struct *prev,
			struct task_struct *next, unsigned int prev_state)
{
	u64 t1 = rdtsc_ordered();
	struct kmd_cost_cpu *c = this_cpu_ptr(&kmd_cost);

	if (READ_ONCE(collecting) && c->n < samples)
		c->d[c->n++] = min_t(u64, t1 - c->t0, U32_MAX);
}

static bool ours(void *f)
{
	return f == probe_before || f == probe_after;
}

static int probes_show(struct seq_file *m, void *v)
{
	struct tracepoint_func *f;
	unsigned int n = 0;
	char names[256] = "";
	size_t len = 0;

	rcu_read_lock_sched();
	f = rcu_dereference_sched(tp_switch->funcs);
	for (; f && f->func; f++) {
		if (ours(f->func))
			continue;
		n++;
		len += scnprintf(names + len, sizeof(names) - len, "%s%ps",
				 len ? "," : "", f->func);
	}
	rcu_read_unlock_sched();
	seq_printf(m, "KMD-SWITCH-TP probes=%u key=%s %s\n", n,
		   static_key_enabled(&tp_switch->key) ? "on" : "off",
		   n ? names : "-");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(probes);

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static int stats_show(struct seq_file *m, void *v)
{
	unsigned int cpu, n;
	u32 *s;

	WRITE_ONCE(collecting, false);
	synchronize_rcu();	/* no probe is storing any more */
	s = vmalloc(array_size(samples, sizeof(*s)));
	if (!s)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct kmd_cost_cpu *c = per_cpu_ptr(&kmd_cost, cpu);

		n = c->n;
		if (!n) {
			seq_printf(m, "KMD-SWITCH-COST cpu=%u n=0\n", cpu);
			continue;
		}
		memcpy(s, c->d, n * sizeof(*s));
		sort(s, n, sizeof(*s), cmp_u32, NULL);
		seq_printf(m, "KMD-SWITCH-COST cpu=%u n=%u median=%u p10=%u p90=%u median_ns=%llu\n",
			   cpu, n, s[n / 2], s[n / 10], s[n * 9 / 10],
			   tsc_khz ? div_u64((u64)s[n / 2] * 1000000, tsc_khz) : 0);
	}
	vfree(s);
	return 0;
}

static int stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, stats_show, NULL);
}

static ssize_t stats_write(struct file *file, const char __user *buf,
			   size_t len, loff_t *ppos)
{
	unsigned int cpu;

	WRITE_ONCE(collecting, false);
	synchronize_rcu();
	for_each_possible_cpu(cpu)
		per_cpu_ptr(&kmd_cost, cpu)->n = 0;
	WRITE_ONCE(collecting, true);
	return len;
}

static const struct file_operations stats_fops = {
	.owner = THIS_MODULE,
	.open = stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = stats_write,
};

static void free_samples(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		vfree(per_cpu_ptr(&kmd_cost, cpu)->d);
		per_cpu_ptr(&kmd_cost, cpu)->d = NULL;
	}
}

static int __init kmd_cost_init(void)
{
	unsigned int cpu;
	int ret;

	for_each_kernel_tracepoint(find_tp, NULL);
	if (!tp_switch) {
		pr_err("no sched_switch tracepoint\n");
		return -ENOENT;
	}
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("probes", 0400, dir, NULL, &probes_fops);
	if (time_probes) {
		samples = clamp(samples, 1U, 1U << 24);
		for_each_possible_cpu(cpu) {
			u32 *d = vmalloc(array_size(samples, sizeof(*d)));

			if (!d) {
				free_samples();
				debugfs_remove(dir);
				return -ENOMEM;
			}
			per_cpu_ptr(&kmd_cost, cpu)->d = d;
		}
		ret = tracepoint_probe_register_prio(tp_switch, probe_before, NULL,
						     TRACEPOINT_DEFAULT_PRIO + 1);
		if (!ret) {
			ret = tracepoint_probe_register_prio(tp_switch, probe_after,
							     NULL, TRACEPOINT_DEFAULT_PRIO - 1);
			if (ret)
				tracepoint_probe_unregister(tp_switch, probe_before, NULL);
		}
		if (ret) {
			free_samples();
			debugfs_remove(dir);
			return ret;
		}
		debugfs_create_file("stats", 0600, dir, NULL, &stats_fops);
	}
	return 0;
}
module_init(kmd_cost_init);

static void __exit kmd_cost_exit(void)
{
	debugfs_remove(dir);
	if (time_probes) {
		tracepoint_probe_unregister(tp_switch, probe_before, NULL);
		tracepoint_probe_unregister(tp_switch, probe_after, NULL);
		tracepoint_synchronize_unregister();
		free_samples();
	}
}
module_exit(kmd_cost_exit);

MODULE_DESCRIPTION("kmemdump bench: sched_switch probes and what kmemdump's costs");
MODULE_LICENSE("GPL");

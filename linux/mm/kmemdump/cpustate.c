// SPDX-License-Identifier: GPL-2.0
/*
 * What every CPU was running on, for a backtrace of each CPU at the freeze.
 *
 * The firmware saves every CPU's registers when the watchdog bites (and
 * the panic path saves them itself); a debugger then needs the stack each
 * stack pointer points into, and the task_struct it belongs to:
 *
 *  - each CPU's idle task and its stack are registered once the CPUs are
 *    up: a CPU that sleeps or was interrupted while idle is found there;
 *  - the architecture registers its per-CPU interrupt and exception
 *    stacks (arch_kmemdump_register());
 *  - at panic, every other CPU's current task and its stack are
 *    registered too, from the panicking CPU, which stopped them.
 *
 * A task that runs when the machine hangs without a panic is not covered:
 * following every context switch would cost a table commit each time.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>

#include "internal.h"

static int kmd_register_task(struct task_struct *t, bool locked)
{
	const void *stack = task_stack_page(t);
	int ret, id;

	ret = kmemdump_check_range(t, sizeof(*t));
	if (!ret)
		ret = kmemdump_check_range(stack, THREAD_SIZE);
	if (ret)
		return ret;
	id = locked ? kmemdump_add_locked(KMEMDUMP_ID_NO_ID, t, sizeof(*t), 0) :
		      kmemdump_register(t, sizeof(*t));
	if (id < 0)
		return id;
	ret = locked ? kmemdump_add_locked(KMEMDUMP_ID_NO_ID, stack,
					   THREAD_SIZE, 0) :
		       kmemdump_register(stack, THREAD_SIZE);
	if (ret < 0) {
		if (locked)
			kmemdump_del_id_locked(id);
		else
			kmemdump_unregister(id);
		return ret;
	}
	return 0;
}

/*
 * Lock held, at panic (kmd_panic_locked()): every other CPU's current
 * task, unless it is that CPU's idle task, registered at boot.
 */
void kmemdump_cpustate_panic_locked(void)
{
	unsigned int cpu, this = raw_smp_processor_id();
	int ret;

	for_each_online_cpu(cpu) {
		struct task_struct *t = cpu_curr_snapshot(cpu);

		if (cpu == this || !t || t == idle_task(cpu))
			continue;
		ret = kmd_register_task(t, true);
		if (ret)
			pr_emerg("panic: cannot register CPU %u's task %s: %d\n",
				 cpu, t->comm, ret);
	}
}

/* The CPUs are up: their idle tasks exist. */
static int __init kmemdump_cpustate_init(void)
{
	unsigned int cpu;
	int ret;

	for_each_online_cpu(cpu) {
		ret = kmd_register_task(idle_task(cpu), false);
		if (ret)
			pr_warn("cannot register CPU %u's idle task: %d\n", cpu,
				ret);
	}
	return 0;
}
late_initcall(kmemdump_cpustate_init);

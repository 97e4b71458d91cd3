// SPDX-License-Identifier: GPL-2.0
/*
 * What every CPU was running on, for a backtrace of each CPU at the freeze.
 *
 * The firmware saves every CPU's registers when the watchdog bites (and
 * the panic path saves them itself); a debugger then needs the stack each
 * stack pointer points into, and the task_struct it belongs to:
 *
 *  - each CPU's current task and its stack, followed at every context
 *    switch while a backend that asks for it (&kmemdump_backend.follow_cpus)
 *    is active: two regions per CPU, "cur" slots, re-pointed in place;
 *  - with CONFIG_KMEMDUMP_CPU_STACKS=n, each CPU's idle task and its
 *    stack, registered once the CPUs are up, and at panic every other
 *    CPU's current task;
 *  - at panic, the panicking task and stack are registered as panic_task
 *    and panic_stack (coreimage.c), in place of the CPU's slots;
 *  - the architecture registers its per-CPU interrupt and exception
 *    stacks (arch_kmemdump_register()).
 */

/**
 * DOC: following each CPU's current task
 *
 * Each CPU has two regions, "cpu<n>_task" and "cpu<n>_stack": its current
 * task_struct (one chunk) and its current stack, one chunk per page even where the
 * pages happen to be contiguous, so that every task fills the slots the
 * same way. A probe on the sched_switch tracepoint re-points both at the
 * next task: kmemdump_repoint_locked() rewrites the chunks' table entries
 * and PT_LOADs in place and commits, so the firmware finds either the
 * previous task or the next one, never a mix, by the same double
 * buffering as any other change. The probe is registered only while a
 * backend with follow_cpus is active; otherwise the tracepoint's static
 * key keeps the switch path as it is.
 *
 * Cost per switch: kmemdump's lock and one commit of 1 + THREAD_SIZE /
 * PAGE_SIZE entries and PT_LOADs (and those of the previous commit), not
 * a function of how many regions there are.
 *
 * The slots need no page-table pages: debuggers read the stacks through
 * the PT_LOADs' virtual addresses. CPUs that come online later are not
 * followed.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/init.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/pfn.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>
#include <trace/events/sched.h>
#include <asm/sections.h>

#include "internal.h"

#define KMD_STACK_PAGES	(THREAD_SIZE / PAGE_SIZE)
/*
 * What a task_struct takes: on x86 less than sizeof() (the FPU state at
 * its end is cut to the CPU's), and neighbours in the slab must not be
 * in two regions.
 */
#define KMD_TASK_SIZE	arch_task_struct_size

static int kmd_register_task(struct task_struct *t, bool locked)
{
	const void *stack = task_stack_page(t);
	int ret, id;

	ret = kmemdump_check_range(t, KMD_TASK_SIZE);
	if (!ret)
		ret = kmemdump_check_range(stack, THREAD_SIZE);
	if (ret)
		return ret;
	id = locked ? kmemdump_add_locked(KMEMDUMP_ID_NO_ID, t, KMD_TASK_SIZE, 0) :
		      kmemdump_register(t, KMD_TASK_SIZE);
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

#ifdef CONFIG_KMEMDUMP_CPU_STACKS
/*
 * A CPU's two slots: the region slots holding its task and its stack;
 * and its idle task's chunks, found once: a CPU goes back to idle at
 * every other switch, and CPU 0's idle task is in the kernel image,
 * whose addresses take a page-table walk.
 */
struct kmd_cpu_cur {
	struct task_struct *task;	/* what the slots describe */
	enum kmemdump_uid task_id, stack_id;
	unsigned int task_slot, stack_slot;
	struct task_struct *idle;
	struct kmemdump_chunk idle_chunks[1 + KMD_STACK_PAGES];
	/*
	 * Another next task's chunks, under kmemdump's lock: here rather
	 * than on the stack, which CONFIG_INIT_STACK_ALL_ZERO clears at
	 * every switch.
	 */
	struct kmemdump_chunk next_chunks[1 + KMD_STACK_PAGES];
	struct irq_work retry;		/* the lock was busy at a switch */
};

static DEFINE_PER_CPU(struct kmd_cpu_cur, kmd_cpu_cur);
static bool kmd_follow_ready;	/* every online CPU has its slots */

/*
 * The kernel image (CPU 0's idle task and stack), or else the linear map:
 * a task_struct comes from the slab, a stack that is not vmapped from
 * the page allocator. Two comparisons, not virt_addr_valid()'s walk of
 * the memory sections, at every switch.
 */
static phys_addr_t kmd_phys(const void *v)
{
	if (__is_kernel((unsigned long)v))
		return PFN_PHYS(kmemdump_kernel_pfn((unsigned long)v)) +
		       offset_in_page(v);
	return virt_to_phys((void *)v);
}

/* @t's stack, page by page: vmapped stacks are scattered. */
static void kmd_stack_chunks(struct task_struct *t, struct kmemdump_chunk *c)
{
	u8 *stack = task_stack_page(t);
	unsigned int i;

	for (i = 0; i < KMD_STACK_PAGES; i++) {
		const void *v = stack + i * PAGE_SIZE;

		c[i].vaddr = v;
		c[i].len = PAGE_SIZE;
#ifdef CONFIG_VMAP_STACK
		if (t->stack_vm_area) {
			c[i].phys = page_to_phys(t->stack_vm_area->pages[i]);
			continue;
		}
#endif
		c[i].phys = kmd_phys(v);
	}
}

static void kmd_task_chunk(struct task_struct *t, struct kmemdump_chunk *c)
{
	c->vaddr = t;
	c->len = KMD_TASK_SIZE;
	c->phys = kmd_phys(t);
}

/*
 * Lock held: point this CPU's slots at @t. A region the lock holder does
 * not find where it left it (unregistered by a test) is left alone.
 */
static void kmd_cpu_cur_set_locked(struct kmd_cpu_cur *cc, struct task_struct *t)
{
	struct kmemdump_chunk *c = cc->next_chunks;
	struct kmemdump_region *r;

	if (t == cc->idle) {
		c = cc->idle_chunks;
	} else {
		kmd_task_chunk(t, &c[0]);
		kmd_stack_chunks(t, &c[1]);
	}
	r = kmemdump_slot_region_locked(cc->task_slot);
	if (r->id != cc->task_id || kmemdump_repoint_locked(r, t, &c[0], 1))
		return;
	r = kmemdump_slot_region_locked(cc->stack_slot);
	if (r->id != cc->stack_id ||
	    kmemdump_repoint_locked(r, task_stack_page(t), &c[1],
				    KMD_STACK_PAGES))
		return;
	kmemdump_coreimage_set_pid(raw_smp_processor_id(), t->pid);
	cc->task = t;
}

struct kmd_switch {
	struct kmd_cpu_cur *cc;
	struct task_struct *next;
};

static void kmd_switch_locked(void *arg)
{
	struct kmd_switch *s = arg;

	kmd_cpu_cur_set_locked(s->cc, s->next);
}

/*
 * Under the runqueue lock: never wait for kmemdump's lock here, whose
 * holder may printk and wake a task on this CPU. If it is busy, this
 * CPU's irq_work publishes its current task once interrupts are back on;
 * until then the slots keep the previous task, whole.
 */
static void kmd_sched_switch(void *data, bool preempt,
			     struct task_struct *prev, struct task_struct *next,
			     unsigned int prev_state)
{
	struct kmd_cpu_cur *cc = this_cpu_ptr(&kmd_cpu_cur);
	struct kmd_switch s = { .cc = cc, .next = next };

	if (cc->task == next || !cc->task_id)
		return;
	if (kmemdump_trylocked_call(kmd_switch_locked, &s))
		irq_work_queue(&cc->retry);
}

/* Interrupts off, on the CPU itself: nothing switches under it. */
static void kmd_cpu_cur_current(struct kmd_cpu_cur *cc)
{
	struct kmd_switch s = { .cc = cc, .next = current };

	if (cc->task_id && cc->task != current)
		kmemdump_locked_call(kmd_switch_locked, &s);
}

static void kmd_retry_fn(struct irq_work *work)
{
	kmd_cpu_cur_current(container_of(work, struct kmd_cpu_cur, retry));
}

static void kmd_cpu_cur_refresh(void *unused)
{
	kmd_cpu_cur_current(this_cpu_ptr(&kmd_cpu_cur));
}

static bool kmd_following;

/*
 * Process context, after every backend change: probe on while a backend
 * with follow_cpus is active, then bring every slot up to date, since
 * switches went unseen while it was off.
 */
static void kmd_follow_work_fn(struct work_struct *work)
{
	bool want = kmd_follow_ready && kmemdump_backend_follows_cpus();

	if (want && !kmd_following) {
		if (register_trace_sched_switch(kmd_sched_switch, NULL)) {
			pr_warn("cannot follow the CPUs' current tasks\n");
			return;
		}
		kmd_following = true;
	} else if (!want && kmd_following) {
		unregister_trace_sched_switch(kmd_sched_switch, NULL);
		tracepoint_synchronize_unregister();
		kmd_following = false;
	}
	if (want)
		on_each_cpu(kmd_cpu_cur_refresh, NULL, 1);
}

static DECLARE_WORK(kmd_follow_work, kmd_follow_work_fn);

/* Any context: the backend changed. */
void kmemdump_cpustate_backend_changed(void)
{
	if (READ_ONCE(kmd_follow_ready))
		schedule_work(&kmd_follow_work);
}

struct kmd_slot_add {
	struct kmd_cpu_cur *cc;
	struct task_struct *t;
	unsigned int cpu;
	int ret;
};

static void kmd_slots_add_locked(void *arg)
{
	struct kmd_slot_add *a = arg;
	struct kmemdump_chunk_buf tb = { .n = 1 }, sb = { .n = KMD_STACK_PAGES };
	int tid, sid;

	BUILD_BUG_ON(KMD_STACK_PAGES > KMEMDUMP_SMALL_CHUNKS);
	kmd_task_chunk(a->t, &tb.small[0]);
	kmd_stack_chunks(a->t, sb.small);
	tid = kmemdump_add_chunks_locked(KMEMDUMP_ID_CPU_START + 2 * a->cpu,
					 a->t, KMD_TASK_SIZE,
					 KMEMDUMP_REGION_CPUCUR, &tb);
	if (tid < 0) {
		a->ret = tid;
		return;
	}
	sid = kmemdump_add_chunks_locked(KMEMDUMP_ID_CPU_START + 2 * a->cpu + 1,
					 task_stack_page(a->t), THREAD_SIZE,
					 KMEMDUMP_REGION_CPUCUR, &sb);
	if (sid < 0) {
		kmemdump_del_id_locked(tid);
		a->ret = sid;
		return;
	}
	a->cc->task_id = tid;
	a->cc->stack_id = sid;
	a->cc->task_slot = kmemdump_id_slot_locked(tid);
	a->cc->stack_slot = kmemdump_id_slot_locked(sid);
	a->cc->task = a->t;
	a->cc->idle = a->t;
	a->cc->idle_chunks[0] = tb.small[0];
	memcpy(&a->cc->idle_chunks[1], sb.small,
	       KMD_STACK_PAGES * sizeof(*sb.small));
	a->ret = 0;
}

/* Two slots per online CPU; false if one could not be had. */
static bool kmd_follow_init(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct kmd_slot_add a = {
			.cc = per_cpu_ptr(&kmd_cpu_cur, cpu),
			/* Where it stands now; the first switch corrects it. */
			.t = idle_task(cpu),
			.cpu = cpu,
		};

		if (cpu >= KMEMDUMP_MAX_CPU_SLOTS) {
			pr_warn("CPU %u and up: current task not followed\n", cpu);
			break;
		}
		/* Hard: on PREEMPT_RT too it must run on the CPU, as itself. */
		a.cc->retry = IRQ_WORK_INIT_HARD(kmd_retry_fn);
		/* Both slots, the stack page by page. */
		kmemdump_coreimage_reserve(1 + KMD_STACK_PAGES);
		kmemdump_locked_call(kmd_slots_add_locked, &a);
		if (a.ret) {
			pr_warn("cannot follow CPU %u's current task: %d\n",
				cpu, a.ret);
			goto undo;
		}
	}
	WRITE_ONCE(kmd_follow_ready, true);
	kmemdump_cpustate_backend_changed();
	return true;
undo:
	for_each_online_cpu(cpu) {
		struct kmd_cpu_cur *cc = per_cpu_ptr(&kmd_cpu_cur, cpu);

		if (cc->task_id) {
			kmemdump_unregister(cc->task_id);
			kmemdump_unregister(cc->stack_id);
			cc->task_id = 0;
		}
	}
	return false;
}

/* Lock held: do @cpu's slots follow its current task? */
static bool kmd_followed(unsigned int cpu)
{
	return READ_ONCE(kmd_following) && per_cpu_ptr(&kmd_cpu_cur, cpu)->task_id;
}

/*
 * Lock held, at panic: this CPU's current task is about to be registered
 * as panic_task and panic_stack. Its slots go, so that no memory is
 * published twice (firmware refuses overlapping entries).
 */
static void kmd_drop_own_slots(void)
{
	struct kmd_cpu_cur *cc = this_cpu_ptr(&kmd_cpu_cur);

	if (!cc->task_id)
		return;
	kmemdump_del_id_locked(cc->task_id);
	kmemdump_del_id_locked(cc->stack_id);
	cc->task_id = 0;
	cc->stack_id = 0;
	cc->task = NULL;
}

#if IS_ENABLED(CONFIG_KUNIT)
void kmemdump_cpustate_sync(void)
{
	flush_work(&kmd_follow_work);
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_cpustate_sync);
#endif
#else
static bool kmd_follow_init(void)
{
	return false;
}

#if IS_ENABLED(CONFIG_KUNIT)
void kmemdump_cpustate_sync(void)
{
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_cpustate_sync);
#endif

static bool kmd_followed(unsigned int cpu)
{
	return false;
}

static void kmd_drop_own_slots(void)
{
}
#endif /* CONFIG_KMEMDUMP_CPU_STACKS */

/*
 * Lock held, at panic (kmd_panic_locked()), before the panicking task is
 * registered: every other CPU's current task, unless its slots follow it
 * or it is that CPU's idle task, registered at boot. Followed CPUs are
 * not asked: cpu_curr_snapshot() takes the CPU's runqueue lock, which a
 * CPU stopped in the middle of a switch holds.
 */
void kmemdump_cpustate_panic_locked(void)
{
	unsigned int cpu, this = raw_smp_processor_id();
	struct task_struct *t;
	int ret;

	kmd_drop_own_slots();
	for_each_online_cpu(cpu) {
		if (cpu == this || kmd_followed(cpu))
			continue;
		t = cpu_curr_snapshot(cpu);
		if (!t || t == idle_task(cpu))
			continue;
		ret = kmd_register_task(t, true);
		if (ret)
			pr_emerg("panic: cannot register CPU %u's task %s: %d\n",
				 cpu, t->comm, ret);
	}
}

/*
 * The CPUs are up: their idle tasks exist. Each CPU gets its slots; only
 * without them are the idle tasks registered instead (a slot holds the
 * idle task while the CPU idles, and memory must not be in two regions).
 */
static int __init kmemdump_cpustate_init(void)
{
	unsigned int cpu;
	int ret;

	if (kmd_follow_init())
		return 0;
	for_each_online_cpu(cpu) {
		ret = kmd_register_task(idle_task(cpu), false);
		if (ret)
			pr_warn("cannot register CPU %u's idle task: %d\n", cpu,
				ret);
	}
	return 0;
}
late_initcall(kmemdump_cpustate_init);

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
 *   pcpu_storm=1 one kthread bound to every online CPU registers and
 *                unregisters self-describing kmalloc and multi-page
 *                vmalloc buffers without end, and keeps its state (what
 *                it has registered, whether it is inside a kmemdump call)
 *                in a registered region "stormstate", for a host that
 *                pauses the machine at random instants (see below)
 *
 * A region is also registered (by a wrapper) and freed again before the
 * freeze: it must not be in the dump. A region that cannot be registered
 * (table full) is reported as "not registered <what> <size>: <errno>". Each region is reported on the console as
 * "kmemdump_scenario: region <name> <size> <what>" so the host can find
 * its md_<name>.BIN. Writing "panic" or "lockup" to
 * <debugfs>/kmemdump_scenario/freeze freezes the kernel: "lockup" spins
 * every CPU with interrupts off, which only the watchdog can catch;
 * "rqlock" (from a task on another CPU than 1) makes CPU 1 spin in a
 * sched_switch probe, its runqueue lock held and interrupts off, and
 * panics once it does (see rqlock_panic()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kmemdump.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>

static char *marker = "KMEMDUMP-MARKER";
module_param(marker, charp, 0400);
static unsigned int vpages = 4;
module_param(vpages, uint, 0400);
static unsigned int extra;
module_param(extra, uint, 0400);
static unsigned int storm;
module_param(storm, uint, 0400);
static bool pcpu_storm;
module_param(pcpu_storm, bool, 0400);
/*
 * freeze "rqlock": its sched_switch probe registered at load, while the
 * guest is quiet. Registering it at the freeze re-patches the call in
 * __schedule() while CPU 1 schedules, and under TCG a CPU once took the
 * patch's int3 after text_poke_bp() had finished (an Oops in __schedule).
 */
static bool rq_preload;
module_param(rq_preload, bool, 0400);

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

/*
 * Register @p as @what (@n >= 0: "<what>_<n>"), a name that says what it
 * holds, and tell the host about it.
 */
static int track(void *p, size_t size, const char *what, int n)
{
	struct page *pg = is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);
	phys_addr_t pa = page_to_phys(pg) + offset_in_page(p);
	char name[KMEMDUMP_NAME_LEN];
	int id;

	if (n >= 0)
		snprintf(name, sizeof(name), "%s_%d", what, n);
	else
		strscpy(name, what, sizeof(name));
	id = kmemdump_register_named(name, p, size);

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

/*
 * The per-CPU storm (pcpu_storm=1), for tests/scenario/random_instant.py.
 *
 * Every buffer describes itself: at each 4 KiB offset from its start a
 * 32-byte block header (le64 PCS_MAGIC, le32 cpu, le32 len, le64 nonce,
 * le32 block number, le32 number of blocks), everywhere else the le64
 * word at buffer offset o (o a multiple of 8) is nonce ^ (o * PCS_GOLD),
 * the last word cut at len. The nonce is random, one per registration.
 * A buffer is filled before it is registered and not written again until
 * it is unregistered; vmalloc buffers start page aligned, so every
 * physically contiguous chunk starts with a block header.
 *
 * The state region (struct pcs_state, registered once) says, per CPU,
 * which buffers are registered under which ID and nonce, and whether the
 * thread is inside kmemdump_register() or kmemdump_unregister() (inside:
 * PCS_IN_REG or PCS_IN_UNREG | slot): the host reads it from the same
 * capture as the table. The thread writes a slot's nonce and len before
 * registering, its ID after kmemdump_register() returned, and clears it
 * after kmemdump_unregister() returned, so a region the host finds in the
 * table always has a slot with its nonce; a slot without ID is a
 * registration in progress.
 */
#define PCS_MAGIC	0x4d524f5453444d4bULL	/* "KMDSTORM" */
#define PCS_GOLD	0x9e3779b97f4a7c15ULL
#define PCS_SLOTS	3
#define PCS_BLOCK	4096
#define PCS_IN_REG	0x100
#define PCS_IN_UNREG	0x200

struct pcs_slot {
	__le32 id;		/* 0: not (yet) registered */
	__le32 len;
	__le64 nonce;		/* 0: slot empty */
	__le64 vaddr;
	__le64 kind;		/* 1 kmalloc, 2 vmalloc */
};

struct pcs_cpu {
	__le64 inside;		/* 0, PCS_IN_REG | slot, PCS_IN_UNREG | slot */
	__le64 rounds;		/* registrations done */
	__le64 failures;	/* registrations refused */
	__le64 reserved;
	struct pcs_slot slot[PCS_SLOTS];
};

struct pcs_state {
	__le64 magic;		/* PCS_MAGIC */
	__le32 nr_cpus;		/* entries in cpu[] */
	__le32 slots;		/* PCS_SLOTS */
	__le32 cpu_size;	/* sizeof(struct pcs_cpu) */
	__le32 reserved;
	struct pcs_cpu cpu[];
};

static struct pcs_state *pcs_state;
static int pcs_state_id;
static struct task_struct **pcs_tasks;
static void *pcs_bufs[NR_CPUS][PCS_SLOTS];

static void pcs_fill(u8 *buf, size_t len, unsigned int cpu, u64 nonce)
{
	unsigned int nblocks = DIV_ROUND_UP(len, PCS_BLOCK);
	size_t o;

	for (o = 0; o < len; o += 8) {
		u64 w = nonce ^ (o * PCS_GOLD);
		__le64 lw = cpu_to_le64(w);

		memcpy(buf + o, &lw, min_t(size_t, 8, len - o));
	}
	for (o = 0; o < len; o += PCS_BLOCK) {
		struct {
			__le64 magic;
			__le32 cpu, len;
			__le64 nonce;
			__le32 block, nblocks;
		} h = {
			.magic = cpu_to_le64(PCS_MAGIC),
			.cpu = cpu_to_le32(cpu),
			.len = cpu_to_le32(len),
			.nonce = cpu_to_le64(nonce),
			.block = cpu_to_le32(o / PCS_BLOCK),
			.nblocks = cpu_to_le32(nblocks),
		};

		memcpy(buf + o, &h, min_t(size_t, sizeof(h), len - o));
	}
}

static void pcs_free(void *p)
{
	if (is_vmalloc_addr(p))
		vfree(p);
	else
		kfree(p);
}

/* Unregister and free slot @k of @cpu, if it holds a buffer. */
static void pcs_drop(unsigned int cpu, unsigned int k)
{
	struct pcs_cpu *st = &pcs_state->cpu[cpu];
	struct pcs_slot *s = &st->slot[k];

	if (!pcs_bufs[cpu][k])
		return;
	WRITE_ONCE(st->inside, cpu_to_le64(PCS_IN_UNREG | k));
	barrier();
	kmemdump_unregister(le32_to_cpu(s->id));
	barrier();
	WRITE_ONCE(s->id, 0);
	WRITE_ONCE(s->nonce, 0);
	WRITE_ONCE(st->inside, 0);
	barrier();
	pcs_free(pcs_bufs[cpu][k]);
	pcs_bufs[cpu][k] = NULL;
}

static int pcs_thread(void *arg)
{
	unsigned int cpu = (unsigned long)arg, k = 0;
	struct pcs_cpu *st = &pcs_state->cpu[cpu];

	while (!kthread_should_stop()) {
		struct pcs_slot *s = &st->slot[k];
		bool vm = get_random_u32_below(2);
		size_t len;
		u64 nonce;
		void *buf;
		int id;

		pcs_drop(cpu, k);
		if (vm) {
			/* 2-6 pages, the last one partly used */
			len = (2 + get_random_u32_below(5)) * PAGE_SIZE -
			      get_random_u32_below(PAGE_SIZE / 2);
			buf = vmalloc(len);
		} else {
			len = 64 + get_random_u32_below(3 * PAGE_SIZE);
			buf = kmalloc(len, GFP_KERNEL);
		}
		if (!buf) {
			msleep(1);
			continue;
		}
		nonce = get_random_u64() | 1;
		pcs_fill(buf, len, cpu, nonce);
		WRITE_ONCE(s->len, cpu_to_le32(len));
		WRITE_ONCE(s->vaddr, cpu_to_le64((unsigned long)buf));
		WRITE_ONCE(s->kind, cpu_to_le64(vm ? 2 : 1));
		WRITE_ONCE(s->nonce, cpu_to_le64(nonce));
		barrier();
		WRITE_ONCE(st->inside, cpu_to_le64(PCS_IN_REG | k));
		barrier();
		id = kmemdump_register(buf, len);
		barrier();
		if (id > 0) {
			WRITE_ONCE(s->id, cpu_to_le32(id));
			pcs_bufs[cpu][k] = buf;
			WRITE_ONCE(st->rounds, cpu_to_le64(le64_to_cpu(st->rounds) + 1));
		} else {
			WRITE_ONCE(s->nonce, 0);
			WRITE_ONCE(st->failures,
				   cpu_to_le64(le64_to_cpu(st->failures) + 1));
		}
		WRITE_ONCE(st->inside, 0);
		barrier();
		if (id <= 0)
			pcs_free(buf);
		k = (k + 1) % PCS_SLOTS;
		cond_resched();
	}
	for (k = 0; k < PCS_SLOTS; k++)
		pcs_drop(cpu, k);
	return 0;
}

static int pcs_start(void)
{
	size_t size = struct_size(pcs_state, cpu, nr_cpu_ids);
	unsigned int cpu, n = 0;

	pcs_state = kzalloc(size, GFP_KERNEL);
	pcs_tasks = kcalloc(nr_cpu_ids, sizeof(*pcs_tasks), GFP_KERNEL);
	if (!pcs_state || !pcs_tasks)
		return -ENOMEM;
	pcs_state->magic = cpu_to_le64(PCS_MAGIC);
	pcs_state->nr_cpus = cpu_to_le32(nr_cpu_ids);
	pcs_state->slots = cpu_to_le32(PCS_SLOTS);
	pcs_state->cpu_size = cpu_to_le32(sizeof(struct pcs_cpu));
	pcs_state_id = track(pcs_state, size, "stormstate", -1);
	if (pcs_state_id < 0)
		return pcs_state_id;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		t = kthread_create_on_cpu(pcs_thread, (void *)(unsigned long)cpu,
					  cpu, "kmemdump_pcs/%u");
		if (IS_ERR(t)) {
			pr_info("not started pcpu storm thread %u: %ld\n",
				cpu, PTR_ERR(t));
			continue;
		}
		pcs_tasks[cpu] = t;
		wake_up_process(t);
		n++;
	}
	pr_info("pcpu storm: %u threads on %u online CPUs, %d slots each\n",
		n, num_online_cpus(), PCS_SLOTS);
	return 0;
}

static void pcs_stop(void)
{
	unsigned int cpu;

	for (cpu = 0; pcs_tasks && cpu < nr_cpu_ids; cpu++)
		if (pcs_tasks[cpu])
			kthread_stop(pcs_tasks[cpu]);
	kfree(pcs_tasks);
	if (pcs_state_id > 0)
		kmemdump_unregister(pcs_state_id);
	kfree(pcs_state);
}

static void lockup_cpu(void *unused)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

/*
 * A hard lockup as it happens in the field: a task on every CPU spins with
 * interrupts off. Kernel threads, not IPI handlers on top of whatever ran
 * there: each CPU's registers then belong to a task with a PID of its own.
 */
static atomic_t lockup_spinning;

static int lockup_thread(void *unused)
{
	atomic_inc(&lockup_spinning);
	lockup_cpu(NULL);
	return 0;
}

static void lockup_all(void)
{
	unsigned int cpu, this, n = 0, tries;
	struct task_struct **t;

	t = kcalloc(nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	if (!t)
		return;
	migrate_disable();
	this = smp_processor_id();
	/* All created before any spins: creating needs kthreadd to run. */
	for_each_online_cpu(cpu) {
		if (cpu == this)
			continue;
		t[cpu] = kthread_create_on_cpu(lockup_thread, NULL, cpu,
					       "kmd_lockup/%u");
		if (IS_ERR(t[cpu])) {
			pr_err("cannot start a lockup thread on CPU %u\n", cpu);
			t[cpu] = NULL;
		}
	}
	for_each_online_cpu(cpu) {
		if (t[cpu]) {
			wake_up_process(t[cpu]);
			n++;
		}
	}
	/*
	 * Busy-wait, not sleep: with the timekeeping CPU spinning, jiffies
	 * stop and a sleep would never end.
	 */
	for (tries = 0; atomic_read(&lockup_spinning) < n && tries < 5000; tries++)
		udelay(1000);
	lockup_cpu(NULL);
}

/*
 * A panic while another CPU holds its runqueue lock (freeze "rqlock"):
 * the panicking CPU must not wait for that lock, and the dump must still
 * hold the task the other CPU runs on. A probe on the sched_switch
 * tracepoint (found with for_each_kernel_tracepoint(): the
 * register_trace_sched_switch() helper is not exported), registered after
 * kmemdump's, fires in __schedule() under the runqueue lock with
 * interrupts off, after rq->curr became next and before the CPU leaves
 * prev's stack. On RQ_CPU, when the thread rq_kick (kmd_rqlock/1) switches
 * out, it spins there for good. The writer, on another CPU, waits for that
 * and panics.
 */
#define RQ_CPU	1

static struct tracepoint *rq_tp;
static bool rq_registered;
static struct task_struct *rq_kick;
static struct task_struct *rq_prev, *rq_next;
static atomic_t rq_spinning;

static void rq_probe(void *data, bool preempt, struct task_struct *prev,
		     struct task_struct *next, unsigned int prev_state)
{
	if (prev != READ_ONCE(rq_kick) || raw_smp_processor_id() != RQ_CPU)
		return;
	WRITE_ONCE(rq_prev, prev);
	WRITE_ONCE(rq_next, next);
	atomic_set(&rq_spinning, 1);
	for (;;)
		cpu_relax();
}

static void rq_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		rq_tp = tp;
}

/* The probe on sched_switch, once; it does nothing until rq_kick is set. */
static int rq_probe_on(void)
{
	int ret;

	if (rq_registered)
		return 0;
	for_each_kernel_tracepoint(rq_find, NULL);
	if (!rq_tp) {
		pr_err("KMD-ERROR: rqlock: no sched_switch tracepoint\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(rq_tp, rq_probe, NULL);
	if (ret) {
		pr_err("KMD-ERROR: rqlock: probe not registered: %d\n", ret);
		return ret;
	}
	rq_registered = true;
	return 0;
}

/* Sleeps until woken; its first switch out on RQ_CPU is the probe's. */
static int rq_kick_fn(void *unused)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static void rqlock_panic(void)
{
	struct task_struct *t, *prev, *next;
	unsigned int tries;

	migrate_disable();
	if (smp_processor_id() == RQ_CPU || !cpu_online(RQ_CPU)) {
		pr_err("KMD-ERROR: rqlock: on CPU %d, CPU %d online %d\n",
		       smp_processor_id(), RQ_CPU, cpu_online(RQ_CPU));
		goto out;
	}
	if (rq_probe_on())
		goto out;
	t = kthread_create_on_cpu(rq_kick_fn, NULL, RQ_CPU, "kmd_rqlock/%u");
	if (IS_ERR(t)) {
		pr_err("KMD-ERROR: rqlock: no thread on CPU %d: %ld\n", RQ_CPU,
		       PTR_ERR(t));
		goto out;
	}
	WRITE_ONCE(rq_kick, t);
	/* It runs, sleeps again: its switch out spins. */
	wake_up_process(t);
	/* Busy-wait: CPU 1 will not take interrupts any more. */
	for (tries = 0; !atomic_read(&rq_spinning) && tries < 5000; tries++)
		udelay(1000);
	prev = READ_ONCE(rq_prev);
	next = READ_ONCE(rq_next);
	if (!atomic_read(&rq_spinning)) {
		pr_err("KMD-ERROR: rqlock: CPU %d never switched out of %s\n",
		       RQ_CPU, t->comm);
		goto out;
	}
	/* Both stay: CPU 1 holds its runqueue lock between the two. */
	pr_emerg("rqlock: CPU %d spins in sched_switch, runqueue lock held, from %s pid %d task %px stack %px to %s pid %d task %px stack %px\n",
		 RQ_CPU, prev->comm, prev->pid, prev, task_stack_page(prev),
		 next->comm, next->pid, next, task_stack_page(next));
	panic("kmemdump scenario: panic while CPU %d holds its runqueue lock",
	      RQ_CPU);
out:
	migrate_enable();
}

/*
 * What the analyst checks (tests/debuggers/drgn_check.py) read back from
 * the dump, as the guest saw it just before the freeze.
 */
static void analyst_line(void)
{
	pr_emerg("KMD-ANALYST: jiffies %llu HZ %d cpu %d pid %d comm %s\n",
		 get_jiffies_64(), HZ, raw_smp_processor_id(), current->pid,
		 current->comm);
}

static ssize_t freeze_write(struct file *f, const char __user *ubuf,
			    size_t len, loff_t *off)
{
	char cmd[16] = {};

	if (copy_from_user(cmd, ubuf, min(len, sizeof(cmd) - 1)))
		return -EFAULT;
	if (!strncmp(cmd, "panic", 5)) {
		/* On this CPU until it panics: the line names it. */
		preempt_disable();
		analyst_line();
		panic("kmemdump scenario: panic requested");
	}
	if (!strncmp(cmd, "lockup", 6)) {
		analyst_line();
		pr_emerg("hard lockup: all CPUs spin with interrupts off\n");
		lockup_all();
	}
	if (!strncmp(cmd, "rqlock", 6))
		rqlock_panic();
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
	marker_id = track(marker_buf, len, "marker", -1);
	vbuf_id = track(vbuf, vpages * PAGE_SIZE, "vmalloc", -1);
	for (i = 0; i < extra; i++) {
		extra_bufs[i] = kzalloc(EXTRA_SIZE, GFP_KERNEL);
		if (!extra_bufs[i])
			continue;
		snprintf(extra_bufs[i], EXTRA_SIZE, "extra-%03zu", i);
		extra_ids[i] = track(extra_bufs[i], EXTRA_SIZE, "extra", i);
	}

	for (i = 0; i < min(storm, STORM_MAX); i++)
		storm_tasks[i] = kthread_run(storm_thread, (void *)i,
					     "kmemdump_storm/%zu", i);

	if (pcpu_storm) {
		ret = pcs_start();
		if (ret)
			pr_info("pcpu storm not started: %d\n", ret);
	}

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("freeze", 0200, dir, NULL, &freeze_fops);
	/* On failure (a KMD-ERROR line), the freeze tries again. */
	if (rq_preload && !rq_probe_on())
		pr_info("rqlock: sched_switch probe registered at load\n");
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
	if (rq_registered) {
		tracepoint_probe_unregister(rq_tp, rq_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	if (rq_kick)
		kthread_stop(rq_kick);
	if (pcpu_storm)
		pcs_stop();
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

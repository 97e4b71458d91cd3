// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump core image: an ELF core header, kept as a registered region of
 * its own, that describes every other region. Whatever copies the regions
 * (firmware, a hypervisor) then holds a dump that crash, drgn and gdb open:
 *
 *   [ELF header][phdrs: PT_NOTE, one PT_LOAD per chunk][name table][notes]
 *
 * The PT_NOTE covers the last bytes of the region: one NT_PRSTATUS per
 * possible CPU, NT_PRPSINFO and VMCOREINFO. The name table (outside every
 * segment, ignored by debuggers) names the region and chunk of each
 * PT_LOAD and carries the generation of this header.
 *
 * At panic, the registers of every CPU (saved into crash_notes by the NMI
 * shootdown when booted with crash_kexec_post_notifiers, and here for the
 * panicking CPU) are copied into the NT_PRSTATUS notes, and the panicking
 * task and its stack are registered, so that a backtrace works.
 */

/**
 * DOC: core image ordering and publication
 *
 * Ordering. PT_LOAD i describes the i-th chunk in the order the backend
 * placed the chunks (&kmemdump_backend.chunk_position: the table entry for
 * a minidump table), and its p_offset is the size of the header region
 * plus the sizes of PT_LOADs 0..i-1. The backend puts the header region
 * first. So the firmware's copies of the entries, laid end to end in table
 * order, are the core file; that holds for any sequence of registrations,
 * because the order is the backend's own and not a second, independent
 * allocation. With the default backend (nothing publishes), slot order
 * stands in until a real backend arrives and the image is re-sorted.
 *
 * Publication. The authoritative description lives in kernel memory
 * (kmd_loads[], kmd_notes) and is never read back from the shared copy.
 * There are two header buffers. An operation under kmemdump's lock
 * changes the kernel copy; the commit then writes the complete new header
 * into the buffer that is not published, with the generation one higher,
 * and re-points the header region at it. That re-pointing is part of the
 * same backend transaction as the table changes of the operation, which
 * the backend makes visible with one store. Firmware therefore finds, at
 * any instant, a table and a header of one generation: the buffer it is
 * pointed at is never written while it is published, and the buffer being
 * written is not pointed at. The generation tells two states apart.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/crash_core.h>
#include <linux/elf.h>
#include <linux/elfcore.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/panic_notifier.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/unaligned.h>
#include <linux/vmcore_info.h>
#include <kunit/visibility.h>

#include "internal.h"

#define KMD_MAX_LOADS		(2 * CONFIG_KMEMDUMP_MAX_REGIONS)
/*
 * Kept for the panic path: the panicking task and one other CPU's, their
 * stack pages, and page-table pages for them.
 */
#define KMD_PANIC_LOADS		(2 * (1 + THREAD_SIZE / PAGE_SIZE) + 4)
#define KMD_NOTE_HDR		ALIGN(sizeof(struct elf_note), 4)
#define KMD_NOTE_SIZE(name, desc) \
	(KMD_NOTE_HDR + ALIGN(sizeof(name), 4) + ALIGN(desc, 4))

struct kmd_names_hdr {
	char magic[8];		/* "KMDNAMES" */
	__le32 count;		/* = number of PT_LOADs */
	__le32 entsize;
	__le64 generation;	/* one higher with every published change */
};

struct kmd_name {
	char name[KMEMDUMP_NAME_LEN];
	__le32 seq;
	__le32 reserved;
};

/* One PT_LOAD, kept in kernel memory, sorted by key. */
struct kmd_load {
	u64 key;
	u64 vaddr;
	u64 paddr;
	u64 size;
	enum kmemdump_uid id;
	unsigned int slot;
	struct kmd_name name;	/* as written out: named once, not per commit */
};

static struct kmd_load kmd_loads[KMD_MAX_LOADS];
static unsigned int kmd_nr_loads;
static bool kmd_ready;			/* header registered: follow changes */
static bool kmd_dirty;			/* PT_LOADs added, removed or reordered */
static u64 kmd_generation;

/*
 * PT_LOADs [lo, hi) re-pointed in place (kmemdump_coreimage_move()):
 * by this operation (kmd_mv) and by the previous commit (kmd_prev, or
 * kmd_prev_full if that one rewrote everything). The unpublished buffer
 * holds the header of two commits ago, so a commit that only re-points
 * writes just the union of the two ranges into it: a context switch
 * costs a few PT_LOADs, not the whole header.
 */
static unsigned int kmd_mv_lo, kmd_mv_hi, kmd_prev_lo, kmd_prev_hi;
static bool kmd_prev_full = true;
/*
 * CPUs whose NT_PRSTATUS pr_pid changed (the task now running there),
 * in this operation and in the previous commit, as for the PT_LOADs.
 */
static u64 kmd_pid_chg, kmd_pid_prev;

/*
 * The two header buffers are sized for kmd_cap PT_LOADs, not for the
 * most there can be: they grow in steps of KMD_CAP_STEP when a
 * registration needs more, see kmemdump_coreimage_prepare(). The header
 * is then at most one step (16 * 80 bytes) larger than needed.
 */
#define KMD_CAP_STEP		16
static u8 *kmd_buf[2];
static unsigned int kmd_buf_cap[2];	/* PT_LOADs each buffer has room for */
/*
 * Each buffer as the header region's one chunk (kzalloc()ed: physically
 * contiguous), found when the buffer is put in place, not at every commit.
 */
static struct kmemdump_chunk kmd_buf_chunk[2];
static unsigned int kmd_cur;		/* the buffer the header region points at */
static unsigned int kmd_cap;		/* the smaller of the two */
static u64 kmd_buf_gen[2];		/* the generation each buffer holds */

/* The notes, kernel copy; each buffer remembers which version it holds. */
static u8 *kmd_notes;
static size_t kmd_notes_max, kmd_notes_len;
static unsigned int kmd_notes_ver = 1, kmd_buf_notes_ver[2];

static struct elf64_phdr *kmd_phdrs(u8 *buf)
{
	return (struct elf64_phdr *)(buf + sizeof(struct elf64_hdr));
}

static size_t kmd_names_off_for(unsigned int cap)
{
	return ALIGN(sizeof(struct elf64_hdr) +
		     (1 + cap) * sizeof(struct elf64_phdr), 8);
}

static size_t kmd_size_for(unsigned int cap)
{
	return ALIGN(kmd_names_off_for(cap) + sizeof(struct kmd_names_hdr) +
		     cap * sizeof(struct kmd_name) + kmd_notes_max, 8);
}

static struct kmd_names_hdr *kmd_names_hdr(u8 *buf, unsigned int cap)
{
	return (struct kmd_names_hdr *)(buf + kmd_names_off_for(cap));
}

static struct kmd_name *kmd_names(u8 *buf, unsigned int cap)
{
	return (struct kmd_name *)(buf + kmd_names_off_for(cap) +
				   sizeof(struct kmd_names_hdr));
}

/* Make @buf, with room for @cap PT_LOADs, header buffer @n. */
static void kmd_set_buf(unsigned int n, u8 *buf, unsigned int cap)
{
	kmd_buf[n] = buf;
	kmd_buf_cap[n] = cap;
	kmd_buf_chunk[n].vaddr = buf;
	kmd_buf_chunk[n].phys = buf ? virt_to_phys(buf) : 0;
	kmd_buf_chunk[n].len = kmd_size_for(cap);
}

static int kmd_count_chunk(phys_addr_t phys, const void *vaddr, size_t len,
			   void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

/* PT_LOADs a registration may take the image to; the panic path gets all. */
static unsigned int kmd_room(void)
{
	unsigned int keep = kmemdump_panic_reserve_open ? 0 : KMD_PANIC_LOADS;

	return kmd_cap > keep ? kmd_cap - keep : 0;
}

/* Can the region at @vaddr get a PT_LOAD per chunk? Checked before adding. */
int kmemdump_coreimage_room(const void *vaddr, size_t size)
{
	unsigned int k = 0;

	if (!kmd_ready)
		return 0;
	kmemdump_walk_chunks(vaddr, size, kmd_count_chunk, &k);
	return kmd_nr_loads + k > kmd_room() ? -ENOSPC : 0;
}

struct kmd_add {
	const struct kmemdump_region *r;
	unsigned int slot;
	unsigned int seq;
};

/* First load whose key is above @key. */
static unsigned int kmd_insert_pos(u64 key)
{
	unsigned int lo = 0, hi = kmd_nr_loads;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (kmd_loads[mid].key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int kmd_add_load(phys_addr_t phys, const void *vaddr, size_t len,
			void *arg)
{
	struct kmd_add *a = arg;
	struct kmd_load *l;
	u64 key;
	unsigned int at;

	if (WARN_ON_ONCE(kmd_nr_loads == kmd_cap))
		return -ENOSPC;
	key = kmemdump_chunk_key_locked(a->r->id, a->slot, a->seq);
	at = kmd_insert_pos(key);
	memmove(&kmd_loads[at + 1], &kmd_loads[at],
		(kmd_nr_loads - at) * sizeof(*l));
	l = &kmd_loads[at];
	l->key = key;
	l->vaddr = (unsigned long)vaddr;
	l->paddr = phys;
	l->size = len;
	l->id = a->r->id;
	l->slot = a->slot;
	memset(&l->name, 0, sizeof(l->name));
	kmemdump_id_name(l->id, l->name.name, sizeof(l->name.name));
	l->name.seq = cpu_to_le32(a->seq++);
	kmd_nr_loads++;
	return 0;
}

/* Region @r was registered in @slot: add its chunks where they belong. */
void kmemdump_coreimage_add(const struct kmemdump_region *r, unsigned int slot)
{
	struct kmd_add a = { .r = r, .slot = slot };

	if (!kmd_ready || r->id == KMEMDUMP_ID_COREIMAGE_ELF)
		return;
	kmemdump_region_chunks_locked(r, kmd_add_load, &a);
	kmd_dirty = true;
}

/* Region @id is going away: drop its chunks. */
void kmemdump_coreimage_del(enum kmemdump_uid id)
{
	unsigned int i, n = 0;

	if (!kmd_ready)
		return;
	for (i = 0; i < kmd_nr_loads; i++)
		if (kmd_loads[i].id != id)
			kmd_loads[n++] = kmd_loads[i];
	if (n != kmd_nr_loads)
		kmd_dirty = true;
	kmd_nr_loads = n;
}

static int kmd_cmp_key(const void *a, const void *b)
{
	const struct kmd_load *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* The backend changed: ask it where every chunk is now, and re-sort. */
void kmemdump_coreimage_rebuild(void)
{
	unsigned int i;

	bool moved = false;
	u64 key;

	if (!kmd_ready)
		return;
	for (i = 0; i < kmd_nr_loads; i++) {
		key = kmemdump_chunk_key_locked(kmd_loads[i].id,
						kmd_loads[i].slot,
						le32_to_cpu(kmd_loads[i].name.seq));
		moved |= key != kmd_loads[i].key;
		kmd_loads[i].key = key;
	}
	if (!moved)
		return;
	sort(kmd_loads, kmd_nr_loads, sizeof(*kmd_loads), kmd_cmp_key, NULL);
	kmd_dirty = true;
}

/*
 * The chunk at @key of region @id was re-pointed in place (same length):
 * update its PT_LOAD. The order and the offsets stay as they are. Its
 * PT_LOAD is looked for at @hint first, where the previous move found
 * it; the return value is the hint for the next one.
 */
unsigned int kmemdump_coreimage_move(enum kmemdump_uid id, u64 key,
				     unsigned int hint, const void *vaddr,
				     phys_addr_t phys)
{
	unsigned int i = hint;

	if (!kmd_ready || id == KMEMDUMP_ID_COREIMAGE_ELF)
		return hint;
	if (i >= kmd_nr_loads || kmd_loads[i].key != key ||
	    kmd_loads[i].id != id) {
		i = kmd_insert_pos(key);
		if (WARN_ON_ONCE(!i || kmd_loads[i - 1].key != key ||
				 kmd_loads[i - 1].id != id)) {
			kmd_dirty = true;
			return hint;
		}
		i--;
	}
	kmd_loads[i].vaddr = (unsigned long)vaddr;
	kmd_loads[i].paddr = phys;
	if (kmd_mv_lo == kmd_mv_hi) {
		kmd_mv_lo = i;
		kmd_mv_hi = i + 1;
	} else {
		kmd_mv_lo = min(kmd_mv_lo, i);
		kmd_mv_hi = max(kmd_mv_hi, i + 1);
	}
	return i;
}

/* Write @len bytes at @dst in the unpublished buffer. */
static void kmd_put(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	kmemdump_shared_store(dst, len);
}

/* Write the whole kernel copy into buffer @n. */
static void kmd_write_buf(unsigned int n)
{
	u8 *buf = kmd_buf[n];
	unsigned int cap = kmd_buf_cap[n];
	size_t size = kmd_size_for(cap);
	struct elf64_phdr *ph = kmd_phdrs(buf), p = {};
	struct kmd_names_hdr *nh = kmd_names_hdr(buf, cap);
	struct kmd_name *names = kmd_names(buf, cap);
	struct elf64_hdr *eh = (struct elf64_hdr *)buf;
	u16 phnum = 1 + kmd_nr_loads;
	__le64 gen = cpu_to_le64(kmd_generation);
	__le32 count = cpu_to_le32(kmd_nr_loads);
	u64 off = size;
	unsigned int i;

	p.p_type = PT_NOTE;
	p.p_offset = size - kmd_notes_len;
	p.p_filesz = kmd_notes_len;
	p.p_memsz = kmd_notes_len;
	kmd_put(&ph[0], &p, sizeof(p));
	for (i = 0; i < kmd_nr_loads; i++) {
		const struct kmd_load *l = &kmd_loads[i];

		p.p_type = PT_LOAD;
		p.p_flags = PF_R | PF_W | PF_X;
		p.p_offset = off;
		p.p_vaddr = l->vaddr;
		p.p_paddr = l->paddr;
		p.p_filesz = l->size;
		p.p_memsz = l->size;
		kmd_put(&ph[1 + i], &p, sizeof(p));
		kmd_put(&names[i], &l->name, sizeof(l->name));
		off += l->size;
	}
	kmd_put(&nh->count, &count, sizeof(count));
	kmd_put(&nh->generation, &gen, sizeof(gen));
	kmd_put(&eh->e_phnum, &phnum, sizeof(phnum));
}

/*
 * Buffer @n holds the header of two commits ago, and only PT_LOADs
 * [@lo, @hi) were re-pointed since: write their addresses and the
 * generation.
 */
static void kmd_write_moved(unsigned int n, unsigned int lo, unsigned int hi)
{
	u8 *buf = kmd_buf[n];
	struct elf64_phdr *ph = kmd_phdrs(buf);
	struct kmd_names_hdr *nh = kmd_names_hdr(buf, kmd_buf_cap[n]);
	__le64 gen = cpu_to_le64(kmd_generation);
	unsigned int i;

	for (i = lo; i < hi; i++) {
		kmd_put(&ph[1 + i].p_vaddr, &kmd_loads[i].vaddr, sizeof(u64));
		kmd_put(&ph[1 + i].p_paddr, &kmd_loads[i].paddr, sizeof(u64));
	}
	kmd_put(&nh->generation, &gen, sizeof(gen));
}

/* Offset of CPU @cpu's pr_pid in the notes (one NT_PRSTATUS per CPU). */
static size_t kmd_pid_off(unsigned int cpu)
{
	return cpu * KMD_NOTE_SIZE(CRASH_CORE_NOTE_NAME,
				   sizeof(struct elf_prstatus)) +
	       KMD_NOTE_HDR + ALIGN(sizeof(CRASH_CORE_NOTE_NAME), 4) +
	       offsetof(struct elf_prstatus, common.pr_pid);
}

static void kmd_write_notes(unsigned int n)
{
	u8 *notes = kmd_buf[n] + kmd_buf_chunk[n].len - kmd_notes_len;
	u64 pids = kmd_pid_chg | kmd_pid_prev;
	unsigned int cpu;

	if (kmd_buf_notes_ver[n] != kmd_notes_ver) {
		kmd_put(notes, kmd_notes, kmd_notes_len);
		kmd_buf_notes_ver[n] = kmd_notes_ver;
		return;
	}
	for (cpu = 0; pids; cpu++, pids >>= 1)
		if (pids & 1)
			kmd_put(notes + kmd_pid_off(cpu),
				kmd_notes + kmd_pid_off(cpu), sizeof(pid_t));
}

/*
 * CPU @cpu now runs the task with @pid: its NT_PRSTATUS says so, so that
 * debuggers match the registers the firmware saves for that CPU to the
 * task (drgn looks the registers of a running task up by its PID).
 */
void kmemdump_coreimage_set_pid(unsigned int cpu, pid_t pid)
{
	u8 *p = kmd_notes + kmd_pid_off(cpu);

	if (!kmd_ready || cpu >= min(64U, num_possible_cpus()) ||
	    kmd_pid_off(cpu) + sizeof(pid) > kmd_notes_len ||
	    get_unaligned((pid_t *)p) == pid)
		return;
	put_unaligned(pid, (pid_t *)p);
	kmd_pid_chg |= BIT_ULL(cpu);
}

/*
 * End of an operation, lock held: if the kernel copy changed, write it
 * into the unpublished buffer and switch the header region to it, inside
 * the backend's transaction (the backend commits after this).
 */
void kmemdump_coreimage_commit(void)
{
	unsigned int n = kmd_cur ^ 1, lo = kmd_mv_lo, hi = kmd_mv_hi;
	bool moved = kmd_mv_lo != kmd_mv_hi || kmd_pid_chg, full, stale;

	if (!kmd_ready || (!kmd_dirty && !moved))
		return;
	kmd_generation++;
	/* Buffer n must hold the header of two commits ago (0: nothing). */
	stale = !kmd_buf_gen[n] || kmd_buf_gen[n] + 2 != kmd_generation;
	full = kmd_dirty || kmd_prev_full || stale;
	if (stale)
		kmd_buf_notes_ver[n] = 0;	/* older than the changes we track */
	if (full) {
		kmd_write_buf(n);
	} else {
		if (kmd_prev_lo != kmd_prev_hi) {
			lo = min(lo, kmd_prev_lo);
			hi = max(hi, kmd_prev_hi);
		}
		kmd_write_moved(n, lo, hi);
	}
	kmd_write_notes(n);
	if (kmemdump_move_chunks_locked(KMEMDUMP_ID_COREIMAGE_ELF,
					kmd_buf_chunk[n].vaddr,
					kmd_buf_chunk[n].len, &kmd_buf_chunk[n],
					1)) {
		/* The old buffer stays published, intact; next time, all. */
		kmd_buf_gen[n] = 0;
		kmd_dirty = true;
		return;
	}
	kmd_buf_gen[n] = kmd_generation;
	kmd_cur = n;
	kmd_prev_full = kmd_dirty;
	kmd_prev_lo = kmd_mv_lo;
	kmd_prev_hi = kmd_mv_hi;
	kmd_mv_lo = 0;
	kmd_mv_hi = 0;
	kmd_pid_prev = kmd_pid_chg;
	kmd_pid_chg = 0;
	kmd_dirty = false;
}

/* Notes: NT_PRSTATUS per possible CPU, NT_PRPSINFO, VMCOREINFO. */
static void kmd_fill_notes(void)
{
	struct elf_prstatus prstatus = {};
	struct elf_prpsinfo prpsinfo = {};
	u32 *buf = (u32 *)kmd_notes;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		/*
		 * Until a switch or a panic sets them: pid cpu + 1, as QEMU
		 * does.
		 */
		prstatus.common.pr_pid = cpu + 1;
		buf = append_elf_note(buf, CRASH_CORE_NOTE_NAME, NT_PRSTATUS,
				      &prstatus, sizeof(prstatus));
	}
	prpsinfo.pr_state = 0;
	prpsinfo.pr_sname = 'R';
	strscpy(prpsinfo.pr_fname, "vmlinux", sizeof(prpsinfo.pr_fname));
	buf = append_elf_note(buf, CRASH_CORE_NOTE_NAME, NT_PRPSINFO,
			      &prpsinfo, sizeof(prpsinfo));
	if (vmcoreinfo_data && vmcoreinfo_size)
		buf = append_elf_note(buf, VMCOREINFO_NOTE_NAME, 0,
				      vmcoreinfo_data, vmcoreinfo_size);
	kmd_notes_len = (u8 *)buf - kmd_notes;
	kmd_notes_ver++;
	kmd_dirty = true;
}

/* Under the lock, at panic: registers into the notes, the task and stack. */
static void kmd_panic_locked(void *unused)
{
	u32 *note = (u32 *)kmd_notes;
	unsigned int cpu;
	int ret;

	kmemdump_panic_reserve_open = true;
	for_each_possible_cpu(cpu) {
		u32 *src = (u32 *)per_cpu_ptr(crash_notes, cpu);
		struct elf_note *sn = (struct elf_note *)src;
		struct elf_prstatus *dst;

		dst = (void *)note + KMD_NOTE_HDR +
		      ALIGN(sizeof(CRASH_CORE_NOTE_NAME), 4);
		/* crash_notes holds a prstatus once the CPU was stopped by NMI. */
		if (src && sn->n_type == NT_PRSTATUS &&
		    sn->n_descsz == sizeof(*dst))
			memcpy(dst, (void *)src + KMD_NOTE_HDR +
			       ALIGN(sn->n_namesz, 4), sizeof(*dst));
		note = (void *)note + KMD_NOTE_SIZE(CRASH_CORE_NOTE_NAME,
						    sizeof(*dst));
	}
	kmd_notes_ver++;
	kmd_dirty = true;
	/* Mappings may have changed since the regions were registered. */
	kmemdump_pgtable_refresh_locked();

	/* The other CPUs' tasks; this CPU's slots make way for the next two. */
	kmemdump_cpustate_panic_locked();
	/* arch_task_struct_size: x86 cuts the FPU state off sizeof(). */
	ret = kmemdump_check_range(current, arch_task_struct_size);
	if (!ret)
		ret = kmemdump_add_locked(KMEMDUMP_ID_PANIC_TASK, current,
					  arch_task_struct_size, 0);
	if (ret < 0)
		pr_emerg("panic: cannot register the panicking task: %d\n", ret);
	ret = kmemdump_check_range(task_stack_page(current), THREAD_SIZE);
	if (!ret)
		ret = kmemdump_add_locked(KMEMDUMP_ID_PANIC_STACK,
					  task_stack_page(current),
					  THREAD_SIZE, 0);
	if (ret < 0)
		pr_emerg("panic: cannot register the panicking stack: %d\n", ret);
}

/*
 * Static, not on the stack: crash_setup_regs()' pushf/pop would address a
 * stack operand with the stack pointer moved. Only the panicking CPU
 * gets here.
 */
static struct pt_regs kmd_panic_regs;

static int kmd_panic(struct notifier_block *nb, unsigned long action,
		     void *data)
{
	if (!kmd_ready)
		return NOTIFY_DONE;
	crash_setup_regs(&kmd_panic_regs, NULL);
	crash_save_cpu(&kmd_panic_regs, smp_processor_id());
	/* The lock may be held by a stopped CPU: never wait for it here. */
	if (kmemdump_trylocked_call(kmd_panic_locked, NULL))
		pr_emerg("panic: registry busy: registers, panicking task and stack not published\n");
	return NOTIFY_DONE;
}

/*
 * First: pvpanic (also INT_MAX, registered later) makes a hypervisor stop
 * the machine at once, and the registers must be saved before that.
 */
static struct notifier_block kmd_panic_nb = {
	.notifier_call = kmd_panic,
	.priority = INT_MAX,
};

/* For the KUnit test: the header as firmware would copy it now. */
const void *kmemdump_coreimage_header(size_t *size)
{
	*size = kmd_size_for(kmd_buf_cap[kmd_cur]);
	return kmd_buf[kmd_cur];
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_coreimage_header);

static void kmd_fill_ehdr(u8 *buf, unsigned int cap)
{
	struct elf64_hdr *eh = (struct elf64_hdr *)buf;
	struct kmd_names_hdr *nh = kmd_names_hdr(buf, cap);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELF_DATA;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELF_OSABI;
	eh->e_type = ET_CORE;
	eh->e_machine = ELF_ARCH;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(struct elf64_hdr);
	eh->e_ehsize = sizeof(struct elf64_hdr);
	eh->e_phentsize = sizeof(struct elf64_phdr);
	memcpy(nh->magic, "KMDNAMES", sizeof(nh->magic));
	nh->entsize = cpu_to_le32(sizeof(struct kmd_name));
}

static void kmd_add_existing(const struct kmemdump_region *r, void *arg)
{
	kmemdump_coreimage_add(r, kmemdump_region_slot(r));
}

/*
 * Take in what was registered before the header existed (memblock users,
 * early annotations), under the lock, so no registration slips between
 * this walk and the hooks taking over.
 */
static void kmd_enable(void *unused)
{
	kmd_ready = true;
	kmemdump_walk_regions_locked(kmd_add_existing, NULL);
	kmd_fill_notes();
}

/* A header buffer for @cap PT_LOADs, its fixed fields filled in. */
static u8 *kmd_alloc_buf(unsigned int cap, gfp_t gfp)
{
	u8 *buf = kzalloc(kmd_size_for(cap), gfp);

	if (buf)
		kmd_fill_ehdr(buf, cap);
	return buf;
}

struct kmd_grow {
	unsigned int cap;
	u8 *buf[2];	/* in: the new buffers; out: what to free */
};

/*
 * Lock held. The unpublished buffer is replaced and published at once
 * (a commit inside this operation); then the other one, now unpublished,
 * is replaced too. The replaced buffers are freed by the caller after
 * the lock is dropped, when the backend's commit made the new one the
 * one firmware finds.
 */
static void kmd_grow_locked(void *arg)
{
	struct kmd_grow *g = arg;
	unsigned int n = kmd_cur ^ 1;
	u8 *old;

	if (g->cap <= kmd_cap)
		return;		/* grown meanwhile: free the new ones */
	old = kmd_buf[n];
	kmd_set_buf(n, g->buf[0], g->cap);
	kmd_buf_notes_ver[n] = 0;
	kmd_buf_gen[n] = 0;
	g->buf[0] = old;
	kmd_dirty = true;
	kmemdump_coreimage_commit();
	if (kmd_cur != n)
		return;		/* not published: keep the other one as it is */
	old = kmd_buf[n ^ 1];
	kmd_set_buf(n ^ 1, g->buf[1], g->cap);
	kmd_buf_notes_ver[n ^ 1] = 0;
	kmd_buf_gen[n ^ 1] = 0;
	g->buf[1] = old;
	kmd_cap = min(kmd_buf_cap[0], kmd_buf_cap[1]);
}

/* Room for @need PT_LOADs: the next step up, at most KMD_MAX_LOADS. */
static int kmd_grow(unsigned int need, gfp_t gfp)
{
	struct kmd_grow g = { .cap = READ_ONCE(kmd_cap) };

	g.cap = min_t(unsigned int, roundup(need, KMD_CAP_STEP), KMD_MAX_LOADS);
	if (g.cap <= READ_ONCE(kmd_cap))
		return -ENOSPC;
	g.buf[0] = kmd_alloc_buf(g.cap, gfp);
	g.buf[1] = kmd_alloc_buf(g.cap, gfp);
	if (g.buf[0] && g.buf[1])
		kmemdump_locked_call(kmd_grow_locked, &g);
	kfree(g.buf[0]);
	kfree(g.buf[1]);
	return 0;
}

/*
 * Before registering [@vaddr, @vaddr + @size), outside kmemdump's lock:
 * grow the header buffers if the region's PT_LOADs (and a few page-table
 * pages) would not fit, when the context allows allocating. Otherwise
 * the registration meets kmemdump_coreimage_room()'s -ENOSPC.
 */
void kmemdump_coreimage_prepare(const void *vaddr, size_t size)
{
	unsigned int k = 0;

	if (!READ_ONCE(kmd_ready))
		return;
	kmemdump_walk_chunks(vaddr, size, kmd_count_chunk, &k);
	kmemdump_coreimage_reserve(k);
}

/* As kmemdump_coreimage_prepare(), for a region of @k chunks. */
void kmemdump_coreimage_reserve(unsigned int k)
{
	unsigned int need;
	gfp_t gfp;

	if (!READ_ONCE(kmd_ready))
		return;
	need = READ_ONCE(kmd_nr_loads) + k + 4 + KMD_PANIC_LOADS;
	if (need <= READ_ONCE(kmd_cap))
		return;
	gfp = kmemdump_gfp();
	if (gfp)
		kmd_grow(need, gfp);
}

/* Early, so the header is registered before any backend can probe. */
static int __init kmemdump_coreimage_init(void)
{
	int ret;

	kmd_notes_max = num_possible_cpus() *
			KMD_NOTE_SIZE(CRASH_CORE_NOTE_NAME, sizeof(struct elf_prstatus)) +
			KMD_NOTE_SIZE(CRASH_CORE_NOTE_NAME, sizeof(struct elf_prpsinfo)) +
			KMD_NOTE_SIZE(VMCOREINFO_NOTE_NAME, VMCOREINFO_BYTES);
	/* Regions registered before the header need room too. */
	kmd_cap = min_t(unsigned int, KMD_MAX_LOADS,
			roundup(2 * kmemdump_nr_regions() + KMD_PANIC_LOADS + 4,
				KMD_CAP_STEP));
	kmd_set_buf(0, kmd_alloc_buf(kmd_cap, GFP_KERNEL), kmd_cap);
	kmd_set_buf(1, kmd_alloc_buf(kmd_cap, GFP_KERNEL), kmd_cap);
	kmd_notes = kzalloc(kmd_notes_max, GFP_KERNEL);
	if (!kmd_buf[0] || !kmd_buf[1] || !kmd_notes) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = kmemdump_register_id(KMEMDUMP_ID_COREIMAGE_ELF, kmd_buf[0],
				   kmd_size_for(kmd_cap));
	if (ret < 0)
		goto fail;
	kmemdump_locked_call(kmd_enable, NULL);
	atomic_notifier_chain_register(&panic_notifier_list, &kmd_panic_nb);
	return 0;
fail:
	pr_warn("core image: cannot set up the ELF header: %d\n", ret);
	kfree(kmd_buf[0]);
	kfree(kmd_buf[1]);
	kfree(kmd_notes);
	return ret;
}
pure_initcall(kmemdump_coreimage_init);

static void kmd_refill_notes(void *unused)
{
	kmd_fill_notes();
}

/* vmcoreinfo is complete once the initcalls ran: now write the notes. */
static int __init kmemdump_coreimage_notes(void)
{
	if (!kmd_ready)
		return 0;
	kmemdump_locked_call(kmd_refill_notes, NULL);
	if (vmcoreinfo_data)
		kmemdump_register_id(KMEMDUMP_ID_COREIMAGE_VMCOREINFO,
				     vmcoreinfo_data, vmcoreinfo_size);
	return 0;
}
late_initcall(kmemdump_coreimage_notes);

// SPDX-License-Identifier: GPL-2.0
/*
 * kmemdump core image: an ELF core header, kept as a registered region of
 * its own, that describes every other region. Whatever copies the regions
 * (firmware, a hypervisor) then holds a dump that crash, drgn and gdb open:
 *
 *   [ELF header][phdrs: PT_NOTE, one PT_LOAD per chunk][name table][notes]
 *
 * The PT_NOTE covers the last bytes of this region: one NT_PRSTATUS per
 * possible CPU, NT_PRPSINFO and VMCOREINFO. PT_LOAD i has p_offset = size
 * of this region + the sizes of PT_LOADs 0..i-1, so the region files laid
 * end to end after this one, in table order, form the core file. The name
 * table (outside every segment, ignored by debuggers) names the region and
 * chunk of each PT_LOAD, so a tool can also rebuild the file from region
 * files in any order.
 *
 * The phdrs follow every change to the table, under kmemdump's lock. A
 * firmware that reads this region in the middle of a change can see the
 * phdr array half moved; the region data themselves are unaffected.
 *
 * At panic, the registers of every CPU (saved into crash_notes by the NMI
 * shootdown when booted with crash_kexec_post_notifiers, and here for the
 * panicking CPU) are copied into the NT_PRSTATUS notes, and the panicking
 * task and its stack are registered, so that a backtrace works.
 */

#define pr_fmt(fmt) "kmemdump: " fmt

#include <linux/crash_core.h>
#include <linux/elf.h>
#include <linux/elfcore.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/panic_notifier.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/vmcore_info.h>
#include <kunit/visibility.h>

#include "internal.h"

#define KMD_MAX_LOADS		(2 * CONFIG_KMEMDUMP_MAX_REGIONS)
#define KMD_NOTE_HDR		ALIGN(sizeof(struct elf_note), 4)
#define KMD_NOTE_SIZE(name, desc) \
	(KMD_NOTE_HDR + ALIGN(sizeof(name), 4) + ALIGN(desc, 4))

struct kmd_names_hdr {
	char magic[8];		/* "KMDNAMES" */
	__le32 count;
	__le32 entsize;
};

struct kmd_name {
	char name[KMEMDUMP_NAME_LEN];
	__le32 seq;
	__le32 reserved;
};

static u8 *kmd_hdr;
static size_t kmd_hdr_size, kmd_names_off, kmd_notes_off, kmd_notes_len;
static u32 *kmd_prstatus_notes;	/* first NT_PRSTATUS note */

static struct elf64_phdr *kmd_phdrs(void)
{
	return (struct elf64_phdr *)(kmd_hdr + sizeof(struct elf64_hdr));
}

/*
 * PT_LOADs follow kmemdump's slot order, which is also the order a
 * table-based backend fills its entries in, so that blobs copied in table
 * order and laid end to end match the offsets. A new region's chunks are
 * inserted at its slot's place, a removed region's are cut out, and the
 * offsets after them shift: each change walks the chunks of one region
 * only, plus a memmove. kmd_load_slot (kernel memory only) remembers the
 * slot each PT_LOAD belongs to. All of it runs under kmemdump's lock.
 */
static unsigned int kmd_nr_loads;
static u64 kmd_end;			/* file offset after the last PT_LOAD */
static unsigned int kmd_load_slot[KMD_MAX_LOADS];
static bool kmd_ready;			/* header built: follow changes */

struct kmd_build {
	unsigned int nr;
	u64 offset;
	enum kmemdump_uid id;
	unsigned int slot;
	unsigned int seq;
};

static struct kmd_name *kmd_names(void)
{
	return (struct kmd_name *)(kmd_hdr + kmd_names_off +
				   sizeof(struct kmd_names_hdr));
}

static int kmd_count_load(phys_addr_t phys, const void *vaddr, size_t len,
			  void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

static int kmd_add_load(phys_addr_t phys, const void *vaddr, size_t len,
			void *arg)
{
	struct kmd_build *b = arg;
	struct elf64_phdr *ph = &kmd_phdrs()[1 + b->nr];
	struct kmd_name *n = &kmd_names()[b->nr];

	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_W | PF_X;
	ph->p_offset = b->offset;
	ph->p_vaddr = (unsigned long)vaddr;
	ph->p_paddr = phys;
	ph->p_filesz = len;
	ph->p_memsz = len;
	ph->p_align = 0;
	memset(n, 0, sizeof(*n));
	kmemdump_id_name(b->id, n->name, sizeof(n->name));
	n->seq = cpu_to_le32(b->seq++);
	kmd_load_slot[b->nr] = b->slot;
	b->offset += len;
	b->nr++;
	return 0;
}

static void kmd_publish(void)
{
	struct kmd_names_hdr *nh = (void *)(kmd_hdr + kmd_names_off);
	struct elf64_hdr *eh = (struct elf64_hdr *)kmd_hdr;

	/* Entries first, then the counts that make readers look at them. */
	wmb();
	nh->count = cpu_to_le32(kmd_nr_loads);
	WRITE_ONCE(eh->e_phnum, 1 + kmd_nr_loads);
}

/* Move PT_LOADs [from, nr) to start at @to, shifting offsets by @delta. */
static void kmd_move_loads(unsigned int from, unsigned int to, s64 delta)
{
	struct elf64_phdr *ph = kmd_phdrs() + 1;
	unsigned int n = kmd_nr_loads - from, i;

	memmove(&ph[to], &ph[from], n * sizeof(*ph));
	memmove(&kmd_names()[to], &kmd_names()[from],
		n * sizeof(struct kmd_name));
	memmove(&kmd_load_slot[to], &kmd_load_slot[from],
		n * sizeof(*kmd_load_slot));
	for (i = to; i < to + n; i++)
		ph[i].p_offset += delta;
}

/* Region @r was registered in @slot: insert its chunks. */
void kmemdump_coreimage_add(const struct kmemdump_region *r, unsigned int slot)
{
	struct elf64_phdr *ph = kmd_phdrs() + 1;
	struct kmd_build b = { .id = r->id, .slot = slot };
	unsigned int at, k = 0;

	if (!kmd_ready || r->id == KMEMDUMP_ID_COREIMAGE_ELF)
		return;
	kmemdump_walk_chunks(r->vaddr, r->size, kmd_count_load, &k);
	if (kmd_nr_loads + k > KMD_MAX_LOADS) {
		pr_warn_ratelimited("core image: no room for region %d\n", r->id);
		return;
	}
	for (at = 0; at < kmd_nr_loads && kmd_load_slot[at] < slot; at++)
		;
	b.nr = at;
	b.offset = at < kmd_nr_loads ? ph[at].p_offset : kmd_end;
	/* Readers see the old count until the new entries are complete. */
	kmd_move_loads(at, at + k, r->size);
	kmemdump_walk_chunks(r->vaddr, r->size, kmd_add_load, &b);
	kmd_nr_loads += k;
	kmd_end += r->size;
	kmd_publish();
}

/* The region in @slot is going away: cut its chunks out. */
void kmemdump_coreimage_del(unsigned int slot)
{
	struct elf64_phdr *ph = kmd_phdrs() + 1;
	unsigned int i, k;
	u64 gone = 0;

	if (!kmd_ready)
		return;
	for (i = 0; i < kmd_nr_loads && kmd_load_slot[i] != slot; i++)
		;
	for (k = i; k < kmd_nr_loads && kmd_load_slot[k] == slot; k++)
		gone += ph[k].p_filesz;
	if (k == i)
		return;
	kmd_move_loads(k, i, -(s64)gone);
	kmd_nr_loads -= k - i;
	kmd_end -= gone;
	kmd_publish();
}

/*
 * Take in what was registered before the header existed (memblock users,
 * early annotations). Runs under the lock, so no registration can slip
 * between this walk and the hooks taking over; the header's own region
 * is always there, so this runs at least once.
 */
static void kmd_add_existing(const struct kmemdump_region *r, void *arg)
{
	kmd_ready = true;
	kmemdump_coreimage_add(r, kmemdump_region_slot(r));
}

static void kmd_fill_ehdr(void)
{
	struct elf64_hdr *eh = (struct elf64_hdr *)kmd_hdr;
	struct kmd_names_hdr *nh = (void *)(kmd_hdr + kmd_names_off);

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
	eh->e_phnum = 1;
	memcpy(nh->magic, "KMDNAMES", sizeof(nh->magic));
	nh->entsize = cpu_to_le32(sizeof(struct kmd_name));
}

/* Notes: NT_PRSTATUS per possible CPU, NT_PRPSINFO, VMCOREINFO. */
static void kmd_fill_notes(void)
{
	struct elf64_phdr *note = &kmd_phdrs()[0];
	struct elf_prstatus prstatus = {};
	struct elf_prpsinfo prpsinfo = {};
	u32 *buf;
	unsigned int cpu;

	buf = (u32 *)(kmd_hdr + kmd_notes_off);
	kmd_prstatus_notes = buf;
	for_each_possible_cpu(cpu) {
		/* Until a panic fills them: pid cpu + 1, as QEMU does. */
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
	note->p_type = PT_NOTE;
	note->p_offset = kmd_notes_off;
	note->p_filesz = (u8 *)buf - (kmd_hdr + kmd_notes_off);
	note->p_memsz = note->p_filesz;
	kmd_notes_len = note->p_filesz;
}

static int kmd_panic(struct notifier_block *nb, unsigned long action,
		     void *data)
{
	struct elf_prstatus *dst;
	struct pt_regs regs;
	u32 *note = kmd_prstatus_notes;
	unsigned int cpu;

	if (!kmd_hdr || !note)
		return NOTIFY_DONE;
	crash_setup_regs(&regs, NULL);
	crash_save_cpu(&regs, smp_processor_id());
	for_each_possible_cpu(cpu) {
		u32 *src = (u32 *)per_cpu_ptr(crash_notes, cpu);
		struct elf_note *sn = (struct elf_note *)src;

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
	/* The lock may be held by a stopped CPU: never wait for it here. */
	kmemdump_register_trylock(KMEMDUMP_ID_PANIC_TASK, current,
				  sizeof(*current));
	kmemdump_register_trylock(KMEMDUMP_ID_PANIC_STACK,
				  task_stack_page(current), THREAD_SIZE);
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

/* For the KUnit test: the header as firmware would copy it. */
const void *kmemdump_coreimage_header(size_t *size)
{
	*size = kmd_hdr_size;
	return kmd_hdr;
}
EXPORT_SYMBOL_IF_KUNIT(kmemdump_coreimage_header);

/* Early, so the header is the first region a backend gets. */
static int __init kmemdump_coreimage_init(void)
{
	size_t phdrs = sizeof(struct elf64_hdr) + (1 + KMD_MAX_LOADS) * sizeof(struct elf64_phdr);
	size_t notes = num_possible_cpus() *
		       KMD_NOTE_SIZE(CRASH_CORE_NOTE_NAME, sizeof(struct elf_prstatus)) +
		       KMD_NOTE_SIZE(CRASH_CORE_NOTE_NAME, sizeof(struct elf_prpsinfo)) +
		       KMD_NOTE_SIZE(VMCOREINFO_NOTE_NAME, VMCOREINFO_BYTES);
	int ret;

	kmd_names_off = ALIGN(phdrs, 8);
	kmd_hdr_size = PAGE_ALIGN(kmd_names_off + sizeof(struct kmd_names_hdr) +
				  KMD_MAX_LOADS * sizeof(struct kmd_name) + notes);
	kmd_notes_off = kmd_hdr_size - notes;
	kmd_hdr = kzalloc(kmd_hdr_size, GFP_KERNEL);
	if (!kmd_hdr)
		return -ENOMEM;
	kmd_fill_ehdr();
	ret = kmemdump_register_id(KMEMDUMP_ID_COREIMAGE_ELF, kmd_hdr,
				   kmd_hdr_size);
	if (ret < 0) {
		pr_warn("core image: cannot register the ELF header: %d\n", ret);
		kfree(kmd_hdr);
		kmd_hdr = NULL;
		return ret;
	}
	kmd_end = kmd_hdr_size;
	kmemdump_walk_regions(kmd_add_existing, NULL);
	atomic_notifier_chain_register(&panic_notifier_list, &kmd_panic_nb);
	return 0;
}
pure_initcall(kmemdump_coreimage_init);

/* vmcoreinfo is complete once the initcalls ran: now write the notes. */
static int __init kmemdump_coreimage_notes(void)
{
	if (!kmd_hdr)
		return 0;
	kmd_fill_notes();
	/* Notes must end exactly at the end of the region. */
	memmove(kmd_hdr + kmd_hdr_size - kmd_notes_len,
		kmd_hdr + kmd_notes_off, kmd_notes_len);
	memset(kmd_hdr + kmd_notes_off, 0,
	       kmd_hdr_size - kmd_notes_len - kmd_notes_off);
	kmd_notes_off = kmd_hdr_size - kmd_notes_len;
	kmd_prstatus_notes = (u32 *)(kmd_hdr + kmd_notes_off);
	kmd_phdrs()[0].p_offset = kmd_notes_off;
	if (vmcoreinfo_data)
		kmemdump_register_id(KMEMDUMP_ID_COREIMAGE_VMCOREINFO,
				     vmcoreinfo_data, vmcoreinfo_size);
	return 0;
}
late_initcall(kmemdump_coreimage_notes);

// SPDX-License-Identifier: GPL-2.0
/*
 * mdfw - host-side emulated "minidump firmware" for kmemdump in QEMU.
 *
 * The guest kernel publishes the memory regions it wants preserved in a
 * Qualcomm-format minidump table inside an ivshmem BAR. When the guest
 * dies (watchdog, panic) QEMU pauses it and tells us over QMP; we then do
 * what boot firmware does on a phone after a crash: walk the table and copy
 * each region out of guest RAM. See README.md for the protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "cpucap.h"
#include "cpuregs.h"
#include "cpusets.h"
#include "dump.h"
#include "mdelf.h"
#include "gpa.h"
#include "info.h"
#include "qmp.h"
#include "smem.h"
#include "table.h"
#include "util.h"

#define STR_(x)			#x
#define STR(x)			STR_(x)
#define DEFAULT_SHM_SIZE	(UINT64_C(1) << 20)
#define CONNECT_TIMEOUT_S	10	/* QEMU may not have created the socket */
#define GREETING_TIMEOUT_S	10
#define PAUSE_TIMEOUT_S		5	/* trigger event -> VM actually stopped */
#define QUERY_TIMEOUT_S		10

static const char exit_codes_help[] =
"Exit codes:\n"
"  0  all good: every valid entry dumped\n"
"  1  usage error; capture/extract: anything at --out DIR already\n"
"     (refused before anything is read or written)\n"
"  2  I/O or QMP error (missing file, QEMU gone, timeout, write failure;\n"
"     a capture that cannot be completed: nothing written; --out created\n"
"     by someone else meanwhile: the capture kept under its private name;\n"
"     info: FILE not a regular file)\n"
"  3  table unusable (no initialised TOC / APSS subsystem; with --smem:\n"
"     SMEM not initialised, no partition table or item 602): nothing dumped\n"
"  4  dump written, but some entries were bad and skipped (or dump.elf\n"
"     was not written or lacks PT_LOADs)\n"
"  5  capture inconsistent: the guest's ELF core header and the table\n"
"     disagree (protocol v2 rule); region files written, dump.elf not\n"
"Precedence: 2, then 3, then 5, then 4.\n";

static const char main_help[] =
"Usage: mdfw COMMAND [OPTIONS]\n"
"\n"
"Emulated minidump firmware: reads the Qualcomm minidump table that a\n"
"kmemdump guest publishes in an ivshmem BAR (x86 board) or through SMEM\n"
"item 602 (arm64 board, --smem) and copies its regions out of the guest\n"
"RAM file after a crash.\n"
"\n"
"Commands:\n"
"  init      initialise the shared-memory file (before the guest boots)\n"
"  capture   wait on QMP for WATCHDOG/GUEST_PANICKED, then dump\n"
"  extract   dump offline from RAM and shm files (no QMP)\n"
"  elf       assemble dump.elf from a directory of md_*.BIN files\n"
"  info      list (and --check) what an ELF core dump holds\n"
"\n"
"Run 'mdfw COMMAND --help' for the options of a command.\n"
"Sizes and addresses: decimal or 0x-hex, optional suffix K/M/G/T (x1024^n).\n"
"\n"
"Guest data is hostile input: the work is linear in the bytes read, and\n"
"each input is capped: at most 1024 table entries; the KELF_HEADER region\n"
"at most 64 MiB and 4096 NT_PRSTATUS; QEMU's register dump at most 16 MiB,\n"
"4096 CPUs, its PT_NOTEs together at most its size; the cpu_sets\n"
"descriptor at most 4096 records, 64 stack chunks a set; manifest.tsv at\n"
"most 1 MiB; info: notes at most 64 MiB and the file's size in all.\n"
"\n"
"Output directory (capture/extract): atomic, it appears whole or not at\n"
"all. --out DIR must not exist (anything there: exit 1). Everything is\n"
"written into a fresh private directory next to it (.mdfw-<hex>.tmp,\n"
"0700; files 0600, each created under a fresh random name with\n"
"O_CREAT|O_EXCL|O_NOFOLLOW and renamed), made durable at once (all files\n"
"fsync()ed together, in parallel), renamed to DIR (never over anything)\n"
"and the parent fsync()ed. A\n"
"capture that cannot be completed leaves nothing (exit 2). Files:\n"
"  md_<name>.BIN        region with seq_num 0\n"
"  md_<name>@<seq>.BIN  further parts (seq_num > 0) of a scattered region\n"
"  manifest.tsv         '#' comment lines, then a header line and one line\n"
"                       per table entry: index name seq address size status\n"
"                       file ('-' if not dumped); status is one of ok,\n"
"                       invalid-marker (removed entry, not an error),\n"
"                       bad-marker, bad-name, empty, overflow, out-of-ram,\n"
"                       duplicate, too-large, io-error. Entries may\n"
"                       overlap (nested regions, e.g. a stack inside a\n"
"                       per-CPU area): each is copied, all of them\n"
"                       together at most --max-bytes\n"
"  capture.txt          key=value: trigger, copied_ms, written_ms, counts,\n"
"                       header, generation, elf, result, cpu_regs,\n"
"                       cpu_sets\n"
"  dump.elf             if the guest registered KELF_HEADER and its header\n"
"                       agrees with the table: an ELF core of the dumped\n"
"                       regions, and of the usable CPU sets (each CPU's\n"
"                       current task; see 'mdfw elf --help')\n"
"\n";

static const char init_help[] =
"Usage: mdfw init --shm FILE [--shm-size N]\n"
"\n"
"Create or resize FILE to N bytes (default 1M), zero it and write the\n"
"minidump global table of contents (status 1, revision 1, ENBL) at offset\n"
"0. Use FILE as the ivshmem memory-backend-file of the guest.\n"
"\n"
"mdfw init --smem ADDR ...: SMEM in guest RAM instead (arm64 board);\n"
"see mdfw init --smem 0 --help.\n";

static const char capture_help[] =
"Usage: mdfw capture --qmp SOCKET --ram FILE --ram-size N --shm FILE\n"
"                    --out DIR [--below-4g N] [--bar2 ADDR] [--timeout SEC]\n"
"                    [--connect-timeout SEC] [--max-bytes N] [--quit]\n"
"       mdfw capture --qmp SOCKET --ram FILE --ram-size N --smem ADDR\n"
"                    [--smem-size N] [--ram-base ADDR] [--shared-imem PA]\n"
"                    --out DIR [...]\n"
"\n"
"Connect to QEMU's QMP socket (-qmp unix:SOCKET,server=on,wait=off),\n"
"wait for a WATCHDOG or GUEST_PANICKED event (or find the VM already\n"
"stopped in state watchdog/guest-panicked), make sure the VM is paused,\n"
"find the ivshmem BAR 2 address with query-pci (unless --bar2), then dump\n"
"like 'extract'. Prints a summary and two times from the event's arrival:\n"
"copied_ms (every region out of guest RAM, in host memory: the guest may\n"
"be reset) and capture_ms (the capture durable and in place at DIR).\n"
"\n"
"  --qmp SOCKET          QMP unix socket path\n"
"  --ram FILE            guest RAM file (-object memory-backend-file,\n"
"                        mem-path=FILE,share=on -machine memory-backend=)\n"
"  --ram-size N          guest RAM size (-m / backend size)\n"
"  --below-4g N          -machine max-ram-below-4g=N, if used\n"
"  --shm FILE            ivshmem memory-backend-file\n"
"  --smem ADDR           instead of --shm: the table of contents is SMEM\n"
"                        item 602 of the Qualcomm SMEM at guest physical\n"
"                        ADDR (in guest RAM), found as boot firmware does:\n"
"                        SMEM header (initialised, SBL version 12), the\n"
"                        partition table in its last 4 KiB, the global\n"
"                        partition, its item list (see 'mdfw init --smem')\n"
"  --smem-size N         SMEM size (default 2M, at most 64M)\n"
"  --ram-base ADDR       guest RAM is one range at ADDR (file offset =\n"
"                        address - ADDR); default with --smem 0x40000000\n"
"                        (QEMU arm64 virt); not with --below-4g\n"
"  --shared-imem PA      also write what a Qualcomm collector does for\n"
"                        'ramparse.py --minidump -a DIR': the 4 KiB of\n"
"                        guest RAM at PA (the shared IMEM, the kernel's\n"
"                        KASLR record at +0x6d0) as MD_SHRDIMEM.BIN, and\n"
"                        dump_info.txt listing it (\"1 0x<base, 16 hex\n"
"                        digits> 4096 MD_SHRDIMEM.BIN\"); both part of\n"
"                        the capture, with ap_minidump.elf, dump.elf's\n"
"                        second name (the core the parser reads first).\n"
"                        'mdfw info --check DIR' checks them\n"
"  --out DIR             output directory to create (must not exist; its\n"
"                        parent must)\n"
"  --bar2 ADDR           guest physical address of ivshmem BAR 2\n"
"  --timeout SEC         give up waiting for the event (default: never)\n"
"  --connect-timeout SEC keep retrying to connect (default 10)\n"
"  --max-bytes N         cap on the bytes written: entries beyond it are\n"
"                        skipped as too-large (default: the RAM size);\n"
"                        dump.elf is not written if the region files plus\n"
"                        dump.elf would exceed it (default: twice the RAM\n"
"                        size)\n"
"  --quit                send 'quit' to QEMU when done\n";

static const char elf_help[] =
"Usage: mdfw elf --dir DIR [--out FILE] [--max-bytes N]\n"
"\n"
"Assemble an ELF core (default DIR/dump.elf) from a capture directory as\n"
"its manifest.tsv lists it: md_KELF_HEADER.BIN, the ELF core header kmemdump\n"
"keeps as region KELF_HEADER, and the md files of the dumped entries its\n"
"section headers name (section 4+i names PT_LOAD 1+i \"<name>\" or\n"
"\"<name>@<seq>\", file md_<section name>.BIN; md files the manifest does\n"
"not list as dumped are never used). The header and the manifest's valid\n"
"entries must obey the protocol v2 rule (KELF_HEADER first, then one entry\n"
"per PT_LOAD in order, same name, seq, address and size, p_offsets\n"
"concatenating the md files); prints 'header: generation G, N loads,\n"
"consistent' (G: the KMEMDUMP note's), or exits 5 with 'INCONSISTENT:\n"
"<first mismatch>' and writes nothing. Output: ELF header, program headers\n"
"with recomputed offsets, section headers and STR_TBL naming the PT_LOADs\n"
"as the header does, the notes (generation note included), then each\n"
"PT_LOAD's bytes. A PT_LOAD whose entry was not dumped or whose md\n"
"file is missing or of the wrong size is dropped with a warning (exit 4),\n"
"never zero-filled. Created under a fresh random name, mode 0600,\n"
"fsync()ed, renamed; a non-regular file at FILE is refused (exit 2).\n"
"Without --out, a capture's DIR/ap_minidump.elf (see 'mdfw capture --help')\n"
"is made the new dump.elf's second name too (a failure: exit 4).\n"
"\n"
"CPU sets (also in capture/extract): each CPU's current task, published\n"
"in entries KTASK<c> and KSTACK<c>_<i> (seq = set 0 or 1) that the header\n"
"does not describe (the rule skips them; they may overlap anything) and\n"
"the region cpu_sets (64-byte records: \"KCPU\", cpu, cur, stack_chunks P,\n"
"then per set task, stack, pid, seq; at most 4096). A set is added after\n"
"the header's PT_LOADs if its KTASK entry is VALI and dumped (its seq,\n"
"odd or even, is for live readers: the machine is halted), task != 0,\n"
"1 <= P <= 64, its P KSTACK entries dumped and of equal size: KTASK<c>\n"
"at vaddr task, KSTACK<c>_<i> at stack + i * chunk; first the set each CPU\n"
"runs on (its stack holds the CPU's stack pointer; else cur), sections\n"
"named KTASK<c>, KSTACK<c>_<i> (and, for a one-chunk stack, one more\n"
"section KSTACK<c>_<i> per further 4 KiB page), then the other sets, named\n"
"@1; a set over the same virtual bytes as an earlier one (a migrated\n"
"task) is not added again. Other sets are skipped with one line on\n"
"stderr each; the exit code does not change. pr_pid of CPU c: the pid\n"
"of its usable set whose stack holds the CPU's stack pointer, if any;\n"
"unique per CPU for gdb: 0 (idle) becomes 0x400000 + c, a pid another\n"
"CPU holds 0x401000 + c (mdfw info names them).\n"
"An entry of these names that the header describes (its next PT_LOAD\n"
"after the header, same name and seq, in table order) is a region like\n"
"any other, not a set's: at panic the kernel registers each CPU's current\n"
"task and stack as regions KTASK<c>, KSTACK<c>_<i> (a page each) seq 0.\n"
"\n"
"  --max-bytes N   do not write a dump.elf larger than N (exit 4)\n"
"\n"
"Exit 3: md_KELF_HEADER.BIN is not a valid header (a repeated or malformed\n"
"section name, a section not matching its PT_LOAD, no generation note\n"
"included) or manifest.tsv is malformed (nothing written).\n"
"Exit 2: no manifest.tsv, no dumped KELF_HEADER, unreadable files.\n";

static const char info_help[] =
"Usage: mdfw info [--check] FILE\n"
"       mdfw info [--check] DIR\n"
"\n"
"List what the ELF core FILE (dump.elf, md files concatenated in table\n"
"order, or a full QEMU dump) holds: one line per PT_LOAD (name and seq\n"
"from its section name, if any), the generation note, the notes and the\n"
"VMCOREINFO keys (control characters shown as \\xNN) the\n"
"debuggers need, one line per CPU (NT_PRSTATUS): register source, task\n"
"(\"pid N\", or \"idle (swapper/N)\" for pr_pid 0 or mdfw's idle pid\n"
"0x400000 + N), pc and sp; which debugger features the regions enable\n"
"(KTASK/KSTACK PT_LOADs, the CPU sets' or the regions of these names\n"
"the kernel registers at panic: running tasks), and a\n"
"per-region byte breakdown. With --check, also verify: ELF64 x86-64 or\n"
"aarch64 core (NT_PRSTATUS of 336 or 392 bytes; VMCOREINFO keys per arch),\n"
"PT_NOTE first and before the memory, every segment inside the file, no\n"
"two overlapping in the file, p_filesz == p_memsz, notes well-formed,\n"
"one VMCOREINFO with the keys drgn and crash need, NT_PRSTATUS present.\n"
"Each kind of problem is one 'problem:' line (with a count if repeated).\n"
"Exit 0 if consistent, 3 with 'problem:' lines if not, 2 if unreadable\n"
"or not a regular file (a FIFO, device or directory is refused before it\n"
"is opened). Bounded for hostile files: notes at most 64 MiB and at most\n"
"the file's size in all (overlapping PT_NOTEs are not read again), the\n"
"name table searched only between the program headers and the first\n"
"segment; the work is linear in the bytes read.\n"
"\n"
"DIR, a capture directory (with manifest.tsv): its dump_info.txt against\n"
"the files it lists (at most 4096 bytes; lines of 4 words, a decimal\n"
"size equal to the file's, only MD_SHRDIMEM.BIN and MD_SMEMINFO.BIN,\n"
"each once, no path; the files regular, never followed through a link;\n"
"MD_SHRDIMEM.BIN covering the KASLR record at 0x6d0, which is shown),\n"
"no such file unlisted; then DIR/dump.elf as above, if there is one.\n";

static const char extract_help[] =
"Usage: mdfw extract --ram FILE --ram-size N --shm FILE --bar2 ADDR\n"
"                    --out DIR [--below-4g N] [--max-bytes N]\n"
"       mdfw extract --ram FILE --ram-size N --smem ADDR [--smem-size N]\n"
"                    [--ram-base ADDR] [--shared-imem PA] --out DIR\n"
"                    [--max-bytes N]\n"
"\n"
"Offline capture from the guest RAM file and the ivshmem file (the guest\n"
"must not be running). Options as for 'capture' (--shared-imem PA: also\n"
"MD_SHRDIMEM.BIN and dump_info.txt, see 'mdfw capture --help').\n";

struct opts {
	const char *qmp, *ram, *shm, *out, *dir;
	uint64_t ram_size, below_4g, bar2, shm_size;
	uint64_t timeout_s, connect_timeout_s, max_bytes;
	uint64_t smem, smem_size, ram_base, shared_imem;
	bool have_shared_imem;
	bool have_ram_size, have_bar2, have_timeout, quit;
	bool have_smem, have_smem_size, have_ram_base;
};

enum {
	OPT_QMP = 256, OPT_RAM, OPT_RAM_SIZE, OPT_BELOW_4G, OPT_SHM,
	OPT_SHM_SIZE, OPT_OUT, OPT_TIMEOUT, OPT_CONNECT_TIMEOUT, OPT_BAR2,
	OPT_QUIT, OPT_MAX_BYTES, OPT_HELP, OPT_DIR, OPT_SMEM, OPT_SMEM_SIZE,
	OPT_RAM_BASE, OPT_SHARED_IMEM,
};

static const struct option all_options[] = {
	{ "qmp", required_argument, NULL, OPT_QMP },
	{ "ram", required_argument, NULL, OPT_RAM },
	{ "ram-size", required_argument, NULL, OPT_RAM_SIZE },
	{ "below-4g", required_argument, NULL, OPT_BELOW_4G },
	{ "shm", required_argument, NULL, OPT_SHM },
	{ "shm-size", required_argument, NULL, OPT_SHM_SIZE },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "bar2", required_argument, NULL, OPT_BAR2 },
	{ "quit", no_argument, NULL, OPT_QUIT },
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "smem", required_argument, NULL, OPT_SMEM },
	{ "smem-size", required_argument, NULL, OPT_SMEM_SIZE },
	{ "ram-base", required_argument, NULL, OPT_RAM_BASE },
	{ "shared-imem", required_argument, NULL, OPT_SHARED_IMEM },
	{ NULL, 0, NULL, 0 },
};

/* Which options each command accepts, by OPT_ value. */
static const int init_opts[] = { OPT_SHM, OPT_SHM_SIZE, OPT_HELP, 0 };
static const int elf_opts[] = {
	OPT_DIR, OPT_OUT, OPT_MAX_BYTES, OPT_HELP, 0
};
static const int extract_opts[] = {
	OPT_RAM, OPT_RAM_SIZE, OPT_BELOW_4G, OPT_SHM, OPT_OUT, OPT_BAR2,
	OPT_MAX_BYTES, OPT_SMEM, OPT_SMEM_SIZE, OPT_RAM_BASE, OPT_SHARED_IMEM,
	OPT_HELP, 0
};
static const int capture_opts[] = {
	OPT_QMP, OPT_RAM, OPT_RAM_SIZE, OPT_BELOW_4G, OPT_SHM, OPT_OUT,
	OPT_TIMEOUT, OPT_CONNECT_TIMEOUT, OPT_BAR2, OPT_QUIT, OPT_MAX_BYTES,
	OPT_SMEM, OPT_SMEM_SIZE, OPT_RAM_BASE, OPT_SHARED_IMEM, OPT_HELP, 0
};

static bool allowed(const int *list, int opt)
{
	for (; *list; list++)
		if (*list == opt)
			return true;
	return false;
}

static const char *opt_name(int opt)
{
	const struct option *o;

	for (o = all_options; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static int num_arg(int opt, const char *arg, uint64_t *v)
{
	if (!parse_u64(arg, v)) {
		msg("--%s: invalid number '%s'", opt_name(opt), arg);
		return -1;
	}
	return 0;
}

/* Returns 0, MDFW_EXIT_USAGE, or -1 if --help was printed. */
static int parse_opts(int argc, char **argv, const int *accepted,
		      const char *help, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->shm_size = DEFAULT_SHM_SIZE;
	o->connect_timeout_s = CONNECT_TIMEOUT_S;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", all_options, NULL)) != -1) {
		if (c == '?' || c == ':') {
			msg("%s: unknown option or missing argument: %s",
			    argv[0], argv[optind - 1]);
			return MDFW_EXIT_USAGE;
		}
		if (!allowed(accepted, c)) {
			msg("%s: option --%s does not apply", argv[0],
			    opt_name(c));
			return MDFW_EXIT_USAGE;
		}
		switch (c) {
		case OPT_QMP:
			o->qmp = optarg;
			break;
		case OPT_RAM:
			o->ram = optarg;
			break;
		case OPT_SHM:
			o->shm = optarg;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_DIR:
			o->dir = optarg;
			break;
		case OPT_RAM_SIZE:
			if (num_arg(c, optarg, &o->ram_size))
				return MDFW_EXIT_USAGE;
			o->have_ram_size = true;
			break;
		case OPT_BELOW_4G:
			if (num_arg(c, optarg, &o->below_4g))
				return MDFW_EXIT_USAGE;
			if (!o->below_4g) {
				msg("--below-4g must not be 0");
				return MDFW_EXIT_USAGE;
			}
			break;
		case OPT_SHM_SIZE:
			if (num_arg(c, optarg, &o->shm_size))
				return MDFW_EXIT_USAGE;
			break;
		case OPT_BAR2:
			if (num_arg(c, optarg, &o->bar2))
				return MDFW_EXIT_USAGE;
			o->have_bar2 = true;
			break;
		case OPT_TIMEOUT:
			if (num_arg(c, optarg, &o->timeout_s))
				return MDFW_EXIT_USAGE;
			o->have_timeout = true;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (num_arg(c, optarg, &o->connect_timeout_s))
				return MDFW_EXIT_USAGE;
			break;
		case OPT_QUIT:
			o->quit = true;
			break;
		case OPT_SMEM:
			if (num_arg(c, optarg, &o->smem))
				return MDFW_EXIT_USAGE;
			o->have_smem = true;
			break;
		case OPT_SMEM_SIZE:
			if (num_arg(c, optarg, &o->smem_size))
				return MDFW_EXIT_USAGE;
			o->have_smem_size = true;
			break;
		case OPT_RAM_BASE:
			if (num_arg(c, optarg, &o->ram_base))
				return MDFW_EXIT_USAGE;
			o->have_ram_base = true;
			break;
		case OPT_SHARED_IMEM:
			if (num_arg(c, optarg, &o->shared_imem))
				return MDFW_EXIT_USAGE;
			o->have_shared_imem = true;
			break;
		case OPT_MAX_BYTES:
			if (num_arg(c, optarg, &o->max_bytes))
				return MDFW_EXIT_USAGE;
			if (!o->max_bytes) {
				msg("--max-bytes must not be 0");
				return MDFW_EXIT_USAGE;
			}
			break;
		case OPT_HELP:
			fputs(help, stdout);
			fputs("\n", stdout);
			fputs(exit_codes_help, stdout);
			return -1;
		}
	}
	if (optind < argc) {
		msg("%s: unexpected argument '%s'", argv[0], argv[optind]);
		return MDFW_EXIT_USAGE;
	}
	return 0;
}

static int require(const void *have, const char *cmd, const char *opt)
{
	if (have)
		return 0;
	msg("%s: --%s is required (see 'mdfw %s --help')", cmd, opt, cmd);
	return MDFW_EXIT_USAGE;
}

/* ---- init ---------------------------------------------------------- */

static int cmd_init(int argc, char **argv)
{
	uint8_t toc[MD_TOC_SIZE];
	static const uint8_t zero[65536];
	struct opts o;
	uint64_t off;
	int fd, ret;

	ret = parse_opts(argc, argv, init_opts, init_help, &o);
	if (ret)
		return ret < 0 ? MDFW_EXIT_OK : ret;
	if (require(o.shm, "init", "shm"))
		return MDFW_EXIT_USAGE;
	if (o.shm_size < MD_TOC_SIZE || o.shm_size > (UINT64_C(1) << 40)) {
		msg("init: --shm-size must be between %d bytes and 1T",
		    MD_TOC_SIZE);
		return MDFW_EXIT_USAGE;
	}
	if (o.shm_size & (o.shm_size - 1))
		msg("warning: --shm-size %" PRIu64 " is not a power of two; "
		    "a PCI BAR is", o.shm_size);

	fd = open(o.shm, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		msg_errno(errno, "init: %s", o.shm);
		return MDFW_EXIT_IO;
	}
	/*
	 * Zero by writing rather than truncate-to-0: should a QEMU already
	 * map the file, shrinking it would SIGBUS the guest.
	 */
	if (ftruncate(fd, (off_t)o.shm_size)) {
		msg_errno(errno, "init: sizing %s", o.shm);
		goto fail;
	}
	for (off = 0; off < o.shm_size; off += sizeof(zero)) {
		size_t n = o.shm_size - off < sizeof(zero) ?
			   (size_t)(o.shm_size - off) : sizeof(zero);

		if (pwrite(fd, zero, n, (off_t)off) != (ssize_t)n) {
			msg_errno(errno ? errno : EIO, "init: writing %s",
				  o.shm);
			goto fail;
		}
	}
	md_toc_init_bytes(toc);
	if (pwrite(fd, toc, sizeof(toc), 0) != (ssize_t)sizeof(toc) ||
	    fsync(fd)) {
		msg_errno(errno ? errno : EIO, "init: writing %s", o.shm);
		goto fail;
	}
	close(fd);
	printf("initialised %s: %" PRIu64 " bytes, minidump TOC at offset 0\n",
	       o.shm, o.shm_size);
	return MDFW_EXIT_OK;
fail:
	close(fd);
	return MDFW_EXIT_IO;
}

/* ---- the dump, shared by capture and extract ------------------------ */

struct trigger {
	const char *event;	/* WATCHDOG, GUEST_PANICKED, or "none" */
	char *data;		/* event data as JSON, or NULL */
	const char *how;	/* "event", "query-status", "offline" */
};

struct fds {
	int ram;
	int shm;
	/* --smem: the TOC item, in a snapshot of SMEM, stands for the shm. */
	const uint8_t *item;
	size_t item_len;
};

static int read_shm_cb(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct fds *f = ctx;

	if (!f->item)
		return pread_full(f->shm, buf, len, off);
	if (off > f->item_len || len > f->item_len - off)
		return -EIO;	/* md_table_read() stays inside shm_size */
	memcpy(buf, f->item + off, len);
	return 0;
}

/* The largest SMEM --smem-size accepts (Qualcomm SoCs have 2-8 MiB). */
#define SMEM_MAX_SIZE		(UINT64_C(64) << 20)
#define SMEM_DEFAULT_SIZE	(UINT64_C(2) << 20)
#define VIRT_RAM_BASE		UINT64_C(0x40000000)

/*
 * --smem: snapshot SMEM from the RAM file and find item 602, the minidump
 * TOC, the way the boot firmware does (smem.c). On success *snap (malloc()ed)
 * holds SMEM, f->item/item_len the item, *item_gpa its guest physical
 * address. Returns 0, MDFW_EXIT_TABLE (err says why) or MDFW_EXIT_IO.
 */
static int smem_locate(const struct opts *o, const struct gpa_layout *lay,
		       struct fds *f, uint8_t **snap, uint64_t *item_gpa,
		       char *err, size_t errlen)
{
	uint64_t foff;
	size_t off = 0, len = 0;
	char serr[256];
	int ret;

	*snap = NULL;
	/* check_dump_opts() made sure SMEM lies inside guest RAM. */
	if (!gpa_range_to_file(lay, o->smem, o->smem_size, &foff)) {
		snprintf(err, errlen, "SMEM [0x%" PRIx64 ", +0x%" PRIx64
			 ") is not inside guest RAM", o->smem, o->smem_size);
		return MDFW_EXIT_TABLE;
	}
	*snap = malloc((size_t)o->smem_size);
	if (!*snap) {
		snprintf(err, errlen, "out of memory for SMEM");
		return MDFW_EXIT_IO;
	}
	ret = pread_full(f->ram, *snap, (size_t)o->smem_size, foff);
	if (ret) {
		snprintf(err, errlen, "reading SMEM from the RAM file: %s",
			 strerror(-ret));
		return MDFW_EXIT_IO;
	}
	if (smem_find_item(*snap, (size_t)o->smem_size, SMEM_MINIDUMP_ITEM,
			   &off, &len, serr, sizeof(serr))) {
		snprintf(err, errlen, "%s (SMEM at 0x%" PRIx64 "); did the "
			 "boot firmware ('mdfw init --smem') set it up?", serr,
			 o->smem);
		return MDFW_EXIT_TABLE;
	}
	if (len < MD_TOC_SIZE) {
		snprintf(err, errlen, "SMEM item %d is %zu bytes, smaller "
			 "than the minidump table of contents (%d)",
			 SMEM_MINIDUMP_ITEM, len, MD_TOC_SIZE);
		return MDFW_EXIT_TABLE;
	}
	f->item = *snap + off;
	f->item_len = len;
	*item_gpa = o->smem + off;
	return 0;
}

static int read_ram_cb(void *ctx, uint64_t off, void *buf, size_t len)
{
	return pread_full(((struct fds *)ctx)->ram, buf, len, off);
}

static int open_sized(const char *path, const char *what, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		msg_errno(errno, "%s file %s", what, path);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		msg("%s file %s: not a regular file", what, path);
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

static void report_bad_entries(const struct md_table *t)
{
	uint32_t i;

	if (t->truncated)
		msg("table: region_count %" PRIu32 " exceeds the %" PRIu32
		    " entries that fit at regions_baseptr 0x%" PRIx64
		    " (cap %u); the rest is ignored", t->region_count,
		    t->capacity, t->baseptr, MD_MAX_REGIONS);
	if (t->odd_enc_status)
		msg("warning: APSS encryption_status 0x%08" PRIx32
		    " is neither 0 nor DONE; dumping anyway", t->enc_status);
	for (i = 0; i < t->n; i++) {
		char why[256];

		if (!md_status_is_bad(t->entries[i].status))
			continue;
		md_entry_describe(&t->entries[i], why, sizeof(why));
		msg("entry %" PRIu32 ": %s: %s; skipped", i,
		    md_status_str(t->entries[i].status), why);
	}
}

static const char *result_word(int rc)
{
	switch (rc) {
	case MDFW_EXIT_OK:
		return "ok";
	case MDFW_EXIT_PARTIAL:
		return "partial";
	case MDFW_EXIT_TABLE:
		return "table-unusable";
	case MDFW_EXIT_INCONSISTENT:
		return "inconsistent";
	default:
		return "io-error";
	}
}

/* What became of the guest's ELF core header in this capture. */
enum hdr_state {
	HDR_NONE,		/* no valid KELF_HEADER entry: no core image */
	HDR_NOT_DUMPED,		/* a valid one, but rejected or not copied */
	HDR_UNUSABLE,		/* dumped, but not a valid header */
	HDR_INCONSISTENT,	/* valid, but the table says otherwise */
	HDR_CONSISTENT,
};

struct hdr {
	enum hdr_state state;
	uint32_t index;		/* the KELF_HEADER entry */
	uint8_t *buf;		/* its bytes, read once */
	struct mdelf_core core;
	/*
	 * The valid entries in table order, the header's first (set-named
	 * ones it describes among them), then the CPU sets' (KTASK, KSTACK:
	 * cpusets.h) after them.
	 */
	struct mdelf_tentry *v;
	uint32_t nv;
	char line[768];		/* "header: ..." */
};

/* Find the KELF_HEADER entry and read its bytes (before the dump). */
static void hdr_read(struct hdr *h, const struct md_table *t, int ram_fd)
{
	const struct md_entry *e;
	uint32_t i;

	h->state = HDR_NONE;
	for (i = 0; i < t->n; i++) {
		e = &t->entries[i];
		if (e->status == MD_ST_HOLE || e->status == MD_ST_BAD_MARKER ||
		    e->status == MD_ST_BAD_NAME || e->seq != 0 ||
		    strcmp(e->name, MDELF_HDR_NAME))
			continue;
		h->index = i;
		h->state = HDR_NOT_DUMPED;
		if (e->status != MD_ST_OK || e->size > MDELF_MAX_HDR)
			return;
		h->buf = malloc((size_t)e->size);
		if (!h->buf || pread_full(ram_fd, h->buf, (size_t)e->size,
					  e->file_off)) {
			free(h->buf);
			h->buf = NULL;
		}
		return;
	}
}

/* After the dump: parse the header and apply the consistency rule. */
static void hdr_check(struct hdr *h, const struct md_table *t)
{
	const struct md_entry *e = h->state == HDR_NONE ? NULL :
				   &t->entries[h->index];
	char err[512];
	uint32_t i;

	if (!e)
		return;
	if (e->status != MD_ST_OK || !h->buf) {
		snprintf(h->line, sizeof(h->line), "header: not checked: the "
			 "%s entry (index %" PRIu32 ") %s", MDELF_HDR_NAME,
			 h->index, e->status != MD_ST_OK ? "was not dumped" :
			 e->size > MDELF_MAX_HDR ? "is larger than 64 MiB" :
			 "could not be read");
		if (e->status != MD_ST_OK)
			snprintf(h->line + strlen(h->line),
				 sizeof(h->line) - strlen(h->line), " (%s)",
				 md_status_str(e->status));
		h->state = HDR_NOT_DUMPED;
		return;
	}
	if (mdelf_parse_header(h->buf, (size_t)e->size, &h->core, err,
			       sizeof(err))) {
		snprintf(h->line, sizeof(h->line), "header: unusable: %s", err);
		h->state = HDR_UNUSABLE;
		return;
	}
	h->v = calloc(t->n ? t->n : 1, sizeof(*h->v));
	if (!h->v) {
		snprintf(h->line, sizeof(h->line), "header: not checked: out "
			 "of memory");
		h->state = HDR_NOT_DUMPED;
		return;
	}
	for (i = 0; i < t->n; i++) {
		const struct md_entry *x = &t->entries[i];
		struct mdelf_tentry *y = &h->v[h->nv];

		if (x->status == MD_ST_HOLE || x->status == MD_ST_BAD_MARKER)
			continue;
		y->index = i;
		md_name_escape(x->raw_name, y->name);
		y->seq = x->seq;
		y->addr = x->addr;
		y->size = x->size;
		y->ok = x->status == MD_ST_OK;
		y->file_off = x->file_off;
		h->nv++;
	}
	mdelf_mark_regions(&h->core, h->v, h->nv);
	if (mdelf_cpusets_last(h->v, h->nv, &i)) {
		snprintf(h->line, sizeof(h->line), "header: not checked: out "
			 "of memory");
		h->state = HDR_NOT_DUMPED;
		return;
	}
	if (mdelf_check(&h->core, h->v, h->nv, err, sizeof(err))) {
		mdelf_header_line(h->line, sizeof(h->line), &h->core, err);
		h->state = HDR_INCONSISTENT;
	} else {
		mdelf_header_line(h->line, sizeof(h->line), &h->core, NULL);
		h->state = HDR_CONSISTENT;
	}
}

static void hdr_free(struct hdr *h)
{
	free(h->buf);
	free(h->v);
	mdelf_core_free(&h->core);
}

/*
 * Where dump.elf's bytes come from: the regions in host memory
 * (dump_copy()), each the bytes of the md file of the same name, seq and
 * size; anything not staged from its md file in the capture's private
 * directory. Never from guest RAM again: once the regions are copied
 * out, the guest may be reset.
 */
struct elf_src {
	const struct hdr *h;
	const struct cpusets_result *cs;
	const struct dump_stage *st;
	struct mdelf_dir_src dir;
};

/* The staged bytes of entry v, if it is the one named l (or e). */
static const uint8_t *staged_entry(const struct elf_src *x,
				   const struct mdelf_tentry *v,
				   const char *name, uint32_t seq,
				   uint64_t size)
{
	if (!v || !v->ok || v->seq != seq || v->size != size ||
	    strcmp(v->name, name))
		return NULL;
	return dump_staged(x->st, v->index);
}

static int elf_src_copy(void *ctx, const struct mdelf_load *l, uint32_t k,
			int out, uint8_t *buf, size_t buflen)
{
	struct elf_src *x = ctx;
	const struct mdelf_tentry *v = NULL;
	uint32_t nloads = x->h->core.nloads;
	const uint8_t *p;

	/* The header's PT_LOAD k is entry k + 1 (the consistency rule). */
	if (k < nloads && k + 1 < x->h->nv)
		v = &x->h->v[k + 1];
	else if (k >= nloads && k - nloads < x->cs->nloads &&
		 x->cs->src[k - nloads] < x->h->nv)
		v = &x->h->v[x->cs->src[k - nloads]];
	p = staged_entry(x, v, l->name, l->seq, l->filesz);
	if (p)
		return write_full(out, p, (size_t)l->filesz);
	return mdelf_dir_copy(&x->dir, l, k, out, buf, buflen);
}

static int elf_src_read(void *ctx, const struct mdelf_tentry *e, uint8_t *buf,
			size_t len)
{
	struct elf_src *x = ctx;
	const uint8_t *p = e->size == len ? staged_entry(x, e, e->name, e->seq,
							  e->size) : NULL;

	if (!p)
		return mdelf_dir_read(&x->dir, e, buf, len);
	memcpy(buf, p, len);
	return 0;
}

/*
 * dump.elf from this capture's entries, the CPU sets' (cs) added;
 * returns the elf= word. The bytes: struct elf_src.
 */
static const char *write_elf(struct hdr *h, int dfd,
			     const struct dump_stage *st, uint64_t budget,
			     const struct cpuregs *fw, char *srcs,
			     size_t srcslen, struct cpusets_result *cs,
			     struct mdelf_result *er)
{
	struct elf_src es = { h, cs, st, { dfd } };
	struct mdelf_source src = { elf_src_copy, &es };
	const uint8_t *notes;
	struct mdelf_extra xl;
	uint8_t *merged = NULL;
	size_t notes_len = 0;
	bool *keep;
	uint32_t k;
	int ret;

	if (cpusets_select(h->v, h->nv, elf_src_read, &es, stderr, cs))
		return "failed";
	/*
	 * The firmware's registers where the kernel saved none, pr_pid by
	 * the CPU sets' stacks (cpuregs.h), the sets named by them.
	 */
	if (mdelf_notes_and_sets(h->buf, &h->core, fw, cs, h->v, h->nv,
				 &merged, &notes, &notes_len, srcs,
				 srcslen) < -1) {
		free(merged);
		return "failed";
	}
	xl = cpusets_extra(cs);
	keep = calloc(h->core.nloads ? h->core.nloads : 1, sizeof(*keep));
	if (!keep) {
		free(merged);
		return "failed";
	}
	for (k = 0; k < h->core.nloads; k++)
		keep[k] = h->v[k + 1].ok;
	ret = mdelf_write_core_notes(h->buf, &h->core, notes, notes_len, keep,
				     &xl, &src, dfd, MDELF_OUT_FILE, budget,
				     er);
	free(keep);
	free(merged);
	if (ret)
		return "failed";
	er->dropped = h->core.nloads - er->kept;
	if (er->too_large) {
		msg("warning: %s would be %" PRIu64 " bytes, more than the %"
		    PRIu64 " left under the --max-bytes cap: not written",
		    MDELF_OUT_FILE, er->file_bytes, budget);
		return "too-large";
	}
	if (er->dropped)
		msg("warning: %s: %" PRIu32 " of %" PRIu32 " PT_LOADs dropped "
		    "(their entries were not dumped)", MDELF_OUT_FILE,
		    er->dropped, er->nloads);
	return er->dropped ? "partial" : "ok";
}

static uint64_t deadline_s(uint64_t s);

/* A capture that stops before its directory is used: none left behind. */
static void abandon_dir(struct dump_dir *dir)
{
	if (!dir->opened)
		return;
	if (!dump_open_dir(dir))
		dump_discard(dir);
}

/*
 * Read the table and write the dump into dir (dump_prepare()d: the target
 * is absent, its parent open). t0 is when the clock started (the trigger
 * event's arrival). Returns the process exit code.
 */
static int do_dump(const struct opts *o, const struct gpa_layout *lay,
		   bool bar2_known, uint64_t bar2, uint64_t bar_size,
		   const struct trigger *trg, uint64_t t0, struct qmp *q,
		   struct cpucap *cc, struct dump_dir *dir)
{
	struct dump_stage stage = { 0 };
	struct cpuregs fw = { 0 };
	char cpu_line[160] = "", cpu_err[512] = "";
	char cpu_src[CPUREGS_MAX_CPUS + 1] = "";
	const char *cpu_word = "none";
	uint64_t cpu_bytes = 0;
	struct md_table t = { 0 };
	struct md_source src = { 0 };
	struct fds fds = { -1, -1, NULL, 0 };
	uint8_t *smem_snap = NULL;
	uint64_t item_gpa = 0;
	struct hdr h = { 0 };
	char err[512] = "", *text = NULL, *header = NULL;
	const char *elf_word = "none";
	struct mdelf_result er = { 0 };
	struct cpusets_result cs = { 0 };
	char cs_line[400] = "", added[48] = "";
	struct collector col = { 0 };
	char col_line[400] = "";
	uint64_t ram_file_size, shm_size, bytes = 0, cap;
	unsigned int io_errors = 0;
	size_t textlen = 0, headerlen = 0;
	bool complete = true;	/* manifest.tsv and capture.txt written */
	FILE *f;
	double ms, copied_ms, written_ms;
	int rc, ret;

	fds.ram = open_sized(o->ram, "RAM", &ram_file_size);
	if (fds.ram < 0) {
		abandon_dir(dir);
		return MDFW_EXIT_IO;
	}
	if (ram_file_size < o->ram_size) {
		msg("RAM file %s is %" PRIu64 " bytes, less than --ram-size %"
		    PRIu64, o->ram, ram_file_size, o->ram_size);
		close(fds.ram);
		abandon_dir(dir);
		return MDFW_EXIT_IO;
	}
	rc = 0;
	/* check_dump_opts() made sure it lies in guest RAM. */
	if (o->have_shared_imem)
		collector_setup(&col, lay, o->shared_imem, NULL, 0);
	if (o->have_smem) {
		rc = smem_locate(o, lay, &fds, &smem_snap, &item_gpa, err,
				 sizeof(err));
		shm_size = fds.item_len;
		bar2_known = true;
		bar2 = item_gpa;
		bar_size = 0;
		if (rc)
			msg("%s", err);
		if (rc == MDFW_EXIT_IO) {
			free(smem_snap);
			close(fds.ram);
			abandon_dir(dir);
			return rc;
		}
	} else {
		fds.shm = open_sized(o->shm, "shared memory", &shm_size);
		if (fds.shm < 0) {
			close(fds.ram);
			abandon_dir(dir);
			return MDFW_EXIT_IO;
		}
	}
	if (bar2_known && bar_size && bar_size != shm_size) {
		msg("warning: ivshmem BAR 2 is %" PRIu64 " bytes but %s is %"
		    PRIu64 "; using the smaller", bar_size, o->shm, shm_size);
		if (bar_size < shm_size)
			shm_size = bar_size;
	}

	src.ram = lay;
	src.shm_size = shm_size;
	src.bar2_known = bar2_known;
	src.bar2 = bar2;
	src.shm_what = o->have_smem ? "SMEM item " STR(SMEM_MINIDUMP_ITEM) :
		       NULL;
	src.max_total = o->max_bytes;	/* 0: the RAM size */
	src.read_shm = read_shm_cb;
	src.read_ram = read_ram_cb;
	src.ctx = &fds;
	if (!rc) {
		rc = md_table_read(&src, &t, err, sizeof(err));
		if (rc)
			msg("%s", err);
	}
	phase_mark("table");

	ret = dump_open_dir(dir);
	if (ret) {
		msg_errno(-ret, "creating a private directory next to %s",
			  o->out);
		dump_discard(dir);
		rc = MDFW_EXIT_IO;
		goto out;
	}

	if (!rc) {
		report_bad_entries(&t);
		hdr_read(&h, &t, fds.ram);
		io_errors = dump_copy(dir, &t, fds.ram, &stage, &bytes, h.index,
				      h.buf);
		/* The shared IMEM (collector.h), out of guest RAM with them. */
		if (collector_read(&col, fds.ram)) {
			msg("shared IMEM: %s", col.err);
			io_errors++;
		}
		phase_mark("regions");
	}
	/*
	 * Every vCPU's registers, from QEMU (cpucap.h): dumped by QEMU
	 * while we copied the regions.
	 */
	if (!rc && q) {
		ret = cpucap_finish(cc, q, deadline_s(QUERY_TIMEOUT_S), &fw,
				    cpu_err, sizeof(cpu_err));
		if (ret) {
			msg("warning: CPU registers from QEMU: %s", cpu_err);
			cpu_word = "failed";
		} else {
			cpu_word = "ok";
		}
		phase_mark("regs");
	}
	/*
	 * Every region and the registers are out of guest RAM and QEMU, in
	 * host memory (a buffer, or the page cache of files not synced yet):
	 * the guest may be reset from here on.
	 */
	copied_ms = (double)(mono_ns() - t0) / 1e6;
	if (!rc) {
		io_errors += dump_write_staged(dir, &t, &stage, &bytes);
		/* Qualcomm's collector files: the capture needs them whole. */
		if (collector_write(&col, dir)) {
			msg("%s/%s", o->out, col.err);
			io_errors++;
			complete = false;
		}
		collector_manifest_line(&col, col_line, sizeof(col_line));
		if (!strcmp(cpu_word, "ok")) {
			ret = cpucap_write_notes(dir->dfd, &fw, &cpu_bytes);
			if (ret) {
				snprintf(cpu_err, sizeof(cpu_err), "writing "
					 "%s: %s", CPUREGS_FILE,
					 out_strerror(-ret));
				msg("warning: CPU registers from QEMU: %s",
				    cpu_err);
				cpu_word = "failed";
				cpuregs_free(&fw);
				memset(&fw, 0, sizeof(fw));
			} else {
				cpuregs_manifest_line(cpu_line,
						      sizeof(cpu_line), fw.n,
						      cpu_bytes);
			}
		}
		phase_mark("files");
	}
	if (!rc) {
		hdr_check(&h, &t);
		f = open_memstream(&header, &headerlen);
		if (f) {
			fprintf(f, "trigger: %s\n"
				"table: region_count %" PRIu32 " examined %"
				PRIu32 " capacity %" PRIu32 "%s\n"
				"regions_baseptr: 0x%" PRIx64 " (%s offset 0x%"
				PRIx64 ")\n",
				trg->event, t.region_count, t.n, t.capacity,
				t.truncated ? " TRUNCATED" : "", t.baseptr,
				t.where == MD_IN_SHM ? "shm" :
				t.where == MD_IN_RAM ? "ram" : "-",
				t.array_off);
			if (lay->linear)
				fprintf(f, "ram: size 0x%" PRIx64 " base 0x%"
					PRIx64 "\nsmem: 0x%" PRIx64 " size 0x%"
					PRIx64 ", item %d (the TOC) at 0x%"
					PRIx64 ", %zu bytes",
					lay->ram_size, lay->base, o->smem,
					o->smem_size, SMEM_MINIDUMP_ITEM,
					item_gpa, fds.item_len);
			else
				fprintf(f, "ram: size 0x%" PRIx64 " below_4g 0x%"
					PRIx64 " above_4g 0x%" PRIx64,
					lay->ram_size, lay->below_4g,
					lay->above_4g);
			fprintf(f, "%s%s%s%s%s%s", h.line[0] ? "\n" : "",
				h.line, cpu_line[0] ? "\n" : "", cpu_line,
				col_line[0] ? "\n" : "", col_line);
			fclose(f);
		}
		ret = header ? dump_manifest(dir, &t, header) : -ENOMEM;
		phase_mark("manifest");
		if (ret) {
			msg("writing %s/manifest.tsv: %s", o->out,
			    out_strerror(-ret));
			io_errors++;
			complete = false;
		}
		if (io_errors)
			rc = MDFW_EXIT_IO;
		else if (h.state == HDR_INCONSISTENT)
			rc = MDFW_EXIT_INCONSISTENT;
		else if (t.n_bad || t.truncated)
			rc = MDFW_EXIT_PARTIAL;
	}

	/*
	 * The ELF core, if the guest keeps one and it agrees with the table;
	 * never from a mixed header. Part of the capture: in place with it.
	 */
	if (!complete) {
		/* no capture to derive it from */
	} else if (h.state == HDR_INCONSISTENT) {
		msg("%s; %s not written", h.line, MDELF_OUT_FILE);
		elf_word = "inconsistent";
	} else if (h.state != HDR_NONE && h.state != HDR_CONSISTENT) {
		msg("warning: %s; %s not written", h.line, MDELF_OUT_FILE);
		elf_word = "failed";
	} else if (h.state == HDR_CONSISTENT) {
		/* The region files and dump.elf share the cap. */
		cap = o->max_bytes ? o->max_bytes :
		      lay->ram_size > UINT64_MAX / 2 ? UINT64_MAX :
		      2 * lay->ram_size;
		elf_word = write_elf(&h, dir->dfd, &stage,
				     cap > bytes ? cap - bytes : 0, &fw,
				     cpu_src, sizeof(cpu_src), &cs, &er);
		cpusets_line(&cs, cs_line, sizeof(cs_line));
		phase_mark("dump_elf");
		if ((!strcmp(elf_word, "ok") || !strcmp(elf_word, "partial")) &&
		    collector_link_elf(&col, dir, MDELF_OUT_FILE)) {
			msg("warning: %s", col.err);
			if (rc == MDFW_EXIT_OK)
				rc = MDFW_EXIT_PARTIAL;
		}
	}
	if (strcmp(elf_word, "none") && strcmp(elf_word, "ok") &&
	    strcmp(elf_word, "inconsistent") && rc == MDFW_EXIT_OK)
		rc = MDFW_EXIT_PARTIAL;
	if (!strcmp(elf_word, "failed") && h.state == HDR_CONSISTENT)
		rc = MDFW_EXIT_IO;

	written_ms = (double)(mono_ns() - t0) / 1e6;
	/* No fixed-size buffer: long trigger data must not cut the rest. */
	f = complete ? open_memstream(&text, &textlen) : NULL;
	if (f) {
		fprintf(f, "trigger=%s\n"
			"trigger_source=%s\n"
			"trigger_data=%s\n"
			"copied_ms=%.3f\n"
			"written_ms=%.3f\n"
			"entries=%" PRIu32 "\n"
			"ok=%" PRIu32 "\n"
			"holes=%" PRIu32 "\n"
			"bad=%" PRIu32 "\n"
			"truncated=%d\n"
			"bytes=%" PRIu64 "\n",
			trg->event, trg->how, trg->data ? trg->data : "",
			copied_ms, written_ms, t.n, t.n_ok, t.n_holes, t.n_bad,
			t.truncated ? 1 : 0, bytes);
		fprintf(f, "header=%s\n", h.line[0] ? h.line + 8 : "none");
		if (h.state == HDR_CONSISTENT || h.state == HDR_INCONSISTENT)
			fprintf(f, "generation=%" PRIu64 "\n",
				h.core.generation);
		else
			fprintf(f, "generation=\n");
		fprintf(f, "elf=%s\n"
			"elf_loads=%" PRIu32 "\n"
			"elf_dropped=%" PRIu32 "\n"
			"elf_bytes=%" PRIu64 "\n"
			"result=%s\n"
			"exit_code=%d\n"
			"error=%s\n",
			elf_word, er.kept, er.dropped,
			er.too_large ? 0 : er.file_bytes, result_word(rc), rc,
			err);
		fprintf(f, "cpu_regs=%s\n"
			"cpu_regs_cpus=%" PRIu32 "\n"
			"cpu_regs_bytes=%" PRIu64 "\n"
			"cpu_regs_error=%s\n"
			"cpu_sources=%s\n",
			cpu_word, fw.n, cpu_bytes, cpu_err, cpu_src);
		fprintf(f, "cpu_sets=%s\n"
			"cpu_sets_cpus=%" PRIu32 "\n"
			"cpu_sets_usable=%" PRIu32 "\n"
			"cpu_sets_loads=%" PRIu32 "\n",
			cs.state == CPUSETS_OK ? "ok" :
			cs.state == CPUSETS_UNUSABLE ? "unusable" : "none",
			cs.ncpus, cs.usable, er.added);
		collector_capture_keys(&col, f);
		fclose(f);
	}
	if (complete) {
		ret = text ? dump_text_file(dir, "capture.txt", text) :
			     -ENOMEM;
		phase_mark("capture_txt");
		if (ret) {
			msg("writing %s/capture.txt: %s", o->out,
			    out_strerror(-ret));
			complete = false;
		}
	}
	/*
	 * All or nothing: durable at once, then renamed into place
	 * (never over anything), then the parent fsync()ed.
	 */
	if (!complete) {
		msg("%s: the capture is incomplete; nothing written", o->out);
		dump_discard(dir);
		rc = MDFW_EXIT_IO;
	} else if ((ret = dump_publish(dir)) == -EEXIST) {
		msg("%s appeared during the capture: not replaced; the capture "
		    "is kept, whole, as %s next to it", o->out, dir->tmp);
		rc = MDFW_EXIT_IO;
	} else if (ret && !dir->published) {
		msg("%s: making the capture durable: %s; nothing written",
		    o->out, out_strerror(-ret));
		dump_discard(dir);
		rc = MDFW_EXIT_IO;
	} else if (ret) {
		msg("%s: in place, but fsync of its parent: %s", o->out,
		    out_strerror(-ret));
		rc = MDFW_EXIT_IO;
	}
	/* The capture is durable and in place (or failed): stop the clock. */
	ms = (double)(mono_ns() - t0) / 1e6;

	printf("trigger: %s%s%s\n", trg->event, trg->data ? " " : "",
	       trg->data ? trg->data : "");
	if (t.region_count || t.n)
		printf("table: %" PRIu32 " entries at 0x%" PRIx64 " (%s), %"
		       PRIu32 " examined%s\n", t.region_count, t.baseptr,
		       t.where == MD_IN_SHM ? (o->have_smem ? "SMEM" :
					       "ivshmem") : "guest RAM", t.n,
		       o->have_smem ? "; TOC in SMEM item 602" : "");
	printf("dumped: %" PRIu32 " regions, %" PRIu64 " bytes; %" PRIu32
	       " holes, %" PRIu32 " bad -> %s\n", t.n_ok, bytes, t.n_holes,
	       t.n_bad, o->out);
	if (h.state == HDR_CONSISTENT)
		printf("%s\n", h.line);
	if (er.added)
		snprintf(added, sizeof(added), " + %" PRIu32 " from CPU sets",
			 er.added);
	if (!strcmp(elf_word, "ok") || !strcmp(elf_word, "partial"))
		printf("elf: %s/%s %s: %" PRIu32 " of %" PRIu32 " PT_LOADs%s, %"
		       PRIu64 " bytes\n", o->out, MDELF_OUT_FILE, elf_word,
		       er.kept, er.nloads, added, er.file_bytes);
	if (cs_line[0])
		printf("%s\n", cs_line);
	if (!strcmp(cpu_word, "ok"))
		printf("cpu_regs: %" PRIu32 " CPUs from QEMU -> %s/%s%s%s\n",
		       fw.n, o->out, CPUREGS_FILE, cpu_src[0] ?
		       "; dump.elf sources " : "", cpu_src);
	if (col.state == COLLECTOR_OK) {
		collector_kaslr_line(col.imem, sizeof(col.imem),
				     COLLECTOR_KASLR_OFF, col_line,
				     sizeof(col_line));
		printf("shared_imem: %u bytes at 0x%" PRIx64 " -> %s/%s, %s; "
		       "KASLR record: %s\n", COLLECTOR_IMEM_SIZE, col.base,
		       o->out, COLLECTOR_IMEM_FILE, COLLECTOR_INFO_FILE,
		       col_line);
	}
	printf("copied_ms: %.3f\n", copied_ms);
	printf("capture_ms: %.3f\n", ms);
	phase_print(stdout, t0);
	printf("result: %s (exit %d)\n", result_word(rc), rc);
out:
	free(text);
	free(header);
	cpusets_free(&cs);
	hdr_free(&h);
	dump_stage_free(&stage);
	cpuregs_free(&fw);
	dump_close_dir(dir);
	md_table_free(&t);
	free(smem_snap);
	close(fds.ram);
	if (fds.shm >= 0)
		close(fds.shm);
	return rc;
}

static int check_dump_opts(const char *cmd, struct opts *o,
			   struct gpa_layout *lay)
{
	uint64_t foff;

	if (require(o->ram, cmd, "ram") ||
	    require(o->have_ram_size ? o : NULL, cmd, "ram-size") ||
	    require(o->shm || o->have_smem ? o : NULL, cmd, "shm or --smem") ||
	    require(o->out, cmd, "out"))
		return MDFW_EXIT_USAGE;
	if (o->shm && o->have_smem) {
		msg("%s: --shm and --smem exclude each other (ivshmem or SMEM)",
		    cmd);
		return MDFW_EXIT_USAGE;
	}
	if ((o->have_smem_size && !o->have_smem) ||
	    (o->have_bar2 && o->have_smem)) {
		msg("%s: --%s needs --shm/--smem", cmd, o->have_bar2 ?
		    "bar2" : "smem-size");
		return MDFW_EXIT_USAGE;
	}
	if (o->have_ram_base && o->below_4g) {
		msg("%s: --ram-base (one RAM range) and --below-4g (QEMU pc) "
		    "exclude each other", cmd);
		return MDFW_EXIT_USAGE;
	}
	if (o->have_smem && !o->have_ram_base) {
		o->ram_base = VIRT_RAM_BASE;
		o->have_ram_base = true;
	}
	if (o->have_ram_base) {
		if (!gpa_layout_init_base(lay, o->ram_size, o->ram_base)) {
			msg("%s: --ram-base 0x%" PRIx64 " + --ram-size 0x%"
			    PRIx64 ": need a non-zero size, not past 2^64",
			    cmd, o->ram_base, o->ram_size);
			return MDFW_EXIT_USAGE;
		}
	} else if (!gpa_layout_init(lay, o->ram_size, o->below_4g)) {
		msg("%s: unsupported RAM layout (--ram-size %" PRIu64
		    ", --below-4g %" PRIu64 "): need a non-zero size, "
		    "--below-4g <= 4G, RAM ending below 1012G", cmd,
		    o->ram_size, o->below_4g);
		return MDFW_EXIT_USAGE;
	}
	if (o->have_shared_imem) {
		struct collector c;
		char err[160];

		if (collector_setup(&c, lay, o->shared_imem, err,
				    sizeof(err))) {
			msg("%s: %s", cmd, err);
			return MDFW_EXIT_USAGE;
		}
	}
	if (o->have_smem) {
		if (!o->have_smem_size)
			o->smem_size = SMEM_DEFAULT_SIZE;
		if (o->smem_size < SMEM_PTABLE_SIZE * 2 ||
		    o->smem_size > SMEM_MAX_SIZE) {
			msg("%s: --smem-size must be 8K..64M", cmd);
			return MDFW_EXIT_USAGE;
		}
		if (!gpa_range_to_file(lay, o->smem, o->smem_size, &foff)) {
			msg("%s: SMEM [0x%" PRIx64 ", +0x%" PRIx64 ") is not "
			    "inside guest RAM [0x%" PRIx64 ", +0x%" PRIx64 ")",
			    cmd, o->smem, o->smem_size, lay->base,
			    lay->ram_size);
			return MDFW_EXIT_USAGE;
		}
	}
	return 0;
}

/* ---- extract ------------------------------------------------------- */

/*
 * --out DIR must not exist: a capture never writes into, merges with or
 * replaces an existing directory (or anything else at that name). Checked
 * before anything is read (for capture: before connecting to QEMU).
 */
static int prepare_out(const char *cmd, const struct opts *o,
		       struct dump_dir *dir)
{
	int ret = dump_prepare(dir, o->out);

	if (ret == -EEXIST) {
		msg("%s: --out %s exists: refused (a capture is a new "
		    "directory; it never writes into or replaces anything); "
		    "name a new one", cmd, o->out);
		return MDFW_EXIT_USAGE;
	}
	if (ret == -EINVAL) {
		msg("%s: --out %s: not a directory name to create", cmd,
		    o->out);
		return MDFW_EXIT_USAGE;
	}
	if (ret) {
		msg_errno(-ret, "%s: --out %s: its parent directory", cmd,
			  o->out);
		return MDFW_EXIT_IO;
	}
	return 0;
}

static int cmd_extract(int argc, char **argv)
{
	struct trigger trg = { "none", NULL, "offline" };
	struct dump_dir dir = { .dfd = -1, .pfd = -1 };
	struct gpa_layout lay;
	struct opts o;
	uint64_t t0;
	int ret;

	ret = parse_opts(argc, argv, extract_opts, extract_help, &o);
	if (ret)
		return ret < 0 ? MDFW_EXIT_OK : ret;
	ret = check_dump_opts("extract", &o, &lay);
	if (ret)
		return ret;
	if (!o.have_smem && require(o.have_bar2 ? &o : NULL, "extract", "bar2"))
		return MDFW_EXIT_USAGE;
	ret = prepare_out("extract", &o, &dir);
	/* The clock starts once the output is prepared, as for capture. */
	t0 = mono_ns();
	if (!ret)
		ret = do_dump(&o, &lay, true, o.bar2, 0, &trg, t0, NULL, NULL,
			      &dir);
	dump_close_dir(&dir);
	return ret;
}

/* ---- elf, info ------------------------------------------------------- */

static int cmd_elf(int argc, char **argv)
{
	struct mdelf_result r;
	char *dcopy = NULL, *bcopy = NULL, added[48] = "";
	const char *dname, *bname;
	char path[4096];
	struct opts o;
	int dfd = -1, odfd = -1, ret;
	bool default_out;

	ret = parse_opts(argc, argv, elf_opts, elf_help, &o);
	if (ret)
		return ret < 0 ? MDFW_EXIT_OK : ret;
	if (require(o.dir, "elf", "dir"))
		return MDFW_EXIT_USAGE;
	default_out = !o.out;
	if (!o.out) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", o.dir,
				     MDELF_OUT_FILE) >= sizeof(path)) {
			msg("elf: --dir too long");
			return MDFW_EXIT_USAGE;
		}
		o.out = path;
	}
	dcopy = strdup(o.out);
	bcopy = strdup(o.out);
	if (!dcopy || !bcopy) {
		ret = MDFW_EXIT_IO;
		goto out;
	}
	dname = dirname(dcopy);
	bname = basename(bcopy);
	if (!*bname || !strcmp(bname, "/") || !strcmp(bname, ".") ||
	    !strcmp(bname, "..")) {
		msg("elf: %s: not a file name", o.out);
		ret = MDFW_EXIT_USAGE;
		goto out;
	}
	ret = MDFW_EXIT_IO;
	dfd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		msg_errno(errno, "elf: %s", o.dir);
		goto out;
	}
	odfd = open(dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (odfd < 0) {
		msg_errno(errno, "elf: %s", dname);
		goto out;
	}
	out_check_dir(odfd, dname);
	ret = mdelf_from_dir(dfd, o.dir, odfd, bname, o.max_bytes ?
			     o.max_bytes : UINT64_MAX, &r);
	/* The default output: keep a capture's ap_minidump.elf its twin. */
	if (default_out && (ret == MDFW_EXIT_OK || ret == MDFW_EXIT_PARTIAL) &&
	    !r.too_large) {
		int lret = collector_relink_elf(odfd, bname);

		if (lret) {
			msg("warning: %s/%s: %s; it is not the new %s", o.dir,
			    COLLECTOR_ELF_FILE, out_strerror(-lret), bname);
			ret = MDFW_EXIT_PARTIAL;
		}
	}
	if (r.added)
		snprintf(added, sizeof(added), " + %" PRIu32 " from CPU sets",
			 r.added);
	if ((ret == MDFW_EXIT_OK || ret == MDFW_EXIT_PARTIAL) && !r.too_large)
		printf("%s: %" PRIu32 " of %" PRIu32 " PT_LOADs%s (%" PRIu64
		       " bytes), %" PRIu32 " dropped, %" PRIu64 " bytes\n",
		       o.out, r.kept, r.nloads, added, r.load_bytes, r.dropped,
		       r.file_bytes);
out:
	if (dfd >= 0)
		close(dfd);
	if (odfd >= 0)
		close(odfd);
	free(dcopy);
	free(bcopy);
	return ret;
}

static int cmd_info(int argc, char **argv)
{
	const char *file = NULL;
	bool check = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check")) {
			check = true;
		} else if (!strcmp(argv[i], "--help")) {
			fputs(info_help, stdout);
			return MDFW_EXIT_OK;
		} else if (!strcmp(argv[i], "--") && i + 2 == argc) {
			file = argv[++i];
		} else if (argv[i][0] == '-' || file) {
			msg("info: unexpected argument '%s' (see 'mdfw info "
			    "--help')", argv[i]);
			return MDFW_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		msg("info: no FILE (see 'mdfw info --help')");
		return MDFW_EXIT_USAGE;
	}
	/* A capture directory: its dump_info.txt, then its dump.elf. */
	i = collector_info_dir(file, check, stdout);
	return i >= 0 ? i : mdfw_info(file, check, stdout);
}

/* ---- capture ------------------------------------------------------- */

static uint64_t deadline_s(uint64_t s)
{
	uint64_t now = mono_ns();

	if (s > (UINT64_MAX - now) / 1000000000u)
		return UINT64_MAX;
	return now + s * 1000000000u;
}

/*
 * If the guest died before we connected, the event is gone; QEMU's run
 * state still says why it stopped.
 */
static const char *stopped_by(struct qmp *q, char *err, size_t errlen)
{
	json_object *st = NULL, *status;
	const char *ev = NULL, *s;

	if (qmp_execute(q, "query-status", NULL, deadline_s(QUERY_TIMEOUT_S),
			&st, err, errlen))
		return NULL;
	if (json_object_object_get_ex(st, "status", &status)) {
		s = json_object_get_string(status);
		if (!strcmp(s, "watchdog"))
			ev = "WATCHDOG";
		else if (!strcmp(s, "guest-panicked"))
			ev = "GUEST_PANICKED";
	}
	json_object_put(st);
	return ev;
}

static int cmd_capture(int argc, char **argv)
{
	static const char *const triggers[] = {
		"WATCHDOG", "GUEST_PANICKED", NULL
	};
	struct trigger trg = { NULL, NULL, "event" };
	struct dump_dir dir = { .dfd = -1, .pfd = -1 };
	struct gpa_layout lay;
	struct qmp q = { .fd = -1 };
	struct cpucap cc = { .fd = -1 };
	json_object *data = NULL, *pci = NULL, *early = NULL;
	int64_t pci_id = 0;
	bool want_pci, early_ok = false;
	uint64_t t0 = 0, bar2 = 0, bar_size = 0, shm_size;
	uint64_t connect_deadline, greeting_deadline;
	bool bar2_known = false, connected = false, broken = false;
	char err[512];
	struct opts o;
	struct stat st;
	int ret, rc;

	ret = parse_opts(argc, argv, capture_opts, capture_help, &o);
	if (ret)
		return ret < 0 ? MDFW_EXIT_OK : ret;
	ret = check_dump_opts("capture", &o, &lay);
	if (ret)
		return ret;
	if (require(o.qmp, "capture", "qmp"))
		return MDFW_EXIT_USAGE;
	/* Fail now, not after the guest died, if the files are missing. */
	if (stat(o.ram, &st)) {
		msg_errno(errno, "capture: RAM file %s", o.ram);
		return MDFW_EXIT_IO;
	}
	if (o.shm && stat(o.shm, &st)) {
		msg_errno(errno, "capture: shared memory file %s", o.shm);
		return MDFW_EXIT_IO;
	}
	shm_size = o.shm ? (uint64_t)st.st_size : 0;
	ret = prepare_out("capture", &o, &dir);
	if (ret)
		return ret;
	dump_heap_reserve();

	connect_deadline = deadline_s(o.connect_timeout_s);
	greeting_deadline = connect_deadline > UINT64_MAX -
			    GREETING_TIMEOUT_S * UINT64_C(1000000000) ?
			    UINT64_MAX : connect_deadline +
			    GREETING_TIMEOUT_S * UINT64_C(1000000000);
	ret = qmp_connect(&q, o.qmp, connect_deadline, greeting_deadline,
			  err, sizeof(err));
	if (ret) {
		msg("%s", err);
		dump_close_dir(&dir);
		return MDFW_EXIT_IO;
	}

	/*
	 * The descriptor QEMU will dump the registers into, handed over
	 * now: not on the capture's clock (cpucap.h).
	 */
	cpucap_prepare(&cc, &q, deadline_s(QUERY_TIMEOUT_S));

	trg.event = stopped_by(&q, err, sizeof(err));
	if (trg.event) {
		t0 = mono_ns();
		trg.how = "query-status";
	} else {
		ret = qmp_wait_event(&q, triggers, o.have_timeout ?
				     deadline_s(o.timeout_s) : UINT64_MAX,
				     &trg.event, &data, &t0);
		if (ret) {
			if (ret == -ETIMEDOUT)
				msg("capture: no WATCHDOG or GUEST_PANICKED "
				    "event within %" PRIu64 " s", o.timeout_s);
			else if (ret == -ECONNRESET)
				msg("capture: QEMU closed the QMP connection "
				    "(exited?) before a trigger event");
			else
				msg_errno(-ret, "capture: QMP");
			broken = ret != -ETIMEDOUT;
			rc = MDFW_EXIT_IO;
			goto out;
		}
		if (data)
			trg.data = strdup(json_object_to_json_string_ext(data,
						JSON_C_TO_STRING_PLAIN));
		json_object_put(data);
	}
	/*
	 * query-pci at once, before the VM is seen stopped: its answer is
	 * used only if it comes after STOP (qmp_wait_paused(): then QEMU
	 * ran it on the stopped VM), else it is asked again. And the
	 * capture's private directory: its early commit (dump.h) runs while
	 * QEMU stops the VM and answers.
	 */
	want_pci = !o.have_smem && !o.have_bar2;
	if (want_pci && !strcmp(trg.how, "event") &&
	    qmp_send_cmd(&q, "query-pci", NULL, -1, &pci_id, err, sizeof(err)))
		pci_id = 0;
	dump_open_dir(&dir);
	msg("trigger: %s%s%s", trg.event, trg.data ? " " : "",
	    trg.data ? trg.data : "");

	/*
	 * GUEST_PANICKED is emitted from the vCPU thread before the VM stop
	 * request is processed, so other vCPUs may still run: wait until
	 * QEMU reports the VM stopped (its STOP event, qmp.h). If it never
	 * stops (action other than pause), dump anyway: a racy dump beats
	 * none.
	 */
	connected = true;
	/* query-status already said stopped (watchdog, guest-panicked). */
	ret = strcmp(trg.how, "event") ? 0 :
	      qmp_wait_paused(&q, deadline_s(PAUSE_TIMEOUT_S), pci_id, &early,
			      &early_ok, err, sizeof(err));
	phase_mark("paused");
	if (ret == -ETIMEDOUT) {
		msg("warning: VM still running %d s after %s; the dump may be "
		    "inconsistent (use -action watchdog=pause,panic=pause)",
		    PAUSE_TIMEOUT_S, trg.event);
	} else if (ret) {
		msg("warning: %s; reading the files anyway", err);
		connected = false;
		broken = true;
	}

	/*
	 * query-pci (unless its early answer came after STOP, or is still
	 * to come: then it will) and dump-guest-memory at once (QEMU
	 * answers in order): the registers are dumped while we read the
	 * table and copy the regions.
	 */
	if (early && !early_ok) {
		json_object_put(early);		/* asked too early */
		early = NULL;
		pci_id = 0;
	}
	if (o.have_bar2) {
		bar2 = o.bar2;
		bar2_known = true;
	} else if (want_pci && !connected) {
		msg("warning: no --bar2 and no QMP: only a region array in "
		    "guest RAM can be found");
	} else if (want_pci && !pci_id &&
		   qmp_send_cmd(&q, "query-pci", NULL, -1, &pci_id, err,
				sizeof(err))) {
		msg("warning: %s; only a region array in guest RAM can be "
		    "found", err);
		pci_id = 0;
	}
	if (connected)
		cpucap_start(&cc, &q, lay.linear ? lay.base : 0);
	if (connected && want_pci && (early || pci_id)) {
		ret = early ? qmp_reply_value(early, "query-pci", &pci, err,
					      sizeof(err)) :
		      qmp_reply(&q, "query-pci", pci_id,
				deadline_s(QUERY_TIMEOUT_S), &pci, err,
				sizeof(err));
		early = NULL;	/* consumed */
		if (!ret)
			ret = qmp_find_ivshmem_bar2(pci, shm_size, &bar2,
						    &bar_size, err,
						    sizeof(err));
		json_object_put(pci);
		phase_mark("query_pci");
		if (ret)
			msg("warning: %s; only a region array in guest RAM "
			    "can be found", err);
		else
			bar2_known = true;
	}

	rc = do_dump(&o, &lay, bar2_known, bar2, bar_size, &trg, t0,
		     connected ? &q : NULL, &cc, &dir);

out:
	/* QEMU still holds our descriptor if no dump took it. */
	cpucap_release(&cc, broken ? NULL : &q, deadline_s(QUERY_TIMEOUT_S));
	if (o.quit && q.fd >= 0) {
		/* QEMU may drop the connection before replying: ignore. */
		qmp_execute(&q, "quit", NULL, deadline_s(QUERY_TIMEOUT_S),
			    NULL, err, sizeof(err));
	}
	json_object_put(early);
	qmp_close(&q);
	dump_close_dir(&dir);
	free(trg.data);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	/* A vanished QEMU must show up as an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!cmd) {
		fputs(main_help, stderr);
		fputs(exit_codes_help, stderr);
		return MDFW_EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		fputs(main_help, stdout);
		fputs(exit_codes_help, stdout);
		return MDFW_EXIT_OK;
	}
	if (!strcmp(cmd, "init"))
		return smem_init_wanted(argc - 1, argv + 1) ?
		       smem_cmd_init(argc - 1, argv + 1) :
		       cmd_init(argc - 1, argv + 1);
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(cmd, "extract"))
		return cmd_extract(argc - 1, argv + 1);
	if (!strcmp(cmd, "elf"))
		return cmd_elf(argc - 1, argv + 1);
	if (!strcmp(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	msg("unknown command '%s' (try 'mdfw --help')", cmd);
	return MDFW_EXIT_USAGE;
}

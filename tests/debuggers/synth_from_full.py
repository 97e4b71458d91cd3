#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build a synthetic kmemdump minidump directory out of a full QEMU dump, as
the kernel's KELF_HEADER region would describe it, to exercise 'mdfw elf' and
check-dump.sh before (or independently of) the guest kernel's support:

    synth_from_full.py FULL.elf VMLINUX OUTDIR [--no-stack]

Regions: linux_banner, init_uts_ns, prb, the static printk ring buffer
(printk_rb_stati, printk_descs, printk_infos, printk_text), the three x86-64
layout variables crash reads at startup (page_offset_b, vmalloc_base,
vmemmap_base) and, found through the page tables from each CPU's PRSTATUS
stack pointer, the vmalloc'ed kernel stacks (KSTACK<cpu>_<i>, one region
per page, as the kernel registers each CPU's current stack at panic). Notes: QEMU's NT_PRSTATUS and VMCOREINFO notes plus an NT_PRPSINFO.
Writes OUTDIR/md_KELF_HEADER.BIN and OUTDIR/md_<name>[@<seq>].BIN.
"""
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../tools/mdfw/tests"))
import mdelfgen as G  # noqa: E402

START_KERNEL_MAP = 0xffffffff80000000
THREAD_SIZE = 16384
REGIONS = [("banner", "linux_banner"), ("init_uts_ns", "init_uts_ns"),
           ("prb", "prb"), ("printk_rb_stati", "printk_rb_static"),
           ("printk_descs", "_printk_rb_static_descs"),
           ("printk_infos", "_printk_rb_static_infos"),
           ("printk_text", "__log_buf"),
           ("page_offset_b", "page_offset_base"),
           ("vmalloc_base", "vmalloc_base"), ("vmemmap_base", "vmemmap_base")]


class Core:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.f = f.read()
        eh, self.phs, _ = G.parse_core(self.f)
        note = [p for p in self.phs if p[0] == G.PT_NOTE][0]
        self.notes = []          # (name, type, desc)
        d, o = self.f[note[2]:note[2] + note[5]], 0
        while o + 12 <= len(d):
            nsz, dsz, typ = struct.unpack_from("<III", d, o)
            name = d[o + 12:o + 12 + nsz].rstrip(b"\0")
            do = o + 12 + (nsz + 3) // 4 * 4
            self.notes.append((name, typ, d[do:do + dsz]))
            o = do + (dsz + 3) // 4 * 4
        vmci = [n[2] for n in self.notes if n[0] == b"VMCOREINFO"][0]
        self.vmcoreinfo = vmci.rstrip(b"\0").decode()
        self.kv = dict(line.split("=", 1) for line in
                       self.vmcoreinfo.splitlines() if "=" in line)
        self.koff = int(self.kv.get("KERNELOFFSET", "0"), 16)
        self.phys_base = int(self.kv["NUMBER(phys_base)"]) & (2**64 - 1)

    def read_phys(self, pa, n):
        for p in self.phs:
            if p[0] == G.PT_LOAD and p[4] <= pa and pa + n <= p[4] + p[5]:
                return self.f[p[2] + pa - p[4]:p[2] + pa - p[4] + n]
        raise KeyError("physical 0x%x+%d not in the dump" % (pa, n))

    def kimg_pa(self, va):
        return (va - START_KERNEL_MAP + self.phys_base) & (2**64 - 1)

    def walk(self, va):
        """Physical address of va through swapper_pg_dir (4-level)."""
        table = self.kimg_pa(int(self.kv["SYMBOL(swapper_pg_dir)"], 16))
        for level, shift in enumerate((39, 30, 21, 12)):
            e = struct.unpack("<Q", self.read_phys(
                table + 8 * ((va >> shift) & 511), 8))[0]
            if not e & 1:
                raise KeyError("0x%x not mapped" % va)
            pa = e & 0x000ffffffffff000
            if level in (1, 2) and e & 0x80:         # 1G / 2M page
                return (pa & ~((1 << shift) - 1)) + (va & ((1 << shift) - 1))
            table = pa
        return pa + (va & 0xfff)


def gdb_values(vmlinux, exprs):
    """Integer values of C expressions over vmlinux's DWARF, via gdb."""
    args = ["gdb", "-batch", "-nx", vmlinux]
    for e in exprs:
        args += ["-ex", "p (long)(%s)" % e]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    vals = [int(l.split("=", 1)[1]) for l in out.splitlines()
            if l.startswith("$")]
    if len(vals) != len(exprs):
        raise RuntimeError("gdb: %s" % out)
    return vals


class Regions:
    """Loads by kernel virtual address, split into physically contiguous
    chunks with consecutive seq numbers per name, like kmemdump does."""

    def __init__(self, core):
        self.core, self.loads, self.seq = core, [], {}

    def add(self, name, va, size):
        end = va + size
        while va < end:
            pa = self.core.walk(va)
            n = min(end - va, 4096 - (va & 4095))
            while va + n < end and self.core.walk(va + n) == pa + n:
                n += min(end - va - n, 4096)
            seq = self.seq.get(name, 0)
            self.seq[name] = seq + 1
            self.loads.append(G.Load(name, seq, va, pa,
                                     self.core.read_phys(pa, n)))
            va += n


def symbols(vmlinux):
    out = subprocess.run(["nm", "-S", vmlinux], capture_output=True,
                         text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            syms[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    return syms


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    full, vmlinux, outdir = sys.argv[1:4]
    core = Core(full)
    syms = symbols(vmlinux)
    loads = []
    for name, sym in REGIONS:  # in the kernel image: no page tables
        va, size = syms[sym]
        va += core.koff
        pa = core.kimg_pa(va)
        loads.append(G.Load(name, 0, va, pa, core.read_phys(pa, size)))
    prs = [n[2] for n in core.notes if n[0] == b"CORE" and n[1] == 1]
    if "--no-task" not in sys.argv:
        # What drgn 0.0.22's crashed_thread() reads: panic_cpu, the
        # per-CPU runqueue's curr, that task_struct (and its stack, below).
        r = Regions(core)
        for name, sym in (("crashing_cpu", "crashing_cpu"),
                          ("panic_cpu", "panic_cpu"),
                          ("per_cpu_offset", "__per_cpu_offset"),
                          ("nr_cpu_ids", "nr_cpu_ids")):
            va, size = syms[sym]
            r.add(name, va + core.koff, size)
        curr_off, rq_size, ts_size = gdb_values(vmlinux, [
            "&((struct rq *)0)->curr", "sizeof(struct rq)",
            "sizeof(struct task_struct)"])
        pco = r.loads[2].data
        # drgn 0.0.22 takes the crashed CPU from x86's crashing_cpu (set
        # only on the kexec path; -1 means CPU 0) and the task from that
        # CPU's PRSTATUS pr_pid (0: the CPU's idle task; else a pid-hash
        # lookup). As a kernel could: crashing_cpu = panic_cpu, pr_pid 0.
        pcpu = struct.unpack_from("<i", r.loads[1].data)[0]
        if "--crashing-cpu" in sys.argv and 0 <= pcpu < len(prs):
            r.loads[0].data = struct.pack("<i", pcpu)
            d = bytearray(prs[pcpu])
            struct.pack_into("<i", d, G.PR_PID_OFF, 0)
            prs[pcpu] = bytes(d)
        for cpu in range(len(prs)):
            off = struct.unpack_from("<Q", pco, 8 * cpu)[0]
            rq = (syms["runqueues"][0] + off) & (2**64 - 1)
            r.add("runqueue", rq, rq_size)
            curr = struct.unpack("<Q", core.read_phys(
                core.walk(rq + curr_off), 8))[0]
            r.add("KTASK%d" % cpu, curr, ts_size)
        loads += r.loads
    if "--no-stack" not in sys.argv:
        for cpu, d in enumerate(prs):
            rsp = struct.unpack_from("<Q", d, G.PR_REG_OFF + 8 * 19)[0]
            if rsp < 0xffff800000000000:
                continue
            base = rsp & ~(THREAD_SIZE - 1)
            for i, page in enumerate(range(base, base + THREAD_SIZE, 4096)):
                try:
                    pa = core.walk(page)
                except KeyError as e:
                    print("# stack page: %s" % e)
                    continue
                loads.append(G.Load("KSTACK%d_%d" % (cpu, i), 0, page, pa,
                                    core.read_phys(pa, 4096)))
    notes = ([G.note(b"CORE", 1, d) for d in prs] + [G.prpsinfo()] +
             [G.vmcoreinfo(core.vmcoreinfo)])
    hdr = G.header_region(loads, notes, max_phdrs=128)
    G.write_md_dir(outdir, hdr, loads)
    print("synth: %d regions, %d PT_LOADs, %d bytes of memory, header %d "
          "-> %s" % (len(REGIONS), len(loads),
                     sum(l.size for l in loads), len(hdr), outdir))


if __name__ == "__main__":
    main()

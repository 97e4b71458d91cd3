#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""random-instant: pause a storming guest at random instants, capture, check.

Usage: random_instant.py RUNDIR --ram-size N [--pauses N] [--seed S]
                         [--mdfw PATH] [--keep-failed N]

RUNDIR holds what scripts/random-instant.sh set up: console.log (the
guest's serial console), qmp.sock, ram.img and shm.img (the guest RAM and
ivshmem files). The guest runs tests/scenario/run.sh with kmd.freeze=none
kmd.pcpu_storm=1: on every CPU a kthread of kmemdump_scenario registers
and unregisters self-describing kmalloc and multi-page vmalloc buffers,
and keeps its state in the registered region "stormstate" (layout: see
pcs_* in tests/modules/kmemdump_scenario/kmemdump_scenario.c).

The pause schedule comes from random.Random(SEED) (printed as "# seed S";
the guest's own timing under TCG is not reproducible, the schedule is).
At each instant: QMP "stop", "mdfw extract" from the RAM and ivshmem
files into RUNDIR/pause-NNN (BAR 2 from "query-pci", read once), the
checks below, QMP "cont". Directories of pauses that passed are deleted;
a failing one stays if it shows a kind of problem no kept one showed, up
to --keep-failed (8). One line per pause goes to
RUNDIR/pauses.tsv. Prints "ok|not ok scenario.random-instant.CHECK":

  storm-running   the guest started one storm thread per online CPU
  pauses          every stop/extract/cont worked, no WATCHDOG or
                  GUEST_PANICKED event (the guest never froze by itself)
  consistent      every capture: mdfw exit not 2/3/5, and the ELF header
                  region (KELF_HEADER, the first valid entry) describes
                  exactly the other valid entries but the CPU sets
                  (KTASK<c>, KSTACK<c>_<i>: each CPU's current task, at
                  the table's tail, not in the header), in table order: same
                  name, seq, physical address and size per PT_LOAD,
                  p_offset following the concatenation rule, section
                  [4 + i] naming PT_LOAD i ("<name>" or "<name>@<seq>"),
                  a KMEMDUMP generation note
  dump-elf        every capture's dump.elf was written (capture.txt elf=ok)
  cpu-sets        every capture: every CPU has one or two live sets
                  (KTASK<c> valid), each whole (every KSTACK<c>_<i> of its
                  seq captured), its cpu_sets descriptor naming a task
                  (kmdcore.cpu_set_problems())
  storm-bytes     every captured chunk of a storm buffer holds exactly what
                  its owner wrote (magic, CPU, nonce, length, block number,
                  content derived from them) at its place in the buffer
  storm-current   every captured storm buffer is one its owner has
                  registered now (its nonce is in the owner's state slot,
                  under the same ID), or is registering or unregistering
                  at this instant; never a buffer already given back
  storm-whole     every captured storm buffer is whole: all its chunks,
                  seq 0..n-1, adding up to its length
  registered-present  every buffer the state says is registered (and not
                  being unregistered) is in the capture
  inside-update   at least 5% of the pauses landed while a storm thread was
                  inside kmemdump_register()/kmemdump_unregister()
  progress        every CPU's storm made progress during the run
  no-guest-errors no KMD-ERROR, BUG, WARNING, KASAN, lockdep, stall on
                  the guest console

Exit status 1 if any check failed, 2 if the run itself broke.
"""
import argparse
import collections
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '../../scripts'))
from kmdcore import (cpu_set_problems, cpu_sets, generation, is_cpu_set_entry,  # noqa: E402
                     module_regions, pt_loads, sections, split_section_name)
from qmp import Qmp  # noqa: E402

PCS_MAGIC = 0x4d524f5453444d4b      # "KMDSTORM"
PCS_GOLD = 0x9e3779b97f4a7c15
PCS_BLOCK = 4096
PCS_IN_REG, PCS_IN_UNREG = 0x100, 0x200
M64 = (1 << 64) - 1
QMP = None          # the QMP connection, once open
SPLATS = re.compile(r'KMD-ERROR|BUG:|WARNING:|KASAN|possible circular|'
                    r'inconsistent lock|Call Trace|stall|soft lockup|hung task')


def parse_size(s):
    m = re.fullmatch(r'(\d+)([KMG]?)', s)
    return int(m.group(1)) << {'': 0, 'K': 10, 'M': 20, 'G': 30}[m.group(2)]


# ---- what the storm wrote ------------------------------------------------
def storm_bytes(cpu, length, nonce):
    """The whole buffer a storm thread fills (see pcs_fill())."""
    n = (length + 7) // 8
    words = [(nonce ^ (o * PCS_GOLD)) & M64 for o in range(0, 8 * n, 8)]
    b = bytearray(struct.pack('<%dQ' % n, *words)[:length])
    nblocks = (length + PCS_BLOCK - 1) // PCS_BLOCK
    for blk in range(nblocks):
        o = blk * PCS_BLOCK
        h = struct.pack('<QIIQII', PCS_MAGIC, cpu, length, nonce, blk, nblocks)
        b[o:o + 32] = h[:max(0, min(32, length - o))]
    return bytes(b)


def block_header(b):
    """(cpu, len, nonce, block, nblocks) of a chunk that starts with a storm
    block header, else None."""
    if len(b) < 32:
        return None
    magic, cpu, length, nonce, blk, nblocks = struct.unpack_from('<QIIQII', b)
    if magic != PCS_MAGIC:
        return None
    return cpu, length, nonce, blk, nblocks


def parse_state(b):
    """The stormstate region: {cpu: {'inside', 'rounds', 'failures',
    'slots': [{'id', 'len', 'nonce', 'vaddr', 'kind'}]}}, or None."""
    if b is None or len(b) < 24:
        return None
    magic, ncpu, nslots, csize = struct.unpack_from('<QIII', b)
    if magic != PCS_MAGIC or len(b) < 24 + ncpu * csize:
        return None
    st = {}
    for c in range(ncpu):
        o = 24 + c * csize
        inside, rounds, failures = struct.unpack_from('<QQQ', b, o)
        slots = []
        for k in range(nslots):
            sid, slen, nonce, vaddr, kind = struct.unpack_from('<IIQQQ', b, o + 32 + 32 * k)
            slots.append({'id': sid, 'len': slen, 'nonce': nonce, 'vaddr': vaddr, 'kind': kind})
        st[c] = {'inside': inside, 'rounds': rounds, 'failures': failures, 'slots': slots}
    return st


# ---- the ELF header region -----------------------------------------------
def parse_header(hdr):
    """Parse the kernel's ELF core header region (KELF_HEADER v3: section
    [4 + i] names PT_LOAD i, kmdcore.sections()). Returns a dict with
    'loads' [(name, seq, paddr, size, offset)], 'generation' (the KMEMDUMP
    note's), 'problems' [str]."""
    out = {'loads': [], 'generation': None, 'problems': []}
    if len(hdr) < 64 or hdr[:4] != b'\x7fELF':
        out['problems'].append('no ELF identity')
        return out
    phoff, = struct.unpack_from('<Q', hdr, 32)
    phentsize, phnum = struct.unpack_from('<HH', hdr, 54)
    if phentsize != 56 or phoff + 56 * phnum > len(hdr):
        out['problems'].append(f'program headers out of bounds (phnum {phnum})')
        return out
    phs = [struct.unpack_from('<IIQQQQQQ', hdr, phoff + 56 * i) for i in range(phnum)]
    if not phs or phs[0][0] != 4:
        out['problems'].append('PT_NOTE is not the first program header')
    loads = [ph for ph in phs if ph[0] == 1]
    out['generation'] = generation(hdr)
    if out['generation'] is None:
        out['problems'].append('no KMEMDUMP generation note')
    shs, problems = sections(hdr)
    out['problems'] += problems
    if not shs:
        out['problems'].append('no section headers naming the PT_LOADs')
        return out
    if len(shs) != 4 + len(loads):
        out['problems'].append(f'e_shnum {len(shs)} != 4 + {len(loads)} PT_LOADs '
                               f'(e_phnum {phnum})')
    if [sh[0] for sh in shs[1:4]] != [b'STR_TBL', b'minidump_table', b'linux_banner']:
        out['problems'].append(f'sections 1-3 named {[sh[0] for sh in shs[1:4]]}')
    seen = set()
    for i, ph in enumerate(loads):
        sh = shs[4 + i] if 4 + i < len(shs) else None
        ns = split_section_name(sh[0]) if sh else None
        if sh and ns is None:
            out['problems'].append(f'section {4 + i}: bad name {sh[0]!r}')
        elif sh and sh[0] in seen:
            out['problems'].append(f'section {4 + i}: name {sh[0]!r} repeated')
        if sh and sh[2:] != (ph[3], ph[2], ph[5]):
            out['problems'].append(f'section {4 + i} does not describe PT_LOAD {i}')
        if sh:
            seen.add(sh[0])
        if ph[5] != ph[6]:
            out['problems'].append(f'PT_LOAD {i}: filesz != memsz')
        name, seq = ns or (None, None)
        out['loads'].append((name, seq, ph[4], ph[5], ph[2]))
    return out


# ---- one capture ---------------------------------------------------------
def read_manifest(d):
    path = os.path.join(d, 'manifest.tsv')
    if not os.path.exists(path):
        return []
    lines = [ln for ln in open(path).read().splitlines() if ln and not ln.startswith('#')]
    head = lines[0].split('\t')
    return [dict(zip(head, ln.split('\t'))) for ln in lines[1:]]


class Capture:
    """Checks of one pause. Each list holds problem strings; empty = ok."""

    def __init__(self, d, rc, out, known, state_name, console='', ncpus=1):
        self.d, self.rc, self.console = d, rc, console
        self.consistent, self.bytes, self.current, self.whole = [], [], [], []
        self.present, self.elf, self.sets = [], [], []
        self.rewriting = 0      # sets with an odd descriptor seq
        self.storm_regions = self.multi_chunk = self.kmalloc = self.vmalloc = self.verified = 0
        self.max_chunks = 0
        self.inside = {}
        self.state = None
        self.generation = None
        self.mdfw_header = ' '.join(l for l in out.splitlines() if l.startswith('header:'))
        if rc in (2, 3, 5):
            self.consistent.append(f'mdfw extract exit {rc}: ' +
                                   ' | '.join(out.strip().splitlines()[-2:]))
            if rc != 5:
                return
        rows = [r for r in read_manifest(d) if r['status'] == 'ok']
        if not rows:
            self.consistent.append('no valid entries in the manifest')
            return
        cap = dict(l.rstrip('\n').split('=', 1) for l in open(os.path.join(d, 'capture.txt'))
                   if '=' in l) if os.path.exists(os.path.join(d, 'capture.txt')) else {}
        if cap.get('elf') != 'ok':
            self.elf.append(f"capture.txt elf={cap.get('elf')}")
        self.rows = rows
        self.check_header(rows)
        desc = self.region('cpu_sets')
        self.sets = ['sets: ' + p for p in cpu_set_problems([(r['name'], int(r['seq']), int(r['size'], 16))
                                                         for r in rows], desc, ncpus)]
        self.rewriting = sum(s['seq'] & 1 for r in cpu_sets(desc or b'') for s in r['sets'])
        self.state = parse_state(self.region(state_name))
        if self.state is None:
            self.current.append('stormstate region missing or malformed')
            return
        self.inside = {c: s['inside'] for c, s in self.state.items() if s['inside']}
        self.check_storm(rows, known)

    def region(self, name):
        parts = sorted((int(r['seq']), r['file']) for r in self.rows if r['name'] == name)
        if not parts or [p[0] for p in parts] != list(range(len(parts))):
            return None
        return b''.join(open(os.path.join(self.d, f), 'rb').read() for _, f in parts)

    def check_header(self, rows):
        if rows[0]['name'] != 'KELF_HEADER':
            self.consistent.append(f"first valid entry is {rows[0]['name']}, not KELF_HEADER")
        hdr = self.region('KELF_HEADER')
        if hdr is None:
            self.consistent.append('no whole KELF_HEADER region')
            return
        h = parse_header(hdr)
        self.generation = h['generation']
        self.consistent += ['header: ' + p for p in h['problems']]
        if h['problems'] and not h['loads']:
            return
        table = [(r['name'], int(r['seq']), int(r['address'], 16), int(r['size'], 16))
                 for r in rows if r['name'] != 'KELF_HEADER' and not is_cpu_set_entry(r['name'])]
        loads = [ld[:4] for ld in h['loads']]
        if table != loads:
            tset, lset = collections.Counter(table), collections.Counter(loads)
            only_t, only_h = list((tset - lset).elements()), list((lset - tset).elements())
            if not only_t and not only_h:
                self.consistent.append('header lists the valid entries in another order')
            else:
                fmt = lambda e: '%s seq %s %#x+%#x' % e  # noqa: E731
                self.consistent.append(
                    f'{len(only_t)} valid entries not in the header '
                    f"({', '.join(map(fmt, only_t[:4]))}), {len(only_h)} PT_LOADs not "
                    f"valid in the table ({', '.join(map(fmt, only_h[:4]))})")
        off, bad = len(hdr), 0
        for ld in h['loads']:
            if ld[4] != off:
                bad += 1
            off += ld[3]
        if bad:
            self.consistent.append(f'{bad} PT_LOADs break the concatenation rule (p_offset)')

    def check_storm(self, rows, known):
        # What locates the scenario module (its struct module, its section
        # attributes) is no storm buffer.
        hdr = self.region('KELF_HEADER')
        known = known | (module_regions([ld for ld in pt_loads(hdr) if ld['name'] not in known],
                                        self.region, self.console) if hdr else set())
        chunks = collections.defaultdict(dict)   # name -> seq -> (bytes, size)
        for r in rows:
            n = r['name']
            if n in known or re.fullmatch(r'pgt\d+', n) or is_cpu_set_entry(n):
                continue
            chunks[n][int(r['seq'])] = open(os.path.join(self.d, r['file']), 'rb').read()
        seen = set()   # (cpu, nonce) of captured buffers
        for name, parts in sorted(chunks.items()):
            self.storm_regions += 1
            heads = {s: block_header(b) for s, b in parts.items()}
            good = [h for h in heads.values() if h]
            if not good:
                self.bytes.append(f'{name}: not a storm buffer (no block header)')
                continue
            cpu, length, nonce = good[0][:3]
            want = storm_bytes(cpu, length, nonce)
            for s, b in sorted(parts.items()):
                h = heads[s]
                if not h or h[:3] != (cpu, length, nonce):
                    self.bytes.append(f'{name}.{s}: block header {h} not of buffer '
                                      f'cpu {cpu} nonce {nonce:#x}')
                    continue
                o = h[3] * PCS_BLOCK
                if want[o:o + len(b)] != b:
                    self.bytes.append(f'{name}.{s}: {len(b)} bytes at buffer offset {o} differ '
                                      'from what the owner wrote')
            seqs = sorted(parts)
            total = sum(len(b) for b in parts.values())
            if seqs != list(range(len(seqs))) or total != length:
                self.whole.append(f'{name}: chunks {seqs}, {total} of {length} bytes')
            elif b''.join(parts[s] for s in seqs) != want:
                self.bytes.append(f'{name}: chunks out of order')
            self.max_chunks = max(self.max_chunks, len(parts))
            self.multi_chunk += len(parts) > 1
            # Whose is it?
            st = self.state.get(cpu)
            slot = None
            if st:
                slot = next((k for k, s in enumerate(st['slots']) if s['nonce'] == nonce), None)
            if slot is None:
                self.current.append(f'{name}: cpu {cpu} nonce {nonce:#x} is not registered by '
                                    'its owner (a stale buffer)')
                continue
            seen.add((cpu, nonce))
            s = st['slots'][slot]
            self.kmalloc += s['kind'] == 1
            self.vmalloc += s['kind'] == 2
            nbad = len(self.bytes) + len(self.current)
            if s['id']:
                # kmemdump_register() names it after the function: pcs_thread.
                if name != f"pcs_thread_{s['id']}":
                    self.current.append(f"{name}: the owner registered it as "
                                        f"pcs_thread_{s['id']}")
            elif st['inside'] != PCS_IN_REG | slot:
                self.current.append(f'{name}: slot {slot} of cpu {cpu} has no ID and no '
                                    f"registration is in progress (inside {st['inside']:#x})")
            if s['len'] != length:
                self.current.append(f"{name}: length {length}, the owner says {s['len']}")
            self.verified += nbad == len(self.bytes) + len(self.current)
        for cpu, st in self.state.items():
            for k, s in enumerate(st['slots']):
                if s['nonce'] and s['id'] and st['inside'] != PCS_IN_UNREG | k \
                        and (cpu, s['nonce']) not in seen:
                    self.present.append(f"cpu {cpu} slot {k}: pcs_thread_{s['id']} "
                                        f"({s['len']} bytes) registered but not captured")

    def problems(self):
        return (self.consistent + self.elf + self.sets + self.bytes + self.current + self.whole
                + self.present)


def kind(problem):
    """A short class of a problem string, for the summary."""
    for key, k in (('not in the header', 'torn: entries differ'),
                   ('another order', 'order differs'),
                   ('concatenation', 'concatenation offsets'),
                   ('header:', 'header malformed'), ('mdfw extract exit', 'mdfw exit'),
                   ('sets: ', 'cpu sets'),
                   ('elf=', 'dump.elf'), ('differ from', 'bytes'),
                   ('stale', 'stale buffer'), ('chunks', 'partial buffer'),
                   ('not captured', 'registered buffer missing')):
        if key in problem:
            return k
    return 'other'


def pci_bar2(q):
    """Guest-physical BAR 2 of the ivshmem device (1af4:1110)."""
    def walk(devs):
        for d in devs:
            if d['id']['vendor'] == 0x1af4 and d['id']['device'] == 0x1110:
                for r in d.get('regions', []):
                    if r['bar'] == 2 and r['address'] not in (0, -1, 0xffffffffffffffff):
                        yield r['address']
            yield from walk(d.get('pci_bridge', {}).get('devices', []))
    for bus in q.cmd('query-pci'):
        for a in walk(bus['devices']):
            return a
    return None


def driver_args(description, pauses, seed, min_gap, max_gap):
    """The arguments of a random-instant driver (this one, pingpong.py)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument('rundir')
    ap.add_argument('--ram-size', required=True)
    ap.add_argument('--pauses', type=int, default=pauses)
    ap.add_argument('--seed', type=int, default=seed)
    ap.add_argument('--min-gap', type=float, default=min_gap)
    ap.add_argument('--max-gap', type=float, default=max_gap)
    ap.add_argument('--mdfw', default=os.path.join(HERE, '../../tools/mdfw/build/mdfw'))
    ap.add_argument('--keep-failed', type=int, default=8)
    ap.add_argument('--boot-timeout', type=float, default=300)
    return ap


class Checks:
    """check(NAME, COND, DETAIL) prints 'ok|not ok PREFIX.NAME  # DETAIL';
    .failed once one was not ok."""

    def __init__(self, prefix):
        self.prefix, self.failed = prefix, False

    def __call__(self, name, cond, detail=''):
        print(f"{'ok' if cond else 'not ok'} {self.prefix}.{name}" +
              (f'  # {detail}' if detail else ''), flush=True)
        self.failed |= not cond


def read_text(path):
    """A guest console so far ('' before QEMU created it)."""
    try:
        return open(path, 'rb').read().decode('utf-8', 'replace')
    except OSError:
        return ''


def wait_console(path, marker, timeout):
    """The console at PATH once MARKER is on it; None after TIMEOUT s or
    once the guest reports a KMD-ERROR."""
    t0 = time.monotonic()
    while marker not in read_text(path):
        if time.monotonic() > t0 + timeout or 'KMD-ERROR' in read_text(path):
            return None
        time.sleep(0.2)
    return read_text(path)


def main():
    a = driver_args(__doc__.split('\n')[0], 100, 20261126, 0.02, 0.35).parse_args()
    run = a.rundir
    console_path = os.path.join(run, 'console.log')
    check = Checks('scenario.random-instant')

    print(f'# seed {a.seed}', flush=True)
    rng = random.Random(a.seed)
    t0 = time.monotonic()
    con = wait_console(console_path, 'KMD-STORM-RUNNING', a.boot_timeout)
    if con is None:
        check('storm-running', False, f'no KMD-STORM-RUNNING on {console_path} '
              f'after {time.monotonic() - t0:.0f} s')
        return 2
    m = re.search(r'pcpu storm: (\d+) threads on (\d+) online CPUs', con)
    st_name = re.search(r'kmemdump_scenario: region (\S+) \d+ stormstate', con)
    check('storm-running', bool(m and st_name and m.group(1) == m.group(2)),
          m.group(0) if m else 'no "pcpu storm" line')
    if not (m and st_name):
        return 2
    ncpus = int(m.group(2))
    print(f'# booted and storming after {time.monotonic() - t0:.1f} s: {m.group(0)}', flush=True)
    known = ({'KELF_HEADER', 'cpu_sets'} |
             set(re.findall(r'KMD-REGION-BEFORE: \d+ (\S+) ', con)) |
             set(re.findall(r'kmemdump_scenario: region (\S+) ', con)))

    global QMP
    q = QMP = Qmp(os.path.join(run, 'qmp.sock'), 30)
    bar2 = pci_bar2(q)
    if bar2 is None:
        check('pauses', False, 'no ivshmem BAR 2 in query-pci')
        return 2
    print(f'# ivshmem BAR 2 at {bar2:#x} (query-pci)', flush=True)
    ram_size = a.ram_size
    tsv = open(os.path.join(run, 'pauses.tsv'), 'w')
    tsv.write('pause\tgap_s\tmdfw_exit\tgeneration\tinside\tstorm_regions\tproblems\n')
    caps, broken, kept, kept_kinds = [], [], 0, set()
    rcs = collections.Counter()
    t_run = time.monotonic()
    for i in range(a.pauses):
        gap = rng.uniform(a.min_gap, a.max_gap)
        time.sleep(gap)
        d = os.path.join(run, f'pause-{i:03d}')
        try:
            q.cmd('stop')
            res = subprocess.run([a.mdfw, 'extract', '--ram', os.path.join(run, 'ram.img'),
                                  '--ram-size', ram_size, '--shm', os.path.join(run, 'shm.img'),
                                  '--bar2', hex(bar2), '--out', d],
                                 capture_output=True, text=True, timeout=120)
            rcs[res.returncode] += 1
            c = Capture(d, res.returncode, res.stdout + res.stderr, known, st_name.group(1), con,
                        ncpus)
            q.cmd('cont')
        except Exception as e:  # noqa: BLE001
            broken.append(f'pause {i}: {type(e).__name__}: {e}')
            break
        caps.append(c)
        probs = c.problems()
        tsv.write(f'{i}\t{gap:.3f}\t{res.returncode}\t{c.generation}\t'
                  f"{','.join(f'{k}:{v:#x}' for k, v in c.inside.items()) or '-'}\t"
                  f"{c.storm_regions}\t{' | '.join(probs) or 'ok'}\n")
        kinds = {kind(p) for p in probs}
        if kinds - kept_kinds and kept < a.keep_failed:
            kept += 1
            kept_kinds |= kinds
            with open(os.path.join(d, 'mdfw.log'), 'w') as f:
                f.write(res.stdout + res.stderr + f'exit {res.returncode}\n')
        else:
            shutil.rmtree(d, ignore_errors=True)
    t_pauses = time.monotonic() - t_run
    tsv.close()
    evs = [e['event'] for e in q.events if e['event'] in ('WATCHDOG', 'GUEST_PANICKED')]
    quit_qemu(run)

    n = len(caps)

    def summary(attr, what):
        bad = [(i, getattr(c, attr)) for i, c in enumerate(caps) if getattr(c, attr)]
        detail = f'{n - len(bad)} of {n} pauses {what}'
        if bad:
            detail += '; first: ' + '; '.join(f'pause {i}: {p[0]}' for i, p in bad[:3])
        return not bad and n > 0, detail

    check('pauses', n == a.pauses and not broken and not evs,
          f'{n} of {a.pauses} pauses captured in {t_pauses:.1f} s, mdfw exit codes '
          f'{dict(sorted(rcs.items()))}' + (f'; {broken[0]}' if broken else '') +
          (f'; guest froze by itself: {evs}' if evs else ''))
    ok, detail = summary('consistent', 'consistent (header = table)')
    kinds = collections.Counter(kind(p) for c in caps for p in c.consistent)
    if kinds:
        detail += '; problems by kind: ' + ', '.join(f'{k} {v}' for k, v in kinds.items())
    gens = [(i, c.generation) for i, c in enumerate(caps) if c.generation is not None]
    back = [(i, g, h) for (_, h), (i, g) in zip(gens, gens[1:]) if g < h]
    if back:
        ok = False
        detail += '; generation went back: ' + ', '.join(f'pause {i}: {g} < {h}'
                                                          for i, g, h in back[:3])
    check('consistent', ok, detail)
    ok, detail = summary('elf', 'with dump.elf')
    check('dump-elf', ok, detail)
    ok, detail = summary('sets', 'with one or two whole live sets per CPU')
    check('cpu-sets', ok, detail + '; %d pauses caught a set being rewritten' %
          sum(1 for c in caps if c.rewriting))
    ok, detail = summary('bytes', 'with every storm chunk as its owner wrote it')
    check('storm-bytes', ok, detail)
    ok, detail = summary('current', "with only the owners' current buffers")
    check('storm-current', ok, detail)
    ok, detail = summary('whole', 'with every storm buffer whole')
    check('storm-whole', ok, detail)
    ok, detail = summary('present', 'with every registered buffer captured')
    check('registered-present', ok, detail)
    inside = sum(1 for c in caps if c.inside)
    per_op = collections.Counter()
    for c in caps:
        for v in c.inside.values():
            per_op['register' if v & PCS_IN_REG else 'unregister'] += 1
    check('inside-update', n > 0 and inside * 20 >= n,
          f'{inside} of {n} pauses inside a kmemdump call ({dict(per_op)})')
    st = [c.state for c in caps if c.state]
    if len(st) >= 2:
        first, last = st[0], st[-1]
        prog = {cpu: last[cpu]['rounds'] - first[cpu]['rounds'] for cpu in last}
        fails = {cpu: last[cpu]['failures'] for cpu in last}
        check('progress', len(prog) == ncpus and all(v > 0 for v in prog.values()),
              f'registrations per CPU between the first and last pause: {prog}; '
              f'refused: {fails}')
    else:
        check('progress', False, 'fewer than two captures with a storm state')
    splats = [ln.strip() for ln in read_text(console_path).splitlines() if SPLATS.search(ln)]
    check('no-guest-errors', not splats, splats[0][:160] if splats else '')

    regions = sum(c.storm_regions for c in caps)
    good = sum(1 for c in caps if not c.consistent)
    print(f'# storm regions: {regions} captured, {sum(c.multi_chunk for c in caps)} of them in '
          f'several chunks (up to {max((c.max_chunks for c in caps), default=0)}), '
          f'{sum(c.kmalloc for c in caps)} kmalloc, {sum(c.vmalloc for c in caps)} vmalloc')
    gens = [c.generation for c in caps if c.generation is not None]
    if gens:
        print(f'# header generation: {min(gens)}..{max(gens)}')
    hdrs = [c.mdfw_header for c in caps if c.mdfw_header]
    if hdrs:
        print(f'# mdfw: {hdrs[-1]}')
    verified = sum(c.verified for c in caps)
    print(f'# random-instant: {n} pauses, {good} consistent, {inside} inside an update, '
          f'{verified} storm regions verified')
    print(f'# per pause: {os.path.join(run, "pauses.tsv")}; kept {kept} failing capture(s)')
    return 1 if check.failed else 0


def quit_qemu(rundir):
    """Make sure QEMU goes away, whatever happened to the run."""
    global QMP
    try:
        if QMP is None:     # QEMU serves one client: only if we have none
            QMP = Qmp(os.path.join(rundir, 'qmp.sock'), 2)
        QMP.s.settimeout(10)
        QMP.cmd('quit')
    except (OSError, EOFError, RuntimeError, ValueError):
        pass


if __name__ == '__main__':
    try:
        rc = main()
    finally:
        if len(sys.argv) > 1:
            quit_qemu(sys.argv[1])
    sys.exit(rc)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a captured minidump against what the guest said it registered.

Usage: verify.py RUNDIR MODE
RUNDIR holds console.log (the guest's serial console) and dump/ (what
tools/mdfw wrote). Prints one "ok|not ok scenario.MODE.CHECK" line per
check; exit status 1 if any failed."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../scripts'))
from kmdcore import blob_name, cpu_set_problems, is_cpu_set_entry, module_regions, pt_loads  # noqa: E402

rundir, mode = sys.argv[1], sys.argv[2]
dump = os.path.join(rundir, 'dump')
console = open(os.path.join(rundir, 'console.log'), 'rb').read().decode('utf-8', 'replace')
failed = 0


def check(name, cond, why=''):
    global failed
    print(f"{'ok' if cond else 'not ok'} scenario.{mode}.{name}" + ('' if cond else f'  # {why}'))
    failed |= not cond


def manifest():
    rows = []
    path = os.path.join(dump, 'manifest.tsv')
    if not os.path.exists(path):
        return rows
    lines = [l for l in open(path).read().splitlines() if l and not l.startswith('#')]
    head = lines[0].split('\t')
    for l in lines[1:]:
        rows.append(dict(zip(head, l.split('\t'))))
    return rows


def region_bytes(name):
    """A region's bytes: its entries concatenated in seq order."""
    parts = sorted((int(r['seq']), r['file']) for r in rows
                   if r['name'] == name and r['status'] == 'ok')
    if not parts or [p[0] for p in parts] != list(range(len(parts))):
        return None
    return b''.join(open(os.path.join(dump, f), 'rb').read() for _, f in parts)


def pattern(n):
    return bytes((i * 131 + (i >> 12) * 17 + 7) & 0xff for i in range(n))


rows = manifest()
check('manifest', len(rows) > 0, 'no manifest.tsv or empty')
cap = {}
if os.path.exists(os.path.join(dump, 'capture.txt')):
    for l in open(os.path.join(dump, 'capture.txt')):
        if '=' in l:
            k, v = l.rstrip('\n').split('=', 1)
            cap[k] = v
want = {'panic': 'GUEST_PANICKED', 'lockup': 'WATCHDOG', 'rqlock': 'GUEST_PANICKED',
        'warn': 'GUEST_PANICKED'}[mode]
check('trigger', cap.get('trigger') == want, f"trigger {cap.get('trigger')}, want {want}")
# run.sh echoes KMD-LAST-WORDS to the tty, then writes the marker through
# /dev/kmsg: the kernel's line can land inside the echo on the serial
# console, so either one, whole, says the guest got there.
check('last-words', 'KMD-LAST-WORDS: freezing by ' + mode in console or
      'kmemdump-marker: last words before freeze (' + mode + ')' in console,
      'guest never got to the freeze')
check('no-guest-errors', 'KMD-ERROR' not in console, 'guest reported KMD-ERROR')
if mode == 'warn':
    # panic_on_warn: the panic came from kmemdump's own WARN; the dump is
    # whole only if that WARN was given after kmemdump's lock was dropped.
    text = region_bytes('printk_text') or b''
    pw = re.search(r'Kernel panic - not syncing.*?\n(?:.*\n)*?.*?CPU: (\d+) UID: ', console)
    check('warn-in-dump', b'is going away with region' in text and pw is not None and
          region_bytes(f'KTASK{pw.group(1)}') is not None,
          'the leak warning or the panicking task is not in the dump')

m = re.search(r'KMD-VERSION: (.*?)\r?\n', console)
banner = region_bytes('banner')
check('banner', m is not None and banner == (m.group(1) + '\n').encode() + b'\0',
      f'captured {banner!r:.80}')

regs = re.findall(r'kmemdump_scenario: region (\S+) (\d+) (\S+) phys (0x[0-9a-f]+)', console)
byname = {}
for name, size, what, phys in regs:
    byname.setdefault(what, []).append((name, int(size), int(phys, 16)))
marker = re.search(r'kmd\.marker=(\S+)', console)
mk = byname.get('marker', [])
check('marker', len(mk) == 1 and marker is not None and
      region_bytes(mk[0][0]) == marker.group(1).encode() + b'\0', f'marker regions {mk}')
# Names say what a region holds (issue 21): the module's own, the kernel's
# (Qualcomm's where it has one), never a bare dynamic ID.
names = {r['name'] for r in rows if r['status'] == 'ok'}
bad = sorted(n for n in names if re.fullmatch(r'dyn\d+', n) or
             not re.fullmatch(r'[A-Za-z0-9_]{3,15}', n))
check('names', not bad and mk and mk[0][0] == 'marker' and
      os.path.exists(os.path.join(dump, 'md_marker.BIN')) and
      {'KELF_HEADER', 'KSPERCPU0', 'KISTACK0', 'jiffies_64', 'panic_cpu'} <= names,
      f'bad names {bad[:5]}, marker {mk}, missing '
      f"{sorted({'KELF_HEADER', 'KSPERCPU0', 'KISTACK0', 'jiffies_64', 'panic_cpu'} - names)}")
vm = byname.get('vmalloc', [])
vb = region_bytes(vm[0][0]) if vm else None
check('vmalloc-byte-exact', len(vm) == 1 and vm[0][1] >= 3 * 4096 and vb == pattern(vm[0][1]),
      f'{vm} -> {len(vb) if vb else None} bytes')
if vm:
    n = len([r for r in rows if r['name'] == vm[0][0]])
    print(f'# vmalloc region {vm[0][0]}: {vm[0][1]} bytes in {n} table entries')
allbytes = b''.join(open(os.path.join(dump, r['file']), 'rb').read() for r in rows
                    if r['status'] == 'ok')
check('unregistered-absent', b'KMEMDUMP-GONE-REGION' not in allbytes,
      'a region freed before the freeze was dumped')

ex = byname.get('extra', [])
refused = re.findall(r'kmemdump_scenario: not registered extra', console)
if ex or refused:
    # Each extra region holds "extra-NNN" padded with NULs to its size.
    seen, wrong = set(), []
    for n, size, _ in ex:
        b = region_bytes(n)
        k = b[6:9] if b else b''
        if (b is None or len(b) != size or not k.isdigit() or
                b != b'extra-' + k + bytes(size - 9) or k in seen):
            wrong.append(n)
        seen.add(k)
    check('extra-regions', not wrong, f'{len(wrong)} registered regions missing or wrong: {wrong[:5]}')
    print(f'# extra regions: {len(ex)} registered and captured byte-exact, '
          f'{len(refused)} refused by the kernel (table full)')
# Any other captured region must be a storm buffer, whole and consistent:
# a half-written or stale entry marked valid would show up here.
known = ({r[0] for r in regs} | {'cpu_sets', 'panic_pid'} |
         {f'panic_pid_node{i}' for i in range(4)} |
         set(re.findall(r'KMD-REGION-BEFORE: \d+ (\S+) ', console)))
# Page-table pages (pgt<N>) come and go with the regions they translate;
# what locates the scenario module comes with its insmod.
hdr = region_bytes('KELF_HEADER')
known |= (module_regions([ld for ld in pt_loads(hdr) if ld['name'] not in known],
                         region_bytes, console) if hdr else set())
# The CPU sets (KTASK<c>, KSTACK<c>_<i>) are each CPU's current task.
storm = [r for r in rows if r['status'] == 'ok' and r['name'] not in known
         and not re.fullmatch(r'pgt\d+', r['name']) and not is_cpu_set_entry(r['name'])]
if 'kmd.storm=0' not in console and re.search(r'kmd\.storm=\d+', console):
    torn = []
    for r in storm:
        b = open(os.path.join(dump, r['file']), 'rb').read()
        m2 = re.match(rb'storm-\d+-', b)
        if not m2 or len(b) != 256 or b != (m2.group(0) * 256)[:256]:
            torn.append(r['name'])
    check('storm-entries-whole', not torn, f'{len(torn)} entries not a whole storm buffer: {torn[:5]}')
    print(f'# storm: {len(storm)} storm buffers caught mid-flight, all whole' if not torn else
          f'# storm: {len(torn)} of {len(storm)} torn')
# Each CPU's current task and stack (the CPU sets at the table's tail),
# as the firmware found them: one or two live sets per followed CPU, each
# whole. At panic every CPU's current task became regions of the sets'
# names (seq 0, in the header): the sets kept at most set 1, the
# panicking CPU none.
ncpus = re.search(r'smp: Brought up \d+ nodes?, (\d+) CPUs?', console)
ncpus = int(ncpus.group(1)) if ncpus else 1
fm = re.search(r'(?:kmemdump_ivshmem|qcom_minidump_smem)\.follow_cpus=(\d+)', console)
followed = min(ncpus, int(fm.group(1))) if fm else ncpus
fewer = re.search(r'CPUs (\d+) and up: current task not followed', console)
followed = min(followed, int(fewer.group(1))) if fewer else followed
withdrawn = set()
pm = re.search(r'Kernel panic - not syncing.*?\n(?:.*\n)*?.*?CPU: (\d+) UID: ', console)
# The panic path does that under kmemdump's lock. A CPU stopped while
# holding that lock (the storm's) makes it give up ("registry busy", in
# the log the dump holds, maybe not on the console): then the sets still
# describe every CPU's task and stay.
hdr_names = {(ld['name'], ld['seq']) for ld in (pt_loads(hdr) if hdr else [])}
panic_regs = pm is not None and any(r['name'] == f'KTASK{pm.group(1)}' and r['seq'] == '0' and
                                    r['status'] == 'ok' and (r['name'], 0) in hdr_names
                                    for r in rows)
busy = 'panic: registry busy' in console or \
    b'panic: registry busy' in (region_bytes('printk_text') or b'')
setp = []
if want == 'GUEST_PANICKED' and pm and int(pm.group(1)) < followed:
    if panic_regs:
        withdrawn.add(int(pm.group(1)))
    elif not busy:
        setp.append(f'no KTASK{pm.group(1)} region, and the kernel did not say the registry '
                    'was busy')
setp += cpu_set_problems([(r['name'], int(r['seq']), int(r['size'], 16)) for r in rows
                          if r['status'] == 'ok' and is_cpu_set_entry(r['name']) and
                          (r['name'], int(r['seq'])) not in hdr_names],
                         region_bytes('cpu_sets'), ncpus, followed, withdrawn, panic_regs)
live = sorted(f"{r['name']}.{r['seq']}" for r in rows
              if r['status'] == 'ok' and r['name'].startswith('KTASK') and
              (r['name'], int(r['seq'])) not in hdr_names)
check('cpu-sets', not setp and (pm is not None or want != 'GUEST_PANICKED'),
      '; '.join(setp[:4]) or 'no "CPU: N" line after the panic message')
print(f'# cpu sets: {followed} of {ncpus} CPUs followed, live: {" ".join(live) or "none"}'
      + (f', CPU {min(withdrawn)} panicked (its sets withdrawn)' if withdrawn else '')
      + (', registry busy at panic: the sets stand in for the KTASK regions'
         if busy and not panic_regs else '')
      + (', the other CPUs were stopped by NMI' if 'Shutting down cpus with NMI' in console
         else ''))
# What Qualcomm's parser's run-queue report reads in minidump mode
# (docs/design/qcom-parser-contract.md section 8): after a panic, for
# every CPU the guest brought up, header sections KSTACK<c>_0..3, seq 0,
# and their md files of 4 KiB, which it appends to build its core. A
# lockup's header has none (no kernel code runs at the bite): there the
# parser reads mdfw's dump.elf (as ap_minidump.elf), whose sections name
# each CPU's running set by its stack pointer, KSTACK<c>_1..3 as aliases
# of the pages of a one-chunk stack.
elf_path = os.path.join(dump, 'dump.elf')
if want != 'GUEST_PANICKED' and os.path.exists(elf_path):
    from kmdcore import section_map  # noqa: E402
    with open(elf_path, 'rb') as f:
        secs = section_map(f.read(1 << 20))
    kmiss = []
    for c in range(ncpus):
        if ('KTASK%d' % c, 0) not in secs:
            kmiss.append(f'KTASK{c}: no dump.elf section')
        base = secs.get((f'KSTACK{c}_0', 0), (None, 0))[0]
        for i in range(4):
            x = secs.get((f'KSTACK{c}_{i}', 0))
            if x is None or base is None or x[0] != base + 4096 * i or x[1] < 4096:
                kmiss.append(f'KSTACK{c}_{i}: {"no dump.elf section" if x is None else "at %#x +%#x, not page %d of %s" % (x[0], x[1], i, base and hex(base))}')
    check('qcom-kstack', not kmiss, '; '.join(kmiss[:4]))
elif want == 'GUEST_PANICKED' and not busy:
    ok_rows = {(r['name'], int(r['seq'])): r for r in rows if r['status'] == 'ok'}
    kmiss = []
    for c in range(ncpus):
        for i in range(4):
            n = f'KSTACK{c}_{i}'
            r = ok_rows.get((n, 0))
            if (n, 0) not in hdr_names:
                kmiss.append(f'{n}: no header section')
            elif r is None or os.path.getsize(os.path.join(dump, r['file'])) != 4096:
                kmiss.append(f'{n}: md file missing or not 4096 bytes')
    check('qcom-kstack', not kmiss, '; '.join(kmiss[:4]))
# Qualcomm users build a core by concatenating the blobs in table order:
# the ELF header region's offsets must make that a valid core.
if any(r['name'] == 'KELF_HEADER' for r in rows):
    import subprocess
    cat = os.path.join(rundir, 'concatenated.elf')
    with open(cat, 'wb') as f:
        for r in rows:
            if r['status'] == 'ok':
                f.write(open(os.path.join(dump, r['file']), 'rb').read())
    mdfw = os.path.join(os.path.dirname(__file__), '../../tools/mdfw/build/mdfw')
    res = subprocess.run([mdfw, 'info', '--check', cat], capture_output=True, text=True)
    # And each PT_LOAD's bytes there are its own region's, by name.
    core = open(cat, 'rb').read()
    loads = pt_loads(core)
    wrong = []
    for ld in loads:
        path = os.path.join(dump, blob_name(ld['name'], ld['seq'])) if ld['name'] else ''
        if not os.path.exists(path) or \
                core[ld['offset']:ld['offset'] + ld['size']] != open(path, 'rb').read():
            wrong.append(f"{ld['name']}.{ld['seq']}")
    check('concatenated-core', res.returncode == 0 and rows[0]['name'] == 'KELF_HEADER'
          and loads and not wrong,
          f'{wrong[:5]} ' + ' '.join((res.stdout + res.stderr).strip().splitlines()[-1:]))
    os.unlink(cat)
# The arm64 SMEM board's captures (a "# smem:" manifest comment) also
# carry Qualcomm's collector files, for ramparse.py -a (qcom_collector.py).
man = os.path.join(dump, 'manifest.tsv')
if os.path.exists(man) and any(l.startswith('# smem:') for l in open(man)):
    from qcom_collector import check_collector  # noqa: E402
    check_collector(dump, check)
high = [r for r in rows if r['status'] == 'ok' and int(r['address'], 16) >= 1 << 32]
print(f'# {len(rows)} table entries, {len(high)} above 4 GiB')
if os.environ.get('KMD_EXPECT_HIGH'):
    check('above-4g', len(high) > 0 and vb == pattern(vm[0][1]) if vm else False,
          'no region above 4 GiB captured')
sys.exit(1 if failed else 0)

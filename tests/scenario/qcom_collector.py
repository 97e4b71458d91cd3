# SPDX-License-Identifier: GPL-2.0
"""The Qualcomm collector's files of an arm64 (SMEM board) capture, what
`ramparse.py --minidump -a DUMPDIR` needs besides the md files
(docs/design/qcom-parser-contract.md sections 3 and 4):

  shrdimem        MD_SHRDIMEM.BIN is there, a regular file of 4096 bytes;
  dump-info       dump_info.txt lists it as the parser reads it (words =
                  line.split(), words[-1] the name, int(words[1], 16) the
                  base = the shared IMEM of the board's device tree,
                  int(words[2]) = the file's size), and `mdfw info --check
                  DUMPDIR` accepts the directory;
  kaslr-record    the kernel's record at +0x6d0: le32 0xdead4ead, then the
                  le64 offset, equal to KERNELOFFSET of the dump's
                  VMCOREINFO (written by the kernel elsewhere: the
                  KELF_HEADER region's note);
  ap-minidump     ap_minidump.elf, the core the parser reads before it
                  builds its own, is dump.elf: a regular file, the same
                  inode.

The base is read from tests/board/arm64/smem.dtsi (where the kernel finds
it), not from what mdfw wrote. Called by verify.py for SMEM board dumps."""
import os
import re
import struct
import subprocess
import sys

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../..')
sys.path.insert(0, os.path.join(TOP, 'scripts'))
from kmdcore import vmcoreinfo  # noqa: E402

KASLR_OFF = 0x6d0
KASLR_MAGIC = 0xdead4ead
IMEM_SIZE = 4096


def board_imem_base():
    """The "qcom,msm-imem" node's address in the board's device tree."""
    dtsi = open(os.path.join(TOP, 'tests/board/arm64/smem.dtsi')).read()
    m = re.search(r'imem@([0-9a-f]+)\s*\{\s*compatible\s*=\s*"qcom,msm-imem";', dtsi)
    return int(m.group(1), 16) if m else None


def vmcoreinfo_kerneloffset(dump):
    """KERNELOFFSET from the VMCOREINFO note in md_KELF_HEADER.BIN."""
    path = os.path.join(dump, 'md_KELF_HEADER.BIN')
    if not os.path.isfile(path):
        return None
    with open(path, 'rb') as f:
        koff = vmcoreinfo(f.read(64 << 20)).get('KERNELOFFSET')
    try:
        return int(koff, 16)
    except (TypeError, ValueError):
        return None


def check_collector(dump, check):
    """check(name, cond, why) once per check above."""
    imem = os.path.join(dump, 'MD_SHRDIMEM.BIN')
    data = b''
    if os.path.isfile(imem) and not os.path.islink(imem):
        with open(imem, 'rb') as f:
            data = f.read(IMEM_SIZE + 1)
    check('shrdimem', len(data) == IMEM_SIZE,
          f'MD_SHRDIMEM.BIN missing or {len(data)} bytes, want {IMEM_SIZE} '
          '(mdfw capture without --shared-imem?)')

    base = board_imem_base()
    listed = []
    info = os.path.join(dump, 'dump_info.txt')
    if os.path.isfile(info):
        for line in open(info, errors='replace'):
            words = line.split()
            if words and words[-1] == 'MD_SHRDIMEM.BIN':
                listed.append(words)
    ok = (base is not None and len(listed) == 1 and len(listed[0]) == 4 and
          int(listed[0][1], 16) == base and int(listed[0][2]) == len(data))
    mdfw = os.environ.get('MDFW') or os.path.join(TOP, 'tools/mdfw/build/mdfw')
    res = subprocess.run([mdfw, 'info', '--check', dump], capture_output=True,
                         text=True)
    check('dump-info', ok and res.returncode == 0 and 'dump_info check: ok' in res.stdout,
          f'dump_info.txt lines {listed}, board IMEM at '
          f'{hex(base) if base is not None else None}; mdfw info --check: rc '
          f'{res.returncode} ' + ' '.join(l for l in res.stdout.splitlines()
                                          if l.startswith('problem:'))[:300])

    koff = vmcoreinfo_kerneloffset(dump)
    if len(data) >= KASLR_OFF + 12:
        magic, lo, hi = struct.unpack_from('<III', data, KASLR_OFF)
        off = hi << 32 | lo
    else:
        magic = off = None
    if magic is not None and magic != KASLR_MAGIC:
        why = (f'no KASLR record at +0x6d0 (magic {magic:#010x}, want '
               f'{KASLR_MAGIC:#x}): the kernel did not write it (its '
               '"qcom,msm-imem-kaslr_offset" initcall is missing or failed)')
    else:
        why = (f'record offset {off if off is None else hex(off)}, VMCOREINFO '
               f'KERNELOFFSET {koff if koff is None else hex(koff)}')
    check('kaslr-record', magic == KASLR_MAGIC and koff is not None and off == koff, why)
    if magic == KASLR_MAGIC:
        print(f'# KASLR record: offset {off:#x} (VMCOREINFO KERNELOFFSET '
              f'{koff if koff is None else hex(koff)})')

    try:
        elf, ap = (os.lstat(os.path.join(dump, n)) for n in ('dump.elf', 'ap_minidump.elf'))
        same = os.path.isfile(os.path.join(dump, 'ap_minidump.elf')) and \
            (ap.st_dev, ap.st_ino) == (elf.st_dev, elf.st_ino)
        why = '' if same else 'ap_minidump.elf is another file than dump.elf'
    except OSError as e:
        same, why = False, f'{e.filename}: {e.strerror}'
    check('ap-minidump', same, why)

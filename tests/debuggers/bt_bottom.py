#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge every CPU's stack in an x86 dump, as the ping-pong test does.

Usage: bt_bottom.py DUMP VMLINUX [MODELF]

DUMP is a dump.elf; MODELF the scenario module linked at its load
addresses (gdbbt.sh module_elf), if any. One gdb unwinds every CPU with
the unwinders of tests/scenario/gdb_stacks.py (the entry stubs that build
a pt_regs, __switch_to_asm): gdb has no CFI for the kernel's entry
assembly, and a CPU the panic's NMI stopped inside it is a state of the
machine, not a hole in the dump. tests/scenario/stacks.py's cpu_stack()
then checks each CPU: its stack pointer in a stack the dump holds, every
frame's too, and the unwind at the bottom of that stack. A CPU in user
space or in an entry's first instructions (stack pointer still the
user's or the trampoline's) has no kernel stack yet; one inside
error_entry has its stack checked, not its backtrace.

Prints one line per CPU, "cpu N: ok|not ok KIND WHERE: FRAMES[; PROBLEMS]".
Exit status: 0 if every CPU is ok, 1 if one is not, 2 if gdb could not be
run on the dump."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '../../scripts'))
sys.path.insert(0, os.path.join(HERE, '../scenario'))
from kmdcore import file_vmcoreinfo  # noqa: E402
from stacks import Gdb, GdbError, dump_cpus  # noqa: E402


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ('-h', '--help'):
        print(__doc__.strip())
        return 0
    if len(sys.argv) not in (3, 4):
        print('usage: bt_bottom.py DUMP VMLINUX [MODELF] (--help)', file=sys.stderr)
        return 2
    dump, vmlinux = sys.argv[1:3]
    modelf = sys.argv[3] if len(sys.argv) == 4 and os.path.exists(sys.argv[3]) else None
    koff = int(file_vmcoreinfo(dump).get('KERNELOFFSET', '0'), 16)
    tmp = tempfile.mkdtemp(prefix='kmd-bt-')
    try:
        g = Gdb(vmlinux, koff, tmp, modelf)
        _, _, cpus = dump_cpus(dump, g)
        g.close()
    except (GdbError, OSError, subprocess.CalledProcessError) as e:
        print(f'gdb: {e}')
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    bad = 0
    for c in cpus:
        # A CPU entering the kernel (user, entry, error_entry) has no
        # bottom frame; inside error_entry its stack was checked.
        ok = not c['problems'] and (c['bottom'] is not None or c['kind'] in ('user', 'entry') or
                                    'error_entry' in c['where'])
        bad += not ok
        print(f"cpu {c['cpu']}: {'ok' if ok else 'not ok'} {c['kind']} {c['where']}: " +
              ' <- '.join(c['frames'][:24]) + ''.join(f'; {p}' for _, p in c['problems']))
    return 1 if bad or not cpus else 0


if __name__ == '__main__':
    sys.exit(main())

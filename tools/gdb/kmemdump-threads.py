# SPDX-License-Identifier: GPL-2.0
# Names gdb's threads of a kmemdump core after their CPUs:
#   gdb ... -ex 'core-file dump.elf' -x tools/gdb/kmemdump-threads.py
# dump.elf has one NT_PRSTATUS per CPU, in CPU order: gdb's thread N is
# CPU N - 1, its LWP the note's pr_pid. mdfw makes every pr_pid unique
# (gdb merges threads of one LWP) with pids no task has: 0x400000 + cpu
# for an idle CPU (every idle task has pid 0), 0x401000 + cpu for a CPU
# whose pid another CPU holds (tools/mdfw/cpuregs.h). This names each
# thread so that 'info threads' and 'thread apply all bt' say which CPU
# and, for those pids, what they mean:
#   Thread 1 (LWP 4194304 "CPU0 idle (swapper/0)")
#   Thread 2 (LWP 1 "CPU1")
# Prints "KMD-THREADS: N threads named". Load after the core file.
import gdb

PID_SYNTH = 0x400000        # cpuregs.h CPUREGS_PID_SYNTH: idle CPUs
PID_CLASH = 0x401000        # cpuregs.h CPUREGS_PID_CLASH


def thread_name(cpu, lwp):
    """The name of CPU cpu's thread whose LWP (pr_pid) is lwp."""
    if lwp in (0, PID_SYNTH + cpu):
        return f'CPU{cpu} idle (swapper/{cpu})'
    if lwp == PID_CLASH + cpu:
        return f"CPU{cpu} pid unknown (another CPU's)"
    return f'CPU{cpu}'


def name_threads():
    n = 0
    inf = gdb.selected_inferior()
    for th in inf.threads() if inf else ():
        th.name = thread_name(th.num - 1, th.ptid[1])
        n += 1
    print(f'KMD-THREADS: {n} threads named')


name_threads()

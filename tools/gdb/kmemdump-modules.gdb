# SPDX-License-Identifier: GPL-2.0
# Lists the modules loaded when a kmemdump dump was taken, from the dump:
# the modules list and each module's section attributes, which kmemdump
# registers while a module is live (mm/kmemdump/modules.c). One line per
# section, as the guest's scenario prints them from sysfs:
#
#   KMD-MODULE-SECTION: <module> <section> <address>
#
# Load the kernel's symbols without its data (symbol-file, no exec-file:
# gdb would otherwise read the list head's boot value from vmlinux when
# the dump lacks it), then the dump, then this file:
#
#   gdb -batch -nx -ex "symbol-file vmlinux -o 0x$KERNELOFFSET" \
#       -ex "core-file dump.elf" -x tools/gdb/kmemdump-modules.gdb
#
# KERNELOFFSET is in `mdfw info`'s VMCOREINFO line. README.md shows how the
# lines become the add-symbol-file that names the module's functions.
# The dump is guest-written: at most 4096 modules and 1024 sections each.
set pagination off
set $kmd_off = (unsigned long) &((struct module *) 0)->list
set $kmd_n = modules.next
set $kmd_count = 0
while $kmd_n != &modules && $kmd_count < 4096
  set $kmd_m = (struct module *) ((char *) $kmd_n - $kmd_off)
  set $kmd_s = $kmd_m->sect_attrs
  set $kmd_i = 0
  while $kmd_s != 0 && $kmd_i < $kmd_s->nsections && $kmd_i < 1024
    printf "KMD-MODULE-SECTION: %s %s 0x%lx\n", $kmd_m->name, $kmd_s->attrs[$kmd_i].battr.attr.name, $kmd_s->attrs[$kmd_i].address
    set $kmd_i = $kmd_i + 1
  end
  set $kmd_n = $kmd_n->next
  set $kmd_count = $kmd_count + 1
end
printf "KMD-MODULES: %d\n", $kmd_count

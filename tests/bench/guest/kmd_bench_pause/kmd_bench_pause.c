// SPDX-License-Identifier: GPL-2.0
/*
 * kmd_bench_pause: make the QEMU board pause at a panic even when a kdump
 * capture kernel is loaded, so that every capture method of `make bench`
 * sees the same frozen guest.
 *
 * Linux's pvpanic driver reports PVPANIC_CRASH_LOADED instead of
 * PVPANIC_PANICKED when kexec_crash_loaded(), and QEMU does not apply
 * -action panic=pause to that event. This module writes PVPANIC_PANICKED
 * to the pvpanic-pci device itself, from a panic notifier of the same
 * priority as pvpanic's, registered after it (so after kmemdump's and
 * pvpanic's own notifiers). The host lets the guest continue afterwards,
 * into the rest of panic(): kmsg_dump (pstore), then crash_kexec (with
 * crash_kexec_post_notifiers on the command line).
 */
#include <linux/io.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/pci.h>

#define PVPANIC_PANICKED	(1 << 0)

static void __iomem *base;
static struct pci_dev *pdev;

static int pause_notify(struct notifier_block *nb, unsigned long code, void *unused)
{
	iowrite8(PVPANIC_PANICKED, base);
	return NOTIFY_DONE;
}

static struct notifier_block pause_nb = {
	.notifier_call = pause_notify,
	.priority = INT_MAX,
};

static int __init pause_init(void)
{
	pdev = pci_get_device(PCI_VENDOR_ID_REDHAT, 0x0011, NULL);
	if (!pdev)
		return -ENODEV;
	base = pci_iomap(pdev, 0, 0);
	if (!base) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	atomic_notifier_chain_register(&panic_notifier_list, &pause_nb);
	return 0;
}
module_init(pause_init);

static void __exit pause_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &pause_nb);
	pci_iounmap(pdev, base);
	pci_dev_put(pdev);
}
module_exit(pause_exit);

MODULE_DESCRIPTION("make bench: pvpanic PANICKED even with a crash kernel loaded");
MODULE_LICENSE("GPL");

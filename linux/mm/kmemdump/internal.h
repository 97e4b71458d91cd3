/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces shared by the files of mm/kmemdump/ and its KUnit test. */
#ifndef _MM_KMEMDUMP_INTERNAL_H
#define _MM_KMEMDUMP_INTERNAL_H

#include <linux/kmemdump.h>

/* Region registered by an allocation wrapper: freed by address. */
#define KMEMDUMP_REGION_ALLOC	BIT(0)

struct kmemdump_region {
	enum kmemdump_uid id;	/* KMEMDUMP_ID_NO_ID: free slot */
	unsigned int flags;
	const void *vaddr;
	size_t size;
};

int kmemdump_register_flags(enum kmemdump_uid id, const void *vaddr,
			    size_t size, unsigned int flags);
int kmemdump_unregister_alloc(const void *vaddr);
void kmemdump_walk_regions(void (*fn)(const struct kmemdump_region *r,
				      void *arg),
			       void *arg);
void kmemdump_backend_name(char *buf, size_t len);
unsigned int kmemdump_region_slot(const struct kmemdump_region *r);
int kmemdump_register_trylock(enum kmemdump_uid id, const void *vaddr,
			      size_t size);

#ifdef CONFIG_KMEMDUMP_COREIMAGE
void kmemdump_coreimage_add(const struct kmemdump_region *r, unsigned int slot);
void kmemdump_coreimage_del(unsigned int slot);
const void *kmemdump_coreimage_header(size_t *size);
#else
static inline void kmemdump_coreimage_add(const struct kmemdump_region *r,
					  unsigned int slot)
{
}

static inline void kmemdump_coreimage_del(unsigned int slot)
{
}
#endif
unsigned int kmemdump_nr_regions(void);

#endif /* _MM_KMEMDUMP_INTERNAL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmemdump: register chunks of kernel memory so that an external agent
 * (boot firmware, a hypervisor) can copy just those chunks after the
 * kernel has died or frozen.
 *
 * See Documentation/dev-tools/kmemdump.rst.
 */
#ifndef _LINUX_KMEMDUMP_H
#define _LINUX_KMEMDUMP_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

/* Region names fit this, NUL included (Qualcomm's table limit). */
#define KMEMDUMP_NAME_LEN	16

/**
 * enum kmemdump_uid - identifier of a registered region
 * @KMEMDUMP_ID_NO_ID: ask kmemdump to allocate a free ID from the dynamic
 *	range and return it
 * @KMEMDUMP_ID_LINUX_BANNER: linux_banner, registered by init/version.c
 * @KMEMDUMP_ID_COREIMAGE_ELF: ELF core header describing the regions
 * @KMEMDUMP_ID_COREIMAGE_VMCOREINFO: the vmcoreinfo note's text
 * @KMEMDUMP_ID_INIT_UTS_NS: init_uts_ns (kernel release, version)
 * @KMEMDUMP_ID_PRINTK_PRB: the prb pointer to the active log ring buffer
 * @KMEMDUMP_ID_PRINTK_RB: the active struct printk_ringbuffer
 * @KMEMDUMP_ID_PRINTK_DESCS: its descriptor ring
 * @KMEMDUMP_ID_PRINTK_INFOS: its record info array
 * @KMEMDUMP_ID_PRINTK_TEXT: its text data ring
 * @KMEMDUMP_ID_PANIC_TASK: task_struct of the task that panicked
 * @KMEMDUMP_ID_PANIC_STACK: stack of the task that panicked
 * @KMEMDUMP_ID_DYNAMIC_START: first ID of the dynamic range
 *
 * Each predefined ID is reserved for one well-known region and has a
 * fixed name, see kmemdump_id_name().
 */
enum kmemdump_uid {
	KMEMDUMP_ID_NO_ID = 0,
	KMEMDUMP_ID_LINUX_BANNER,
	KMEMDUMP_ID_COREIMAGE_ELF,
	KMEMDUMP_ID_COREIMAGE_VMCOREINFO,
	KMEMDUMP_ID_INIT_UTS_NS,
	KMEMDUMP_ID_PRINTK_PRB,
	KMEMDUMP_ID_PRINTK_RB,
	KMEMDUMP_ID_PRINTK_DESCS,
	KMEMDUMP_ID_PRINTK_INFOS,
	KMEMDUMP_ID_PRINTK_TEXT,
	KMEMDUMP_ID_PANIC_TASK,
	KMEMDUMP_ID_PANIC_STACK,
	KMEMDUMP_ID_DYNAMIC_START,
};

struct kmemdump_backend;

/**
 * struct kmemdump_backend - a facility that publishes regions to firmware
 * @name: short name shown in debugfs and in kernel messages
 * @register_region: publish region @id covering [@vaddr, @vaddr + @size).
 *	Return 0 or a negative errno; on error the backend must be left as
 *	it was, and kmemdump does not register the region (or, during
 *	replay, refuses the backend).
 * @unregister_region: withdraw region @id. kmemdump forgets the region
 *	whatever this returns; an error is only logged.
 * @chunk_position: optional. Where the backend placed chunk @seq of region
 *	@id (see kmemdump_walk_chunks() for the chunks): an index that sorts
 *	the chunks in the order the firmware lays their copies out, such as
 *	a table entry number. The core image orders its PT_LOADs by it, so
 *	that the firmware's copies laid end to end form the core file.
 *	Return the index, or a negative errno if the chunk is unknown.
 * @move_chunk: optional. Chunk @seq of region @id now lies at @phys, same
 *	length: re-point its entry without withdrawing it, inside the
 *	current transaction. @hint is where the chunk was last reported to
 *	be (a position this returned before, or any other value): check
 *	there first. kmemdump uses it to follow the memory each CPU runs on
 *	at every context switch (and the core image's header between its
 *	two buffers), so it must be cheap. Return the chunk's
 *	position as @chunk_position would, or a negative errno, the entry
 *	then unchanged; without it, kmemdump unregisters and registers the
 *	region again.
 * @follow_cpus: keep each CPU's current task and stack registered, re-
 *	pointed at every context switch through @move_chunk (required).
 *	For backends that publish to firmware; a backend without it costs
 *	the scheduler nothing.
 * @commit: optional. Make everything changed by the register_region() and
 *	unregister_region() calls since the previous commit visible to the
 *	firmware at once. kmemdump calls it once at the end of every
 *	operation (register, unregister, replay), after the core image was
 *	updated. A backend without @commit publishes each change as it comes.
 *
 * @register_region and @unregister_region are mandatory. All callbacks
 * are called with kmemdump's raw spinlock held, interrupts disabled: they
 * must not sleep and must not call back into kmemdump, except for
 * kmemdump_walk_chunks() and kmemdump_id_name(); @vaddr may be in vmalloc
 * space.
 */
struct kmemdump_backend {
	const char *name;
	int (*register_region)(struct kmemdump_backend *be,
			       enum kmemdump_uid id, const void *vaddr,
			       size_t size);
	int (*unregister_region)(struct kmemdump_backend *be,
				 enum kmemdump_uid id);
	int (*chunk_position)(struct kmemdump_backend *be,
			      enum kmemdump_uid id, unsigned int seq);
	int (*move_chunk)(struct kmemdump_backend *be, enum kmemdump_uid id,
			  unsigned int seq, int hint, phys_addr_t phys);
	void (*commit)(struct kmemdump_backend *be);
	bool follow_cpus;
};

/*
 * Static annotation record, one per annotated variable, collected in the
 * .kmemdump section of vmlinux or of a module. Built with the
 * KMEMDUMP_VAR*() macros only.
 */
struct kmemdump_annotation {
	const void *addr;
	size_t size;		/* 0: NUL-terminated string, measured at registration */
	enum kmemdump_uid id;	/* requested ID */
	int registered;		/* ID kmemdump assigned, 0 when not registered */
};

#ifdef CONFIG_KMEMDUMP

/* Largest ID + 1: the dynamic range holds one ID per table slot. */
#define KMEMDUMP_ID_MAX	(KMEMDUMP_ID_DYNAMIC_START + CONFIG_KMEMDUMP_MAX_REGIONS)
/*
 * kmemdump itself registers the page-table pages that translate the
 * regions' addresses, under IDs [KMEMDUMP_ID_MAX, KMEMDUMP_ID_END) named
 * "pgt<n>". Backends see them like any other ID; callers cannot use them.
 */
#define KMEMDUMP_MAX_PGTABLES	64
/*
 * Then each CPU's current task and stack, re-pointed at every context
 * switch, "cpu<n>_task" and "cpu<n>_stack", for the first
 * KMEMDUMP_MAX_CPU_SLOTS CPUs.
 */
#define KMEMDUMP_ID_CPU_START	(KMEMDUMP_ID_MAX + KMEMDUMP_MAX_PGTABLES)
#define KMEMDUMP_MAX_CPU_SLOTS	64
#define KMEMDUMP_ID_END		(KMEMDUMP_ID_CPU_START + 2 * KMEMDUMP_MAX_CPU_SLOTS)

int kmemdump_register_id(enum kmemdump_uid id, const void *vaddr, size_t size);
int kmemdump_unregister(enum kmemdump_uid id);
int kmemdump_register_backend(struct kmemdump_backend *be);
int kmemdump_unregister_backend(struct kmemdump_backend *be);
int kmemdump_walk_chunks(const void *vaddr, size_t size,
			 int (*fn)(phys_addr_t phys, const void *vaddr,
				   size_t len, void *arg),
			 void *arg);
int kmemdump_id_name(enum kmemdump_uid id, char *buf, size_t len);
void kmemdump_backend_name(char *buf, size_t len);

void *kmemdump_kmalloc(enum kmemdump_uid id, size_t size, gfp_t flags);
void *kmemdump_kzalloc(enum kmemdump_uid id, size_t size, gfp_t flags);
void kmemdump_kfree(const void *p);
void *kmemdump_vmalloc(enum kmemdump_uid id, unsigned long size);
void *kmemdump_vzalloc(enum kmemdump_uid id, unsigned long size);
void kmemdump_vfree(const void *p);
unsigned long kmemdump_get_free_pages(enum kmemdump_uid id, gfp_t flags,
				      unsigned int order);
void kmemdump_free_pages(unsigned long addr, unsigned int order);
void *kmemdump_memblock_alloc(enum kmemdump_uid id, phys_addr_t size,
			      phys_addr_t align);
void kmemdump_memblock_free(void *p, size_t size);
void kmemdump_kernel_mappings_final(void);
int kmemdump_register_alloc(enum kmemdump_uid id, const void *p, size_t size);
int kmemdump_unregister_alloc(const void *p);

/**
 * kmemdump_alloc() - call any allocator and register what it returns
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @size: number of bytes to register from the returned pointer
 * @free: the function that frees it, called as @free(p)
 * @alloc: the allocation function, called as @alloc(...)
 * @...: the arguments of @alloc
 *
 * For example kmemdump_alloc(KMEMDUMP_ID_NO_ID, len, kvfree, kvmalloc,
 * len, GFP_KERNEL). If the registration fails the memory is freed with
 * @free and the result is NULL. Release with kmemdump_free().
 */
#define kmemdump_alloc(id, size, free, alloc, ...)			\
({									\
	typeof(alloc(__VA_ARGS__)) __kmd_p = alloc(__VA_ARGS__);	\
	if (__kmd_p && kmemdump_register_alloc(id, __kmd_p, size) < 0) { \
		free(__kmd_p);						\
		__kmd_p = NULL;						\
	}								\
	__kmd_p;							\
})

/**
 * kmemdump_alloc_sized() - kmemdump_alloc() for a @free that takes the size
 * @id: predefined ID or KMEMDUMP_ID_NO_ID
 * @size: number of bytes to register, also passed to @free
 * @free: called as @free(p, @size), such as free_pages_exact()
 * @alloc: the allocation function, called as @alloc(...)
 * @...: the arguments of @alloc
 *
 * Release with kmemdump_free_sized().
 */
#define kmemdump_alloc_sized(id, size, free, alloc, ...)		\
({									\
	size_t __kmd_size = (size);					\
	typeof(alloc(__VA_ARGS__)) __kmd_p = alloc(__VA_ARGS__);	\
	if (__kmd_p &&							\
	    kmemdump_register_alloc(id, __kmd_p, __kmd_size) < 0) {	\
		free(__kmd_p, __kmd_size);				\
		__kmd_p = NULL;						\
	}								\
	__kmd_p;							\
})

/**
 * kmemdump_free() - unregister memory from kmemdump_alloc(), then free it
 * @free: the function that frees it, called as @free(p)
 * @p: the memory, or NULL
 */
#define kmemdump_free(free, p)						\
do {									\
	typeof(p) __kmd_q = (p);					\
	kmemdump_unregister_alloc(__kmd_q);				\
	free(__kmd_q);							\
} while (0)

/**
 * kmemdump_free_sized() - kmemdump_free() for a @free that takes the size
 * @free: called as @free(p, @size)
 * @p: the memory, or NULL
 * @size: passed to @free
 */
#define kmemdump_free_sized(free, p, size)				\
do {									\
	typeof(p) __kmd_q = (p);					\
	kmemdump_unregister_alloc(__kmd_q);				\
	free(__kmd_q, size);						\
} while (0)

/*
 * Writers of memory the firmware reads call kmemdump_shared_store() after
 * each store, under kmemdump's raw lock. A KUnit test may set the hook to
 * look at what firmware would see at that instant; it must not sleep or
 * take any lock that is not raw.
 */
#if IS_ENABLED(CONFIG_KUNIT)
extern void (*kmemdump_shared_store_hook)(const void *addr, size_t len);
/* Tests: wait until a backend change started or stopped following CPUs. */
void kmemdump_cpustate_sync(void);
/* Tests: run @fn under kmemdump's lock, as firmware sees a frozen machine. */
void kmemdump_locked_call(void (*fn)(void *arg), void *arg);

static inline void kmemdump_shared_store(const void *addr, size_t len)
{
	void (*hook)(const void *addr, size_t len);

	hook = READ_ONCE(kmemdump_shared_store_hook);
	if (unlikely(hook))
		hook(addr, len);
}
#else
static inline void kmemdump_shared_store(const void *addr, size_t len)
{
}
#endif

/*
 * The record is writable (it remembers the ID kmemdump assigned) and
 * pointer-aligned so the section is a plain array. __used keeps it although
 * nothing refers to it; the variable itself stays file-local.
 */
#define __KMEMDUMP_RECORD(_id, _addr, _size)				\
	static struct kmemdump_annotation __used __aligned(sizeof(void *)) \
	__section(".kmemdump") __UNIQUE_ID(kmemdump_) = {		\
		.addr = (_addr), .size = (_size), .id = (_id),		\
	}

#else /* !CONFIG_KMEMDUMP */

/* Compiled out: nothing is registered, 0 is "no region", wrappers allocate. */
static inline int kmemdump_register_id(enum kmemdump_uid id, const void *vaddr,
				       size_t size)
{
	return 0;
}

static inline int kmemdump_unregister(enum kmemdump_uid id)
{
	return 0;
}

static inline int kmemdump_register_backend(struct kmemdump_backend *be)
{
	return -EOPNOTSUPP;
}

static inline int kmemdump_unregister_backend(struct kmemdump_backend *be)
{
	return -EOPNOTSUPP;
}

static inline void kmemdump_backend_name(char *buf, size_t len)
{
	strscpy(buf, "none", len);
}

#define kmemdump_kmalloc(id, size, flags)	((void)(id), kmalloc(size, flags))
#define kmemdump_kzalloc(id, size, flags)	((void)(id), kzalloc(size, flags))
#define kmemdump_kfree(p)			kfree(p)
#define kmemdump_vmalloc(id, size)		((void)(id), vmalloc(size))
#define kmemdump_vzalloc(id, size)		((void)(id), vzalloc(size))
#define kmemdump_vfree(p)			vfree(p)
#define kmemdump_get_free_pages(id, flags, order) \
	((void)(id), __get_free_pages(flags, order))
#define kmemdump_free_pages(addr, order)	free_pages(addr, order)
#define kmemdump_memblock_alloc(id, size, align) \
	((void)(id), memblock_alloc(size, align))
#define kmemdump_memblock_free(p, size)		memblock_free(p, size)
#define kmemdump_alloc(id, size, free, alloc, ...) \
	((void)(id), (void)sizeof(size), (void)(free), alloc(__VA_ARGS__))
#define kmemdump_alloc_sized(id, size, free, alloc, ...) \
	((void)(id), (void)sizeof(size), (void)(free), alloc(__VA_ARGS__))
#define kmemdump_free(free, p)			free(p)
#define kmemdump_free_sized(free, p, size)	free(p, size)

static inline void kmemdump_kernel_mappings_final(void)
{
}

/* Still type-checks the annotation, emits nothing. */
#define __KMEMDUMP_RECORD(_id, _addr, _size)				\
	static_assert(sizeof(_id) && sizeof(_addr) && sizeof(_size))

#endif /* CONFIG_KMEMDUMP */

/**
 * kmemdump_register() - register a region under a newly allocated ID
 * @vaddr: start of the region
 * @size: length of the region in bytes
 *
 * Shorthand for kmemdump_register_id(KMEMDUMP_ID_NO_ID, @vaddr, @size).
 *
 * Return: the allocated ID (> 0) or a negative errno.
 */
static inline int kmemdump_register(const void *vaddr, size_t size)
{
	return kmemdump_register_id(KMEMDUMP_ID_NO_ID, vaddr, size);
}

/**
 * KMEMDUMP_VAR_ID() - register a static object at boot or module load
 * @id: predefined ID, or KMEMDUMP_ID_NO_ID
 * @sym: the object (it may stay static: only its address is recorded)
 * @size: number of bytes from the start of @sym
 *
 * Built-in records are registered during boot; a module's records are
 * registered when it is loaded and unregistered when it is unloaded.
 * Do not annotate __init or __initdata objects.
 */
#define KMEMDUMP_VAR_ID(id, sym, size)	__KMEMDUMP_RECORD(id, &(sym), size)

/**
 * KMEMDUMP_VAR() - register a whole static object under a dynamic ID
 * @sym: the object
 */
#define KMEMDUMP_VAR(sym)		KMEMDUMP_VAR_ID(KMEMDUMP_ID_NO_ID, sym, sizeof(sym))

/**
 * KMEMDUMP_STRING_ID() - register a NUL-terminated string, NUL included
 * @id: predefined ID, or KMEMDUMP_ID_NO_ID
 * @str: a char array whose length is only known at link time (for example
 *	linux_banner, whose final text is produced by the last link step)
 */
#define KMEMDUMP_STRING_ID(id, str)	__KMEMDUMP_RECORD(id, (str), 0)

#endif /* _LINUX_KMEMDUMP_H */

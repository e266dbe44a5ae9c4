/*
 * Dirty tracking: interface between the tracker core (dirty-tracking.c)
 * and its kernel backends.  Private to migration/.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_DIRTY_TRACKING_INT_H
#define MIGRATION_DIRTY_TRACKING_INT_H

#include "migration/dirty-tracking.h"

#define DT_BITS_PER_LONG (sizeof(unsigned long) * 8)

static inline void dt_set_bit(unsigned long *map, uint64_t nr)
{
    map[nr / DT_BITS_PER_LONG] |= 1UL << (nr % DT_BITS_PER_LONG);
}

/* ---- userfaultfd WP async + PAGEMAP_SCAN (dirty-tracking-uffd.c) ---- */

typedef struct DirtyUffd DirtyUffd;

/* NULL with @why set (static text) when the kernel lacks something. */
DirtyUffd *dirty_uffd_open(const char **why);
void dirty_uffd_close(DirtyUffd *u);
/* Register @rb and write-protect all of it. */
bool dirty_uffd_start(DirtyUffd *u, RAMBlock *rb, GError **errp);
/* Unregister (the block becomes plainly writable). */
void dirty_uffd_stop(DirtyUffd *u, RAMBlock *rb);
/* Written pages since the last call into @bmap; re-protects them. */
int64_t dirty_uffd_sync(DirtyUffd *u, RAMBlock *rb, unsigned long *bmap,
                        uint64_t npages, GError **errp);
/* Would @rb be trackable (registers and unregisters a probe fd)? */
bool dirty_uffd_probe(RAMBlock *rb, const char **why);

/* ---- mprotect + SIGSEGV (dirty-tracking-mprotect.c) ---- */

typedef struct DirtyMprotect DirtyMprotect;

/* Protect @rb and route its write faults to the handler. */
DirtyMprotect *dirty_mprotect_start(RAMBlock *rb, GError **errp);
/* Unprotect, unregister and free; accepts NULL. */
void dirty_mprotect_stop(DirtyMprotect *m);
int64_t dirty_mprotect_sync(DirtyMprotect *m, unsigned long *bmap,
                            uint64_t npages, GError **errp);

#endif /* MIGRATION_DIRTY_TRACKING_INT_H */

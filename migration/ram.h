/*
 * The "ram" live section (version 4): setup, page records, dirty bitmap,
 * loader.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Source: a RAMSaveState owns one dirty bitmap per block (bit set = page
 * still to send).  At setup every page is dirty; ram_dirty_sync() asks an
 * optional RAMDirtyOps provider for pages written since the last sync
 * (the default provider reports none, i.e. "send everything once").
 * Iteration walks the bitmaps in ascending offset order from a cursor and
 * sends every dirty page once per round.
 *
 * Records: be64 (offset | flags), then for ZERO/PAGE the block name unless
 * CONTINUE says "same block as the previous record on this stream" (state
 * kept for the whole migration), then a fill byte (ZERO) or 4096 bytes.
 */
#ifndef MIGRATION_RAM_H
#define MIGRATION_RAM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "migration/engine.h"
#include "migration/qemu-file.h"
#include "system/ramblock.h"

#define RAM_SAVE_FLAG_FULL      0x001
#define RAM_SAVE_FLAG_ZERO      0x002
#define RAM_SAVE_FLAG_MEM_SIZE  0x004
#define RAM_SAVE_FLAG_PAGE      0x008
#define RAM_SAVE_FLAG_EOS       0x010
#define RAM_SAVE_FLAG_CONTINUE  0x020
#define RAM_SAVE_FLAG_XBZRLE    0x040
#define RAM_SAVE_FLAG_HOOK      0x080
#define RAM_SAVE_FLAG_COMPRESS_PAGE 0x100

typedef struct MultiFDSendState MultiFDSendState;
typedef struct MultiFDRecvState MultiFDRecvState;

/* True when the @len bytes at @p (len a multiple of 8) are all zero. */
bool buffer_is_zero(const void *p, size_t len);

/* The block named @idstr in @blocks, or NULL. */
RAMBlock *ram_find_block(GPtrArray *blocks, const char *idstr);

/* RAMDirtyOps (the dirty-tracking hook) is declared in engine.h. */

typedef struct RAMSaveState RAMSaveState;

/* Limits of one iteration step (ram_save_iterate). */
typedef struct RAMIterBudget {
    gint64 deadline_us;   /* g_get_monotonic_time() after which to stop */
    uint64_t max_bytes;   /* stop once this many bytes were produced; 0=inf */
} RAMIterBudget;

/**
 * ram_save_new:
 * @blocks: GPtrArray of RAMBlock * (borrowed; must outlive the state)
 * @mfd: multifd sender, or NULL for a single stream
 * @dirty_ops: dirty tracker, or NULL (nothing is ever re-dirtied)
 */
RAMSaveState *ram_save_new(GPtrArray *blocks, MigrationCounters *counters,
                           MultiFDSendState *mfd,
                           const RAMDirtyOps *dirty_ops, void *dirty_opaque);
void ram_save_free(RAMSaveState *rs);

/* START body: MEM_SIZE block list, (multifd sync), EOS.  All pages dirty. */
int ram_save_setup(RAMSaveState *rs, QEMUFile *f, GError **errp);
/*
 * PART body: dirty pages from the cursor until the budget is used up or
 * nothing is dirty, then (multifd sync) and EOS.
 */
int ram_save_iterate(RAMSaveState *rs, QEMUFile *f,
                     const RAMIterBudget *budget, GError **errp);
/* END body: every dirty page, (multifd sync), EOS. */
int ram_save_complete(RAMSaveState *rs, QEMUFile *f, GError **errp);

/* Bytes still dirty (dirty pages x page size). */
uint64_t ram_dirty_pending_bytes(RAMSaveState *rs);
/* Bytes produced so far (records on main + pages handed to multifd). */
uint64_t ram_bytes_produced(RAMSaveState *rs);
/*
 * One dirty-sync round: pull newly dirtied pages from the tracker and
 * bump counters->dirty_sync_count.  Returns the new count, or 0 with
 * @errp set on failure.
 */
uint64_t ram_dirty_sync(RAMSaveState *rs, GError **errp);
/* Pages the dirty tracker reported over all syncs so far. */
uint64_t ram_dirty_synced_pages(RAMSaveState *rs);
/* Mark [@offset, @offset + @len) of @rb dirty (migration thread only). */
void ram_dirty_mark(RAMSaveState *rs, RAMBlock *rb, uint64_t offset,
                    uint64_t len);

/* Destination --------------------------------------------------------- */

typedef struct RAMLoadState RAMLoadState;

struct RAMLoadState {
    GPtrArray *blocks;
    RAMBlock *last_block;      /* CONTINUE state, across sections */
    MultiFDRecvState *mfd;     /* NULL: single stream */
    MigrationCounters *counters;
};

/**
 * ram_load:
 * @version_id: the section version received (must be 4)
 * @generic_err: QEMU's message for failures it reports without detail
 *     ("error while loading state section id 2(ram)")
 *
 * Loads one START/PART/END body up to and including its EOS (and the
 * multifd SYNC barrier that goes with it).  Returns 0 or -1 with @errp set.
 */
int ram_load(RAMLoadState *rl, QEMUFile *f, uint32_t version_id,
             const char *generic_err, GError **errp);

/**
 * ram_block_checksum:
 *
 * SHA-256 over the block's used_length bytes, as a lowercase hex string
 * (newly allocated).  Meant for x-zcmig-query-ram-checksum.
 */
char *ram_block_checksum(RAMBlock *rb);

#endif /* MIGRATION_RAM_H */

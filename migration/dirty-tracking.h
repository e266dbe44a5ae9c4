/*
 * Dirty tracking of guest RAM during an outgoing migration: which pages
 * were written since the previous dirty-sync round.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * zcmig's "guest" writes RAM from ordinary host threads (see
 * system/workload.c), so the tracker asks the host kernel which pages of
 * each RAM block were written.  Two mechanisms, chosen per block at
 * start (docs/devel/dirty-tracking.rst explains the choice):
 *
 * - "uffd-wp-async": userfaultfd write protection in asynchronous mode
 *   (UFFD_FEATURE_WP_ASYNC, Linux 6.7+) plus the PAGEMAP_SCAN ioctl on
 *   /proc/self/pagemap.  A write to a protected page is resolved inside
 *   the kernel (no thread, no signal) and leaves the page "written";
 *   one PAGEMAP_SCAN with PM_SCAN_WP_MATCHING returns the written pages
 *   and re-protects them atomically.  Works for anonymous, memfd and
 *   file mappings on this kernel.
 * - "mprotect": the portable fallback (e.g. Debian 12's 6.1): the block
 *   is made read-only; the first write to a granule of
 *   DIRTY_MPROTECT_GRANULE pages traps (SIGSEGV), the handler marks the
 *   granule dirty and makes it writable again.
 *
 * Both keep the classic rule: a sync collects and re-arms protection
 * before the engine reads any page for sending, so a write racing with a
 * send is always seen by the next sync.
 *
 * Threads: dirty_tracker_sync_block() is called by the migration thread
 * only; guest writers may run concurrently on any thread.
 */
#ifndef MIGRATION_DIRTY_TRACKING_H
#define MIGRATION_DIRTY_TRACKING_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "migration/engine.h"
#include "system/machine.h"
#include "system/ramblock.h"

/* Pages per granule of the mprotect backend (limits VMA splitting). */
#define DIRTY_MPROTECT_GRANULE 16

typedef enum DirtyTrackMethod {
    DIRTY_TRACK_AUTO,          /* best available, per block */
    DIRTY_TRACK_UFFD_ASYNC,    /* userfaultfd WP async + PAGEMAP_SCAN */
    DIRTY_TRACK_MPROTECT,      /* mprotect + SIGSEGV */
    DIRTY_TRACK_NONE,          /* no tracking: sync reports nothing */
} DirtyTrackMethod;

typedef struct DirtyTracker DirtyTracker;

/* "uffd-wp-async", "mprotect", "none", "auto". */
const char *dirty_track_method_str(DirtyTrackMethod m);
/* Parse the strings above; false if unknown. */
bool dirty_track_method_parse(const char *s, DirtyTrackMethod *out);

/**
 * dirty_track_probe:
 *
 * Which method DIRTY_TRACK_AUTO would pick for @rb (without changing
 * anything).  @why: set to a static explanation when a preferred method
 * is unavailable (may be NULL).
 */
DirtyTrackMethod dirty_track_probe(RAMBlock *rb, const char **why);

/**
 * dirty_tracker_new:
 * @blocks: GPtrArray of RAMBlock * (borrowed; must outlive the tracker)
 * @method: DIRTY_TRACK_AUTO, or a method to force (tests, benchmarks);
 *     forcing an unavailable method fails at start
 *
 * Creates a tracker that tracks nothing yet.  The environment variable
 * ZCMIG_DIRTY_TRACKING (a method name) overrides AUTO, for experiments.
 */
DirtyTracker *dirty_tracker_new(GPtrArray *blocks, DirtyTrackMethod method);

/**
 * dirty_tracking_wanted:
 * @reason: set to a static description of why (never NULL on return)
 *
 * Whether an outgoing migration of @ms starting now needs a dirty
 * tracker: only when something can write guest RAM while it runs, i.e. the
 * threads of a guest workload are started, or when ZCMIG_DIRTY_TRACKING names a method
 * (forced, for experiments and benchmarks; "none" arms a tracker that
 * tracks nothing).  x-zcmig-fill-ram and new workloads are refused
 * while a migration without tracker runs (guest_ram_write_check()).
 * Writes by other processes to a shared RAM file are not tracked either
 * way (QEMU does not track them either).  Main thread.
 */
bool dirty_tracking_wanted(MachineState *ms, const char **reason);

/**
 * dirty_tracker_start:
 *
 * Start tracking every block (protect it).  Writes from now on are
 * reported by the next sync.  Returns false with @errp set when a block
 * cannot be tracked with the requested method (AUTO falls back to
 * mprotect, which only fails if mprotect itself does).
 */
bool dirty_tracker_start(DirtyTracker *dt, GError **errp);

/**
 * dirty_tracker_sync_block:
 * @bmap: one bit per target page of @rb; written pages are OR-ed in
 *
 * Collect the pages of @rb written since the previous sync (or the
 * start) and re-protect them.  Returns the number of pages reported
 * (pages already set in @bmap count too), or -1 with @errp set.
 */
int64_t dirty_tracker_sync_block(DirtyTracker *dt, RAMBlock *rb,
                                 unsigned long *bmap, uint64_t npages,
                                 GError **errp);

/* The method in use for @rb (NONE before start or if untracked). */
DirtyTrackMethod dirty_tracker_block_method(DirtyTracker *dt, RAMBlock *rb);

/* Stop tracking: RAM becomes plainly writable again.  Idempotent. */
void dirty_tracker_stop(DirtyTracker *dt);
/* Stops and frees; accepts NULL. */
void dirty_tracker_free(DirtyTracker *dt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DirtyTracker, dirty_tracker_free)

/*
 * RAMDirtyOps for migration_source_run(), opaque = DirtyTracker *.
 * The first sync of a block starts tracking it (the engine's first sync
 * comes right after setup marked every page dirty) and reports nothing.
 */
extern const RAMDirtyOps dirty_tracker_ram_ops;

#endif /* MIGRATION_DIRTY_TRACKING_H */

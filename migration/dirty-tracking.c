/*
 * Dirty tracking of guest RAM: method choice per block, and the
 * RAMDirtyOps the migration engine calls at every dirty-sync round.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "migration/dirty-tracking-int.h"
#include "system/workload.h"

typedef struct DirtyBlock {
    RAMBlock *rb;
    DirtyTrackMethod method;     /* NONE until started */
    bool started;
    DirtyMprotect *mp;
} DirtyBlock;

struct DirtyTracker {
    DirtyTrackMethod want;
    DirtyBlock *b;
    unsigned int n;
    DirtyUffd *uffd;             /* shared by every uffd-tracked block */
    bool uffd_failed;            /* opening it failed once: don't retry */
    const char *uffd_why;
};

static const char *const dirty_track_names[] = {
    [DIRTY_TRACK_AUTO] = "auto",
    [DIRTY_TRACK_UFFD_ASYNC] = "uffd-wp-async",
    [DIRTY_TRACK_MPROTECT] = "mprotect",
    [DIRTY_TRACK_NONE] = "none",
};

const char *dirty_track_method_str(DirtyTrackMethod m)
{
    if ((unsigned)m < G_N_ELEMENTS(dirty_track_names)) {
        return dirty_track_names[m];
    }
    return "?";
}

bool dirty_track_method_parse(const char *s, DirtyTrackMethod *out)
{
    for (unsigned int i = 0; s && i < G_N_ELEMENTS(dirty_track_names); i++) {
        if (!strcmp(s, dirty_track_names[i])) {
            *out = i;
            return true;
        }
    }
    return false;
}

DirtyTrackMethod dirty_track_probe(RAMBlock *rb, const char **why)
{
    const char *w = NULL;

    if (dirty_uffd_probe(rb, &w)) {
        return DIRTY_TRACK_UFFD_ASYNC;
    }
    if (why) {
        *why = w;
    }
    return DIRTY_TRACK_MPROTECT;
}

DirtyTracker *dirty_tracker_new(GPtrArray *blocks, DirtyTrackMethod method)
{
    DirtyTracker *dt = g_new0(DirtyTracker, 1);
    const char *env = g_getenv("ZCMIG_DIRTY_TRACKING");

    if (method == DIRTY_TRACK_AUTO && env) {
        /* An unknown name keeps AUTO: experiments must not break. */
        dirty_track_method_parse(env, &method);
    }
    dt->want = method;
    dt->n = blocks ? blocks->len : 0;
    dt->b = g_new0(DirtyBlock, dt->n);
    for (unsigned int i = 0; i < dt->n; i++) {
        dt->b[i].rb = g_ptr_array_index(blocks, i);
        dt->b[i].method = DIRTY_TRACK_NONE;
    }
    return dt;
}

bool dirty_tracking_wanted(MachineState *ms, const char **reason)
{
    const char *env = g_getenv("ZCMIG_DIRTY_TRACKING");
    DirtyTrackMethod m;

    if (env && dirty_track_method_parse(env, &m)) {
        *reason = "forced by ZCMIG_DIRTY_TRACKING";
        return true;
    }
    if (workloads_started(ms)) {
        *reason = "a guest workload is started";
        return true;
    }
    *reason = "nothing writes guest RAM (no guest workload started)";
    return false;
}

static DirtyBlock *dirty_tracker_find(DirtyTracker *dt, RAMBlock *rb)
{
    for (unsigned int i = 0; i < dt->n; i++) {
        if (dt->b[i].rb == rb) {
            return &dt->b[i];
        }
    }
    return NULL;
}

static bool dirty_tracker_start_uffd(DirtyTracker *dt, DirtyBlock *b,
                                     GError **errp)
{
    if (!dt->uffd && !dt->uffd_failed) {
        dt->uffd = dirty_uffd_open(&dt->uffd_why);
        dt->uffd_failed = !dt->uffd;
    }
    if (!dt->uffd) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "dirty tracking: %s", dt->uffd_why);
        return false;
    }
    return dirty_uffd_start(dt->uffd, b->rb, errp);
}

static bool dirty_tracker_start_block(DirtyTracker *dt, DirtyBlock *b,
                                      GError **errp)
{
    b->started = true;
    switch (dt->want) {
    case DIRTY_TRACK_NONE:
        b->method = DIRTY_TRACK_NONE;
        return true;
    case DIRTY_TRACK_UFFD_ASYNC:
        if (!dirty_tracker_start_uffd(dt, b, errp)) {
            return false;
        }
        b->method = DIRTY_TRACK_UFFD_ASYNC;
        return true;
    case DIRTY_TRACK_AUTO:
        if ((uintptr_t)b->rb->host % (uintptr_t)getpagesize() ||
            b->rb->used_length % (uint64_t)getpagesize()) {
            /*
             * Not a page-aligned mapping (only test harnesses build such
             * blocks from malloc): nothing can protect it.  Real blocks
             * are always mmap()ed.
             */
            b->method = DIRTY_TRACK_NONE;
            return true;
        }
        /* Prefer the kernel's atomic collect-and-reprotect. */
        if (dirty_tracker_start_uffd(dt, b, NULL)) {
            b->method = DIRTY_TRACK_UFFD_ASYNC;
            return true;
        }
        /* fall through */
    case DIRTY_TRACK_MPROTECT:
        b->mp = dirty_mprotect_start(b->rb, errp);
        if (!b->mp) {
            return false;
        }
        b->method = DIRTY_TRACK_MPROTECT;
        return true;
    }
    g_assert_not_reached();
}

bool dirty_tracker_start(DirtyTracker *dt, GError **errp)
{
    for (unsigned int i = 0; i < dt->n; i++) {
        if (!dt->b[i].started &&
            !dirty_tracker_start_block(dt, &dt->b[i], errp)) {
            return false;
        }
    }
    return true;
}

int64_t dirty_tracker_sync_block(DirtyTracker *dt, RAMBlock *rb,
                                 unsigned long *bmap, uint64_t npages,
                                 GError **errp)
{
    DirtyBlock *b = dirty_tracker_find(dt, rb);

    if (!b) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "dirty tracking: unknown RAM block '%s'", rb->idstr);
        return -1;
    }
    npages = MIN(npages, rb->used_length / TARGET_PAGE_SIZE);
    switch (b->method) {
    case DIRTY_TRACK_UFFD_ASYNC:
        return dirty_uffd_sync(dt->uffd, rb, bmap, npages, errp);
    case DIRTY_TRACK_MPROTECT:
        return dirty_mprotect_sync(b->mp, bmap, npages, errp);
    default:
        return 0;
    }
}

DirtyTrackMethod dirty_tracker_block_method(DirtyTracker *dt, RAMBlock *rb)
{
    DirtyBlock *b = dirty_tracker_find(dt, rb);

    return b ? b->method : DIRTY_TRACK_NONE;
}

void dirty_tracker_stop(DirtyTracker *dt)
{
    for (unsigned int i = 0; i < dt->n; i++) {
        DirtyBlock *b = &dt->b[i];

        if (b->method == DIRTY_TRACK_UFFD_ASYNC) {
            dirty_uffd_stop(dt->uffd, b->rb);
        }
        g_clear_pointer(&b->mp, dirty_mprotect_stop);
        b->method = DIRTY_TRACK_NONE;
        b->started = false;
    }
    g_clear_pointer(&dt->uffd, dirty_uffd_close);
    dt->uffd_failed = false;
}

void dirty_tracker_free(DirtyTracker *dt)
{
    if (!dt) {
        return;
    }
    dirty_tracker_stop(dt);
    g_free(dt->b);
    g_free(dt);
}

static int64_t dirty_tracker_ops_sync(void *opaque, RAMBlock *rb,
                                      unsigned long *bmap, uint64_t npages,
                                      GError **errp)
{
    DirtyTracker *dt = opaque;
    DirtyBlock *b = dirty_tracker_find(dt, rb);

    if (b && !b->started) {
        /* Every page is dirty already: only begin watching. */
        return dirty_tracker_start_block(dt, b, errp) ? 0 : -1;
    }
    return dirty_tracker_sync_block(dt, rb, bmap, npages, errp);
}

const RAMDirtyOps dirty_tracker_ram_ops = {
    .sync = dirty_tracker_ops_sync,
};

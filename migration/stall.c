/*
 * Migration progress watchdog: the bookkeeping (see stall.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "migration/stall.h"

void migration_stall_arm(MigrationStallWatch *w, unsigned int timeout_s,
                         uint64_t bytes, int64_t now_ms)
{
    w->timeout_s = timeout_s;
    w->armed = true;
    w->fired = false;
    w->last_bytes = bytes;
    w->last_progress_ms = now_ms;
}

bool migration_stall_check(MigrationStallWatch *w, uint64_t bytes,
                           bool paused, int64_t now_ms)
{
    if (!w->armed || w->fired || w->timeout_s == 0) {
        return false;
    }
    if (paused || bytes != w->last_bytes) {
        w->last_bytes = bytes;
        w->last_progress_ms = now_ms;
        return false;
    }
    if (now_ms - w->last_progress_ms < (int64_t)w->timeout_s * 1000) {
        return false;
    }
    w->fired = true;
    return true;
}

GSource *migration_stall_timer_start(GMainContext *ctx, GSourceFunc fn,
                                     gpointer opaque)
{
    GSource *src;

    if (!ctx) {
        return NULL;
    }
    src = g_timeout_source_new(MIGRATION_STALL_TICK_MS);
    g_source_set_callback(src, fn, opaque, NULL);
    g_source_attach(src, ctx);
    return src;
}

void migration_stall_timer_stop(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_clear_pointer(src, g_source_unref);
    }
}

char *migration_stall_source_error(unsigned int timeout_s)
{
    return g_strdup_printf("Migration stalled: no data accepted by the "
                           "destination for %u s (it stopped reading?)",
                           timeout_s);
}

char *migration_stall_incoming_error(unsigned int timeout_s)
{
    return g_strdup_printf("Migration stalled: no data received from the "
                           "source for %u s", timeout_s);
}

/*
 * Migration progress watchdog (zcmig extension, parameter x-stall-timeout).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * TCP keepalive and TCP_USER_TIMEOUT only notice a peer *host* that went
 * away.  A peer process that is alive but stopped reading (or, on the
 * destination, a source that stopped sending) keeps acknowledging TCP
 * window probes, so a blocked write or read would wait forever.  The
 * watchdog compares the byte counter of the running migration on every
 * tick of a main-loop timer; when it did not grow for the timeout, the
 * control plane fails the migration the same way migrate_cancel wakes it
 * (qio_channel_shutdown() of every channel), but ending in "failed".
 *
 * The bookkeeping below is pure (the caller passes the time), so it can be
 * tested without waiting.
 */
#ifndef MIGRATION_STALL_H
#define MIGRATION_STALL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* How often the main-loop timer looks at the counters. */
#define MIGRATION_STALL_TICK_MS 250

/**
 * MigrationStallWatch:
 * @timeout_s: seconds without progress that count as a stall; 0 = off
 * @armed: migration_stall_arm() was called (the phase to watch began)
 * @fired: migration_stall_check() reported a stall (it does so once)
 * @last_bytes: the counter at the last progress
 * @last_progress_ms: when it last grew (or the watch was (re)started)
 *
 * Protected by the lock of the migration state that holds it.
 */
typedef struct MigrationStallWatch {
    unsigned int timeout_s;
    bool armed;
    bool fired;
    uint64_t last_bytes;
    int64_t last_progress_ms;
} MigrationStallWatch;

/* Start watching at @now_ms with the counter at @bytes. */
void migration_stall_arm(MigrationStallWatch *w, unsigned int timeout_s,
                         uint64_t bytes, int64_t now_ms);

/**
 * migration_stall_check:
 * @bytes: the byte counter now
 * @paused: the migration legitimately waits (pre-switchover): the time
 *     does not count, the watch restarts from @now_ms
 *
 * Returns true exactly once: the first time @bytes has not grown for
 * @timeout_s seconds of unpaused time.  Always false when unarmed, off,
 * or after it fired.
 */
bool migration_stall_check(MigrationStallWatch *w, uint64_t bytes,
                           bool paused, int64_t now_ms);

/*
 * The main-loop timer: @fn(@opaque) every MIGRATION_STALL_TICK_MS on
 * @ctx (g_source_attach() is thread-safe, so the migration thread may
 * start it).  Returns NULL when @ctx is NULL (no main loop: unit tests).
 */
GSource *migration_stall_timer_start(GMainContext *ctx, GSourceFunc fn,
                                     gpointer opaque);
/* Destroy and unref *@src (thread-safe); no-op on NULL. */
void migration_stall_timer_stop(GSource **src);

/* The error-desc texts (g_free). */
char *migration_stall_source_error(unsigned int timeout_s);
char *migration_stall_incoming_error(unsigned int timeout_s);

#endif /* MIGRATION_STALL_H */

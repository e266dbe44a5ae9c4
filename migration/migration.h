/*
 * Migration control plane: per-machine migration state, the migration
 * threads, and the entry points for main() and the monitors.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Threads
 * -------
 * QMP/HMP handlers run on the main loop and never block on migration
 * I/O: connecting, accepting, the multifd handshakes and the stream
 * itself all run on one migration thread per direction.  That thread
 * reports through the status (under the state's lock) and events; it is
 * joined by the next migration, by migration_shutdown(), or from the
 * main loop right after it finished.
 *
 * Cancelling shuts down every channel (qio_channel_shutdown), which wakes
 * any blocked read or write, so migrate_cancel always works - even when
 * the peer stopped reading.  Connecting has a timeout and is cancellable
 * too.  The progress watchdog (stall.h) wakes the thread the same way
 * when no byte moved for x-stall-timeout seconds, ending in failed.
 */
#ifndef MIGRATION_MIGRATION_H
#define MIGRATION_MIGRATION_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "io/channel.h"
#include "io/socket-address.h"
#include "migration/engine.h"
#include "migration/options.h"
#include "migration/stall.h"
#include "qapi/qapi-types.h"
#include "system/machine.h"

/* How long connecting one channel (main or multifd) may take. */
#define MIGRATION_CONNECT_TIMEOUT_MS 30000
/*
 * How long a destination waits for the multifd channels once the main
 * channel is up.
 */
#define MIGRATION_CHANNELS_TIMEOUT_MS 30000

/* Where a migration transport goes: parsed from a URI. */
typedef enum MigrationTransportKind {
    MIGRATION_TRANSPORT_SOCKET, /* tcp:, unix: */
    MIGRATION_TRANSPORT_EXEC,   /* exec:CMD */
    MIGRATION_TRANSPORT_FD,     /* fd:NAME (getfd) or fd:N (inherited) */
} MigrationTransportKind;

/*
 * A cancellable wait: a pipe whose read end becomes readable once
 * migration_wakeup_signal() was called.  Blocking connect/accept poll it
 * along with their socket.
 */
typedef struct MigrationWakeup {
    int fds[2];
} MigrationWakeup;

/**
 * MigrationState:
 *
 * The outgoing side (one per machine, ms->migration).  Also holds the
 * machine's migration settings, which the incoming side uses too.
 */
struct MigrationState {
    MachineState *ms;
    MigrationOptions options;     /* (main) */

    GMutex lock;                  /* everything below */
    GCond cond;                   /* continue/cancel for wait_continue */
    MigrationStatus status;
    char *error_desc;
    MigrationCounters counters;
    GThread *thread;
    GThread *finished_thread;     /* ... once it ended, until joined */
    GSource *join_source;         /* main-loop idle that joins it */
    MigrationWakeup wakeup;       /* signalled by cancel */
    bool cancel_requested;
    bool continue_requested;
    bool events;                  /* snapshot of the events capability */
    /* Progress watchdog (x-stall-timeout), from connected to the end. */
    MigrationStallWatch stall;
    GSource *stall_source;        /* its main-loop timer */

    /* Channels of the running migration (owned by the thread). */
    QIOChannel *main;
    QIOChannel **multifd;
    unsigned int n_multifd;
    GPid child_pid;               /* exec: transport, or 0 */

    /* For restoring the run state after a failure or cancel. */
    RunState prev_runstate;
    bool vm_stopped;

    /*
     * Whether the current or last migration tracks dirty pages, and why
     * (static string; NULL before the first migrate).
     */
    bool dirty_tracking;
    const char *dirty_tracking_reason;

    /* Timing (g_get_monotonic_time() in ms), for query-migrate. */
    int64_t start_ms;
    int64_t end_ms;
    uint64_t ram_total;           /* bytes of guest RAM */
    uint64_t setup_time_ms;
    uint64_t downtime_ms;
    bool has_downtime;
    /* Zero-copy stats of each multifd channel, saved at the end. */
    QIOChannelZerocopyStats *zc_stats;
    unsigned int n_zc_stats;
};

/**
 * MigrationIncomingState:
 *
 * The incoming side (one per machine, ms->incoming).
 */
struct MigrationIncomingState {
    MachineState *ms;

    GMutex lock;                  /* everything below */
    MigrationStatus status;
    char *error_desc;
    MigrationCounters counters;
    GThread *thread;
    MigrationWakeup wakeup;       /* signalled by shutdown */
    bool quitting;
    bool deferred;                /* -incoming defer given */
    bool expected;                /* -incoming given at all */
    bool running;                 /* a listener/thread is active */
    bool events;                  /* snapshot of the events capability */
    char *uri;                    /* current migrate-incoming URI */
    /* Progress watchdog (x-stall-timeout), from accept to the end. */
    MigrationStallWatch stall;
    GSource *stall_source;        /* its main-loop timer */

    QIOChannel *listener;         /* socket transport */
    QIOSocketAddress *listen_addr;  /* what it listens on (real port) */
    QIOChannel *main;
    QIOChannel **multifd;
    unsigned int n_multifd;
    GPid child_pid;               /* exec: transport */
    int64_t start_ms;
    int64_t end_ms;
};

/**
 * migration_object_init:
 *
 * Create ms->migration and ms->incoming with QEMU 7.2's default settings.
 * main() calls this once, before the monitors start.
 */
void migration_object_init(MachineState *ms);

/**
 * migration_shutdown:
 *
 * Cancel whatever runs (outgoing and incoming), join the threads, close
 * the channels, reap exec children and free ms->migration / ms->incoming.
 * main() calls this after the main loop quit.  Accepts a machine on which
 * migration_object_init() was never called.
 */
void migration_shutdown(MachineState *ms);

/**
 * migration_incoming_cli:
 * @uri: the -incoming argument: "defer" or a URI
 *
 * For main(): sets the run state to inmigrate (paused until the stream
 * arrives) and, unless @uri is "defer", starts listening as
 * migrate-incoming would.  Returns false with @errp set when the URI is
 * bad or listening failed (main() then exits with the error).
 */
bool migration_incoming_cli(MachineState *ms, const char *uri,
                            GError **errp);

/*
 * Stop the incoming side: wake and join its thread, close its channels.
 * The state stays allocated (migration_shutdown() frees it).
 */
void migration_incoming_shutdown(MigrationIncomingState *mis);

/* True while an outgoing migration is in setup..device/cancelling. */
bool migration_is_running(MigrationState *s);
/* True while an incoming migration is listening or loading. */
bool migration_incoming_is_running(MigrationIncomingState *mis);

/*
 * QMP implementations are declared by qapi/qapi-commands.h:
 * qmp_migrate(), qmp_migrate_incoming(), qmp_migrate_cancel(),
 * qmp_migrate_continue(), qmp_query_migrate(),
 * qmp_migrate_set_capabilities(), qmp_query_migrate_capabilities(),
 * qmp_migrate_set_parameters(), qmp_query_migrate_parameters().
 */

/*
 * Internal to migration/: transports (socket.c, exec.c) and wakeups.
 */
bool migration_wakeup_init(MigrationWakeup *w, GError **errp);
void migration_wakeup_signal(MigrationWakeup *w);
/* Drain it, so that the next wait starts unsignalled. */
void migration_wakeup_reset(MigrationWakeup *w);
void migration_wakeup_destroy(MigrationWakeup *w);

/* Status helpers (take the lock). */
MigrationStatus migration_get_status(MigrationState *s);
MigrationStatus migration_incoming_get_status(MigrationIncomingState *mis);

#endif /* MIGRATION_MIGRATION_H */

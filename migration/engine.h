/*
 * The migration engine: the interface between the migration control plane
 * (migration.c: state machine, threads, transports, QMP) and the stream
 * code (savevm.c, ram.c, multifd*.c) that produces and consumes QEMU 7.2's
 * wire format.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The control plane owns the channels, the threads and the status; the
 * engine runs one whole migration on channels it is handed, reports
 * progress through MigrationCounters and asks the control plane through
 * hooks whenever the status must change or the VM must stop.
 */
#ifndef MIGRATION_ENGINE_H
#define MIGRATION_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "io/channel.h"
#include "qapi/qapi-types.h"
#include "system/machine.h"

/* Bytes of the multifd initial packet that starts every multifd channel. */
#define MULTIFD_INIT_PACKET_SIZE 64

/**
 * MigrationCounters:
 *
 * Written by engine threads with atomic operations, read at any time by
 * query-migrate.  All start at 0 for each migration.
 */
typedef struct MigrationCounters {
    _Atomic uint64_t transferred;     /* bytes written/read on all channels */
    _Atomic uint64_t precopy_bytes;   /* ... before the VM stopped */
    _Atomic uint64_t downtime_bytes;  /* ... while the VM was stopped */
    _Atomic uint64_t multifd_bytes;   /* ... on multifd channels */
    /* destination: multifd page bytes spliced into the RAM file, and
     * copied into its mapping instead because another channel was
     * writing to the file at the time */
    _Atomic uint64_t multifd_spliced_bytes;
    _Atomic uint64_t multifd_splice_busy_bytes;
    _Atomic uint64_t normal_pages;    /* pages sent/received in full */
    _Atomic uint64_t duplicate_pages; /* zero pages (ZERO records) */
    _Atomic uint64_t remaining;       /* dirty bytes still to send */
    _Atomic uint64_t dirty_sync_count;
    _Atomic uint64_t dirty_sync_missed_zero_copy;
    _Atomic uint64_t dirty_pages_rate; /* pages/s at the last sync */
    _Atomic uint64_t iterations;       /* PART sections written */
    _Atomic uint64_t downtime_ms;      /* VM stop to completion */
    _Atomic uint64_t expected_downtime_ms;
    _Atomic uint64_t setup_time_ms;
} MigrationCounters;

/**
 * MigrationSourceHooks: calls from the engine (on the migration thread)
 * into the control plane.  All callbacks are mandatory.
 * @set_status: the engine moved on: ACTIVE after setup, PRE_SWITCHOVER,
 *     DEVICE.  The control plane records the status and emits MIGRATION.
 * @pass: a new dirty-sync round started (MIGRATION_PASS), 1-based.
 * @wait_continue: with pause-before-switchover: block until
 *     migrate-continue (true) or cancel (false).
 * @stop_vm: stop the guest for switchover (STOP event); remembers the
 *     previous run state so that a failure can restore it.
 * @cancelled: true once migrate_cancel was requested; the engine checks it
 *     between steps (channel I/O is woken by qio_channel_shutdown()).
 */
typedef struct MigrationSourceHooks {
    void (*set_status)(void *opaque, MigrationStatus status);
    void (*pass)(void *opaque, uint64_t pass);
    bool (*wait_continue)(void *opaque);
    void (*stop_vm)(void *opaque);
    bool (*cancelled)(void *opaque);
} MigrationSourceHooks;

/**
 * RAMDirtyOps: where pages dirtied during migration come from (dirty
 * tracking; optional - without it every page is sent exactly once).
 * @sync: OR into @bmap (one bit per target page of @rb, bit set = dirty)
 *     every page written since the previous call; return how many bits
 *     were set, or -1 with @errp set (fails the migration).  Called on the
 *     migration thread at every dirty-sync round: at setup, whenever the
 *     remaining amount is below the switchover threshold, and once more
 *     after the VM was stopped.  The first call should only start
 *     tracking (every page is already dirty then).
 */
typedef struct RAMDirtyOps {
    int64_t (*sync)(void *opaque, RAMBlock *rb, unsigned long *bmap,
                    uint64_t npages, GError **errp);
} RAMDirtyOps;

typedef struct MigrationSourceParams {
    MachineState *ms;
    QIOChannel *main;          /* connected, blocking; not owned */
    QIOChannel **multifd;      /* connected, blocking; not owned */
    unsigned int n_multifd;    /* 0: single stream */
    bool zerocopy;             /* multifd page data with zero copy */
    bool return_path;
    bool pause_before_switchover;
    bool validate_uuid;        /* send configuration/uuid when -uuid set */
    uint64_t max_bandwidth;    /* bytes/s; 0 = unlimited */
    uint64_t downtime_limit_ms;
    MigrationCounters *counters;
    const MigrationSourceHooks *hooks;
    void *opaque;              /* passed to every hook */
    const RAMDirtyOps *dirty_ops; /* optional dirty tracking (NULL: none) */
    void *dirty_opaque;
    /*
     * auto-converge: at dirty-sync rounds at least 1 s apart, if the
     * bytes dirtied in the period exceed throttle_trigger_threshold % of
     * the bytes transferred, twice in a row, the guest is throttled
     * (cpu_throttle_set(): initial, then + increment up to max).  The
     * engine drops the throttle when it returns.
     */
    bool auto_converge;
    unsigned int throttle_trigger_threshold;  /* percent */
    unsigned int cpu_throttle_initial;
    unsigned int cpu_throttle_increment;
    unsigned int max_cpu_throttle;
    bool cpu_throttle_tailslow;
} MigrationSourceParams;

/**
 * migration_source_run:
 *
 * Runs a whole outgoing migration on the migration thread: multifd initial
 * packets, header, RAM setup, iterations, switchover (hooks->stop_vm),
 * completion, device sections, EOF and vmdesc; with multifd a SYNC round
 * and (zero copy) a flush of every channel before each RAM EOS.
 * Returns 0 when everything was written (the caller then closes the
 * channels and reports COMPLETED), -1 with @errp set otherwise.  Never
 * touches RAM contents.
 */
int migration_source_run(const MigrationSourceParams *p, GError **errp);

typedef struct MigrationIncomingHooks {
    void (*set_status)(void *opaque, MigrationStatus status);
    bool (*cancelled)(void *opaque);
} MigrationIncomingHooks;

typedef struct MigrationIncomingParams {
    MachineState *ms;
    QIOChannel *main;          /* not owned */
    QIOChannel **multifd;      /* index = channel id; not owned */
    unsigned int n_multifd;    /* 0: single stream */
    MigrationCounters *counters;
    const MigrationIncomingHooks *hooks;
    void *opaque;
    /* multifd: never splice page data into file-backed RAM (A/B runs) */
    bool no_recv_splice;
    RunState global_state;     /* out: run state from the globalstate section */
    bool has_global_state;     /* out */
    char *warning;             /* out: non-fatal remark QEMU would print
                                  ("UUID is received ...", "Expected
                                  vmdescription section, but got 0");
                                  g_free() by the caller; NULL if none */
} MigrationIncomingParams;

/**
 * migration_incoming_run:
 *
 * Loads a whole stream into the machine's RAM blocks, validating every
 * field (never writes outside a block).  Returns 0 on success, -1 with
 * @errp set naming what was wrong ("Illegal RAM offset 1000000", ...).
 */
int migration_incoming_run(MigrationIncomingParams *p, GError **errp);

/*
 * Multifd channel handshake (the 64-byte MultiFDInit packet).  The
 * control plane calls these, never the engine:
 * - source: connect the main channel first; once that connect completed
 *   connect the N multifd channels and call multifd_send_initial_packet()
 *   on each at once (ids 0..N-1, @uuid = ms->uuid, zeros without -uuid -
 *   QEMU checks it even without validate-uuid); then pass them, in id
 *   order, to migration_source_run().
 * - destination: the first accepted connection is the main channel; each
 *   later one gets multifd_recv_initial_packet() (magic, version, uuid
 *   against @uuid, id < @n_channels; error texts as QEMU's) and goes to
 *   multifd[id].  Refusing a duplicate id ("multifd: received id '0'
 *   already setup'") is the caller's job.  Run migration_incoming_run()
 *   once all N are there.
 */
int multifd_send_initial_packet(QIOChannel *ioc, const uint8_t uuid[16],
                                uint8_t id, GError **errp);
int multifd_recv_initial_packet(QIOChannel *ioc, const uint8_t uuid[16],
                                unsigned int n_channels, uint8_t *id,
                                GError **errp);

#endif /* MIGRATION_ENGINE_H */

/*
 * Helpers shared by the migration control-plane unit tests
 * (test-migration-control.c, test-migration-control-errors.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_MIGRATION_CONTROL_UTIL_H
#define TESTS_MIGRATION_CONTROL_UTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "migration/engine.h"
#include "qapi/event-emitter.h"
#include "system/machine.h"

/* How long mc_wait_for() and the tests' own polls wait at most. */
#define MC_DEADLINE_S 60

/* Records events as "NAME" or "NAME:status". */
typedef struct MCRecorder {
    QAPIEventEmitter em;
    GMutex lock;
    GPtrArray *events;
} MCRecorder;

/* True if @ev ("NAME" or "NAME:status") was emitted. */
bool mc_recorder_has(MCRecorder *r, const char *ev);
/* All events so far, space separated (for failure messages). */
char *mc_recorder_join(MCRecorder *r);

/* One machine of a migration, with its event recorder. */
typedef struct MCSide {
    MachineState *ms;
    MCRecorder rec;
} MCSide;

/*
 * A machine with @pages pages (see mt_machine_new()), events recorded,
 * migration state initialised; with @incoming, started as with
 * "-incoming defer" (asserted to be in runstate inmigrate).
 */
void mc_side_init(MCSide *s, uint64_t pages, bool incoming);
/* Shut migration down (asserting it leaves nothing behind) and free. */
void mc_side_destroy(MCSide *s);

/* Turn on the comma-separated capabilities in @spec (asserts success). */
void mc_set_caps(MachineState *ms, const char *spec);
/* Set multifd-channels (asserts success). */
void mc_set_channels(MachineState *ms, unsigned int n);

MigrationStatus mc_src_status(MCSide *s);
MigrationStatus mc_dst_status(MCSide *s);
/*
 * Poll @get until it returns @want; aborts with the recorded events
 * after MC_DEADLINE_S seconds.
 */
void mc_wait_for(MigrationStatus (*get)(MCSide *), MCSide *s,
                 MigrationStatus want);

/*
 * Wait for both sides to complete; their RAM must then be
 * byte-identical.
 */
void mc_wait_completed(MCSide *src, MCSide *dst);

/* query-migrate's error-desc (NULL if none); checks has_error_desc. */
char *mc_query_error(MCSide *s);
/* True if both machines' RAM blocks are byte-identical. */
bool mc_ram_equal(MCSide *a, MCSide *b);

/* A unix: URI in the temp dir, unique per process and @tag. */
char *mc_unix_uri(const char *tag);
/* The tcp: URI a "tcp:127.0.0.1:0" migrate-incoming ended up on. */
char *mc_incoming_tcp_uri(MCSide *dst);
/* True if the kernel accepts SO_ZEROCOPY on a TCP socket. */
bool mc_have_zerocopy(void);

/* qmp_migrate / qmp_migrate_incoming, asserting success. */
void mc_migrate(MCSide *src, const char *uri);
void mc_incoming(MCSide *dst, const char *uri);

#endif /* TESTS_MIGRATION_CONTROL_UTIL_H */

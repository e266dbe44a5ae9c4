/*
 * MachineState: the one context object of a zcmig process.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * There is no global machine: main() creates one MachineState and passes
 * it to everything (monitors, QMP command handlers, migration).
 *
 * Threads: fields marked (main) are only touched on the main-loop thread.
 * The run state may be read and changed from any thread through the
 * runstate_* / vm_* functions, which take ms->lock and emit STOP/RESUME.
 */
#ifndef SYSTEM_MACHINE_H
#define SYSTEM_MACHINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/event-emitter.h"
#include "qapi/qapi-types.h"
#include "system/ramblock.h"

typedef struct MigrationState MigrationState;
typedef struct MigrationIncomingState MigrationIncomingState;
typedef struct Monitor Monitor;

typedef struct MachineState {
    GMainContext *ctx;           /* main-loop context (monitors, timers) */
    GMainLoop *loop;             /* quit by `quit`, SIGTERM, SIGINT */

    char *name;                  /* -name, or NULL */
    bool has_uuid;
    uint8_t uuid[16];            /* -uuid; zeros when unset */
    char *machine_type;          /* "none" */
    uint64_t ram_size;           /* -m, bytes */
    GPtrArray *ram_blocks;       /* RAMBlock *, owned; fixed after start */

    GMutex lock;                 /* protects runstate and: */
    RunState runstate;
    /*
     * An outgoing migration runs without dirty tracking: anything that
     * would write guest RAM (a workload, x-zcmig-fill-ram) is refused
     * (guest_ram_write_check() in system/workload.h).
     */
    bool ram_writes_untracked;
    bool start_paused;           /* -S */

    QAPIEventEmitter *events;    /* set by the monitor layer */

    MigrationState *migration;          /* outgoing migration context */
    MigrationIncomingState *incoming;   /* incoming migration context */
    GList *monitors;             /* Monitor *, (main) */
    void *workloads;             /* guest workloads (system/workload.c) */

    /* Extensions (system/): */
    gint shutdown_requested;     /* atomic; set by machine_request_shutdown */
    char *incoming_uri;          /* -incoming argument, or NULL (main) */
    void *monitor_core;          /* MonitorCore *, owner of ms->events */
    /*
     * (main) The monitor session whose command is being dispatched, or
     * NULL: set by the QMP server only for the duration of one dispatch,
     * so that session-scoped commands (getfd, closefd, migrate fd:NAME)
     * find their caller's fd table.  See monitor_cur().
     */
    Monitor *cur_mon;
} MachineState;

/* Thread-safe run-state access.  vm_stop/vm_start emit STOP/RESUME. */
RunState runstate_get(MachineState *ms);
bool runstate_is_running(MachineState *ms);
void runstate_set(MachineState *ms, RunState state);
/* Pause the guest: state becomes @state, STOP is emitted if it was running. */
void vm_stop(MachineState *ms, RunState state);
/* Resume: state becomes running and RESUME is emitted. */
void vm_start(MachineState *ms);

/* Ask the main loop to exit (thread-safe). SHUTDOWN is emitted. */
void machine_request_shutdown(MachineState *ms, bool from_signal);

/**
 * machine_new:
 *
 * Returns: an empty machine (no RAM, run state running, own main
 * context and loop, no event emitter).  Free with machine_free().
 */
MachineState *machine_new(void);
/* Frees the RAM blocks and the machine; accepts NULL.  Monitors and
 * migration must already be torn down. */
void machine_free(MachineState *ms);

#endif /* SYSTEM_MACHINE_H */

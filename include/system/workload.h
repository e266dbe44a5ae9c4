/*
 * Guest workload: host threads that stand in for vCPUs and write guest
 * RAM in a self-checking pattern, so that live migration has a guest
 * that dirties memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Created by "-object guest-workload,id=ID[,threads=N][,dirty-rate=MIB]
 * [,pattern=sweep|random][,memdev=ID][,start=on|off]" or driven by the
 * x-zcmig-*workload* QMP commands (qapi/workload.json).
 *
 * Pausing with the VM: a writer writes a chunk of pages while holding
 * ms->lock and checks inside that the run state is "running".  vm_stop()
 * changes the run state under the same lock, so once it returned no
 * write is in flight and none starts until vm_start(): the guarantee of
 * QEMU's pause_all_vcpus(), which the switchover needs (the final dirty
 * sync must see the last write).  On every resume a writer re-reads
 * where its pattern stands from RAM, so a migration destination started
 * with the same -object continues the source's pattern after "cont".
 *
 * Patterns (per thread, over its own contiguous range of pages):
 * - sweep: increment the first byte of every page, in page order; a
 *   consistent snapshot is a run of v+1 followed by a run of v (mod 256).
 * - random: random pages get a sequence number in their first 8 bytes
 *   and a check value of it and the page index in their last 8 bytes;
 *   a consistent snapshot has no torn page.
 */
#ifndef SYSTEM_WORKLOAD_H
#define SYSTEM_WORKLOAD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/qapi-types.h"
#include "system/machine.h"

#define WORKLOAD_MAX_THREADS 64
/* Pages a writer writes per ms->lock hold. */
#define WORKLOAD_CHUNK_PAGES 32

/**
 * WorkloadParams: a workload's configuration.
 * @dirty_rate: MiB/s over all threads; 0 = as fast as possible
 * @memdev: RAM block written, or NULL for all blocks
 */
typedef struct WorkloadParams {
    char *id;
    unsigned int threads;
    uint64_t dirty_rate;
    GuestWorkloadPattern pattern;
    char *memdev;
    bool start;
} WorkloadParams;

void workload_params_clear(WorkloadParams *p);

/**
 * workload_parse_opts:
 * @spec: the -object argument, "guest-workload,id=w0,threads=2,..."
 *
 * Syntax and range checks only.  Errors name the parameter the way
 * QEMU's -object does ("Parameter 'threads' expects an integer between
 * 1 and 64").  Returns false with @errp set.
 */
bool workload_parse_opts(const char *spec, WorkloadParams *out,
                         GError **errp);

/**
 * workload_create_from_opts:
 *
 * Parse @spec and create the workload on @ms (whose RAM blocks must
 * exist); with start=on (the default) its threads start at once and
 * write whenever the VM runs.  Returns false with @errp set (bad
 * option, unknown memdev, duplicate id, fewer pages than threads).
 */
bool workload_create_from_opts(MachineState *ms, const char *spec,
                               GError **errp);

/* Create from parsed parameters (@p is copied). */
bool workload_create(MachineState *ms, const WorkloadParams *p,
                     GError **errp);

/* Start/stop the threads of workload @id.  False with @errp if unknown. */
bool workload_start(MachineState *ms, const char *id, GError **errp);
bool workload_stop(MachineState *ms, const char *id, GError **errp);

/*
 * Guest RAM writers vs dirty tracking.  zcmig's guest RAM is written only
 * by workload threads and x-zcmig-fill-ram (and by an incoming
 * migration), so an outgoing migration arms the dirty tracker only when
 * a workload is started (docs/devel/dirty-tracking.rst).  While one runs
 * without it, creating or starting a workload and filling RAM fail.
 * Main thread: migrate, workload creation/start and fill-ram all run
 * there, so the check cannot race with the decision.
 */
#define GUEST_RAM_WRITE_UNTRACKED_ERR \
    "Cannot write guest RAM while a migration without dirty tracking " \
    "is in progress"

/*
 * True when the threads of at least one workload are started (they
 * write whenever the VM runs).  A workload created with start=off does
 * not count until x-zcmig-workload-start.
 */
bool workloads_started(MachineState *ms);

/* Set/clear ms->ram_writes_untracked (under ms->lock). */
void guest_ram_writes_set_untracked(MachineState *ms, bool untracked);

/* False with @errp set (GUEST_RAM_WRITE_UNTRACKED_ERR) while set. */
bool guest_ram_write_check(MachineState *ms, GError **errp);

/* Newly allocated list for x-zcmig-query-workloads. */
GuestWorkloadInfoList *workload_query(MachineState *ms);

/**
 * workload_verify:
 *
 * Check RAM against the pattern of @p (threads, pattern, memdev), with
 * every workload's writers held off.  Returns the result, or NULL with
 * @errp set (unknown memdev, too many threads).
 */
GuestWorkloadVerifyResult *workload_verify(MachineState *ms,
                                           const WorkloadParams *p,
                                           GError **errp);

/* The parameters of workload @id (borrowed), or NULL. */
const WorkloadParams *workload_find_params(MachineState *ms, const char *id);

/* Stop every workload and free them.  main() calls this before
 * machine_free() (writers must not outlive the RAM).  Idempotent. */
void workloads_shutdown(MachineState *ms);

/* HMP "info workloads" (monitor/hmp-cmds.c's hmp_info_cmds[]). */
void hmp_info_workloads(Monitor *mon, MachineState *ms, const char *args);

/*
 * CPU throttle (auto-converge), QEMU's cpu_throttle_* for zcmig's
 * "vCPUs": with @pct > 0 every workload thread sleeps @pct percent of
 * the time (a rate-limited workload runs at (100 - pct)% of its rate).
 * Thread-safe; machine-wide; 0 stops throttling.
 */
void cpu_throttle_set(MachineState *ms, unsigned int pct);
unsigned int cpu_throttle_get_percentage(MachineState *ms);

#endif /* SYSTEM_WORKLOAD_H */

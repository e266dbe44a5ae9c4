/*
 * Helpers for the migration integration tests: start zcmig / QEMU
 * processes, talk QMP to them, wait for migration states and events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every wait has a deadline; a helper that times out fails the test with
 * a message naming what it waited for.
 */
#ifndef TESTS_QTEST_MIGRATION_HELPERS_H
#define TESTS_QTEST_MIGRATION_HELPERS_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Generous: CI machines are slow and shared. */
#define MIG_TIMEOUT_MS 120000

typedef struct MigProc {
    char *name;          /* "src", "dst", for messages */
    GPid pid;
    bool exited;
    bool is_qemu;
    char *qmp_path;
    int qmp_fd;
    GString *rbuf;       /* bytes read but not yet parsed */
    GQueue *events;      /* JsonNode * of events not consumed yet */
} MigProc;

/* A per-test temporary directory (in /dev/shm when possible). */
const char *mig_tmpdir(void);

/* The QEMU binary for interop tests, or NULL (tests then skip). */
const char *mig_qemu_binary(void);

/**
 * mig_proc_start:
 * @args: extra command-line arguments, split on spaces (no quoting)
 *
 * Starts zcmig ($ZCMIG_BINARY) or @qemu with "-nodefaults -display none
 * -M none" plus @args, and a QMP socket in mig_tmpdir(); connects and
 * negotiates capabilities.
 */
MigProc *mig_proc_start(const char *name, bool qemu, const char *args);
/* SIGKILL (if still running), reap, free. Accepts NULL. */
void mig_proc_free(MigProc *p);
/* Send @sig and reap. */
void mig_proc_kill(MigProc *p, int sig);
/* True while the process has not exited (reaps it if it has). */
bool mig_proc_alive(MigProc *p);

/**
 * mig_cmd:
 *
 * Execute a QMP command built from printf-style @fmt (a JSON object with
 * "execute"); asserts success and returns the "return" member (caller
 * frees with json_node_unref).
 */
JsonNode *mig_cmd(MigProc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Same, returning nothing. */
void mig_cmd_ok(MigProc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Execute and assert failure; returns the error's "desc" (g_free). */
char *mig_cmd_err(MigProc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Execute; "" on success, else the error's "desc" (g_free). */
char *mig_cmd_try(MigProc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* HMP through human-monitor-command; returns the output (g_free). */
char *mig_hmp(MigProc *p, const char *cmdline);

/* "status" of query-migrate, or "" when it returned {} (g_free). */
char *mig_query_status(MigProc *p);
/* query-migrate's "error-desc" or NULL (g_free). */
char *mig_query_error(MigProc *p);
/* The run state of query-status (g_free). */
char *mig_run_state(MigProc *p);

/*
 * Poll query-migrate until the status is one of the NULL-terminated
 * @statuses; returns the status reached (g_free).  Fails the test after
 * @timeout_ms, or when a final state other than those expected shows up.
 */
char *mig_wait_status(MigProc *p, int timeout_ms, ...) G_GNUC_NULL_TERMINATED;
/* Poll query-status until the run state is @state. */
void mig_wait_run_state(MigProc *p, const char *state, int timeout_ms);
/* Wait for the MIGRATION event with @status (events since start). */
void mig_wait_migration_event(MigProc *p, const char *status, int timeout_ms);
/* Wait for any event named @event; returns its data or NULL. */
JsonObject *mig_wait_event(MigProc *p, const char *event, int timeout_ms);

/* Checksums of all RAM blocks, "name:sha256;..." (g_free). */
char *mig_ram_checksum(MigProc *p);

/* Integer member of query-migrate's "ram" (0 when absent). */
int64_t mig_query_ram_int(MigProc *p, const char *member);

/* Fill a file with the same pattern x-zcmig-fill-ram produces. */
void mig_fill_file(const char *path, uint64_t size, uint64_t seed,
                   uint64_t zero_every);
/* Compare two files byte for byte (sizes too). */
bool mig_files_equal(const char *a, const char *b);

/*
 * After a zero-copy migration over loopback: every multifd channel queued
 * zero-copy sends, all completed, all reported copied; and the copies
 * showed either as missed sync flushes (@missed) or as every channel
 * having fallen back to plain sends.
 */
void mig_check_zero_copy_loopback(MigProc *p, unsigned int channels,
                                  int64_t missed);
/* ::1 can be bound here. */
bool mig_have_ipv6(void);
/* setsockopt(SO_ZEROCOPY) works on a TCP socket here. */
bool mig_have_zerocopy(void);

/* A free TCP port on 127.0.0.1. */
int mig_free_port(void);

/* ---- the scenario harness ------------------------------------------ */

typedef enum MigTransport {
    MIG_TCP4,
    MIG_TCP6,
    MIG_UNIX,
    MIG_EXEC,    /* source writes a file with exec:, destination reads it */
} MigTransport;

typedef enum MigBackend {
    MIG_BACKEND_RAM,
    MIG_BACKEND_FILE,   /* share=on in mig_tmpdir(); needed with QEMU */
    MIG_BACKEND_MEMFD,
} MigBackend;

typedef enum MigPeer {
    MIG_PEER_ZCMIG,
    MIG_PEER_QEMU,
} MigPeer;

/**
 * MigScenario: one row of a migration test table.
 * @size_kib: guest RAM in KiB (a multiple of 4)
 * @zero_every: every n-th page of the source is zero (0: none)
 * @channels: multifd channels, 0 for a single stream
 */
typedef struct MigScenario {
    const char *path;
    MigPeer src, dst;
    MigTransport transport;
    MigBackend backend;
    uint64_t size_kib;
    uint64_t zero_every;
    unsigned int channels;
    bool zerocopy;
    bool return_path;
    bool pause_before_switchover;
    bool dst_paused;      /* -S on the destination: stays paused */
    bool incoming_cli;    /* -incoming URI instead of defer + QMP */
} MigScenario;

/*
 * Run one scenario end to end and assert every outcome: both sides
 * complete (with MIGRATION events), RAM identical (checksums, or the
 * backing files byte for byte when QEMU is involved), exact page
 * counters, zero-copy counters, and the run states afterwards.
 * Skips (g_test_skip) when the host lacks IPv6, QEMU or SO_ZEROCOPY.
 */
void mig_run_scenario(const MigScenario *sc);

/* Register every row of @rows (gtest paths from each row's @path). */
void mig_add_scenarios(const MigScenario *rows, size_t n);

/* Memory backend arguments for a @size_kib guest (g_free). */
char *mig_backend_args(MigBackend backend, uint64_t size_kib,
                       const char *file);

#endif /* TESTS_QTEST_MIGRATION_HELPERS_H */

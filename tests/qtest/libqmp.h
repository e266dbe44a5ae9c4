/*
 * libqmp: a small QMP client and process launcher for integration tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Typical use:
 *
 *     g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(), "-m 64M -S");
 *     g_autoptr(JsonNode) st = qmp_cmd_ok(vm->qmp,
 *                                         "{'execute': 'query-status'}");
 *     g_assert_cmpstr(qmp_get_str(st, "status"), ==, "prelaunch");
 *     qmp_cmd_ok(vm->qmp, "{'execute': 'cont'}");
 *     g_autoptr(JsonNode) ev = qmp_wait_event(vm->qmp, "RESUME", NULL,
 *                                             NULL, QMP_TIMEOUT_MS);
 *     g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
 *
 * Commands are JSON text; single quotes are accepted in place of double
 * quotes (as QEMU's own parser does), so format strings stay readable:
 * use qmp_json_quote() for untrusted strings inside them.
 *
 * Every wait has a deadline (QMP_TIMEOUT_MS unless told otherwise).  The
 * functions named *_ok and qmp_vm_* assert (g_assert / g_error) on
 * failure, for tests; the others report with GError or NULL.  Events
 * arriving while a command waits for its reply are queued in arrival
 * order and found by qmp_wait_event().
 */
#ifndef TESTS_QTEST_LIBQMP_H
#define TESTS_QTEST_LIBQMP_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* Default deadline for one wait; generous for slow shared CI machines. */
#define QMP_TIMEOUT_MS 60000

/* ---- processes ---- */

typedef enum QmpSpawnFlags {
    QMP_SPAWN_STDIN_PIPE = 1 << 0,  /* child's stdin is a pipe we hold */
    QMP_SPAWN_STDOUT_PIPE = 1 << 1, /* child's stdout is a pipe we hold */
} QmpSpawnFlags;

/**
 * QmpProc: a child process.
 * @pid: its pid
 * @stdin_fd: our end of its stdin pipe, or -1
 * @stdout_fd: our end of its stdout pipe (non-blocking), or -1
 * @exited: true once reaped; then @status is the raw wait status
 */
typedef struct QmpProc {
    GPid pid;
    int stdin_fd;
    int stdout_fd;
    bool exited;
    int status;
    char *stderr_path;   /* the child's stderr goes to this file */
} QmpProc;

/**
 * qmp_proc_spawn:
 * @argv: NULL-terminated; argv[0] is the program (searched in PATH)
 *
 * Starts the process with stdin from /dev/null (or a pipe) and stderr
 * captured to a temporary file.  Returns NULL with @errp set.
 */
QmpProc *qmp_proc_spawn(const char *const *argv, QmpSpawnFlags flags,
                        GError **errp);
/**
 * qmp_proc_spawn_fds:
 * @keep_fds: fds of ours the child inherits under the same numbers (for
 *            "-incoming fd:N"); they stay open here too
 *
 * Like qmp_proc_spawn().
 */
QmpProc *qmp_proc_spawn_fds(const char *const *argv, QmpSpawnFlags flags,
                            const int *keep_fds, guint n_keep, GError **errp);
/* Reaps if it exited; true while running. */
bool qmp_proc_running(QmpProc *p);
/**
 * qmp_proc_wait:
 * Waits up to @timeout_ms for the process to exit.  Returns false on
 * timeout; otherwise true with p->status set.
 */
bool qmp_proc_wait(QmpProc *p, int timeout_ms);
/* kill(pid, @sig) if still running. */
void qmp_proc_signal(QmpProc *p, int sig);
/* The exit code, or -1 when it did not exit normally (or still runs). */
int qmp_proc_exit_code(QmpProc *p);
/* Everything the process wrote to stderr so far (g_free). */
char *qmp_proc_stderr(QmpProc *p);
/* SIGKILL if running, reap, remove the stderr file; accepts NULL. */
void qmp_proc_free(QmpProc *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpProc, qmp_proc_free)

/* ---- QMP connections ---- */

typedef struct QmpConn QmpConn;

/**
 * qmp_connect_unix:
 * @path: the server's UNIX socket
 * @proc: (nullable): the server process; connecting stops early if it
 *        exits
 * @timeout_ms: keep retrying (the server may not listen yet) until then
 *
 * Connects and reads the greeting (see qmp_greeting()).  Does not
 * negotiate.  Returns NULL with @errp set.
 */
QmpConn *qmp_connect_unix(const char *path, QmpProc *proc, int timeout_ms,
                          GError **errp);
/* Same for TCP. */
QmpConn *qmp_connect_tcp(const char *host, int port, QmpProc *proc,
                         int timeout_ms, GError **errp);
/* The greeting object (borrowed). */
JsonNode *qmp_greeting(QmpConn *q);
/* Sends qmp_capabilities; false with @errp on an error reply. */
bool qmp_negotiate(QmpConn *q, GError **errp);
void qmp_conn_free(QmpConn *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpConn, qmp_conn_free)

/**
 * qmp_send_raw:
 * Writes @len bytes as they are (for malformed-input tests).
 */
bool qmp_send_raw(QmpConn *q, const void *buf, size_t len, GError **errp);

/**
 * qmp_send_fd:
 * Like qmp_send_raw(), passing a copy of @fd with SCM_RIGHTS along with
 * the first bytes (@len > 0), as a client does for getfd.
 */
bool qmp_send_fd(QmpConn *q, int fd, const void *buf, size_t len,
                 GError **errp);

/**
 * qmp_receive:
 * Returns the next message that is not an event (a reply), queueing
 * events; NULL with @errp on timeout, EOF or unparsable data.
 */
JsonNode *qmp_receive(QmpConn *q, int timeout_ms, GError **errp);

/**
 * qmp_execute:
 * @fmt: printf-style JSON text (single quotes allowed)
 *
 * Sends the command and returns the whole reply object ({"return": ...}
 * or {"error": ...}), or NULL with @errp on I/O errors/timeout.
 */
JsonNode *qmp_execute(QmpConn *q, GError **errp, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* qmp_execute() with a copy of @fd passed along (SCM_RIGHTS). */
JsonNode *qmp_execute_fd(QmpConn *q, int fd, GError **errp,
                         const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* Asserting versions for tests: the "return" member (transfer full). */
JsonNode *qmp_cmd_ok(QmpConn *q, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Asserts an error reply; returns its "desc" and sets *@cls (g_free
 * both; @cls may be NULL). */
char *qmp_cmd_err(QmpConn *q, char **cls, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* qmp_cmd_ok() / qmp_cmd_err() passing a copy of @fd (for getfd). */
JsonNode *qmp_cmd_ok_fd(QmpConn *q, int fd, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
char *qmp_cmd_err_fd(QmpConn *q, int fd, char **cls, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* Asserting: next reply, whatever it is (after qmp_send_raw()). */
JsonNode *qmp_receive_ok(QmpConn *q);

typedef bool (*QmpEventPredicate)(JsonNode *event, void *opaque);

/**
 * qmp_wait_event:
 * @name: event name, e.g. "MIGRATION"
 * @pred: (nullable): extra condition on the whole event object
 *
 * Returns (transfer full) the first queued or arriving event named @name
 * that satisfies @pred, removing it (and only it) from the queue; NULL
 * on timeout.
 */
JsonNode *qmp_wait_event(QmpConn *q, const char *name,
                         QmpEventPredicate pred, void *opaque,
                         int timeout_ms);
/* Number of queued events; drop them all. */
guint qmp_events_pending(QmpConn *q);
void qmp_events_clear(QmpConn *q);
/* Predicate for qmp_wait_event(): data.status == (const char *)opaque. */
bool qmp_event_status_is(JsonNode *event, void *opaque);

/* HMP through human-monitor-command; asserts success; g_free. */
char *qmp_hmp(QmpConn *q, const char *cmdline);

/* ---- JSON helpers ---- */

/* JSON string literal for @s, with double quotes (g_free). */
char *qmp_json_quote(const char *s);
/* Member access on an object node; asserting. */
const char *qmp_get_str(JsonNode *obj, const char *member);
gint64 qmp_get_int(JsonNode *obj, const char *member);
bool qmp_get_bool(JsonNode *obj, const char *member);
/* Compact text of @node (g_free), for messages. */
char *qmp_to_string(JsonNode *node);

/* ---- a VM under test ---- */

typedef struct QmpVM {
    QmpProc *proc;
    QmpConn *qmp;        /* negotiated */
    char *dir;           /* private temporary directory */
    char *qmp_path;      /* dir/qmp.sock */
} QmpVM;

/* $ZCMIG_BINARY, or "zcmig" next to the test's build dir. */
const char *qmp_zcmig_binary(void);
/* $QEMU_BINARY or qemu-system-x86_64 from PATH (resolved to a full
 * path); NULL if absent. */
const char *qmp_qemu_binary(void);

/**
 * qmp_vm_start:
 * @binary: zcmig or QEMU
 * @args: extra arguments separated by spaces (no quoting)
 *
 * Starts "@binary -nodefaults -display none -M none @args -qmp
 * unix:DIR/qmp.sock,server=on,wait=off" in a new temporary directory
 * (also usable for memory files), connects and negotiates; asserts.
 */
QmpVM *qmp_vm_start(const char *binary, const char *args);
/* Like qmp_vm_start(); the process inherits @keep_fds (same numbers). */
QmpVM *qmp_vm_start_fds(const char *binary, const char *args,
                        const int *keep_fds, guint n_keep);
/* Like qmp_vm_start() with printf-style arguments. */
QmpVM *qmp_vm_startf(const char *binary, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Sends quit, waits for the exit; returns the exit code. */
int qmp_vm_quit(QmpVM *vm);
/* Kills if needed, removes the directory; accepts NULL. */
void qmp_vm_free(QmpVM *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpVM, qmp_vm_free)

/* A new temporary directory (g_free; remove with qmp_rmdir_recursive). */
char *qmp_tmpdir(void);
void qmp_rmdir_recursive(const char *dir);

#endif /* TESTS_QTEST_LIBQMP_H */

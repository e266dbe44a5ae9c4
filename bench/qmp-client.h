/*
 * A small blocking QMP client for the benchmark tools (zcmig or QEMU).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One client per monitor socket.  Commands are executed one at a time;
 * events that arrive meanwhile are queued and can be fetched later, so
 * a caller can wait for MIGRATION events of two processes at once by
 * polling both clients' file descriptors.
 */
#ifndef BENCH_QMP_CLIENT_H
#define BENCH_QMP_CLIENT_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct QmpClient QmpClient;

/**
 * qmp_client_connect:
 * @path: the monitor's UNIX socket path
 * @name: used in error messages ("source", "destination")
 * @timeout_ms: keep retrying this long while the socket is not there yet
 *
 * Connects, reads the greeting and negotiates capabilities.  Returns NULL
 * with @errp set on failure.
 */
QmpClient *qmp_client_connect(const char *path, const char *name,
                              int timeout_ms, GError **errp);
void qmp_client_free(QmpClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpClient, qmp_client_free)

const char *qmp_client_name(QmpClient *c);
/* The socket's file descriptor, for poll(): readable = qmp_client_pump(). */
int qmp_client_fd(QmpClient *c);

/**
 * qmp_client_execute:
 * @args: a JSON object node with the arguments (consumed), or NULL
 *
 * Runs one command and waits (up to @timeout_ms) for its reply.  Returns
 * the "return" member (json_node_unref() it), or NULL with @errp set to
 * the QMP error's description.
 */
JsonNode *qmp_client_execute(QmpClient *c, const char *command,
                             JsonNode *args, int timeout_ms, GError **errp);
/* printf-style convenience: @fmt_args is the JSON text of the arguments. */
JsonNode *qmp_client_executef(QmpClient *c, const char *command,
                              int timeout_ms, GError **errp,
                              const char *fmt_args, ...) G_GNUC_PRINTF(5, 6);

/* Read what is available without blocking; queue events.  -1 on EOF/error. */
int qmp_client_pump(QmpClient *c, GError **errp);
/* Oldest queued event (json_node_unref() it), or NULL. */
JsonNode *qmp_client_pop_event(QmpClient *c);
/* True if the monitor lists @command in query-commands. */
gboolean qmp_client_has_command(QmpClient *c, const char *command);

#endif /* BENCH_QMP_CLIENT_H */

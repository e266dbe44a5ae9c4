/*
 * Migration transports: URI parsing, socket connect/listen/accept with
 * timeouts and cancellation, exec: commands.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Everything here blocks and therefore runs on a migration thread, except
 * migration_transport_parse(), migration_socket_listen() and
 * migration_exec_spawn(), which the QMP handlers call so that bad URIs,
 * busy ports and unspawnable commands are reported in the reply.
 */
#ifndef MIGRATION_TRANSPORT_H
#define MIGRATION_TRANSPORT_H

#include <glib.h>
#include <stdbool.h>

#include "io/channel.h"
#include "io/socket-address.h"
#include "migration/migration.h"

typedef struct MigrationTransport {
    MigrationTransportKind kind;
    QIOSocketAddress *addr;   /* SOCKET */
    char *command;            /* EXEC */
    char *fdname;             /* FD: a getfd name or an fd number */
} MigrationTransport;

/**
 * migration_transport_parse:
 * @uri: "tcp:HOST:PORT", "tcp:[V6]:PORT", "unix:PATH", "exec:CMD" or
 *       "fd:NAME" (untrusted)
 *
 * Returns a new transport, or NULL with @errp set: for an unknown scheme
 * QEMU 7.2's "Parameter 'uri' expects a valid migration protocol",
 * otherwise the address parser's text.  fd: is only parsed here; the fd
 * is looked up when the migration starts (migration_fd_take()).
 */
MigrationTransport *migration_transport_parse(const char *uri, GError **errp);
void migration_transport_free(MigrationTransport *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MigrationTransport, migration_transport_free)

/**
 * migration_socket_connect:
 * @timeout_ms: give up after this long (per address tried)
 * @wakeup: aborts the wait when signalled (may be NULL)
 *
 * Connects a blocking stream socket to @addr, trying each resolved
 * address in turn.  Returns the channel (named @name), or NULL with
 * @errp set ("Failed to connect to 'HOST:PORT': Connection refused",
 * "... timed out", "Migration cancelled").
 */
QIOChannel *migration_socket_connect(const QIOSocketAddress *addr,
                                     const char *name, int timeout_ms,
                                     MigrationWakeup *wakeup, GError **errp);

/* Listen on @addr ("[::]" is dual-stack). Returns the listening channel. */
QIOChannel *migration_socket_listen(const QIOSocketAddress *addr,
                                    GError **errp);

/**
 * migration_socket_accept:
 * @timeout_ms: -1 for no timeout
 *
 * Accept one connection on @listener, waiting at most @timeout_ms and
 * stopping early when @wakeup is signalled.  Returns a blocking channel
 * or NULL with @errp set.
 */
QIOChannel *migration_socket_accept(QIOChannel *listener, const char *name,
                                    int timeout_ms, MigrationWakeup *wakeup,
                                    GError **errp);

/**
 * migration_socket_read_full:
 *
 * Read exactly @len bytes from the socket channel @ioc within
 * @timeout_ms, stopping early when @wakeup is signalled: for handshakes,
 * where a peer that sends part of a packet and then stalls must not hold
 * us.  Returns 0, or -1 with @errp set.  @ioc is blocking again after.
 */
int migration_socket_read_full(QIOChannel *ioc, void *buf, size_t len,
                               int timeout_ms, MigrationWakeup *wakeup,
                               GError **errp);

/**
 * migration_exec_spawn:
 * @outgoing: true: the stream goes to the command's stdin; false: it
 *            comes from the command's stdout
 * @pid: out: the child to reap with migration_exec_reap()
 *
 * Runs "/bin/sh -c @command" with its stdin (outgoing) or stdout
 * (incoming) connected to the returned channel (a socket pair, so that
 * qio_channel_shutdown() can wake a blocked reader or writer).
 */
QIOChannel *migration_exec_spawn(const char *command, bool outgoing,
                                 GPid *pid, GError **errp);

/*
 * Wait for @pid to exit; if @kill_it or if it has not exited after a few
 * seconds, SIGKILL it first.  Accepts 0.
 */
void migration_exec_reap(GPid pid, bool kill_it);

/**
 * migration_fd_channel:
 * @fd: an open fd; ownership passes to the channel on success only
 * @outgoing: names the channel migration-fd-outgoing / -incoming
 *
 * Wraps @fd for fd: migration: a socket channel when @fd is a socket
 * (shutdown works, so cancel and the stall watchdog can wake a blocked
 * transfer), a file channel otherwise (pipes, files, character devices).
 * The fd is made blocking.  Returns NULL with @errp set (the caller still
 * owns @fd) when @fd cannot be used.
 */
QIOChannel *migration_fd_channel(int fd, bool outgoing, GError **errp);

#endif /* MIGRATION_TRANSPORT_H */

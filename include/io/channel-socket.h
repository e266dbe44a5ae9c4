/*
 * QIOChannelSocket: TCP (IPv4/IPv6) and UNIX stream sockets, with
 * MSG_ZEROCOPY sends on TCP when the kernel allows it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef IO_CHANNEL_SOCKET_H
#define IO_CHANNEL_SOCKET_H

#include "io/channel.h"
#include "io/socket-address.h"

typedef struct QIOChannelSocket QIOChannelSocket;

#define QIO_CHANNEL_SOCKET(ioc) ((QIOChannelSocket *)(ioc))
#define QIO_CHANNEL_SOCKET_BASE(sioc) ((QIOChannel *)(sioc))

/* True when @ioc is a QIOChannelSocket. */
bool qio_channel_is_socket(QIOChannel *ioc);

/**
 * qio_channel_socket_new_fd:
 * @fd: a connected or listening stream socket; ownership passes to the
 *      channel (closed by qio_channel_close() or the last unref)
 *
 * Wraps @fd.  On connected TCP sockets tries setsockopt(SO_ZEROCOPY) and
 * sets QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY only if it succeeded.  UNIX
 * sockets get QIO_CHANNEL_FEATURE_FD_PASS.  All get SHUTDOWN.
 * Returns NULL with @errp set if @fd is not a socket (the caller then
 * still owns @fd).
 */
QIOChannelSocket *qio_channel_socket_new_fd(int fd, GError **errp);

/* Blocking connect to @addr (every resolved address tried in turn). */
QIOChannelSocket *qio_channel_socket_connect_sync(const QIOSocketAddress *addr,
                                                  GError **errp);
/*
 * Listen on @addr.  "[::]" listens dual-stack (IPV6_V6ONLY off); port 0
 * picks a free port (see qio_channel_socket_get_local_address()).  A UNIX
 * path that exists as a socket is unlinked first.
 */
QIOChannelSocket *qio_channel_socket_listen_sync(const QIOSocketAddress *addr,
                                                 int backlog, GError **errp);
/*
 * Accept one connection (blocks unless the listener is non-blocking, in
 * which case it may return NULL with no error set when none is pending).
 */
QIOChannelSocket *qio_channel_socket_accept(QIOChannelSocket *listener,
                                            GError **errp);

int qio_channel_socket_get_fd(QIOChannelSocket *sioc);
/* Newly allocated; NULL with @errp set on failure. */
QIOSocketAddress *qio_channel_socket_get_local_address(QIOChannelSocket *sioc,
                                                       GError **errp);
QIOSocketAddress *qio_channel_socket_get_remote_address(QIOChannelSocket *sioc,
                                                        GError **errp);

/*
 * With auto-disable on, a channel whose last
 * QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES flushes in a row all
 * returned 1 (every send copied by the kernel, e.g. on loopback) stops
 * passing MSG_ZEROCOPY: zero-copy writes are then plain sends (still
 * accepted; the buffer-lifetime rule no longer matters), later flushes
 * return 0 and stats.zerocopy_disabled becomes true.
 */
#define QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES 3

/**
 * qio_channel_socket_set_zerocopy_auto_disable:
 *
 * Opt in (or out) of dropping zero copy after repeated all-copied flushes
 * (see above).  Off by default.  Call it from the writer thread.
 */
void qio_channel_socket_set_zerocopy_auto_disable(QIOChannelSocket *sioc,
                                                  bool enabled);

/**
 * qio_channel_socket_set_recv_waitall:
 *
 * Opt in (or out) of MSG_WAITALL reads: while the channel is blocking,
 * each readv (without fd passing) returns only when the whole request
 * was received, or at end of stream, on shutdown, on a signal or on an
 * error - with a short count in those cases, as before.  Meant for
 * readers that always ask for exactly the bytes they need (multifd page
 * data): a large read then costs one system call and fewer wake-ups
 * instead of one per arriving chunk.  Never use it on a channel whose
 * reader asks for "whatever is available" (a buffered stream), which
 * would then wait for more data than the peer sends.  Off by default.
 */
void qio_channel_socket_set_recv_waitall(QIOChannelSocket *sioc,
                                         bool enabled);

#endif /* IO_CHANNEL_SOCKET_H */

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

/**
 * qio_channel_socket_readv_to_file:
 * @sioc: a connected stream socket channel; one thread reads it
 * @iov: where the next bytes of the stream go, in stream order; every
 *       buffer lies inside @map and is filled completely
 * @niov: number of buffers
 * @fd: the file that @map is a MAP_SHARED mapping of, from offset 0
 * @map: that mapping (file offset = address - @map)
 * @write_lock: optional; held around every write to @fd.  Pass the same
 *              mutex from every channel writing to the same file: tmpfs
 *              lets one writer at a time in and its waiters spin.  A call
 *              that finds the mutex taken does not wait: it copies that
 *              part through @map instead (page faults run in parallel)
 * @errp: error location
 *
 * Reads exactly the bytes qio_channel_readv_all() would, into the same
 * places, but moves them with splice() (socket -> private pipe -> @fd)
 * rather than copying them into the mapping: the filesystem then neither
 * faults the page in nor zeroes it before it is overwritten, and the only
 * copy is the kernel's into the file.  When the socket, the pipe or @fd
 * cannot splice (EINVAL: e.g. hugetlbfs, an O_APPEND file), the bytes
 * still arrive, through plain reads into @map, and the channel uses plain
 * reads from then on (see qio_channel_socket_get_splice_stats()).
 *
 * Blocks until every byte arrived; a non-blocking socket is polled.
 * Returns 0, or -1 with @errp set (end of stream: "Unexpected
 * end-of-file before all data were read"); the stream position is then
 * unknown, as with qio_channel_readv_all().
 */
int qio_channel_socket_readv_to_file(QIOChannelSocket *sioc,
                                     const struct iovec *iov, size_t niov,
                                     int fd, const uint8_t *map,
                                     GMutex *write_lock, GError **errp);

/**
 * QIOChannelSpliceStats:
 * @spliced: bytes qio_channel_socket_readv_to_file() moved into the file
 *           with splice()
 * @busy: bytes it copied into the mapping because @write_lock was taken
 * @copied: bytes it read the plain way because splicing was refused
 * @refused: whether splicing was refused (all later calls copy)
 *
 * Every byte the function delivered is in exactly one of the counts.
 */
typedef struct QIOChannelSpliceStats {
    uint64_t spliced;
    uint64_t busy;
    uint64_t copied;
    bool refused;
} QIOChannelSpliceStats;

/* Call from the reading thread, or after it stopped. */
void qio_channel_socket_get_splice_stats(QIOChannelSocket *sioc,
                                         QIOChannelSpliceStats *stats);

#endif /* IO_CHANNEL_SOCKET_H */

/*
 * QIOChannelSocket internals shared by channel-socket.c (lifecycle and
 * plain I/O), channel-socket-zerocopy.c (MSG_ZEROCOPY) and
 * channel-socket-splice.c (receiving into a file).  Not for use
 * outside io/ except by the unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef IO_CHANNEL_SOCKET_INTERNAL_H
#define IO_CHANNEL_SOCKET_INTERNAL_H

#include <stdatomic.h>

#include "io/channel-socket.h"

struct QIOChannelSocket {
    QIOChannel parent;
    int fd;
    int family;          /* AF_INET, AF_INET6 or AF_UNIX */
    bool listening;
    char *unlink_path;   /* UNIX listener we bound: removed on close */
    /* readv waits for the whole request (MSG_WAITALL) when blocking */
    _Atomic bool recv_waitall;

    /*
     * Zero-copy state.  zc_lock protects everything below; it is never
     * held across a blocking sendmsg(), only across error-queue reaping
     * (which may block in poll() during a flush).
     */
    GMutex zc_lock;
    QIOChannelZerocopyStats zc;
    /* sendmsg(MSG_ZEROCOPY) calls in progress (may already own an id) */
    uint64_t zc_sending;
    /* queued/copied at the end of the previous successful flush */
    uint64_t zc_mark_queued;
    uint64_t zc_mark_copied;
    unsigned int zc_copied_flushes_in_row;
    bool zc_auto_disable;
    /* a failure found by opportunistic reaping, reported by the next flush */
    GError *zc_error;

    /*
     * qio_channel_socket_readv_to_file() state, used by the one reader
     * thread only: the private pipe (-1 until first use), its size, the
     * bytes that went by splice, through the mapping because the write
     * lock was busy, and by plain reads, and whether splicing was refused
     * (socket, file or pipe) so that plain reads are used.
     */
    int splice_pipe[2];
    size_t splice_pipe_bytes;
    uint64_t splice_bytes;
    uint64_t splice_busy_bytes;
    uint64_t splice_copied_bytes;
    bool splice_refused;
};

/* Close the splice pipe, if any (channel close). */
void qio_channel_socket_splice_cleanup(QIOChannelSocket *sioc);

/* Try SO_ZEROCOPY on a TCP socket; sets the feature bit if it worked. */
void qio_channel_socket_zerocopy_setup(QIOChannelSocket *sioc);

ssize_t qio_channel_socket_writev_zerocopy(QIOChannel *ioc,
                                           const struct iovec *iov,
                                           size_t niov, GError **errp);
int qio_channel_socket_flush_zerocopy(QIOChannel *ioc, GError **errp);
void qio_channel_socket_get_zerocopy_stats(QIOChannel *ioc,
                                           QIOChannelZerocopyStats *stats);

/*
 * Called by the plain read/write paths when a non-blocking call would
 * block: pending completions keep POLLERR raised, so reap them (if no one
 * else is) to keep the caller's poll() from spinning.  Never blocks.
 */
void qio_channel_socket_zerocopy_reap_pending(QIOChannelSocket *sioc);

/*
 * Account one completion notice covering the inclusive id range
 * [@lo, @hi] of the 32-bit per-socket counter (@hi < @lo means the
 * counter wrapped).  Fails if the range covers more sends than can be
 * outstanding (@in_flight: sends whose sendmsg() has not returned yet and
 * may already own an id).  Exposed for the unit tests.
 */
bool qio_channel_socket_zerocopy_account(QIOChannelZerocopyStats *stats,
                                         uint64_t in_flight, uint32_t lo,
                                         uint32_t hi, bool copied,
                                         GError **errp);

#endif /* IO_CHANNEL_SOCKET_INTERNAL_H */

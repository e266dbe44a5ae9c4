/*
 * QIOChannel: a small, refcounted I/O channel abstraction.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Model
 * -----
 * A channel is an object with a class (a static vtable) and a refcount.
 * Backends embed a QIOChannel as their first member and call
 * qio_channel_init() with their class.  The vtable is split into
 * mandatory callbacks (every backend implements them) and optional ones,
 * gated by feature bits that the backend sets at run time (for example
 * the socket backend sets QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY only when
 * setsockopt(SO_ZEROCOPY) succeeded on that very socket).
 *
 * The public qio_channel_* functions validate their arguments and the
 * feature bits before calling into the backend, so backends stay simple.
 *
 * Error convention: functions that can fail take a GError **errp last and
 * return -1 (or NULL / false) with *errp set.  I/O calls on a non-blocking
 * channel that would block return QIO_CHANNEL_ERR_BLOCK and do not set
 * *errp.  Errors are in the G_IO_ERROR domain where a GIOErrorEnum code
 * fits (g_io_error_from_errno()).
 *
 * Threads: a channel may be used by one reader thread and one writer
 * thread at a time.  qio_channel_shutdown() may be called from any thread
 * to wake up a blocked reader or writer (this is how a migration is
 * cancelled).  Refcounting is atomic.
 */
#ifndef IO_CHANNEL_H
#define IO_CHANNEL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct QIOChannel QIOChannel;
typedef struct QIOChannelClass QIOChannelClass;

/* Upcast from a backend object (which embeds QIOChannel first). */
#define QIO_CHANNEL(obj) ((QIOChannel *)(obj))

/* Returned by non-blocking I/O calls that would block. */
#define QIO_CHANNEL_ERR_BLOCK -2

/* Flags for qio_channel_writev_full(). */
#define QIO_CHANNEL_WRITE_FLAG_ZERO_COPY 0x1

typedef enum QIOChannelFeature {
    QIO_CHANNEL_FEATURE_FD_PASS,        /* SCM_RIGHTS on UNIX sockets */
    QIO_CHANNEL_FEATURE_SHUTDOWN,       /* io_shutdown works */
    QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY, /* io_writev_zerocopy works */
} QIOChannelFeature;

typedef enum QIOChannelShutdown {
    QIO_CHANNEL_SHUTDOWN_READ = 1,
    QIO_CHANNEL_SHUTDOWN_WRITE = 2,
    QIO_CHANNEL_SHUTDOWN_BOTH = 3,
} QIOChannelShutdown;

/**
 * QIOChannelZerocopyStats:
 * @queued: zero-copy send calls the kernel accepted (each one takes a
 *          completion number; a call, not a byte)
 * @completed: of those, how many have had their completion reaped
 * @copied: of the completed ones, how many the kernel reported as copied
 *          (SO_EE_CODE_ZEROCOPY_COPIED: it fell back to copying)
 * @bytes: payload bytes sent with zero copy
 * @enobufs_retries: sends that failed with ENOBUFS and were retried after
 *          draining the error queue
 * @flushes: calls of qio_channel_flush_zerocopy() that had sends to wait for
 * @flushes_all_copied: of those, how many returned 1 (everything copied)
 * @zerocopy_disabled: the channel stopped using zero copy on its own
 *          (backends may do this when every completion comes back copied)
 */
typedef struct QIOChannelZerocopyStats {
    uint64_t queued;
    uint64_t completed;
    uint64_t copied;
    uint64_t bytes;
    uint64_t enobufs_retries;
    uint64_t flushes;
    uint64_t flushes_all_copied;
    bool zerocopy_disabled;
} QIOChannelZerocopyStats;

struct QIOChannelClass {
    const char *type_name;

    /* Mandatory callbacks. */

    /*
     * Write @niov buffers.  @fds/@nfds only when the channel has
     * QIO_CHANNEL_FEATURE_FD_PASS (the base checks).  Returns bytes
     * written (may be short), QIO_CHANNEL_ERR_BLOCK, or -1 with @errp set.
     */
    ssize_t (*io_writev)(QIOChannel *ioc, const struct iovec *iov,
                         size_t niov, const int *fds, size_t nfds,
                         GError **errp);
    /*
     * Read into @niov buffers.  Returns bytes read, 0 at end of file,
     * QIO_CHANNEL_ERR_BLOCK, or -1 with @errp set.  Received fds (only
     * with FD_PASS; @fds may be NULL) are returned in a g_new array that
     * the caller owns.
     */
    ssize_t (*io_readv)(QIOChannel *ioc, const struct iovec *iov,
                        size_t niov, int **fds, size_t *nfds,
                        GError **errp);
    int (*io_close)(QIOChannel *ioc, GError **errp);
    int (*io_set_blocking)(QIOChannel *ioc, bool enabled, GError **errp);

    /* Optional callbacks (NULL when unsupported). */

    /* Release backend resources; called once when the last ref goes. */
    void (*io_finalize)(QIOChannel *ioc);
    /* Needs QIO_CHANNEL_FEATURE_SHUTDOWN. */
    int (*io_shutdown)(QIOChannel *ioc, QIOChannelShutdown how,
                       GError **errp);
    void (*io_set_cork)(QIOChannel *ioc, bool enabled);
    /*
     * The fd to poll() when a non-blocking call returned
     * QIO_CHANNEL_ERR_BLOCK, or -1 if the channel never blocks.
     */
    int (*io_get_poll_fd)(QIOChannel *ioc, GIOCondition condition);
    /*
     * Needs QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY.  Same return convention as
     * io_writev; the buffers must stay untouched until a later
     * io_flush_zerocopy returned (see qio_channel_writev_zerocopy()).
     */
    ssize_t (*io_writev_zerocopy)(QIOChannel *ioc, const struct iovec *iov,
                                  size_t niov, GError **errp);
    /* See qio_channel_flush_zerocopy() for the return convention. */
    int (*io_flush_zerocopy)(QIOChannel *ioc, GError **errp);
    /* Fill @stats; backends without zero copy leave this NULL. */
    void (*io_get_zerocopy_stats)(QIOChannel *ioc,
                                  QIOChannelZerocopyStats *stats);
};

struct QIOChannel {
    const QIOChannelClass *klass;
    gint refcount;
    unsigned int features; /* bit (1u << QIOChannelFeature) */
    char *name;
    bool blocking; /* mirrors the last successful set_blocking */
};

/**
 * qio_channel_init:
 * @ioc: the embedded base of a freshly allocated backend object (zeroed)
 * @klass: the backend's class, which must outlive the channel
 *
 * Sets the refcount to 1 and the channel to blocking mode.  The backend
 * object must have been allocated with g_malloc/g_new (the last unref
 * calls klass->io_finalize, then g_free() on @ioc).
 */
void qio_channel_init(QIOChannel *ioc, const QIOChannelClass *klass);

QIOChannel *qio_channel_ref(QIOChannel *ioc);
/* Accepts NULL.  The last unref does not close an fd the caller kept. */
void qio_channel_unref(QIOChannel *ioc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QIOChannel, qio_channel_unref)

/* A name used in error messages and traces; copied. */
void qio_channel_set_name(QIOChannel *ioc, const char *name);
const char *qio_channel_get_name(QIOChannel *ioc);

bool qio_channel_has_feature(QIOChannel *ioc, QIOChannelFeature feature);
/* For backends only: advertise a feature they verified at run time. */
void qio_channel_set_feature(QIOChannel *ioc, QIOChannelFeature feature);
void qio_channel_clear_feature(QIOChannel *ioc, QIOChannelFeature feature);

/**
 * qio_channel_readv_full / qio_channel_writev_full:
 *
 * One read or write call (may be short).  Returns the byte count, 0 at
 * EOF (read), QIO_CHANNEL_ERR_BLOCK on a non-blocking channel that would
 * block, or -1 with @errp set.  @fds is refused (error) unless the channel
 * has QIO_CHANNEL_FEATURE_FD_PASS.  @flags may hold
 * QIO_CHANNEL_WRITE_FLAG_ZERO_COPY, which routes the write through
 * io_writev_zerocopy: it is refused with an error when the channel lacks
 * QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY, and always refused together with fds.
 */
ssize_t qio_channel_readv_full(QIOChannel *ioc, const struct iovec *iov,
                               size_t niov, int **fds, size_t *nfds,
                               GError **errp);
ssize_t qio_channel_writev_full(QIOChannel *ioc, const struct iovec *iov,
                                size_t niov, const int *fds, size_t nfds,
                                int flags, GError **errp);
ssize_t qio_channel_readv(QIOChannel *ioc, const struct iovec *iov,
                          size_t niov, GError **errp);
ssize_t qio_channel_writev(QIOChannel *ioc, const struct iovec *iov,
                           size_t niov, GError **errp);
ssize_t qio_channel_read(QIOChannel *ioc, void *buf, size_t len,
                         GError **errp);
ssize_t qio_channel_write(QIOChannel *ioc, const void *buf, size_t len,
                          GError **errp);

/**
 * qio_channel_readv_all_eof:
 *
 * Fill all of @iov, looping over short reads, EINTR and (on non-blocking
 * channels, by polling) EAGAIN.  Returns 1 when everything was read, 0 if
 * EOF came before the first byte, -1 with @errp set on error or on EOF
 * after a partial read ("Unexpected end-of-file before all data were
 * read").
 */
int qio_channel_readv_all_eof(QIOChannel *ioc, const struct iovec *iov,
                              size_t niov, GError **errp);
/* As above but EOF before the first byte is an error too: 0 or -1. */
int qio_channel_readv_all(QIOChannel *ioc, const struct iovec *iov,
                          size_t niov, GError **errp);
int qio_channel_read_all(QIOChannel *ioc, void *buf, size_t len,
                         GError **errp);
int qio_channel_read_all_eof(QIOChannel *ioc, void *buf, size_t len,
                             GError **errp);

/**
 * qio_channel_writev_full_all:
 *
 * Write all of @iov (and @fds with the first chunk), looping over short
 * writes, EINTR and EAGAIN.  @flags as for qio_channel_writev_full().
 * Returns 0 or -1 with @errp set.  @iov is not modified.
 */
int qio_channel_writev_full_all(QIOChannel *ioc, const struct iovec *iov,
                                size_t niov, const int *fds, size_t nfds,
                                int flags, GError **errp);
int qio_channel_writev_all(QIOChannel *ioc, const struct iovec *iov,
                           size_t niov, GError **errp);
int qio_channel_write_all(QIOChannel *ioc, const void *buf, size_t len,
                          GError **errp);

/**
 * qio_channel_writev_zerocopy:
 *
 * Write all of @iov with zero copy (loops like qio_channel_writev_all).
 * Returns 0 or -1 with @errp set; fails with a clear error when the
 * channel lacks QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY.
 *
 * Buffer lifetime: the kernel keeps reading the buffers after this
 * returns.  The caller must neither modify nor free them until a later
 * qio_channel_flush_zerocopy() on the same channel has returned (data
 * modified in between may go out in either version).  Never send a
 * buffer that is reused per packet (e.g. a header) this way.
 */
int qio_channel_writev_zerocopy(QIOChannel *ioc, const struct iovec *iov,
                                size_t niov, GError **errp);

/**
 * qio_channel_flush_zerocopy:
 *
 * Wait until every zero-copy write queued on @ioc so far has completed,
 * i.e. the kernel released its buffers (not: the peer received them).
 * Returns -1 with @errp set on error (e.g. the socket failed), 1 when
 * every send completed since the previous flush was copied by the kernel
 * instead of sent from the buffers, and 0 otherwise - including when there
 * was nothing to flush.  On a channel without the zero-copy feature it
 * returns 0 at once.
 */
int qio_channel_flush_zerocopy(QIOChannel *ioc, GError **errp);

/* Zero-copy counters; returns false (stats zeroed) when not supported. */
bool qio_channel_get_zerocopy_stats(QIOChannel *ioc,
                                    QIOChannelZerocopyStats *stats);

int qio_channel_set_blocking(QIOChannel *ioc, bool enabled, GError **errp);
/* Errors if the channel lacks QIO_CHANNEL_FEATURE_SHUTDOWN. Thread-safe. */
int qio_channel_shutdown(QIOChannel *ioc, QIOChannelShutdown how,
                         GError **errp);
void qio_channel_set_cork(QIOChannel *ioc, bool enabled);
int qio_channel_close(QIOChannel *ioc, GError **errp);

/**
 * qio_channel_wait:
 *
 * Block until @condition (G_IO_IN / G_IO_OUT) may be satisfied, or
 * @timeout_ms passes (-1: no timeout).  Returns 1 when ready, 0 on
 * timeout.  Channels that never block return 1 at once.
 */
int qio_channel_wait(QIOChannel *ioc, GIOCondition condition,
                     int timeout_ms);

#endif /* IO_CHANNEL_H */

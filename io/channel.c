/*
 * QIOChannel base: refcounting, argument and feature validation, and the
 * "_all" helpers that loop over short I/O.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <gio/gio.h>

#include "io/channel.h"

void qio_channel_init(QIOChannel *ioc, const QIOChannelClass *klass)
{
    g_assert(klass && klass->io_writev && klass->io_readv &&
             klass->io_close && klass->io_set_blocking);
    ioc->klass = klass;
    g_atomic_int_set(&ioc->refcount, 1);
    ioc->features = 0;
    ioc->name = NULL;
    ioc->blocking = true;
}

QIOChannel *qio_channel_ref(QIOChannel *ioc)
{
    g_atomic_int_inc(&ioc->refcount);
    return ioc;
}

void qio_channel_unref(QIOChannel *ioc)
{
    if (!ioc) {
        return;
    }
    if (!g_atomic_int_dec_and_test(&ioc->refcount)) {
        return;
    }
    if (ioc->klass->io_finalize) {
        ioc->klass->io_finalize(ioc);
    }
    g_free(ioc->name);
    g_free(ioc);
}

void qio_channel_set_name(QIOChannel *ioc, const char *name)
{
    g_free(ioc->name);
    ioc->name = g_strdup(name);
}

const char *qio_channel_get_name(QIOChannel *ioc)
{
    return ioc->name ? ioc->name : ioc->klass->type_name;
}

bool qio_channel_has_feature(QIOChannel *ioc, QIOChannelFeature feature)
{
    return (g_atomic_int_get((gint *)&ioc->features) & (1u << feature)) != 0;
}

void qio_channel_set_feature(QIOChannel *ioc, QIOChannelFeature feature)
{
    g_atomic_int_or(&ioc->features, 1u << feature);
}

void qio_channel_clear_feature(QIOChannel *ioc, QIOChannelFeature feature)
{
    g_atomic_int_and(&ioc->features, ~(1u << feature));
}

ssize_t qio_channel_readv_full(QIOChannel *ioc, const struct iovec *iov,
                               size_t niov, int **fds, size_t *nfds,
                               GError **errp)
{
    if (fds) {
        *fds = NULL;
    }
    if (nfds) {
        *nfds = 0;
    }
    if ((fds || nfds) &&
        !qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_FD_PASS)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "Channel '%s' does not support file descriptor passing",
                    qio_channel_get_name(ioc));
        return -1;
    }
    return ioc->klass->io_readv(ioc, iov, niov, fds, nfds, errp);
}

ssize_t qio_channel_writev_full(QIOChannel *ioc, const struct iovec *iov,
                                size_t niov, const int *fds, size_t nfds,
                                int flags, GError **errp)
{
    if (flags & ~QIO_CHANNEL_WRITE_FLAG_ZERO_COPY) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Unknown write flags 0x%x", (unsigned int)flags);
        return -1;
    }
    if (flags & QIO_CHANNEL_WRITE_FLAG_ZERO_COPY) {
        /*
         * Checked before the feature: fds and zero copy never mix, even
         * on a channel that supports both separately.
         */
        if (fds || nfds) {
            g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                "Zero Copy does not support file "
                                "descriptor passing");
            return -1;
        }
        if (!qio_channel_has_feature(ioc,
                                     QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY) ||
            !ioc->klass->io_writev_zerocopy) {
            g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                "Requested Zero Copy feature is not "
                                "available");
            return -1;
        }
        return ioc->klass->io_writev_zerocopy(ioc, iov, niov, errp);
    }
    if ((fds || nfds) &&
        !qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_FD_PASS)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "Channel '%s' does not support file descriptor passing",
                    qio_channel_get_name(ioc));
        return -1;
    }
    if (nfds && !fds) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "File descriptor count without an array");
        return -1;
    }
    return ioc->klass->io_writev(ioc, iov, niov, fds, nfds, errp);
}

ssize_t qio_channel_readv(QIOChannel *ioc, const struct iovec *iov,
                          size_t niov, GError **errp)
{
    return qio_channel_readv_full(ioc, iov, niov, NULL, NULL, errp);
}

ssize_t qio_channel_writev(QIOChannel *ioc, const struct iovec *iov,
                           size_t niov, GError **errp)
{
    return qio_channel_writev_full(ioc, iov, niov, NULL, 0, 0, errp);
}

ssize_t qio_channel_read(QIOChannel *ioc, void *buf, size_t len,
                         GError **errp)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };

    return qio_channel_readv(ioc, &iov, 1, errp);
}

ssize_t qio_channel_write(QIOChannel *ioc, const void *buf, size_t len,
                          GError **errp)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

    return qio_channel_writev(ioc, &iov, 1, errp);
}

/*
 * A private, trimmed copy of the caller's iovec array for the loops below:
 * the caller's array is never modified.  Zero-length entries are dropped
 * so "nothing left" is simply niov == 0.
 */
typedef struct IOVCursor {
    struct iovec *iov;
    size_t niov;
    struct iovec *base; /* allocation */
} IOVCursor;

static void iov_cursor_init(IOVCursor *c, const struct iovec *iov,
                            size_t niov)
{
    size_t i;

    c->base = g_new(struct iovec, niov ? niov : 1);
    c->iov = c->base;
    c->niov = 0;
    for (i = 0; i < niov; i++) {
        if (iov[i].iov_len) {
            c->base[c->niov++] = iov[i];
        }
    }
}

static void iov_cursor_advance(IOVCursor *c, size_t len)
{
    while (len && c->niov) {
        if (len < c->iov->iov_len) {
            c->iov->iov_base = (char *)c->iov->iov_base + len;
            c->iov->iov_len -= len;
            return;
        }
        len -= c->iov->iov_len;
        c->iov++;
        c->niov--;
    }
    /* The backend reported more bytes than we asked for. */
    g_assert(len == 0);
}

static void iov_cursor_destroy(IOVCursor *c)
{
    g_free(c->base);
}

int qio_channel_readv_all_eof(QIOChannel *ioc, const struct iovec *iov,
                              size_t niov, GError **errp)
{
    IOVCursor c;
    bool partial = false;
    int ret = 1;

    iov_cursor_init(&c, iov, niov);
    while (c.niov) {
        ssize_t len = qio_channel_readv_full(ioc, c.iov, c.niov, NULL, NULL,
                                             errp);

        if (len == QIO_CHANNEL_ERR_BLOCK) {
            qio_channel_wait(ioc, G_IO_IN, -1);
            continue;
        }
        if (len < 0) {
            ret = -1;
            break;
        }
        if (len == 0) {
            if (partial) {
                g_set_error_literal(errp, G_IO_ERROR,
                                    G_IO_ERROR_PARTIAL_INPUT,
                                    "Unexpected end-of-file before all "
                                    "data were read");
                ret = -1;
            } else {
                ret = 0;
            }
            break;
        }
        partial = true;
        iov_cursor_advance(&c, len);
    }
    iov_cursor_destroy(&c);
    return ret;
}

int qio_channel_readv_all(QIOChannel *ioc, const struct iovec *iov,
                          size_t niov, GError **errp)
{
    int ret = qio_channel_readv_all_eof(ioc, iov, niov, errp);

    if (ret == 0) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                            "Unexpected end-of-file before all data were "
                            "read");
        return -1;
    }
    return ret < 0 ? -1 : 0;
}

int qio_channel_read_all(QIOChannel *ioc, void *buf, size_t len,
                         GError **errp)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };

    return qio_channel_readv_all(ioc, &iov, 1, errp);
}

int qio_channel_read_all_eof(QIOChannel *ioc, void *buf, size_t len,
                             GError **errp)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };

    return qio_channel_readv_all_eof(ioc, &iov, 1, errp);
}

int qio_channel_writev_full_all(QIOChannel *ioc, const struct iovec *iov,
                                size_t niov, const int *fds, size_t nfds,
                                int flags, GError **errp)
{
    IOVCursor c;
    int ret = 0;

    iov_cursor_init(&c, iov, niov);
    if (!c.niov && nfds) {
        /* fds need at least one byte to travel with. */
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "File descriptors must be sent with data");
        iov_cursor_destroy(&c);
        return -1;
    }
    while (c.niov) {
        ssize_t len = qio_channel_writev_full(ioc, c.iov, c.niov, fds, nfds,
                                              flags, errp);

        if (len == QIO_CHANNEL_ERR_BLOCK) {
            qio_channel_wait(ioc, G_IO_OUT, -1);
            continue;
        }
        if (len < 0) {
            ret = -1;
            break;
        }
        /* The fds went out with the first successful chunk. */
        fds = NULL;
        nfds = 0;
        iov_cursor_advance(&c, len);
    }
    iov_cursor_destroy(&c);
    return ret;
}

int qio_channel_writev_all(QIOChannel *ioc, const struct iovec *iov,
                           size_t niov, GError **errp)
{
    return qio_channel_writev_full_all(ioc, iov, niov, NULL, 0, 0, errp);
}

int qio_channel_write_all(QIOChannel *ioc, const void *buf, size_t len,
                          GError **errp)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

    return qio_channel_writev_all(ioc, &iov, 1, errp);
}

int qio_channel_writev_zerocopy(QIOChannel *ioc, const struct iovec *iov,
                                size_t niov, GError **errp)
{
    return qio_channel_writev_full_all(ioc, iov, niov, NULL, 0,
                                       QIO_CHANNEL_WRITE_FLAG_ZERO_COPY, errp);
}

int qio_channel_flush_zerocopy(QIOChannel *ioc, GError **errp)
{
    if (!qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY) ||
        !ioc->klass->io_flush_zerocopy) {
        return 0;
    }
    return ioc->klass->io_flush_zerocopy(ioc, errp);
}

bool qio_channel_get_zerocopy_stats(QIOChannel *ioc,
                                    QIOChannelZerocopyStats *stats)
{
    memset(stats, 0, sizeof(*stats));
    if (!ioc->klass->io_get_zerocopy_stats ||
        !qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
        return false;
    }
    ioc->klass->io_get_zerocopy_stats(ioc, stats);
    return true;
}

int qio_channel_set_blocking(QIOChannel *ioc, bool enabled, GError **errp)
{
    if (ioc->klass->io_set_blocking(ioc, enabled, errp) < 0) {
        return -1;
    }
    ioc->blocking = enabled;
    return 0;
}

int qio_channel_shutdown(QIOChannel *ioc, QIOChannelShutdown how,
                         GError **errp)
{
    if (!qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_SHUTDOWN) ||
        !ioc->klass->io_shutdown) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "Channel '%s' does not support shutdown",
                    qio_channel_get_name(ioc));
        return -1;
    }
    return ioc->klass->io_shutdown(ioc, how, errp);
}

void qio_channel_set_cork(QIOChannel *ioc, bool enabled)
{
    if (ioc->klass->io_set_cork) {
        ioc->klass->io_set_cork(ioc, enabled);
    }
}

int qio_channel_close(QIOChannel *ioc, GError **errp)
{
    return ioc->klass->io_close(ioc, errp);
}

int qio_channel_wait(QIOChannel *ioc, GIOCondition condition,
                     int timeout_ms)
{
    struct pollfd pfd = { .fd = -1 };
    gint64 deadline = 0;

    if (ioc->klass->io_get_poll_fd) {
        pfd.fd = ioc->klass->io_get_poll_fd(ioc, condition);
    }
    if (pfd.fd < 0) {
        return 1;
    }
    if (condition & G_IO_IN) {
        pfd.events |= POLLIN;
    }
    if (condition & G_IO_OUT) {
        pfd.events |= POLLOUT;
    }
    if (timeout_ms >= 0) {
        deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    }
    for (;;) {
        int remaining = -1;
        int ret;

        if (timeout_ms >= 0) {
            gint64 left = deadline - g_get_monotonic_time();

            remaining = left > 0 ? (int)((left + 999) / 1000) : 0;
        }
        ret = poll(&pfd, 1, remaining);
        if (ret > 0) {
            /* POLLERR/POLLHUP count as ready: the next call reports it. */
            return 1;
        }
        if (ret == 0) {
            return 0;
        }
        if (errno != EINTR) {
            /* Let the caller's next I/O call report the problem. */
            return 1;
        }
    }
}

/*
 * QIOChannelNull: discards writes, reads as EOF.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <gio/gio.h>

#include "io/channel-null.h"

struct QIOChannelNull {
    QIOChannel parent;
    uint64_t bytes;
    bool closed;
};

static const QIOChannelClass qio_channel_null_class;

QIOChannelNull *qio_channel_null_new(void)
{
    QIOChannelNull *nioc = g_new0(QIOChannelNull, 1);

    qio_channel_init(&nioc->parent, &qio_channel_null_class);
    return nioc;
}

uint64_t qio_channel_null_get_bytes(QIOChannelNull *nioc)
{
    return nioc->bytes;
}

static ssize_t qio_channel_null_writev(QIOChannel *ioc,
                                       const struct iovec *iov, size_t niov,
                                       const int *fds, size_t nfds,
                                       GError **errp)
{
    QIOChannelNull *nioc = QIO_CHANNEL_NULL(ioc);
    size_t total = 0, i;

    if (nioc->closed) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_CLOSED,
                            "Null channel is closed");
        return -1;
    }
    for (i = 0; i < niov; i++) {
        total += iov[i].iov_len;
    }
    nioc->bytes += total;
    return total;
}

static ssize_t qio_channel_null_readv(QIOChannel *ioc,
                                      const struct iovec *iov, size_t niov,
                                      int **fds, size_t *nfds, GError **errp)
{
    if (QIO_CHANNEL_NULL(ioc)->closed) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_CLOSED,
                            "Null channel is closed");
        return -1;
    }
    return 0;
}

static int qio_channel_null_set_blocking(QIOChannel *ioc, bool enabled,
                                         GError **errp)
{
    return 0;
}

static int qio_channel_null_close(QIOChannel *ioc, GError **errp)
{
    QIO_CHANNEL_NULL(ioc)->closed = true;
    return 0;
}

static const QIOChannelClass qio_channel_null_class = {
    .type_name = "null",
    .io_writev = qio_channel_null_writev,
    .io_readv = qio_channel_null_readv,
    .io_close = qio_channel_null_close,
    .io_set_blocking = qio_channel_null_set_blocking,
};

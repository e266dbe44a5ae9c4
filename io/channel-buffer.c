/*
 * QIOChannelBuffer: a growable in-memory channel.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include <gio/gio.h>

#include "io/channel-buffer.h"

struct QIOChannelBuffer {
    QIOChannel parent;
    uint8_t *data;
    size_t capacity;
    size_t usage;   /* bytes written */
    size_t offset;  /* bytes read */
    size_t max_io;
    unsigned int block_every;
    unsigned int calls;
    bool closed;
};

static const QIOChannelClass qio_channel_buffer_class;

QIOChannelBuffer *qio_channel_buffer_new(size_t capacity)
{
    QIOChannelBuffer *bioc = g_new0(QIOChannelBuffer, 1);

    qio_channel_init(&bioc->parent, &qio_channel_buffer_class);
    bioc->capacity = capacity;
    bioc->data = capacity ? g_malloc(capacity) : NULL;
    return bioc;
}

QIOChannelBuffer *qio_channel_buffer_new_data(const void *data, size_t len)
{
    QIOChannelBuffer *bioc = qio_channel_buffer_new(len);

    if (len) {
        memcpy(bioc->data, data, len);
    }
    bioc->usage = len;
    return bioc;
}

const uint8_t *qio_channel_buffer_get_data(QIOChannelBuffer *bioc)
{
    return bioc->data;
}

size_t qio_channel_buffer_get_len(QIOChannelBuffer *bioc)
{
    return bioc->usage;
}

size_t qio_channel_buffer_get_offset(QIOChannelBuffer *bioc)
{
    return bioc->offset;
}

void qio_channel_buffer_set_max_io(QIOChannelBuffer *bioc, size_t max)
{
    bioc->max_io = max;
}

void qio_channel_buffer_set_block_every(QIOChannelBuffer *bioc,
                                        unsigned int n)
{
    bioc->block_every = n;
}

/* Common prologue: closed check and the would-block knob. */
static int buffer_enter(QIOChannelBuffer *bioc, GError **errp)
{
    if (bioc->closed) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_CLOSED,
                            "Buffer channel is closed");
        return -1;
    }
    bioc->calls++;
    if (!bioc->parent.blocking && bioc->block_every &&
        bioc->calls % bioc->block_every == 0) {
        return QIO_CHANNEL_ERR_BLOCK;
    }
    return 0;
}

static ssize_t qio_channel_buffer_writev(QIOChannel *ioc,
                                         const struct iovec *iov,
                                         size_t niov, const int *fds,
                                         size_t nfds, GError **errp)
{
    QIOChannelBuffer *bioc = QIO_CHANNEL_BUFFER(ioc);
    size_t budget = bioc->max_io ? bioc->max_io : SIZE_MAX;
    size_t done = 0, i;
    int ret = buffer_enter(bioc, errp);

    if (ret < 0) {
        return ret;
    }
    for (i = 0; i < niov && done < budget; i++) {
        size_t n = MIN(iov[i].iov_len, budget - done);

        if (n > bioc->capacity - bioc->usage) {
            size_t want = bioc->usage + n;

            if (want < bioc->usage) {
                g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                    "Buffer channel size overflow");
                return -1;
            }
            bioc->capacity = MAX(want, bioc->capacity * 2);
            bioc->data = g_realloc(bioc->data, bioc->capacity);
        }
        memcpy(bioc->data + bioc->usage, iov[i].iov_base, n);
        bioc->usage += n;
        done += n;
    }
    return done;
}

static ssize_t qio_channel_buffer_readv(QIOChannel *ioc,
                                        const struct iovec *iov, size_t niov,
                                        int **fds, size_t *nfds,
                                        GError **errp)
{
    QIOChannelBuffer *bioc = QIO_CHANNEL_BUFFER(ioc);
    size_t budget = bioc->max_io ? bioc->max_io : SIZE_MAX;
    size_t done = 0, i;
    int ret = buffer_enter(bioc, errp);

    if (ret < 0) {
        return ret;
    }
    for (i = 0; i < niov && done < budget; i++) {
        size_t n = MIN(iov[i].iov_len, budget - done);

        n = MIN(n, bioc->usage - bioc->offset);
        if (!n) {
            if (bioc->offset == bioc->usage) {
                break;
            }
            continue;
        }
        memcpy(iov[i].iov_base, bioc->data + bioc->offset, n);
        bioc->offset += n;
        done += n;
    }
    return done;
}

static int qio_channel_buffer_set_blocking(QIOChannel *ioc, bool enabled,
                                           GError **errp)
{
    return 0;
}

static int qio_channel_buffer_close(QIOChannel *ioc, GError **errp)
{
    QIO_CHANNEL_BUFFER(ioc)->closed = true;
    return 0;
}

static void qio_channel_buffer_finalize(QIOChannel *ioc)
{
    g_free(QIO_CHANNEL_BUFFER(ioc)->data);
}

static const QIOChannelClass qio_channel_buffer_class = {
    .type_name = "buffer",
    .io_writev = qio_channel_buffer_writev,
    .io_readv = qio_channel_buffer_readv,
    .io_close = qio_channel_buffer_close,
    .io_set_blocking = qio_channel_buffer_set_blocking,
    .io_finalize = qio_channel_buffer_finalize,
};

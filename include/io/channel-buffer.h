/*
 * QIOChannelBuffer: a growable in-memory channel, mainly for tests.
 * Writes append at the end; reads consume from a read offset, and a read
 * at the end returns 0 (EOF).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef IO_CHANNEL_BUFFER_H
#define IO_CHANNEL_BUFFER_H

#include "io/channel.h"

typedef struct QIOChannelBuffer QIOChannelBuffer;

#define QIO_CHANNEL_BUFFER(ioc) ((QIOChannelBuffer *)(ioc))

/* An empty buffer with room for @capacity bytes before it must grow. */
QIOChannelBuffer *qio_channel_buffer_new(size_t capacity);
/* A buffer holding a copy of @data, read offset 0 (input for readers). */
QIOChannelBuffer *qio_channel_buffer_new_data(const void *data, size_t len);

/* All bytes written so far (valid until the next write or unref). */
const uint8_t *qio_channel_buffer_get_data(QIOChannelBuffer *bioc);
size_t qio_channel_buffer_get_len(QIOChannelBuffer *bioc);
/* Bytes consumed by reads so far. */
size_t qio_channel_buffer_get_offset(QIOChannelBuffer *bioc);

/*
 * Test knobs for the callers' short-I/O handling: transfer at most
 * @max bytes per read or write call (0: no limit) ...
 */
void qio_channel_buffer_set_max_io(QIOChannelBuffer *bioc, size_t max);
/*
 * ... and, while the channel is non-blocking, let every @n-th read or
 * write call return QIO_CHANNEL_ERR_BLOCK (0: never).
 */
void qio_channel_buffer_set_block_every(QIOChannelBuffer *bioc,
                                        unsigned int n);

#endif /* IO_CHANNEL_BUFFER_H */

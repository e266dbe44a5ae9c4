/*
 * QIOChannelNull: a sink that accepts and discards every write and reads
 * as end-of-file.  Useful to measure a sender without a receiver (bench/)
 * and as the smallest example of a backend.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef IO_CHANNEL_NULL_H
#define IO_CHANNEL_NULL_H

#include "io/channel.h"

typedef struct QIOChannelNull QIOChannelNull;

#define QIO_CHANNEL_NULL(ioc) ((QIOChannelNull *)(ioc))

QIOChannelNull *qio_channel_null_new(void);
/* Bytes discarded so far. */
uint64_t qio_channel_null_get_bytes(QIOChannelNull *nioc);

#endif /* IO_CHANNEL_NULL_H */

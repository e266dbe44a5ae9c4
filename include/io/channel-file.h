/*
 * QIOChannelFile: a channel over a file descriptor (regular file, pipe,
 * character device) or a path opened with open(2) flags.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef IO_CHANNEL_FILE_H
#define IO_CHANNEL_FILE_H

#include <sys/types.h>

#include "io/channel.h"

typedef struct QIOChannelFile QIOChannelFile;

#define QIO_CHANNEL_FILE(ioc) ((QIOChannelFile *)(ioc))

/* True when @ioc is a QIOChannelFile. */
bool qio_channel_is_file(QIOChannel *ioc);

/**
 * qio_channel_file_new_fd:
 * @fd: an open file descriptor; ownership passes to the channel (closed by
 *      qio_channel_close() or the last unref)
 *
 * The channel mirrors the fd's O_NONBLOCK flag; non-blocking pipes are
 * waited for with poll().  No optional features (no zero copy, no fd
 * passing, no shutdown).
 */
QIOChannelFile *qio_channel_file_new_fd(int fd);

/**
 * qio_channel_file_new_path:
 * @path: file to open
 * @flags: open(2) flags (O_CLOEXEC is added)
 * @mode: creation mode when @flags has O_CREAT
 *
 * Returns the channel, or NULL with @errp set naming @path and the reason.
 */
QIOChannelFile *qio_channel_file_new_path(const char *path, int flags,
                                          mode_t mode, GError **errp);

int qio_channel_file_get_fd(QIOChannelFile *fioc);

#endif /* IO_CHANNEL_FILE_H */

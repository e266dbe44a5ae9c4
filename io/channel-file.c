/*
 * QIOChannelFile: readv/writev on a plain file descriptor.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <gio/gio.h>

#include "io/channel-file.h"

struct QIOChannelFile {
    QIOChannel parent;
    int fd;
};

static const QIOChannelClass qio_channel_file_class;

bool qio_channel_is_file(QIOChannel *ioc)
{
    return ioc && ioc->klass == &qio_channel_file_class;
}

QIOChannelFile *qio_channel_file_new_fd(int fd)
{
    QIOChannelFile *fioc = g_new0(QIOChannelFile, 1);
    int flags = fcntl(fd, F_GETFL);

    qio_channel_init(&fioc->parent, &qio_channel_file_class);
    fioc->fd = fd;
    fioc->parent.blocking = flags < 0 || !(flags & O_NONBLOCK);
    return fioc;
}

QIOChannelFile *qio_channel_file_new_path(const char *path, int flags,
                                          mode_t mode, GError **errp)
{
    int fd;

    do {
        fd = open(path, flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int err = errno;

        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "Unable to open '%s': %s", path, g_strerror(err));
        return NULL;
    }
    return qio_channel_file_new_fd(fd);
}

int qio_channel_file_get_fd(QIOChannelFile *fioc)
{
    return fioc->fd;
}

/*
 * One readv() or writev() on the file, retried on EINTR; the errors of
 * both directions are the same but for the verb.
 */
static ssize_t qio_channel_file_io(QIOChannelFile *fioc,
                                   const struct iovec *iov, size_t niov,
                                   bool write, GError **errp)
{
    int cnt = MIN(niov, (size_t)IOV_MAX);
    ssize_t ret;

    for (;;) {
        ret = write ? writev(fioc->fd, iov, cnt) : readv(fioc->fd, iov, cnt);
        if (ret >= 0) {
            return ret;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return QIO_CHANNEL_ERR_BLOCK;
        }
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                    "Unable to %s file: %s", write ? "write to" : "read from",
                    g_strerror(errno));
        return -1;
    }
}

static ssize_t qio_channel_file_writev(QIOChannel *ioc,
                                       const struct iovec *iov, size_t niov,
                                       const int *fds, size_t nfds,
                                       GError **errp)
{
    return qio_channel_file_io(QIO_CHANNEL_FILE(ioc), iov, niov, true, errp);
}

static ssize_t qio_channel_file_readv(QIOChannel *ioc,
                                      const struct iovec *iov, size_t niov,
                                      int **fds, size_t *nfds, GError **errp)
{
    return qio_channel_file_io(QIO_CHANNEL_FILE(ioc), iov, niov, false, errp);
}

static int qio_channel_file_set_blocking(QIOChannel *ioc, bool enabled,
                                         GError **errp)
{
    QIOChannelFile *fioc = QIO_CHANNEL_FILE(ioc);
    int flags = fcntl(fioc->fd, F_GETFL);

    if (flags < 0 ||
        fcntl(fioc->fd, F_SETFL,
              enabled ? flags & ~O_NONBLOCK : flags | O_NONBLOCK) < 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                    "Unable to set file blocking mode: %s",
                    g_strerror(errno));
        return -1;
    }
    return 0;
}

static int qio_channel_file_close(QIOChannel *ioc, GError **errp)
{
    QIOChannelFile *fioc = QIO_CHANNEL_FILE(ioc);
    int fd = fioc->fd;

    if (fd < 0) {
        return 0;
    }
    fioc->fd = -1;
    /* Linux closes the fd even when close() reports EINTR. */
    if (close(fd) < 0 && errno != EINTR) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                    "Unable to close file: %s", g_strerror(errno));
        return -1;
    }
    return 0;
}

static void qio_channel_file_finalize(QIOChannel *ioc)
{
    qio_channel_file_close(ioc, NULL);
}

static int qio_channel_file_get_poll_fd(QIOChannel *ioc,
                                        GIOCondition condition)
{
    return QIO_CHANNEL_FILE(ioc)->fd;
}

static const QIOChannelClass qio_channel_file_class = {
    .type_name = "file",
    .io_writev = qio_channel_file_writev,
    .io_readv = qio_channel_file_readv,
    .io_close = qio_channel_file_close,
    .io_set_blocking = qio_channel_file_set_blocking,
    .io_finalize = qio_channel_file_finalize,
    .io_get_poll_fd = qio_channel_file_get_poll_fd,
};

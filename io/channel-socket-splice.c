/*
 * QIOChannelSocket: receiving a stream straight into a file with splice().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A migration destination whose guest RAM is a shared file mapping
 * (tmpfs, memfd, a regular file) would normally recv() into the mapping.
 * Every first touch of a page there is a page fault in which the kernel
 * allocates the page and zeroes it, only for recv() to overwrite it.
 * Writing through the file instead lets the filesystem allocate the page
 * without zeroing it (the write covers it) and without a fault; splice()
 * moves the socket's buffers into a pipe by reference, so the one copy
 * left is the one into the file.
 *
 * The socket data is spliced into a private pipe, then the pipe is
 * drained into the file before more is spliced in: an empty pipe never
 * makes the socket-to-pipe splice wait for room, so a channel can only
 * ever wait for the peer.
 *
 * Writes to one tmpfs file are serialised by its inode lock.  Channels
 * sharing a file share a mutex instead (its waiters would sleep where the
 * inode lock's spin), and a channel that finds it taken does not wait at
 * all: it copies that pipe load through the mapping, where page faults
 * run in parallel with the other channel's writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gio/gio.h>

#include "channel-socket-internal.h"

/* Largest pipe we ask for (fs.pipe-max-size defaults to 1 MiB). */
#define SPLICE_PIPE_BYTES (1u << 20)

void qio_channel_socket_splice_cleanup(QIOChannelSocket *sioc)
{
    for (int i = 0; i < 2; i++) {
        if (sioc->splice_pipe[i] >= 0) {
            close(sioc->splice_pipe[i]);
            sioc->splice_pipe[i] = -1;
        }
    }
}

static bool splice_pipe_open(QIOChannelSocket *sioc)
{
    int p[2];
    int size;

    if (sioc->splice_pipe[0] >= 0) {
        return true;
    }
    if (pipe2(p, O_CLOEXEC) < 0) {
        return false;
    }
    /* Best effort: a bigger pipe means fewer round trips, not correctness. */
    (void)fcntl(p[1], F_SETPIPE_SZ, SPLICE_PIPE_BYTES);
    size = fcntl(p[1], F_GETPIPE_SZ);
    sioc->splice_pipe[0] = p[0];
    sioc->splice_pipe[1] = p[1];
    sioc->splice_pipe_bytes = size > 0 ? (size_t)size : 65536;
    return true;
}

/* Block until the (possibly non-blocking) socket is readable. */
static void splice_wait_readable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    (void)poll(&pfd, 1, -1);
}

/*
 * Read @len bytes of the pipe into @dst (the file refused splice writes
 * after the bytes had left the socket).  Returns 0 or -errno.
 */
static int splice_pipe_read(int pfd, uint8_t *dst, size_t len)
{
    while (len) {
        ssize_t n = read(pfd, dst, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        dst += n;
        len -= n;
    }
    return 0;
}

/*
 * Move @len bytes now in the pipe to @fd at @off.  Returns 0, 1 if @fd
 * refused splice writes (the bytes then went through @dst, the same file
 * bytes seen through the shared mapping), or -errno.
 */
static int splice_pipe_drain(QIOChannelSocket *sioc, int fd, loff_t off,
                             uint8_t *dst, size_t len)
{
    while (len) {
        ssize_t n = splice(sioc->splice_pipe[0], NULL, fd, &off, len, 0);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EINVAL) {
            int r = splice_pipe_read(sioc->splice_pipe[0], dst, len);

            return r < 0 ? r : 1;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        dst += n;
        len -= n;
    }
    return 0;
}

/*
 * One destination range.  Returns the bytes of it that are done (all of
 * them unless something failed), and sets *@refused when the socket or
 * the file cannot splice (the caller copies the rest).
 */
static ssize_t splice_range(QIOChannelSocket *sioc, int fd,
                            const uint8_t *map, const struct iovec *iov,
                            GMutex *write_lock, bool *refused,
                            GError **errp)
{
    uint8_t *dst = iov->iov_base;
    size_t done = 0;

    while (done < iov->iov_len) {
        size_t want = MIN(iov->iov_len - done, sioc->splice_pipe_bytes);
        ssize_t in = splice(sioc->fd, NULL, sioc->splice_pipe[1], NULL, want,
                            SPLICE_F_MOVE);
        int r;

        if (in < 0 && errno == EINTR) {
            continue;
        }
        if (in < 0 && errno == EAGAIN) {
            splice_wait_readable(sioc->fd);
            continue;
        }
        if (in < 0 && errno == EINVAL) {
            /* Nothing left the socket: the caller can simply read. */
            *refused = true;
            return done;
        }
        if (in == 0) {
            g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                "Unexpected end-of-file before all data "
                                "were read");
            return -1;
        }
        if (in < 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "Unable to read from socket: %s", g_strerror(errno));
            return -1;
        }
        if (write_lock && !g_mutex_trylock(write_lock)) {
            /*
             * Another channel is writing to the file.  Rather than wait
             * for it, copy through the mapping: page faults run in
             * parallel, the file's writers do not.
             */
            r = splice_pipe_read(sioc->splice_pipe[0], dst + done, in);
            if (r == 0) {
                sioc->splice_busy_bytes += in;
                done += in;
                continue;
            }
        } else {
            r = splice_pipe_drain(sioc, fd, dst + done - map, dst + done, in);
            if (write_lock) {
                g_mutex_unlock(write_lock);
            }
        }
        if (r < 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(-r),
                        "Unable to store received data: %s",
                        g_strerror(-r));
            return -1;
        }
        done += in;
        if (r == 1) {
            sioc->splice_copied_bytes += in;
            *refused = true;
            return done;
        }
        sioc->splice_bytes += in;
    }
    return done;
}

int qio_channel_socket_readv_to_file(QIOChannelSocket *sioc,
                                     const struct iovec *iov, size_t niov,
                                     int fd, const uint8_t *map,
                                     GMutex *write_lock, GError **errp)
{
    QIOChannel *ioc = QIO_CHANNEL_SOCKET_BASE(sioc);
    size_t i = 0;

    if (!sioc->splice_refused && !splice_pipe_open(sioc)) {
        sioc->splice_refused = true;
    }
    for (; i < niov && !sioc->splice_refused; i++) {
        bool refused = false;
        ssize_t done = splice_range(sioc, fd, map, &iov[i], write_lock,
                                    &refused, errp);

        if (done < 0) {
            return -1;
        }
        if (refused) {
            sioc->splice_refused = true;
            qio_channel_socket_splice_cleanup(sioc);
            if ((size_t)done < iov[i].iov_len) {
                struct iovec rest = {
                    .iov_base = (uint8_t *)iov[i].iov_base + done,
                    .iov_len = iov[i].iov_len - done,
                };

                if (qio_channel_readv_all(ioc, &rest, 1, errp) < 0) {
                    return -1;
                }
                sioc->splice_copied_bytes += rest.iov_len;
            }
            i++;
            break;
        }
    }
    if (i < niov) {
        size_t bytes = 0;

        for (size_t j = i; j < niov; j++) {
            bytes += iov[j].iov_len;
        }
        if (qio_channel_readv_all(ioc, &iov[i], niov - i, errp) < 0) {
            return -1;
        }
        sioc->splice_copied_bytes += bytes;
    }
    return 0;
}

void qio_channel_socket_get_splice_stats(QIOChannelSocket *sioc,
                                         QIOChannelSpliceStats *stats)
{
    stats->spliced = sioc->splice_bytes;
    stats->busy = sioc->splice_busy_bytes;
    stats->copied = sioc->splice_copied_bytes;
    stats->refused = sioc->splice_refused;
}

/*
 * QIOChannelSocket: MSG_ZEROCOPY sends, completion reaping and flush.
 *
 * Each sendmsg(MSG_ZEROCOPY) that the kernel accepts takes the next
 * number of a 32-bit per-socket counter.  When the kernel releases the
 * pages it queues a notice on the socket error queue covering an inclusive
 * range of those numbers (ranges are coalesced).  We count sends
 * ("queued") and the sizes of the reaped ranges ("completed"); a flush
 * waits until the two are equal.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef CONFIG_MSG_ZEROCOPY
#include <linux/errqueue.h>
#endif

#include <gio/gio.h>

#include "io/channel-socket-internal.h"

bool qio_channel_socket_zerocopy_account(QIOChannelZerocopyStats *stats,
                                         uint64_t in_flight, uint32_t lo,
                                         uint32_t hi, bool copied,
                                         GError **errp)
{
    /* Unsigned arithmetic makes a wrapped range come out right. */
    uint64_t n = (uint64_t)(uint32_t)(hi - lo) + 1;
    uint64_t outstanding = stats->queued - stats->completed + in_flight;

    if (n > outstanding) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "Invalid zero-copy completion range [%" G_GUINT32_FORMAT
                    ", %" G_GUINT32_FORMAT "]: covers %" G_GUINT64_FORMAT
                    " sends, but only %" G_GUINT64_FORMAT
                    " are outstanding", lo, hi, n, outstanding);
        return false;
    }
    stats->completed += n;
    if (copied) {
        stats->copied += n;
    }
    return true;
}

void qio_channel_socket_get_zerocopy_stats(QIOChannel *ioc,
                                           QIOChannelZerocopyStats *stats)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);

    g_mutex_lock(&sioc->zc_lock);
    *stats = sioc->zc;
    g_mutex_unlock(&sioc->zc_lock);
}

void qio_channel_socket_set_zerocopy_auto_disable(QIOChannelSocket *sioc,
                                                  bool enabled)
{
    g_mutex_lock(&sioc->zc_lock);
    sioc->zc_auto_disable = enabled;
    g_mutex_unlock(&sioc->zc_lock);
}

#ifdef CONFIG_MSG_ZEROCOPY

void qio_channel_socket_zerocopy_setup(QIOChannelSocket *sioc)
{
    int one = 1;

    /* ENOPROTOOPT: old kernel; EOPNOTSUPP: not TCP.  Either: no feature. */
    if (setsockopt(sioc->fd, SOL_SOCKET, SO_ZEROCOPY, &one,
                   sizeof(one)) == 0) {
        qio_channel_set_feature(&sioc->parent,
                                QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY);
    }
}

/*
 * Reap every notice on the error queue without blocking.  Called with
 * zc_lock held.  Returns 0 (queue empty) or -1 with @errp set.
 */
static int zc_drain(QIOChannelSocket *sioc, GError **errp)
{
    for (;;) {
        /* sock_extended_err plus the offender address, with room. */
        union {
            char buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
                                sizeof(struct sockaddr_in6)) + 64];
            struct cmsghdr align;
        } control;
        struct msghdr msg = {
            .msg_control = control.buf,
            .msg_controllen = sizeof(control.buf),
        };
        struct sock_extended_err serr;
        struct cmsghdr *cm;
        ssize_t ret;

        ret = recvmsg(sioc->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (ret < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return 0;
            }
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "Unable to read zero-copy completions: %s",
                        g_strerror(errno));
            return -1;
        }
        cm = CMSG_FIRSTHDR(&msg);
        if (!cm || (msg.msg_flags & MSG_CTRUNC)) {
            g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                "Malformed zero-copy completion: missing or "
                                "truncated control message");
            return -1;
        }
        if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
              (cm->cmsg_level == SOL_IPV6 &&
               cm->cmsg_type == IPV6_RECVERR)) ||
            cm->cmsg_len < CMSG_LEN(sizeof(serr))) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "Unexpected control message on the socket error "
                        "queue (level %d, type %d)", cm->cmsg_level,
                        cm->cmsg_type);
            return -1;
        }
        memcpy(&serr, CMSG_DATA(cm), sizeof(serr));
        if (serr.ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "Unexpected socket error-queue message (origin %u)",
                        serr.ee_origin);
            return -1;
        }
        if (serr.ee_errno != 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(serr.ee_errno),
                        "Zero-copy send failed: %s",
                        g_strerror(serr.ee_errno));
            return -1;
        }
        if (!qio_channel_socket_zerocopy_account(
                &sioc->zc, sioc->zc_sending, serr.ee_info, serr.ee_data,
                serr.ee_code & SO_EE_CODE_ZEROCOPY_COPIED, errp)) {
            return -1;
        }
    }
}

/*
 * Reap completions; with @wait, block until at least one more send has
 * completed (unless none is outstanding).  Called with zc_lock held.
 * A dead socket (hang-up, socket error) with sends still outstanding is an
 * error, never a hang.
 */
static int zc_reap(QIOChannelSocket *sioc, bool wait, GError **errp)
{
    uint64_t before = sioc->zc.completed;

    for (;;) {
        struct pollfd pfd = { .fd = sioc->fd, .events = 0 };
        int soerr = 0;
        socklen_t len = sizeof(soerr);

        if (sioc->zc_error) {
            g_propagate_error(errp, g_steal_pointer(&sioc->zc_error));
            return -1;
        }
        if (sioc->fd < 0) {
            g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_CLOSED,
                                "Socket closed with zero-copy sends "
                                "outstanding");
            return -1;
        }
        if (zc_drain(sioc, errp) < 0) {
            return -1;
        }
        if (!wait || sioc->zc.completed != before ||
            sioc->zc.completed >= sioc->zc.queued) {
            return 0;
        }
        /* A non-empty error queue shows as POLLERR even with no events. */
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "Unable to wait for zero-copy completions: %s",
                        g_strerror(errno));
            return -1;
        }
        if (zc_drain(sioc, errp) < 0) {
            return -1;
        }
        if (sioc->zc.completed != before) {
            return 0;
        }
        if (pfd.revents & (POLLHUP | POLLNVAL)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                        "Connection closed with %" G_GUINT64_FORMAT
                        " zero-copy sends outstanding",
                        sioc->zc.queued - sioc->zc.completed);
            return -1;
        }
        if ((pfd.revents & POLLERR) &&
            getsockopt(sioc->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
            soerr != 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(soerr),
                        "Socket failed with %" G_GUINT64_FORMAT
                        " zero-copy sends outstanding: %s",
                        sioc->zc.queued - sioc->zc.completed,
                        g_strerror(soerr));
            return -1;
        }
    }
}

void qio_channel_socket_zerocopy_reap_pending(QIOChannelSocket *sioc)
{
    GError *err = NULL;

    if (!qio_channel_has_feature(&sioc->parent,
                                 QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
        return;
    }
    /* Someone else (a flush) is reaping: they will clear POLLERR. */
    if (!g_mutex_trylock(&sioc->zc_lock)) {
        return;
    }
    if (!sioc->zc_error && sioc->zc.completed < sioc->zc.queued &&
        zc_drain(sioc, &err) < 0) {
        sioc->zc_error = err;
    }
    g_mutex_unlock(&sioc->zc_lock);
}

static void set_enobufs_error(GError **errp)
{
    struct rlimit rl;
    g_autofree char *limit = NULL;

    if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        limit = g_strdup_printf("%llu KiB",
                                (unsigned long long)rl.rlim_cur / 1024);
    } else {
        limit = g_strdup("unlimited");
    }
    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                "Zero-copy send failed with ENOBUFS even after reaping "
                "completions: the locked-memory limit RLIMIT_MEMLOCK "
                "(currently %s; raise it with ulimit -l or grant "
                "CAP_IPC_LOCK) or the socket option memory "
                "net.core.optmem_max is exhausted", limit);
}

ssize_t qio_channel_socket_writev_zerocopy(QIOChannel *ioc,
                                           const struct iovec *iov,
                                           size_t niov, GError **errp)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    struct msghdr msg = {
        .msg_iov = (struct iovec *)iov,
        .msg_iovlen = MIN(niov, (size_t)IOV_MAX), /* a short write */
    };
    int flags = MSG_NOSIGNAL;
    bool retried = false;
    size_t total = 0, i;
    ssize_t ret;
    int err = 0;

    for (i = 0; i < msg.msg_iovlen; i++) {
        total += iov[i].iov_len;
    }
    if (!total) {
        /* A zero-length send could still take a completion number. */
        return 0;
    }

    g_mutex_lock(&sioc->zc_lock);
    if (!sioc->zc.zerocopy_disabled) {
        flags |= MSG_ZEROCOPY;
        sioc->zc_sending++;
    }
    g_mutex_unlock(&sioc->zc_lock);

    for (;;) {
        ret = sendmsg(sioc->fd, &msg, flags);
        if (ret >= 0) {
            break;
        }
        err = errno;
        if (err == EINTR) {
            continue;
        }
        if (err == ENOBUFS && (flags & MSG_ZEROCOPY) && !retried) {
            int r;

            /*
             * Pinned pages or option memory ran out: release what the
             * kernel has finished with and try once more.  A blocking
             * channel waits for every outstanding send (reaping just the
             * first completion may free too little); a non-blocking one
             * only takes what is already there.
             */
            retried = true;
            g_mutex_lock(&sioc->zc_lock);
            sioc->zc.enobufs_retries++;
            do {
                r = zc_reap(sioc, ioc->blocking, errp);
            } while (r == 0 && ioc->blocking &&
                     sioc->zc.completed < sioc->zc.queued);
            g_mutex_unlock(&sioc->zc_lock);
            if (r < 0) {
                err = 0;
                break;
            }
            continue;
        }
        break;
    }

    g_mutex_lock(&sioc->zc_lock);
    if (flags & MSG_ZEROCOPY) {
        sioc->zc_sending--;
        if (ret > 0) {
            sioc->zc.queued++;
            sioc->zc.bytes += ret;
        }
    }
    g_mutex_unlock(&sioc->zc_lock);

    if (ret >= 0) {
        return ret;
    }
    if (err == 0) {
        /* errp already set by the reaping. */
        return -1;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
        qio_channel_socket_zerocopy_reap_pending(sioc);
        return QIO_CHANNEL_ERR_BLOCK;
    }
    if (err == ENOBUFS && (flags & MSG_ZEROCOPY)) {
        set_enobufs_error(errp);
        return -1;
    }
    g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                "Unable to write to socket: %s", g_strerror(err));
    return -1;
}

int qio_channel_socket_flush_zerocopy(QIOChannel *ioc, GError **errp)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    uint64_t sends, copied;
    int ret = 0;

    g_mutex_lock(&sioc->zc_lock);
    while (sioc->zc.completed < sioc->zc.queued || sioc->zc_error) {
        if (zc_reap(sioc, true, errp) < 0) {
            g_mutex_unlock(&sioc->zc_lock);
            return -1;
        }
    }
    /*
     * Every completion reaped since the previous flush belongs to a send
     * made since then, because that flush ended with completed == queued.
     */
    sends = sioc->zc.queued - sioc->zc_mark_queued;
    copied = sioc->zc.copied - sioc->zc_mark_copied;
    sioc->zc_mark_queued = sioc->zc.queued;
    sioc->zc_mark_copied = sioc->zc.copied;
    if (sends) {
        sioc->zc.flushes++;
        if (copied == sends) {
            ret = 1;
            sioc->zc.flushes_all_copied++;
            sioc->zc_copied_flushes_in_row++;
        } else {
            sioc->zc_copied_flushes_in_row = 0;
        }
        if (sioc->zc_auto_disable &&
            sioc->zc_copied_flushes_in_row >=
            QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES) {
            sioc->zc.zerocopy_disabled = true;
        }
    }
    g_mutex_unlock(&sioc->zc_lock);
    return ret;
}

#else /* !CONFIG_MSG_ZEROCOPY */

void qio_channel_socket_zerocopy_setup(QIOChannelSocket *sioc)
{
    /* Built without MSG_ZEROCOPY: the feature bit is never set. */
}

void qio_channel_socket_zerocopy_reap_pending(QIOChannelSocket *sioc)
{
}

ssize_t qio_channel_socket_writev_zerocopy(QIOChannel *ioc,
                                           const struct iovec *iov,
                                           size_t niov, GError **errp)
{
    g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        "Zero copy is not supported by this build");
    return -1;
}

int qio_channel_socket_flush_zerocopy(QIOChannel *ioc, GError **errp)
{
    return 0;
}

#endif /* CONFIG_MSG_ZEROCOPY */

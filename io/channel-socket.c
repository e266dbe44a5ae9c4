/*
 * QIOChannelSocket: TCP (IPv4/IPv6) and UNIX stream sockets.
 *
 * Lifecycle, connect/listen/accept and plain I/O live here; MSG_ZEROCOPY
 * sending, completion reaping and flushing in channel-socket-zerocopy.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>

#include "io/channel-socket-internal.h"

/* Most fds accepted in one read; more are closed and reported. */
#define QIO_CHANNEL_SOCKET_MAX_FDS 16

static const QIOChannelClass qio_channel_socket_class;

bool qio_channel_is_socket(QIOChannel *ioc)
{
    return ioc && ioc->klass == &qio_channel_socket_class;
}

int qio_channel_socket_get_fd(QIOChannelSocket *sioc)
{
    return sioc->fd;
}

QIOChannelSocket *qio_channel_socket_new_fd(int fd, GError **errp)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int type, acceptconn = 0, flags;
    QIOChannelSocket *sioc;

    len = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
        int err = errno;

        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "File descriptor %d is not a socket: %s", fd,
                    g_strerror(err));
        return NULL;
    }
    if (type != SOCK_STREAM) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "Socket %d is not a stream socket", fd);
        return NULL;
    }
    len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        int err = errno;

        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "Unable to query socket %d address: %s", fd,
                    g_strerror(err));
        return NULL;
    }
    if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6 &&
        ss.ss_family != AF_UNIX) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "Socket %d has unsupported address family %d", fd,
                    ss.ss_family);
        return NULL;
    }
    len = sizeof(acceptconn);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &len) < 0) {
        acceptconn = 0;
    }
    flags = fcntl(fd, F_GETFL);

    sioc = g_new0(QIOChannelSocket, 1);
    qio_channel_init(&sioc->parent, &qio_channel_socket_class);
    sioc->fd = fd;
    sioc->family = ss.ss_family;
    sioc->listening = acceptconn != 0;
    g_mutex_init(&sioc->zc_lock);
    sioc->splice_pipe[0] = sioc->splice_pipe[1] = -1;
    sioc->parent.blocking = flags < 0 || !(flags & O_NONBLOCK);

    qio_channel_set_feature(&sioc->parent, QIO_CHANNEL_FEATURE_SHUTDOWN);
    if (sioc->family == AF_UNIX) {
        qio_channel_set_feature(&sioc->parent, QIO_CHANNEL_FEATURE_FD_PASS);
    } else if (!sioc->listening) {
        int proto = 0;

        len = sizeof(proto);
        if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
            proto == IPPROTO_TCP) {
            qio_channel_socket_zerocopy_setup(sioc);
        }
    }
    return sioc;
}

/* "tcp:[::1]:4444" for a sockaddr; NULL with @errp set on failure. */
static QIOSocketAddress *sockaddr_to_address(const struct sockaddr_storage *ss,
                                             socklen_t len, GError **errp)
{
    QIOSocketAddress *addr;

    if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
        size_t max = len > offsetof(struct sockaddr_un, sun_path) ?
                     len - offsetof(struct sockaddr_un, sun_path) : 0;

        addr = g_new0(QIOSocketAddress, 1);
        addr->type = QIO_SOCKET_ADDRESS_UNIX;
        addr->path = g_strndup(un->sun_path,
                               MIN(max, sizeof(un->sun_path)));
        return addr;
    } else {
        char host[NI_MAXHOST], serv[NI_MAXSERV];
        int ret = getnameinfo((const struct sockaddr *)ss, len, host,
                              sizeof(host), serv, sizeof(serv),
                              NI_NUMERICHOST | NI_NUMERICSERV);

        if (ret != 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "Unable to format socket address: %s",
                        gai_strerror(ret));
            return NULL;
        }
        addr = g_new0(QIOSocketAddress, 1);
        addr->type = QIO_SOCKET_ADDRESS_INET;
        addr->host = g_strdup(host);
        addr->port = g_strdup(serv);
        return addr;
    }
}

/* getsockname() or getpeername() of @sioc as an address; @what names it. */
static QIOSocketAddress *socket_query_address(QIOChannelSocket *sioc,
                                              int (*query)(int,
                                                           struct sockaddr *,
                                                           socklen_t *),
                                              const char *what,
                                              GError **errp)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    if (query(sioc->fd, (struct sockaddr *)&ss, &len) < 0) {
        int err = errno;

        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "Unable to query %s socket address: %s", what,
                    g_strerror(err));
        return NULL;
    }
    return sockaddr_to_address(&ss, len, errp);
}

QIOSocketAddress *qio_channel_socket_get_local_address(QIOChannelSocket *sioc,
                                                       GError **errp)
{
    return socket_query_address(sioc, getsockname, "local", errp);
}

QIOSocketAddress *qio_channel_socket_get_remote_address(QIOChannelSocket *sioc,
                                                        GError **errp)
{
    return socket_query_address(sioc, getpeername, "remote", errp);
}

static bool fill_unix_sockaddr(const QIOSocketAddress *addr,
                               struct sockaddr_un *un, GError **errp)
{
    memset(un, 0, sizeof(*un));
    un->sun_family = AF_UNIX;
    if (strlen(addr->path) >= sizeof(un->sun_path)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "UNIX socket path '%s' is too long", addr->path);
        return false;
    }
    strcpy(un->sun_path, addr->path);
    return true;
}

static struct addrinfo *resolve(const QIOSocketAddress *addr, bool passive,
                                GError **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    struct addrinfo *res = NULL;
    const char *host = addr->host && *addr->host ? addr->host : NULL;
    int ret = getaddrinfo(host, addr->port, &hints, &res);

    if (ret != 0) {
        g_autofree char *str = qio_socket_address_to_string(addr);

        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "Unable to resolve '%s': %s", str,
                    ret == EAI_SYSTEM ? g_strerror(errno) : gai_strerror(ret));
        return NULL;
    }
    return res;
}

/* connect() that survives EINTR (the connection goes on in the kernel). */
static int connect_retry(int fd, const struct sockaddr *sa, socklen_t len)
{
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    socklen_t elen = sizeof(int);
    int err = 0;

    if (connect(fd, sa, len) == 0) {
        return 0;
    }
    if (errno != EINTR && errno != EINPROGRESS) {
        return -1;
    }
    while (poll(&pfd, 1, -1) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
        return -1;
    }
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

QIOChannelSocket *qio_channel_socket_connect_sync(const QIOSocketAddress *addr,
                                                  GError **errp)
{
    g_autofree char *str = qio_socket_address_to_string(addr);
    QIOChannelSocket *sioc;
    int fd, err = 0;

    if (addr->type == QIO_SOCKET_ADDRESS_UNIX) {
        struct sockaddr_un un;

        if (!fill_unix_sockaddr(addr, &un, errp)) {
            return NULL;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 ||
            connect_retry(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
            err = errno;
            if (fd >= 0) {
                close(fd);
            }
            fd = -1;
        }
    } else {
        struct addrinfo *res = resolve(addr, false, errp), *ai;

        if (!res) {
            return NULL;
        }
        fd = -1;
        err = ECONNREFUSED;
        for (ai = res; ai; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);
            if (fd < 0) {
                err = errno;
                continue;
            }
            if (connect_retry(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                break;
            }
            err = errno;
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
    }
    if (fd < 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "Failed to connect to '%s': %s", str, g_strerror(err));
        return NULL;
    }
    sioc = qio_channel_socket_new_fd(fd, errp);
    if (!sioc) {
        close(fd);
    }
    return sioc;
}

static int listen_unix(const QIOSocketAddress *addr, int backlog,
                       GError **errp)
{
    struct sockaddr_un un;
    struct stat st;
    int fd;

    if (!fill_unix_sockaddr(addr, &un, errp)) {
        return -1;
    }
    if (lstat(addr->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_EXISTS,
                        "Failed to listen on 'unix:%s': the path exists and "
                        "is not a socket", addr->path);
            return -1;
        }
        /* A stale socket from an earlier run. */
        unlink(addr->path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0 ||
        listen(fd, backlog) < 0) {
        int err = errno;

        if (fd >= 0) {
            close(fd);
        }
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "Failed to listen on 'unix:%s': %s", addr->path,
                    g_strerror(err));
        return -1;
    }
    return fd;
}

static int listen_one(const struct addrinfo *ai, bool wildcard, int backlog)
{
    int one = 1, off = 0;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);

    if (fd < 0) {
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* "[::]" and "" listen on IPv4 too (mapped addresses). */
    if (ai->ai_family == AF_INET6 && wildcard) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
        int err = errno;

        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int listen_inet(const QIOSocketAddress *addr, int backlog,
                       GError **errp)
{
    bool wildcard = !addr->host || !*addr->host ||
                    g_str_equal(addr->host, "::");
    struct addrinfo *res = resolve(addr, true, errp), *ai;
    int fd = -1, err = EADDRNOTAVAIL, pass;

    if (!res) {
        return -1;
    }
    /* Wildcards: prefer one dual-stack IPv6 socket over an IPv4 one. */
    for (pass = 0; pass < 2 && fd < 0; pass++) {
        for (ai = res; ai && fd < 0; ai = ai->ai_next) {
            if (wildcard && (pass == 0) != (ai->ai_family == AF_INET6)) {
                continue;
            }
            if (!wildcard && pass == 1) {
                break;
            }
            fd = listen_one(ai, wildcard, backlog);
            if (fd < 0) {
                err = errno;
            }
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        g_autofree char *str = qio_socket_address_to_string(addr);

        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "Failed to listen on '%s': %s", str, g_strerror(err));
    }
    return fd;
}

QIOChannelSocket *qio_channel_socket_listen_sync(const QIOSocketAddress *addr,
                                                 int backlog, GError **errp)
{
    QIOChannelSocket *sioc;
    int fd;

    if (backlog <= 0) {
        backlog = 1;
    }
    if (addr->type == QIO_SOCKET_ADDRESS_UNIX) {
        fd = listen_unix(addr, backlog, errp);
    } else {
        fd = listen_inet(addr, backlog, errp);
    }
    if (fd < 0) {
        return NULL;
    }
    sioc = qio_channel_socket_new_fd(fd, errp);
    if (!sioc) {
        close(fd);
        return NULL;
    }
    if (addr->type == QIO_SOCKET_ADDRESS_UNIX) {
        sioc->unlink_path = g_strdup(addr->path);
    }
    return sioc;
}

QIOChannelSocket *qio_channel_socket_accept(QIOChannelSocket *listener,
                                            GError **errp)
{
    QIOChannelSocket *sioc;
    int fd;

    do {
        fd = accept4(listener->fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int err = errno;

        if ((err == EAGAIN || err == EWOULDBLOCK) &&
            !listener->parent.blocking) {
            return NULL;
        }
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "Unable to accept connection: %s", g_strerror(err));
        return NULL;
    }
    sioc = qio_channel_socket_new_fd(fd, errp);
    if (!sioc) {
        close(fd);
    }
    return sioc;
}

static ssize_t qio_channel_socket_writev(QIOChannel *ioc,
                                         const struct iovec *iov,
                                         size_t niov, const int *fds,
                                         size_t nfds, GError **errp)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    struct msghdr msg = {
        .msg_iov = (struct iovec *)iov,
        .msg_iovlen = MIN(niov, (size_t)IOV_MAX), /* a short write */
    };
    g_autofree char *control = NULL;
    ssize_t ret;

    if (nfds) {
        struct cmsghdr *cmsg;

        if (nfds > QIO_CHANNEL_SOCKET_MAX_FDS) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Too many file descriptors to send (%zu, at most %d)",
                        nfds, QIO_CHANNEL_SOCKET_MAX_FDS);
            return -1;
        }
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        control = g_malloc0(msg.msg_controllen);
        msg.msg_control = control;
        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
    }
    for (;;) {
        ret = sendmsg(sioc->fd, &msg, MSG_NOSIGNAL);
        if (ret >= 0) {
            return ret;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            qio_channel_socket_zerocopy_reap_pending(sioc);
            return QIO_CHANNEL_ERR_BLOCK;
        }
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                    "Unable to write to socket: %s", g_strerror(errno));
        return -1;
    }
}

/* Collect SCM_RIGHTS fds from @msg into a new array. */
static bool collect_fds(struct msghdr *msg, int **fds, size_t *nfds,
                        GError **errp)
{
    struct cmsghdr *cmsg;
    GArray *arr = g_array_new(FALSE, FALSE, sizeof(int));

    for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        size_t n, i;

        if (cmsg->cmsg_level != SOL_SOCKET ||
            cmsg->cmsg_type != SCM_RIGHTS ||
            cmsg->cmsg_len < CMSG_LEN(0)) {
            continue;
        }
        n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            g_array_append_val(arr, fd);
        }
    }
    if (msg->msg_flags & MSG_CTRUNC) {
        guint i;

        for (i = 0; i < arr->len; i++) {
            close(g_array_index(arr, int, i));
        }
        g_array_free(arr, TRUE);
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "Too many file descriptors received (at most %d)",
                    QIO_CHANNEL_SOCKET_MAX_FDS);
        return false;
    }
    if (fds && arr->len) {
        *nfds = arr->len;
        *fds = (int *)g_array_free(arr, FALSE);
    } else {
        guint i;

        /* The caller did not ask for fds: do not leak them. */
        for (i = 0; i < arr->len; i++) {
            close(g_array_index(arr, int, i));
        }
        g_array_free(arr, TRUE);
    }
    return true;
}

static ssize_t qio_channel_socket_readv(QIOChannel *ioc,
                                        const struct iovec *iov, size_t niov,
                                        int **fds, size_t *nfds,
                                        GError **errp)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    union {
        char buf[CMSG_SPACE(sizeof(int) * QIO_CHANNEL_SOCKET_MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {
        .msg_iov = (struct iovec *)iov,
        .msg_iovlen = MIN(niov, (size_t)IOV_MAX),
    };
    bool want_fds = fds || nfds;
    int flags = 0;
    ssize_t ret;

    if (want_fds) {
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        flags |= MSG_CMSG_CLOEXEC;
    } else if (ioc->blocking && sioc->recv_waitall) {
        flags |= MSG_WAITALL;
    }
    for (;;) {
        ret = recvmsg(sioc->fd, &msg, flags);
        if (ret >= 0) {
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            qio_channel_socket_zerocopy_reap_pending(sioc);
            return QIO_CHANNEL_ERR_BLOCK;
        }
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                    "Unable to read from socket: %s", g_strerror(errno));
        return -1;
    }
    if (want_fds && !collect_fds(&msg, fds, nfds, errp)) {
        return -1;
    }
    return ret;
}

void qio_channel_socket_set_recv_waitall(QIOChannelSocket *sioc,
                                         bool enabled)
{
    sioc->recv_waitall = enabled;
}

static int qio_channel_socket_set_blocking(QIOChannel *ioc, bool enabled,
                                           GError **errp)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    int flags = fcntl(sioc->fd, F_GETFL);

    if (flags < 0 ||
        fcntl(sioc->fd, F_SETFL,
              enabled ? flags & ~O_NONBLOCK : flags | O_NONBLOCK) < 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                    "Unable to set socket blocking mode: %s",
                    g_strerror(errno));
        return -1;
    }
    return 0;
}

static int qio_channel_socket_close(QIOChannel *ioc, GError **errp)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    int ret = 0;

    if (sioc->unlink_path) {
        unlink(sioc->unlink_path);
        g_clear_pointer(&sioc->unlink_path, g_free);
    }
    qio_channel_socket_splice_cleanup(sioc);
    if (sioc->fd >= 0) {
        int fd = sioc->fd;

        sioc->fd = -1;
        if (close(fd) < 0 && errno != EINTR) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "Unable to close socket: %s", g_strerror(errno));
            ret = -1;
        }
    }
    return ret;
}

static void qio_channel_socket_finalize(QIOChannel *ioc)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);

    qio_channel_socket_close(ioc, NULL);
    g_clear_error(&sioc->zc_error);
    g_mutex_clear(&sioc->zc_lock);
}

static int qio_channel_socket_shutdown(QIOChannel *ioc,
                                       QIOChannelShutdown how, GError **errp)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    int sockhow;

    switch (how) {
    case QIO_CHANNEL_SHUTDOWN_READ:
        sockhow = SHUT_RD;
        break;
    case QIO_CHANNEL_SHUTDOWN_WRITE:
        sockhow = SHUT_WR;
        break;
    default:
        sockhow = SHUT_RDWR;
        break;
    }
    /* ENOTCONN: nothing to wake up, which is what the caller wanted. */
    if (shutdown(sioc->fd, sockhow) < 0 && errno != ENOTCONN) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                    "Unable to shut down socket: %s", g_strerror(errno));
        return -1;
    }
    return 0;
}

static void qio_channel_socket_set_cork(QIOChannel *ioc, bool enabled)
{
    QIOChannelSocket *sioc = QIO_CHANNEL_SOCKET(ioc);
    int v = enabled;

    if (sioc->family == AF_INET || sioc->family == AF_INET6) {
        /* Best effort: corking is an optimisation only. */
        setsockopt(sioc->fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
    }
}

static int qio_channel_socket_get_poll_fd(QIOChannel *ioc,
                                          GIOCondition condition)
{
    return QIO_CHANNEL_SOCKET(ioc)->fd;
}

static const QIOChannelClass qio_channel_socket_class = {
    .type_name = "socket",
    .io_writev = qio_channel_socket_writev,
    .io_readv = qio_channel_socket_readv,
    .io_close = qio_channel_socket_close,
    .io_set_blocking = qio_channel_socket_set_blocking,
    .io_finalize = qio_channel_socket_finalize,
    .io_shutdown = qio_channel_socket_shutdown,
    .io_set_cork = qio_channel_socket_set_cork,
    .io_get_poll_fd = qio_channel_socket_get_poll_fd,
    .io_writev_zerocopy = qio_channel_socket_writev_zerocopy,
    .io_flush_zerocopy = qio_channel_socket_flush_zerocopy,
    .io_get_zerocopy_stats = qio_channel_socket_get_zerocopy_stats,
};

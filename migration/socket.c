/*
 * Migration over stream sockets (tcp:, unix:), and URI parsing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Connecting is done here rather than with a plain blocking connect() so
 * that it can time out (a host that drops SYNs would otherwise hold the
 * migration thread for minutes) and be cancelled by migrate_cancel: the
 * socket connects non-blocking while we poll it together with the
 * migration's wakeup pipe.
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io/channel-socket.h"
#include "migration/transport.h"
#include "qapi/error.h"

MigrationTransport *migration_transport_parse(const char *uri, GError **errp)
{
    g_autoptr(MigrationTransport) t = g_new0(MigrationTransport, 1);

    if (g_str_has_prefix(uri, "tcp:") || g_str_has_prefix(uri, "unix:")) {
        t->kind = MIGRATION_TRANSPORT_SOCKET;
        t->addr = qio_socket_address_parse(uri, errp);
        if (!t->addr) {
            return NULL;
        }
    } else if (g_str_has_prefix(uri, "exec:")) {
        t->kind = MIGRATION_TRANSPORT_EXEC;
        t->command = g_strdup(uri + strlen("exec:"));
        if (t->command[0] == '\0') {
            qapi_error_setg(errp, "exec: migration needs a command");
            return NULL;
        }
    } else if (g_str_has_prefix(uri, "fd:")) {
        t->kind = MIGRATION_TRANSPORT_FD;
        t->fdname = g_strdup(uri + strlen("fd:"));
        if (t->fdname[0] == '\0') {
            qapi_error_setg(errp, "fd: migration needs a file descriptor "
                            "name or number");
            return NULL;
        }
    } else {
        qapi_error_setg(errp, "Parameter '%s' expects %s", "uri",
                   "a valid migration protocol");
        return NULL;
    }
    return g_steal_pointer(&t);
}

void migration_transport_free(MigrationTransport *t)
{
    if (!t) {
        return;
    }
    qio_socket_address_free(t->addr);
    g_free(t->command);
    g_free(t->fdname);
    g_free(t);
}

/*
 * A peer host that vanishes (power loss, cable) never closes the
 * connection; without this, a destination reading from it, or a source
 * whose unacknowledged data sits in the send queue, would wait for hours.
 * Keepalive probes notice a dead peer after about a minute of silence,
 * and TCP_USER_TIMEOUT bounds unacknowledged data the same way.  (A peer
 * that is alive but stopped reading still acknowledges window probes:
 * the progress watchdog, stall.h, or migrate_cancel ends that.)  Best
 * effort: failures are ignored.
 */
static void migration_socket_tune(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int one = 1, idle = 30, intvl = 10, cnt = 3;
    unsigned int user_timeout = 60000;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
        (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
        return;
    }
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
               sizeof(user_timeout));
}

/*
 * Wait for @events on @fd, or the wakeup.  Returns 1 when ready, 0 on
 * timeout, -1 when woken (cancelled).
 */
static int migration_socket_poll(int fd, short events, int timeout_ms,
                                 MigrationWakeup *wakeup)
{
    struct pollfd pfd[2] = {
        { .fd = fd, .events = events },
        { .fd = wakeup ? wakeup->fds[0] : -1, .events = POLLIN },
    };
    gint64 deadline = timeout_ms < 0 ? -1 :
        g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        int wait = -1;
        int ret;

        if (deadline >= 0) {
            gint64 left = deadline - g_get_monotonic_time();
            if (left <= 0) {
                return 0;
            }
            wait = (int)((left + 999) / 1000);
        }
        ret = poll(pfd, wakeup ? 2 : 1, wait);
        if (ret < 0 && errno == EINTR) {
            continue;
        }
        if (ret < 0) {
            return 1; /* let the caller's syscall report the error */
        }
        if (wakeup && pfd[1].revents) {
            return -1;
        }
        if (ret > 0) {
            return 1;
        }
    }
}

static int migration_socket_connect_one(int family, const struct sockaddr *sa,
                                        socklen_t salen, int timeout_ms,
                                        MigrationWakeup *wakeup,
                                        const char *what, GError **errp)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int err = 0;
    socklen_t errlen = sizeof(err);
    int ret;

    if (fd < 0) {
        qapi_error_setg(errp, "Failed to create socket for '%s': %s", what,
                   g_strerror(errno));
        return -1;
    }
    do {
        ret = connect(fd, sa, salen);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0 && errno != EINPROGRESS) {
        qapi_error_setg(errp, "Failed to connect to '%s': %s", what,
                   g_strerror(errno));
        close(fd);
        return -1;
    }
    if (ret < 0) {
        ret = migration_socket_poll(fd, POLLOUT, timeout_ms, wakeup);
        if (ret == 0) {
            qapi_error_setg(errp, "Failed to connect to '%s': timed out after "
                       "%d ms", what, timeout_ms);
            close(fd);
            return -1;
        }
        if (ret < 0) {
            qapi_error_setg(errp, "Migration cancelled while connecting to '%s'",
                       what);
            close(fd);
            return -1;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0) {
            err = errno;
        }
        if (err) {
            qapi_error_setg(errp, "Failed to connect to '%s': %s", what,
                       g_strerror(err));
            close(fd);
            return -1;
        }
    }
    migration_socket_tune(fd);
    /* The migration code wants a blocking channel. */
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        qapi_error_setg(errp, "Failed to connect to '%s': %s", what,
                   g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

QIOChannel *migration_socket_connect(const QIOSocketAddress *addr,
                                     const char *name, int timeout_ms,
                                     MigrationWakeup *wakeup, GError **errp)
{
    g_autofree char *what = NULL;
    QIOChannelSocket *sioc;
    int fd = -1;

    if (addr->type == QIO_SOCKET_ADDRESS_UNIX) {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };

        what = g_strdup(addr->path);
        if (strlen(addr->path) >= sizeof(sun.sun_path)) {
            qapi_error_setg(errp, "UNIX socket path '%s' is too long", addr->path);
            return NULL;
        }
        strcpy(sun.sun_path, addr->path);
        fd = migration_socket_connect_one(AF_UNIX, (struct sockaddr *)&sun,
                                          sizeof(sun), timeout_ms, wakeup,
                                          what, errp);
    } else {
        struct addrinfo hints = {
            .ai_family = AF_UNSPEC,
            .ai_socktype = SOCK_STREAM,
        };
        struct addrinfo *res = NULL, *ai;
        GError *last = NULL;
        int rc;

        what = g_strdup_printf("%s:%s", addr->host, addr->port);
        rc = getaddrinfo(addr->host, addr->port, &hints, &res);
        if (rc != 0) {
            qapi_error_setg(errp, "address resolution failed for %s: %s", what,
                       gai_strerror(rc));
            return NULL;
        }
        for (ai = res; ai; ai = ai->ai_next) {
            g_clear_error(&last);
            fd = migration_socket_connect_one(ai->ai_family, ai->ai_addr,
                                              ai->ai_addrlen, timeout_ms,
                                              wakeup, what, &last);
            if (fd >= 0) {
                break;
            }
            if (wakeup && migration_socket_poll(wakeup->fds[0], POLLIN, 0,
                                                NULL) == 1) {
                break; /* cancelled: do not try the next address */
            }
        }
        freeaddrinfo(res);
        if (fd < 0) {
            if (last) {
                g_propagate_error(errp, last);
            } else {
                qapi_error_setg(errp, "Failed to connect to '%s': no address",
                           what);
            }
            return NULL;
        }
        g_clear_error(&last);
    }
    if (fd < 0) {
        return NULL;
    }
    sioc = qio_channel_socket_new_fd(fd, errp);
    if (!sioc) {
        close(fd);
        return NULL;
    }
    qio_channel_set_name(QIO_CHANNEL_SOCKET_BASE(sioc), name);
    return QIO_CHANNEL_SOCKET_BASE(sioc);
}

QIOChannel *migration_socket_listen(const QIOSocketAddress *addr,
                                    GError **errp)
{
    QIOChannelSocket *listener;

    /* Enough backlog for the main channel and 255 multifd channels. */
    listener = qio_channel_socket_listen_sync(addr, 256, errp);
    if (!listener) {
        return NULL;
    }
    qio_channel_set_name(QIO_CHANNEL_SOCKET_BASE(listener),
                         "migration-listener");
    if (qio_channel_set_blocking(QIO_CHANNEL_SOCKET_BASE(listener), false,
                                 errp) < 0) {
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(listener));
        return NULL;
    }
    return QIO_CHANNEL_SOCKET_BASE(listener);
}

QIOChannel *migration_socket_accept(QIOChannel *listener, const char *name,
                                    int timeout_ms, MigrationWakeup *wakeup,
                                    GError **errp)
{
    QIOChannelSocket *lsioc = QIO_CHANNEL_SOCKET(listener);
    int lfd = qio_channel_socket_get_fd(lsioc);
    gint64 deadline = timeout_ms < 0 ? -1 :
        g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        QIOChannelSocket *sioc;
        GError *err = NULL;
        int wait = -1;
        int ret;

        if (deadline >= 0) {
            gint64 left = deadline - g_get_monotonic_time();
            if (left <= 0) {
                qapi_error_setg(errp, "Timed out after %d ms waiting for the "
                           "%s connection", timeout_ms, name);
                return NULL;
            }
            wait = (int)((left + 999) / 1000);
        }
        ret = migration_socket_poll(lfd, POLLIN, wait, wakeup);
        if (ret < 0) {
            qapi_error_setg(errp, "Incoming migration cancelled while waiting for "
                       "the %s connection", name);
            return NULL;
        }
        if (ret == 0) {
            continue; /* the deadline check above reports it */
        }
        sioc = qio_channel_socket_accept(lsioc, &err);
        if (err) {
            g_propagate_error(errp, err);
            return NULL;
        }
        if (!sioc) {
            continue; /* spurious wakeup: nothing pending */
        }
        qio_channel_set_name(QIO_CHANNEL_SOCKET_BASE(sioc), name);
        migration_socket_tune(qio_channel_socket_get_fd(sioc));
        if (qio_channel_set_blocking(QIO_CHANNEL_SOCKET_BASE(sioc), true,
                                     errp) < 0) {
            qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(sioc));
            return NULL;
        }
        return QIO_CHANNEL_SOCKET_BASE(sioc);
    }
}

int migration_socket_read_full(QIOChannel *ioc, void *buf, size_t len,
                               int timeout_ms, MigrationWakeup *wakeup,
                               GError **errp)
{
    int fd = qio_channel_socket_get_fd(QIO_CHANNEL_SOCKET(ioc));
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    size_t got = 0;
    int ret = -1;

    if (qio_channel_set_blocking(ioc, false, errp) < 0) {
        return -1;
    }
    while (got < len) {
        gint64 left = deadline - g_get_monotonic_time();
        ssize_t n;

        n = qio_channel_read(ioc, (uint8_t *)buf + got, len - got, errp);
        if (n > 0) {
            got += n;
            continue;
        }
        if (n == 0) {
            qapi_error_setg(errp, "Unexpected end-of-file before all data "
                            "were read");
            goto out;
        }
        if (n != QIO_CHANNEL_ERR_BLOCK) {
            goto out;
        }
        if (left <= 0) {
            qapi_error_setg(errp, "timed out after %d ms (%zu of %zu bytes "
                            "received)", timeout_ms, got, len);
            goto out;
        }
        n = migration_socket_poll(fd, POLLIN, (int)((left + 999) / 1000),
                                  wakeup);
        if (n < 0) {
            qapi_error_setg(errp, "Incoming migration cancelled");
            goto out;
        }
    }
    ret = 0;
out:
    if (qio_channel_set_blocking(ioc, true, ret < 0 ? NULL : errp) < 0) {
        ret = -1;
    }
    return ret;
}

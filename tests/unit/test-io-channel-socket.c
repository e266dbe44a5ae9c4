/*
 * QIOChannelSocket without zero copy: UNIX sockets, feature bits, fd
 * passing, listen/connect/accept, addresses and shutdown from another
 * thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "io-test-helpers.h"

#define DEADLINE_S 60

static QIOChannelSocket *unix_listen(const char *dir, char **path)
{
    QIOSocketAddress addr = { .type = QIO_SOCKET_ADDRESS_UNIX };
    QIOChannelSocket *lsioc;
    GError *err = NULL;

    *path = g_build_filename(dir, "sock", NULL);
    addr.path = *path;
    lsioc = qio_channel_socket_listen_sync(&addr, 1, &err);
    g_assert_no_error(err);
    return lsioc;
}

static void unix_pair(const char *dir, QIOChannelSocket **client,
                      QIOChannelSocket **server)
{
    g_autofree char *path = NULL;
    QIOChannelSocket *lsioc = unix_listen(dir, &path);
    QIOSocketAddress addr = { .type = QIO_SOCKET_ADDRESS_UNIX, .path = path };
    GError *err = NULL;

    *client = qio_channel_socket_connect_sync(&addr, &err);
    g_assert_no_error(err);
    *server = qio_channel_socket_accept(lsioc, &err);
    g_assert_no_error(err);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(lsioc));
    /* The listener removed its path when it went away. */
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

/* UNIX sockets: no zero copy, clear errors, plain I/O still fine. */
static void test_unix_features(void)
{
    g_autofree char *dir = g_dir_make_tmp("zcmig-io-XXXXXX", NULL);
    QIOChannelSocket *client, *server;
    QIOChannel *ioc;
    QIOChannelZerocopyStats st;
    char buf[6] = "";
    struct iovec iov = { .iov_base = (void *)"hello", .iov_len = 5 };
    int fds[1] = { 0 };
    GError *err = NULL;

    unix_pair(dir, &client, &server);
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    g_assert_true(qio_channel_is_socket(ioc));
    g_assert_false(qio_channel_has_feature(
        ioc, QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY));
    g_assert_true(qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_FD_PASS));
    g_assert_true(qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_SHUTDOWN));

    g_assert_cmpint(qio_channel_writev_zerocopy(ioc, &iov, 1, &err), ==, -1);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_assert_cmpstr(err->message, ==,
                    "Requested Zero Copy feature is not available");
    g_clear_error(&err);

    /* fds and zero copy never go together, even where fds work. */
    g_assert_cmpint(qio_channel_writev_full(ioc, &iov, 1, fds, 1,
                                            QIO_CHANNEL_WRITE_FLAG_ZERO_COPY,
                                            &err), ==, -1);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_assert_cmpstr(err->message, ==,
                    "Zero Copy does not support file descriptor passing");
    g_clear_error(&err);

    /* Flush without the feature: 0 at once; no stats. */
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_false(qio_channel_get_zerocopy_stats(ioc, &st));
    g_assert_cmpuint(st.queued, ==, 0);

    /* Nothing of the refused writes went out; plain writes work. */
    g_assert_cmpint(qio_channel_write_all(ioc, "hello", 5, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(qio_channel_read_all(QIO_CHANNEL_SOCKET_BASE(server), buf,
                                         5, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(buf, ==, "hello");

    qio_channel_unref(ioc);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
    rmdir(dir);
}

/* TCP sockets without SO_ZEROCOPY-capable fds (or the flag) refuse fds. */
static void test_tcp_features(void)
{
    QIOChannelSocket *client, *server;
    g_autofree char *why = NULL;
    QIOChannel *ioc;
    struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };
    int fds[1] = { 0 };
    GError *err = NULL;

    if (!io_test_tcp_pair("127.0.0.1", &client, &server, &why)) {
        g_test_skip(why);
        return;
    }
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    g_assert_false(qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_FD_PASS));
#ifdef CONFIG_MSG_ZEROCOPY
    g_assert_true(qio_channel_has_feature(
        ioc, QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY));
#else
    g_assert_false(qio_channel_has_feature(
        ioc, QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY));
#endif
    g_assert_cmpint(qio_channel_writev_full(ioc, &iov, 1, fds, 1, 0, &err),
                    ==, -1);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_assert_cmpstr(err->message, ==,
                    "Channel 'socket' does not support file descriptor "
                    "passing");
    g_clear_error(&err);
    qio_channel_set_name(ioc, "migration/main");
    g_assert_cmpint(qio_channel_writev_full(ioc, &iov, 1, fds, 1,
                                            QIO_CHANNEL_WRITE_FLAG_ZERO_COPY,
                                            &err), ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "Zero Copy does not support file descriptor passing");
    g_clear_error(&err);
    g_assert_cmpint(qio_channel_writev_full(ioc, &iov, 1, NULL, 0, 0x80,
                                            &err), ==, -1);
    g_assert_cmpstr(err->message, ==, "Unknown write flags 0x80");
    g_clear_error(&err);
    g_assert_cmpstr(qio_channel_get_name(ioc), ==, "migration/main");
    qio_channel_unref(ioc);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

static void test_fd_passing(void)
{
    g_autofree char *dir = g_dir_make_tmp("zcmig-io-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "payload", NULL);
    QIOChannelSocket *client, *server;
    int fd, *rfds = NULL;
    size_t nrfds = 0;
    char buf[8] = "";
    struct iovec iov = { .iov_base = buf, .iov_len = 3 };
    struct iovec wiov = { .iov_base = (void *)"fds", .iov_len = 3 };
    GError *err = NULL;

    g_assert_true(g_file_set_contents(file, "passed", -1, NULL));
    fd = open(file, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    unix_pair(dir, &client, &server);
    g_assert_cmpint(qio_channel_writev_full_all(
                        QIO_CHANNEL_SOCKET_BASE(client), &wiov, 1, &fd, 1, 0,
                        &err), ==, 0);
    g_assert_no_error(err);
    close(fd);
    g_assert_cmpint(qio_channel_readv_full(QIO_CHANNEL_SOCKET_BASE(server),
                                           &iov, 1, &rfds, &nrfds, &err),
                    ==, 3);
    g_assert_no_error(err);
    g_assert_cmpmem(buf, 3, "fds", 3);
    g_assert_cmpuint(nrfds, ==, 1);
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(pread(rfds[0], buf, 6, 0), ==, 6);
    g_assert_cmpstr(buf, ==, "passed");
    /* Received fds are close-on-exec. */
    g_assert_true(fcntl(rfds[0], F_GETFD) & FD_CLOEXEC);
    close(rfds[0]);
    g_free(rfds);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
    unlink(file);
    rmdir(dir);
}

/* "[::]" with port 0 accepts IPv4 and IPv6 clients on one port. */
static void test_listen_dual_stack(void)
{
    QIOSocketAddress addr = {
        .type = QIO_SOCKET_ADDRESS_INET,
        .host = (char *)"::",
        .port = (char *)"0",
    };
    g_autoptr(QIOSocketAddress) local = NULL;
    g_autofree char *str = NULL;
    QIOChannelSocket *lsioc;
    const char *hosts[] = { "127.0.0.1", "::1" };
    GError *err = NULL;
    size_t i;

    lsioc = qio_channel_socket_listen_sync(&addr, 4, &err);
    if (!lsioc) {
        g_autofree char *why = g_strdup_printf("no IPv6: %s", err->message);

        g_clear_error(&err);
        g_test_skip(why);
        return;
    }
    local = qio_channel_socket_get_local_address(lsioc, &err);
    g_assert_no_error(err);
    g_assert_cmpint(local->type, ==, QIO_SOCKET_ADDRESS_INET);
    g_assert_cmpstr(local->host, ==, "::");
    g_assert_cmpstr(local->port, !=, "0");
    str = qio_socket_address_to_string(local);
    g_test_message("listening on %s", str);

    for (i = 0; i < G_N_ELEMENTS(hosts); i++) {
        QIOSocketAddress to = {
            .type = QIO_SOCKET_ADDRESS_INET,
            .host = (char *)hosts[i],
            .port = local->port,
        };
        g_autoptr(QIOSocketAddress) peer = NULL;
        g_autoptr(QIOSocketAddress) remote = NULL;
        QIOChannelSocket *c, *s;
        char byte = 0;

        c = qio_channel_socket_connect_sync(&to, &err);
        g_assert_no_error(err);
        s = qio_channel_socket_accept(lsioc, &err);
        g_assert_no_error(err);
        remote = qio_channel_socket_get_remote_address(c, &err);
        g_assert_no_error(err);
        g_assert_cmpstr(remote->port, ==, local->port);
        peer = qio_channel_socket_get_remote_address(s, &err);
        g_assert_no_error(err);
        g_test_message("%s client seen as %s", hosts[i], peer->host);
        g_assert_cmpint(qio_channel_write_all(QIO_CHANNEL_SOCKET_BASE(c),
                                              "z", 1, &err), ==, 0);
        g_assert_cmpint(qio_channel_read_all(QIO_CHANNEL_SOCKET_BASE(s),
                                             &byte, 1, &err), ==, 0);
        g_assert_cmpint(byte, ==, 'z');
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c));
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(s));
    }
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(lsioc));
}

static void test_accept_nonblocking(void)
{
    QIOSocketAddress addr = {
        .type = QIO_SOCKET_ADDRESS_INET,
        .host = (char *)"127.0.0.1",
        .port = (char *)"0",
    };
    QIOChannelSocket *lsioc;
    GError *err = NULL;

    lsioc = qio_channel_socket_listen_sync(&addr, 1, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qio_channel_set_blocking(QIO_CHANNEL_SOCKET_BASE(lsioc),
                                             false, &err), ==, 0);
    /* Nothing pending: NULL without an error. */
    g_assert_null(qio_channel_socket_accept(lsioc, &err));
    g_assert_no_error(err);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(lsioc));
}

static void test_connect_refused(void)
{
    QIOSocketAddress addr = {
        .type = QIO_SOCKET_ADDRESS_INET,
        .host = (char *)"127.0.0.1",
        .port = (char *)"0",
    };
    g_autoptr(QIOSocketAddress) local = NULL;
    g_autofree char *expect = NULL;
    QIOChannelSocket *lsioc;
    GError *err = NULL;

    /* A port that was free a moment ago and now has no listener. */
    lsioc = qio_channel_socket_listen_sync(&addr, 1, &err);
    g_assert_no_error(err);
    local = qio_channel_socket_get_local_address(lsioc, &err);
    g_assert_no_error(err);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(lsioc));

    g_assert_null(qio_channel_socket_connect_sync(local, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    expect = g_strdup_printf("Failed to connect to 'tcp:127.0.0.1:%s': "
                             "Connection refused", local->port);
    g_assert_cmpstr(err->message, ==, expect);
    g_clear_error(&err);
}

static void test_unix_errors(void)
{
    g_autofree char *dir = g_dir_make_tmp("zcmig-io-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "regular", NULL);
    g_autofree char *expect = NULL;
    QIOSocketAddress addr = { .type = QIO_SOCKET_ADDRESS_UNIX, .path = file };
    GError *err = NULL;

    g_assert_null(qio_channel_socket_connect_sync(&addr, &err));
    expect = g_strdup_printf("Failed to connect to 'unix:%s': No such file "
                             "or directory", file);
    g_assert_cmpstr(err->message, ==, expect);
    g_clear_error(&err);

    /* Listening never removes something that is not a socket. */
    g_assert_true(g_file_set_contents(file, "keep", -1, NULL));
    g_assert_null(qio_channel_socket_listen_sync(&addr, 1, &err));
    g_free(expect);
    expect = g_strdup_printf("Failed to listen on 'unix:%s': the path exists "
                             "and is not a socket", file);
    g_assert_cmpstr(err->message, ==, expect);
    g_clear_error(&err);
    g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
    unlink(file);
    rmdir(dir);
}

static void test_new_fd_not_socket(void)
{
    int fds[2];
    g_autofree char *expect = NULL;
    GError *err = NULL;

    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_null(qio_channel_socket_new_fd(fds[0], &err));
    expect = g_strdup_printf("File descriptor %d is not a socket: Socket "
                             "operation on non-socket", fds[0]);
    g_assert_cmpstr(err->message, ==, expect);
    g_clear_error(&err);
    /* On failure the caller still owns the fd. */
    g_assert_cmpint(fcntl(fds[0], F_GETFD), >=, 0);
    close(fds[0]);
    close(fds[1]);
}

typedef struct BlockedIO {
    QIOChannel *ioc;
    gint started;
    int ret;
    char *error;
} BlockedIO;

static gpointer blocked_reader(gpointer opaque)
{
    BlockedIO *b = opaque;
    char buf[4096];
    GError *err = NULL;

    g_atomic_int_set(&b->started, 1);
    b->ret = qio_channel_read_all(b->ioc, buf, sizeof(buf), &err);
    if (err) {
        b->error = g_strdup(err->message);
        g_error_free(err);
    }
    return b;
}

static gpointer blocked_writer(gpointer opaque)
{
    BlockedIO *b = opaque;
    const size_t len = 64 * 1024 * 1024;
    g_autofree char *buf = g_malloc0(len);
    GError *err = NULL;

    g_atomic_int_set(&b->started, 1);
    b->ret = qio_channel_write_all(b->ioc, buf, len, &err);
    if (err) {
        b->error = g_strdup(err->message);
        g_error_free(err);
    }
    return b;
}

static gpointer join_thread(gpointer thread)
{
    return g_thread_join(thread);
}

/* Poll with a deadline until @cond(@sioc) holds. */
static void wait_until(gboolean (*cond)(QIOChannelSocket *),
                       QIOChannelSocket *sioc)
{
    gint64 deadline = g_get_monotonic_time() + DEADLINE_S * G_USEC_PER_SEC;

    while (!cond(sioc)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
}

/* The writer's send queue is full: POLLOUT is off. */
static gboolean send_queue_full(QIOChannelSocket *sioc)
{
    struct pollfd pfd = { .fd = qio_channel_socket_get_fd(sioc),
                          .events = POLLOUT };
    int outq = 0;

    ioctl(pfd.fd, TIOCOUTQ, &outq);
    return poll(&pfd, 1, 0) == 0 && outq > 0;
}

/* qio_channel_shutdown() from another thread wakes a blocked reader. */
static void test_shutdown_wakes_reader(void)
{
    QIOChannelSocket *client, *server;
    g_autofree char *why = NULL;
    BlockedIO b = { 0 };
    GThread *thread;
    GError *err = NULL;

    if (!io_test_tcp_pair("127.0.0.1", &client, &server, &why)) {
        g_test_skip(why);
        return;
    }
    b.ioc = QIO_CHANNEL_SOCKET_BASE(server);
    thread = g_thread_new("reader", blocked_reader, &b);
    while (!g_atomic_int_get(&b.started)) {
        g_thread_yield();
    }
    g_assert_cmpint(qio_channel_shutdown(b.ioc, QIO_CHANNEL_SHUTDOWN_BOTH,
                                         &err), ==, 0);
    io_test_run_with_deadline(join_thread, thread, DEADLINE_S);
    g_assert_cmpint(b.ret, ==, -1);
    g_assert_cmpstr(b.error, ==,
                    "Unexpected end-of-file before all data were read");
    g_free(b.error);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

/* ... and a writer blocked on a peer that does not read. */
static void test_shutdown_wakes_writer(void)
{
    QIOChannelSocket *client, *server;
    g_autofree char *why = NULL;
    BlockedIO b = { 0 };
    GThread *thread;
    GError *err = NULL;

    if (!io_test_tcp_pair("127.0.0.1", &client, &server, &why)) {
        g_test_skip(why);
        return;
    }
    b.ioc = QIO_CHANNEL_SOCKET_BASE(client);
    thread = g_thread_new("writer", blocked_writer, &b);
    wait_until(send_queue_full, client);
    g_assert_cmpint(qio_channel_shutdown(b.ioc, QIO_CHANNEL_SHUTDOWN_BOTH,
                                         &err), ==, 0);
    io_test_run_with_deadline(join_thread, thread, DEADLINE_S);
    g_assert_cmpint(b.ret, ==, -1);
    g_test_message("writer woke with: %s", b.error);
    g_assert_true(g_str_has_prefix(b.error, "Unable to write to socket: "));
    g_free(b.error);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

/* Plain (copying) transfer with the verifying reader, both families. */
static void plain_transfer(const char *host)
{
    QIOChannelSocket *client, *server;
    g_autofree char *why = NULL;
    const size_t len = 32 * 1024 * 1024;
    g_autofree uint8_t *buf = g_malloc(len);
    IOTestStream data;
    IOTestReader *reader;
    GError *err = NULL;
    size_t off = 0, step = 1;

    if (!io_test_tcp_pair(host, &client, &server, &why)) {
        g_test_skip(why);
        return;
    }
    io_test_stream_init(&data, 8);
    io_test_stream_fill(&data, buf, len);
    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), 8, len,
                                  TRUE);
    /* Growing write sizes: 1, 3, 7, ... bytes, then big chunks. */
    while (off < len) {
        size_t n = MIN(step, len - off);

        g_assert_cmpint(qio_channel_write_all(QIO_CHANNEL_SOCKET_BASE(client),
                                              buf + off, n, &err), ==, 0);
        off += n;
        step = step * 2 + 1;
    }
    g_assert_cmpint(qio_channel_close(QIO_CHANNEL_SOCKET_BASE(client), &err),
                    ==, 0);
    g_assert_null(io_test_reader_finish(reader, DEADLINE_S));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

static void test_plain_ipv4(void)
{
    plain_transfer("127.0.0.1");
}

static void test_plain_ipv6(void)
{
    plain_transfer("::1");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io/channel/socket/unix/features", test_unix_features);
    g_test_add_func("/io/channel/socket/unix/fd-passing", test_fd_passing);
    g_test_add_func("/io/channel/socket/unix/errors", test_unix_errors);
    g_test_add_func("/io/channel/socket/tcp/features", test_tcp_features);
    g_test_add_func("/io/channel/socket/tcp/plain/ipv4", test_plain_ipv4);
    g_test_add_func("/io/channel/socket/tcp/plain/ipv6", test_plain_ipv6);
    g_test_add_func("/io/channel/socket/listen/dual-stack",
                    test_listen_dual_stack);
    g_test_add_func("/io/channel/socket/accept/nonblocking",
                    test_accept_nonblocking);
    g_test_add_func("/io/channel/socket/connect/refused",
                    test_connect_refused);
    g_test_add_func("/io/channel/socket/new-fd/not-socket",
                    test_new_fd_not_socket);
    g_test_add_func("/io/channel/socket/shutdown/reader",
                    test_shutdown_wakes_reader);
    g_test_add_func("/io/channel/socket/shutdown/writer",
                    test_shutdown_wakes_writer);
    return g_test_run();
}

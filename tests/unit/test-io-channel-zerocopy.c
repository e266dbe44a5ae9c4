/*
 * MSG_ZEROCOPY on QIOChannelSocket: large verified transfers over IPv4
 * and IPv6 loopback, flush semantics and counters, non-blocking partial
 * writes, dead peers, completion accounting and auto-disable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gio/gio.h>

#include "io-test-helpers.h"
#include "io/channel-socket-internal.h"

#define MiB (1024 * 1024)
/* Per address family; the brief asks for at least 256 MiB. */
#define BIG_TRANSFER (256 * (uint64_t)MiB)
/* Source buffers stay untouched between sending and the flush. */
#define POOL_SIZE (32 * MiB)
#define DEADLINE_S 120

/* Mostly small and mid-sized pieces, odd sizes mixed in, a few large. */
static const size_t piece_sizes[] = {
    1, 7, 100, 1500, 4095, 4096, 4097, 8192, 16384, 32768, 65536, 65537,
    131072, 200000, 262144, MiB + 3,
};
/* Mostly short iovec arrays, sometimes long ones. */
static const size_t iov_counts[] = {
    1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 5, 8, 16, 64,
};

/* Connected pair with zero copy on the client, or skip. */
static gboolean zc_pair(const char *host, QIOChannelSocket **client,
                        QIOChannelSocket **server)
{
    g_autofree char *why = NULL;

    if (!io_test_tcp_pair(host, client, server, &why)) {
        g_test_skip(why);
        return FALSE;
    }
    if (!qio_channel_has_feature(QIO_CHANNEL_SOCKET_BASE(*client),
                                 QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
        g_test_skip("setsockopt(SO_ZEROCOPY) failed: kernel or build "
                    "without MSG_ZEROCOPY");
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(*client));
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(*server));
        return FALSE;
    }
    return TRUE;
}

/* One zero-copy write of @len bytes at @buf, which must succeed. */
static void zc_write(QIOChannel *ioc, void *buf, size_t len)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    GError *err = NULL;

    g_assert_cmpint(qio_channel_writev_zerocopy(ioc, &iov, 1, &err), ==, 0);
    g_assert_no_error(err);
}

/*
 * End of a transfer: close the sender's write side, let @reader check
 * everything it got, and free the pair.
 */
static void zc_finish(QIOChannel *ioc, QIOChannelSocket *server,
                      IOTestReader *reader)
{
    GError *err = NULL;

    g_assert_cmpint(qio_channel_shutdown(ioc, QIO_CHANNEL_SHUTDOWN_WRITE,
                                         &err), ==, 0);
    g_assert_null(io_test_reader_finish(reader, DEADLINE_S));
    qio_channel_unref(ioc);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

/*
 * Send @len bytes of @pool in pieces of assorted sizes grouped into
 * iovecs of assorted lengths.  Returns the number of write calls.
 */
static uint64_t send_shaped(QIOChannel *ioc, const uint8_t *pool, size_t len,
                            IOTestStream *shape, bool zerocopy)
{
    struct iovec iov[64];
    size_t off = 0;
    uint64_t calls = 0;

    while (off < len) {
        size_t n = iov_counts[io_test_stream_below(shape,
                                                   G_N_ELEMENTS(iov_counts))];
        size_t i;
        GError *err = NULL;
        int ret;

        for (i = 0; i < n && off < len; i++) {
            size_t sz = piece_sizes[io_test_stream_below(
                shape, G_N_ELEMENTS(piece_sizes))];

            sz = MIN(sz, len - off);
            iov[i].iov_base = (void *)(pool + off);
            iov[i].iov_len = sz;
            off += sz;
        }
        if (zerocopy) {
            ret = qio_channel_writev_zerocopy(ioc, iov, i, &err);
        } else {
            ret = qio_channel_writev_all(ioc, iov, i, &err);
        }
        g_assert_no_error(err);
        g_assert_cmpint(ret, ==, 0);
        calls++;
    }
    return calls;
}

static void big_transfer(const char *host)
{
    QIOChannelSocket *client, *server;
    QIOChannel *ioc;
    g_autofree uint8_t *pool = NULL;
    IOTestStream data, shape;
    IOTestReader *reader;
    QIOChannelZerocopyStats st;
    uint64_t seed = 0x1234567 + strlen(host);
    uint64_t sent = 0, calls = 0, rounds = 0;
    gint64 start;
    double secs;
    char *error;
    GError *err = NULL;

    if (!zc_pair(host, &client, &server)) {
        return;
    }
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    pool = g_malloc(POOL_SIZE);
    io_test_stream_init(&data, seed);
    io_test_stream_init(&shape, seed * 31);
    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), seed,
                                  BIG_TRANSFER, TRUE);

    start = g_get_monotonic_time();
    while (sent < BIG_TRANSFER) {
        size_t len = MIN(POOL_SIZE, BIG_TRANSFER - sent);
        QIOChannelZerocopyStats before;
        int ret;

        io_test_stream_fill(&data, pool, len);
        qio_channel_get_zerocopy_stats(ioc, &before);
        calls += send_shaped(ioc, pool, len, &shape, true);
        ret = qio_channel_flush_zerocopy(ioc, &err);
        g_assert_no_error(err);
        qio_channel_get_zerocopy_stats(ioc, &st);
        g_assert_cmpuint(st.completed, ==, st.queued);
        g_assert_cmpuint(st.queued, >, before.queued);
        /* Loopback always copies: every flush reports "all copied". */
        g_assert_cmpint(ret, ==, 1);
        g_assert_cmpuint(st.copied, ==, st.queued);
        sent += len;
        rounds++;
    }
    g_assert_true(qio_channel_shutdown(ioc, QIO_CHANNEL_SHUTDOWN_WRITE,
                                       &err) == 0);
    g_assert_no_error(err);
    error = io_test_reader_finish(reader, DEADLINE_S);
    g_assert_null(error);
    secs = (g_get_monotonic_time() - start) / 1e6;

    qio_channel_get_zerocopy_stats(ioc, &st);
    g_assert_cmpuint(st.bytes, ==, BIG_TRANSFER);
    g_assert_cmpuint(st.flushes, ==, rounds);
    g_assert_cmpuint(st.flushes_all_copied, ==, rounds);
    /* Blocking sockets: one sendmsg per call, so one id per call. */
    g_assert_cmpuint(st.queued, ==, calls);
    g_test_message("%s: %" G_GUINT64_FORMAT " MiB in %.2f s (%.0f MB/s), "
                   "%" G_GUINT64_FORMAT " zero-copy sends, queued=%"
                   G_GUINT64_FORMAT " completed=%" G_GUINT64_FORMAT
                   " copied=%" G_GUINT64_FORMAT " flushes=%" G_GUINT64_FORMAT
                   " all-copied=%" G_GUINT64_FORMAT " enobufs-retries=%"
                   G_GUINT64_FORMAT,
                   host, BIG_TRANSFER / MiB, secs, BIG_TRANSFER / secs / 1e6,
                   calls, st.queued, st.completed, st.copied, st.flushes,
                   st.flushes_all_copied, st.enobufs_retries);

    qio_channel_unref(ioc);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

static void test_zerocopy_ipv4(void)
{
    big_transfer("127.0.0.1");
}

static void test_zerocopy_ipv6(void)
{
    big_transfer("::1");
}

/* N zero-copy writes, then exact counters after one flush. */
static void test_flush_counters(void)
{
    QIOChannelSocket *client, *server;
    QIOChannel *ioc;
    const size_t piece = 64 * 1024, n = 40;
    g_autofree uint8_t *buf = g_malloc(piece * n);
    IOTestStream data;
    IOTestReader *reader;
    QIOChannelZerocopyStats st;
    GError *err = NULL;
    size_t i;

    if (!zc_pair("127.0.0.1", &client, &server)) {
        return;
    }
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    io_test_stream_init(&data, 77);
    io_test_stream_fill(&data, buf, piece * n);
    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), 77,
                                  piece * n, FALSE);

    /* Nothing queued yet: 0, and it is not counted as a flush. */
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), ==, 0);
    g_assert_no_error(err);

    for (i = 0; i < n; i++) {
        zc_write(ioc, buf + i * piece, piece);
    }
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), ==, 1);
    g_assert_no_error(err);
    qio_channel_get_zerocopy_stats(ioc, &st);
    g_assert_cmpuint(st.queued, ==, n);
    g_assert_cmpuint(st.completed, ==, n);
    g_assert_cmpuint(st.copied, ==, n);
    g_assert_cmpuint(st.bytes, ==, piece * n);
    g_assert_cmpuint(st.flushes, ==, 1);
    g_assert_cmpuint(st.flushes_all_copied, ==, 1);
    g_assert_false(st.zerocopy_disabled);

    /* A second flush with nothing new: 0, counters unchanged. */
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), ==, 0);
    g_assert_no_error(err);
    qio_channel_get_zerocopy_stats(ioc, &st);
    g_assert_cmpuint(st.flushes, ==, 1);
    g_test_message("loopback: queued=%" G_GUINT64_FORMAT " completed=%"
                   G_GUINT64_FORMAT " copied=%" G_GUINT64_FORMAT,
                   st.queued, st.completed, st.copied);

    g_assert_null(io_test_reader_finish(reader, DEADLINE_S));
    qio_channel_unref(ioc);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

/*
 * Non-blocking sender with tiny socket buffers: the first large write is
 * short, then the _all helpers (zero copy and plain) loop over EAGAIN.
 */
static void test_nonblocking_partial(void)
{
    QIOChannelSocket *client, *server;
    QIOChannel *ioc;
    const size_t total = 24 * MiB;
    g_autofree uint8_t *buf = g_malloc(total);
    IOTestStream data, shape;
    IOTestReader *reader;
    QIOChannelZerocopyStats st;
    struct iovec iov;
    GError *err = NULL;
    int small = 128 * 1024, rcvbuf = 256 * 1024, one = 1;
    ssize_t first;
    size_t off, half;
    uint64_t calls;

    if (!zc_pair("127.0.0.1", &client, &server)) {
        return;
    }
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    g_assert_cmpint(setsockopt(qio_channel_socket_get_fd(client), SOL_SOCKET,
                               SO_SNDBUF, &small, sizeof(small)), ==, 0);
    /*
     * A receive buffer below the loopback MSS (64 KiB) would leave the
     * window closed to silly-window avoidance and the sender to the
     * persist timer (minutes): keep it small but above that.
     */
    g_assert_cmpint(setsockopt(qio_channel_socket_get_fd(server), SOL_SOCKET,
                               SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), ==, 0);
    /* Sub-MSS writes would otherwise meet Nagle and delayed ACKs. */
    g_assert_cmpint(setsockopt(qio_channel_socket_get_fd(client), IPPROTO_TCP,
                               TCP_NODELAY, &one, sizeof(one)), ==, 0);
    g_assert_cmpint(qio_channel_set_blocking(ioc, false, &err), ==, 0);
    g_assert_false(ioc->blocking);
    io_test_stream_init(&data, 99);
    io_test_stream_fill(&data, buf, total);

    /* No reader yet, so the peer's window fills: a short write. */
    iov.iov_base = buf;
    iov.iov_len = 4 * MiB;
    first = qio_channel_writev_full(ioc, &iov, 1, NULL, 0,
                                    QIO_CHANNEL_WRITE_FLAG_ZERO_COPY, &err);
    g_assert_no_error(err);
    g_assert_cmpint(first, >, 0);
    g_assert_cmpint(first, <, 4 * MiB);
    /* Keep going without a reader: soon a call would block. */
    off = first;
    for (;;) {
        ssize_t ret;

        iov.iov_base = buf + off;
        iov.iov_len = 4 * MiB - off;
        ret = qio_channel_writev_full(ioc, &iov, 1, NULL, 0,
                                      QIO_CHANNEL_WRITE_FLAG_ZERO_COPY, &err);
        g_assert_no_error(err);
        if (ret == QIO_CHANNEL_ERR_BLOCK) {
            break;
        }
        g_assert_cmpint(ret, >, 0);
        off += ret;
        g_assert_cmpuint(off, <, 4 * MiB);
    }
    g_test_message("non-blocking: first write %zd of %d bytes, EAGAIN "
                   "after %zu", first, 4 * MiB, off);

    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), 99, total,
                                  TRUE);
    /* First half zero copy in shaped pieces, second half plain. */
    half = total / 2;
    io_test_stream_init(&shape, 5);
    calls = send_shaped(ioc, buf + off, half - off, &shape, true);
    send_shaped(ioc, buf + half, total - half, &shape, false);
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), ==, 1);
    g_assert_no_error(err);
    qio_channel_get_zerocopy_stats(ioc, &st);
    g_assert_cmpuint(st.completed, ==, st.queued);
    g_assert_cmpuint(st.bytes, ==, half);
    g_test_message("non-blocking: %" G_GUINT64_FORMAT " zero-copy writev "
                   "calls took %" G_GUINT64_FORMAT " sendmsg calls in total",
                   calls, st.queued);
    zc_finish(ioc, server, reader);
}

static gpointer flush_thread(gpointer opaque)
{
    QIOChannel *ioc = opaque;
    GError *err = NULL;
    int ret = qio_channel_flush_zerocopy(ioc, &err);

    if (ret < 0) {
        g_test_message("flush: -1: %s", err->message);
        g_error_free(err);
    } else {
        g_test_message("flush: %d", ret);
    }
    return GINT_TO_POINTER(ret);
}

/* Fill the pipe with zero-copy sends until it would block. */
static void stuff_nonblocking(QIOChannel *ioc, const uint8_t *buf,
                              size_t len)
{
    size_t off = 0;
    GError *err = NULL;

    g_assert_cmpint(qio_channel_set_blocking(ioc, false, &err), ==, 0);
    while (off < len) {
        struct iovec iov = { .iov_base = (void *)(buf + off),
                             .iov_len = MIN(256 * 1024, len - off) };
        ssize_t ret = qio_channel_writev_full(
            ioc, &iov, 1, NULL, 0, QIO_CHANNEL_WRITE_FLAG_ZERO_COPY, &err);

        g_assert_no_error(err);
        if (ret == QIO_CHANNEL_ERR_BLOCK) {
            break;
        }
        g_assert_cmpint(ret, >, 0);
        off += ret;
    }
    g_assert_cmpint(qio_channel_set_blocking(ioc, true, &err), ==, 0);
}

/* The peer read everything and closed: the flush completes. */
static void test_flush_peer_closed_clean(void)
{
    QIOChannelSocket *client, *server;
    const size_t len = 8 * MiB;
    g_autofree uint8_t *buf = g_malloc(len);
    IOTestStream data;
    IOTestReader *reader;
    QIOChannelZerocopyStats st;
    GError *err = NULL;
    int ret;

    if (!zc_pair("127.0.0.1", &client, &server)) {
        return;
    }
    io_test_stream_init(&data, 3);
    io_test_stream_fill(&data, buf, len);
    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), 3, len,
                                  FALSE);
    {
        struct iovec iov = { .iov_base = buf, .iov_len = len };

        g_assert_cmpint(qio_channel_writev_zerocopy(
                            QIO_CHANNEL_SOCKET_BASE(client), &iov, 1, &err),
                        ==, 0);
        g_assert_no_error(err);
    }
    g_assert_null(io_test_reader_finish(reader, DEADLINE_S));
    g_assert_cmpint(qio_channel_close(QIO_CHANNEL_SOCKET_BASE(server), &err),
                    ==, 0);
    ret = GPOINTER_TO_INT(io_test_run_with_deadline(
        flush_thread, QIO_CHANNEL_SOCKET_BASE(client), 30));
    g_assert_cmpint(ret, ==, 1);
    qio_channel_get_zerocopy_stats(QIO_CHANNEL_SOCKET_BASE(client), &st);
    g_assert_cmpuint(st.completed, ==, st.queued);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

/* The peer closed without reading (reset): flush returns, never hangs. */
static void test_flush_peer_reset(void)
{
    QIOChannelSocket *client, *server;
    const size_t len = 16 * MiB;
    g_autofree uint8_t *buf = g_malloc0(len);
    QIOChannelZerocopyStats st;
    GError *err = NULL;
    int ret;

    if (!zc_pair("127.0.0.1", &client, &server)) {
        return;
    }
    stuff_nonblocking(QIO_CHANNEL_SOCKET_BASE(client), buf, len);
    qio_channel_get_zerocopy_stats(QIO_CHANNEL_SOCKET_BASE(client), &st);
    g_assert_cmpuint(st.queued, >, 0);
    /* Unread data: closing the peer sends a reset. */
    g_assert_cmpint(qio_channel_close(QIO_CHANNEL_SOCKET_BASE(server), &err),
                    ==, 0);
    ret = GPOINTER_TO_INT(io_test_run_with_deadline(
        flush_thread, QIO_CHANNEL_SOCKET_BASE(client), 30));
    g_assert_cmpint(ret, >=, -1);
    g_assert_cmpint(ret, <=, 1);
    qio_channel_get_zerocopy_stats(QIO_CHANNEL_SOCKET_BASE(client), &st);
    g_test_message("after reset: flush=%d queued=%" G_GUINT64_FORMAT
                   " completed=%" G_GUINT64_FORMAT, ret, st.queued,
                   st.completed);
    if (ret >= 0) {
        g_assert_cmpuint(st.completed, ==, st.queued);
    }
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

/*
 * A flush that waits for sends stuck behind a peer that does not read is
 * woken by qio_channel_shutdown() from another thread (cancel).
 */
static void test_flush_shutdown(void)
{
    QIOChannelSocket *client, *server;
    const size_t len = 64 * MiB;
    g_autofree uint8_t *buf = g_malloc0(len);
    QIOChannelZerocopyStats st;
    GThread *thread;
    GError *err = NULL;
    int ret;

    if (!zc_pair("127.0.0.1", &client, &server)) {
        return;
    }
    stuff_nonblocking(QIO_CHANNEL_SOCKET_BASE(client), buf, len);
    thread = g_thread_new("flush", flush_thread,
                          QIO_CHANNEL_SOCKET_BASE(client));
    g_assert_cmpint(qio_channel_shutdown(QIO_CHANNEL_SOCKET_BASE(client),
                                         QIO_CHANNEL_SHUTDOWN_BOTH, &err),
                    ==, 0);
    g_assert_no_error(err);
    ret = GPOINTER_TO_INT(io_test_run_with_deadline(
        (GThreadFunc)g_thread_join, thread, 30));
    qio_channel_get_zerocopy_stats(QIO_CHANNEL_SOCKET_BASE(client), &st);
    g_test_message("flush after shutdown: %d, outstanding %" G_GUINT64_FORMAT,
                   ret, st.queued - st.completed);
    /* Data stuck in the send queue cannot complete: an error. */
    g_assert_cmpint(ret, ==, -1);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

static void test_completion_ranges(void)
{
    QIOChannelZerocopyStats st = { 0 };
    GError *err = NULL;

    st.queued = 10;
    g_assert_true(qio_channel_socket_zerocopy_account(&st, 0, 0, 3, true,
                                                      &err));
    g_assert_cmpuint(st.completed, ==, 4);
    g_assert_cmpuint(st.copied, ==, 4);
    g_assert_true(qio_channel_socket_zerocopy_account(&st, 0, 4, 4, false,
                                                      &err));
    g_assert_cmpuint(st.completed, ==, 5);
    g_assert_cmpuint(st.copied, ==, 4);

    /* More than outstanding. */
    g_assert_false(qio_channel_socket_zerocopy_account(&st, 0, 5, 10, false,
                                                       &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_cmpstr(err->message, ==,
                    "Invalid zero-copy completion range [5, 10]: covers 6 "
                    "sends, but only 5 are outstanding");
    g_clear_error(&err);

    /* ee_data < ee_info that is not a wrap. */
    g_assert_false(qio_channel_socket_zerocopy_account(&st, 0, 9, 5, false,
                                                       &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_cmpuint(st.completed, ==, 5);

    /* A 32-bit wrap: [0xfffffffe, 1] is four sends. */
    st = (QIOChannelZerocopyStats){ .queued = 4 };
    g_assert_true(qio_channel_socket_zerocopy_account(&st, 0, 0xfffffffeu, 1,
                                                      true, &err));
    g_assert_cmpuint(st.completed, ==, 4);

    /* Sends still inside sendmsg() may already own an id. */
    st = (QIOChannelZerocopyStats){ .queued = 1 };
    g_assert_true(qio_channel_socket_zerocopy_account(&st, 1, 0, 1, true,
                                                      &err));
    g_assert_cmpuint(st.completed, ==, 2);
}

#define AUTO_N QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES

/* Opt-in: after N all-copied flushes in a row, stop using MSG_ZEROCOPY. */
static void test_auto_disable(void)
{
    QIOChannelSocket *client, *server;
    QIOChannel *ioc;
    const size_t piece = 256 * 1024;
    const int rounds = QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES + 2;
    g_autofree uint8_t *buf = g_malloc(piece * rounds);
    IOTestStream data;
    IOTestReader *reader;
    QIOChannelZerocopyStats st;
    GError *err = NULL;
    int i;

    if (!zc_pair("127.0.0.1", &client, &server)) {
        return;
    }
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    qio_channel_socket_set_zerocopy_auto_disable(client, true);
    io_test_stream_init(&data, 11);
    io_test_stream_fill(&data, buf, piece * rounds);
    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), 11,
                                  piece * rounds, TRUE);
    for (i = 0; i < rounds; i++) {
        int ret;

        zc_write(ioc, buf + i * piece, piece);
        ret = qio_channel_flush_zerocopy(ioc, &err);
        g_assert_no_error(err);
        qio_channel_get_zerocopy_stats(ioc, &st);
        if (i < QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES) {
            g_assert_cmpint(ret, ==, 1);
            g_assert_cmpuint(st.queued, ==, i + 1);
        } else {
            /* Plain sends now: nothing queued, nothing to report. */
            g_assert_cmpint(ret, ==, 0);
            g_assert_cmpuint(st.queued, ==, AUTO_N);
        }
        g_assert_cmpint(st.zerocopy_disabled, ==, i + 1 >= AUTO_N);
    }
    g_assert_true(qio_channel_has_feature(
        ioc, QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY));
    zc_finish(ioc, server, reader);
}

/* Default: no auto-disable however many flushes come back all copied. */
static void test_auto_disable_default_off(void)
{
    QIOChannelSocket *client, *server;
    QIOChannel *ioc;
    const size_t piece = 64 * 1024;
    const int rounds = QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES + 2;
    g_autofree uint8_t *buf = g_malloc0(piece);
    IOTestReader *reader;
    QIOChannelZerocopyStats st;
    GError *err = NULL;
    int i;

    if (!zc_pair("127.0.0.1", &client, &server)) {
        return;
    }
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    /* The reader checks a stream; send the stream's bytes each round. */
    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), 12,
                                  piece * rounds, TRUE);
    {
        IOTestStream data;

        io_test_stream_init(&data, 12);
        for (i = 0; i < rounds; i++) {
            /* Refilling is safe: the previous flush released @buf. */
            io_test_stream_fill(&data, buf, piece);
            zc_write(ioc, buf, piece);
            g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), ==, 1);
        }
    }
    qio_channel_get_zerocopy_stats(ioc, &st);
    g_assert_false(st.zerocopy_disabled);
    g_assert_cmpuint(st.queued, ==, rounds);
    g_assert_cmpuint(st.flushes_all_copied, ==, rounds);
    zc_finish(ioc, server, reader);
}

/*
 * ENOBUFS for real, in a subprocess (capabilities and rlimits are
 * per process): drop CAP_IPC_LOCK, shrink RLIMIT_MEMLOCK, send.  The child
 * prints what happened on stdout for the parent to report.
 */
#define ENOBUFS_LIMIT (64 * 1024)

static bool drop_ipc_lock(bool *isolated, char **why)
{
    struct __user_cap_header_struct hdr = {
        .version = _LINUX_CAPABILITY_VERSION_3,
        .pid = 0,
    };
    struct __user_cap_data_struct caps[2];
    unsigned int idx = CAP_IPC_LOCK / 32, bit = 1u << (CAP_IPC_LOCK % 32);
    /*
     * Pinned pages are charged to the user, shared by all its processes:
     * a uid of our own keeps other tests' charges out of our limit.
     * Leaving uid 0 also drops every capability.
     */
    uid_t uid = 2000000000u + (getpid() % 1000000);

    if (setgroups(0, NULL) == 0 && setresgid(uid, uid, uid) == 0 &&
        setresuid(uid, uid, uid) == 0) {
        *isolated = true;
        return true;
    }
    *isolated = false;
    if (syscall(SYS_capget, &hdr, caps) < 0) {
        *why = g_strdup_printf("capget: %s", g_strerror(errno));
        return false;
    }
    caps[idx].effective &= ~bit;
    caps[idx].permitted &= ~bit;
    caps[idx].inheritable &= ~bit;
    /* Capabilities are per thread: this is the sending thread. */
    if (syscall(SYS_capset, &hdr, caps) < 0) {
        *why = g_strdup_printf("capset: %s", g_strerror(errno));
        return false;
    }
    return true;
}

static void enobufs_child(FILE *out)
{
    QIOChannelSocket *client, *server;
    QIOChannel *ioc;
    const size_t small = 32 * 1024, nsmall = 512, large = 4 * MiB;
    const size_t total = small * nsmall + large;
    g_autofree uint8_t *buf = g_malloc(total);
    g_autofree char *why = NULL;
    struct rlimit rl = { ENOBUFS_LIMIT, ENOBUFS_LIMIT };
    IOTestStream data;
    IOTestReader *reader;
    QIOChannelZerocopyStats st;
    struct iovec iov;
    GError *err = NULL;
    ssize_t ret;
    size_t i;
    bool isolated;

    if (!io_test_tcp_pair("127.0.0.1", &client, &server, &why)) {
        fprintf(out, "SKIP: %s\n", why);
        return;
    }
    ioc = QIO_CHANNEL_SOCKET_BASE(client);
    if (!qio_channel_has_feature(ioc, QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
        fprintf(out, "SKIP: no SO_ZEROCOPY\n");
        return;
    }
    if (!drop_ipc_lock(&isolated, &why)) {
        fprintf(out, "SKIP: cannot drop CAP_IPC_LOCK (%s)\n", why);
        return;
    }
    if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0) {
        fprintf(out, "SKIP: setrlimit(RLIMIT_MEMLOCK): %s\n",
                g_strerror(errno));
        return;
    }
    io_test_stream_init(&data, 4242);
    io_test_stream_fill(&data, buf, total);
    reader = io_test_reader_start(QIO_CHANNEL_SOCKET_BASE(server), 4242,
                                  total, TRUE);

    /*
     * 1) Many sends of 10 pinned pages each against a 16-page limit: a
     *    send made while an earlier one is outstanding gets ENOBUFS; the
     *    channel waits for a completion and retries.
     */
    for (i = 0; i < nsmall; i++) {
        iov.iov_base = buf + i * small;
        iov.iov_len = small;
        if (qio_channel_writev_zerocopy(ioc, &iov, 1, &err) < 0) {
            /*
             * With a uid of our own, waiting for every completion frees
             * all pinned pages, so the retry must succeed.  Sharing the
             * user with other processes, it may fail: name the limit.
             */
            g_assert_false(isolated);
            g_assert_nonnull(strstr(err->message, "RLIMIT_MEMLOCK"));
            qio_channel_get_zerocopy_stats(ioc, &st);
            fprintf(out, "SMALL: send %zu failed (queued=%" G_GUINT64_FORMAT
                    " completed=%" G_GUINT64_FORMAT "): %s\n", i, st.queued,
                    st.completed, err->message);
            g_clear_error(&err);
            /* Nothing of a failed ENOBUFS send went out: resend plain. */
            g_assert_cmpint(qio_channel_write_all(ioc, iov.iov_base,
                                                  iov.iov_len, &err), ==, 0);
        }
    }
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), >=, 0);
    g_assert_no_error(err);
    qio_channel_get_zerocopy_stats(ioc, &st);
    g_assert_cmpuint(st.completed, ==, st.queued);
    fprintf(out, "SMALL: %zu sends of %zu KiB, memlock %d KiB (%s): queued=%"
            G_GUINT64_FORMAT " enobufs_retries=%" G_GUINT64_FORMAT
            " (every retry %s)\n",
            nsmall, small / 1024, ENOBUFS_LIMIT / 1024,
            isolated ? "own uid" : "CAP_IPC_LOCK dropped, shared uid",
            st.queued, st.enobufs_retries,
            st.queued == nsmall ? "succeeded" : "did not succeed");

    /* 2) One send larger than the whole limit: retrying cannot help. */
    iov.iov_base = buf + small * nsmall;
    iov.iov_len = large;
    ret = qio_channel_writev_full(ioc, &iov, 1, NULL, 0,
                                  QIO_CHANNEL_WRITE_FLAG_ZERO_COPY, &err);
    if (ret < 0) {
        g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
        g_assert_nonnull(strstr(err->message, "RLIMIT_MEMLOCK"));
        g_assert_nonnull(strstr(err->message, "net.core.optmem_max"));
        fprintf(out, "LARGE: error: %s\n", err->message);
        g_clear_error(&err);
        ret = 0;
    } else {
        fprintf(out, "LARGE: kernel accepted %zd bytes despite the limit\n",
                ret);
    }
    /* The channel still works: the rest goes out as a normal copy. */
    g_assert_cmpint(qio_channel_write_all(ioc, buf + small * nsmall + ret,
                                          large - ret, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), >=, 0);
    g_assert_no_error(err);
    g_assert_cmpint(qio_channel_shutdown(ioc, QIO_CHANNEL_SHUTDOWN_WRITE,
                                         &err), ==, 0);
    why = io_test_reader_finish(reader, DEADLINE_S);
    g_assert_null(why);
    fprintf(out, "DATA: %zu bytes verified\n", total);
    qio_channel_unref(ioc);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

static void test_enobufs(void)
{
    g_auto(GStrv) lines = NULL;
    int i;

    g_autofree char *path = NULL;
    g_autofree char *out = NULL;

    if (g_test_subprocess()) {
        g_autofree char *cpath = g_strdup_printf(
            "%s/zcmig-enobufs-%d.txt", g_get_tmp_dir(), (int)getppid());
        FILE *f = fopen(cpath, "w");

        g_assert_nonnull(f);
        setvbuf(f, NULL, _IONBF, 0);
        enobufs_child(f);
        fclose(f);
        return;
    }
    /* The child reports through a file named after our pid. */
    path = g_strdup_printf("%s/zcmig-enobufs-%d.txt", g_get_tmp_dir(),
                           (int)getpid());
    unlink(path);
    g_test_trap_subprocess(NULL, 120 * G_USEC_PER_SEC,
                           G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_assert_true(g_file_get_contents(path, &out, NULL, NULL));
    unlink(path);
    g_test_message("child report:\n%s", out);
    g_test_trap_assert_passed();
    lines = g_strsplit(out, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "SKIP: ")) {
            g_test_skip(lines[i] + 6);
            return;
        }
    }
    g_assert_nonnull(strstr(out, "DATA: "));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io/channel/socket/zero-copy/ipv4", test_zerocopy_ipv4);
    g_test_add_func("/io/channel/socket/zero-copy/ipv6", test_zerocopy_ipv6);
    g_test_add_func("/io/channel/socket/zero-copy/flush-counters",
                    test_flush_counters);
    g_test_add_func("/io/channel/socket/zero-copy/nonblocking-partial",
                    test_nonblocking_partial);
    g_test_add_func("/io/channel/socket/zero-copy/flush-peer-closed",
                    test_flush_peer_closed_clean);
    g_test_add_func("/io/channel/socket/zero-copy/flush-peer-reset",
                    test_flush_peer_reset);
    g_test_add_func("/io/channel/socket/zero-copy/flush-shutdown",
                    test_flush_shutdown);
    g_test_add_func("/io/channel/socket/zero-copy/completion-ranges",
                    test_completion_ranges);
    g_test_add_func("/io/channel/socket/zero-copy/auto-disable",
                    test_auto_disable);
    g_test_add_func("/io/channel/socket/zero-copy/auto-disable-default-off",
                    test_auto_disable_default_off);
    g_test_add_func("/io/channel/socket/zero-copy/enobufs", test_enobufs);
    return g_test_run();
}

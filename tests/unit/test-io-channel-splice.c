/*
 * qio_channel_socket_readv_to_file(): the stream lands in the file at the
 * right offsets, by splice() where the kernel allows it and by plain reads
 * where it does not, and the failures are errors, not hangs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "io/channel-socket.h"
#include "io-test-helpers.h"

#define FILE_BYTES (8u << 20)
#define DEADLINE_S 60

/* A shared mapping of a fresh file (memfd, or an O_APPEND tmp file). */
typedef struct TestFile {
    int fd;
    uint8_t *map;
} TestFile;

static void test_file_open(TestFile *f, bool append)
{
    if (append) {
        g_autofree char *path = NULL;
        int tmp = g_file_open_tmp("zcmig-splice-XXXXXX", &path, NULL);

        g_assert_cmpint(tmp, >=, 0);
        close(tmp);
        /* splice() refuses O_APPEND output: the copy path must take over. */
        f->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
        unlink(path);
    } else {
        f->fd = memfd_create("splice-test", MFD_CLOEXEC);
    }
    g_assert_cmpint(f->fd, >=, 0);
    g_assert_cmpint(ftruncate(f->fd, FILE_BYTES), ==, 0);
    f->map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
                  f->fd, 0);
    g_assert_true(f->map != MAP_FAILED);
}

static void test_file_close(TestFile *f)
{
    munmap(f->map, FILE_BYTES);
    close(f->fd);
}

/*
 * Ranges in stream order, deliberately out of file order, of odd sizes,
 * some bigger than any pipe: [offset, length].
 */
static const uint64_t ranges[][2] = {
    { 5u << 20, 3u << 20 },          /* 3 MiB: several pipe loads */
    { 4096, 4096 },
    { 1u << 20, 12288 },
    { 0, 4096 },
    { 3u << 20, 777 },                /* not a page multiple */
    { (3u << 20) + 5000, 1u << 20 },  /* unaligned start */
    { 2u << 20, 65536 },
};

static size_t build_iov(const TestFile *f, struct iovec *iov)
{
    size_t n = G_N_ELEMENTS(ranges);

    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = f->map + ranges[i][0];
        iov[i].iov_len = ranges[i][1];
    }
    return n;
}

static uint64_t ranges_total(void)
{
    uint64_t t = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        t += ranges[i][1];
    }
    return t;
}

/* The writer side: the stream seeded @seed, @len bytes, then close. */
typedef struct Sender {
    QIOChannel *ioc;
    uint64_t seed;
    uint64_t len;
    bool close_early;   /* stop half way and close */
} Sender;

static gpointer sender_thread(gpointer opaque)
{
    Sender *s = opaque;
    IOTestStream st, shape;
    g_autofree uint8_t *buf = g_malloc(256 * 1024);
    uint64_t left = s->close_early ? s->len / 2 : s->len;

    io_test_stream_init(&st, s->seed);
    io_test_stream_init(&shape, ~s->seed);
    while (left) {
        /* Not inside MIN(): it would draw twice. */
        size_t pick = 1 + io_test_stream_below(&shape, 256 * 1024);
        size_t n = MIN(left, pick);

        io_test_stream_fill(&st, buf, n);
        if (qio_channel_write_all(s->ioc, (char *)buf, n, NULL) < 0) {
            /* The receiver failed and shut the channel; it reports. */
            return NULL;
        }
        left -= n;
    }
    if (s->close_early) {
        qio_channel_shutdown(s->ioc, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
    return NULL;
}

/*
 * The file must hold the stream's bytes at the ranges (checked through
 * pread(), i.e. the file, and through the mapping) and zeroes elsewhere.
 */
static void check_file(const TestFile *f, uint64_t seed)
{
    g_autofree uint8_t *want = g_malloc0(FILE_BYTES);
    g_autofree uint8_t *got = g_malloc(FILE_BYTES);
    IOTestStream st;
    uint64_t done = 0;

    io_test_stream_init(&st, seed);
    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        io_test_stream_fill(&st, want + ranges[i][0], ranges[i][1]);
    }
    while (done < FILE_BYTES) {
        ssize_t n = pread(f->fd, got + done, FILE_BYTES - done, done);

        g_assert_cmpint(n, >, 0);
        done += n;
    }
    g_assert_true(memcmp(want, got, FILE_BYTES) == 0);
    g_assert_true(memcmp(want, f->map, FILE_BYTES) == 0);
}

typedef struct Receiver {
    QIOChannelSocket *sioc;
    TestFile *file;
    GMutex *lock;
    int ret;
    GError *err;
} Receiver;

static gpointer receiver_thread(gpointer opaque)
{
    Receiver *r = opaque;
    struct iovec iov[G_N_ELEMENTS(ranges)];
    size_t n = build_iov(r->file, iov);

    r->ret = qio_channel_socket_readv_to_file(r->sioc, iov, n, r->file->fd,
                                              r->file->map, r->lock, &r->err);
    return r;
}

/* One transfer over a fresh pair; returns the receiver's stats. */
static void run_one(QIOChannelSocket *client, QIOChannelSocket *server,
                    TestFile *f, uint64_t seed, bool close_early,
                    Receiver *r)
{
    Sender s = {
        .ioc = QIO_CHANNEL_SOCKET_BASE(client),
        .seed = seed,
        .len = ranges_total(),
        .close_early = close_early,
    };
    GThread *th = g_thread_new("sender", sender_thread, &s);

    r->sioc = server;
    r->file = f;
    io_test_run_with_deadline(receiver_thread, r, DEADLINE_S);
    if (r->ret < 0) {
        g_test_message("receiver: %s", r->err ? r->err->message : "?");
        /* Unblock a sender that still has bytes to write. */
        qio_channel_shutdown(QIO_CHANNEL_SOCKET_BASE(server),
                             QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
    g_thread_join(th);
}

/* A TCP loopback pair and a fresh file: what most cases start from. */
typedef struct Fixture {
    QIOChannelSocket *client;
    QIOChannelSocket *server;
    TestFile f;
} Fixture;

/* False (test skipped) when TCP loopback is not available. */
static bool fixture_open(Fixture *fx, bool append)
{
    g_autofree char *why = NULL;

    if (!io_test_tcp_pair("127.0.0.1", &fx->client, &fx->server, &why)) {
        g_test_skip(why);
        return false;
    }
    test_file_open(&fx->f, append);
    return true;
}

static void fixture_close(Fixture *fx)
{
    test_file_close(&fx->f);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(fx->client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(fx->server));
}

static void test_splice_to_memfd(void)
{
    Fixture fx;
    Receiver r = { 0 };
    QIOChannelSpliceStats st;

    if (!fixture_open(&fx, false)) {
        return;
    }
    run_one(fx.client, fx.server, &fx.f, 11, false, &r);
    g_assert_no_error(r.err);
    g_assert_cmpint(r.ret, ==, 0);
    check_file(&fx.f, 11);
    qio_channel_socket_get_splice_stats(fx.server, &st);
    g_assert_false(st.refused);
    g_assert_cmpuint(st.spliced, ==, ranges_total());
    g_assert_cmpuint(st.copied, ==, 0);
    g_assert_cmpuint(st.busy, ==, 0);

    /* A second call on the same channel reuses its pipe. */
    memset(fx.f.map, 0, FILE_BYTES);
    run_one(fx.client, fx.server, &fx.f, 12, false, &r);
    g_assert_no_error(r.err);
    check_file(&fx.f, 12);
    qio_channel_socket_get_splice_stats(fx.server, &st);
    g_assert_cmpuint(st.spliced, ==, 2 * ranges_total());

    fixture_close(&fx);
}

/* O_APPEND: splice() says EINVAL after the first bytes left the socket. */
static void test_refused_falls_back(void)
{
    Fixture fx;
    Receiver r = { 0 };
    QIOChannelSpliceStats st;

    if (!fixture_open(&fx, true)) {
        return;
    }
    run_one(fx.client, fx.server, &fx.f, 21, false, &r);
    g_assert_no_error(r.err);
    g_assert_cmpint(r.ret, ==, 0);
    check_file(&fx.f, 21);
    qio_channel_socket_get_splice_stats(fx.server, &st);
    g_assert_true(st.refused);
    g_assert_cmpuint(st.spliced, ==, 0);
    g_assert_cmpuint(st.copied, ==, ranges_total());

    fixture_close(&fx);
}

/* UNIX stream sockets splice too; a non-blocking reader is polled. */
static void test_unix_nonblocking(void)
{
    int sv[2];
    QIOChannelSocket *client, *server;
    Receiver r = { 0 };
    TestFile f;
    QIOChannelSpliceStats st;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                    ==, 0);
    client = qio_channel_socket_new_fd(sv[0], NULL);
    server = qio_channel_socket_new_fd(sv[1], NULL);
    g_assert_nonnull(client);
    g_assert_nonnull(server);
    g_assert_cmpint(qio_channel_set_blocking(QIO_CHANNEL_SOCKET_BASE(server),
                                             false, NULL), ==, 0);
    test_file_open(&f, false);
    run_one(client, server, &f, 31, false, &r);
    g_assert_no_error(r.err);
    check_file(&f, 31);
    qio_channel_socket_get_splice_stats(server, &st);
    g_assert_false(st.refused);
    g_assert_cmpuint(st.spliced, ==, ranges_total());

    test_file_close(&f);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server));
}

/* The peer goes away half way: a named error, no hang. */
static void test_early_eof(void)
{
    Fixture fx;
    Receiver r = { 0 };

    if (!fixture_open(&fx, false)) {
        return;
    }
    run_one(fx.client, fx.server, &fx.f, 41, true, &r);
    g_assert_cmpint(r.ret, ==, -1);
    g_assert_error(r.err, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
    g_assert_cmpstr(r.err->message, ==,
                    "Unexpected end-of-file before all data were read");
    g_clear_error(&r.err);

    fixture_close(&fx);
}

/* A reader blocked for data is woken by a shutdown from another thread. */
static gpointer shutdown_later(gpointer opaque)
{
    QIOChannelSocket *server = opaque;

    /* Give the reader time to block; the test passes either way. */
    g_usleep(100 * 1000);
    qio_channel_shutdown(QIO_CHANNEL_SOCKET_BASE(server),
                         QIO_CHANNEL_SHUTDOWN_READ, NULL);
    return NULL;
}

static void test_shutdown_wakes_reader(void)
{
    Fixture fx;
    Receiver r = { 0 };
    GThread *th;

    if (!fixture_open(&fx, false)) {
        return;
    }
    r.sioc = fx.server;
    r.file = &fx.f;
    th = g_thread_new("shutdown", shutdown_later, fx.server);
    io_test_run_with_deadline(receiver_thread, &r, DEADLINE_S);
    g_thread_join(th);
    g_assert_cmpint(r.ret, ==, -1);
    g_assert_error(r.err, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
    g_clear_error(&r.err);

    fixture_close(&fx);
}

/*
 * Two channels write disjoint halves of one file at the same time under
 * a shared lock (what multifd receive threads do).
 */
typedef struct HalfReceiver {
    QIOChannelSocket *sioc;
    struct iovec iov;
    TestFile *file;
    GMutex *lock;
    int ret;
    GError *err;
} HalfReceiver;

static gpointer half_receiver_thread(gpointer opaque)
{
    HalfReceiver *r = opaque;

    r->ret = qio_channel_socket_readv_to_file(r->sioc, &r->iov, 1,
                                              r->file->fd, r->file->map,
                                              r->lock, &r->err);
    return r;
}

static gpointer both_halves(gpointer opaque)
{
    HalfReceiver *r = opaque;
    GThread *th = g_thread_new("receiver", half_receiver_thread, &r[1]);

    half_receiver_thread(&r[0]);
    g_thread_join(th);
    return r;
}

static void test_two_channels_one_file(void)
{
    QIOChannelSocket *client[2], *server[2];
    g_autofree char *why = NULL;
    const uint64_t half = FILE_BYTES / 2;
    g_autofree uint8_t *want = g_malloc(FILE_BYTES);
    HalfReceiver r[2] = { 0 };
    uint64_t spliced = 0;
    Sender s[2];
    GThread *snd[2];
    TestFile f;
    GMutex lock;

    for (int i = 0; i < 2; i++) {
        if (!io_test_tcp_pair("127.0.0.1", &client[i], &server[i], &why)) {
            g_test_skip(why);
            return;
        }
    }
    test_file_open(&f, false);
    g_mutex_init(&lock);
    for (int i = 0; i < 2; i++) {
        IOTestStream st;

        s[i] = (Sender) { .ioc = QIO_CHANNEL_SOCKET_BASE(client[i]),
                          .seed = 51 + i, .len = half };
        r[i] = (HalfReceiver) { .sioc = server[i], .file = &f, .lock = &lock,
                                .iov = { f.map + i * half, half } };
        io_test_stream_init(&st, 51 + i);
        io_test_stream_fill(&st, want + i * half, half);
        snd[i] = g_thread_new("sender", sender_thread, &s[i]);
    }
    io_test_run_with_deadline(both_halves, r, DEADLINE_S);
    for (int i = 0; i < 2; i++) {
        QIOChannelSpliceStats st;

        g_thread_join(snd[i]);
        g_assert_no_error(r[i].err);
        g_assert_cmpint(r[i].ret, ==, 0);
        qio_channel_socket_get_splice_stats(server[i], &st);
        /* Through the file, or the mapping while the other one wrote. */
        g_assert_cmpuint(st.spliced + st.busy, ==, half);
        g_assert_cmpuint(st.copied, ==, 0);
        spliced += st.spliced;
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(client[i]));
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(server[i]));
    }
    /* The lock is free for whoever comes first. */
    g_assert_cmpuint(spliced, >, 0);
    g_assert_true(memcmp(want, f.map, FILE_BYTES) == 0);
    g_mutex_clear(&lock);
    test_file_close(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io/channel/socket/splice/tcp-memfd",
                    test_splice_to_memfd);
    g_test_add_func("/io/channel/socket/splice/refused-falls-back",
                    test_refused_falls_back);
    g_test_add_func("/io/channel/socket/splice/unix-nonblocking",
                    test_unix_nonblocking);
    g_test_add_func("/io/channel/socket/splice/early-eof", test_early_eof);
    g_test_add_func("/io/channel/socket/splice/shutdown-wakes-reader",
                    test_shutdown_wakes_reader);
    g_test_add_func("/io/channel/socket/splice/two-channels-one-file",
                    test_two_channels_one_file);
    return g_test_run();
}

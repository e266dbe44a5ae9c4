/*
 * Shared helpers for the io unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "io-test-helpers.h"

void io_test_stream_init(IOTestStream *s, uint64_t seed)
{
    /* xorshift state must not be zero. */
    s->state = seed ? seed : 0x9e3779b97f4a7c15ull;
    s->left = 0;
    s->word = 0;
}

uint64_t io_test_stream_next(IOTestStream *s)
{
    uint64_t x = s->state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->state = x;
    return x * 0x2545f4914f6cdd1dull;
}

size_t io_test_stream_below(IOTestStream *s, size_t n)
{
    return n ? io_test_stream_next(s) % n : 0;
}

void io_test_stream_fill(IOTestStream *s, uint8_t *buf, size_t len)
{
    /* Leftover bytes of the current word first (little-endian order). */
    while (len && s->left) {
        *buf++ = s->word >> (8 * (8 - s->left));
        s->left--;
        len--;
    }
    while (len >= 8) {
        uint64_t w = io_test_stream_next(s);

        w = GUINT64_TO_LE(w);
        memcpy(buf, &w, 8);
        buf += 8;
        len -= 8;
    }
    if (len) {
        s->word = io_test_stream_next(s);
        s->left = 8;
        while (len) {
            *buf++ = s->word >> (8 * (8 - s->left));
            s->left--;
            len--;
        }
    }
}

gboolean io_test_tcp_pair(const char *host, QIOChannelSocket **client,
                          QIOChannelSocket **server, char **why)
{
    QIOSocketAddress addr = {
        .type = QIO_SOCKET_ADDRESS_INET,
        .host = (char *)host,
        .port = (char *)"0",
    };
    g_autoptr(QIOSocketAddress) local = NULL;
    QIOChannelSocket *lsioc;
    GError *err = NULL;

    lsioc = qio_channel_socket_listen_sync(&addr, 1, &err);
    if (!lsioc) {
        *why = g_strdup_printf("cannot listen on %s: %s", host,
                               err->message);
        g_error_free(err);
        return FALSE;
    }
    local = qio_channel_socket_get_local_address(lsioc, &err);
    g_assert_no_error(err);
    *client = qio_channel_socket_connect_sync(local, &err);
    g_assert_no_error(err);
    *server = qio_channel_socket_accept(lsioc, &err);
    g_assert_no_error(err);
    g_assert_nonnull(*server);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(lsioc));
    return TRUE;
}

struct IOTestReader {
    QIOChannel *ioc;
    uint64_t seed;
    uint64_t total;
    gboolean expect_eof;
    GThread *thread;
    GMutex lock;
    GCond cond;
    gboolean done;
    char *error;
};

#define IO_TEST_READ_MAX (1024 * 1024)

static char *reader_run(IOTestReader *r)
{
    g_autofree uint8_t *buf = g_malloc(IO_TEST_READ_MAX);
    g_autofree uint8_t *expect = g_malloc(IO_TEST_READ_MAX);
    IOTestStream data, shape;
    uint64_t got = 0;
    GError *err = NULL;

    io_test_stream_init(&data, r->seed);
    io_test_stream_init(&shape, r->seed ^ 0xa5a5a5a5a5a5a5a5ull);
    while (got < r->total) {
        size_t kind = io_test_stream_below(&shape, 8);
        size_t want, split;
        struct iovec iov[2];

        /* Mostly large reads, some tiny ones to vary the pattern. */
        if (kind == 0) {
            want = 1 + io_test_stream_below(&shape, 64);
        } else if (kind == 1) {
            want = 1 + io_test_stream_below(&shape, 4096);
        } else {
            want = 1 + io_test_stream_below(&shape, IO_TEST_READ_MAX);
        }
        want = MIN(want, r->total - got);
        split = io_test_stream_below(&shape, want + 1);
        iov[0] = (struct iovec){ .iov_base = buf, .iov_len = split };
        iov[1] = (struct iovec){ .iov_base = buf + split,
                                 .iov_len = want - split };
        if (qio_channel_readv_all(r->ioc, iov, 2, &err) < 0) {
            char *msg = g_strdup_printf("read failed at offset %"
                                        G_GUINT64_FORMAT ": %s", got,
                                        err->message);
            g_error_free(err);
            return msg;
        }
        io_test_stream_fill(&data, expect, want);
        if (memcmp(buf, expect, want) != 0) {
            size_t i = 0;

            while (buf[i] == expect[i]) {
                i++;
            }
            return g_strdup_printf("data mismatch at offset %"
                                   G_GUINT64_FORMAT ": got 0x%02x, "
                                   "expected 0x%02x", got + i, buf[i],
                                   expect[i]);
        }
        got += want;
    }
    if (r->expect_eof) {
        char c;
        int ret = qio_channel_read_all_eof(r->ioc, &c, 1, &err);

        if (ret != 0) {
            char *msg = g_strdup_printf("expected EOF after %" G_GUINT64_FORMAT
                                        " bytes, got %s", got,
                                        ret > 0 ? "more data" : err->message);
            g_clear_error(&err);
            return msg;
        }
    }
    return NULL;
}

static gpointer reader_thread(gpointer opaque)
{
    IOTestReader *r = opaque;
    char *error = reader_run(r);

    g_mutex_lock(&r->lock);
    r->error = error;
    r->done = TRUE;
    g_cond_signal(&r->cond);
    g_mutex_unlock(&r->lock);
    return NULL;
}

IOTestReader *io_test_reader_start(QIOChannel *ioc, uint64_t seed,
                                   uint64_t total, gboolean expect_eof)
{
    IOTestReader *r = g_new0(IOTestReader, 1);

    r->ioc = qio_channel_ref(ioc);
    r->seed = seed;
    r->total = total;
    r->expect_eof = expect_eof;
    g_mutex_init(&r->lock);
    g_cond_init(&r->cond);
    r->thread = g_thread_new("io-test-reader", reader_thread, r);
    return r;
}

char *io_test_reader_finish(IOTestReader *r, int timeout_s)
{
    gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
    char *error;

    g_mutex_lock(&r->lock);
    while (!r->done) {
        if (!g_cond_wait_until(&r->cond, &r->lock, deadline)) {
            break;
        }
    }
    g_mutex_unlock(&r->lock);
    if (!r->done) {
        g_error("reader thread did not finish within %d s", timeout_s);
    }
    g_thread_join(r->thread);
    error = r->error;
    qio_channel_unref(r->ioc);
    g_mutex_clear(&r->lock);
    g_cond_clear(&r->cond);
    g_free(r);
    return error;
}

typedef struct DeadlineRun {
    GThreadFunc func;
    gpointer data;
    gpointer result;
    gboolean done;
    GMutex lock;
    GCond cond;
} DeadlineRun;

static gpointer deadline_thread(gpointer opaque)
{
    DeadlineRun *run = opaque;
    gpointer result = run->func(run->data);

    g_mutex_lock(&run->lock);
    run->result = result;
    run->done = TRUE;
    g_cond_signal(&run->cond);
    g_mutex_unlock(&run->lock);
    return NULL;
}

gpointer io_test_run_with_deadline(GThreadFunc func, gpointer data,
                                   int timeout_s)
{
    gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
    DeadlineRun *run = g_new0(DeadlineRun, 1);
    GThread *thread;
    gpointer result;

    run->func = func;
    run->data = data;
    g_mutex_init(&run->lock);
    g_cond_init(&run->cond);
    thread = g_thread_new("io-test-deadline", deadline_thread, run);
    g_mutex_lock(&run->lock);
    while (!run->done) {
        if (!g_cond_wait_until(&run->cond, &run->lock, deadline)) {
            break;
        }
    }
    g_mutex_unlock(&run->lock);
    if (!run->done) {
        g_error("operation did not return within %d s (hang)", timeout_s);
    }
    g_thread_join(thread);
    result = run->result;
    g_mutex_clear(&run->lock);
    g_cond_clear(&run->cond);
    g_free(run);
    return result;
}

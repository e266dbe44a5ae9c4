/*
 * QIOChannel base behaviour on the buffer, file and null backends:
 * refcounting, the _all helpers over short I/O, would-block and EOF,
 * feature refusal.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "io-test-helpers.h"
#include "io/channel-buffer.h"
#include "io/channel-file.h"
#include "io/channel-null.h"

static void test_buffer_roundtrip(void)
{
    QIOChannelBuffer *bioc = qio_channel_buffer_new(0);
    QIOChannel *ioc = QIO_CHANNEL(bioc);
    char a[] = "abc", b[] = "defgh", out[9] = "";
    struct iovec iov[3] = {
        { .iov_base = a, .iov_len = 3 },
        { .iov_base = NULL, .iov_len = 0 },
        { .iov_base = b, .iov_len = 5 },
    };
    struct iovec rio[2] = {
        { .iov_base = out, .iov_len = 2 },
        { .iov_base = out + 2, .iov_len = 6 },
    };
    GError *err = NULL;

    g_assert_cmpint(qio_channel_writev_all(ioc, iov, 3, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(qio_channel_buffer_get_len(bioc), ==, 8);
    g_assert_cmpmem(qio_channel_buffer_get_data(bioc), 8, "abcdefgh", 8);
    g_assert_cmpint(qio_channel_readv_all(ioc, rio, 2, &err), ==, 0);
    g_assert_cmpstr(out, ==, "abcdefgh");
    g_assert_cmpuint(qio_channel_buffer_get_offset(bioc), ==, 8);
    /* The caller's iovec is not modified by the _all helpers. */
    g_assert_true(iov[0].iov_base == a && iov[0].iov_len == 3);
    g_assert_true(rio[1].iov_base == out + 2 && rio[1].iov_len == 6);
    /* At the end: EOF. */
    g_assert_cmpint(qio_channel_read(ioc, out, 1, &err), ==, 0);
    g_assert_cmpstr(qio_channel_get_name(ioc), ==, "buffer");
    qio_channel_unref(ioc);
}

/* Short reads and writes (1..7 bytes per call) against 100 KiB. */
static void test_buffer_short_io(void)
{
    const size_t len = 100 * 1024;
    g_autofree uint8_t *src = g_malloc(len);
    g_autofree uint8_t *dst = g_malloc0(len);
    IOTestStream data;
    size_t max;

    io_test_stream_init(&data, 1);
    io_test_stream_fill(&data, src, len);
    for (max = 1; max <= 7; max += 3) {
        QIOChannelBuffer *bioc = qio_channel_buffer_new(16);
        QIOChannel *ioc = QIO_CHANNEL(bioc);
        GError *err = NULL;

        qio_channel_buffer_set_max_io(bioc, max);
        g_assert_cmpint(qio_channel_write_all(ioc, src, len, &err), ==, 0);
        g_assert_cmpuint(qio_channel_buffer_get_len(bioc), ==, len);
        g_assert_cmpint(qio_channel_read_all(ioc, dst, len, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpmem(src, len, dst, len);
        qio_channel_unref(ioc);
    }
}

/* Non-blocking channel: every 3rd call would block; _all keeps going. */
static void test_buffer_would_block(void)
{
    QIOChannelBuffer *bioc = qio_channel_buffer_new(0);
    QIOChannel *ioc = QIO_CHANNEL(bioc);
    char out[64] = "";
    GError *err = NULL;
    int blocked = 0, i;

    g_assert_cmpint(qio_channel_set_blocking(ioc, false, &err), ==, 0);
    g_assert_false(ioc->blocking);
    qio_channel_buffer_set_max_io(bioc, 4);
    qio_channel_buffer_set_block_every(bioc, 3);
    for (i = 0; i < 6; i++) {
        if (qio_channel_write(ioc, "x", 1, &err) == QIO_CHANNEL_ERR_BLOCK) {
            blocked++;
        }
        g_assert_no_error(err);
    }
    g_assert_cmpint(blocked, ==, 2);
    g_assert_cmpint(qio_channel_write_all(ioc, "0123456789abcdef", 16, &err),
                    ==, 0);
    g_assert_cmpint(qio_channel_read_all(ioc, out, 20, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "xxxx0123456789abcdef");
    qio_channel_unref(ioc);
}

static void test_read_all_eof(void)
{
    QIOChannelBuffer *bioc = qio_channel_buffer_new_data("12345", 5);
    QIOChannel *ioc = QIO_CHANNEL(bioc);
    char buf[8];
    GError *err = NULL;

    qio_channel_buffer_set_max_io(bioc, 2);
    /* Whole record. */
    g_assert_cmpint(qio_channel_read_all_eof(ioc, buf, 3, &err), ==, 1);
    g_assert_cmpmem(buf, 3, "123", 3);
    /* Partial record then EOF: error. */
    g_assert_cmpint(qio_channel_read_all_eof(ioc, buf, 3, &err), ==, -1);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
    g_assert_cmpstr(err->message, ==,
                    "Unexpected end-of-file before all data were read");
    g_clear_error(&err);
    /* Clean EOF: 0 from the _eof variant, an error from read_all. */
    g_assert_cmpint(qio_channel_read_all_eof(ioc, buf, 3, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(qio_channel_read_all(ioc, buf, 3, &err), ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "Unexpected end-of-file before all data were read");
    g_clear_error(&err);
    /* Zero bytes requested: done at once. */
    g_assert_cmpint(qio_channel_read_all(ioc, buf, 0, &err), ==, 0);
    qio_channel_unref(ioc);
}

static void test_refcount_and_close(void)
{
    QIOChannel *ioc = QIO_CHANNEL(qio_channel_buffer_new(4));
    GError *err = NULL;

    g_assert_true(qio_channel_ref(ioc) == ioc);
    g_assert_cmpint(ioc->refcount, ==, 2);
    qio_channel_unref(ioc);
    g_assert_cmpint(ioc->refcount, ==, 1);
    qio_channel_set_name(ioc, "scratch");
    g_assert_cmpint(qio_channel_close(ioc, &err), ==, 0);
    g_assert_cmpint(qio_channel_write(ioc, "x", 1, &err), ==, -1);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_CLOSED);
    g_clear_error(&err);
    qio_channel_unref(ioc);
    qio_channel_unref(NULL);
}

/* Backends without optional features: clear refusals. */
static void test_feature_refusal(void)
{
    g_autoptr(QIOChannel) ioc = QIO_CHANNEL(qio_channel_buffer_new(0));
    struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };
    QIOChannelZerocopyStats st;
    int fd = 0, *rfds = NULL;
    size_t nrfds = 0;
    GError *err = NULL;

    g_assert_cmpint(qio_channel_writev_full(ioc, &iov, 1, NULL, 0,
                                            QIO_CHANNEL_WRITE_FLAG_ZERO_COPY,
                                            &err), ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "Requested Zero Copy feature is not available");
    g_clear_error(&err);
    g_assert_cmpint(qio_channel_writev_zerocopy(ioc, &iov, 1, &err), ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "Requested Zero Copy feature is not available");
    g_clear_error(&err);
    g_assert_cmpint(qio_channel_writev_full(ioc, &iov, 1, &fd, 1,
                                            QIO_CHANNEL_WRITE_FLAG_ZERO_COPY,
                                            &err), ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "Zero Copy does not support file descriptor passing");
    g_clear_error(&err);
    g_assert_cmpint(qio_channel_writev_full(ioc, &iov, 1, &fd, 1, 0, &err),
                    ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "Channel 'buffer' does not support file descriptor "
                    "passing");
    g_clear_error(&err);
    g_assert_cmpint(qio_channel_readv_full(ioc, &iov, 1, &rfds, &nrfds,
                                           &err), ==, -1);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_clear_error(&err);
    g_assert_cmpint(qio_channel_shutdown(ioc, QIO_CHANNEL_SHUTDOWN_BOTH,
                                         &err), ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "Channel 'buffer' does not support shutdown");
    g_clear_error(&err);
    g_assert_cmpint(qio_channel_flush_zerocopy(ioc, &err), ==, 0);
    g_assert_false(qio_channel_get_zerocopy_stats(ioc, &st));
    /* Never blocks: wait is immediate. */
    g_assert_cmpint(qio_channel_wait(ioc, G_IO_IN, 0), ==, 1);
    /* Nothing was written by the refused calls. */
    g_assert_cmpuint(qio_channel_buffer_get_len(QIO_CHANNEL_BUFFER(ioc)), ==,
                     0);
}

static void test_file_path(void)
{
    g_autofree char *dir = g_dir_make_tmp("zcmig-io-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "f", NULL);
    g_autofree char *missing = g_build_filename(dir, "nope", "f", NULL);
    g_autofree char *expect = NULL;
    const size_t len = 3 * 1024 * 1024 + 17;
    g_autofree uint8_t *src = g_malloc(len);
    g_autofree uint8_t *dst = g_malloc(len);
    QIOChannelFile *fioc;
    IOTestStream data;
    GError *err = NULL;

    io_test_stream_init(&data, 2);
    io_test_stream_fill(&data, src, len);
    fioc = qio_channel_file_new_path(path, O_WRONLY | O_CREAT | O_TRUNC, 0600,
                                     &err);
    g_assert_no_error(err);
    g_assert_true(qio_channel_is_file(QIO_CHANNEL(fioc)));
    g_assert_cmpint(qio_channel_write_all(QIO_CHANNEL(fioc), src, len, &err),
                    ==, 0);
    g_assert_cmpint(qio_channel_close(QIO_CHANNEL(fioc), &err), ==, 0);
    g_assert_cmpint(qio_channel_file_get_fd(fioc), ==, -1);
    qio_channel_unref(QIO_CHANNEL(fioc));

    fioc = qio_channel_file_new_path(path, O_RDONLY, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qio_channel_read_all_eof(QIO_CHANNEL(fioc), dst, len,
                                             &err), ==, 1);
    g_assert_cmpmem(src, len, dst, len);
    g_assert_cmpint(qio_channel_read_all_eof(QIO_CHANNEL(fioc), dst, 1,
                                             &err), ==, 0);
    qio_channel_unref(QIO_CHANNEL(fioc));

    g_assert_null(qio_channel_file_new_path(missing, O_RDONLY, 0, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    expect = g_strdup_printf("Unable to open '%s': No such file or directory",
                             missing);
    g_assert_cmpstr(err->message, ==, expect);
    g_clear_error(&err);
    unlink(path);
    rmdir(dir);
}

typedef struct PipeWriter {
    int fd;
    const uint8_t *buf;
    size_t len;
} PipeWriter;

static gpointer pipe_writer(gpointer opaque)
{
    PipeWriter *w = opaque;
    QIOChannel *ioc = QIO_CHANNEL(qio_channel_file_new_fd(w->fd));
    GError *err = NULL;

    /* Small writes so the reader sees many short reads. */
    for (size_t off = 0; off < w->len; off += 1000) {
        g_assert_cmpint(qio_channel_write_all(ioc, w->buf + off,
                                              MIN(1000, w->len - off), &err),
                        ==, 0);
    }
    qio_channel_unref(ioc);
    return NULL;
}

/* A non-blocking pipe: short reads and EAGAIN, waited for with poll(). */
static void test_file_pipe_nonblocking(void)
{
    const size_t len = 2 * 1024 * 1024;
    g_autofree uint8_t *src = g_malloc(len);
    g_autofree uint8_t *dst = g_malloc(len);
    PipeWriter w;
    QIOChannel *ioc;
    IOTestStream data;
    GThread *thread;
    GError *err = NULL;
    int fds[2];

    io_test_stream_init(&data, 3);
    io_test_stream_fill(&data, src, len);
    g_assert_cmpint(pipe2(fds, O_CLOEXEC | O_NONBLOCK), ==, 0);
    ioc = QIO_CHANNEL(qio_channel_file_new_fd(fds[0]));
    g_assert_false(ioc->blocking);
    /* Nothing written yet: would block, and wait times out. */
    g_assert_cmpint(qio_channel_read(ioc, dst, 1, &err), ==,
                    QIO_CHANNEL_ERR_BLOCK);
    g_assert_cmpint(qio_channel_wait(ioc, G_IO_IN, 1), ==, 0);

    w = (PipeWriter){ .fd = fds[1], .buf = src, .len = len };
    thread = g_thread_new("pipe-writer", pipe_writer, &w);
    g_assert_cmpint(qio_channel_read_all_eof(ioc, dst, len, &err), ==, 1);
    g_assert_no_error(err);
    g_assert_cmpmem(src, len, dst, len);
    g_thread_join(thread);
    /* The writer closed its end: clean EOF. */
    g_assert_cmpint(qio_channel_read_all_eof(ioc, dst, 1, &err), ==, 0);
    qio_channel_unref(ioc);
}

static void test_null(void)
{
    QIOChannelNull *nioc = qio_channel_null_new();
    QIOChannel *ioc = QIO_CHANNEL(nioc);
    g_autofree char *buf = g_malloc0(100000);
    GError *err = NULL;

    g_assert_cmpint(qio_channel_write_all(ioc, buf, 100000, &err), ==, 0);
    g_assert_cmpint(qio_channel_write_all(ioc, buf, 5, &err), ==, 0);
    g_assert_cmpuint(qio_channel_null_get_bytes(nioc), ==, 100005);
    g_assert_cmpint(qio_channel_read_all_eof(ioc, buf, 10, &err), ==, 0);
    g_assert_cmpint(qio_channel_close(ioc, &err), ==, 0);
    g_assert_cmpint(qio_channel_write(ioc, buf, 1, &err), ==, -1);
    g_assert_cmpstr(err->message, ==, "Null channel is closed");
    g_clear_error(&err);
    qio_channel_unref(ioc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io/channel/buffer/roundtrip", test_buffer_roundtrip);
    g_test_add_func("/io/channel/buffer/short-io", test_buffer_short_io);
    g_test_add_func("/io/channel/buffer/would-block",
                    test_buffer_would_block);
    g_test_add_func("/io/channel/read-all-eof", test_read_all_eof);
    g_test_add_func("/io/channel/refcount-close", test_refcount_and_close);
    g_test_add_func("/io/channel/feature-refusal", test_feature_refusal);
    g_test_add_func("/io/channel/file/path", test_file_path);
    g_test_add_func("/io/channel/file/pipe-nonblocking",
                    test_file_pipe_nonblocking);
    g_test_add_func("/io/channel/null", test_null);
    return g_test_run();
}

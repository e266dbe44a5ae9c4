/*
 * Shared helpers for the io unit tests: a fast deterministic byte stream,
 * loopback socket pairs and a verifying reader thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_UNIT_IO_TEST_HELPERS_H
#define TESTS_UNIT_IO_TEST_HELPERS_H

#include <glib.h>
#include <stdint.h>

#include "io/channel-socket.h"

/*
 * xorshift64* generator.  io_test_stream_fill() hands out its output as
 * one continuous byte stream, so a sender and a reader seeded alike agree
 * on every byte whatever chunk sizes each of them uses.
 */
typedef struct IOTestStream {
    uint64_t state;
    uint64_t word;      /* current output word */
    unsigned int left;  /* unread bytes of @word */
} IOTestStream;

void io_test_stream_init(IOTestStream *s, uint64_t seed);
uint64_t io_test_stream_next(IOTestStream *s);
void io_test_stream_fill(IOTestStream *s, uint8_t *buf, size_t len);
/* A number in [0, n) for choosing shapes. */
size_t io_test_stream_below(IOTestStream *s, size_t n);

/*
 * A connected TCP pair over @host ("127.0.0.1" or "::1"), both blocking.
 * Returns FALSE with *why set (for g_test_skip) when the family is not
 * available; other failures abort the test.
 */
gboolean io_test_tcp_pair(const char *host, QIOChannelSocket **client,
                          QIOChannelSocket **server, char **why);

/*
 * A reader thread that reads @total bytes from @ioc in varied chunk sizes,
 * compares them with the stream seeded by @seed, then (if @expect_eof)
 * checks for a clean EOF.  The reader takes a reference on @ioc.
 */
typedef struct IOTestReader IOTestReader;

IOTestReader *io_test_reader_start(QIOChannel *ioc, uint64_t seed,
                                   uint64_t total, gboolean expect_eof);
/*
 * Wait up to @timeout_s seconds for the reader.  Fails the test if it did
 * not finish (a hang), otherwise returns NULL when every byte matched or
 * an error description (g_free it).
 */
char *io_test_reader_finish(IOTestReader *r, int timeout_s);

/*
 * Run @func(@data) in a thread and wait up to @timeout_s seconds for it:
 * fails the test on a hang (the thread is then leaked), else returns the
 * function's result.
 */
gpointer io_test_run_with_deadline(GThreadFunc func, gpointer data,
                                   int timeout_s);

#endif /* TESTS_UNIT_IO_TEST_HELPERS_H */

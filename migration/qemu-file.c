/*
 * QEMUFile: a buffered, big-endian byte stream over a QIOChannel.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "migration/qemu-file.h"

struct QEMUFile {
    QIOChannel *ioc;
    bool is_output;
    GError *err;
    bool eof;

    /* Output: buf[0..buf_index) is pending; iov describes all pending data. */
    /* Input: buf[buf_index..buf_size) is unread. */
    uint8_t buf[QEMU_FILE_BUF_SIZE];
    size_t buf_index;
    size_t buf_size;
    struct iovec iov[QEMU_FILE_MAX_IOV];
    unsigned int iovcnt;
    size_t pending;         /* output bytes described by iov */

    uint64_t moved;         /* bytes through the channel */
    _Atomic uint64_t *count_a;
    _Atomic uint64_t *count_b;
};

static QEMUFile *qemu_file_new(QIOChannel *ioc, bool is_output)
{
    QEMUFile *f = g_new0(QEMUFile, 1);

    f->ioc = qio_channel_ref(ioc);
    f->is_output = is_output;
    return f;
}

QEMUFile *qemu_file_new_output(QIOChannel *ioc)
{
    return qemu_file_new(ioc, true);
}

QEMUFile *qemu_file_new_input(QIOChannel *ioc)
{
    return qemu_file_new(ioc, false);
}

void qemu_file_free(QEMUFile *f)
{
    if (!f) {
        return;
    }
    g_clear_error(&f->err);
    qio_channel_unref(f->ioc);
    g_free(f);
}

QIOChannel *qemu_file_get_channel(QEMUFile *f)
{
    return f->ioc;
}

void qemu_file_set_counters(QEMUFile *f, _Atomic uint64_t *a,
                            _Atomic uint64_t *b)
{
    f->count_a = a;
    f->count_b = b;
}

static void qemu_file_account(QEMUFile *f, size_t n)
{
    f->moved += n;
    if (f->count_a) {
        atomic_fetch_add_explicit(f->count_a, n, memory_order_relaxed);
    }
    if (f->count_b) {
        atomic_fetch_add_explicit(f->count_b, n, memory_order_relaxed);
    }
}

uint64_t qemu_file_transferred(QEMUFile *f)
{
    return f->moved + (f->is_output ? f->pending : 0);
}

int qemu_file_get_error(QEMUFile *f, GError **errp)
{
    if (!f->err) {
        return 0;
    }
    if (errp) {
        g_propagate_error(errp, g_error_copy(f->err));
    }
    return -1;
}

bool qemu_file_has_error(QEMUFile *f)
{
    return f->err != NULL;
}

bool qemu_file_at_eof(QEMUFile *f)
{
    return f->eof;
}

void qemu_file_set_error(QEMUFile *f, GError *err)
{
    if (f->err) {
        g_error_free(err);
        return;
    }
    f->err = err;
}

/* ------------------------------------------------------------------ */
/* Output */

int qemu_fflush(QEMUFile *f)
{
    GError *err = NULL;

    if (f->err) {
        return -1;
    }
    if (f->iovcnt) {
        if (qio_channel_writev_all(f->ioc, f->iov, f->iovcnt, &err) < 0) {
            qemu_file_set_error(f, err);
        } else {
            qemu_file_account(f, f->pending);
        }
    }
    f->iovcnt = 0;
    f->buf_index = 0;
    f->pending = 0;
    return f->err ? -1 : 0;
}

static void qemu_file_add_iov(QEMUFile *f, const uint8_t *p, size_t len)
{
    if (f->iovcnt) {
        struct iovec *last = &f->iov[f->iovcnt - 1];

        if ((const uint8_t *)last->iov_base + last->iov_len == p) {
            last->iov_len += len;
            f->pending += len;
            return;
        }
    }
    f->iov[f->iovcnt].iov_base = (void *)p;
    f->iov[f->iovcnt].iov_len = len;
    f->iovcnt++;
    f->pending += len;
}

/* Make room for @len bytes in buf and one iovec. */
static bool qemu_file_reserve(QEMUFile *f, size_t len)
{
    if (f->err) {
        return false;
    }
    if (f->buf_index + len > QEMU_FILE_BUF_SIZE ||
        f->iovcnt >= QEMU_FILE_MAX_IOV) {
        return qemu_fflush(f) == 0;
    }
    return true;
}

static void qemu_put_small(QEMUFile *f, const void *p, size_t len)
{
    if (!qemu_file_reserve(f, len)) {
        return;
    }
    memcpy(f->buf + f->buf_index, p, len);
    qemu_file_add_iov(f, f->buf + f->buf_index, len);
    f->buf_index += len;
}

void qemu_put_byte(QEMUFile *f, uint8_t v)
{
    qemu_put_small(f, &v, 1);
}

void qemu_put_be16(QEMUFile *f, uint16_t v)
{
    v = GUINT16_TO_BE(v);
    qemu_put_small(f, &v, 2);
}

void qemu_put_be32(QEMUFile *f, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    qemu_put_small(f, &v, 4);
}

void qemu_put_be64(QEMUFile *f, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    qemu_put_small(f, &v, 8);
}

void qemu_put_buffer(QEMUFile *f, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len && !f->err) {
        size_t room = QEMU_FILE_BUF_SIZE - f->buf_index;
        size_t n = MIN(room, len);

        if (!n || f->iovcnt >= QEMU_FILE_MAX_IOV) {
            qemu_fflush(f);
            continue;
        }
        memcpy(f->buf + f->buf_index, p, n);
        qemu_file_add_iov(f, f->buf + f->buf_index, n);
        f->buf_index += n;
        p += n;
        len -= n;
    }
}

void qemu_put_buffer_nocopy(QEMUFile *f, const void *buf, size_t len)
{
    if (!len || !qemu_file_reserve(f, 0)) {
        return;
    }
    qemu_file_add_iov(f, buf, len);
}

void qemu_put_counted_string(QEMUFile *f, const char *s)
{
    size_t len = strlen(s);

    g_assert(len <= 255);
    qemu_put_byte(f, len);
    qemu_put_buffer(f, s, len);
}

/* ------------------------------------------------------------------ */
/* Input */

static void qemu_file_set_eof(QEMUFile *f)
{
    if (!f->err) {
        f->eof = true;
        f->err = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                                     QEMU_FILE_EOF_MSG);
    }
}

/*
 * One read into the free tail of buf.  Returns bytes added, 0 at end of
 * stream, -1 on channel error (sticky error set).
 */
static ssize_t qemu_file_fill(QEMUFile *f)
{
    GError *err = NULL;
    ssize_t n;

    if (f->buf_index > 0) {
        memmove(f->buf, f->buf + f->buf_index, f->buf_size - f->buf_index);
        f->buf_size -= f->buf_index;
        f->buf_index = 0;
    }
    for (;;) {
        n = qio_channel_read(f->ioc, f->buf + f->buf_size,
                             QEMU_FILE_BUF_SIZE - f->buf_size, &err);
        if (n == QIO_CHANNEL_ERR_BLOCK) {
            qio_channel_wait(f->ioc, G_IO_IN, -1);
            continue;
        }
        break;
    }
    if (n < 0) {
        qemu_file_set_error(f, err);
        return -1;
    }
    f->buf_size += n;
    qemu_file_account(f, n);
    return n;
}

/* Ensure @len (<= BUF_SIZE) unread bytes; false at end/error. */
static bool qemu_file_need(QEMUFile *f, size_t len, bool sticky_eof)
{
    if (f->err) {
        return false;
    }
    while (f->buf_size - f->buf_index < len) {
        ssize_t n;

        if (f->err) {
            return false;
        }
        n = qemu_file_fill(f);
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            if (sticky_eof) {
                qemu_file_set_eof(f);
            }
            return false;
        }
    }
    return true;
}

size_t qemu_get_buffer(QEMUFile *f, void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t done = 0;
    size_t avail;

    if (f->err) {
        return 0;
    }
    avail = MIN(len, f->buf_size - f->buf_index);
    memcpy(p, f->buf + f->buf_index, avail);
    f->buf_index += avail;
    done = avail;

    if (len - done >= QEMU_FILE_BUF_SIZE / 2) {
        /* Large: read straight into the destination (guest RAM). */
        GError *err = NULL;
        int r = qio_channel_read_all_eof(f->ioc, p + done, len - done, &err);

        if (r == 1) {
            qemu_file_account(f, len - done);
            return len;
        }
        if (r == 0) {
            qemu_file_set_eof(f);
        } else {
            qemu_file_set_error(f, err);
        }
        return done;
    }
    while (done < len) {
        size_t n;

        if (!qemu_file_need(f, 1, true)) {
            return done;
        }
        n = MIN(len - done, f->buf_size - f->buf_index);
        memcpy(p + done, f->buf + f->buf_index, n);
        f->buf_index += n;
        done += n;
    }
    return done;
}

uint8_t qemu_get_byte(QEMUFile *f)
{
    if (!qemu_file_need(f, 1, true)) {
        return 0;
    }
    return f->buf[f->buf_index++];
}

uint16_t qemu_get_be16(QEMUFile *f)
{
    uint16_t v = 0;

    qemu_get_buffer(f, &v, 2);
    return f->err ? 0 : GUINT16_FROM_BE(v);
}

uint32_t qemu_get_be32(QEMUFile *f)
{
    uint32_t v = 0;

    qemu_get_buffer(f, &v, 4);
    return f->err ? 0 : GUINT32_FROM_BE(v);
}

uint64_t qemu_get_be64(QEMUFile *f)
{
    uint64_t v = 0;

    qemu_get_buffer(f, &v, 8);
    return f->err ? 0 : GUINT64_FROM_BE(v);
}

const uint8_t *qemu_peek_buffer(QEMUFile *f, size_t offset, size_t len)
{
    if (f->err || offset + len > QEMU_FILE_BUF_SIZE) {
        return NULL;
    }
    if (!qemu_file_need(f, offset + len, false)) {
        return NULL;
    }
    return f->buf + f->buf_index + offset;
}

int qemu_peek_byte(QEMUFile *f, size_t offset)
{
    const uint8_t *p = qemu_peek_buffer(f, offset, 1);

    return p ? *p : -1;
}

void qemu_file_skip(QEMUFile *f, size_t len)
{
    uint8_t scratch[4096];

    while (len && !f->err) {
        size_t n = MIN(len, sizeof(scratch));

        if (qemu_get_buffer(f, scratch, n) != n) {
            return;
        }
        len -= n;
    }
}

bool qemu_get_counted_string(QEMUFile *f, char buf[256])
{
    size_t len = qemu_get_byte(f);

    if (qemu_get_buffer(f, buf, len) != len) {
        buf[0] = 0;
        return false;
    }
    buf[len] = 0;
    return !f->err;
}

/*
 * Helpers shared by the migration engine unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/channel-buffer.h"
#include "io/channel-socket.h"
#include "migration-test-util.h"

typedef struct MTBlock {
    RAMBlock rb;
    uint8_t *base;
} MTBlock;

static void mt_block_free(gpointer p)
{
    MTBlock *b = p;

    g_free(b->rb.idstr);
    g_free(b->base);
    g_free(b);
}

MachineState *mt_machine_new(uint64_t pages)
{
    MachineState *ms = g_new0(MachineState, 1);
    MTBlock *b = g_new0(MTBlock, 1);
    uint64_t size = pages * TARGET_PAGE_SIZE;

    g_mutex_init(&ms->lock);
    ms->runstate = RUN_STATE_RUNNING;
    ms->machine_type = g_strdup("none");
    ms->ram_size = size;
    ms->ram_blocks = g_ptr_array_new_with_free_func(mt_block_free);

    b->base = g_malloc(size + 2 * MT_GUARD);
    memset(b->base, MT_GUARD_BYTE, MT_GUARD);
    memset(b->base + MT_GUARD, 0, size);
    memset(b->base + MT_GUARD + size, MT_GUARD_BYTE, MT_GUARD);
    b->rb.idstr = g_strdup("mem0");
    b->rb.host = b->base + MT_GUARD;
    b->rb.used_length = size;
    b->rb.page_size = TARGET_PAGE_SIZE;
    b->rb.backend = RAM_BACKEND_RAM;
    b->rb.fd = -1;
    g_ptr_array_add(ms->ram_blocks, b);
    return ms;
}

void mt_machine_free(MachineState *ms)
{
    g_ptr_array_unref(ms->ram_blocks);
    g_free(ms->machine_type);
    g_mutex_clear(&ms->lock);
    g_free(ms);
}

RAMBlock *mt_ram(MachineState *ms)
{
    return g_ptr_array_index(ms->ram_blocks, 0);
}

bool mt_guards_intact(MachineState *ms)
{
    MTBlock *b = g_ptr_array_index(ms->ram_blocks, 0);
    uint64_t size = b->rb.used_length;

    for (size_t i = 0; i < MT_GUARD; i++) {
        if (b->base[i] != MT_GUARD_BYTE ||
            b->base[MT_GUARD + size + i] != MT_GUARD_BYTE) {
            return false;
        }
    }
    return true;
}

RAMBlock *mt_mapped_block_new(MTRamKind kind, uint64_t size,
                              const char *tag)
{
    RAMBlock *rb = g_new0(RAMBlock, 1);
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;

    rb->idstr = g_strdup("mem0");
    rb->used_length = size;
    rb->page_size = TARGET_PAGE_SIZE;
    rb->fd = -1;
    if (kind == MT_RAM_MEMFD) {
        rb->backend = RAM_BACKEND_MEMFD;
        rb->fd = memfd_create(tag, MFD_CLOEXEC);
    } else if (kind == MT_RAM_FILE) {
        /* A regular file on the temp dir's file system. */
        g_autofree char *templ = g_strdup_printf("%s-XXXXXX", tag);
        g_autofree char *path = g_build_filename(g_get_tmp_dir(), templ,
                                                 NULL);

        rb->backend = RAM_BACKEND_FILE;
        rb->fd = g_mkstemp(path);
        unlink(path);
    }
    if (rb->fd >= 0) {
        g_assert_cmpint(ftruncate(rb->fd, size), ==, 0);
        flags = MAP_SHARED;
        rb->shared = true;
    } else {
        g_assert_true(kind == MT_RAM_ANON);
    }
    rb->host = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, rb->fd, 0);
    g_assert_true(rb->host != MAP_FAILED);
    return rb;
}

void mt_mapped_block_free(RAMBlock *rb)
{
    munmap(rb->host, rb->used_length);
    if (rb->fd >= 0) {
        close(rb->fd);
    }
    g_free(rb->idstr);
    g_free(rb);
}

bool mt_fill_page(uint8_t *page, uint64_t i, uint32_t seed)
{
    uint32_t x = (uint32_t)i * 2654435761u ^ seed;

    if (i % 5 == 1 || i % 7 == 3) {
        memset(page, 0, TARGET_PAGE_SIZE);
        return false;
    }
    for (size_t k = 0; k < TARGET_PAGE_SIZE; k += 4) {
        x = x * 1103515245u + 12345u;
        memcpy(page + k, &x, 4);
    }
    page[0] |= 1; /* never all zero */
    return true;
}

uint64_t mt_fill_pattern(MachineState *ms, uint32_t seed)
{
    RAMBlock *rb = mt_ram(ms);
    uint64_t n = 0;

    for (uint64_t i = 0; i < rb->used_length / TARGET_PAGE_SIZE; i++) {
        n += mt_fill_page(rb->host + i * TARGET_PAGE_SIZE, i, seed);
    }
    return n;
}

static void mt_set_status(void *opaque, MigrationStatus st)
{
    MTHooks *h = opaque;

    if (h->nstatuses < G_N_ELEMENTS(h->statuses)) {
        h->statuses[h->nstatuses++] = st;
    }
}

static void mt_pass(void *opaque, uint64_t pass)
{
    MTHooks *h = opaque;

    if (h->npasses < G_N_ELEMENTS(h->passes)) {
        h->passes[h->npasses++] = pass;
    }
}

static bool mt_wait_continue(void *opaque)
{
    MTHooks *h = opaque;

    h->waits++;
    return h->continue_answer;
}

static void mt_stop_vm(void *opaque)
{
    MTHooks *h = opaque;

    h->stops++;
    if (h->ms) {
        g_mutex_lock(&h->ms->lock);
        h->ms->runstate = RUN_STATE_FINISH_MIGRATE;
        g_mutex_unlock(&h->ms->lock);
    }
}

static bool mt_cancelled(void *opaque)
{
    MTHooks *h = opaque;

    return h->cancel;
}

const MigrationSourceHooks mt_source_hooks = {
    .set_status = mt_set_status,
    .pass = mt_pass,
    .wait_continue = mt_wait_continue,
    .stop_vm = mt_stop_vm,
    .cancelled = mt_cancelled,
};

const MigrationIncomingHooks mt_incoming_hooks = {
    .set_status = mt_set_status,
    .cancelled = mt_cancelled,
};

bool mt_channel_pair(bool tcp, QIOChannel **a, QIOChannel **b, GError **errp)
{
    int fds[2] = { -1, -1 };
    QIOChannelSocket *sa, *sb;

    if (!tcp) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "socketpair: %s", g_strerror(errno));
            return false;
        }
    } else {
        struct sockaddr_in sin = { .sin_family = AF_INET };
        socklen_t len = sizeof(sin);
        int l = socket(AF_INET, SOCK_STREAM, 0);

        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
            listen(l, 1) < 0 ||
            getsockname(l, (struct sockaddr *)&sin, &len) < 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "loopback listen: %s", g_strerror(errno));
            if (l >= 0) {
                close(l);
            }
            return false;
        }
        fds[0] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[0] < 0 ||
            connect(fds[0], (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
            (fds[1] = accept(l, NULL, NULL)) < 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "loopback connect: %s", g_strerror(errno));
            close(l);
            if (fds[0] >= 0) {
                close(fds[0]);
            }
            return false;
        }
        close(l);
    }
    sa = qio_channel_socket_new_fd(fds[0], errp);
    if (!sa) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    sb = qio_channel_socket_new_fd(fds[1], errp);
    if (!sb) {
        qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(sa));
        close(fds[1]);
        return false;
    }
    *a = QIO_CHANNEL_SOCKET_BASE(sa);
    *b = QIO_CHANNEL_SOCKET_BASE(sb);
    return true;
}

GBytes *mt_source_to_bytes(MachineState *ms, MigrationSourceParams *p,
                           MigrationCounters *c, MTHooks *h)
{
    MigrationSourceParams def = { 0 };
    QIOChannelBuffer *bioc = qio_channel_buffer_new(1 << 16);
    g_autoptr(GError) err = NULL;
    GBytes *out;

    if (!p) {
        p = &def;
    }
    p->ms = ms;
    p->main = (QIOChannel *)bioc;
    p->counters = c;
    p->hooks = &mt_source_hooks;
    p->opaque = h;
    if (!p->downtime_limit_ms) {
        p->downtime_limit_ms = 300;
    }
    h->ms = ms;
    g_assert_cmpint(migration_source_run(p, &err), ==, 0);
    g_assert_no_error(err);
    out = g_bytes_new(qio_channel_buffer_get_data(bioc),
                      qio_channel_buffer_get_len(bioc));
    qio_channel_unref((QIOChannel *)bioc);
    return out;
}

int mt_load_bytes(MachineState *ms, const void *data, size_t len,
                  MigrationCounters *c, MigrationIncomingParams *out,
                  GError **errp)
{
    MigrationIncomingParams p = { 0 };
    QIOChannelBuffer *bioc = qio_channel_buffer_new_data(data, len);
    MTHooks h = { 0 };
    int r;

    p.ms = ms;
    p.main = (QIOChannel *)bioc;
    p.counters = c;
    p.hooks = &mt_incoming_hooks;
    p.opaque = &h;
    r = migration_incoming_run(&p, errp);
    qio_channel_unref((QIOChannel *)bioc);
    if (out) {
        *out = p;
    } else {
        g_free(p.warning);
    }
    return r;
}

void mt_put8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

void mt_put16(GByteArray *b, uint16_t v)
{
    v = GUINT16_TO_BE(v);
    g_byte_array_append(b, (const guint8 *)&v, 2);
}

void mt_put32(GByteArray *b, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    g_byte_array_append(b, (const guint8 *)&v, 4);
}

void mt_put64(GByteArray *b, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    g_byte_array_append(b, (const guint8 *)&v, 8);
}

void mt_putstr(GByteArray *b, const char *s)
{
    mt_put8(b, strlen(s));
    g_byte_array_append(b, (const guint8 *)s, strlen(s));
}

void mt_putbuf(GByteArray *b, const void *p, size_t len)
{
    g_byte_array_append(b, p, len);
}

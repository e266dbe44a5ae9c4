/*
 * Migration engine, single stream: round trips, exact bytes, options.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "io/channel-buffer.h"
#include "migration-test-util.h"
#include "migration/ram.h"
#include "migration/savevm.h"

/* 77 pages: not a power of two, some zero pages. */
#define RT_PAGES 77

static void assert_same_ram(MachineState *a, MachineState *b)
{
    g_assert_cmpuint(mt_ram(a)->used_length, ==, mt_ram(b)->used_length);
    g_assert_true(memcmp(mt_ram(a)->host, mt_ram(b)->host,
                         mt_ram(a)->used_length) == 0);
    g_assert_true(mt_guards_intact(b));
}

static void test_roundtrip(void)
{
    MachineState *src = mt_machine_new(RT_PAGES);
    MachineState *dst = mt_machine_new(RT_PAGES);
    MigrationCounters sc = { 0 }, dc = { 0 };
    MigrationIncomingParams out;
    MTHooks h = { 0 };
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) stream = NULL;
    uint64_t nonzero = mt_fill_pattern(src, 1);
    gsize len;
    const uint8_t *data;

    memset(mt_ram(dst)->host, 0xaa, mt_ram(dst)->used_length);
    stream = mt_source_to_bytes(src, NULL, &sc, &h);
    data = g_bytes_get_data(stream, &len);

    /* Source counters are exact. */
    g_assert_cmpuint(sc.normal_pages, ==, nonzero);
    g_assert_cmpuint(sc.duplicate_pages, ==, RT_PAGES - nonzero);
    g_assert_cmpuint(sc.transferred, ==, len);
    g_assert_cmpuint(sc.remaining, ==, 0);
    /* Setup and completion, as QEMU for an idle guest. */
    g_assert_cmpuint(sc.dirty_sync_count, ==, 2);
    g_assert_cmpuint(sc.multifd_bytes, ==, 0);
    g_assert_cmpuint(sc.precopy_bytes + sc.downtime_bytes, ==, len);
    g_assert_cmpuint(sc.iterations, >=, 1);
    g_assert_cmpuint(h.nstatuses, ==, 2);
    g_assert_cmpint(h.statuses[0], ==, MIGRATION_STATUS_ACTIVE);
    g_assert_cmpint(h.statuses[1], ==, MIGRATION_STATUS_DEVICE);
    g_assert_cmpuint(h.npasses, ==, 2);
    g_assert_cmpuint(h.passes[0], ==, 1);
    g_assert_cmpuint(h.passes[1], ==, 2);
    g_assert_cmpuint(h.stops, ==, 1);
    g_assert_cmpuint(h.waits, ==, 0);

    g_assert_cmpint(mt_load_bytes(dst, data, len, &dc, &out, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_null(out.warning);
    assert_same_ram(src, dst);
    g_assert_cmpuint(dc.normal_pages, ==, nonzero);
    g_assert_cmpuint(dc.duplicate_pages, ==, RT_PAGES - nonzero);
    g_assert_cmpuint(dc.transferred, ==, len);
    g_assert_true(out.has_global_state);
    g_assert_cmpint(out.global_state, ==, RUN_STATE_RUNNING);

    mt_machine_free(src);
    mt_machine_free(dst);
}

static void test_paused_globalstate(void)
{
    MachineState *src = mt_machine_new(8);
    MachineState *dst = mt_machine_new(8);
    MigrationCounters sc = { 0 }, dc = { 0 };
    MigrationIncomingParams out;
    MTHooks h = { 0 };
    g_autoptr(GBytes) stream = NULL;
    g_autoptr(GError) err = NULL;
    gsize len;
    const uint8_t *data;

    src->runstate = RUN_STATE_PAUSED;
    mt_fill_pattern(src, 2);
    stream = mt_source_to_bytes(src, NULL, &sc, &h);
    data = g_bytes_get_data(stream, &len);
    g_assert_cmpint(mt_load_bytes(dst, data, len, &dc, &out, &err), ==, 0);
    g_assert_true(out.has_global_state);
    g_assert_cmpint(out.global_state, ==, RUN_STATE_PAUSED);
    assert_same_ram(src, dst);
    mt_machine_free(src);
    mt_machine_free(dst);
}

/* Appendix A of wire-7.2.md, for a 2-page RAM (page 0 data, page 1 zero). */
static void test_exact_bytes(void)
{
    static const uint8_t head[] = {
        0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3, 0x07, 0, 0, 0, 4,
        'n', 'o', 'n', 'e',
        /* START id2 "ram" inst0 v4 */
        0x01, 0, 0, 0, 2, 3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4,
        0, 0, 0, 0, 0, 0, 0x20, 0x04,          /* total 8192 | MEM_SIZE */
        4, 'm', 'e', 'm', '0', 0, 0, 0, 0, 0, 0, 0x20, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0x10,             /* EOS */
        0x7e, 0, 0, 0, 2,
        /* PART id2, page 0 with the block name */
        0x02, 0, 0, 0, 2,
        0, 0, 0, 0, 0, 0, 0, 0x08, 4, 'm', 'e', 'm', '0',
    };
    static const uint8_t mid[] = {
        0, 0, 0, 0, 0, 0, 0x10, 0x22, 0,       /* ZERO|CONTINUE @0x1000 */
        0, 0, 0, 0, 0, 0, 0, 0x10,
        0x7e, 0, 0, 0, 2,
        0x03, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x7e, 0, 0, 0, 2,
        0x04, 0, 0, 0, 0, 5, 't', 'i', 'm', 'e', 'r', 0, 0, 0, 0, 0, 0, 0, 2,
    };
    static const uint8_t gs[] = {
        0x7e, 0, 0, 0, 0,
        0x04, 0, 0, 0, 4, 11, 'g', 'l', 'o', 'b', 'a', 'l', 's', 't', 'a',
        't', 'e', 0, 0, 0, 0, 0, 0, 0, 1,
        0, 0, 0, 8, 'r', 'u', 'n', 'n', 'i', 'n', 'g',
    };
    MachineState *src = mt_machine_new(2);
    MigrationCounters sc = { 0 };
    MTHooks h = { 0 };
    g_autoptr(GBytes) stream = NULL;
    g_autofree char *json = savevm_vmdesc_json();
    const uint8_t *d;
    gsize len, pos = 0;
    uint32_t jlen;

    mt_fill_page(mt_ram(src)->host, 0, 3);
    stream = mt_source_to_bytes(src, NULL, &sc, &h);
    d = g_bytes_get_data(stream, &len);

    g_assert_cmpuint(len, >, sizeof(head) + 4096 + sizeof(mid) + 24 +
                     sizeof(gs) + 100);
    g_assert_cmpmem(d, sizeof(head), head, sizeof(head));
    pos = sizeof(head);
    g_assert_cmpmem(d + pos, 4096, mt_ram(src)->host, 4096);
    pos += 4096;
    g_assert_cmpmem(d + pos, sizeof(mid), mid, sizeof(mid));
    pos += sizeof(mid);
    /* Timer body: ticks, 8 unused zero bytes, clock. */
    for (int i = 8; i < 16; i++) {
        g_assert_cmpuint(d[pos + i], ==, 0);
    }
    pos += 24;
    g_assert_cmpmem(d + pos, sizeof(gs), gs, sizeof(gs));
    pos += sizeof(gs);
    for (int i = 0; i < 100 - 7; i++) {
        g_assert_cmpuint(d[pos + i], ==, 0);
    }
    pos += 100 - 7;
    g_assert_cmpmem(d + pos, 5, ((uint8_t[]){ 0x7e, 0, 0, 0, 4 }), 5);
    pos += 5;
    g_assert_cmpuint(d[pos++], ==, 0x00);  /* EOF */
    g_assert_cmpuint(d[pos++], ==, 0x06);  /* VMDESCRIPTION */
    jlen = (uint32_t)d[pos] << 24 | d[pos + 1] << 16 | d[pos + 2] << 8 |
           d[pos + 3];
    pos += 4;
    g_assert_cmpuint(jlen, ==, strlen(json));
    g_assert_cmpuint(pos + jlen, ==, len);
    g_assert_cmpmem(d + pos, jlen, json, jlen);
    g_assert_true(g_str_has_prefix(json, "{\"page_size\":4096,\"devices\":"));
    g_assert_cmpuint(sc.normal_pages, ==, 1);
    g_assert_cmpuint(sc.duplicate_pages, ==, 1);
    mt_machine_free(src);
}

/* Walk the RAM records of a stream produced by our source. */
typedef struct RecordWalk {
    unsigned int parts;
    unsigned int named;          /* records carrying the block name */
    unsigned int pages, zeros;
    bool first_named;            /* the first page record named the block */
    bool sizes_ok;
} RecordWalk;

static gsize walk_body(const uint8_t *d, gsize pos, RecordWalk *w)
{
    for (;;) {
        uint64_t hdr;
        unsigned int flags;
        gsize start = pos;
        bool named;

        memcpy(&hdr, d + pos, 8);
        hdr = GUINT64_FROM_BE(hdr);
        flags = hdr & 0xfff;
        pos += 8;
        if (flags == RAM_SAVE_FLAG_EOS) {
            return pos;
        }
        if (flags == RAM_SAVE_FLAG_MEM_SIZE) {
            pos += 1 + d[pos] + 8;
            continue;
        }
        named = !(flags & RAM_SAVE_FLAG_CONTINUE);
        if (named) {
            if (w->pages + w->zeros == 0) {
                w->first_named = true;
            }
            w->named++;
            pos += 1 + d[pos];
        }
        if (flags & RAM_SAVE_FLAG_PAGE) {
            pos += 4096;
            w->pages++;
            w->sizes_ok &= pos - start == (named ? 4109 : 4104);
        } else {
            g_assert_true(flags & RAM_SAVE_FLAG_ZERO);
            pos += 1;
            w->zeros++;
            w->sizes_ok &= pos - start == (named ? 14 : 9);
        }
    }
}

static void walk_stream(const uint8_t *d, gsize len, RecordWalk *w)
{
    gsize pos = 17;

    w->sizes_ok = true;
    for (;;) {
        uint8_t type = d[pos];

        if (type == QEMU_VM_SECTION_START) {
            pos += 1 + 4 + 1 + d[pos + 5] + 8;
            pos = walk_body(d, pos, w);
            pos += 5;
        } else if (type == QEMU_VM_SECTION_PART ||
                   type == QEMU_VM_SECTION_END) {
            w->parts += type == QEMU_VM_SECTION_PART;
            pos = walk_body(d, pos + 5, w);
            pos += 5;
        } else {
            break;
        }
        g_assert_cmpuint(pos, <, len);
    }
}

/* A rate limit forces several PARTs; CONTINUE state spans them. */
static void test_continue_across_parts(void)
{
    MachineState *src = mt_machine_new(200);
    MachineState *dst = mt_machine_new(200);
    MigrationSourceParams p = { 0 };
    MigrationCounters sc = { 0 }, dc = { 0 };
    MTHooks h = { 0 };
    RecordWalk w = { 0 };
    g_autoptr(GBytes) stream = NULL;
    g_autoptr(GError) err = NULL;
    uint64_t nonzero = mt_fill_pattern(src, 4);
    const uint8_t *d;
    gsize len;

    /* 64 pages per 100 ms window; a tiny downtime keeps iterating. */
    p.max_bandwidth = 64 * 4096 * 10;
    p.downtime_limit_ms = 1;
    stream = mt_source_to_bytes(src, &p, &sc, &h);
    d = g_bytes_get_data(stream, &len);
    walk_stream(d, len, &w);
    g_assert_cmpuint(w.parts, >=, 2);
    g_assert_cmpuint(w.parts, ==, sc.iterations);
    g_assert_cmpuint(w.named, ==, 1);
    g_assert_true(w.first_named);
    g_assert_true(w.sizes_ok);
    g_assert_cmpuint(w.pages, ==, nonzero);
    g_assert_cmpuint(w.zeros, ==, 200 - nonzero);
    g_assert_cmpint(mt_load_bytes(dst, d, len, &dc, NULL, &err), ==, 0);
    g_assert_no_error(err);
    assert_same_ram(src, dst);
    mt_machine_free(src);
    mt_machine_free(dst);
}

static void test_uuid(void)
{
    static const uint8_t uuid[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                      0x77, 0x88, 0x99, 0x00, 0xaa, 0xbb,
                                      0xcc, 0xdd, 0xee, 0xff };
    static const uint8_t sub[] = {
        0x05, 18, 'c', 'o', 'n', 'f', 'i', 'g', 'u', 'r', 'a', 't', 'i', 'o',
        'n', '/', 'u', 'u', 'i', 'd', 0, 0, 0, 1,
    };
    MachineState *src = mt_machine_new(4);
    MachineState *dst = mt_machine_new(4);
    MigrationSourceParams p = { 0 };
    MigrationCounters sc = { 0 }, dc = { 0 };
    MigrationIncomingParams out;
    MTHooks h = { 0 };
    g_autoptr(GBytes) plain = NULL;
    g_autoptr(GBytes) stream = NULL;
    GError *err = NULL;
    const uint8_t *d;
    gsize len;

    src->has_uuid = true;
    memcpy(src->uuid, uuid, 16);
    /* Without validate-uuid: no subsection. */
    plain = mt_source_to_bytes(src, NULL, &sc, &h);
    d = g_bytes_get_data(plain, &len);
    g_assert_cmpuint(d[17], ==, QEMU_VM_SECTION_START);

    memset(&sc, 0, sizeof(sc));
    memset(&h, 0, sizeof(h));
    p.validate_uuid = true;
    stream = mt_source_to_bytes(src, &p, &sc, &h);
    d = g_bytes_get_data(stream, &len);
    g_assert_cmpmem(d + 17, sizeof(sub), sub, sizeof(sub));
    g_assert_cmpmem(d + 17 + sizeof(sub), 16, uuid, 16);

    /* Destination without -uuid: warning only. */
    g_assert_cmpint(mt_load_bytes(dst, d, len, &dc, &out, &err), ==, 0);
    g_assert_cmpstr(out.warning, ==, "UUID is received 11223344-5566-7788-"
                    "9900-aabbccddeeff, but local uuid isn't set");
    g_free(out.warning);
    /* Same uuid: fine; another one: refused. */
    dst->has_uuid = true;
    memcpy(dst->uuid, uuid, 16);
    g_assert_cmpint(mt_load_bytes(dst, d, len, &dc, NULL, &err), ==, 0);
    dst->uuid[15] = 0;
    g_assert_cmpint(mt_load_bytes(dst, d, len, &dc, NULL, &err), ==, -1);
    g_assert_cmpstr(err->message, ==, "UUID received is 11223344-5566-7788-"
                    "9900-aabbccddeeff and local is 11223344-5566-7788-9900-"
                    "aabbccddee00");
    g_clear_error(&err);
    mt_machine_free(src);
    mt_machine_free(dst);
}

static void test_pause_before_switchover(void)
{
    MachineState *src = mt_machine_new(4);
    MigrationSourceParams p = { 0 };
    MigrationCounters sc = { 0 };
    MTHooks h = { .continue_answer = true };
    g_autoptr(GBytes) stream = NULL;
    QIOChannel *null_ioc;
    g_autoptr(GError) err = NULL;

    p.pause_before_switchover = true;
    stream = mt_source_to_bytes(src, &p, &sc, &h);
    g_assert_cmpuint(h.nstatuses, ==, 3);
    g_assert_cmpint(h.statuses[0], ==, MIGRATION_STATUS_ACTIVE);
    g_assert_cmpint(h.statuses[1], ==, MIGRATION_STATUS_PRE_SWITCHOVER);
    g_assert_cmpint(h.statuses[2], ==, MIGRATION_STATUS_DEVICE);
    g_assert_cmpuint(h.waits, ==, 1);
    g_assert_cmpuint(h.stops, ==, 1);

    /* Cancelled while paused. */
    memset(&h, 0, sizeof(h));
    memset(&sc, 0, sizeof(sc));
    null_ioc = (QIOChannel *)qio_channel_buffer_new(4096);
    p.ms = src;
    p.main = null_ioc;
    p.counters = &sc;
    p.hooks = &mt_source_hooks;
    p.opaque = &h;
    h.ms = src;
    g_assert_cmpint(migration_source_run(&p, &err), ==, -1);
    g_assert_cmpstr(err->message, ==, "Migration cancelled");
    g_assert_cmpuint(h.waits, ==, 1);
    qio_channel_unref(null_ioc);
    mt_machine_free(src);
}

static void test_cancel(void)
{
    MachineState *src = mt_machine_new(4);
    MigrationSourceParams p = { 0 };
    MigrationCounters sc = { 0 };
    MTHooks h = { .cancel = true };
    QIOChannel *ioc = (QIOChannel *)qio_channel_buffer_new(4096);
    g_autoptr(GError) err = NULL;

    p.ms = src;
    p.main = ioc;
    p.counters = &sc;
    p.hooks = &mt_source_hooks;
    p.opaque = &h;
    p.downtime_limit_ms = 300;
    g_assert_cmpint(migration_source_run(&p, &err), ==, -1);
    g_assert_cmpstr(err->message, ==, "Migration cancelled");
    g_assert_cmpuint(h.stops, ==, 0);
    qio_channel_unref(ioc);
    mt_machine_free(src);
}

typedef struct RPThread {
    MachineState *ms;
    QIOChannel *ioc;
    MigrationCounters c;
    int ret;
    GError *err;
} RPThread;

static gpointer rp_dest_thread(gpointer opaque)
{
    RPThread *t = opaque;
    MigrationIncomingParams p = { 0 };
    MTHooks h = { 0 };

    p.ms = t->ms;
    p.main = t->ioc;
    p.counters = &t->c;
    p.hooks = &mt_incoming_hooks;
    p.opaque = &h;
    t->ret = migration_incoming_run(&p, &t->err);
    g_free(p.warning);
    return NULL;
}

/*
 * Migrate @src to @dst over a socketpair with a return path, the
 * destination in a thread (its result lands in @t).  The source must
 * succeed if @source_ok, else fail with an error.
 */
static void rp_migrate(MachineState *src, MachineState *dst,
                       MigrationCounters *sc, RPThread *t, bool source_ok)
{
    QIOChannel *a, *b;
    MigrationSourceParams p = { 0 };
    MTHooks h = { 0 };
    GThread *th;
    g_autoptr(GError) err = NULL;

    g_assert_true(mt_channel_pair(false, &a, &b, &err));
    t->ms = dst;
    t->ioc = b;
    th = g_thread_new("dest", rp_dest_thread, t);
    p.ms = src;
    p.main = a;
    p.counters = sc;
    p.hooks = &mt_source_hooks;
    p.opaque = &h;
    p.return_path = true;
    p.downtime_limit_ms = 300;
    h.ms = src;
    if (source_ok) {
        g_assert_cmpint(migration_source_run(&p, &err), ==, 0);
        g_assert_no_error(err);
    } else {
        g_assert_cmpint(migration_source_run(&p, &err), ==, -1);
        g_assert_nonnull(err);
    }
    g_thread_join(th);
    qio_channel_unref(a);
    qio_channel_unref(b);
}

/* Return path over a socketpair: OPEN_RETURN_PATH, PING 1, PONG, SHUT. */
static void test_return_path(void)
{
    MachineState *src = mt_machine_new(RT_PAGES);
    MachineState *dst = mt_machine_new(RT_PAGES);
    MigrationCounters sc = { 0 };
    RPThread t = { 0 };

    mt_fill_pattern(src, 5);
    rp_migrate(src, dst, &sc, &t, true);
    g_assert_no_error(t.err);
    g_assert_cmpint(t.ret, ==, 0);
    assert_same_ram(src, dst);
    g_assert_cmpuint(t.c.normal_pages, ==, sc.normal_pages);
    mt_machine_free(src);
    mt_machine_free(dst);
}

/* The destination fails: the source hears SHUT 1 and fails too. */
static void test_return_path_failure(void)
{
    MachineState *src = mt_machine_new(8);
    MachineState *dst = mt_machine_new(4); /* size mismatch */
    MigrationCounters sc = { 0 };
    RPThread t = { 0 };

    rp_migrate(src, dst, &sc, &t, false);
    g_assert_cmpint(t.ret, ==, -1);
    g_assert_cmpstr(t.err->message, ==, "Size mismatch: mem0: 0x8000 != "
                    "0x4000: Invalid argument");
    g_clear_error(&t.err);
    mt_machine_free(src);
    mt_machine_free(dst);
}

typedef struct DirtyTracker {
    unsigned int calls;
    uint64_t redirtied;
} DirtyTracker;

/* Second sync (after the VM stopped): pages 3..9 changed meanwhile. */
static int64_t dt_sync(void *opaque, RAMBlock *rb, unsigned long *bmap,
                       uint64_t npages, GError **errp)
{
    DirtyTracker *dt = opaque;

    if (++dt->calls == 2) {
        for (uint64_t i = 3; i < 10; i++) {
            memset(rb->host + i * 4096, 0x40 + i, 4096);
            bmap[i / (8 * sizeof(long))] |= 1UL << (i % (8 * sizeof(long)));
            dt->redirtied++;
        }
    }
    return dt->calls == 2 ? 7 : 0;
}

static const RAMDirtyOps dt_ops = { .sync = dt_sync };

/* Pages dirtied after they were sent go again, in the END section. */
static void test_dirty_resend(void)
{
    MachineState *src = mt_machine_new(RT_PAGES);
    MachineState *dst = mt_machine_new(RT_PAGES);
    MigrationSourceParams p = { 0 };
    MigrationCounters sc = { 0 }, dc = { 0 };
    DirtyTracker dt = { 0 };
    MTHooks h = { 0 };
    g_autoptr(GBytes) stream = NULL;
    g_autoptr(GError) err = NULL;
    uint64_t nonzero = mt_fill_pattern(src, 6);
    const uint8_t *d;
    gsize len;

    p.dirty_ops = &dt_ops;
    p.dirty_opaque = &dt;
    stream = mt_source_to_bytes(src, &p, &sc, &h);
    d = g_bytes_get_data(stream, &len);
    g_assert_cmpuint(dt.calls, ==, 2);
    g_assert_cmpuint(sc.dirty_sync_count, ==, 2);
    g_assert_cmpuint(sc.normal_pages, ==, nonzero + dt.redirtied);
    g_assert_cmpint(mt_load_bytes(dst, d, len, &dc, NULL, &err), ==, 0);
    g_assert_no_error(err);
    assert_same_ram(src, dst);
    g_assert_cmpuint(mt_ram(dst)->host[5 * 4096], ==, 0x45);
    g_assert_cmpuint(dc.normal_pages, ==, sc.normal_pages);
    mt_machine_free(src);
    mt_machine_free(dst);
}

static void test_checksum(void)
{
    MachineState *ms = mt_machine_new(3);
    g_autofree char *zero = NULL;
    g_autofree char *after = NULL;

    g_autofree char *want = g_compute_checksum_for_data(
        G_CHECKSUM_SHA256, mt_ram(ms)->host, 3 * 4096);

    zero = ram_block_checksum(mt_ram(ms));
    g_assert_cmpstr(zero, ==, want);
    g_assert_cmpuint(strlen(zero), ==, 64);
    mt_ram(ms)->host[5000] = 1;
    after = ram_block_checksum(mt_ram(ms));
    g_assert_cmpstr(zero, !=, after);
    mt_machine_free(ms);
}

static void test_buffer_is_zero(void)
{
    g_autofree uint64_t *buf = g_new0(uint64_t, 512);

    g_assert_true(buffer_is_zero(buf, 4096));
    for (int i = 0; i < 4096; i += 37) {
        ((uint8_t *)buf)[i] = 1;
        g_assert_false(buffer_is_zero(buf, 4096));
        ((uint8_t *)buf)[i] = 0;
    }
    g_assert_true(buffer_is_zero(buf, 4096));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/stream/roundtrip", test_roundtrip);
    g_test_add_func("/migration/stream/globalstate-paused",
                    test_paused_globalstate);
    g_test_add_func("/migration/stream/exact-bytes", test_exact_bytes);
    g_test_add_func("/migration/stream/continue-across-parts",
                    test_continue_across_parts);
    g_test_add_func("/migration/stream/validate-uuid", test_uuid);
    g_test_add_func("/migration/stream/pause-before-switchover",
                    test_pause_before_switchover);
    g_test_add_func("/migration/stream/cancel", test_cancel);
    g_test_add_func("/migration/stream/return-path", test_return_path);
    g_test_add_func("/migration/stream/return-path-failure",
                    test_return_path_failure);
    g_test_add_func("/migration/stream/dirty-resend", test_dirty_resend);
    g_test_add_func("/migration/ram/checksum", test_checksum);
    g_test_add_func("/migration/ram/buffer-is-zero", test_buffer_is_zero);
    return g_test_run();
}

/*
 * Migration engine, multifd: round trips over socket pairs with 1-8
 * channels, zero copy on TCP loopback, the SYNC protocol, and the
 * destination's validation of initial and data packets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "migration-test-util.h"
#include "migration/multifd.h"
#include "migration/ram.h"

#define MF_PAGES 1003          /* not a multiple of 128 */
#define MF_MAX 8

static const uint8_t mf_uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
                                     9, 10, 11, 12, 13, 14, 15, 16 };

typedef struct MFPair {
    QIOChannel *src_main, *dst_main;
    QIOChannel *src[MF_MAX], *dst[MF_MAX];
    unsigned int n;
} MFPair;

/* Main + @n channels; the "control plane" part: init packets, id map. */
static bool mf_connect(MFPair *mp, unsigned int n, bool tcp)
{
    g_autoptr(GError) err = NULL;
    QIOChannel *accepted[MF_MAX];

    memset(mp, 0, sizeof(*mp));
    mp->n = n;
    g_assert_true(mt_channel_pair(tcp, &mp->src_main, &mp->dst_main, &err));
    for (unsigned int i = 0; i < n; i++) {
        g_assert_true(mt_channel_pair(tcp, &mp->src[i], &accepted[i], &err));
        if (tcp && !qio_channel_has_feature(mp->src[i],
                                            QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
            return false;
        }
        g_assert_cmpint(multifd_send_initial_packet(mp->src[i], mf_uuid,
                                                    i, &err), ==, 0);
    }
    /* Read them back in reverse order: the id, not the order, decides. */
    for (int i = n - 1; i >= 0; i--) {
        uint8_t id = 0xff;

        g_assert_cmpint(multifd_recv_initial_packet(accepted[i], mf_uuid, n,
                                                    &id, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpuint(id, ==, i);
        mp->dst[id] = accepted[i];
    }
    return true;
}

static void mf_close(MFPair *mp)
{
    qio_channel_unref(mp->src_main);
    qio_channel_unref(mp->dst_main);
    for (unsigned int i = 0; i < mp->n; i++) {
        qio_channel_unref(mp->src[i]);
        qio_channel_unref(mp->dst[i]);
    }
}

typedef struct MFDest {
    MachineState *ms;
    MFPair *mp;
    bool no_recv_splice;
    MigrationCounters c;
    int ret;
    GError *err;
} MFDest;

static gpointer mf_dest_thread(gpointer opaque)
{
    MFDest *d = opaque;
    MigrationIncomingParams p = { 0 };
    MTHooks h = { 0 };

    p.ms = d->ms;
    p.main = d->mp->dst_main;
    p.multifd = d->mp->dst;
    p.n_multifd = d->mp->n;
    p.counters = &d->c;
    p.no_recv_splice = d->no_recv_splice;
    p.hooks = &mt_incoming_hooks;
    p.opaque = &h;
    d->ret = migration_incoming_run(&p, &d->err);
    g_free(p.warning);
    return NULL;
}

/* Source parameters for @src over @mp (downtime limit 300 ms). */
static void mf_source_params(MigrationSourceParams *p, MachineState *src,
                             MFPair *mp, bool zerocopy,
                             MigrationCounters *sc, MTHooks *h)
{
    memset(p, 0, sizeof(*p));
    p->ms = src;
    p->main = mp->src_main;
    p->multifd = mp->src;
    p->n_multifd = mp->n;
    p->zerocopy = zerocopy;
    p->counters = sc;
    p->hooks = &mt_source_hooks;
    p->opaque = h;
    p->downtime_limit_ms = 300;
    h->ms = src;
}

/*
 * Migrate @src to @dst over @mp with the destination in a thread (@d
 * keeps its counters): both sides must succeed and the RAM must arrive
 * byte-identical.
 */
static void mf_migrate(MachineState *src, MachineState *dst, MFPair *mp,
                       bool zerocopy, MigrationCounters *sc, MFDest *d)
{
    MigrationSourceParams p;
    MTHooks h = { 0 };
    g_autoptr(GError) err = NULL;
    GThread *th;

    d->ms = dst;
    d->mp = mp;
    th = g_thread_new("dest", mf_dest_thread, d);
    mf_source_params(&p, src, mp, zerocopy, sc, &h);
    g_assert_cmpint(migration_source_run(&p, &err), ==, 0);
    g_assert_no_error(err);
    g_thread_join(th);
    g_assert_no_error(d->err);
    g_assert_cmpint(d->ret, ==, 0);
    g_assert_true(memcmp(mt_ram(src)->host, mt_ram(dst)->host,
                         mt_ram(src)->used_length) == 0);
}

typedef struct MFCase {
    unsigned int channels;
    bool zerocopy;
} MFCase;

static void test_roundtrip(gconstpointer data)
{
    const MFCase *mc = data;
    MachineState *src = mt_machine_new(MF_PAGES);
    MachineState *dst = mt_machine_new(MF_PAGES);
    MigrationCounters sc = { 0 };
    MFDest d = { 0 };
    MFPair mp;
    uint64_t nonzero = mt_fill_pattern(src, mc->channels);
    uint64_t packets;

    if (!mf_connect(&mp, mc->channels, mc->zerocopy)) {
        mf_close(&mp);
        mt_machine_free(src);
        mt_machine_free(dst);
        g_test_skip("MSG_ZEROCOPY not available on TCP loopback here");
        return;
    }
    memset(mt_ram(dst)->host, 0xaa, mt_ram(dst)->used_length);
    mf_migrate(src, dst, &mp, mc->zerocopy, &sc, &d);

    g_assert_true(mt_guards_intact(dst));
    g_assert_cmpuint(sc.normal_pages, ==, nonzero);
    g_assert_cmpuint(sc.duplicate_pages, ==, MF_PAGES - nonzero);
    g_assert_cmpuint(d.c.normal_pages, ==, nonzero);
    g_assert_cmpuint(d.c.duplicate_pages, ==, MF_PAGES - nonzero);
    /* Every page byte went through multifd, with whole headers. */
    g_assert_cmpuint(sc.multifd_bytes, ==, d.c.multifd_bytes);
    g_assert_cmpuint(sc.transferred, ==, d.c.transferred);
    g_assert_cmpuint((sc.multifd_bytes - nonzero * 4096) % 1344, ==, 0);
    packets = (sc.multifd_bytes - nonzero * 4096) / 1344;
    /* One SYNC per channel per RAM EOS (START, each PART, END) ... */
    g_assert_cmpuint(packets, >=, (sc.iterations + 2) * mc->channels +
                     (nonzero + 127) / 128);
    /* ... and page packets are never needlessly small. */
    g_assert_cmpuint(packets, <=, (sc.iterations + 2) * mc->channels +
                     (nonzero + 127) / 128 + sc.iterations + 2);
    g_assert_cmpuint(sc.dirty_sync_count, ==, 2);
    if (mc->zerocopy) {
        /* Loopback always copies: every flush reports it. */
        g_assert_cmpuint(sc.dirty_sync_missed_zero_copy, >, 0);
        g_assert_cmpuint(sc.dirty_sync_missed_zero_copy, <=,
                         (sc.iterations + 2) * mc->channels);
    } else {
        g_assert_cmpuint(sc.dirty_sync_missed_zero_copy, ==, 0);
    }
    mf_close(&mp);
    mt_machine_free(src);
    mt_machine_free(dst);
}

/*
 * Zero copy over loopback: the kernel copies every send, so a channel
 * gives zero copy up after its early probe flushes (3 x 8 packets) and
 * sends the rest normally; the data still arrives intact.
 */
static void test_zerocopy_auto_disable(void)
{
    const unsigned int pages = 24576, channels = 2;
    MachineState *src = mt_machine_new(pages);
    MachineState *dst = mt_machine_new(pages);
    MigrationCounters sc = { 0 };
    MFDest d = { 0 };
    MFPair mp;
    uint64_t zc_bytes = 0;
    unsigned int disabled = 0;

    mt_fill_pattern(src, 7);
    if (!mf_connect(&mp, channels, true)) {
        mf_close(&mp);
        mt_machine_free(src);
        mt_machine_free(dst);
        g_test_skip("MSG_ZEROCOPY not available on TCP loopback here");
        return;
    }
    mf_migrate(src, dst, &mp, true, &sc, &d);

    for (unsigned int i = 0; i < channels; i++) {
        QIOChannelZerocopyStats st;

        g_assert_true(qio_channel_get_zerocopy_stats(mp.src[i], &st));
        g_assert_cmpuint(st.completed, ==, st.queued);
        g_assert_cmpuint(st.copied, ==, st.queued);
        if (st.zerocopy_disabled) {
            /* Three probe flushes of 8 packets (a packet may take 2 sends). */
            g_assert_cmpuint(st.queued, >=, 3 * 8);
            g_assert_cmpuint(st.queued, <=, 2 * 3 * 8);
            disabled++;
        } else {
            /*
             * Jobs go to whichever channel is free: on a loaded machine
             * one channel may get fewer than the 24 packets of the probes.
             */
            g_assert_cmpuint(st.queued, <, 2 * 3 * 8);
        }
        zc_bytes += st.bytes;
    }
    /* 96 packets per channel on average: at least one got through. */
    g_assert_cmpuint(disabled, >=, 1);
    /* Almost everything went with plain sends. */
    g_assert_cmpuint(zc_bytes, <=,
                     (uint64_t)channels * 3 * 8 * 128 * TARGET_PAGE_SIZE);
    g_assert_cmpuint(zc_bytes * 2, <, sc.multifd_bytes);
    mf_close(&mp);
    mt_machine_free(src);
    mt_machine_free(dst);
}

/* The source side notices a dead destination channel and fails. */
static void test_source_channel_dies(void)
{
    MachineState *src = mt_machine_new(MF_PAGES);
    MigrationSourceParams p;
    MigrationCounters sc = { 0 };
    MTHooks h = { 0 };
    MFPair mp;
    g_autoptr(GError) err = NULL;

    mt_fill_pattern(src, 3);
    mf_connect(&mp, 2, false);
    qio_channel_close(mp.dst[1], NULL);
    qio_channel_close(mp.dst_main, NULL);
    mf_source_params(&p, src, &mp, false, &sc, &h);
    g_assert_cmpint(migration_source_run(&p, &err), ==, -1);
    g_assert_nonnull(err);
    mf_close(&mp);
    mt_machine_free(src);
}

/* ------------------------------------------------------------------ */
/* Destination validation with hand-made packets */

#define BAD_PAGES 16

static void put_main_setup(GByteArray *b)
{
    mt_put32(b, 0x5145564d);
    mt_put32(b, 3);
    mt_put8(b, 7);
    mt_put32(b, 4);
    mt_putbuf(b, "none", 4);
    mt_put8(b, 1);
    mt_put32(b, 2);
    mt_putstr(b, "ram");
    mt_put32(b, 0);
    mt_put32(b, 4);
    mt_put64(b, BAD_PAGES * 4096 | 4);
    mt_putstr(b, "mem0");
    mt_put64(b, BAD_PAGES * 4096);
    mt_put64(b, 0x10);
    mt_put8(b, 0x7e);
    mt_put32(b, 2);
}

typedef struct BadPacket {
    const char *name;
    uint32_t magic, version, flags, pages_alloc, normal;
    const char *block;
    uint64_t offset;
    const char *error;
} BadPacket;

static void put_packet(GByteArray *b, const BadPacket *bp)
{
    MultiFDPacket pk = { 0 };
    uint8_t page[4096];

    pk.magic = GUINT32_TO_BE(bp->magic);
    pk.version = GUINT32_TO_BE(bp->version);
    pk.flags = GUINT32_TO_BE(bp->flags);
    pk.pages_alloc = GUINT32_TO_BE(bp->pages_alloc);
    pk.normal_pages = GUINT32_TO_BE(bp->normal);
    pk.next_packet_size = GUINT32_TO_BE(bp->normal * 4096);
    g_strlcpy(pk.ramblock, bp->block, sizeof(pk.ramblock));
    for (unsigned int i = 0; i < bp->normal && i < 128; i++) {
        pk.offset[i] = GUINT64_TO_BE(bp->offset + i * 4096);
    }
    mt_putbuf(b, &pk, sizeof(pk));
    memset(page, 0x3c, sizeof(page));
    for (unsigned int i = 0; i < bp->normal && i < 4; i++) {
        mt_putbuf(b, page, sizeof(page));
    }
}

/* Queue @b on @c before the destination runs (asserts it all went). */
static void mf_send(QIOChannel *c, GByteArray *b)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(qio_channel_write_all(c, b->data, b->len, &err), ==, 0);
    g_assert_no_error(err);
}

/*
 * Run the destination on @dst over @mp in this thread: it must fail with
 * exactly @error.
 */
static void mf_expect_load_error(MachineState *dst, MFPair *mp,
                                 const char *error)
{
    MFDest d = { .ms = dst, .mp = mp };

    mf_dest_thread(&d);
    g_assert_cmpint(d.ret, ==, -1);
    g_assert_nonnull(d.err);
    g_assert_cmpstr(d.err->message, ==, error);
    g_clear_error(&d.err);
}

/* name, magic, version, flags, pages_alloc, normal, block, offset */
#define PKT(n, m, v, f, a, np, b, o) \
    .name = (n), .magic = (m), .version = (v), .flags = (f), \
    .pages_alloc = (a), .normal = (np), .block = (b), .offset = (o)
#define MG MULTIFD_MAGIC

static const BadPacket bad_packets[] = {
    { PKT("magic", 0x5145564d, 1, 0, 128, 1, "mem0", 0),
      .error = "multifd channel 0: received packet magic 5145564d and "
      "expected magic 11223344" },
    { PKT("version", MG, 2, 0, 128, 1, "mem0", 0),
      .error = "multifd channel 0: received packet version 2 and expected "
      "version 1" },
    { PKT("pages-alloc-129", MG, 1, 0, 129, 1, "mem0", 0),
      .error = "multifd channel 0: received packet with size 129 and "
      "expected a size of 128" },
    { PKT("normal-over-alloc", MG, 1, 0, 2, 3, "mem0", 0),
      .error = "multifd channel 0: received packet with 3 pages and "
      "expected maximum pages are 2" },
    { PKT("unknown-block", MG, 1, 0, 128, 1, "mem1", 0),
      .error = "multifd channel 0: unknown ram block mem1" },
    { PKT("offset-ram-size", MG, 1, 0, 128, 1, "mem0", BAD_PAGES * 4096),
      .error = "multifd channel 0: offset too long 65536 (max 65536)" },
    { PKT("offset-last-page-overlap", MG, 1, 0, 128, 1, "mem0",
          BAD_PAGES * 4096 - 16),
      .error = "multifd channel 0: offset too long 65520 (max 65536)" },
    { PKT("offset-unaligned", MG, 1, 0, 128, 1, "mem0", 0x2010),
      .error = "multifd channel 0: unaligned page offset 0x2010" },
    { PKT("compression-zlib", MG, 1, 1 << 1, 128, 1, "mem0", 0),
      .error = "multifd channel 0: flags received 2 flags expected 0" },
    { PKT("compression-zstd-sync", MG, 1, (2 << 1) | 1, 128, 1, "mem0", 0),
      .error = "multifd channel 0: flags received 4 flags expected 0" },
};

/*
 * Two channels; channel 0 gets the bad packet, channel 1 a proper SYNC.
 * The main stream stops at the setup EOS, where the loader waits for the
 * SYNCs; the write ends stay open, so only the error can end the load.
 */
static void test_bad_packet(gconstpointer data)
{
    const BadPacket *bp = data;
    MachineState *dst = mt_machine_new(BAD_PAGES);
    g_autoptr(GByteArray) mainb = g_byte_array_new();
    g_autoptr(GByteArray) ch0 = g_byte_array_new();
    g_autoptr(GByteArray) ch1 = g_byte_array_new();
    BadPacket sync = { PKT("sync", MG, 1, 1, 128, 0, "", 0) };
    MFPair mp;

    memset(mt_ram(dst)->host, 0xaa, BAD_PAGES * 4096);
    mf_connect(&mp, 2, false);
    put_main_setup(mainb);
    put_packet(ch0, bp);
    put_packet(ch1, &sync);
    mf_send(mp.src_main, mainb);
    mf_send(mp.src[0], ch0);
    mf_send(mp.src[1], ch1);
    mf_expect_load_error(dst, &mp, bp->error);
    g_assert_true(mt_guards_intact(dst));
    /* Nothing was written for a rejected packet. */
    for (uint64_t i = 0; i < BAD_PAGES * 4096; i++) {
        if (mt_ram(dst)->host[i] != 0xaa) {
            g_assert_not_reached();
        }
    }
    mf_close(&mp);
    mt_machine_free(dst);
}

/* A channel that closes before its SYNC ends the load with an error. */
static void test_channel_eof_before_sync(void)
{
    MachineState *dst = mt_machine_new(BAD_PAGES);
    g_autoptr(GByteArray) mainb = g_byte_array_new();
    g_autoptr(GByteArray) ch0 = g_byte_array_new();
    BadPacket sync = { PKT("sync", MG, 1, 1, 128, 0, "", 0) };
    MFPair mp;

    mf_connect(&mp, 2, false);
    put_main_setup(mainb);
    put_packet(ch0, &sync);
    mf_send(mp.src_main, mainb);
    mf_send(mp.src[0], ch0);
    qio_channel_shutdown(mp.src[1], QIO_CHANNEL_SHUTDOWN_WRITE, NULL);
    mf_expect_load_error(dst, &mp, "multifd channel 1: connection closed "
                         "before the SYNC of this round");
    mf_close(&mp);
    mt_machine_free(dst);
}

/* The main stream ends while channels hold at their SYNC: no hang. */
static void test_main_eof_with_channels_waiting(void)
{
    MachineState *dst = mt_machine_new(BAD_PAGES);
    g_autoptr(GByteArray) mainb = g_byte_array_new();
    g_autoptr(GByteArray) chb = g_byte_array_new();
    BadPacket sync = { PKT("sync", MG, 1, 1, 128, 0, "", 0) };
    MFPair mp;

    mf_connect(&mp, 2, false);
    put_main_setup(mainb);
    mt_put8(mainb, 2);          /* PART, then the stream ends */
    put_packet(chb, &sync);
    put_packet(chb, &sync);
    mf_send(mp.src_main, mainb);
    qio_channel_shutdown(mp.src_main, QIO_CHANNEL_SHUTDOWN_WRITE, NULL);
    for (int i = 0; i < 2; i++) {
        mf_send(mp.src[i], chb);
    }
    mf_expect_load_error(dst, &mp, "Unexpected end of migration stream");
    mf_close(&mp);
    mt_machine_free(dst);
}

/* A SYNC flag on a page-carrying packet and empty packets are fine. */
static void test_sync_with_pages(void)
{
    MachineState *dst = mt_machine_new(BAD_PAGES);
    g_autoptr(GByteArray) mainb = g_byte_array_new();
    g_autoptr(GByteArray) ch0 = g_byte_array_new();
    g_autoptr(GByteArray) ch1 = g_byte_array_new();
    BadPacket pages_sync = { PKT("ps", MG, 1, 1, 128, 2, "mem0", 0x3000) };
    BadPacket empty = { PKT("e", MG, 1, 0, 128, 0, "stale", 0) };
    BadPacket sync = { PKT("s", MG, 1, 1, 128, 0, "", 0) };
    MFDest d = { 0 };
    MFPair mp;

    memset(mt_ram(dst)->host, 0xaa, BAD_PAGES * 4096);
    mf_connect(&mp, 2, false);
    put_main_setup(mainb);
    mt_put8(mainb, 0);          /* EOF */
    mt_put8(mainb, 6);
    mt_put32(mainb, 2);
    mt_putbuf(mainb, "{}", 2);
    put_packet(ch0, &pages_sync);
    put_packet(ch1, &empty);
    put_packet(ch1, &sync);
    mf_send(mp.src_main, mainb);
    mf_send(mp.src[0], ch0);
    mf_send(mp.src[1], ch1);
    d.ms = dst;
    d.mp = &mp;
    mf_dest_thread(&d);
    g_assert_no_error(d.err);
    g_assert_cmpint(d.ret, ==, 0);
    g_assert_cmpuint(mt_ram(dst)->host[0x2fff], ==, 0xaa);
    g_assert_cmpuint(mt_ram(dst)->host[0x3000], ==, 0x3c);
    g_assert_cmpuint(mt_ram(dst)->host[0x4fff], ==, 0x3c);
    g_assert_cmpuint(mt_ram(dst)->host[0x5000], ==, 0xaa);
    g_assert_cmpuint(d.c.normal_pages, ==, 2);
    mf_close(&mp);
    mt_machine_free(dst);
}

static void init_case(const uint8_t *pkt, const uint8_t *uuid,
                      unsigned int n, const char *error)
{
    QIOChannel *a, *b;
    g_autoptr(GError) err = NULL;
    uint8_t id = 0xee;

    g_assert_true(mt_channel_pair(false, &a, &b, &err));
    g_assert_cmpint(qio_channel_write_all(a, pkt, 64, &err), ==, 0);
    g_assert_cmpint(multifd_recv_initial_packet(b, uuid, n, &id, &err), ==,
                    -1);
    g_assert_cmpstr(err->message, ==, error);
    g_assert_cmpuint(id, ==, 0xee);
    qio_channel_unref(a);
    qio_channel_unref(b);
}

static void test_initial_packet(void)
{
    static const uint8_t zero[16];
    uint8_t pkt[64] = { 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1 };
    QIOChannel *a, *b;
    g_autoptr(GError) err = NULL;
    uint8_t id;

    /* Bytes as QEMU 7.2 sends them (channel 3, uuid). */
    g_assert_true(mt_channel_pair(false, &a, &b, &err));
    g_assert_cmpint(multifd_send_initial_packet(a, mf_uuid, 3, &err), ==, 0);
    g_assert_cmpint(qio_channel_read_all(b, pkt, 64, &err), ==, 0);
    g_assert_cmpmem(pkt, 8, ((uint8_t[]){ 0x11, 0x22, 0x33, 0x44, 0, 0, 0,
                                          1 }), 8);
    g_assert_cmpmem(pkt + 8, 16, mf_uuid, 16);
    g_assert_cmpuint(pkt[24], ==, 3);
    for (int i = 25; i < 64; i++) {
        g_assert_cmpuint(pkt[i], ==, 0);
    }
    qio_channel_write_all(a, pkt, 64, &err);
    g_assert_cmpint(multifd_recv_initial_packet(b, mf_uuid, 4, &id, &err),
                    ==, 0);
    g_assert_cmpuint(id, ==, 3);
    qio_channel_unref(a);
    qio_channel_unref(b);

    /* id == n (QEMU 7.2 crashes on that one) and beyond. */
    init_case(pkt, mf_uuid, 3, "multifd: received channel id 3 but only 3 "
              "channels are configured");
    pkt[24] = 0;
    init_case(pkt, zero, 3, "multifd: received uuid '01020304-0506-0708-"
              "090a-0b0c0d0e0f10' and expected uuid '00000000-0000-0000-"
              "0000-000000000000' for channel 0");
    pkt[7] = 2;
    init_case(pkt, mf_uuid, 3, "multifd: received packet version 2 "
              "expected 1");
    pkt[0] = 0x51;
    init_case(pkt, mf_uuid, 3, "multifd: received packet magic 51223344 "
              "expected 11223344");
}

/*
 * Destinations whose RAM is a shared file (memfd, regular file) get the
 * page data spliced into the file (or copied into the mapping while the
 * other channel writes the file); anonymous RAM, preallocated RAM, or
 * no_recv_splice (ZCMIG_RECV_SPLICE=off), copies into the mapping.  The RAM must arrive
 * identical either way, and the counter says which path was taken.
 */
typedef struct MFFileCase {
    MTRamKind kind;
    bool splice_off;
    bool prealloc;       /* destination RAM populated and marked so */
} MFFileCase;

static MachineState *mf_file_machine_new(MTRamKind kind)
{
    MachineState *ms = g_new0(MachineState, 1);

    g_mutex_init(&ms->lock);
    ms->runstate = RUN_STATE_RUNNING;
    ms->machine_type = g_strdup("none");
    ms->ram_blocks = g_ptr_array_new();
    ms->ram_size = (uint64_t)MF_PAGES * TARGET_PAGE_SIZE;
    g_ptr_array_add(ms->ram_blocks,
                    mt_mapped_block_new(kind, ms->ram_size, "test-multifd"));
    return ms;
}

static void mf_file_machine_free(MachineState *ms)
{
    mt_mapped_block_free(g_ptr_array_index(ms->ram_blocks, 0));
    g_ptr_array_unref(ms->ram_blocks);
    g_free(ms->machine_type);
    g_mutex_clear(&ms->lock);
    g_free(ms);
}

static void test_recv_to_file(gconstpointer data)
{
    const MFFileCase *fc = data;
    MachineState *src = mt_machine_new(MF_PAGES);
    MachineState *dst = mf_file_machine_new(fc->kind);
    RAMBlock *drb = mt_ram(dst);
    MigrationCounters sc = { 0 };
    MFDest d = { 0 };
    MFPair mp;
    uint64_t nonzero = mt_fill_pattern(src, 7);

    d.no_recv_splice = fc->splice_off;
    if (fc->prealloc) {
        /* What prealloc=on does: every page allocated and mapped. */
        memset(drb->host, 0, drb->used_length);
        drb->prealloc = true;
    }
    g_assert_true(mf_connect(&mp, 2, false));
    mf_migrate(src, dst, &mp, false, &sc, &d);

    g_assert_cmpuint(d.c.normal_pages, ==, nonzero);
    if (fc->kind == MT_RAM_ANON || fc->splice_off || fc->prealloc) {
        g_assert_cmpuint(d.c.multifd_spliced_bytes, ==, 0);
        g_assert_cmpuint(d.c.multifd_splice_busy_bytes, ==, 0);
    } else {
        /*
         * Every page went through the file, or through the mapping when
         * the other channel held the file; the first write always finds
         * the lock free.
         */
        g_assert_cmpuint(d.c.multifd_spliced_bytes, >, 0);
        g_assert_cmpuint(d.c.multifd_spliced_bytes +
                         d.c.multifd_splice_busy_bytes, ==,
                         nonzero * TARGET_PAGE_SIZE);
    }
    mf_close(&mp);
    mt_machine_free(src);
    mf_file_machine_free(dst);
}

int main(int argc, char **argv)
{
    static const unsigned int counts[] = { 1, 2, 4, 8 };
    static MFCase cases[8];

    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);
    for (int z = 0; z < 2; z++) {
        for (int i = 0; i < 4; i++) {
            MFCase *mc = &cases[z * 4 + i];
            g_autofree char *path = NULL;

            mc->channels = counts[i];
            mc->zerocopy = z;
            path = g_strdup_printf("/migration/multifd/roundtrip/%s/%u",
                                   z ? "zerocopy-tcp" : "unix", counts[i]);
            g_test_add_data_func(path, mc, test_roundtrip);
        }
    }
    {
        static const MFFileCase file_cases[] = {
            { MT_RAM_MEMFD, false, false }, { MT_RAM_FILE, false, false },
            { MT_RAM_ANON, false, false }, { MT_RAM_MEMFD, true, false },
            { MT_RAM_MEMFD, false, true },
        };
        static const char *const names[] = {
            "memfd", "file", "anon", "memfd-splice-off", "memfd-prealloc",
        };

        for (unsigned int i = 0; i < G_N_ELEMENTS(file_cases); i++) {
            g_autofree char *path =
                g_strdup_printf("/migration/multifd/recv-to-file/%s",
                                names[i]);

            g_test_add_data_func(path, &file_cases[i], test_recv_to_file);
        }
    }
    g_test_add_func("/migration/multifd/zerocopy-auto-disable",
                    test_zerocopy_auto_disable);
    g_test_add_func("/migration/multifd/source-channel-dies",
                    test_source_channel_dies);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_packets); i++) {
        g_autofree char *path = g_strdup_printf("/migration/multifd/bad/%s",
                                                bad_packets[i].name);

        g_test_add_data_func(path, &bad_packets[i], test_bad_packet);
    }
    g_test_add_func("/migration/multifd/eof-before-sync",
                    test_channel_eof_before_sync);
    g_test_add_func("/migration/multifd/main-eof-while-holding",
                    test_main_eof_with_channels_waiting);
    g_test_add_func("/migration/multifd/sync-with-pages",
                    test_sync_with_pages);
    g_test_add_func("/migration/multifd/initial-packet", test_initial_packet);
    return g_test_run();
}

/*
 * Multifd: channel threads, packets, the SYNC protocol.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <string.h>

#include "io/channel-socket.h"
#include "migration/multifd.h"
#include "migration/ram.h"

#define MULTIFD_INIT_MAGIC_OFF 0
/*
 * With zero copy, flush after this many zero-copy packets, a few times
 * at the start (see multifd_send_packet()).
 */
#define MULTIFD_ZC_PROBE_SENDS 8

G_STATIC_ASSERT(sizeof(MultiFDPacket) == MULTIFD_PACKET_HEADER_SIZE);

/* ------------------------------------------------------------------ */
/* Initial packet */

int multifd_send_initial_packet(QIOChannel *ioc, const uint8_t uuid[16],
                                uint8_t id, GError **errp)
{
    uint8_t buf[MULTIFD_INIT_PACKET_SIZE] = { 0 };
    uint32_t v;

    v = GUINT32_TO_BE(MULTIFD_MAGIC);
    memcpy(buf, &v, 4);
    v = GUINT32_TO_BE(MULTIFD_VERSION);
    memcpy(buf + 4, &v, 4);
    memcpy(buf + 8, uuid, 16);
    buf[24] = id;
    return qio_channel_write_all(ioc, buf, sizeof(buf), errp);
}

static void multifd_uuid_str(const uint8_t *u, char out[37])
{
    g_snprintf(out, 37,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
               "%02x%02x%02x%02x%02x%02x",
               u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
               u[10], u[11], u[12], u[13], u[14], u[15]);
}

int multifd_recv_initial_packet(QIOChannel *ioc, const uint8_t uuid[16],
                                unsigned int n_channels, uint8_t *id,
                                GError **errp)
{
    uint8_t buf[MULTIFD_INIT_PACKET_SIZE];
    uint32_t magic, version;

    if (qio_channel_read_all(ioc, buf, sizeof(buf), errp) < 0) {
        return -1;
    }
    memcpy(&magic, buf, 4);
    memcpy(&version, buf + 4, 4);
    magic = GUINT32_FROM_BE(magic);
    version = GUINT32_FROM_BE(version);
    if (magic != MULTIFD_MAGIC) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "multifd: received packet magic %x expected %x",
                    magic, MULTIFD_MAGIC);
        return -1;
    }
    if (version != MULTIFD_VERSION) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "multifd: received packet version %u expected %u",
                    version, MULTIFD_VERSION);
        return -1;
    }
    if (memcmp(buf + 8, uuid, 16) != 0) {
        char got[37], want[37];

        multifd_uuid_str(buf + 8, got);
        multifd_uuid_str(uuid, want);
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "multifd: received uuid '%s' and expected uuid '%s' for "
                    "channel %u", got, want, buf[24]);
        return -1;
    }
    if (buf[24] >= n_channels) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "multifd: received channel id %u but only %u channels "
                    "are configured", buf[24], n_channels);
        return -1;
    }
    *id = buf[24];
    return 0;
}

/* ------------------------------------------------------------------ */
/* Source */

struct MultiFDSendState {
    MultiFDSendChannel *ch;
    unsigned int n;
    QIOChannel *main;
    const MultiFDMethods *ops;
    bool zerocopy;
    MigrationCounters *counters;

    /* Migration thread only. */
    MultiFDPages *batch;
    unsigned int next;

    GMutex lock;
    GCond cond;             /* a channel took a job, synced, or failed */
    bool main_waiting;      /* the migration thread waits on cond */
    uint64_t packet_num;
    bool quit;
    bool failed;
    GError *err;
};

static void multifd_shutdown_all(QIOChannel **chans, unsigned int n,
                                 QIOChannel *main, QIOChannelShutdown how)
{
    for (unsigned int i = 0; i < n; i++) {
        if (chans[i] && qio_channel_has_feature(chans[i],
                                                QIO_CHANNEL_FEATURE_SHUTDOWN)) {
            qio_channel_shutdown(chans[i], QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
        }
    }
    if (main && qio_channel_has_feature(main, QIO_CHANNEL_FEATURE_SHUTDOWN)) {
        qio_channel_shutdown(main, how, NULL);
    }
}

/* Record the first failure and wake everybody.  Lock held. */
static void multifd_send_fail_locked(MultiFDSendState *s, GError *err)
{
    if (s->failed) {
        g_error_free(err);
        return;
    }
    s->failed = true;
    s->err = err;
    if (!s->quit) {
        QIOChannel *chans[MULTIFD_MAX_CHANNELS];

        for (unsigned int i = 0; i < s->n; i++) {
            chans[i] = s->ch[i].ioc;
        }
        multifd_shutdown_all(chans, s->n, s->main, QIO_CHANNEL_SHUTDOWN_BOTH);
    }
    g_cond_broadcast(&s->cond);
    for (unsigned int i = 0; i < s->n; i++) {
        g_cond_broadcast(&s->ch[i].cond);
    }
}

static int multifd_send_error_locked(MultiFDSendState *s, GError **errp)
{
    g_propagate_error(errp, g_error_copy(s->err));
    return -1;
}

/* True once @ioc stopped using zero copy because the kernel copied it all. */
static bool multifd_zerocopy_given_up(QIOChannel *ioc)
{
    QIOChannelZerocopyStats st;

    return qio_channel_get_zerocopy_stats(ioc, &st) && st.zerocopy_disabled;
}

/* Build and write one packet (pages of c->pages, or a bare SYNC). */
static int multifd_send_packet(MultiFDSendChannel *c, bool sync,
                               uint64_t packet_num, GError **errp)
{
    MultiFDSendState *s = c->state;
    MultiFDPacket *p = c->packet;
    uint32_t normal = sync ? 0 : c->pages->num;

    c->flags = 0;
    c->iovcnt = 1;
    c->payload = 0;
    if (!sync) {
        if (s->ops->send_prepare(c, errp) < 0) {
            return -1;
        }
        g_strlcpy(p->ramblock, c->pages->block->idstr, sizeof(p->ramblock));
        for (uint32_t i = 0; i < normal; i++) {
            p->offset[i] = GUINT64_TO_BE(c->pages->offset[i]);
        }
    } else {
        c->flags |= MULTIFD_FLAG_SYNC;
    }
    /* ramblock/offset slots of a SYNC keep stale values, as in QEMU. */
    p->magic = GUINT32_TO_BE(MULTIFD_MAGIC);
    p->version = GUINT32_TO_BE(MULTIFD_VERSION);
    p->flags = GUINT32_TO_BE(c->flags);
    p->pages_alloc = GUINT32_TO_BE(MULTIFD_PACKET_PAGES);
    p->normal_pages = GUINT32_TO_BE(normal);
    p->next_packet_size = GUINT32_TO_BE((uint32_t)c->payload);
    p->packet_num = GUINT64_TO_BE(packet_num);
    c->iov[0].iov_base = p;
    c->iov[0].iov_len = MULTIFD_PACKET_HEADER_SIZE;

    if (s->zerocopy && !c->zc_given_up && multifd_zerocopy_given_up(c->ioc)) {
        /* For good: from now on header and pages go in one plain writev. */
        c->zc_given_up = true;
    }
    if (s->zerocopy && c->payload && !c->zc_given_up) {
        /* The header buffer is reused: never hand it to zero copy. */
        if (qio_channel_write_all(c->ioc, p, MULTIFD_PACKET_HEADER_SIZE,
                                  errp) < 0 ||
            qio_channel_writev_zerocopy(c->ioc, c->iov + 1, c->iovcnt - 1,
                                        errp) < 0) {
            return -1;
        }
    } else if (qio_channel_writev_all(c->ioc, c->iov, c->iovcnt, errp) < 0) {
        return -1;
    }
    atomic_fetch_add(&s->counters->transferred,
                     MULTIFD_PACKET_HEADER_SIZE + c->payload);
    atomic_fetch_add(&s->counters->multifd_bytes,
                     MULTIFD_PACKET_HEADER_SIZE + c->payload);

    if (!sync && c->zc_probes_left &&
        ++c->zc_probe_sends >= MULTIFD_ZC_PROBE_SENDS) {
        /*
         * Probe early whether the kernel really avoids the copy: the
         * channel's auto-disable decides after a few all-copied flushes,
         * and waiting for the SYNC flushes would send the first ~100 MiB
         * the expensive way on loopback.  Not a sync point: a result of 1
         * is not a missed zero-copy sync.
         */
        c->zc_probe_sends = 0;
        c->zc_probes_left--;
        if (qio_channel_flush_zerocopy(c->ioc, errp) < 0) {
            g_prefix_error(errp, "zero-copy flush failed: ");
            return -1;
        }
    }
    if (sync && s->zerocopy) {
        /* Everything this thread queued is in the kernel: reap it. */
        int r = qio_channel_flush_zerocopy(c->ioc, errp);

        if (r < 0) {
            g_prefix_error(errp, "zero-copy flush failed: ");
            return -1;
        }
        uint64_t round = atomic_load(&s->counters->dirty_sync_count);

        /*
         * This round's pages were copied by the kernel if the flush says
         * so, or if the channel already gave up zero copy because the
         * kernel copied everything it was given.  Counted at most once
         * per channel and dirty sync (several RAM EOS may share one), so
         * the stat stays within dirty-sync-count x multifd-channels.
         */
        if ((r == 1 || (r == 0 && multifd_zerocopy_given_up(c->ioc))) &&
            round > c->zc_missed_sync) {
            c->zc_missed_sync = round;
            atomic_fetch_add(&s->counters->dirty_sync_missed_zero_copy, 1);
        }
    }
    return 0;
}

/* Wake the migration thread if it waits for us.  Lock held. */
static void multifd_send_kick_main_locked(MultiFDSendState *s)
{
    if (s->main_waiting) {
        g_cond_signal(&s->cond);
    }
}

static gpointer multifd_send_thread(gpointer opaque)
{
    MultiFDSendChannel *c = opaque;
    MultiFDSendState *s = c->state;

    g_mutex_lock(&s->lock);
    for (;;) {
        GError *err = NULL;
        MultiFDPages *tmp;
        bool sync;
        uint64_t pn;
        int r;

        while (!c->has_next && !c->pending_sync && !s->quit &&
               !s->failed) {
            c->waiting = true;
            g_cond_wait(&c->cond, &s->lock);
            c->waiting = false;
        }
        if (s->quit || s->failed) {
            break;
        }
        /* Pages queued before the SYNC go first. */
        sync = !c->has_next;
        if (sync) {
            pn = c->sync_packet_num;
        } else {
            /* Take the queued job; its slot is free for the next one. */
            tmp = c->pages;
            c->pages = c->next;
            c->next = tmp;
            c->next->num = 0;
            c->has_next = false;
            pn = c->next_packet_num;
            multifd_send_kick_main_locked(s);
        }
        g_mutex_unlock(&s->lock);

        r = multifd_send_packet(c, sync, pn, &err);

        g_mutex_lock(&s->lock);
        if (r < 0) {
            g_prefix_error(&err, "multifd channel %u: ", c->id);
            multifd_send_fail_locked(s, err);
            break;
        }
        if (sync) {
            c->pending_sync = false;
            multifd_send_kick_main_locked(s);
        }
    }
    g_mutex_unlock(&s->lock);
    return NULL;
}

MultiFDSendState *multifd_send_setup(QIOChannel **chans, unsigned int n,
                                     QIOChannel *main, bool zerocopy,
                                     MigrationCounters *counters,
                                     GError **errp)
{
    MultiFDSendState *s;

    if (n == 0 || n > MULTIFD_MAX_CHANNELS) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "multifd: %u channels requested (1-%u supported)", n,
                    MULTIFD_MAX_CHANNELS);
        return NULL;
    }
    for (unsigned int i = 0; zerocopy && i < n; i++) {
        if (!qio_channel_has_feature(chans[i],
                                     QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        "multifd channel %u: zero-copy send is not "
                        "supported by this channel", i);
            return NULL;
        }
    }
    s = g_new0(MultiFDSendState, 1);
    s->n = n;
    s->main = main;
    s->ops = &multifd_nocomp_methods;
    s->zerocopy = zerocopy;
    s->counters = counters;
    s->batch = g_new0(MultiFDPages, 1);
    g_mutex_init(&s->lock);
    g_cond_init(&s->cond);
    s->ch = g_new0(MultiFDSendChannel, n);
    for (unsigned int i = 0; i < n; i++) {
        MultiFDSendChannel *c = &s->ch[i];

        c->state = s;
        c->id = i;
        c->ioc = qio_channel_ref(chans[i]);
        c->packet = g_new0(MultiFDPacket, 1);
        c->pages = g_new0(MultiFDPages, 1);
        c->next = g_new0(MultiFDPages, 1);
        g_cond_init(&c->cond);
        if (s->ops->send_setup && s->ops->send_setup(c, errp) < 0) {
            multifd_send_cleanup(s);
            return NULL;
        }
    }
    for (unsigned int i = 0; zerocopy && i < n; i++) {
        /*
         * A channel whose zero-copy sends all come back copied by the
         * kernel (always on loopback) pays for pinning and completion
         * notices and saves nothing: let it fall back to plain sends
         * (query-migrate shows zero-copy-channels[].disabled).
         */
        if (qio_channel_is_socket(chans[i])) {
            qio_channel_socket_set_zerocopy_auto_disable(
                QIO_CHANNEL_SOCKET(chans[i]), true);
            s->ch[i].zc_probes_left =
                QIO_CHANNEL_SOCKET_ZEROCOPY_AUTO_DISABLE_FLUSHES;
        }
    }
    for (unsigned int i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("multifd-send-%u", i);

        s->ch[i].thread = g_thread_new(name, multifd_send_thread, &s->ch[i]);
    }
    return s;
}

/* Queue the current batch on a channel with a free job slot. */
static int multifd_send_batch(MultiFDSendState *s, GError **errp)
{
    MultiFDSendChannel *c = NULL;
    MultiFDPages *tmp;

    g_mutex_lock(&s->lock);
    for (;;) {
        if (s->failed) {
            int r = multifd_send_error_locked(s, errp);

            g_mutex_unlock(&s->lock);
            return r;
        }
        /* Round robin over the channels whose queue slot is free. */
        for (unsigned int k = 0; k < s->n; k++) {
            MultiFDSendChannel *cand = &s->ch[(s->next + k) % s->n];

            if (!cand->has_next && !cand->pending_sync) {
                c = cand;
                s->next = (c->id + 1) % s->n;
                break;
            }
        }
        if (c) {
            break;
        }
        s->main_waiting = true;
        g_cond_wait(&s->cond, &s->lock);
        s->main_waiting = false;
    }
    tmp = c->next;
    c->next = s->batch;
    s->batch = tmp;
    s->batch->num = 0;
    c->next_packet_num = s->packet_num++;
    c->has_next = true;
    if (c->waiting) {
        g_cond_signal(&c->cond);
    }
    g_mutex_unlock(&s->lock);
    return 0;
}

int multifd_queue_page(MultiFDSendState *s, RAMBlock *rb, uint64_t offset,
                       GError **errp)
{
    MultiFDPages *b = s->batch;

    if (b->num && b->block != rb) {
        if (multifd_send_batch(s, errp) < 0) {
            return -1;
        }
        b = s->batch;
    }
    b->block = rb;
    b->offset[b->num++] = offset;
    if (b->num == MULTIFD_PACKET_PAGES) {
        return multifd_send_batch(s, errp);
    }
    return 0;
}

int multifd_send_sync(MultiFDSendState *s, GError **errp)
{
    bool busy;

    if (s->batch->num && multifd_send_batch(s, errp) < 0) {
        return -1;
    }
    g_mutex_lock(&s->lock);
    for (unsigned int i = 0; i < s->n; i++) {
        s->ch[i].pending_sync = true;
        s->ch[i].sync_packet_num = s->packet_num++;
        if (s->ch[i].waiting) {
            g_cond_signal(&s->ch[i].cond);
        }
    }
    do {
        busy = false;
        for (unsigned int i = 0; i < s->n; i++) {
            busy |= s->ch[i].pending_sync;
        }
        if (s->failed) {
            int r = multifd_send_error_locked(s, errp);

            g_mutex_unlock(&s->lock);
            return r;
        }
        if (busy) {
            s->main_waiting = true;
            g_cond_wait(&s->cond, &s->lock);
            s->main_waiting = false;
        }
    } while (busy);
    g_mutex_unlock(&s->lock);
    return 0;
}

int multifd_send_get_error(MultiFDSendState *s, GError **errp)
{
    int r = 0;

    g_mutex_lock(&s->lock);
    if (s->failed) {
        r = multifd_send_error_locked(s, errp);
    }
    g_mutex_unlock(&s->lock);
    return r;
}

void multifd_send_cleanup(MultiFDSendState *s)
{
    if (!s) {
        return;
    }
    g_mutex_lock(&s->lock);
    s->quit = true;
    for (unsigned int i = 0; i < s->n; i++) {
        g_cond_broadcast(&s->ch[i].cond);
    }
    g_mutex_unlock(&s->lock);
    for (unsigned int i = 0; i < s->n; i++) {
        MultiFDSendChannel *c = &s->ch[i];

        if (c->thread) {
            g_thread_join(c->thread);
        }
        if (s->ops->send_cleanup) {
            s->ops->send_cleanup(c);
        }
        g_cond_clear(&c->cond);
        g_free(c->packet);
        g_free(c->pages);
        g_free(c->next);
        qio_channel_unref(c->ioc);
    }
    g_free(s->ch);
    g_free(s->batch);
    g_clear_error(&s->err);
    g_cond_clear(&s->cond);
    g_mutex_clear(&s->lock);
    g_free(s);
}

/* ------------------------------------------------------------------ */
/* Destination */

struct MultiFDRecvState {
    MultiFDRecvChannel *ch;
    unsigned int n;
    QIOChannel *main;
    GPtrArray *blocks;
    const MultiFDMethods *ops;
    MigrationCounters *counters;

    GMutex lock;
    GCond cond_main;        /* a channel reached SYNC, hit EOF or failed */
    GCond cond_chan;        /* the main stream released a round */
    GMutex file_lock;       /* see MultiFDRecvChannel.file_lock */
    unsigned int synced;
    uint64_t round;
    bool quit;
    bool failed;
    GError *err;
};

static void multifd_recv_fail_locked(MultiFDRecvState *s, GError *err)
{
    if (s->failed || s->quit) {
        g_error_free(err);
        return;
    }
    s->failed = true;
    s->err = err;
    {
        QIOChannel *chans[MULTIFD_MAX_CHANNELS];

        for (unsigned int i = 0; i < s->n; i++) {
            chans[i] = s->ch[i].ioc;
        }
        /* Wake the main-stream loader too: it must not wait for SYNCs. */
        multifd_shutdown_all(chans, s->n, s->main, QIO_CHANNEL_SHUTDOWN_READ);
    }
    g_cond_broadcast(&s->cond_main);
    g_cond_broadcast(&s->cond_chan);
}

static int multifd_recv_unfill(MultiFDRecvChannel *c, GError **errp)
{
    MultiFDPacket *p = &c->packet;
    uint32_t magic = GUINT32_FROM_BE(p->magic);
    uint32_t version = GUINT32_FROM_BE(p->version);
    uint32_t pages_alloc = GUINT32_FROM_BE(p->pages_alloc);

    if (magic != MULTIFD_MAGIC) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "received packet magic %x and expected magic %x",
                    magic, MULTIFD_MAGIC);
        return -1;
    }
    if (version != MULTIFD_VERSION) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "received packet version %u and expected version %u",
                    version, MULTIFD_VERSION);
        return -1;
    }
    if (pages_alloc > MULTIFD_PACKET_PAGES) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "received packet with size %u and expected a size of %u",
                    pages_alloc, MULTIFD_PACKET_PAGES);
        return -1;
    }
    c->flags = GUINT32_FROM_BE(p->flags);
    c->normal_pages = GUINT32_FROM_BE(p->normal_pages);
    if (c->normal_pages > pages_alloc) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "received packet with %u pages and expected maximum "
                    "pages are %u", c->normal_pages, pages_alloc);
        return -1;
    }
    if (c->normal_pages == 0) {
        /* ramblock/offsets/next_packet_size may be stale: ignore them. */
        return 0;
    }
    p->ramblock[sizeof(p->ramblock) - 1] = 0;
    c->block = ram_find_block(c->state->blocks, p->ramblock);
    if (!c->block) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "unknown ram block %s", p->ramblock);
        return -1;
    }
    for (uint32_t i = 0; i < c->normal_pages; i++) {
        uint64_t off = GUINT64_FROM_BE(p->offset[i]);

        if (off > c->block->used_length - TARGET_PAGE_SIZE ||
            c->block->used_length < TARGET_PAGE_SIZE) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "offset too long %" PRIu64 " (max %" PRIu64 ")",
                        off, c->block->used_length);
            return -1;
        }
        if (off & (TARGET_PAGE_SIZE - 1)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "unaligned page offset 0x%" PRIx64, off);
            return -1;
        }
        c->offset[i] = off;
    }
    return 0;
}

static gpointer multifd_recv_thread(gpointer opaque)
{
    MultiFDRecvChannel *c = opaque;
    MultiFDRecvState *s = c->state;
    GError *err = NULL;

    for (;;) {
        int r = qio_channel_read_all_eof(c->ioc, &c->packet,
                                         MULTIFD_PACKET_HEADER_SIZE, &err);
        uint64_t payload;

        if (r == 0) {
            /* Closed between packets: fine unless a SYNC is still due. */
            g_mutex_lock(&s->lock);
            c->eof = true;
            g_cond_broadcast(&s->cond_main);
            g_mutex_unlock(&s->lock);
            return NULL;
        }
        if (r < 0 || multifd_recv_unfill(c, &err) < 0 ||
            (c->normal_pages && s->ops->recv_pages(c, &err) < 0)) {
            break;
        }
        payload = (uint64_t)c->normal_pages * TARGET_PAGE_SIZE;
        atomic_fetch_add(&s->counters->transferred,
                         MULTIFD_PACKET_HEADER_SIZE + payload);
        atomic_fetch_add(&s->counters->multifd_bytes,
                         MULTIFD_PACKET_HEADER_SIZE + payload);
        atomic_fetch_add(&s->counters->normal_pages, c->normal_pages);
        if (c->splice_to_file) {
            QIOChannelSpliceStats st;

            qio_channel_socket_get_splice_stats(QIO_CHANNEL_SOCKET(c->ioc),
                                                &st);
            atomic_fetch_add(&s->counters->multifd_spliced_bytes,
                             st.spliced - c->spliced_seen);
            atomic_fetch_add(&s->counters->multifd_splice_busy_bytes,
                             st.busy - c->busy_seen);
            c->spliced_seen = st.spliced;
            c->busy_seen = st.busy;
        }

        if (c->flags & MULTIFD_FLAG_SYNC) {
            uint64_t round;

            g_mutex_lock(&s->lock);
            round = s->round;
            c->at_sync = true;
            s->synced++;
            g_cond_broadcast(&s->cond_main);
            while (s->round == round && !s->quit && !s->failed) {
                g_cond_wait(&s->cond_chan, &s->lock);
            }
            c->at_sync = false;
            if (s->quit || s->failed) {
                g_mutex_unlock(&s->lock);
                return NULL;
            }
            g_mutex_unlock(&s->lock);
        }
    }

    g_prefix_error(&err, "multifd channel %u: ", c->id);
    g_mutex_lock(&s->lock);
    multifd_recv_fail_locked(s, err);
    g_mutex_unlock(&s->lock);
    return NULL;
}

MultiFDRecvState *multifd_recv_setup(QIOChannel **chans, unsigned int n,
                                     QIOChannel *main, GPtrArray *blocks,
                                     bool splice, MigrationCounters *counters,
                                     GError **errp)
{
    MultiFDRecvState *s;

    if (n == 0 || n > MULTIFD_MAX_CHANNELS) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "multifd: %u channels requested (1-%u supported)", n,
                    MULTIFD_MAX_CHANNELS);
        return NULL;
    }
    for (unsigned int i = 0; i < n; i++) {
        if (!chans[i]) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "multifd channel %u is missing", i);
            return NULL;
        }
    }
    s = g_new0(MultiFDRecvState, 1);
    s->n = n;
    s->main = main;
    s->blocks = blocks;
    s->ops = &multifd_nocomp_methods;
    s->counters = counters;
    g_mutex_init(&s->lock);
    g_cond_init(&s->cond_main);
    g_cond_init(&s->cond_chan);
    g_mutex_init(&s->file_lock);
    s->ch = g_new0(MultiFDRecvChannel, n);
    for (unsigned int i = 0; i < n; i++) {
        MultiFDRecvChannel *c = &s->ch[i];

        c->state = s;
        c->id = i;
        c->ioc = qio_channel_ref(chans[i]);
        if (qio_channel_is_socket(c->ioc)) {
            /* Every read asks for exactly what it needs: wait for all. */
            qio_channel_socket_set_recv_waitall(QIO_CHANNEL_SOCKET(c->ioc),
                                                true);
            c->splice_to_file = splice;
        }
        c->file_lock = &s->file_lock;
        if (s->ops->recv_setup && s->ops->recv_setup(c, errp) < 0) {
            multifd_recv_cleanup(s);
            return NULL;
        }
    }
    for (unsigned int i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("multifd-recv-%u", i);

        s->ch[i].thread = g_thread_new(name, multifd_recv_thread, &s->ch[i]);
    }
    return s;
}

int multifd_recv_sync(MultiFDRecvState *s, GError **errp)
{
    g_mutex_lock(&s->lock);
    while (s->synced < s->n && !s->failed) {
        for (unsigned int i = 0; i < s->n; i++) {
            if (s->ch[i].eof && !s->ch[i].at_sync) {
                g_mutex_unlock(&s->lock);
                g_set_error(errp, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                            "multifd channel %u: connection closed before "
                            "the SYNC of this round", i);
                return -1;
            }
        }
        g_cond_wait(&s->cond_main, &s->lock);
    }
    if (s->failed) {
        g_propagate_error(errp, g_error_copy(s->err));
        g_mutex_unlock(&s->lock);
        return -1;
    }
    s->synced = 0;
    s->round++;
    g_cond_broadcast(&s->cond_chan);
    g_mutex_unlock(&s->lock);
    return 0;
}

int multifd_recv_get_error(MultiFDRecvState *s, GError **errp)
{
    int r = 0;

    g_mutex_lock(&s->lock);
    if (s->failed) {
        g_propagate_error(errp, g_error_copy(s->err));
        r = -1;
    }
    g_mutex_unlock(&s->lock);
    return r;
}

void multifd_recv_cleanup(MultiFDRecvState *s)
{
    QIOChannel *chans[MULTIFD_MAX_CHANNELS];

    if (!s) {
        return;
    }
    g_mutex_lock(&s->lock);
    s->quit = true;
    g_cond_broadcast(&s->cond_chan);
    g_cond_broadcast(&s->cond_main);
    g_mutex_unlock(&s->lock);

    /* Threads blocked in a read are woken by shutting the channels. */
    for (unsigned int i = 0; i < s->n; i++) {
        chans[i] = s->ch[i].ioc;
    }
    multifd_shutdown_all(chans, s->n, NULL, QIO_CHANNEL_SHUTDOWN_READ);

    for (unsigned int i = 0; i < s->n; i++) {
        MultiFDRecvChannel *c = &s->ch[i];

        if (c->thread) {
            g_thread_join(c->thread);
        }
        if (s->ops->recv_cleanup) {
            s->ops->recv_cleanup(c);
        }
        if (qio_channel_is_socket(c->ioc)) {
            qio_channel_socket_set_recv_waitall(QIO_CHANNEL_SOCKET(c->ioc),
                                                false);
        }
        qio_channel_unref(c->ioc);
    }
    g_free(s->ch);
    g_clear_error(&s->err);
    g_cond_clear(&s->cond_main);
    g_cond_clear(&s->cond_chan);
    g_mutex_clear(&s->file_lock);
    g_mutex_clear(&s->lock);
    g_free(s);
}

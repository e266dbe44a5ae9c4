/*
 * Multifd (QEMU 7.2 wire format): page data over N extra channels.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every channel starts with a 64-byte MultiFDInit packet (see
 * engine.h), then carries packets of a fixed 1344-byte header followed by
 * normal_pages x 4096 bytes of page data.  A SYNC packet (flag bit 0) on
 * every channel precedes each RAM EOS on the main stream; the destination
 * holds the main stream at the EOS until all channels delivered their
 * SYNC, and holds each channel after its SYNC until the main stream got
 * there.
 *
 * Source: the migration thread fills a batch of up to 128 pages of one
 * block and queues it on a channel thread (each holds the packet it is
 * sending plus one queued) by swapping page arrays: no copy, one lock
 * round trip per packet, and a wake-up only when the other side sleeps.  Channel threads write the
 * header with a normal copy and the pages straight from guest RAM, with
 * MSG_ZEROCOPY when enabled; at each SYNC they flush the zero-copy
 * completions.
 *
 * Destination: one thread per channel reads a header, validates every
 * field, and reads the pages straight into guest RAM with one readv.  The
 * first failure of any channel shuts all channels (and the main channel)
 * down so that nothing waits forever.
 */
#ifndef MIGRATION_MULTIFD_H
#define MIGRATION_MULTIFD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "io/channel.h"
#include "migration/engine.h"
#include "system/ramblock.h"

#define MULTIFD_MAGIC 0x11223344U
#define MULTIFD_VERSION 1
#define MULTIFD_FLAG_SYNC (1u << 0)
/* bits 1-3: compression method (0 = none, 1 = zlib, 2 = zstd) */
#define MULTIFD_FLAG_COMPRESSION_MASK (7u << 1)
#define MULTIFD_PACKET_PAGES 128
#define MULTIFD_PACKET_HEADER_SIZE 1344
#define MULTIFD_MAX_CHANNELS 255

typedef struct MultiFDPacket {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t pages_alloc;
    uint32_t normal_pages;
    uint32_t next_packet_size;
    uint64_t packet_num;
    uint64_t unused[4];
    char ramblock[256];
    uint64_t offset[MULTIFD_PACKET_PAGES];
} MultiFDPacket;

/* A batch of pages of one block (offsets in bytes). */
typedef struct MultiFDPages {
    RAMBlock *block;
    uint32_t num;
    uint64_t offset[MULTIFD_PACKET_PAGES];
} MultiFDPages;

typedef struct MultiFDSendState MultiFDSendState;
typedef struct MultiFDRecvState MultiFDRecvState;

/* One source channel; owned by multifd.c, visible to the methods. */
typedef struct MultiFDSendChannel {
    MultiFDSendState *state;
    unsigned int id;
    QIOChannel *ioc;
    GThread *thread;
    MultiFDPacket *packet;       /* header buffer, reused per packet */
    MultiFDPages *pages;         /* the job being sent */
    uint32_t flags;              /* of the packet being built */
    /* iov[0] is the header; the method fills iov[1..iovcnt). */
    struct iovec iov[MULTIFD_PACKET_PAGES + 1];
    unsigned int iovcnt;
    uint64_t payload;            /* page bytes in iov[1..] */
    void *method_data;
    /* Early zero-copy probe flushes still to do, sends since the last. */
    unsigned int zc_probes_left;
    /* dirty_sync_count when this channel last counted a missed zero copy */
    uint64_t zc_missed_sync;
    unsigned int zc_probe_sends;
    bool zc_given_up;            /* the channel dropped zero copy for good */

    /*
     * Protected by the state lock.  A channel holds up to two jobs: the
     * one it is sending (pages) and the next one (next, valid when
     * has_next), so that it never waits for the migration thread between
     * packets.  Sleepers announce themselves (waiting) so that nobody
     * pays for a wake-up system call when the other side is busy.
     */
    MultiFDPages *next;
    bool has_next;
    bool pending_sync;
    bool waiting;                /* in g_cond_wait(&cond) */
    uint64_t next_packet_num;
    uint64_t sync_packet_num;
    GCond cond;
} MultiFDSendChannel;

typedef struct MultiFDRecvChannel {
    MultiFDRecvState *state;
    unsigned int id;
    QIOChannel *ioc;
    GThread *thread;
    MultiFDPacket packet;        /* as read (big-endian fields) */
    uint32_t flags;              /* host order */
    uint32_t normal_pages;
    RAMBlock *block;
    uint64_t offset[MULTIFD_PACKET_PAGES];
    struct iovec iov[MULTIFD_PACKET_PAGES];
    void *method_data;
    /*
     * Page data may be spliced into the file behind a shared, fd-backed
     * RAMBlock (qio_channel_socket_readv_to_file()); file_lock, shared by
     * all channels, serialises their writes to the file.
     */
    bool splice_to_file;
    GMutex *file_lock;
    uint64_t spliced_seen;       /* splice stats already counted */
    uint64_t busy_seen;

    /* Protected by the state lock. */
    bool at_sync;                /* holding after a SYNC packet */
    bool eof;                    /* the peer closed the channel */
} MultiFDRecvChannel;

/* A page-data method (compression); only "none" exists. */
typedef struct MultiFDMethods {
    int (*send_setup)(MultiFDSendChannel *c, GError **errp);
    void (*send_cleanup)(MultiFDSendChannel *c);
    /* Fill c->iov[1..], c->iovcnt, c->payload and compression flags. */
    int (*send_prepare)(MultiFDSendChannel *c, GError **errp);
    int (*recv_setup)(MultiFDRecvChannel *c, GError **errp);
    void (*recv_cleanup)(MultiFDRecvChannel *c);
    /* Check c->flags and read c->normal_pages pages into guest RAM. */
    int (*recv_pages)(MultiFDRecvChannel *c, GError **errp);
} MultiFDMethods;

extern const MultiFDMethods multifd_nocomp_methods;

/* Source -------------------------------------------------------------- */

/**
 * multifd_send_setup:
 * @chans: @n connected channels whose initial packet was already sent
 * @main: the main channel, shut down when a channel fails so that the
 *     migration thread never blocks on it
 *
 * Starts one thread per channel.  Returns NULL with @errp set on failure.
 */
MultiFDSendState *multifd_send_setup(QIOChannel **chans, unsigned int n,
                                     QIOChannel *main, bool zerocopy,
                                     MigrationCounters *counters,
                                     GError **errp);
/* Queue one page (migration thread).  0, or -1 if a channel failed. */
int multifd_queue_page(MultiFDSendState *s, RAMBlock *rb, uint64_t offset,
                       GError **errp);
/*
 * The sync round before a RAM EOS: hand over the partial batch, queue a
 * SYNC on every channel, wait until each has written it (and flushed its
 * zero-copy sends).  0, or -1 with @errp set.
 */
int multifd_send_sync(MultiFDSendState *s, GError **errp);
/* The first channel error, if any (copied into @errp); returns -1 then. */
int multifd_send_get_error(MultiFDSendState *s, GError **errp);
/* Stop and join the threads (channels are left to the caller). */
void multifd_send_cleanup(MultiFDSendState *s);

/* Destination --------------------------------------------------------- */

/*
 * Starts one thread per channel.  @splice: page data for shared,
 * fd-backed RAM blocks may be spliced into the file (see
 * MultiFDRecvChannel.splice_to_file).  NULL with @errp set on failure.
 */
MultiFDRecvState *multifd_recv_setup(QIOChannel **chans, unsigned int n,
                                     QIOChannel *main, GPtrArray *blocks,
                                     bool splice, MigrationCounters *counters,
                                     GError **errp);
/* The barrier at a RAM EOS of the main stream. */
int multifd_recv_sync(MultiFDRecvState *s, GError **errp);
/* The first channel error, if any (copied into @errp); returns -1 then. */
int multifd_recv_get_error(MultiFDRecvState *s, GError **errp);
/*
 * Stop the threads: release any channel held at a SYNC, shut the multifd
 * channels down (reads only) to wake blocked readers, and join.
 */
void multifd_recv_cleanup(MultiFDRecvState *s);

#endif /* MIGRATION_MULTIFD_H */

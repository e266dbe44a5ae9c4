/*
 * The "ram" live section (version 4): source and destination.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "migration/multifd.h"
#include "migration/ram.h"
#include "migration/savevm.h"

#define BITS_PER_LONG (sizeof(unsigned long) * 8)
/* Check the clock and the budget every this many pages. */
#define RAM_CHECK_EVERY 64
/*
 * The zero-page check reads the first bytes of every page, a cache miss
 * each; prefetching a few pages ahead overlaps those misses.
 */
#define RAM_PREFETCH_PAGES 8
/*
 * The first pass maps guest RAM into our page tables ahead of the scan,
 * this many pages at a time (8 MiB), with MADV_POPULATE_READ: one call
 * maps a whole chunk for a fraction of what a page fault per 16 pages
 * costs (2 GiB of shared-file RAM here: 0.18 s instead of 0.25-0.6 s).
 */
#define RAM_POPULATE_PAGES 2048

typedef struct RAMBlockDirty {
    RAMBlock *rb;
    unsigned long *bmap;
    uint64_t npages;
    uint64_t mapped_upto;       /* pages below were populated (first pass) */
} RAMBlockDirty;

struct RAMSaveState {
    GPtrArray *blocks;
    RAMBlockDirty *bd;
    unsigned int nblocks;
    uint64_t dirty_pages;       /* set bits over all bitmaps */
    unsigned int cur_block;     /* cursor */
    uint64_t cur_page;
    RAMBlock *last_sent_block;  /* CONTINUE state of the main stream */
    uint64_t produced;          /* bytes of records + multifd page data */
    MultiFDSendState *mfd;
    MigrationCounters *counters;
    uint64_t synced_pages;      /* reported by the tracker, all syncs */
    const RAMDirtyOps *dirty_ops;
    void *dirty_opaque;
};

bool buffer_is_zero(const void *p, size_t len)
{
    const uint64_t *w = p;
    size_t n = len / 8;

    /* Cheap early exits: most non-zero pages differ at the edges. */
    if (!n || w[0] || w[n - 1]) {
        return n == 0;
    }
    /* OR 8 words at a time (vectorised by the compiler), stop early. */
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t acc = w[i] | w[i + 1] | w[i + 2] | w[i + 3] |
                       w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
        if (acc) {
            return false;
        }
    }
    for (size_t i = n & ~(size_t)7; i < n; i++) {
        if (w[i]) {
            return false;
        }
    }
    return true;
}

RAMBlock *ram_find_block(GPtrArray *blocks, const char *idstr)
{
    for (guint i = 0; blocks && i < blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(blocks, i);

        if (!strcmp(rb->idstr, idstr)) {
            return rb;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Dirty bitmap */

static inline bool bitmap_test_and_clear(unsigned long *map, uint64_t nr)
{
    unsigned long mask = 1UL << (nr % BITS_PER_LONG);
    unsigned long *w = &map[nr / BITS_PER_LONG];
    bool was = *w & mask;

    *w &= ~mask;
    return was;
}

/* First set bit >= @start, or @size. */
static uint64_t bitmap_find_next(const unsigned long *map, uint64_t size,
                                 uint64_t start)
{
    uint64_t i = start / BITS_PER_LONG;
    unsigned long w;

    if (start >= size) {
        return size;
    }
    w = map[i] & (~0UL << (start % BITS_PER_LONG));
    for (;;) {
        if (w) {
            uint64_t bit = i * BITS_PER_LONG + __builtin_ctzl(w);

            return MIN(bit, size);
        }
        if (++i * BITS_PER_LONG >= size) {
            return size;
        }
        w = map[i];
    }
}

static uint64_t bitmap_count(const unsigned long *map, uint64_t size)
{
    uint64_t n = 0;

    for (uint64_t i = 0; i < (size + BITS_PER_LONG - 1) / BITS_PER_LONG;
         i++) {
        n += __builtin_popcountl(map[i]);
    }
    return n;
}

void ram_dirty_mark(RAMSaveState *rs, RAMBlock *rb, uint64_t offset,
                    uint64_t len)
{
    for (unsigned int b = 0; b < rs->nblocks; b++) {
        RAMBlockDirty *bd = &rs->bd[b];
        uint64_t first, last;

        if (bd->rb != rb || !len || offset >= rb->used_length) {
            continue;
        }
        first = offset / TARGET_PAGE_SIZE;
        last = MIN((offset + len - 1) / TARGET_PAGE_SIZE, bd->npages - 1);
        for (uint64_t p = first; p <= last; p++) {
            unsigned long mask = 1UL << (p % BITS_PER_LONG);

            if (!(bd->bmap[p / BITS_PER_LONG] & mask)) {
                bd->bmap[p / BITS_PER_LONG] |= mask;
                rs->dirty_pages++;
            }
        }
    }
}

uint64_t ram_dirty_sync(RAMSaveState *rs, GError **errp)
{
    if (rs->dirty_ops && rs->dirty_ops->sync) {
        for (unsigned int b = 0; b < rs->nblocks; b++) {
            RAMBlockDirty *bd = &rs->bd[b];
            int64_t n = rs->dirty_ops->sync(rs->dirty_opaque, bd->rb,
                                            bd->bmap, bd->npages, errp);

            if (n < 0) {
                return 0;
            }
            rs->synced_pages += n;
        }
        /* The provider may set bits that were already set: recount. */
        rs->dirty_pages = 0;
        for (unsigned int b = 0; b < rs->nblocks; b++) {
            rs->dirty_pages += bitmap_count(rs->bd[b].bmap, rs->bd[b].npages);
        }
    }
    atomic_store(&rs->counters->remaining,
                 rs->dirty_pages * TARGET_PAGE_SIZE);
    return atomic_fetch_add(&rs->counters->dirty_sync_count, 1) + 1;
}

uint64_t ram_dirty_pending_bytes(RAMSaveState *rs)
{
    return rs->dirty_pages * TARGET_PAGE_SIZE;
}

uint64_t ram_dirty_synced_pages(RAMSaveState *rs)
{
    return rs->synced_pages;
}

uint64_t ram_bytes_produced(RAMSaveState *rs)
{
    return rs->produced;
}

/* ------------------------------------------------------------------ */
/* Source */

RAMSaveState *ram_save_new(GPtrArray *blocks, MigrationCounters *counters,
                           MultiFDSendState *mfd,
                           const RAMDirtyOps *dirty_ops, void *dirty_opaque)
{
    RAMSaveState *rs = g_new0(RAMSaveState, 1);

    rs->blocks = blocks;
    rs->nblocks = blocks ? blocks->len : 0;
    rs->bd = g_new0(RAMBlockDirty, rs->nblocks);
    for (unsigned int b = 0; b < rs->nblocks; b++) {
        RAMBlockDirty *bd = &rs->bd[b];

        bd->rb = g_ptr_array_index(blocks, b);
        bd->npages = bd->rb->used_length / TARGET_PAGE_SIZE;
        bd->bmap = g_new0(unsigned long,
                          (bd->npages + BITS_PER_LONG - 1) / BITS_PER_LONG);
    }
    rs->counters = counters;
    rs->mfd = mfd;
    rs->dirty_ops = dirty_ops;
    rs->dirty_opaque = dirty_opaque;
    return rs;
}

void ram_save_free(RAMSaveState *rs)
{
    if (!rs) {
        return;
    }
    for (unsigned int b = 0; b < rs->nblocks; b++) {
        g_free(rs->bd[b].bmap);
    }
    g_free(rs->bd);
    g_free(rs);
}

/* End of a RAM body: multifd barrier, then EOS on the main stream. */
static int ram_save_eos(RAMSaveState *rs, QEMUFile *f, GError **errp)
{
    if (rs->mfd && multifd_send_sync(rs->mfd, errp) < 0) {
        return -1;
    }
    qemu_put_be64(f, RAM_SAVE_FLAG_EOS);
    rs->produced += 8;
    return qemu_file_get_error(f, errp);
}

/*
 * Map every page of guest RAM into our page tables before a dirty tracker
 * starts.  Write-protection trackers (userfaultfd-wp) mark pages that are
 * not mapped yet, and then every first read of such a page by the
 * zero-page scan is a fault of its own (no fault-around): half a second
 * per 2 GiB of shared-file RAM here.  Mapping them all in one call first
 * costs a third of that, and the scan then never faults.  Best effort.
 */
static void ram_save_prefault(RAMSaveState *rs)
{
#ifdef MADV_POPULATE_READ
    for (unsigned int b = 0; b < rs->nblocks; b++) {
        RAMBlock *rb = rs->bd[b].rb;

        (void)madvise(rb->host, rb->used_length, MADV_POPULATE_READ);
        rs->bd[b].mapped_upto = rs->bd[b].npages;
    }
#endif
}

/* Map [@page, @page + RAM_POPULATE_PAGES) if not yet.  Best effort. */
static void ram_populate_chunk(RAMBlockDirty *bd, uint64_t page)
{
    uint64_t end = MIN(page + RAM_POPULATE_PAGES, bd->npages);

#ifdef MADV_POPULATE_READ
    (void)madvise(bd->rb->host + page * TARGET_PAGE_SIZE,
                  (end - page) * TARGET_PAGE_SIZE, MADV_POPULATE_READ);
#endif
    bd->mapped_upto = end;
}

int ram_save_setup(RAMSaveState *rs, QEMUFile *f, GError **errp)
{
    uint64_t total = 0;

    if (rs->dirty_ops && rs->dirty_ops->sync) {
        ram_save_prefault(rs);
    }

    for (unsigned int b = 0; b < rs->nblocks; b++) {
        RAMBlockDirty *bd = &rs->bd[b];

        total += bd->rb->used_length;
        /* Everything is to be sent once. */
        memset(bd->bmap, 0xff, (bd->npages / BITS_PER_LONG) *
               sizeof(unsigned long));
        for (uint64_t p = bd->npages & ~(BITS_PER_LONG - 1); p < bd->npages;
             p++) {
            bd->bmap[p / BITS_PER_LONG] |= 1UL << (p % BITS_PER_LONG);
        }
        rs->dirty_pages += bd->npages;
    }
    rs->cur_block = 0;
    rs->cur_page = 0;
    rs->last_sent_block = NULL;

    qemu_put_be64(f, total | RAM_SAVE_FLAG_MEM_SIZE);
    for (unsigned int b = 0; b < rs->nblocks; b++) {
        qemu_put_counted_string(f, rs->bd[b].rb->idstr);
        qemu_put_be64(f, rs->bd[b].rb->used_length);
    }
    return ram_save_eos(rs, f, errp);
}

typedef struct RAMStepStats {
    uint64_t normal;
    uint64_t zero;
} RAMStepStats;

static void ram_put_record_header(RAMSaveState *rs, QEMUFile *f,
                                  RAMBlock *rb, uint64_t offset,
                                  uint64_t flags)
{
    if (rb == rs->last_sent_block) {
        qemu_put_be64(f, offset | flags | RAM_SAVE_FLAG_CONTINUE);
        rs->produced += 8;
    } else {
        qemu_put_be64(f, offset | flags);
        qemu_put_counted_string(f, rb->idstr);
        rs->produced += 9 + strlen(rb->idstr);
        rs->last_sent_block = rb;
    }
}

static int ram_save_page(RAMSaveState *rs, QEMUFile *f, RAMBlock *rb,
                         uint64_t offset, RAMStepStats *st, GError **errp)
{
    const uint8_t *p = rb->host + offset;

    if (buffer_is_zero(p, TARGET_PAGE_SIZE)) {
        ram_put_record_header(rs, f, rb, offset, RAM_SAVE_FLAG_ZERO);
        qemu_put_byte(f, 0);
        rs->produced++;
        st->zero++;
        return 0;
    }
    st->normal++;
    rs->produced += TARGET_PAGE_SIZE;
    if (rs->mfd) {
        return multifd_queue_page(rs->mfd, rb, offset, errp);
    }
    ram_put_record_header(rs, f, rb, offset, RAM_SAVE_FLAG_PAGE);
    /* Straight from guest RAM into the writev, no copy. */
    qemu_put_buffer_nocopy(f, p, TARGET_PAGE_SIZE);
    return 0;
}

/*
 * Send dirty pages from the cursor.  @budget NULL: until nothing is
 * dirty.  Returns 0 or -1.
 */
static int ram_save_pages(RAMSaveState *rs, QEMUFile *f,
                          const RAMIterBudget *budget, GError **errp)
{
    RAMStepStats st = { 0 };
    uint64_t start_produced = rs->produced;
    unsigned int since_check = 0;
    int ret = 0;

    while (rs->dirty_pages && rs->nblocks) {
        RAMBlockDirty *bd = &rs->bd[rs->cur_block];
        uint64_t page = bitmap_find_next(bd->bmap, bd->npages, rs->cur_page);

        if (page >= bd->npages) {
            rs->cur_block = (rs->cur_block + 1) % rs->nblocks;
            rs->cur_page = 0;
            continue;
        }
        if (page >= bd->mapped_upto) {
            ram_populate_chunk(bd, page);
        }
        if (page + RAM_PREFETCH_PAGES < bd->npages) {
            __builtin_prefetch(bd->rb->host +
                               (page + RAM_PREFETCH_PAGES) * TARGET_PAGE_SIZE);
        }
        bitmap_test_and_clear(bd->bmap, page);
        rs->dirty_pages--;
        rs->cur_page = page + 1;
        ret = ram_save_page(rs, f, bd->rb, page * TARGET_PAGE_SIZE, &st,
                            errp);
        if (ret < 0) {
            break;
        }
        if (budget && ++since_check >= RAM_CHECK_EVERY) {
            since_check = 0;
            if (qemu_file_has_error(f)) {
                break;
            }
            if (budget->max_bytes &&
                rs->produced - start_produced >= budget->max_bytes) {
                break;
            }
            if (g_get_monotonic_time() >= budget->deadline_us) {
                break;
            }
        }
    }
    atomic_fetch_add(&rs->counters->normal_pages, st.normal);
    atomic_fetch_add(&rs->counters->duplicate_pages, st.zero);
    atomic_store(&rs->counters->remaining,
                 rs->dirty_pages * TARGET_PAGE_SIZE);
    if (ret < 0) {
        return -1;
    }
    return qemu_file_get_error(f, errp);
}

int ram_save_iterate(RAMSaveState *rs, QEMUFile *f,
                     const RAMIterBudget *budget, GError **errp)
{
    if (ram_save_pages(rs, f, budget, errp) < 0) {
        return -1;
    }
    return ram_save_eos(rs, f, errp);
}

int ram_save_complete(RAMSaveState *rs, QEMUFile *f, GError **errp)
{
    if (ram_save_pages(rs, f, NULL, errp) < 0) {
        return -1;
    }
    return ram_save_eos(rs, f, errp);
}

/* ------------------------------------------------------------------ */
/* Destination */

static void ram_set_error(GError **errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void ram_set_error(GError **errp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_propagate_error(errp, g_error_new_valist(G_IO_ERROR,
                                               G_IO_ERROR_INVALID_ARGUMENT,
                                               fmt, ap));
    va_end(ap);
}

static int ram_load_mem_size(RAMLoadState *rl, QEMUFile *f, uint64_t total,
                             GError **errp)
{
    /* Walk the list until the lengths add up to the total, as QEMU does. */
    while (total) {
        char id[256];
        uint64_t length;
        RAMBlock *rb;

        qemu_get_counted_string(f, id);
        length = qemu_get_be64(f);
        if (qemu_file_get_error(f, errp)) {
            return -1;
        }
        rb = ram_find_block(rl->blocks, id);
        if (!rb) {
            ram_set_error(errp, "Unknown ramblock \"%s\", cannot accept "
                          "migration", id);
            return -1;
        }
        if (length != rb->used_length) {
            ram_set_error(errp, "Size mismatch: %s: 0x%" PRIx64 " != 0x%"
                          PRIx64 ": Invalid argument", id, length,
                          rb->used_length);
            return -1;
        }
        total -= length;
    }
    return 0;
}

static RAMBlock *ram_load_block(RAMLoadState *rl, QEMUFile *f, int flags,
                                GError **errp)
{
    char id[256];
    RAMBlock *rb;

    if (flags & RAM_SAVE_FLAG_CONTINUE) {
        if (!rl->last_block) {
            ram_set_error(errp, "Ack, bad migration stream!");
        }
        return rl->last_block;
    }
    if (!qemu_get_counted_string(f, id)) {
        qemu_file_get_error(f, errp);
        return NULL;
    }
    rb = ram_find_block(rl->blocks, id);
    if (!rb) {
        ram_set_error(errp, "Can't find block %s", id);
        return NULL;
    }
    rl->last_block = rb;
    return rb;
}

int ram_load(RAMLoadState *rl, QEMUFile *f, uint32_t version_id,
             const char *generic_err, GError **errp)
{
    uint64_t normal = 0, zero = 0;
    int ret = 0;

    if (version_id != SAVEVM_RAM_VERSION) {
        ram_set_error(errp, "%s", generic_err);
        return -1;
    }
    for (;;) {
        uint64_t hdr = qemu_get_be64(f);
        uint64_t addr = hdr & TARGET_PAGE_MASK;
        int flags = hdr & ~TARGET_PAGE_MASK;
        uint8_t *host = NULL;
        RAMBlock *rb;

        if (qemu_file_get_error(f, errp)) {
            ret = -1;
            break;
        }
        if (flags & RAM_SAVE_FLAG_COMPRESS_PAGE) {
            ram_set_error(errp, "Received an unexpected compressed page");
            ret = -1;
            break;
        }
        if (flags & (RAM_SAVE_FLAG_ZERO | RAM_SAVE_FLAG_PAGE |
                     RAM_SAVE_FLAG_XBZRLE)) {
            rb = ram_load_block(rl, f, flags, errp);
            if (!rb) {
                ret = -1;
                break;
            }
            if (addr >= rb->used_length) {
                ram_set_error(errp, "Illegal RAM offset %" PRIx64, addr);
                ret = -1;
                break;
            }
            host = rb->host + addr;
        }

        switch (flags & ~RAM_SAVE_FLAG_CONTINUE) {
        case RAM_SAVE_FLAG_MEM_SIZE:
            ret = ram_load_mem_size(rl, f, addr, errp);
            break;
        case RAM_SAVE_FLAG_ZERO: {
            uint8_t ch = qemu_get_byte(f);

            /* Leave untouched zero pages alone (don't fault them in). */
            if (ch || !buffer_is_zero(host, TARGET_PAGE_SIZE)) {
                memset(host, ch, TARGET_PAGE_SIZE);
            }
            zero++;
            break;
        }
        case RAM_SAVE_FLAG_PAGE:
            qemu_get_buffer(f, host, TARGET_PAGE_SIZE);
            normal++;
            break;
        case RAM_SAVE_FLAG_XBZRLE:
            ram_set_error(errp, "Failed to load XBZRLE page - wrong "
                          "compression!");
            ret = -1;
            break;
        case RAM_SAVE_FLAG_EOS:
            if (rl->mfd && multifd_recv_sync(rl->mfd, errp) < 0) {
                ret = -1;
            }
            goto out;
        default:
            if (flags & RAM_SAVE_FLAG_HOOK) {
                ram_set_error(errp, "%s", generic_err);
            } else {
                ram_set_error(errp, "Unknown combination of migration "
                              "flags: 0x%x", flags);
            }
            ret = -1;
            break;
        }
        if (ret < 0) {
            break;
        }
    }
out:
    atomic_fetch_add(&rl->counters->normal_pages, normal);
    atomic_fetch_add(&rl->counters->duplicate_pages, zero);
    if (ret == 0 && qemu_file_get_error(f, errp)) {
        ret = -1;
    }
    return ret;
}

char *ram_block_checksum(RAMBlock *rb)
{
    g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
    const uint64_t chunk = 1 << 20;

    for (uint64_t off = 0; off < rb->used_length; off += chunk) {
        g_checksum_update(ck, rb->host + off,
                          MIN(chunk, rb->used_length - off));
    }
    return g_strdup(g_checksum_get_string(ck));
}

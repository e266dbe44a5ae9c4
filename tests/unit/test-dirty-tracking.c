/*
 * Dirty tracking: every backend (uffd-wp-async, mprotect) on every kind
 * of guest RAM (anonymous, memfd, file).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The strongest case mimics a migration: a "sender" keeps a shadow copy
 * of the RAM, refreshing every page the tracker reports, while writer
 * threads keep writing.  Once the writers stopped and a last sync was
 * copied, the shadow must equal the RAM byte for byte: any write the
 * tracker missed leaves a difference.
 */
#include "config-host.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "migration-test-util.h"
#include "migration/dirty-tracking.h"

#define BPL (sizeof(unsigned long) * 8)
#define TEST_BLOCK_SIZE (8u << 20)
#define TEST_DEADLINE_US (60 * G_USEC_PER_SEC)

typedef struct TestCase {
    DirtyTrackMethod method;
    MTRamKind ram;
} TestCase;

static bool test_bit(const unsigned long *map, uint64_t nr)
{
    return map[nr / BPL] & (1UL << (nr % BPL));
}

/* A tracker with @tc's method on one block, or NULL after a skip. */
static DirtyTracker *test_tracker(const TestCase *tc, RAMBlock *rb,
                                  GPtrArray **blocks)
{
    g_autoptr(GError) err = NULL;
    DirtyTracker *dt;

    *blocks = g_ptr_array_new();
    g_ptr_array_add(*blocks, rb);
    if (tc->method == DIRTY_TRACK_UFFD_ASYNC) {
        const char *why = NULL;

        if (dirty_track_probe(rb, &why) != DIRTY_TRACK_UFFD_ASYNC) {
            g_test_skip(why ? why : "uffd-wp-async unavailable");
            return NULL;
        }
    }
    dt = dirty_tracker_new(*blocks, tc->method);
    g_assert_true(dirty_tracker_start(dt, &err));
    g_assert_no_error(err);
    g_assert_cmpint(dirty_tracker_block_method(dt, rb), ==, tc->method);
    return dt;
}

static int64_t test_sync(DirtyTracker *dt, RAMBlock *rb, unsigned long *bmap)
{
    g_autoptr(GError) err = NULL;
    int64_t n;

    n = dirty_tracker_sync_block(dt, rb, bmap,
                                 rb->used_length / TARGET_PAGE_SIZE, &err);
    g_assert_no_error(err);
    g_assert_cmpint(n, >=, 0);
    return n;
}

/* A write marks its page, a sync clears it, an untouched page stays. */
static void test_mark_and_clear(gconstpointer data)
{
    const TestCase *tc = data;
    RAMBlock *rb = mt_mapped_block_new(tc->ram, TEST_BLOCK_SIZE,
                                       "test-dirty");
    uint64_t npages = rb->used_length / TARGET_PAGE_SIZE;
    g_autofree unsigned long *bmap = g_new0(unsigned long, npages / BPL + 1);
    uint64_t gran = tc->method == DIRTY_TRACK_MPROTECT ?
                    DIRTY_MPROTECT_GRANULE : 1;
    GPtrArray *blocks;
    DirtyTracker *dt = test_tracker(tc, rb, &blocks);

    if (!dt) {
        goto out;
    }
    /* Nothing written since the start. */
    g_assert_cmpint(test_sync(dt, rb, bmap), ==, 0);

    rb->host[5 * TARGET_PAGE_SIZE] = 1;
    rb->host[100 * TARGET_PAGE_SIZE + 17] = 2;
    rb->host[rb->used_length - 1] = 3;
    g_assert_cmpint(test_sync(dt, rb, bmap), ==, 3 * gran);
    g_assert_true(test_bit(bmap, 5));
    g_assert_true(test_bit(bmap, 100));
    g_assert_true(test_bit(bmap, npages - 1));
    if (gran == 1) {
        g_assert_false(test_bit(bmap, 6));
        g_assert_false(test_bit(bmap, 99));
    }
    g_assert_false(test_bit(bmap, 1000));

    /* The sync re-protected: nothing new, then exactly the new write. */
    memset(bmap, 0, (npages / BPL + 1) * sizeof(unsigned long));
    g_assert_cmpint(test_sync(dt, rb, bmap), ==, 0);
    rb->host[5 * TARGET_PAGE_SIZE + 1] = 9;
    g_assert_cmpint(test_sync(dt, rb, bmap), ==, gran);
    g_assert_true(test_bit(bmap, 5));
    g_assert_false(test_bit(bmap, 100));
    /* Reads never count. */
    memset(bmap, 0, (npages / BPL + 1) * sizeof(unsigned long));
    g_assert_cmpint(rb->host[100 * TARGET_PAGE_SIZE + 17], ==, 2);
    g_assert_cmpint(test_sync(dt, rb, bmap), ==, 0);

    /* After stop the RAM is plainly writable and untracked. */
    dirty_tracker_stop(dt);
    rb->host[7 * TARGET_PAGE_SIZE] = 4;
    g_assert_cmpint(test_sync(dt, rb, bmap), ==, 0);
    g_assert_cmpint(rb->host[7 * TARGET_PAGE_SIZE], ==, 4);
    dirty_tracker_free(dt);
out:
    g_ptr_array_unref(blocks);
    mt_mapped_block_free(rb);
}

/* The engine's hook: the first sync only starts tracking. */
static void test_ram_ops(gconstpointer data)
{
    const TestCase *tc = data;
    RAMBlock *rb = mt_mapped_block_new(tc->ram, TEST_BLOCK_SIZE,
                                       "test-dirty");
    uint64_t npages = rb->used_length / TARGET_PAGE_SIZE;
    g_autofree unsigned long *bmap = g_new0(unsigned long, npages / BPL + 1);
    g_autoptr(GPtrArray) blocks = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    DirtyTracker *dt;
    const char *why = NULL;

    if (tc->method == DIRTY_TRACK_UFFD_ASYNC &&
        dirty_track_probe(rb, &why) != DIRTY_TRACK_UFFD_ASYNC) {
        g_test_skip(why);
        mt_mapped_block_free(rb);
        return;
    }
    g_ptr_array_add(blocks, rb);
    dt = dirty_tracker_new(blocks, tc->method);
    g_assert_cmpint(dirty_tracker_block_method(dt, rb), ==,
                    DIRTY_TRACK_NONE);
    rb->host[0] = 1;     /* before tracking: not reported */
    g_assert_cmpint(dirty_tracker_ram_ops.sync(dt, rb, bmap, npages, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(dirty_tracker_block_method(dt, rb), ==, tc->method);
    rb->host[3 * TARGET_PAGE_SIZE] = 1;
    g_assert_cmpint(dirty_tracker_ram_ops.sync(dt, rb, bmap, npages, &err),
                    >=, 1);
    g_assert_true(test_bit(bmap, 3));
    dirty_tracker_free(dt);
    mt_mapped_block_free(rb);
}

typedef struct Writer {
    RAMBlock *rb;
    atomic_bool *stop;
    _Atomic uint64_t writes;
    uint64_t seed;
    unsigned int id;
    unsigned int nwriters;
} Writer;

static gpointer writer_thread(gpointer opaque)
{
    Writer *w = opaque;
    uint64_t npages = w->rb->used_length / TARGET_PAGE_SIZE;
    uint64_t x = w->seed, n = 0;

    while (!atomic_load(w->stop)) {
        uint64_t page, off;

        /* xorshift: pages all over the block, values always new. */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        page = x % npages;
        off = (x >> 32) % (TARGET_PAGE_SIZE / 8);
        ((volatile uint64_t *)(w->rb->host + page * TARGET_PAGE_SIZE))[off] =
            ++n * w->nwriters + w->id;
        atomic_store(&w->writes, n);
    }
    return NULL;
}

/* Writers race with sync + copy; the final copy must equal the RAM. */
static void test_concurrent(gconstpointer data)
{
    const TestCase *tc = data;
    enum { NWRITERS = 3, ROUNDS = 40 };
    RAMBlock *rb = mt_mapped_block_new(tc->ram, TEST_BLOCK_SIZE,
                                       "test-dirty");
    uint64_t npages = rb->used_length / TARGET_PAGE_SIZE;
    g_autofree unsigned long *bmap = g_new0(unsigned long, npages / BPL + 1);
    g_autofree uint8_t *shadow = g_malloc(rb->used_length);
    atomic_bool stop = false;
    Writer w[NWRITERS];
    GThread *t[NWRITERS];
    GPtrArray *blocks;
    DirtyTracker *dt = test_tracker(tc, rb, &blocks);
    uint64_t copied = 0, reported_rounds = 0, total_writes = 0;
    gint64 deadline = g_get_monotonic_time() + TEST_DEADLINE_US;

    if (!dt) {
        goto out;
    }
    for (int i = 0; i < NWRITERS; i++) {
        w[i] = (Writer) {
            .rb = rb, .stop = &stop, .seed = 0x9e3779b97f4a7c15ULL * (i + 1),
            .id = i, .nwriters = NWRITERS,
        };
        t[i] = g_thread_new("writer", writer_thread, &w[i]);
    }
    /* The first full pass, while the writers already run. */
    memcpy(shadow, rb->host, rb->used_length);
    for (int round = 0; round < ROUNDS; round++) {
        int64_t n = test_sync(dt, rb, bmap);

        reported_rounds += n > 0;
        for (uint64_t p = 0; p < npages; p++) {
            if (test_bit(bmap, p)) {
                memcpy(shadow + p * TARGET_PAGE_SIZE,
                       rb->host + p * TARGET_PAGE_SIZE, TARGET_PAGE_SIZE);
                bmap[p / BPL] &= ~(1UL << (p % BPL));
                copied++;
            }
        }
    }
    /* Let every writer write a fair amount before stopping them. */
    for (int i = 0; i < NWRITERS; i++) {
        while (atomic_load(&w[i].writes) < 10000) {
            g_assert_cmpint(g_get_monotonic_time(), <, deadline);
            g_thread_yield();
        }
    }
    atomic_store(&stop, true);
    for (int i = 0; i < NWRITERS; i++) {
        g_thread_join(t[i]);
        total_writes += atomic_load(&w[i].writes);
    }
    /* Final round, like the switchover with the guest stopped. */
    test_sync(dt, rb, bmap);
    for (uint64_t p = 0; p < npages; p++) {
        if (test_bit(bmap, p)) {
            memcpy(shadow + p * TARGET_PAGE_SIZE,
                   rb->host + p * TARGET_PAGE_SIZE, TARGET_PAGE_SIZE);
        }
    }
    g_test_message("%" G_GUINT64_FORMAT " writes, %" G_GUINT64_FORMAT
                   " page copies, %" G_GUINT64_FORMAT "/%d rounds with "
                   "dirty pages", total_writes, copied, reported_rounds,
                   ROUNDS);
    g_assert_cmpuint(total_writes, >=, NWRITERS * 10000);
    for (uint64_t p = 0; p < npages; p++) {
        if (memcmp(shadow + p * TARGET_PAGE_SIZE,
                   rb->host + p * TARGET_PAGE_SIZE, TARGET_PAGE_SIZE)) {
            g_error("page %" G_GUINT64_FORMAT " written but never reported",
                    p);
        }
    }
    dirty_tracker_free(dt);
out:
    g_ptr_array_unref(blocks);
    mt_mapped_block_free(rb);
}

/*
 * -m perf: the cost of tracking for the worst case of the sweep
 * workload: every page written once per dirty-sync round (so every
 * write is the first after a re-protection).  Prints ns per page write
 * untracked and tracked, and the cost of the sync itself per page.
 */
static void test_overhead(gconstpointer data)
{
    const TestCase *tc = data;
    enum { ROUNDS = 20 };
    RAMBlock *rb = mt_mapped_block_new(tc->ram, 64u << 20, "test-dirty");
    uint64_t npages = rb->used_length / TARGET_PAGE_SIZE;
    g_autofree unsigned long *bmap = g_new0(unsigned long, npages / BPL + 1);
    double write_ns[2] = { 0 }, sync_ns = 0;
    GPtrArray *blocks = g_ptr_array_new();
    DirtyTracker *dt = NULL;
    const char *why = NULL;

    g_ptr_array_add(blocks, rb);
    if (tc->method == DIRTY_TRACK_UFFD_ASYNC &&
        dirty_track_probe(rb, &why) != DIRTY_TRACK_UFFD_ASYNC) {
        g_test_skip(why);
        goto out;
    }
    /* Populate first: page faults are not the tracker's cost. */
    for (uint64_t p = 0; p < npages; p++) {
        rb->host[p * TARGET_PAGE_SIZE] = 1;
    }
    for (int tracked = 0; tracked < 2; tracked++) {
        gint64 wt = 0, st = 0;

        if (tracked) {
            g_autoptr(GError) err = NULL;

            dt = dirty_tracker_new(blocks, tc->method);
            g_assert_true(dirty_tracker_start(dt, &err));
        }
        for (int r = 0; r < ROUNDS; r++) {
            gint64 t0 = g_get_monotonic_time(), t1;

            for (uint64_t p = 0; p < npages; p++) {
                ((volatile uint8_t *)rb->host)[p * TARGET_PAGE_SIZE]++;
            }
            t1 = g_get_monotonic_time();
            wt += t1 - t0;
            if (tracked) {
                g_assert_cmpint(test_sync(dt, rb, bmap), ==, npages);
                st += g_get_monotonic_time() - t1;
            }
        }
        write_ns[tracked] = wt * 1000.0 / (ROUNDS * npages);
        if (tracked) {
            sync_ns = st * 1000.0 / (ROUNDS * npages);
        }
        g_clear_pointer(&dt, dirty_tracker_free);
    }
    g_test_message("%s/%s: first write after a sync %.1f ns/page untracked, "
                   "%.1f ns/page tracked; sync %.1f ns/page",
                   dirty_track_method_str(tc->method),
                   tc->ram == MT_RAM_ANON ? "ram" :
                   tc->ram == MT_RAM_MEMFD ? "memfd" : "file",
                   write_ns[0], write_ns[1], sync_ns);
out:
    g_ptr_array_unref(blocks);
    mt_mapped_block_free(rb);
}

static void test_method_names(void)
{
    DirtyTrackMethod m;

    g_assert_cmpstr(dirty_track_method_str(DIRTY_TRACK_UFFD_ASYNC), ==,
                    "uffd-wp-async");
    g_assert_true(dirty_track_method_parse("mprotect", &m));
    g_assert_cmpint(m, ==, DIRTY_TRACK_MPROTECT);
    g_assert_false(dirty_track_method_parse("soft-dirty", &m));
}

/* AUTO on this kernel: what it picks for each kind, and that it works. */
static void test_auto(gconstpointer data)
{
    const TestCase *tc = data;
    RAMBlock *rb = mt_mapped_block_new(tc->ram, TEST_BLOCK_SIZE,
                                       "test-dirty");
    g_autoptr(GPtrArray) blocks = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    g_autofree unsigned long *bmap =
        g_new0(unsigned long, TEST_BLOCK_SIZE / TARGET_PAGE_SIZE / BPL + 1);
    const char *why = NULL;
    DirtyTrackMethod probed = dirty_track_probe(rb, &why);
    DirtyTracker *dt;

    g_ptr_array_add(blocks, rb);
    dt = dirty_tracker_new(blocks, DIRTY_TRACK_AUTO);
    g_assert_true(dirty_tracker_start(dt, &err));
    g_assert_no_error(err);
    g_test_message("auto picks %s%s%s", dirty_track_method_str(probed),
                   why ? ": " : "", why ? why : "");
    g_assert_cmpint(dirty_tracker_block_method(dt, rb), ==, probed);
    rb->host[TARGET_PAGE_SIZE * 2] = 1;
    g_assert_cmpint(test_sync(dt, rb, bmap), >=, 1);
    g_assert_true(test_bit(bmap, 2));
    dirty_tracker_free(dt);
    mt_mapped_block_free(rb);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        DirtyTrackMethod m;
    } methods[] = {
        { "uffd-wp-async", DIRTY_TRACK_UFFD_ASYNC },
        { "mprotect", DIRTY_TRACK_MPROTECT },
    };
    static const char *const rams[] = { "ram", "memfd", "file" };
    static TestCase cases[G_N_ELEMENTS(methods)][G_N_ELEMENTS(rams)];

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dirty-tracking/method-names", test_method_names);
    for (unsigned int m = 0; m < G_N_ELEMENTS(methods); m++) {
        for (unsigned int r = 0; r < G_N_ELEMENTS(rams); r++) {
            g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;

            cases[m][r] = (TestCase) { methods[m].m, (MTRamKind)r };
            p1 = g_strdup_printf("/dirty-tracking/%s/%s/mark-and-clear",
                                 methods[m].name, rams[r]);
            p2 = g_strdup_printf("/dirty-tracking/%s/%s/ram-ops",
                                 methods[m].name, rams[r]);
            p3 = g_strdup_printf("/dirty-tracking/%s/%s/concurrent-writers",
                                 methods[m].name, rams[r]);
            g_test_add_data_func(p1, &cases[m][r], test_mark_and_clear);
            g_test_add_data_func(p2, &cases[m][r], test_ram_ops);
            g_test_add_data_func(p3, &cases[m][r], test_concurrent);
            if (g_test_perf()) {
                g_autofree char *p4 = g_strdup_printf(
                    "/dirty-tracking/%s/%s/overhead", methods[m].name,
                    rams[r]);

                g_test_add_data_func(p4, &cases[m][r], test_overhead);
            }
        }
    }
    for (unsigned int r = 0; r < G_N_ELEMENTS(rams); r++) {
        g_autofree char *p = g_strdup_printf("/dirty-tracking/auto/%s",
                                             rams[r]);

        g_test_add_data_func(p, &cases[0][r], test_auto);
    }
    return g_test_run();
}

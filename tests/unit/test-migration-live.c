/*
 * Live migration in one process: a guest workload writes the source RAM
 * while the engine migrates it with kernel dirty tracking, over a
 * single stream or multifd (with and without zero copy), for every RAM
 * backend.  The source's workload pauses at the switchover, so the
 * destination must end up byte-identical to the source, and the
 * workload's pattern check must pass there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "migration-test-util.h"
#include "migration/dirty-tracking.h"
#include "migration/multifd.h"
#include "system/workload.h"

#define LIVE_MAX_CH 4
#define LIVE_DEADLINE_US (120 * G_USEC_PER_SEC)

static const uint8_t live_uuid[16];

/* A machine with one mmap()ed block of @kind (what system/ builds). */
static MachineState *live_machine_new(MTRamKind kind, uint64_t size)
{
    MachineState *ms = g_new0(MachineState, 1);

    g_mutex_init(&ms->lock);
    ms->runstate = RUN_STATE_RUNNING;
    ms->machine_type = g_strdup("none");
    ms->ram_blocks = g_ptr_array_new();
    ms->ram_size = size;
    g_ptr_array_add(ms->ram_blocks,
                    mt_mapped_block_new(kind, size, "test-live"));
    return ms;
}

static void live_machine_free(MachineState *ms)
{
    workloads_shutdown(ms);
    mt_mapped_block_free(g_ptr_array_index(ms->ram_blocks, 0));
    g_ptr_array_unref(ms->ram_blocks);
    g_free(ms->machine_type);
    g_mutex_clear(&ms->lock);
    g_free(ms);
}

static RAMBlock *live_ram(MachineState *ms)
{
    return g_ptr_array_index(ms->ram_blocks, 0);
}

/* ---- hooks: what migration.c does, observable ---------------------- */

typedef struct LiveHooks {
    MachineState *ms;
    unsigned int passes;
    unsigned int cancel_after;   /* cancel at this pass (0: never) */
    bool cancel;
    bool stopped;
    bool write_before_stop;      /* a last guest write racing the stop */
    QIOChannel **chans;          /* shut down on cancel */
    unsigned int nchans;
} LiveHooks;

static void live_set_status(void *opaque, MigrationStatus st)
{
}

static void live_pass(void *opaque, uint64_t pass)
{
    LiveHooks *h = opaque;

    h->passes = pass;
    if (h->cancel_after && pass >= h->cancel_after) {
        h->cancel = true;
    }
}

static bool live_wait_continue(void *opaque)
{
    return true;
}

/* vm_stop(): the workload's writers are quiet once the lock was taken. */
static void live_stop_vm(void *opaque)
{
    LiveHooks *h = opaque;
    RAMBlock *rb = live_ram(h->ms);

    if (h->write_before_stop) {
        /* Page 3 was sent long ago; this write must still arrive. */
        rb->host[3 * TARGET_PAGE_SIZE + 100] ^= 0x5a;
    }
    g_mutex_lock(&h->ms->lock);
    h->ms->runstate = RUN_STATE_FINISH_MIGRATE;
    g_mutex_unlock(&h->ms->lock);
    h->stopped = true;
}

static bool live_cancelled(void *opaque)
{
    return ((LiveHooks *)opaque)->cancel;
}

static const MigrationSourceHooks live_hooks = {
    .set_status = live_set_status,
    .pass = live_pass,
    .wait_continue = live_wait_continue,
    .stop_vm = live_stop_vm,
    .cancelled = live_cancelled,
};

/* ---- channels and the destination thread --------------------------- */

typedef struct LiveRun {
    MachineState *src, *dst;
    QIOChannel *src_main, *dst_main;
    QIOChannel *src_mfd[LIVE_MAX_CH], *dst_mfd[LIVE_MAX_CH];
    unsigned int n;
    MigrationCounters sc, dc;
    int dst_ret;
    GError *dst_err;
} LiveRun;

static bool live_connect(LiveRun *r, unsigned int n, bool tcp)
{
    g_autoptr(GError) err = NULL;

    r->n = n;
    g_assert_true(mt_channel_pair(tcp, &r->src_main, &r->dst_main, &err));
    for (unsigned int i = 0; i < n; i++) {
        uint8_t id;

        g_assert_true(mt_channel_pair(tcp, &r->src_mfd[i], &r->dst_mfd[i],
                                      &err));
        if (tcp && !qio_channel_has_feature(r->src_mfd[i],
                                            QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
            return false;
        }
        g_assert_cmpint(multifd_send_initial_packet(r->src_mfd[i], live_uuid,
                                                    i, &err), ==, 0);
        g_assert_cmpint(multifd_recv_initial_packet(r->dst_mfd[i], live_uuid,
                                                    n, &id, &err), ==, 0);
        g_assert_cmpuint(id, ==, i);
    }
    return true;
}

static void live_close(LiveRun *r)
{
    g_clear_pointer(&r->src_main, qio_channel_unref);
    g_clear_pointer(&r->dst_main, qio_channel_unref);
    for (unsigned int i = 0; i < r->n; i++) {
        g_clear_pointer(&r->src_mfd[i], qio_channel_unref);
        g_clear_pointer(&r->dst_mfd[i], qio_channel_unref);
    }
    g_clear_error(&r->dst_err);
}

static gpointer live_dest_thread(gpointer opaque)
{
    LiveRun *r = opaque;
    MigrationIncomingParams p = { 0 };
    MTHooks h = { 0 };

    p.ms = r->dst;
    p.main = r->dst_main;
    p.multifd = r->dst_mfd;
    p.n_multifd = r->n;
    p.counters = &r->dc;
    p.hooks = &mt_incoming_hooks;
    p.opaque = &h;
    r->dst_ret = migration_incoming_run(&p, &r->dst_err);
    g_free(p.warning);
    return NULL;
}

static GuestWorkloadInfo *live_info(MachineState *ms)
{
    GuestWorkloadInfoList *l = workload_query(ms);
    GuestWorkloadInfo *i = g_steal_pointer(&l->value);

    qapi_free_GuestWorkloadInfoList(l);
    return i;
}

/* Poll until the workload made @sweeps sweeps and wrote @pages pages. */
static void live_wait_progress(MachineState *ms, uint64_t sweeps,
                               uint64_t pages)
{
    gint64 deadline = g_get_monotonic_time() + LIVE_DEADLINE_US;

    for (;;) {
        g_autoptr(GuestWorkloadInfo) i = live_info(ms);

        if (i->sweeps >= sweeps && i->pages_written >= pages) {
            return;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);   /* polling, not synchronising */
    }
}

static GuestWorkloadVerifyResult *live_verify(MachineState *ms,
                                              unsigned int threads)
{
    WorkloadParams p = {
        .threads = threads, .pattern = GUEST_WORKLOAD_PATTERN_SWEEP,
    };
    g_autoptr(GError) err = NULL;
    GuestWorkloadVerifyResult *v = workload_verify(ms, &p, &err);

    g_assert_no_error(err);
    return v;
}

/* ---- one migration -------------------------------------------------- */

typedef struct LiveCase {
    const char *name;
    MTRamKind ram;
    unsigned int channels;
    bool zerocopy;
} LiveCase;

typedef struct LiveOpts {
    uint64_t ram_size;
    const char *workload;        /* -object spec, or NULL */
    unsigned int threads;
    uint64_t max_bandwidth;
    uint64_t downtime_ms;
    bool tracking;
    bool write_before_stop;
    bool auto_converge;
    unsigned int cancel_after;
} LiveOpts;

typedef struct LiveResult {
    int ret;
    GError *err;
    LiveHooks h;
    uint64_t max_throttle;
} LiveResult;

static bool live_migrate(const LiveCase *lc, const LiveOpts *o, LiveRun *r,
                         LiveResult *res)
{
    g_autoptr(DirtyTracker) dt = NULL;
    MigrationSourceParams p = { 0 };
    GThread *th;

    memset(r, 0, sizeof(*r));
    memset(res, 0, sizeof(*res));
    if (!live_connect(r, lc->channels, lc->zerocopy)) {
        live_close(r);
        return false;
    }
    r->src = live_machine_new(lc->ram, o->ram_size);
    r->dst = live_machine_new(lc->ram, o->ram_size);
    r->dst->runstate = RUN_STATE_INMIGRATE;
    if (o->workload) {
        RAMBlock *rb = live_ram(r->src);
        g_autoptr(GError) err = NULL;

        /* Non-zero pages (a full-size pass); sweep bytes all equal. */
        memset(rb->host, 0x5a, rb->used_length);
        for (uint64_t pg = 0; pg < rb->used_length / TARGET_PAGE_SIZE; pg++) {
            rb->host[pg * TARGET_PAGE_SIZE] = 0;
        }

        g_assert_true(workload_create_from_opts(r->src, o->workload, &err));
        g_assert_no_error(err);
        live_wait_progress(r->src, 0, 512);
    }
    th = g_thread_new("dest", live_dest_thread, r);

    res->h.ms = r->src;
    res->h.cancel_after = o->cancel_after;
    res->h.write_before_stop = o->write_before_stop;
    if (o->tracking) {
        dt = dirty_tracker_new(r->src->ram_blocks, DIRTY_TRACK_AUTO);
        p.dirty_ops = &dirty_tracker_ram_ops;
        p.dirty_opaque = dt;
    }
    p.ms = r->src;
    p.main = r->src_main;
    p.multifd = r->src_mfd;
    p.n_multifd = r->n;
    p.zerocopy = lc->zerocopy;
    p.max_bandwidth = o->max_bandwidth;
    p.downtime_limit_ms = o->downtime_ms;
    p.counters = &r->sc;
    p.hooks = &live_hooks;
    p.opaque = &res->h;
    p.auto_converge = o->auto_converge;
    p.throttle_trigger_threshold = 50;
    p.cpu_throttle_initial = 50;
    p.cpu_throttle_increment = 49;
    p.max_cpu_throttle = 99;
    res->ret = migration_source_run(&p, &res->err);
    if (res->ret < 0) {
        /* What the control plane does on failure/cancel: wake the peer. */
        qio_channel_shutdown(r->src_main, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
        for (unsigned int i = 0; i < r->n; i++) {
            qio_channel_shutdown(r->src_mfd[i], QIO_CHANNEL_SHUTDOWN_BOTH,
                                 NULL);
        }
    }
    g_thread_join(th);
    return true;
}

static void live_finish(LiveRun *r, LiveResult *res)
{
    live_machine_free(r->src);
    live_machine_free(r->dst);
    live_close(r);
    g_clear_error(&res->err);
}

/* Under load: completes, rounds happened, destination == frozen source. */
static void test_under_load(gconstpointer data)
{
    const LiveCase *lc = data;
    LiveOpts o = {
        .ram_size = 16 << 20,
        .workload = "guest-workload,id=w0,threads=2,dirty-rate=8",
        .threads = 2,
        .max_bandwidth = 32 << 20,
        .downtime_ms = 300,
        .tracking = true,
    };
    g_autoptr(GuestWorkloadVerifyResult) v = NULL;
    g_autoptr(GuestWorkloadInfo) info = NULL;
    RAMBlock *s, *d;
    uint64_t npages = o.ram_size / TARGET_PAGE_SIZE;
    LiveResult res;
    LiveRun r;

    if (!live_migrate(lc, &o, &r, &res)) {
        g_test_skip("MSG_ZEROCOPY not available on TCP loopback here");
        return;
    }
    g_assert_no_error(res.err);
    g_assert_cmpint(res.ret, ==, 0);
    g_assert_no_error(r.dst_err);
    g_assert_cmpint(r.dst_ret, ==, 0);
    g_assert_true(res.h.stopped);
    /* Setup, at least one round with pages the guest dirtied, final. */
    g_assert_cmpuint(r.sc.dirty_sync_count, >=, 3);
    g_assert_cmpuint(r.sc.normal_pages + r.sc.duplicate_pages, >, npages);
    g_assert_cmpuint(r.sc.normal_pages, ==, r.dc.normal_pages);
    info = live_info(r.src);
    g_test_message("%s: %" G_GUINT64_FORMAT " syncs, %" G_GUINT64_FORMAT
                   " pages sent for %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   " guest page writes, downtime %" G_GUINT64_FORMAT " ms, "
                   "missed zero copy %" G_GUINT64_FORMAT, lc->name,
                   r.sc.dirty_sync_count,
                   r.sc.normal_pages + r.sc.duplicate_pages, npages,
                   info->pages_written, r.sc.downtime_ms,
                   r.sc.dirty_sync_missed_zero_copy);
    g_assert_true(info->paused);

    s = live_ram(r.src);
    d = live_ram(r.dst);
    for (uint64_t pg = 0; pg < npages; pg++) {
        if (memcmp(s->host + pg * TARGET_PAGE_SIZE,
                   d->host + pg * TARGET_PAGE_SIZE, TARGET_PAGE_SIZE)) {
            g_error("page %" G_GUINT64_FORMAT " differs: src %u dst %u", pg,
                    s->host[pg * TARGET_PAGE_SIZE],
                    d->host[pg * TARGET_PAGE_SIZE]);
        }
    }
    v = live_verify(r.dst, o.threads);
    g_assert_true(v->ok);
    g_assert_cmpuint(v->pages_checked, ==, npages);

    if (lc->zerocopy) {
        /*
         * Every flush waited for all completions: on loopback the kernel
         * copies, so each round's flush reports "copied" ...
         */
        g_assert_cmpuint(r.sc.dirty_sync_missed_zero_copy, >=, 1);
        /* ... and nothing was still in flight when the engine returned. */
        for (unsigned int i = 0; i < r.n; i++) {
            QIOChannelZerocopyStats zs = { 0 };

            qio_channel_get_zerocopy_stats(r.src_mfd[i], &zs);
            g_assert_cmpuint(zs.queued, >, 0);
            g_assert_cmpuint(zs.completed, ==, zs.queued);
        }
    }
    live_finish(&r, &res);
}

/*
 * A write to an already sent page just before the stop: with tracking
 * the final sync resends it; without, the destination keeps the stale
 * page.  Shows the byte comparison catches a missed write.
 */
static void test_last_write(gconstpointer data)
{
    bool tracking = GPOINTER_TO_INT(data);
    static const LiveCase lc = { "single", MT_RAM_ANON, 0, false };
    LiveOpts o = {
        .ram_size = 1 << 20, .downtime_ms = 300, .tracking = tracking,
        .write_before_stop = true,
    };
    LiveResult res;
    LiveRun r;
    bool same;

    g_assert_true(live_migrate(&lc, &o, &r, &res));
    g_assert_cmpint(res.ret, ==, 0);
    g_assert_cmpint(r.dst_ret, ==, 0);
    same = memcmp(live_ram(r.src)->host, live_ram(r.dst)->host,
                  o.ram_size) == 0;
    g_assert_true(same == tracking);
    live_finish(&r, &res);
}

/*
 * The guest dirties faster than the link sends: without auto-converge
 * the migration is still active after many passes (then cancelled and
 * the source keeps running a consistent pattern); with it, the throttle
 * rises and the migration completes.
 */
static void test_convergence(gconstpointer data)
{
    bool auto_converge = GPOINTER_TO_INT(data);
    static const LiveCase lc = { "single", MT_RAM_ANON, 0, false };
    LiveOpts o = {
        .ram_size = 4 << 20,
        .workload = "guest-workload,id=w0,threads=1,dirty-rate=32",
        .threads = 1,
        .max_bandwidth = 4 << 20,
        .downtime_ms = 100,
        .tracking = true,
        .auto_converge = auto_converge,
        .cancel_after = auto_converge ? 40 : 6,
    };
    g_autoptr(GuestWorkloadVerifyResult) v = NULL;
    g_autoptr(GuestWorkloadInfo) before = NULL;
    LiveResult res;
    LiveRun r;

    g_assert_true(live_migrate(&lc, &o, &r, &res));
    if (!auto_converge) {
        /* Cancelled by us at pass 6: it had not converged by then. */
        g_assert_cmpint(res.ret, ==, -1);
        g_assert_error(res.err, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_assert_cmpuint(res.h.passes, >=, 6);
        g_assert_false(res.h.stopped);
        g_assert_cmpint(r.dst_ret, ==, -1);
        /* The source runs on, its pattern consistent. */
        g_assert_cmpint(r.src->runstate, ==, RUN_STATE_RUNNING);
        before = live_info(r.src);
        g_assert_false(before->paused);
        live_wait_progress(r.src, before->sweeps + 2, 0);
        v = live_verify(r.src, o.threads);
        g_assert_true(v->ok);
    } else {
        g_assert_no_error(res.err);
        g_assert_cmpint(res.ret, ==, 0);
        g_assert_cmpint(r.dst_ret, ==, 0);
        g_assert_true(memcmp(live_ram(r.src)->host, live_ram(r.dst)->host,
                             o.ram_size) == 0);
        v = live_verify(r.dst, o.threads);
        g_assert_true(v->ok);
        g_test_message("converged after %u passes", res.h.passes);
    }
    /* The engine drops the throttle whatever the outcome. */
    g_assert_cmpuint(cpu_throttle_get_percentage(r.src), ==, 0);
    live_finish(&r, &res);
}

int main(int argc, char **argv)
{
    static const char *const rams[] = { "ram", "memfd", "file" };
    static const struct {
        const char *name;
        unsigned int channels;
        bool zerocopy;
    } modes[] = {
        { "single", 0, false },
        { "multifd2", 2, false },
        { "multifd2-zerocopy", 2, true },
    };
    static LiveCase cases[G_N_ELEMENTS(modes) * G_N_ELEMENTS(rams)];
    unsigned int n = 0;

    g_test_init(&argc, &argv, NULL);
    for (unsigned int m = 0; m < G_N_ELEMENTS(modes); m++) {
        for (unsigned int k = 0; k < G_N_ELEMENTS(rams); k++) {
            g_autofree char *path = g_strdup_printf(
                "/migration/live/under-load/%s/%s", modes[m].name, rams[k]);

            cases[n] = (LiveCase) {
                modes[m].name, (MTRamKind)k, modes[m].channels,
                modes[m].zerocopy,
            };
            g_test_add_data_func(path, &cases[n++], test_under_load);
        }
    }
    g_test_add_data_func("/migration/live/last-write/tracked",
                         GINT_TO_POINTER(true), test_last_write);
    g_test_add_data_func("/migration/live/last-write/untracked",
                         GINT_TO_POINTER(false), test_last_write);
    g_test_add_data_func("/migration/live/convergence/without-auto-converge",
                         GINT_TO_POINTER(false), test_convergence);
    g_test_add_data_func("/migration/live/convergence/auto-converge",
                         GINT_TO_POINTER(true), test_convergence);
    return g_test_run();
}

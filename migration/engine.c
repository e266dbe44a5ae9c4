/*
 * The migration engine: one whole outgoing or incoming migration on
 * channels handed over by the control plane.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "migration/engine.h"
#include "migration/multifd.h"
#include "migration/qemu-file.h"
#include "migration/ram.h"
#include "migration/savevm.h"
#include "system/workload.h"

/* One iteration step sends for at most this long (QEMU: 50 ms). */
#define ENGINE_STEP_US (50 * 1000)
/* Bandwidth is measured, and the rate limit applied, per window. */
#define ENGINE_WINDOW_US (100 * 1000)

static gint64 now_us(void)
{
    return g_get_monotonic_time();
}

static RunState engine_runstate(MachineState *ms)
{
    RunState st;

    g_mutex_lock(&ms->lock);
    st = ms->runstate;
    g_mutex_unlock(&ms->lock);
    return st;
}

typedef struct SourceRun {
    const MigrationSourceParams *p;
    QEMUFile *f;
    MultiFDSendState *mfd;
    RAMSaveState *rs;
    /* Bandwidth window. */
    gint64 win_start;
    uint64_t win_transferred;
    uint64_t win_produced;
    uint64_t threshold;       /* bytes that fit the downtime limit */
    /* Dirty-rate period (QEMU: at least 1 s between evaluations). */
    gint64 period_start;
    uint64_t period_pages;    /* ram_dirty_synced_pages() at its start */
    uint64_t period_xfer;     /* transferred at its start */
    unsigned int dirty_high;  /* periods in a row above the trigger */
    /*
     * How long the last dirty sync after setup took: the final sync
     * (with the VM stopped) walks the same RAM, so it is part of the
     * downtime the switchover decision has to budget for.
     */
    uint64_t sync_ms;
    /* Start of the iterative phase, for the average bandwidth. */
    gint64 active_start;
    uint64_t active_transferred;
} SourceRun;

static int source_flush(SourceRun *r, GError **errp)
{
    if (qemu_fflush(r->f) < 0) {
        return qemu_file_get_error(r->f, errp);
    }
    return 0;
}

/* QEMU's mig_throttle_guest_down(): start, or step up the throttle. */
static void source_throttle_down(SourceRun *r, uint64_t dirty,
                                 uint64_t trigger)
{
    const MigrationSourceParams *p = r->p;
    unsigned int cur = cpu_throttle_get_percentage(p->ms);
    unsigned int next;

    if (!cur) {
        next = p->cpu_throttle_initial;
    } else if (p->cpu_throttle_tailslow && dirty) {
        /* Step only as far as needed to bring dirty below the trigger. */
        double now_run = 100 - cur;
        double ideal = now_run * ((double)trigger / dirty);
        unsigned int inc = MIN((unsigned int)(now_run - ideal),
                               p->cpu_throttle_increment);

        next = MIN(cur + MAX(inc, 1u), p->max_cpu_throttle);
    } else {
        next = MIN(cur + p->cpu_throttle_increment, p->max_cpu_throttle);
    }
    cpu_throttle_set(p->ms, next);
}

/* After a sync: dirty-pages-rate and auto-converge, once per period. */
static void source_dirty_period(SourceRun *r)
{
    const MigrationSourceParams *p = r->p;
    MigrationCounters *c = p->counters;
    gint64 now = now_us();
    uint64_t pages = ram_dirty_synced_pages(r->rs);
    uint64_t xfer = atomic_load(&c->transferred);
    uint64_t dirty, xfer_period;

    if (!r->period_start) {
        goto restart;
    }
    if (now - r->period_start < G_USEC_PER_SEC) {
        return;
    }
    dirty = (pages - r->period_pages) * TARGET_PAGE_SIZE;
    xfer_period = xfer - r->period_xfer;
    atomic_store(&c->dirty_pages_rate,
                 (pages - r->period_pages) * G_USEC_PER_SEC /
                 (uint64_t)(now - r->period_start));
    if (p->auto_converge) {
        uint64_t trigger = xfer_period * p->throttle_trigger_threshold / 100;

        /* Dirtying faster than we send, twice in a row: slow it down. */
        if (dirty > trigger && ++r->dirty_high >= 2) {
            r->dirty_high = 0;
            source_throttle_down(r, dirty, trigger);
        }
    }
restart:
    r->period_start = now;
    r->period_pages = pages;
    r->period_xfer = xfer;
}

static uint64_t source_sync(SourceRun *r, GError **errp)
{
    gint64 t0 = now_us();
    uint64_t n = ram_dirty_sync(r->rs, errp);

    if (n > 1) {
        /* Not the first (setup) sync: that one only starts tracking. */
        r->sync_ms = (now_us() - t0 + 999) / 1000;
    }
    if (n) {
        source_dirty_period(r);
        r->p->hooks->pass(r->p->opaque, n);
    }
    return n;
}

/*
 * The part of the downtime limit left for sending data once the VM is
 * stopped: the final dirty sync comes out of it first.  At least a
 * quarter of the limit stays, so that a guest whose sync alone takes
 * longer than the limit still converges (with a downtime above the
 * limit, which query-migrate reports) instead of never switching over.
 */
static uint64_t source_data_budget_ms(SourceRun *r)
{
    uint64_t limit = r->p->downtime_limit_ms;

    return MAX(limit > r->sync_ms ? limit - r->sync_ms : 0, limit / 4);
}

/* Close the bandwidth window when it is over; sleep if over the limit. */
static void source_window(SourceRun *r)
{
    const MigrationSourceParams *p = r->p;
    MigrationCounters *c = p->counters;
    gint64 now = now_us();
    gint64 elapsed = now - r->win_start;
    uint64_t produced = ram_bytes_produced(r->rs) - r->win_produced;

    if (p->max_bandwidth && elapsed < ENGINE_WINDOW_US &&
        produced >= p->max_bandwidth / 10) {
        /* Rate limit: wait out the rest of the window. */
        g_usleep(ENGINE_WINDOW_US - elapsed);
        now = now_us();
        elapsed = now - r->win_start;
    }
    if (elapsed >= ENGINE_WINDOW_US) {
        uint64_t bytes = atomic_load(&c->transferred) - r->win_transferred;
        double bytes_per_ms = (double)bytes * 1000.0 / elapsed;
        uint64_t pending = ram_dirty_pending_bytes(r->rs);
        gint64 active_us = now - r->active_start;

        /*
         * A 100 ms window can catch a burst (socket buffers filling, a
         * moment the destination allocates pages faster): estimate the
         * switchover with the lower of it and the average since the
         * pass started, or what remains can take far over the limit.
         */
        if (active_us >= ENGINE_WINDOW_US) {
            double avg = (double)(atomic_load(&c->transferred) -
                                  r->active_transferred) * 1000.0 / active_us;

            bytes_per_ms = MIN(bytes_per_ms, avg);
        }

        r->threshold = bytes_per_ms * source_data_budget_ms(r);
        if (bytes_per_ms > 0) {
            atomic_store(&c->expected_downtime_ms,
                         (uint64_t)(pending / bytes_per_ms) + r->sync_ms);
        }
        r->win_start = now;
        r->win_transferred = atomic_load(&c->transferred);
        r->win_produced = ram_bytes_produced(r->rs);
    }
}

static int source_iterate(SourceRun *r, GError **errp)
{
    const MigrationSourceParams *p = r->p;
    RAMIterBudget budget = { 0 };

    budget.deadline_us = now_us() + ENGINE_STEP_US;
    if (p->max_bandwidth) {
        uint64_t limit = MAX(p->max_bandwidth / 10, 1);
        uint64_t used = ram_bytes_produced(r->rs) - r->win_produced;

        budget.max_bytes = used < limit ? limit - used : 1;
    }
    savevm_put_section_part(r->f, QEMU_VM_SECTION_PART, SAVEVM_ID_RAM);
    if (ram_save_iterate(r->rs, r->f, &budget, errp) < 0) {
        return -1;
    }
    savevm_put_section_footer(r->f, SAVEVM_ID_RAM);
    atomic_fetch_add(&p->counters->iterations, 1);
    if (source_flush(r, errp) < 0) {
        return -1;
    }
    source_window(r);
    return 0;
}

static int source_complete(SourceRun *r, GError **errp)
{
    const MigrationSourceParams *p = r->p;
    MigrationCounters *c = p->counters;
    RunState before = engine_runstate(p->ms);
    gint64 downtime_start;
    uint64_t precopy;

    downtime_start = now_us();
    p->hooks->stop_vm(p->opaque);
    if (p->pause_before_switchover) {
        p->hooks->set_status(p->opaque, MIGRATION_STATUS_PRE_SWITCHOVER);
        if (!p->hooks->wait_continue(p->opaque)) {
            g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                "Migration cancelled");
            return -1;
        }
    }
    p->hooks->set_status(p->opaque, MIGRATION_STATUS_DEVICE);
    precopy = atomic_load(&c->transferred);
    atomic_store(&c->precopy_bytes, precopy);

    if (!source_sync(r, errp)) {
        return -1;
    }
    savevm_put_section_part(r->f, QEMU_VM_SECTION_END, SAVEVM_ID_RAM);
    if (ram_save_complete(r->rs, r->f, errp) < 0) {
        return -1;
    }
    savevm_put_section_footer(r->f, SAVEVM_ID_RAM);
    /* No guest clock in a RAM-only machine: send monotonic time. */
    savevm_put_timer(r->f, g_get_monotonic_time() * 1000,
                     g_get_monotonic_time() * 1000);
    savevm_put_globalstate(r->f, RunState_str(before));
    savevm_put_eof_vmdesc(r->f);
    if (source_flush(r, errp) < 0) {
        return -1;
    }
    if (p->return_path) {
        g_autoptr(QEMUFile) rp = qemu_file_new_input(p->main);

        /* The destination answers SHUT once it has loaded everything. */
        if (savevm_rp_wait_shut(rp, errp) < 0) {
            return -1;
        }
    }
    atomic_store(&c->downtime_bytes, atomic_load(&c->transferred) - precopy);
    atomic_store(&c->downtime_ms, (now_us() - downtime_start) / 1000);
    return 0;
}

static int source_run(SourceRun *r, GError **errp)
{
    const MigrationSourceParams *p = r->p;
    MachineState *ms = p->ms;
    gint64 start = now_us();
    bool tracked = p->dirty_ops && p->dirty_ops->sync;
    bool synced_below = false;

    savevm_put_header(r->f, ms->machine_type ? ms->machine_type : "none",
                      p->validate_uuid && ms->has_uuid ? ms->uuid : NULL);
    if (p->return_path) {
        savevm_put_open_return_path(r->f, 1);
    }
    savevm_put_section_start(r->f, QEMU_VM_SECTION_START, SAVEVM_ID_RAM,
                             "ram", 0, SAVEVM_RAM_VERSION);
    if (ram_save_setup(r->rs, r->f, errp) < 0 || !source_sync(r, errp)) {
        return -1;
    }
    savevm_put_section_footer(r->f, SAVEVM_ID_RAM);
    if (source_flush(r, errp) < 0) {
        return -1;
    }
    atomic_store(&p->counters->setup_time_ms, (now_us() - start) / 1000);
    p->hooks->set_status(p->opaque, MIGRATION_STATUS_ACTIVE);

    r->win_start = now_us();
    r->win_transferred = atomic_load(&p->counters->transferred);
    r->active_start = r->win_start;
    r->active_transferred = r->win_transferred;
    r->win_produced = ram_bytes_produced(r->rs);
    for (;;) {
        uint64_t pending;

        if (p->hooks->cancelled(p->opaque)) {
            g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                "Migration cancelled");
            return -1;
        }
        pending = ram_dirty_pending_bytes(r->rs);
        if (!tracked) {
            /*
             * Nothing can write RAM (the control plane refuses writers
             * while no tracker runs): send it all before stopping the
             * VM, so the downtime is only the final flush.  One round
             * below the threshold, as QEMU counts them.
             */
            if (pending < r->threshold && !synced_below) {
                synced_below = true;
                if (!source_sync(r, errp)) {
                    return -1;
                }
            }
            if (pending == 0) {
                break;
            }
        } else {
            /* QEMU's rule: re-sync below the threshold, then decide. */
            if (pending < r->threshold) {
                if (!source_sync(r, errp)) {
                    return -1;
                }
                pending = ram_dirty_pending_bytes(r->rs);
            }
            if (pending == 0 || pending < r->threshold) {
                break;
            }
        }
        if (source_iterate(r, errp) < 0) {
            return -1;
        }
    }
    return source_complete(r, errp);
}

int migration_source_run(const MigrationSourceParams *p, GError **errp)
{
    SourceRun r = { .p = p };
    GError *err = NULL;
    int ret;

    if (p->n_multifd) {
        r.mfd = multifd_send_setup(p->multifd, p->n_multifd, p->main,
                                   p->zerocopy, p->counters, errp);
        if (!r.mfd) {
            return -1;
        }
    } else if (p->zerocopy) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "Zero copy only available for non-compressed "
                            "non-TLS multifd migration");
        return -1;
    }
    r.f = qemu_file_new_output(p->main);
    qemu_file_set_counters(r.f, &p->counters->transferred, NULL);
    r.rs = ram_save_new(p->ms->ram_blocks, p->counters, r.mfd, p->dirty_ops,
                        p->dirty_opaque);

    ret = source_run(&r, &err);
    if (p->auto_converge) {
        /* QEMU's cpu_throttle_stop() at the end of every migration. */
        cpu_throttle_set(p->ms, 0);
    }
    if (ret < 0 && r.mfd) {
        /* A dead multifd channel explains a broken main channel better. */
        GError *merr = NULL;

        if (multifd_send_get_error(r.mfd, &merr) < 0) {
            g_clear_error(&err);
            err = merr;
        }
    }
    multifd_send_cleanup(r.mfd);
    ram_save_free(r.rs);
    qemu_file_free(r.f);
    if (ret < 0) {
        g_propagate_error(errp, err);
    }
    return ret;
}

int migration_incoming_run(MigrationIncomingParams *p, GError **errp)
{
    g_autoptr(QEMUFile) f = qemu_file_new_input(p->main);
    MultiFDRecvState *mfd = NULL;
    RAMLoadState rl = { 0 };
    SaveVMLoadState s = { 0 };
    GError *err = NULL;
    int ret;

    qemu_file_set_counters(f, &p->counters->transferred, NULL);
    if (p->n_multifd) {
        mfd = multifd_recv_setup(p->multifd, p->n_multifd, p->main,
                                 p->ms->ram_blocks, !p->no_recv_splice,
                                 p->counters, errp);
        if (!mfd) {
            return -1;
        }
    }
    rl.blocks = p->ms->ram_blocks;
    rl.mfd = mfd;
    rl.counters = p->counters;
    s.ms = p->ms;
    s.f = f;
    s.rp_ioc = p->main;
    s.ram = &rl;

    ret = savevm_load(&s, &err);
    if (ret < 0 && mfd) {
        GError *merr = NULL;

        if (multifd_recv_get_error(mfd, &merr) < 0) {
            g_clear_error(&err);
            err = merr;
        }
    }
    multifd_recv_cleanup(mfd);
    if (s.rp_open) {
        /* Tell the source we are done (1: failed); it waits for this. */
        savevm_rp_send(p->main, MIG_RP_MSG_SHUT, ret < 0, NULL);
    }
    if (ret < 0 &&
        qio_channel_has_feature(p->main, QIO_CHANNEL_FEATURE_SHUTDOWN)) {
        /* Like an exiting QEMU: a source blocked writing must notice. */
        qio_channel_shutdown(p->main, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
    p->has_global_state = s.has_global_state;
    p->global_state = s.global_state;
    g_free(p->warning);
    p->warning = g_steal_pointer(&s.warning);
    savevm_load_state_clear(&s);
    if (ret < 0) {
        g_propagate_error(errp, err);
    }
    return ret;
}

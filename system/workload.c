/*
 * Guest workload: life cycle, writer threads, CPU throttle.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <gio/gio.h>
#include <stdatomic.h>
#include <string.h>

#include "system/workload-int.h"

/* Not running: look at the run state this often (a cheap poll). */
#define WORKLOAD_IDLE_POLL_US (5 * 1000)
/* Throttling works in slices of this much run time (QEMU: 10 ms). */
#define WORKLOAD_SLICE_US (10 * 1000)

typedef struct Workload Workload;

typedef struct WorkloadThread {
    Workload *w;
    unsigned int index;
    uint64_t first, end;        /* pages [first, end) */
    GThread *thread;
} WorkloadThread;

struct Workload {
    MachineState *ms;
    WorkloadParams p;
    WorkloadRAM ram;
    WorkloadThread *threads;
    bool running;               /* threads exist (main thread only) */
    atomic_bool stop;           /* ask the threads to exit */
    GMutex lock;                /* with cond: wakes sleeping writers */
    GCond cond;
    _Atomic uint64_t pages_written;
    _Atomic uint64_t sweeps;
};

/* Per machine: ms->workloads. */
typedef struct WorkloadSet {
    GPtrArray *list;            /* Workload * (main thread only) */
    atomic_uint throttle;       /* percent */
} WorkloadSet;

static void workload_free(Workload *w);

static WorkloadSet *workload_set(MachineState *ms)
{
    WorkloadSet *set = g_atomic_pointer_get(&ms->workloads);

    if (!set) {
        WorkloadSet *fresh = g_new0(WorkloadSet, 1);

        fresh->list = g_ptr_array_new_with_free_func(
            (GDestroyNotify)workload_free);
        /* The migration thread may get here first (cpu_throttle_set). */
        if (!g_atomic_pointer_compare_and_exchange(&ms->workloads, NULL,
                                                   fresh)) {
            g_ptr_array_unref(fresh->list);
            g_free(fresh);
        }
        set = g_atomic_pointer_get(&ms->workloads);
    }
    return set;
}

void cpu_throttle_set(MachineState *ms, unsigned int pct)
{
    WorkloadSet *set = workload_set(ms);

    /* Writers read it before every chunk; a sleeping one within 0.1 s. */
    atomic_store(&set->throttle, MIN(pct, 99u));
}

unsigned int cpu_throttle_get_percentage(MachineState *ms)
{
    return atomic_load(&workload_set(ms)->throttle);
}

void workload_params_clear(WorkloadParams *p)
{
    g_clear_pointer(&p->id, g_free);
    g_clear_pointer(&p->memdev, g_free);
}

static Workload *workload_find(MachineState *ms, const char *id)
{
    WorkloadSet *set = workload_set(ms);

    for (guint i = 0; i < set->list->len; i++) {
        Workload *w = g_ptr_array_index(set->list, i);

        if (!strcmp(w->p.id, id)) {
            return w;
        }
    }
    return NULL;
}

const WorkloadParams *workload_find_params(MachineState *ms, const char *id)
{
    Workload *w = workload_find(ms, id);

    return w ? &w->p : NULL;
}

/*
 * Sleep until @until_us (monotonic) unless asked to stop or woken.
 * Returns false when the thread must exit.
 */
static bool workload_sleep_until(Workload *w, gint64 until_us)
{
    g_mutex_lock(&w->lock);
    while (!atomic_load(&w->stop) && g_get_monotonic_time() < until_us) {
        if (!g_cond_wait_until(&w->cond, &w->lock, until_us)) {
            break;
        }
    }
    g_mutex_unlock(&w->lock);
    return !atomic_load(&w->stop);
}

static gpointer workload_thread(gpointer opaque)
{
    WorkloadThread *t = opaque;
    Workload *w = t->w;
    MachineState *ms = w->ms;
    WorkloadSet *set = workload_set(ms);
    uint64_t span = t->end - t->first;
    /* Per-thread rate in pages per second (0: unlimited). */
    double rate = (double)w->p.dirty_rate * 1024 * 1024 /
                  TARGET_PAGE_SIZE / w->p.threads;
    bool was_running = false;
    uint64_t pos = t->first, seq = 1;
    uint64_t rng = 0x9e3779b97f4a7c15ULL * (t->index + 1);
    uint8_t val = 0;
    gint64 next_us = 0, slice_start = 0;

    while (!atomic_load(&w->stop)) {
        unsigned int pct = atomic_load(&set->throttle);
        uint64_t wrote = 0, sweeps = 0;
        bool running;
        gint64 now;

        g_mutex_lock(&ms->lock);
        running = ms->runstate == RUN_STATE_RUNNING;
        if (running && !was_running && w->p.pattern ==
            GUEST_WORKLOAD_PATTERN_SWEEP) {
            /* (Re)start where RAM says we are, e.g. after migration. */
            workload_sweep_resume(&w->ram, t->first, t->end, &pos, &val);
        }
        for (unsigned int i = 0; running && i < WORKLOAD_CHUNK_PAGES; i++) {
            if (w->p.pattern == GUEST_WORKLOAD_PATTERN_SWEEP) {
                *(volatile uint8_t *)workload_ram_page(&w->ram, pos) = val;
                if (++pos == t->end) {
                    pos = t->first;
                    val++;
                    sweeps++;
                }
            } else {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                workload_random_write(&w->ram, t->first + rng % span, seq++);
            }
            wrote++;
        }
        g_mutex_unlock(&ms->lock);

        now = g_get_monotonic_time();
        if (!running) {
            was_running = false;
            workload_sleep_until(w, now + WORKLOAD_IDLE_POLL_US);
            continue;
        }
        if (!was_running) {
            next_us = now;
            slice_start = now;
            was_running = true;
        }
        atomic_fetch_add(&w->pages_written, wrote);
        atomic_fetch_add(&w->sweeps, sweeps);

        if (rate > 0) {
            /* A throttled guest dirties at (100 - pct)% of its rate. */
            double eff = rate * (100 - pct) / 100.0;

            next_us += (gint64)(wrote * 1e6 / eff);
            if (next_us < now - 100 * 1000) {
                next_us = now;     /* no catch-up burst after a stall */
            }
            if (next_us > now && !workload_sleep_until(w, next_us)) {
                break;
            }
        } else if (pct && now - slice_start >= WORKLOAD_SLICE_US) {
            /* Unlimited: run one slice, sleep pct/(100 - pct) of it. */
            gint64 ran = now - slice_start;

            if (!workload_sleep_until(w, now + ran * pct / (100 - pct))) {
                break;
            }
            slice_start = g_get_monotonic_time();
        } else if (!pct) {
            slice_start = now;
        }
    }
    return NULL;
}

static void workload_start_threads(Workload *w)
{
    if (w->running) {
        return;
    }
    atomic_store(&w->stop, false);
    for (unsigned int i = 0; i < w->p.threads; i++) {
        WorkloadThread *t = &w->threads[i];

        if (t->first < t->end) {
            t->thread = g_thread_new("guest-workload", workload_thread, t);
        }
    }
    w->running = true;
}

static void workload_stop_threads(Workload *w)
{
    if (!w->running) {
        return;
    }
    g_mutex_lock(&w->lock);
    atomic_store(&w->stop, true);
    g_cond_broadcast(&w->cond);
    g_mutex_unlock(&w->lock);
    for (unsigned int i = 0; i < w->p.threads; i++) {
        if (w->threads[i].thread) {
            g_thread_join(g_steal_pointer(&w->threads[i].thread));
        }
    }
    w->running = false;
}

static void workload_free(Workload *w)
{
    workload_stop_threads(w);
    workload_ram_clear(&w->ram);
    workload_params_clear(&w->p);
    g_free(w->threads);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->cond);
    g_free(w);
}

bool workloads_started(MachineState *ms)
{
    WorkloadSet *set = g_atomic_pointer_get(&ms->workloads);

    for (guint i = 0; set && i < set->list->len; i++) {
        Workload *w = g_ptr_array_index(set->list, i);

        if (w->running) {
            return true;
        }
    }
    return false;
}

void guest_ram_writes_set_untracked(MachineState *ms, bool untracked)
{
    g_mutex_lock(&ms->lock);
    ms->ram_writes_untracked = untracked;
    g_mutex_unlock(&ms->lock);
}

bool guest_ram_write_check(MachineState *ms, GError **errp)
{
    bool untracked;

    g_mutex_lock(&ms->lock);
    untracked = ms->ram_writes_untracked;
    g_mutex_unlock(&ms->lock);
    if (untracked) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_BUSY,
                            GUEST_RAM_WRITE_UNTRACKED_ERR);
        return false;
    }
    return true;
}

bool workload_create(MachineState *ms, const WorkloadParams *p,
                     GError **errp)
{
    WorkloadSet *set = workload_set(ms);
    Workload *w;

    /* The running migration would not see what it writes. */
    if (!guest_ram_write_check(ms, errp)) {
        return false;
    }
    if (workload_find(ms, p->id)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_EXISTS,
                    "Duplicate ID '%s' for object", p->id);
        return false;
    }
    w = g_new0(Workload, 1);
    if (!workload_ram_init(&w->ram, ms->ram_blocks, p->memdev, errp)) {
        g_free(w);
        return false;
    }
    if (w->ram.npages < p->threads) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "guest-workload '%s': %u threads need at least as many "
                    "pages (RAM has %" G_GUINT64_FORMAT ")", p->id,
                    p->threads, w->ram.npages);
        workload_ram_clear(&w->ram);
        g_free(w);
        return false;
    }
    w->ms = ms;
    w->p = *p;
    w->p.id = g_strdup(p->id);
    w->p.memdev = g_strdup(p->memdev);
    g_mutex_init(&w->lock);
    g_cond_init(&w->cond);
    w->threads = g_new0(WorkloadThread, p->threads);
    for (unsigned int i = 0; i < p->threads; i++) {
        w->threads[i].w = w;
        w->threads[i].index = i;
        workload_thread_range(w->ram.npages, p->threads, i,
                              &w->threads[i].first, &w->threads[i].end);
    }
    g_ptr_array_add(set->list, w);
    if (p->start) {
        workload_start_threads(w);
    }
    return true;
}

bool workload_create_from_opts(MachineState *ms, const char *spec,
                               GError **errp)
{
    WorkloadParams p = { 0 };
    bool ok;

    if (!workload_parse_opts(spec, &p, errp)) {
        return false;
    }
    ok = workload_create(ms, &p, errp);
    workload_params_clear(&p);
    return ok;
}

static Workload *workload_lookup(MachineState *ms, const char *id,
                                 GError **errp)
{
    Workload *w = workload_find(ms, id);

    if (!w) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "guest-workload '%s' not found", id);
    }
    return w;
}

bool workload_start(MachineState *ms, const char *id, GError **errp)
{
    Workload *w = workload_lookup(ms, id, errp);

    if (!w) {
        return false;
    }
    if (!w->running && !guest_ram_write_check(ms, errp)) {
        return false;
    }
    workload_start_threads(w);
    return true;
}

bool workload_stop(MachineState *ms, const char *id, GError **errp)
{
    Workload *w = workload_lookup(ms, id, errp);

    if (w) {
        workload_stop_threads(w);
    }
    return w != NULL;
}

GuestWorkloadInfoList *workload_query(MachineState *ms)
{
    WorkloadSet *set = workload_set(ms);
    GuestWorkloadInfoList *head = NULL, **tail = &head;
    bool vm_running;

    g_mutex_lock(&ms->lock);
    vm_running = ms->runstate == RUN_STATE_RUNNING;
    g_mutex_unlock(&ms->lock);
    for (guint i = 0; i < set->list->len; i++) {
        Workload *w = g_ptr_array_index(set->list, i);
        GuestWorkloadInfoList *e = g_new0(GuestWorkloadInfoList, 1);
        GuestWorkloadInfo *info = g_new0(GuestWorkloadInfo, 1);

        info->id = g_strdup(w->p.id);
        info->running = w->running;
        info->paused = w->running && !vm_running;
        info->threads = w->p.threads;
        info->dirty_rate = w->p.dirty_rate;
        info->pattern = w->p.pattern;
        info->has_memdev = w->p.memdev != NULL;
        info->memdev = g_strdup(w->p.memdev);
        info->pages = w->ram.npages;
        info->pages_written = atomic_load(&w->pages_written);
        info->sweeps = atomic_load(&w->sweeps);
        info->throttle_percentage = atomic_load(&set->throttle);
        e->value = info;
        *tail = e;
        tail = &e->next;
    }
    return head;
}

GuestWorkloadVerifyResult *workload_verify(MachineState *ms,
                                           const WorkloadParams *p,
                                           GError **errp)
{
    GuestWorkloadVerifyResult *res;
    WorkloadRAM ram;

    if (!p->threads || p->threads > WORKLOAD_MAX_THREADS) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Parameter 'threads' expects an integer between 1 and "
                    "%d", WORKLOAD_MAX_THREADS);
        return NULL;
    }
    if (!workload_ram_init(&ram, ms->ram_blocks, p->memdev, errp)) {
        return NULL;
    }
    res = g_new0(GuestWorkloadVerifyResult, 1);
    res->ok = true;
    /* ms->lock holds every writer off between two chunks. */
    g_mutex_lock(&ms->lock);
    for (unsigned int t = 0; t < p->threads && res->ok; t++) {
        uint64_t first, end;
        WorkloadBad bad;

        workload_thread_range(ram.npages, p->threads, t, &first, &end);
        if (!workload_check_range(&ram, p->pattern, first, end, &bad)) {
            res->ok = false;
            res->has_first_bad_page = res->has_thread = true;
            res->has_expected = res->has_found = true;
            res->first_bad_page = bad.page;
            res->thread = t;
            res->expected = bad.expected;
            res->found = bad.found;
            res->pages_checked += bad.page + 1 - first;
        } else {
            res->pages_checked += end - first;
        }
    }
    g_mutex_unlock(&ms->lock);
    workload_ram_clear(&ram);
    return res;
}

void workloads_shutdown(MachineState *ms)
{
    WorkloadSet *set = g_atomic_pointer_get(&ms->workloads);

    if (set) {
        g_ptr_array_unref(set->list);
        g_free(set);
        ms->workloads = NULL;
    }
}

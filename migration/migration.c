/*
 * Migration control plane: the outgoing state machine and thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * States (QEMU 7.2's): none -> setup -> active -> [pre-switchover] ->
 * device -> completed | failed; migrate_cancel moves any running state
 * to cancelling and the thread then ends in cancelled.  The QMP handler
 * only validates and starts the thread; connecting, the multifd
 * handshakes and the stream run on the thread, so the monitor never
 * waits on the network.
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "io/channel-socket.h"
#include "migration/dirty-tracking.h"
#include "migration/migration.h"
#include "migration/transport.h"
#include "monitor/monitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-events.h"
#include "system/workload.h"

#define QERR_MIGRATION_ACTIVE "There's a migration process in progress"

bool migration_wakeup_init(MigrationWakeup *w, GError **errp)
{
    if (pipe2(w->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        w->fds[0] = w->fds[1] = -1;
        qapi_error_setg(errp, "pipe: %s", g_strerror(errno));
        return false;
    }
    return true;
}

void migration_wakeup_signal(MigrationWakeup *w)
{
    char c = 1;

    if (w->fds[1] >= 0) {
        /* Full pipe: it is signalled already. */
        if (write(w->fds[1], &c, 1) < 0) {
            return;
        }
    }
}

/* Drain the pipe so that the next migration starts unsignalled. */
void migration_wakeup_reset(MigrationWakeup *w)
{
    char buf[64];

    while (w->fds[0] >= 0 && read(w->fds[0], buf, sizeof(buf)) > 0) {
        /* nothing */
    }
}

void migration_wakeup_destroy(MigrationWakeup *w)
{
    if (w->fds[0] >= 0) {
        close(w->fds[0]);
    }
    if (w->fds[1] >= 0) {
        close(w->fds[1]);
    }
    w->fds[0] = w->fds[1] = -1;
}

static bool migration_status_is_running(MigrationStatus st)
{
    switch (st) {
    case MIGRATION_STATUS_SETUP:
    case MIGRATION_STATUS_ACTIVE:
    case MIGRATION_STATUS_PRE_SWITCHOVER:
    case MIGRATION_STATUS_DEVICE:
    case MIGRATION_STATUS_CANCELLING:
        return true;
    default:
        return false;
    }
}

MigrationStatus migration_get_status(MigrationState *s)
{
    MigrationStatus st;

    g_mutex_lock(&s->lock);
    st = s->status;
    g_mutex_unlock(&s->lock);
    return st;
}

bool migration_is_running(MigrationState *s)
{
    return migration_status_is_running(migration_get_status(s));
}

static void migration_emit_status(MachineState *ms, bool events,
                                  MigrationStatus st)
{
    /* QEMU sends MIGRATION only with the events capability. */
    if (events && ms->events) {
        qapi_event_send_migration(ms->events, st);
    }
}

/*
 * Move to @st unless a cancel has taken over (then only the final
 * CANCELLED may be set).  Called with s->lock held.
 */
static void migration_set_status_locked(MigrationState *s, MigrationStatus st)
{
    if (s->status == st) {
        return;
    }
    if (s->status == MIGRATION_STATUS_CANCELLING &&
        st != MIGRATION_STATUS_CANCELLED) {
        return;
    }
    s->status = st;
    migration_emit_status(s->ms, s->events, st);
}

/* Engine hooks, on the migration thread. */

static void migration_hook_set_status(void *opaque, MigrationStatus st)
{
    MigrationState *s = opaque;

    g_mutex_lock(&s->lock);
    migration_set_status_locked(s, st);
    g_mutex_unlock(&s->lock);
}

static void migration_hook_pass(void *opaque, uint64_t pass)
{
    MigrationState *s = opaque;

    if (s->events && s->ms->events) {
        qapi_event_send_migration_pass(s->ms->events, (int64_t)pass);
    }
}

static bool migration_hook_wait_continue(void *opaque)
{
    MigrationState *s = opaque;
    bool ok;

    g_mutex_lock(&s->lock);
    while (!s->continue_requested && !s->cancel_requested) {
        g_cond_wait(&s->cond, &s->lock);
    }
    ok = !s->cancel_requested;
    s->continue_requested = false;
    g_mutex_unlock(&s->lock);
    return ok;
}

static void migration_hook_stop_vm(void *opaque)
{
    MigrationState *s = opaque;
    RunState prev = runstate_get(s->ms);

    g_mutex_lock(&s->lock);
    if (!s->vm_stopped) {
        s->prev_runstate = prev;
        s->vm_stopped = true;
    }
    g_mutex_unlock(&s->lock);
    vm_stop(s->ms, RUN_STATE_FINISH_MIGRATE);
}

static bool migration_hook_cancelled(void *opaque)
{
    MigrationState *s = opaque;
    bool c;

    g_mutex_lock(&s->lock);
    c = s->cancel_requested;
    g_mutex_unlock(&s->lock);
    return c;
}

static const MigrationSourceHooks migration_source_hooks = {
    .set_status = migration_hook_set_status,
    .pass = migration_hook_pass,
    .wait_continue = migration_hook_wait_continue,
    .stop_vm = migration_hook_stop_vm,
    .cancelled = migration_hook_cancelled,
};

/* What the thread needs, copied from the settings at start. */
typedef struct MigrationStart {
    MigrationState *s;
    MigrationTransport *transport;
    unsigned int n_multifd;       /* 0: single stream */
    bool zerocopy;
    bool return_path;
    bool pause_before_switchover;
    bool validate_uuid;
    uint64_t max_bandwidth;
    uint64_t downtime_limit;
    bool auto_converge;
    unsigned int throttle_trigger_threshold;
    unsigned int cpu_throttle_initial;
    unsigned int cpu_throttle_increment;
    unsigned int max_cpu_throttle;
    bool cpu_throttle_tailslow;
    unsigned int stall_timeout;   /* s, 0 = no watchdog */
    bool dirty_tracking;          /* arm a dirty tracker */
} MigrationStart;

/*
 * Wake everything the migration thread may block on: the continue wait,
 * connect, blocked channel I/O, an exec: command that stopped reading.
 * For cancel and the stall watchdog.  Called with s->lock held.
 */
static void migration_wake_locked(MigrationState *s)
{
    unsigned int i;

    g_cond_broadcast(&s->cond);
    migration_wakeup_signal(&s->wakeup);
    if (s->main) {
        qio_channel_shutdown(s->main, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
    for (i = 0; i < s->n_multifd; i++) {
        if (s->multifd && s->multifd[i]) {
            qio_channel_shutdown(s->multifd[i], QIO_CHANNEL_SHUTDOWN_BOTH,
                                 NULL);
        }
    }
    if (s->child_pid > 0) {
        kill(s->child_pid, SIGTERM);
    }
}

/*
 * The watchdog's tick, on the main loop.  Waiting in pre-switchover for
 * migrate-continue is legitimate and does not count.
 */
static gboolean migration_stall_tick(gpointer opaque)
{
    MigrationState *s = opaque;
    bool paused;

    g_mutex_lock(&s->lock);
    paused = s->status == MIGRATION_STATUS_PRE_SWITCHOVER ||
             s->status == MIGRATION_STATUS_CANCELLING;
    if (migration_status_is_running(s->status) &&
        migration_stall_check(&s->stall, atomic_load(&s->counters.transferred),
                              paused, g_get_monotonic_time() / 1000)) {
        /* Fail like a cancel wakes up, but without cancel_requested. */
        migration_wake_locked(s);
    }
    g_mutex_unlock(&s->lock);
    return G_SOURCE_CONTINUE;
}

/*
 * Register a channel of the running migration; if a cancel came first,
 * shut it down right away so that nothing blocks on it.
 */
static void migration_register_channel(MigrationState *s, QIOChannel **slot,
                                       QIOChannel *ioc)
{
    g_mutex_lock(&s->lock);
    *slot = ioc;
    if (s->cancel_requested) {
        qio_channel_shutdown(ioc, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
    g_mutex_unlock(&s->lock);
}

static int migration_connect_channels(MigrationState *s, MigrationStart *st,
                                      GError **errp)
{
    MachineState *ms = s->ms;
    QIOChannel *ioc;
    unsigned int i;

    if (st->transport->kind == MIGRATION_TRANSPORT_SOCKET) {
        ioc = migration_socket_connect(st->transport->addr, "migration-main",
                                       MIGRATION_CONNECT_TIMEOUT_MS,
                                       &s->wakeup, errp);
        if (!ioc) {
            return -1;
        }
        migration_register_channel(s, &s->main, ioc);
    }
    /* exec:, fd: the channel was created by the QMP handler. */

    for (i = 0; i < st->n_multifd; i++) {
        g_autofree char *name = g_strdup_printf("multifd-send-%u", i);

        ioc = migration_socket_connect(st->transport->addr, name,
                                       MIGRATION_CONNECT_TIMEOUT_MS,
                                       &s->wakeup, errp);
        if (!ioc) {
            g_prefix_error(errp, "multifd channel %u: ", i);
            return -1;
        }
        migration_register_channel(s, &s->multifd[i], ioc);
        if (st->zerocopy &&
            !qio_channel_has_feature(ioc,
                                     QIO_CHANNEL_FEATURE_WRITE_ZEROCOPY)) {
            qapi_error_setg(errp, "Zero copy send feature not detected in host "
                       "kernel (multifd channel %u: setsockopt SO_ZEROCOPY "
                       "failed)", i);
            return -1;
        }
        if (multifd_send_initial_packet(ioc, ms->uuid, (uint8_t)i,
                                        errp) < 0) {
            g_prefix_error(errp, "multifd channel %u: ", i);
            return -1;
        }
    }
    return 0;
}

static void migration_close_channels(MigrationState *s, bool failed)
{
    QIOChannel *main_ioc;
    QIOChannel **multifd;
    QIOChannelZerocopyStats *stats;
    unsigned int n, i;
    GPid pid;

    g_mutex_lock(&s->lock);
    main_ioc = g_steal_pointer(&s->main);
    multifd = g_steal_pointer(&s->multifd);
    n = s->n_multifd;
    s->n_multifd = 0;
    pid = s->child_pid;
    s->child_pid = 0;
    g_mutex_unlock(&s->lock);

    /* Keep the zero-copy counters for query-migrate / info migrate. */
    stats = n ? g_new0(QIOChannelZerocopyStats, n) : NULL;
    for (i = 0; i < n; i++) {
        if (multifd[i]) {
            qio_channel_get_zerocopy_stats(multifd[i], &stats[i]);
            qio_channel_close(multifd[i], NULL);
            qio_channel_unref(multifd[i]);
        }
    }
    g_free(multifd);
    if (stats) {
        g_mutex_lock(&s->lock);
        g_free(s->zc_stats);
        s->zc_stats = stats;
        s->n_zc_stats = n;
        g_mutex_unlock(&s->lock);
    }
    if (main_ioc) {
        qio_channel_close(main_ioc, NULL);
        qio_channel_unref(main_ioc);
    }
    migration_exec_reap(pid, failed);
}

/*
 * Join the finished thread @opaque from the main loop, unless somebody
 * (the next migrate, shutdown) joined it already.
 */
static gboolean migration_join_idle(gpointer opaque)
{
    MigrationState *s = opaque;
    GThread *t = NULL;

    g_mutex_lock(&s->lock);
    if (s->thread == s->finished_thread) {
        t = g_steal_pointer(&s->thread);
    }
    s->finished_thread = NULL;
    g_clear_pointer(&s->join_source, g_source_unref);
    g_mutex_unlock(&s->lock);
    if (t) {
        g_thread_join(t);
    }
    return G_SOURCE_REMOVE;
}

/* Called on the migration thread, at its very end, with s->lock held. */
static void migration_schedule_join_locked(MigrationState *s)
{
    if (!s->ms->ctx || s->join_source) {
        return; /* no main loop (unit tests): joined by the next user */
    }
    s->finished_thread = g_thread_self();
    s->join_source = g_idle_source_new();
    g_source_set_callback(s->join_source, migration_join_idle, s, NULL);
    g_source_attach(s->join_source, s->ms->ctx);
}

static gpointer migration_thread(gpointer opaque)
{
    MigrationStart *st = opaque;
    MigrationState *s = st->s;
    MachineState *ms = s->ms;
    GError *err = NULL;
    MigrationStatus final;
    bool cancelled, stalled;
    int ret;

    ret = migration_connect_channels(s, st, &err);
    if (ret == 0 && st->stall_timeout) {
        /* Connecting has its own timeout; from here on data must flow. */
        g_mutex_lock(&s->lock);
        migration_stall_arm(&s->stall, st->stall_timeout,
                            atomic_load(&s->counters.transferred),
                            g_get_monotonic_time() / 1000);
        s->stall_source = migration_stall_timer_start(s->ms->ctx,
                                                      migration_stall_tick, s);
        g_mutex_unlock(&s->lock);
    }
    if (ret == 0) {
        /* Pages the guest writes meanwhile are found by the kernel. */
        g_autoptr(DirtyTracker) dt = st->dirty_tracking ?
            dirty_tracker_new(ms->ram_blocks, DIRTY_TRACK_AUTO) : NULL;
        MigrationSourceParams p = {
            .ms = ms,
            .main = s->main,
            .multifd = s->multifd,
            .n_multifd = st->n_multifd,
            .zerocopy = st->zerocopy,
            .return_path = st->return_path,
            .pause_before_switchover = st->pause_before_switchover,
            .validate_uuid = st->validate_uuid,
            .max_bandwidth = st->max_bandwidth,
            .downtime_limit_ms = st->downtime_limit,
            .counters = &s->counters,
            .hooks = &migration_source_hooks,
            .opaque = s,
            .dirty_ops = dt ? &dirty_tracker_ram_ops : NULL,
            .dirty_opaque = dt,
            .auto_converge = st->auto_converge,
            .throttle_trigger_threshold = st->throttle_trigger_threshold,
            .cpu_throttle_initial = st->cpu_throttle_initial,
            .cpu_throttle_increment = st->cpu_throttle_increment,
            .max_cpu_throttle = st->max_cpu_throttle,
            .cpu_throttle_tailslow = st->cpu_throttle_tailslow,
        };
        ret = migration_source_run(&p, &err);
    }

    g_mutex_lock(&s->lock);
    cancelled = s->cancel_requested;
    stalled = s->stall.fired;
    migration_stall_timer_stop(&s->stall_source);
    s->stall.armed = false;
    g_mutex_unlock(&s->lock);

    migration_close_channels(s, ret < 0 || cancelled);
    guest_ram_writes_set_untracked(ms, false);

    if (ret == 0 && !cancelled) {
        /* QEMU leaves a migrated-away source paused in postmigrate. */
        runstate_set(ms, RUN_STATE_POSTMIGRATE);
        final = MIGRATION_STATUS_COMPLETED;
    } else {
        final = cancelled ? MIGRATION_STATUS_CANCELLED :
                            MIGRATION_STATUS_FAILED;
    }

    /*
     * Give the guest back first - running again if it was running - so
     * that whoever sees the final status also sees the final run state.
     */
    if (final != MIGRATION_STATUS_COMPLETED && s->vm_stopped) {
        if (s->prev_runstate == RUN_STATE_RUNNING) {
            vm_start(ms);
        } else {
            runstate_set(ms, s->prev_runstate);
        }
    }
    s->vm_stopped = false;

    g_mutex_lock(&s->lock);
    s->end_ms = g_get_monotonic_time() / 1000;
    if (final == MIGRATION_STATUS_FAILED) {
        g_free(s->error_desc);
        /* The I/O error the watchdog caused is not the news. */
        s->error_desc = stalled ?
            migration_stall_source_error(st->stall_timeout) :
            g_strdup(err ? err->message : "unknown error");
    }
    migration_set_status_locked(s, final);
    migration_schedule_join_locked(s);
    g_mutex_unlock(&s->lock);

    g_clear_error(&err);
    migration_transport_free(st->transport);
    g_free(st);
    return NULL;
}

/* Join a finished thread (no-op when none). */
static void migration_join(MigrationState *s)
{
    GThread *t;

    g_mutex_lock(&s->lock);
    t = g_steal_pointer(&s->thread);
    /* A join scheduled on the main loop is moot now. */
    s->finished_thread = NULL;
    if (s->join_source) {
        g_source_destroy(s->join_source);
        g_clear_pointer(&s->join_source, g_source_unref);
    }
    g_mutex_unlock(&s->lock);
    if (t) {
        g_thread_join(t);
    }
}

void qmp_migrate(MachineState *ms, const char *uri, bool has_blk, bool blk,
                 bool has_inc, bool inc, bool has_detach, bool detach,
                 bool has_resume, bool resume, GError **errp)
{
    MigrationState *s = ms->migration;
    g_autoptr(MigrationTransport) t = NULL;
    MigrationOptions *o = &s->options;
    MigrationStart *st;
    QIOChannel *exec_ioc = NULL;
    GPid pid = 0;
    RunState rs;
    const char *dt_reason;

    if (has_resume && resume) {
        qapi_error_setg(errp, "Cannot resume if there is no paused migration");
        return;
    }
    if (migration_is_running(s)) {
        qapi_error_setg(errp, QERR_MIGRATION_ACTIVE);
        return;
    }
    rs = runstate_get(ms);
    if (rs == RUN_STATE_INMIGRATE) {
        qapi_error_setg(errp, "Guest is waiting for an incoming migration");
        return;
    }
    if (rs == RUN_STATE_POSTMIGRATE) {
        qapi_error_setg(errp, "Can't migrate the vm that was paused due to "
                   "previous migration");
        return;
    }
    if ((has_blk && blk) || (has_inc && inc)) {
        qapi_error_setg(errp, "Block migration (blk/inc) is not supported by "
                   "zcmig: it has no block devices");
        return;
    }

    t = migration_transport_parse(uri, errp);
    if (!t) {
        return;
    }
    if (o->caps[MIGRATION_CAPABILITY_MULTIFD] &&
        t->kind != MIGRATION_TRANSPORT_SOCKET) {
        qapi_error_setg(errp, "multifd is not supported by current protocol");
        return;
    }
    if (o->caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND] &&
        t->addr && t->addr->type == QIO_SOCKET_ADDRESS_UNIX) {
        qapi_error_setg(errp, "Zero copy send feature not available on UNIX "
                   "sockets (MSG_ZEROCOPY needs TCP); use a tcp: URI");
        return;
    }
    /* Settings could have been valid when set, but re-check the host. */
    if (o->caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND] &&
        !migration_options_zerocopy_host_check(o, errp)) {
        return;
    }

    migration_join(s);

    if (t->kind == MIGRATION_TRANSPORT_EXEC) {
        exec_ioc = migration_exec_spawn(t->command, true, &pid, errp);
        if (!exec_ioc) {
            return;
        }
    } else if (t->kind == MIGRATION_TRANSPORT_FD) {
        /* As QEMU: a getfd name of the calling session, taken from it. */
        int fd = monitor_get_fd(monitor_cur(ms), t->fdname, errp);

        if (fd < 0) {
            return;
        }
        exec_ioc = migration_fd_channel(fd, true, errp);
        if (!exec_ioc) {
            close(fd);
            return;
        }
    }

    st = g_new0(MigrationStart, 1);
    st->s = s;
    st->transport = g_steal_pointer(&t);
    st->n_multifd = o->caps[MIGRATION_CAPABILITY_MULTIFD] ?
                    o->multifd_channels : 0;
    st->zerocopy = o->caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND];
    st->return_path = o->caps[MIGRATION_CAPABILITY_RETURN_PATH];
    st->pause_before_switchover =
        o->caps[MIGRATION_CAPABILITY_PAUSE_BEFORE_SWITCHOVER];
    st->validate_uuid = o->caps[MIGRATION_CAPABILITY_VALIDATE_UUID];
    /* QEMU: 0 means "no limit" is not a thing; INT64_MAX-ish is. */
    st->max_bandwidth = o->max_bandwidth;
    st->downtime_limit = o->downtime_limit;
    st->auto_converge = o->caps[MIGRATION_CAPABILITY_AUTO_CONVERGE];
    st->throttle_trigger_threshold = o->throttle_trigger_threshold;
    st->cpu_throttle_initial = o->cpu_throttle_initial;
    st->cpu_throttle_increment = o->cpu_throttle_increment;
    st->max_cpu_throttle = o->max_cpu_throttle;
    st->cpu_throttle_tailslow = o->cpu_throttle_tailslow;
    st->stall_timeout = o->x_stall_timeout;

    /* Dirty tracking only if something can write guest RAM meanwhile. */
    st->dirty_tracking = dirty_tracking_wanted(ms, &dt_reason);
    guest_ram_writes_set_untracked(ms, !st->dirty_tracking);

    g_mutex_lock(&s->lock);
    memset(&s->counters, 0, sizeof(s->counters));
    s->dirty_tracking = st->dirty_tracking;
    s->dirty_tracking_reason = dt_reason;
    g_clear_pointer(&s->error_desc, g_free);
    g_clear_pointer(&s->zc_stats, g_free);
    s->n_zc_stats = 0;
    s->cancel_requested = false;
    s->continue_requested = false;
    s->vm_stopped = false;
    memset(&s->stall, 0, sizeof(s->stall));
    s->events = o->caps[MIGRATION_CAPABILITY_EVENTS];
    s->start_ms = g_get_monotonic_time() / 1000;
    s->end_ms = 0;
    s->main = exec_ioc;
    s->child_pid = pid;
    s->n_multifd = st->n_multifd;
    s->multifd = st->n_multifd ? g_new0(QIOChannel *, st->n_multifd) : NULL;
    s->ram_total = 0;
    for (guint i = 0; ms->ram_blocks && i < ms->ram_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ms->ram_blocks, i);
        s->ram_total += rb->used_length;
    }
    migration_wakeup_reset(&s->wakeup);
    s->status = MIGRATION_STATUS_NONE;
    migration_set_status_locked(s, MIGRATION_STATUS_SETUP);
    s->thread = g_thread_new("migration", migration_thread, st);
    g_mutex_unlock(&s->lock);
}

void qmp_migrate_cancel(MachineState *ms, GError **errp)
{
    MigrationState *s = ms->migration;

    g_mutex_lock(&s->lock);
    if (!migration_status_is_running(s->status) ||
        s->status == MIGRATION_STATUS_CANCELLING) {
        /* QEMU: cancelling nothing is not an error. */
        g_mutex_unlock(&s->lock);
        return;
    }
    s->cancel_requested = true;
    migration_set_status_locked(s, MIGRATION_STATUS_CANCELLING);
    /* Wake every wait: continue, connect, and blocked channel I/O. */
    migration_wake_locked(s);
    g_mutex_unlock(&s->lock);
}

void qmp_migrate_continue(MachineState *ms, MigrationStatus state,
                          GError **errp)
{
    MigrationState *s = ms->migration;

    g_mutex_lock(&s->lock);
    if (s->status != state) {
        qapi_error_setg(errp, "Migration not in expected state: %s",
                   MigrationStatus_str(s->status));
        g_mutex_unlock(&s->lock);
        return;
    }
    s->continue_requested = true;
    g_cond_broadcast(&s->cond);
    g_mutex_unlock(&s->lock);
}

void migration_object_init(MachineState *ms)
{
    MigrationState *s = g_new0(MigrationState, 1);
    MigrationIncomingState *mis = g_new0(MigrationIncomingState, 1);

    s->ms = ms;
    migration_options_init(&s->options);
    g_mutex_init(&s->lock);
    g_cond_init(&s->cond);
    s->status = MIGRATION_STATUS_NONE;
    if (!migration_wakeup_init(&s->wakeup, NULL)) {
        g_error("migration: cannot create a pipe");
    }
    ms->migration = s;

    mis->ms = ms;
    g_mutex_init(&mis->lock);
    mis->status = MIGRATION_STATUS_NONE;
    if (!migration_wakeup_init(&mis->wakeup, NULL)) {
        g_error("migration: cannot create a pipe");
    }
    ms->incoming = mis;
}

void migration_shutdown(MachineState *ms)
{
    MigrationState *s = ms->migration;

    if (s) {
        qmp_migrate_cancel(ms, NULL);
        /* A thread waiting for migrate-continue was woken by the cancel. */
        migration_join(s);
        /* The thread is gone: nothing can schedule a join any more. */
        g_mutex_lock(&s->lock);
        if (s->join_source) {
            g_source_destroy(s->join_source);
            g_clear_pointer(&s->join_source, g_source_unref);
        }
        g_mutex_unlock(&s->lock);
        migration_close_channels(s, true);
    }
    if (ms->incoming) {
        migration_incoming_shutdown(ms->incoming);
        g_mutex_clear(&ms->incoming->lock);
        migration_wakeup_destroy(&ms->incoming->wakeup);
        g_free(ms->incoming->error_desc);
        g_free(ms->incoming->uri);
        g_clear_pointer(&ms->incoming, g_free);
    }
    if (s) {
        migration_options_destroy(&s->options);
        g_mutex_clear(&s->lock);
        g_cond_clear(&s->cond);
        migration_wakeup_destroy(&s->wakeup);
        g_free(s->error_desc);
        g_free(s->zc_stats);
        g_clear_pointer(&ms->migration, g_free);
    }
}

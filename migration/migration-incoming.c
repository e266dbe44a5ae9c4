/*
 * Migration control plane: the incoming side.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * migrate-incoming (or -incoming URI) binds the listener or spawns the
 * exec: command synchronously, so errors reach the caller; one thread
 * then accepts the main channel, then the multifd channels (each
 * identified by its initial packet, in any order), and runs the engine.
 *
 * Unlike QEMU, a failed incoming migration does not exit the process:
 * the status becomes failed with an error-desc, the run state stays
 * inmigrate, and a new migrate-incoming is accepted.
 */
#include "config-host.h"

#include <string.h>
#include <unistd.h>

#include "io/channel-buffer.h"
#include "io/channel-socket.h"
#include "migration/migration.h"
#include "migration/transport.h"
#include "monitor/monitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-events.h"

MigrationStatus migration_incoming_get_status(MigrationIncomingState *mis)
{
    MigrationStatus st;

    g_mutex_lock(&mis->lock);
    st = mis->status;
    g_mutex_unlock(&mis->lock);
    return st;
}

bool migration_incoming_is_running(MigrationIncomingState *mis)
{
    bool r;

    g_mutex_lock(&mis->lock);
    r = mis->running;
    g_mutex_unlock(&mis->lock);
    return r;
}

/* Called with mis->lock held. */
static void migration_incoming_set_status_locked(MigrationIncomingState *mis,
                                                 MigrationStatus st)
{
    if (mis->status == st) {
        return;
    }
    mis->status = st;
    if (mis->events && mis->ms->events) {
        qapi_event_send_migration(mis->ms->events, st);
    }
}

static void migration_incoming_hook_set_status(void *opaque,
                                               MigrationStatus st)
{
    MigrationIncomingState *mis = opaque;

    g_mutex_lock(&mis->lock);
    migration_incoming_set_status_locked(mis, st);
    g_mutex_unlock(&mis->lock);
}

static bool migration_incoming_hook_cancelled(void *opaque)
{
    MigrationIncomingState *mis = opaque;
    bool q;

    g_mutex_lock(&mis->lock);
    q = mis->quitting;
    g_mutex_unlock(&mis->lock);
    return q;
}

static const MigrationIncomingHooks migration_incoming_hooks = {
    .set_status = migration_incoming_hook_set_status,
    .cancelled = migration_incoming_hook_cancelled,
};

/*
 * Wake everything the incoming thread may block on: accept, the multifd
 * initial packets, blocked reads.  Called with mis->lock held.
 */
static void migration_incoming_wake_locked(MigrationIncomingState *mis)
{
    unsigned int i;

    migration_wakeup_signal(&mis->wakeup);
    if (mis->main) {
        qio_channel_shutdown(mis->main, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
    for (i = 0; i < mis->n_multifd; i++) {
        if (mis->multifd && mis->multifd[i]) {
            qio_channel_shutdown(mis->multifd[i], QIO_CHANNEL_SHUTDOWN_BOTH,
                                 NULL);
        }
    }
}

/*
 * The watchdog's tick, on the main loop: a source that is alive but sends
 * nothing any more would otherwise hold us in a read forever.
 */
static gboolean migration_incoming_stall_tick(gpointer opaque)
{
    MigrationIncomingState *mis = opaque;

    g_mutex_lock(&mis->lock);
    if (mis->running && !mis->quitting &&
        migration_stall_check(&mis->stall,
                              atomic_load(&mis->counters.transferred), false,
                              g_get_monotonic_time() / 1000)) {
        migration_incoming_wake_locked(mis);
    }
    g_mutex_unlock(&mis->lock);
    return G_SOURCE_CONTINUE;
}

typedef struct MigrationIncomingStart {
    MigrationIncomingState *mis;
} MigrationIncomingStart;

static void migration_incoming_register(MigrationIncomingState *mis,
                                        QIOChannel **slot, QIOChannel *ioc)
{
    g_mutex_lock(&mis->lock);
    *slot = ioc;
    if (mis->quitting) {
        qio_channel_shutdown(ioc, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
    g_mutex_unlock(&mis->lock);
}

static int migration_incoming_accept_all(MigrationIncomingState *mis,
                                         unsigned int *n_out, GError **errp)
{
    MachineState *ms = mis->ms;
    MigrationOptions *o = &ms->migration->options;
    unsigned int n_multifd;
    QIOChannel *ioc;
    unsigned int i;

    if (mis->listener) {
        /* The source connects whenever it likes: no timeout here. */
        ioc = migration_socket_accept(mis->listener, "migration-main", -1,
                                      &mis->wakeup, errp);
        if (!ioc) {
            return -1;
        }
        migration_incoming_register(mis, &mis->main, ioc);
    }
    /*
     * The stream has started: take the settings now (as QEMU does, they
     * may change while we only listen), atomically with the switch to
     * active, after which they are frozen (the QMP setters check the
     * status under the same lock).
     */
    g_mutex_lock(&mis->lock);
    mis->events = o->caps[MIGRATION_CAPABILITY_EVENTS];
    n_multifd = o->caps[MIGRATION_CAPABILITY_MULTIFD] ?
                o->multifd_channels : 0;
    mis->n_multifd = n_multifd;
    mis->multifd = n_multifd ? g_new0(QIOChannel *, n_multifd) : NULL;
    if (o->x_stall_timeout) {
        /* From now on the source must keep sending. */
        migration_stall_arm(&mis->stall, o->x_stall_timeout,
                            atomic_load(&mis->counters.transferred),
                            g_get_monotonic_time() / 1000);
        mis->stall_source =
            migration_stall_timer_start(ms->ctx,
                                        migration_incoming_stall_tick, mis);
    }
    migration_incoming_set_status_locked(mis, MIGRATION_STATUS_ACTIVE);
    g_mutex_unlock(&mis->lock);
    *n_out = n_multifd;
    if (n_multifd && !mis->listener) {
        qapi_error_setg(errp, "multifd is not supported by current protocol");
        return -1;
    }

    for (i = 0; i < n_multifd; i++) {
        g_autofree char *name = g_strdup_printf("multifd-recv-%u", i);
        uint8_t pkt[MULTIFD_INIT_PACKET_SIZE];
        QIOChannelBuffer *bioc;
        uint8_t id = 0;
        int ret;

        /* ... but once it started, the channels must follow promptly. */
        ioc = migration_socket_accept(mis->listener, name,
                                      MIGRATION_CHANNELS_TIMEOUT_MS,
                                      &mis->wakeup, errp);
        if (!ioc) {
            g_prefix_error(errp, "multifd: %u of %u channels connected: ", i,
                           n_multifd);
            return -1;
        }
        /*
         * A peer that connects and sends nothing, or part of a packet,
         * must not hold us forever: read the packet with a deadline, then
         * let the engine validate it.
         */
        if (migration_socket_read_full(ioc, pkt, sizeof(pkt),
                                       MIGRATION_CHANNELS_TIMEOUT_MS,
                                       &mis->wakeup, errp) < 0) {
            g_prefix_error(errp, "multifd: initial packet: ");
            qio_channel_unref(ioc);
            return -1;
        }
        bioc = qio_channel_buffer_new_data(pkt, sizeof(pkt));
        ret = multifd_recv_initial_packet(QIO_CHANNEL(bioc), ms->uuid,
                                          n_multifd, &id, errp);
        qio_channel_unref(QIO_CHANNEL(bioc));
        if (ret < 0) {
            qio_channel_unref(ioc);
            return -1;
        }
        if (id >= n_multifd || mis->multifd[id]) {
            qapi_error_setg(errp, "multifd: received channel id %u twice", id);
            qio_channel_unref(ioc);
            return -1;
        }
        g_autofree char *idname = g_strdup_printf("multifd-recv-%u", id);
        qio_channel_set_name(ioc, idname);
        migration_incoming_register(mis, &mis->multifd[id], ioc);
    }
    if (mis->listener && n_multifd &&
        qio_channel_wait(mis->listener, G_IO_IN, 0) > 0) {
        /*
         * The source connects its channels one after the other; one more
         * already queued behind the last we expected means it uses more
         * channels than we do.  Say so, rather than "end of stream"
         * later.  (Only a look, no wait: a later surplus connection is
         * refused when the listener closes, and the source fails.)
         */
        qapi_error_setg(errp, "multifd: the source opened more than the "
                        "%u channels expected (multifd-channels must be "
                        "the same on both sides)", n_multifd);
        return -1;
    }
    if (mis->listener) {
        /* Nobody else may connect now. */
        QIOChannel *l;

        g_mutex_lock(&mis->lock);
        l = g_steal_pointer(&mis->listener);
        g_mutex_unlock(&mis->lock);
        qio_channel_close(l, NULL);
        qio_channel_unref(l);
    }
    return 0;
}

static void migration_incoming_close(MigrationIncomingState *mis, bool failed)
{
    QIOChannel *main_ioc, *listener;
    QIOChannel **multifd;
    unsigned int n, i;
    GPid pid;

    g_mutex_lock(&mis->lock);
    main_ioc = g_steal_pointer(&mis->main);
    listener = g_steal_pointer(&mis->listener);
    multifd = g_steal_pointer(&mis->multifd);
    n = mis->n_multifd;
    mis->n_multifd = 0;
    pid = mis->child_pid;
    mis->child_pid = 0;
    g_mutex_unlock(&mis->lock);

    for (i = 0; i < n; i++) {
        if (multifd[i]) {
            qio_channel_close(multifd[i], NULL);
            qio_channel_unref(multifd[i]);
        }
    }
    g_free(multifd);
    if (main_ioc) {
        qio_channel_close(main_ioc, NULL);
        qio_channel_unref(main_ioc);
    }
    if (listener) {
        qio_channel_close(listener, NULL);
        qio_channel_unref(listener);
    }
    migration_exec_reap(pid, failed);
}

static gpointer migration_incoming_thread(gpointer opaque)
{
    MigrationIncomingStart *st = opaque;
    MigrationIncomingState *mis = st->mis;
    MachineState *ms = mis->ms;
    MigrationIncomingParams p = {
        .ms = ms,
        .counters = &mis->counters,
        .hooks = &migration_incoming_hooks,
        .opaque = mis,
        /* ZCMIG_RECV_SPLICE=off: copy into the mapping (for A/B runs). */
        .no_recv_splice = !g_strcmp0(g_getenv("ZCMIG_RECV_SPLICE"), "off"),
    };
    GError *err = NULL;
    bool stalled;
    int ret;

    ret = migration_incoming_accept_all(mis, &p.n_multifd, &err);
    if (ret == 0) {
        p.main = mis->main;
        p.multifd = mis->multifd;
        ret = migration_incoming_run(&p, &err);
    }
    g_mutex_lock(&mis->lock);
    stalled = mis->stall.fired;
    migration_stall_timer_stop(&mis->stall_source);
    mis->stall.armed = false;
    g_mutex_unlock(&mis->lock);
    migration_incoming_close(mis, ret < 0);
    /* QEMU only prints these; there is no QMP field for them. */
    g_free(p.warning);

    if (ret == 0) {
        /*
         * QEMU's rule: a guest that was running (or sent no global
         * state) runs, unless -S asked to stay paused until cont; any
         * other state is taken over as it is.
         */
        if (!p.has_global_state || p.global_state == RUN_STATE_RUNNING) {
            if (ms->start_paused) {
                runstate_set(ms, RUN_STATE_PAUSED);
            } else {
                vm_start(ms);
            }
        } else {
            runstate_set(ms, p.global_state);
        }
    }

    g_mutex_lock(&mis->lock);
    mis->end_ms = g_get_monotonic_time() / 1000;
    if (ret == 0) {
        migration_incoming_set_status_locked(mis, MIGRATION_STATUS_COMPLETED);
    } else {
        g_free(mis->error_desc);
        /* Not the end-of-stream error the watchdog's shutdown caused. */
        mis->error_desc = stalled ?
            migration_stall_incoming_error(mis->stall.timeout_s) :
            g_strdup(err ? err->message : "unknown error");
        migration_incoming_set_status_locked(mis, MIGRATION_STATUS_FAILED);
    }
    mis->running = false;
    g_clear_pointer(&mis->listen_addr, qio_socket_address_free);
    g_mutex_unlock(&mis->lock);

    g_clear_error(&err);
    g_free(st);
    return NULL;
}

static void migration_incoming_join(MigrationIncomingState *mis)
{
    GThread *t;

    g_mutex_lock(&mis->lock);
    t = g_steal_pointer(&mis->thread);
    g_mutex_unlock(&mis->lock);
    if (t) {
        g_thread_join(t);
    }
}

static bool migration_incoming_start(MigrationIncomingState *mis,
                                     const char *uri, GError **errp)
{
    MachineState *ms = mis->ms;
    MigrationOptions *o = &ms->migration->options;
    g_autoptr(MigrationTransport) t = NULL;
    MigrationIncomingStart *st;
    QIOChannel *listener = NULL, *exec_ioc = NULL;
    GPid pid = 0;

    t = migration_transport_parse(uri, errp);
    if (!t) {
        return false;
    }
    if (o->caps[MIGRATION_CAPABILITY_MULTIFD] &&
        t->kind != MIGRATION_TRANSPORT_SOCKET) {
        qapi_error_setg(errp, "multifd is not supported by current protocol");
        return false;
    }
    migration_incoming_join(mis);

    if (t->kind == MIGRATION_TRANSPORT_SOCKET) {
        listener = migration_socket_listen(t->addr, errp);
        if (!listener) {
            return false;
        }
    } else if (t->kind == MIGRATION_TRANSPORT_FD) {
        /*
         * As QEMU: a getfd name of the calling session, or an fd number
         * (the only choice on the command line, where there is none).
         */
        int fd = monitor_fd_param(monitor_cur(ms), t->fdname, errp);

        if (fd < 0) {
            return false;
        }
        exec_ioc = migration_fd_channel(fd, false, errp);
        if (!exec_ioc) {
            close(fd);
            return false;
        }
    } else {
        exec_ioc = migration_exec_spawn(t->command, false, &pid, errp);
        if (!exec_ioc) {
            return false;
        }
    }
    st = g_new0(MigrationIncomingStart, 1);
    st->mis = mis;

    g_mutex_lock(&mis->lock);
    memset(&mis->counters, 0, sizeof(mis->counters));
    g_clear_pointer(&mis->error_desc, g_free);
    g_free(mis->uri);
    mis->uri = g_strdup(uri);
    mis->quitting = false;
    memset(&mis->stall, 0, sizeof(mis->stall));
    /* A watchdog may have signalled the previous attempt's wakeup. */
    migration_wakeup_reset(&mis->wakeup);
    mis->running = true;
    mis->events = o->caps[MIGRATION_CAPABILITY_EVENTS];
    mis->listener = listener;
    qio_socket_address_free(mis->listen_addr);
    mis->listen_addr = listener ?
        qio_channel_socket_get_local_address(QIO_CHANNEL_SOCKET(listener),
                                             NULL) : NULL;
    mis->main = exec_ioc;
    mis->child_pid = pid;
    mis->n_multifd = 0;
    mis->multifd = NULL;
    mis->start_ms = g_get_monotonic_time() / 1000;
    mis->end_ms = 0;
    mis->status = MIGRATION_STATUS_NONE;
    /* QEMU sends this one even without the events capability. */
    mis->status = MIGRATION_STATUS_SETUP;
    if (ms->events) {
        qapi_event_send_migration(ms->events, MIGRATION_STATUS_SETUP);
    }
    mis->thread = g_thread_new("migration-incoming",
                               migration_incoming_thread, st);
    g_mutex_unlock(&mis->lock);
    return true;
}

void qmp_migrate_incoming(MachineState *ms, const char *uri, GError **errp)
{
    MigrationIncomingState *mis = ms->incoming;

    if (migration_incoming_is_running(mis)) {
        qapi_error_setg(errp, "The incoming migration has already been started");
        return;
    }
    if (!mis->expected || runstate_get(ms) != RUN_STATE_INMIGRATE) {
        qapi_error_setg(errp, "'-incoming' was not specified on the command line");
        return;
    }
    migration_incoming_start(mis, uri, errp);
}

bool migration_incoming_cli(MachineState *ms, const char *uri, GError **errp)
{
    MigrationIncomingState *mis = ms->incoming;

    mis->expected = true;
    runstate_set(ms, RUN_STATE_INMIGRATE);
    if (g_strcmp0(uri, "defer") == 0) {
        mis->deferred = true;
        return true;
    }
    return migration_incoming_start(mis, uri, errp);
}

void migration_incoming_shutdown(MigrationIncomingState *mis)
{
    g_mutex_lock(&mis->lock);
    mis->quitting = true;
    migration_incoming_wake_locked(mis);
    g_mutex_unlock(&mis->lock);
    migration_incoming_join(mis);
    migration_incoming_close(mis, true);
    g_clear_pointer(&mis->listen_addr, qio_socket_address_free);
}

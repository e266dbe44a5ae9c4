/*
 * QMP commands of the migration control plane: settings and
 * query-migrate.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "migration/migration.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"
#include "system/workload.h"

#define QERR_MIGRATION_ACTIVE "There's a migration process in progress"

/*
 * Settings are frozen while a migration runs: outgoing from setup on,
 * incoming once the stream started (while it only listens they may still
 * change, as in QEMU).  Returns with mis->lock held when not frozen, so
 * that the incoming thread cannot take its snapshot of the settings in
 * the middle of a change; the caller unlocks.
 */
static bool migration_settings_lock(MachineState *ms, GError **errp)
{
    MigrationIncomingState *mis = ms->incoming;
    bool frozen;

    g_mutex_lock(&mis->lock);
    frozen = migration_is_running(ms->migration) ||
             mis->status == MIGRATION_STATUS_ACTIVE;
    if (frozen) {
        g_mutex_unlock(&mis->lock);
        qapi_error_setg(errp, QERR_MIGRATION_ACTIVE);
        return false;
    }
    return true;
}

void qmp_migrate_set_capabilities(MachineState *ms,
                                  MigrationCapabilityStatusList *capabilities,
                                  GError **errp)
{
    if (!migration_settings_lock(ms, errp)) {
        return;
    }
    migration_options_set_capabilities(&ms->migration->options, capabilities,
                                       errp);
    g_mutex_unlock(&ms->incoming->lock);
}

MigrationCapabilityStatusList *
qmp_query_migrate_capabilities(MachineState *ms, GError **errp)
{
    return migration_options_query_capabilities(&ms->migration->options);
}

void qmp_migrate_set_parameters(MachineState *ms, MigrateSetParameters *params,
                                GError **errp)
{
    if (!migration_settings_lock(ms, errp)) {
        return;
    }
    migration_options_set_parameters(&ms->migration->options, params, errp);
    g_mutex_unlock(&ms->incoming->lock);
}

MigrationParameters *qmp_query_migrate_parameters(MachineState *ms,
                                                  GError **errp)
{
    return migration_options_query_parameters(&ms->migration->options);
}

static MigrationStats *migration_ram_stats(MigrationCounters *c,
                                           uint64_t ram_total,
                                           int64_t elapsed_ms, bool done)
{
    MigrationStats *r = g_new0(MigrationStats, 1);
    uint64_t transferred = atomic_load(&c->transferred);
    uint64_t normal = atomic_load(&c->normal_pages);

    r->transferred = (int64_t)transferred;
    r->total = (int64_t)ram_total;
    r->remaining = done ? 0 : (int64_t)atomic_load(&c->remaining);
    r->duplicate = (int64_t)atomic_load(&c->duplicate_pages);
    r->skipped = 0;
    r->normal = (int64_t)normal;
    r->normal_bytes = (int64_t)(normal * TARGET_PAGE_SIZE);
    r->dirty_pages_rate = done ? 0 :
                          (int64_t)atomic_load(&c->dirty_pages_rate);
    if (elapsed_ms > 0) {
        /* Average over the whole migration, in Mbit/s like QEMU. */
        r->mbps = ((double)transferred * 8.0) / ((double)elapsed_ms / 1000.0)
                  / 1000.0 / 1000.0;
        r->pages_per_second = normal * 1000 / (uint64_t)elapsed_ms;
    }
    r->dirty_sync_count = (int64_t)atomic_load(&c->dirty_sync_count);
    r->postcopy_requests = 0;
    r->page_size = TARGET_PAGE_SIZE;
    r->multifd_bytes = atomic_load(&c->multifd_bytes);
    r->precopy_bytes = atomic_load(&c->precopy_bytes);
    r->downtime_bytes = atomic_load(&c->downtime_bytes);
    r->postcopy_bytes = 0;
    r->dirty_sync_missed_zero_copy =
        atomic_load(&c->dirty_sync_missed_zero_copy);
    return r;
}

static ZeroCopyChannelInfoList *
migration_zc_list(const QIOChannelZerocopyStats *stats, unsigned int n)
{
    ZeroCopyChannelInfoList *head = NULL, **tail = &head;
    unsigned int i;

    for (i = 0; i < n; i++) {
        ZeroCopyChannelInfoList *e = g_new0(ZeroCopyChannelInfoList, 1);

        e->value = g_new0(ZeroCopyChannelInfo, 1);
        e->value->id = i;
        e->value->queued = stats[i].queued;
        e->value->completed = stats[i].completed;
        e->value->copied = stats[i].copied;
        e->value->bytes = stats[i].bytes;
        e->value->disabled = stats[i].zerocopy_disabled;
        *tail = e;
        tail = &e->next;
    }
    return head;
}

/* The source's view, QEMU 7.2's shape per state.  Called with s->lock. */
static void migration_fill_source_info(MigrationState *s, MigrationInfo *info)
{
    MigrationCounters *c = &s->counters;
    int64_t now = g_get_monotonic_time() / 1000;
    int64_t end = s->end_ms ? s->end_ms : now;
    g_autofree QIOChannelZerocopyStats *live = NULL;
    const QIOChannelZerocopyStats *zc = s->zc_stats;
    unsigned int n_zc = s->n_zc_stats;
    unsigned int i;

    info->has_status = true;
    info->status = s->status;

    switch (s->status) {
    case MIGRATION_STATUS_SETUP:
        /* QEMU 7.2: only the status while connecting. */
        return;
    case MIGRATION_STATUS_ACTIVE:
    case MIGRATION_STATUS_CANCELLING:
    case MIGRATION_STATUS_PRE_SWITCHOVER:
    case MIGRATION_STATUS_DEVICE:
        info->has_total_time = true;
        info->total_time = end - s->start_ms;
        info->has_expected_downtime = true;
        info->expected_downtime =
            (int64_t)atomic_load(&c->expected_downtime_ms);
        info->has_setup_time = true;
        info->setup_time = (int64_t)atomic_load(&c->setup_time_ms);
        info->has_ram = true;
        info->ram = migration_ram_stats(c, s->ram_total, end - s->start_ms,
                                        false);
        break;
    case MIGRATION_STATUS_COMPLETED:
        info->has_total_time = true;
        info->total_time = end - s->start_ms;
        info->has_downtime = true;
        info->downtime = (int64_t)atomic_load(&c->downtime_ms);
        info->has_setup_time = true;
        info->setup_time = (int64_t)atomic_load(&c->setup_time_ms);
        info->has_ram = true;
        info->ram = migration_ram_stats(c, s->ram_total, end - s->start_ms,
                                        true);
        break;
    case MIGRATION_STATUS_FAILED:
        if (s->error_desc) {
            info->has_error_desc = true;
            info->error_desc = g_strdup(s->error_desc);
        }
        break;
    default:
        break;
    }

    /* QEMU shows the throttle with the RAM stats under auto-converge. */
    if (info->has_ram &&
        s->options.caps[MIGRATION_CAPABILITY_AUTO_CONVERGE]) {
        info->has_cpu_throttle_percentage = true;
        info->cpu_throttle_percentage = cpu_throttle_get_percentage(s->ms);
    }

    /* Per-channel zero copy: live while running, saved afterwards. */
    if (s->multifd && s->n_multifd) {
        live = g_new0(QIOChannelZerocopyStats, s->n_multifd);
        for (i = 0; i < s->n_multifd; i++) {
            if (s->multifd[i]) {
                qio_channel_get_zerocopy_stats(s->multifd[i], &live[i]);
            }
        }
        zc = live;
        n_zc = s->n_multifd;
    }
    if (zc && n_zc) {
        info->has_zero_copy_channels = true;
        info->zero_copy_channels = migration_zc_list(zc, n_zc);
    }
}

MigrationInfo *qmp_query_migrate(MachineState *ms, GError **errp)
{
    MigrationInfo *info = g_new0(MigrationInfo, 1);
    MigrationIncomingState *mis = ms->incoming;
    MigrationState *s = ms->migration;

    /* Destination first; a source that ever ran overrides (QEMU's order). */
    g_mutex_lock(&mis->lock);
    if (mis->listen_addr) {
        /* QEMU shows where it listens, with the real port (port 0). */
        SocketAddressList *l = g_new0(SocketAddressList, 1);
        SocketAddress *a = g_new0(SocketAddress, 1);

        if (mis->listen_addr->type == QIO_SOCKET_ADDRESS_UNIX) {
            a->type = SOCKET_ADDRESS_TYPE_UNIX;
            a->u.q_unix.path = g_strdup(mis->listen_addr->path);
        } else {
            a->type = SOCKET_ADDRESS_TYPE_INET;
            a->u.inet.host = g_strdup(mis->listen_addr->host);
            a->u.inet.port = g_strdup(mis->listen_addr->port);
        }
        l->value = a;
        info->has_socket_address = true;
        info->socket_address = l;
    }
    if (mis->status != MIGRATION_STATUS_NONE) {
        uint64_t spliced = atomic_load(&mis->counters.multifd_spliced_bytes);
        uint64_t busy = atomic_load(&mis->counters.multifd_splice_busy_bytes);

        if (spliced || busy) {
            info->has_recv_to_file = true;
            info->recv_to_file = g_new0(RecvToFileInfo, 1);
            info->recv_to_file->spliced = spliced;
            info->recv_to_file->copied_busy = busy;
        }
        info->has_status = true;
        info->status = mis->status;
        if (mis->status == MIGRATION_STATUS_FAILED && mis->error_desc) {
            info->has_error_desc = true;
            info->error_desc = g_strdup(mis->error_desc);
        }
    }
    g_mutex_unlock(&mis->lock);

    g_mutex_lock(&s->lock);
    if (s->status != MIGRATION_STATUS_NONE) {
        g_clear_pointer(&info->error_desc, g_free);
        info->has_error_desc = false;
        migration_fill_source_info(s, info);
    }
    g_mutex_unlock(&s->lock);
    return info;
}

/*
 * Helpers shared by the migration control-plane unit tests
 * (test-migration-control*.c): two machines in one process, driven
 * through the QMP/HMP implementations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/channel-socket.h"
#include "migration/migration.h"
#include "migration-control-util.h"
#include "migration-test-util.h"
#include "qapi/qapi-commands.h"

/*
 * The run-state functions of system/ for a machine without a main loop.
 * Weak, so that the real ones win wherever they are linked in.
 */
__attribute__((weak)) RunState runstate_get(MachineState *ms)
{
    RunState s;

    g_mutex_lock(&ms->lock);
    s = ms->runstate;
    g_mutex_unlock(&ms->lock);
    return s;
}

__attribute__((weak)) bool runstate_is_running(MachineState *ms)
{
    return runstate_get(ms) == RUN_STATE_RUNNING;
}

__attribute__((weak)) void runstate_set(MachineState *ms, RunState state)
{
    g_mutex_lock(&ms->lock);
    ms->runstate = state;
    g_mutex_unlock(&ms->lock);
}

__attribute__((weak)) void vm_stop(MachineState *ms, RunState state)
{
    bool was = runstate_is_running(ms);

    runstate_set(ms, state);
    if (was && ms->events) {
        ms->events->emit(ms->events, "STOP", NULL);
    }
}

__attribute__((weak)) void vm_start(MachineState *ms)
{
    runstate_set(ms, RUN_STATE_RUNNING);
    if (ms->events) {
        ms->events->emit(ms->events, "RESUME", NULL);
    }
}

static void mc_recorder_emit(QAPIEventEmitter *em, const char *name,
                             JsonObject *data)
{
    MCRecorder *r = (MCRecorder *)em;
    char *s;

    if (data && json_object_has_member(data, "status")) {
        s = g_strdup_printf("%s:%s", name,
                            json_object_get_string_member(data, "status"));
    } else {
        s = g_strdup(name);
    }
    if (data) {
        json_object_unref(data);
    }
    g_mutex_lock(&r->lock);
    g_ptr_array_add(r->events, s);
    g_mutex_unlock(&r->lock);
}

bool mc_recorder_has(MCRecorder *r, const char *ev)
{
    bool found = false;
    guint i;

    g_mutex_lock(&r->lock);
    for (i = 0; i < r->events->len; i++) {
        if (!strcmp(g_ptr_array_index(r->events, i), ev)) {
            found = true;
        }
    }
    g_mutex_unlock(&r->lock);
    return found;
}

char *mc_recorder_join(MCRecorder *r)
{
    char *s;

    g_mutex_lock(&r->lock);
    g_ptr_array_add(r->events, NULL);
    s = g_strjoinv(" ", (char **)r->events->pdata);
    g_ptr_array_remove_index(r->events, r->events->len - 1);
    g_mutex_unlock(&r->lock);
    return s;
}

void mc_side_init(MCSide *s, uint64_t pages, bool incoming)
{
    GError *err = NULL;

    s->ms = mt_machine_new(pages);
    g_mutex_init(&s->rec.lock);
    s->rec.events = g_ptr_array_new_with_free_func(g_free);
    s->rec.em.emit = mc_recorder_emit;
    s->ms->events = &s->rec.em;
    migration_object_init(s->ms);
    if (incoming) {
        g_assert_true(migration_incoming_cli(s->ms, "defer", &err));
        g_assert_no_error(err);
        g_assert_cmpint(runstate_get(s->ms), ==, RUN_STATE_INMIGRATE);
    }
}

void mc_side_destroy(MCSide *s)
{
    migration_shutdown(s->ms);
    g_assert_null(s->ms->migration);
    g_assert_null(s->ms->incoming);
    mt_machine_free(s->ms);
    g_ptr_array_unref(s->rec.events);
    g_mutex_clear(&s->rec.lock);
}

void mc_set_caps(MachineState *ms, const char *spec)
{
    g_auto(GStrv) names = g_strsplit(spec, ",", -1);
    g_autoptr(MigrationCapabilityStatusList) head = NULL;
    MigrationCapabilityStatusList **tail = &head;
    GError *err = NULL;
    int i;

    for (i = 0; names[i]; i++) {
        MigrationCapabilityStatusList *e = g_new0(MigrationCapabilityStatusList,
                                                  1);
        e->value = g_new0(MigrationCapabilityStatus, 1);
        e->value->capability = qapi_enum_parse(&MigrationCapability_lookup,
                                               names[i], -1, &err);
        g_assert_no_error(err);
        e->value->state = true;
        *tail = e;
        tail = &e->next;
    }
    qmp_migrate_set_capabilities(ms, head, &err);
    g_assert_no_error(err);
}

void mc_set_channels(MachineState *ms, unsigned int n)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    p->has_multifd_channels = true;
    p->multifd_channels = n;
    qmp_migrate_set_parameters(ms, p, &err);
    g_assert_no_error(err);
}

MigrationStatus mc_src_status(MCSide *s)
{
    return migration_get_status(s->ms->migration);
}

MigrationStatus mc_dst_status(MCSide *s)
{
    return migration_incoming_get_status(s->ms->incoming);
}

void mc_wait_for(MigrationStatus (*get)(MCSide *), MCSide *s,
                 MigrationStatus want)
{
    gint64 deadline = g_get_monotonic_time() + MC_DEADLINE_S * G_USEC_PER_SEC;

    while (get(s) != want) {
        if (g_get_monotonic_time() > deadline) {
            g_autofree char *ev = mc_recorder_join(&s->rec);
            g_error("timed out waiting for %s (now %s); events: %s",
                    MigrationStatus_str(want), MigrationStatus_str(get(s)),
                    ev);
        }
        g_usleep(2000);
    }
}

void mc_wait_completed(MCSide *src, MCSide *dst)
{
    mc_wait_for(mc_src_status, src, MIGRATION_STATUS_COMPLETED);
    mc_wait_for(mc_dst_status, dst, MIGRATION_STATUS_COMPLETED);
    g_assert_true(mc_ram_equal(src, dst));
}

char *mc_query_error(MCSide *s)
{
    g_autoptr(MigrationInfo) info = qmp_query_migrate(s->ms, NULL);

    /* the JSON output only has what has_* says */
    g_assert_cmpint(info->has_error_desc, ==, info->error_desc != NULL);
    return g_strdup(info->error_desc);
}

bool mc_ram_equal(MCSide *a, MCSide *b)
{
    RAMBlock *ra = mt_ram(a->ms), *rb = mt_ram(b->ms);

    return ra->used_length == rb->used_length &&
           memcmp(ra->host, rb->host, ra->used_length) == 0;
}

char *mc_unix_uri(const char *tag)
{
    return g_strdup_printf("unix:%s/zcmig-ctl-%d-%s.sock", g_get_tmp_dir(),
                           (int)getpid(), tag);
}

/* The port a TCP migrate-incoming with port 0 got. */
char *mc_incoming_tcp_uri(MCSide *dst)
{
    QIOChannel *l = dst->ms->incoming->listener;
    g_autoptr(QIOSocketAddress) a = NULL;
    GError *err = NULL;

    g_assert_nonnull(l);
    a = qio_channel_socket_get_local_address(QIO_CHANNEL_SOCKET(l), &err);
    g_assert_no_error(err);
    return g_strdup_printf("tcp:127.0.0.1:%s", a->port);
}

bool mc_have_zerocopy(void)
{
#ifdef CONFIG_MSG_ZEROCOPY
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    bool ok = setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) == 0;

    close(fd);
    return ok;
#else
    return false;
#endif
}

void mc_migrate(MCSide *src, const char *uri)
{
    GError *err = NULL;

    qmp_migrate(src->ms, uri, false, false, false, false, false, false,
                false, false, &err);
    g_assert_no_error(err);
}

void mc_incoming(MCSide *dst, const char *uri)
{
    GError *err = NULL;

    qmp_migrate_incoming(dst->ms, uri, &err);
    g_assert_no_error(err);
}

/*
 * Unit tests for the migration control plane (migration.c,
 * migration-incoming.c, transports, query-migrate, HMP formatting):
 * two machines in one process migrate to each other through the QMP
 * implementations, over real sockets and exec: commands, and through
 * every failure path we can provoke deterministically.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io/channel-socket.h"
#include "migration/migration-hmp-cmds.h"
#include "migration/migration.h"
#include "migration-test-util.h"
#include "qapi/qapi-commands.h"

#define DEADLINE_S 60

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

/* Records events as "NAME" or "NAME:status". */
typedef struct Recorder {
    QAPIEventEmitter em;
    GMutex lock;
    GPtrArray *events;
} Recorder;

static void recorder_emit(QAPIEventEmitter *em, const char *name,
                          JsonObject *data)
{
    Recorder *r = (Recorder *)em;
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

static bool recorder_has(Recorder *r, const char *ev)
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

static char *recorder_join(Recorder *r)
{
    char *s;

    g_mutex_lock(&r->lock);
    g_ptr_array_add(r->events, NULL);
    s = g_strjoinv(" ", (char **)r->events->pdata);
    g_ptr_array_remove_index(r->events, r->events->len - 1);
    g_mutex_unlock(&r->lock);
    return s;
}

typedef struct Side {
    MachineState *ms;
    Recorder rec;
} Side;

static void side_init(Side *s, uint64_t pages, bool incoming)
{
    GError *err = NULL;

    s->ms = mt_machine_new(pages);
    g_mutex_init(&s->rec.lock);
    s->rec.events = g_ptr_array_new_with_free_func(g_free);
    s->rec.em.emit = recorder_emit;
    s->ms->events = &s->rec.em;
    migration_object_init(s->ms);
    if (incoming) {
        g_assert_true(migration_incoming_cli(s->ms, "defer", &err));
        g_assert_no_error(err);
        g_assert_cmpint(runstate_get(s->ms), ==, RUN_STATE_INMIGRATE);
    }
}

static void side_destroy(Side *s)
{
    migration_shutdown(s->ms);
    g_assert_null(s->ms->migration);
    g_assert_null(s->ms->incoming);
    mt_machine_free(s->ms);
    g_ptr_array_unref(s->rec.events);
    g_mutex_clear(&s->rec.lock);
}

static void set_caps(MachineState *ms, const char *spec)
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

static void set_channels(MachineState *ms, unsigned int n)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    p->has_multifd_channels = true;
    p->multifd_channels = n;
    qmp_migrate_set_parameters(ms, p, &err);
    g_assert_no_error(err);
}

static MigrationStatus src_status(Side *s)
{
    return migration_get_status(s->ms->migration);
}

static MigrationStatus dst_status(Side *s)
{
    return migration_incoming_get_status(s->ms->incoming);
}

static void wait_for(MigrationStatus (*get)(Side *), Side *s,
                     MigrationStatus want)
{
    gint64 deadline = g_get_monotonic_time() + DEADLINE_S * G_USEC_PER_SEC;

    while (get(s) != want) {
        if (g_get_monotonic_time() > deadline) {
            g_autofree char *ev = recorder_join(&s->rec);
            g_error("timed out waiting for %s (now %s); events: %s",
                    MigrationStatus_str(want), MigrationStatus_str(get(s)),
                    ev);
        }
        g_usleep(2000);
    }
}

static char *query_error(Side *s)
{
    g_autoptr(MigrationInfo) info = qmp_query_migrate(s->ms, NULL);

    /* the JSON output only has what has_* says */
    g_assert_cmpint(info->has_error_desc, ==, info->error_desc != NULL);
    return g_strdup(info->error_desc);
}

static bool ram_equal(Side *a, Side *b)
{
    RAMBlock *ra = mt_ram(a->ms), *rb = mt_ram(b->ms);

    return ra->used_length == rb->used_length &&
           memcmp(ra->host, rb->host, ra->used_length) == 0;
}

static char *unix_uri(const char *tag)
{
    return g_strdup_printf("unix:%s/zcmig-ctl-%d-%s.sock", g_get_tmp_dir(),
                           (int)getpid(), tag);
}

/* The port a TCP migrate-incoming with port 0 got. */
static char *incoming_tcp_uri(Side *dst)
{
    QIOChannel *l = dst->ms->incoming->listener;
    g_autoptr(QIOSocketAddress) a = NULL;
    GError *err = NULL;

    g_assert_nonnull(l);
    a = qio_channel_socket_get_local_address(QIO_CHANNEL_SOCKET(l), &err);
    g_assert_no_error(err);
    return g_strdup_printf("tcp:127.0.0.1:%s", a->port);
}

static bool have_zerocopy(void)
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

static void migrate(Side *src, const char *uri)
{
    GError *err = NULL;

    qmp_migrate(src->ms, uri, false, false, false, false, false, false,
                false, false, &err);
    g_assert_no_error(err);
}

static void incoming(Side *dst, const char *uri)
{
    GError *err = NULL;

    qmp_migrate_incoming(dst->ms, uri, &err);
    g_assert_no_error(err);
}

/* ---- successful migrations ---------------------------------------- */

typedef struct OkCase {
    const char *path;
    bool tcp;
    unsigned int channels;
    bool zerocopy;
    bool pbs;
} OkCase;

static const OkCase ok_cases[] = {
    { "/migration/control/ok/unix/single", false, 0, false, false },
    { "/migration/control/ok/tcp/single", true, 0, false, false },
    { "/migration/control/ok/unix/multifd-3", false, 3, false, false },
    { "/migration/control/ok/tcp/multifd-4/zero-copy", true, 4, true, false },
    { "/migration/control/ok/tcp/multifd-2/pre-switchover", true, 2, false,
      true },
};

static void test_ok(gconstpointer data)
{
    const OkCase *c = data;
    Side src, dst;
    g_autofree char *uri = NULL;
    g_autoptr(MigrationInfo) info = NULL;
    g_autoptr(GString) hmp = g_string_new(NULL);
    uint64_t nonzero;

    if (c->zerocopy && !have_zerocopy()) {
        g_test_skip("the kernel refuses SO_ZEROCOPY");
        return;
    }
    side_init(&src, 2048, false);
    side_init(&dst, 2048, true);
    nonzero = mt_fill_pattern(src.ms, 7);

    set_caps(src.ms, "events");
    set_caps(dst.ms, "events");
    if (c->channels) {
        set_caps(src.ms, "multifd");
        set_caps(dst.ms, "multifd");
        set_channels(src.ms, c->channels);
        set_channels(dst.ms, c->channels);
    }
    if (c->zerocopy) {
        GError *err = NULL;
        g_assert_true(hmp_migrate_set_parameter(src.ms, "multifd-zerocopy",
                                                "on", &err));
        g_assert_no_error(err);
    }
    if (c->pbs) {
        set_caps(src.ms, "pause-before-switchover");
    }

    uri = c->tcp ? NULL : unix_uri("ok");
    incoming(&dst, c->tcp ? "tcp:127.0.0.1:0" : uri);
    if (c->tcp) {
        uri = incoming_tcp_uri(&dst);
    }
    migrate(&src, uri);

    if (c->pbs) {
        GError *err = NULL;

        wait_for(src_status, &src, MIGRATION_STATUS_PRE_SWITCHOVER);
        g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_FINISH_MIGRATE);
        /* settings are frozen meanwhile */
        qmp_migrate_set_capabilities(src.ms, NULL, &err);
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==,
                        "There's a migration process in progress");
        g_clear_error(&err);
        qmp_migrate(src.ms, uri, false, false, false, false, false, false,
                    false, false, &err);
        g_assert_cmpstr(err->message, ==,
                        "There's a migration process in progress");
        g_clear_error(&err);
        /* wrong state named: QEMU's text */
        qmp_migrate_continue(src.ms, MIGRATION_STATUS_ACTIVE, &err);
        g_assert_cmpstr(err->message, ==,
                        "Migration not in expected state: pre-switchover");
        g_clear_error(&err);
        qmp_migrate_continue(src.ms, MIGRATION_STATUS_PRE_SWITCHOVER, &err);
        g_assert_no_error(err);
    }
    wait_for(src_status, &src, MIGRATION_STATUS_COMPLETED);
    wait_for(dst_status, &dst, MIGRATION_STATUS_COMPLETED);

    g_assert_true(ram_equal(&src, &dst));
    g_assert_true(mt_guards_intact(dst.ms));
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_POSTMIGRATE);
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_RUNNING);

    g_assert_true(recorder_has(&src.rec, "MIGRATION:setup"));
    g_assert_true(recorder_has(&src.rec, "MIGRATION:active"));
    g_assert_true(recorder_has(&src.rec, "MIGRATION:device"));
    g_assert_true(recorder_has(&src.rec, "MIGRATION:completed"));
    g_assert_true(recorder_has(&src.rec, "STOP"));
    g_assert_cmpint(recorder_has(&src.rec, "MIGRATION:pre-switchover"), ==,
                    c->pbs);
    g_assert_true(recorder_has(&dst.rec, "MIGRATION:setup"));
    g_assert_true(recorder_has(&dst.rec, "MIGRATION:completed"));
    g_assert_true(recorder_has(&dst.rec, "RESUME"));

    info = qmp_query_migrate(src.ms, NULL);
    g_assert_true(info->has_status);
    g_assert_cmpint(info->status, ==, MIGRATION_STATUS_COMPLETED);
    g_assert_true(info->has_downtime && info->has_total_time);
    g_assert_true(info->has_ram);
    g_assert_nonnull(info->ram);
    g_assert_cmpint(info->has_zero_copy_channels, ==, c->channels > 0);
    g_assert_cmpint(info->ram->normal, ==, (int64_t)nonzero);
    g_assert_cmpint(info->ram->duplicate, ==, (int64_t)(2048 - nonzero));
    g_assert_cmpint(info->ram->total, ==, 2048 * 4096);
    g_assert_cmpint(info->ram->remaining, ==, 0);
    if (c->zerocopy) {
        ZeroCopyChannelInfoList *l;
        unsigned int n = 0;

        /* loopback: every completion is a copy, every flush "missed" */
        g_assert_cmpuint(info->ram->dirty_sync_missed_zero_copy, >, 0);
        for (l = info->zero_copy_channels; l; l = l->next, n++) {
            g_assert_cmpint(l->value->id, ==, n);
            g_assert_cmpuint(l->value->completed, ==, l->value->queued);
            g_assert_cmpuint(l->value->copied, ==, l->value->completed);
        }
        g_assert_cmpuint(n, ==, c->channels);
        hmp_info_migrate(src.ms, hmp);
        g_assert_nonnull(strstr(hmp->str,
                                "Zero-copy-send fallbacks happened: "));
    } else {
        g_assert_cmpuint(info->ram->dirty_sync_missed_zero_copy, ==, 0);
        hmp_info_migrate(src.ms, hmp);
    }
    g_assert_nonnull(strstr(hmp->str, "Migration status: completed\n"));

    /* a migrated-away source refuses to migrate again (QEMU's text) */
    {
        GError *err = NULL;
        qmp_migrate(src.ms, uri, false, false, false, false, false, false,
                    false, false, &err);
        g_assert_cmpstr(err->message, ==, "Can't migrate the vm that was "
                        "paused due to previous migration");
        g_clear_error(&err);
    }
    side_destroy(&src);
    side_destroy(&dst);
}

/* ---- cancelling ----------------------------------------------------- */

static void test_cancel_pre_switchover(void)
{
    Side src, dst;
    g_autofree char *uri = unix_uri("cancel-pbs");
    g_autofree char *e = NULL;

    side_init(&src, 1024, false);
    side_init(&dst, 1024, true);
    mt_fill_pattern(src.ms, 3);
    set_caps(src.ms, "events,pause-before-switchover");
    set_caps(dst.ms, "events");
    incoming(&dst, uri);
    migrate(&src, uri);
    wait_for(src_status, &src, MIGRATION_STATUS_PRE_SWITCHOVER);
    qmp_migrate_cancel(src.ms, NULL);
    wait_for(src_status, &src, MIGRATION_STATUS_CANCELLED);
    g_assert_true(recorder_has(&src.rec, "MIGRATION:cancelling"));
    g_assert_true(recorder_has(&src.rec, "MIGRATION:cancelled"));
    /* the guest runs again */
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    g_assert_true(recorder_has(&src.rec, "RESUME"));

    /* the destination saw the stream end: failed, still waiting */
    wait_for(dst_status, &dst, MIGRATION_STATUS_FAILED);
    e = query_error(&dst);
    g_assert_nonnull(e);
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_INMIGRATE);

    /* ... and a second try goes through */
    incoming(&dst, uri);
    set_caps(src.ms, "events");
    {
        g_autoptr(MigrationCapabilityStatusList) caps = NULL;
        GError *err = NULL;
        caps = g_new0(MigrationCapabilityStatusList, 1);
        caps->value = g_new0(MigrationCapabilityStatus, 1);
        caps->value->capability = MIGRATION_CAPABILITY_PAUSE_BEFORE_SWITCHOVER;
        caps->value->state = false;
        qmp_migrate_set_capabilities(src.ms, caps, &err);
        g_assert_no_error(err);
    }
    migrate(&src, uri);
    wait_for(src_status, &src, MIGRATION_STATUS_COMPLETED);
    wait_for(dst_status, &dst, MIGRATION_STATUS_COMPLETED);
    g_assert_true(ram_equal(&src, &dst));
    side_destroy(&src);
    side_destroy(&dst);
}

/*
 * A peer that accepts and never reads: once the socket buffers are full
 * the migration thread blocks in write(); cancel must still end it.
 */
static void test_cancel_stalled_peer(void)
{
    Side src;
    g_autofree char *uri = unix_uri("stalled");
    g_autoptr(QIOSocketAddress) addr = NULL;
    QIOChannelSocket *l, *peer = NULL;
    GError *err = NULL;
    gint64 deadline;
    uint64_t last = 0;
    int still = 0;

    side_init(&src, 8192, false); /* 32 MiB: far more than buffers */
    mt_fill_pattern(src.ms, 5);
    addr = qio_socket_address_parse(uri, &err);
    g_assert_no_error(err);
    l = qio_channel_socket_listen_sync(addr, 4, &err);
    g_assert_no_error(err);
    migrate(&src, uri);
    peer = qio_channel_socket_accept(l, &err);
    g_assert_no_error(err);
    wait_for(src_status, &src, MIGRATION_STATUS_ACTIVE);

    /* wait until the bytes stop moving: the writer is blocked */
    deadline = g_get_monotonic_time() + DEADLINE_S * G_USEC_PER_SEC;
    while (still < 50) {
        uint64_t t = atomic_load(&src.ms->migration->counters.transferred);
        still = t == last ? still + 1 : 0;
        last = t;
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(2000);
    }
    g_assert_cmpint(src_status(&src), ==, MIGRATION_STATUS_ACTIVE);
    qmp_migrate_cancel(src.ms, NULL);
    wait_for(src_status, &src, MIGRATION_STATUS_CANCELLED);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);

    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(peer));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(l));
    side_destroy(&src);
}

/*
 * A listener whose accept queue is full: the kernel drops our SYN and
 * connect() hangs, so the migration sits in setup.  Cancel ends it.
 */
static void test_cancel_while_connecting(void)
{
    Side src;
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int lfd, fillers[4], i;
    g_autofree char *uri = NULL;

    lfd = socket(AF_INET, SOCK_STREAM, 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(listen(lfd, 0), ==, 0);
    g_assert_cmpint(getsockname(lfd, (struct sockaddr *)&sin, &len), ==, 0);
    /* fill the accept queue (backlog 0 still admits one or two) */
    for (i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(fillers[i], (struct sockaddr *)&sin, sizeof(sin)) < 0) {
            g_assert_cmpint(errno, ==, EINPROGRESS);
        }
    }
    uri = g_strdup_printf("tcp:127.0.0.1:%d", ntohs(sin.sin_port));

    side_init(&src, 256, false);
    set_caps(src.ms, "events");
    migrate(&src, uri);
    /* still connecting after a while? */
    g_usleep(200 * 1000);
    if (src_status(&src) != MIGRATION_STATUS_SETUP) {
        qmp_migrate_cancel(src.ms, NULL);
        for (i = 0; i < 4; i++) {
            close(fillers[i]);
        }
        close(lfd);
        side_destroy(&src);
        g_test_skip("this kernel accepted the connection anyway");
        return;
    }
    qmp_migrate_cancel(src.ms, NULL);
    wait_for(src_status, &src, MIGRATION_STATUS_CANCELLED);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    for (i = 0; i < 4; i++) {
        close(fillers[i]);
    }
    close(lfd);
    side_destroy(&src);
}

/* ---- failures -------------------------------------------------------- */

static void test_connect_refused(void)
{
    Side src;
    int port;
    g_autofree char *uri = NULL, *e = NULL, *want = NULL;
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    port = ntohs(sin.sin_port);
    close(fd); /* nobody listens there now */

    side_init(&src, 256, false);
    set_caps(src.ms, "events");
    uri = g_strdup_printf("tcp:127.0.0.1:%d", port);
    migrate(&src, uri);
    wait_for(src_status, &src, MIGRATION_STATUS_FAILED);
    e = query_error(&src);
    want = g_strdup_printf("Failed to connect to '127.0.0.1:%d': "
                           "Connection refused", port);
    g_assert_cmpstr(e, ==, want);
    g_assert_true(recorder_has(&src.rec, "MIGRATION:failed"));
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    side_destroy(&src);
}

/* A fake source: main channel, then a multifd channel with garbage. */
static void test_fake_multifd_peer(void)
{
    Side dst, src;
    g_autofree char *uri = unix_uri("fake");
    g_autofree char *e = NULL;
    g_autoptr(QIOSocketAddress) addr = NULL;
    QIOChannelSocket *c1, *c2;
    GError *err = NULL;
    uint8_t junk[64];

    side_init(&dst, 256, true);
    set_caps(dst.ms, "events,multifd");
    set_channels(dst.ms, 2);
    incoming(&dst, uri);
    addr = qio_socket_address_parse(uri, &err);
    c1 = qio_channel_socket_connect_sync(addr, &err);
    g_assert_no_error(err);
    c2 = qio_channel_socket_connect_sync(addr, &err);
    g_assert_no_error(err);
    memset(junk, 0x42, sizeof(junk));
    g_assert_cmpint(qio_channel_write_all(QIO_CHANNEL_SOCKET_BASE(c2), junk,
                                          sizeof(junk), &err), ==, 0);
    wait_for(dst_status, &dst, MIGRATION_STATUS_FAILED);
    e = query_error(&dst);
    g_assert_cmpstr(e, ==, "multifd: received packet magic 42424242 "
                    "expected 11223344");
    g_assert_true(recorder_has(&dst.rec, "MIGRATION:failed"));
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_INMIGRATE);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c1));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c2));

    /* still usable: a real migration now */
    side_init(&src, 256, false);
    mt_fill_pattern(src.ms, 9);
    set_caps(src.ms, "multifd");
    set_channels(src.ms, 2);
    incoming(&dst, uri);
    migrate(&src, uri);
    wait_for(src_status, &src, MIGRATION_STATUS_COMPLETED);
    wait_for(dst_status, &dst, MIGRATION_STATUS_COMPLETED);
    g_assert_true(ram_equal(&src, &dst));
    side_destroy(&src);
    side_destroy(&dst);
}

/*
 * A multifd peer that sends part of its initial packet and stalls: the
 * destination waits with a deadline, and shutdown wakes it at once.
 */
static void test_partial_packet_shutdown(void)
{
    Side dst;
    g_autofree char *uri = unix_uri("partial");
    g_autoptr(QIOSocketAddress) addr = NULL;
    QIOChannelSocket *c1, *c2;
    GError *err = NULL;
    uint8_t part[10] = { 0x11, 0x22, 0x33, 0x44 };
    g_autofree char *e = NULL;

    side_init(&dst, 64, true);
    set_caps(dst.ms, "multifd");
    incoming(&dst, uri);
    addr = qio_socket_address_parse(uri, &err);
    c1 = qio_channel_socket_connect_sync(addr, &err);
    g_assert_no_error(err);
    wait_for(dst_status, &dst, MIGRATION_STATUS_ACTIVE);
    c2 = qio_channel_socket_connect_sync(addr, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qio_channel_write_all(QIO_CHANNEL_SOCKET_BASE(c2), part,
                                          sizeof(part), &err), ==, 0);
    /*
     * Woken by shutdown, not by the 30 s deadline: the message says so
     * (in the packet read, or - if the thread had not accepted the
     * channel yet - in accept).
     */
    migration_incoming_shutdown(dst.ms->incoming);
    e = query_error(&dst);
    g_assert_true(g_str_has_prefix(e, "multifd: "));
    g_assert_true(g_str_has_suffix(e, "Incoming migration cancelled") ||
                  strstr(e, "Incoming migration cancelled while waiting"));
    side_destroy(&dst);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c1));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c2));
}

static void test_uuid_mismatch(void)
{
    Side src, dst;
    g_autofree char *uri = unix_uri("uuid");
    g_autofree char *e = NULL, *se = NULL;

    /*
     * More RAM than socket buffers hold: without a return path, a source
     * that could write everything before the destination hung up would
     * legitimately complete.
     */
    side_init(&src, 8192, false);
    side_init(&dst, 8192, true);
    mt_fill_pattern(src.ms, 2);
    src.ms->has_uuid = true;
    memset(src.ms->uuid, 0x11, 16);
    dst.ms->has_uuid = true;
    memset(dst.ms->uuid, 0x22, 16);
    set_caps(src.ms, "multifd");
    set_caps(dst.ms, "multifd");
    incoming(&dst, uri);
    migrate(&src, uri);
    wait_for(dst_status, &dst, MIGRATION_STATUS_FAILED);
    wait_for(src_status, &src, MIGRATION_STATUS_FAILED);
    e = query_error(&dst);
    g_assert_nonnull(strstr(e, "uuid"));
    se = query_error(&src);
    g_assert_nonnull(se);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    side_destroy(&src);
    side_destroy(&dst);
}

static void test_channel_mismatch(void)
{
    Side src, dst;
    g_autofree char *uri = unix_uri("mismatch");
    g_autofree char *e = NULL, *se = NULL;
    uint8_t before[4096];

    side_init(&src, 8192, false);
    side_init(&dst, 8192, true);
    mt_fill_pattern(src.ms, 1);
    memcpy(before, mt_ram(src.ms)->host, sizeof(before));
    set_caps(src.ms, "multifd");
    set_caps(dst.ms, "multifd");
    set_channels(src.ms, 4);
    set_channels(dst.ms, 2);
    incoming(&dst, uri);
    migrate(&src, uri);
    wait_for(dst_status, &dst, MIGRATION_STATUS_FAILED);
    wait_for(src_status, &src, MIGRATION_STATUS_FAILED);
    e = query_error(&dst);
    se = query_error(&src);
    g_assert_nonnull(e);
    g_assert_nonnull(se);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    g_assert_cmpmem(before, sizeof(before), mt_ram(src.ms)->host,
                    sizeof(before));
    side_destroy(&src);
    side_destroy(&dst);
}

static void test_exec_roundtrip(void)
{
    Side src, dst;
    g_autofree char *file = g_strdup_printf("%s/zcmig-ctl-%d.stream",
                                            g_get_tmp_dir(), (int)getpid());
    g_autofree char *out = g_strdup_printf("exec:cat > %s", file);
    g_autofree char *in = g_strdup_printf("exec:cat %s", file);

    side_init(&src, 1024, false);
    side_init(&dst, 1024, true);
    mt_fill_pattern(src.ms, 11);
    migrate(&src, out);
    wait_for(src_status, &src, MIGRATION_STATUS_COMPLETED);
    incoming(&dst, in);
    wait_for(dst_status, &dst, MIGRATION_STATUS_COMPLETED);
    g_assert_true(ram_equal(&src, &dst));
    unlink(file);
    side_destroy(&src);
    side_destroy(&dst);
}

/* A corrupted stream through exec: fails, then a good one works. */
static void test_exec_corrupt(void)
{
    Side dst;
    g_autofree char *file = g_strdup_printf("%s/zcmig-ctl-%d.bad",
                                            g_get_tmp_dir(), (int)getpid());
    g_autofree char *in = g_strdup_printf("exec:cat %s", file);
    g_autofree char *e = NULL;

    g_assert_true(g_file_set_contents(file, "QEVM\0\0\0\3garbage", 15,
                                      NULL));
    side_init(&dst, 256, true);
    set_caps(dst.ms, "events");
    incoming(&dst, in);
    wait_for(dst_status, &dst, MIGRATION_STATUS_FAILED);
    e = query_error(&dst);
    g_assert_nonnull(e);
    g_test_message("corrupt stream: %s", e);
    g_assert_true(recorder_has(&dst.rec, "MIGRATION:failed"));
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_INMIGRATE);
    unlink(file);
    side_destroy(&dst);
}

typedef struct RefuseCase {
    const char *path;
    const char *caps;      /* NULL: none */
    const char *uri;
    bool incoming;
    const char *error;
} RefuseCase;

static const RefuseCase refuse_cases[] = {
    { "/migration/control/refuse/bad-protocol", NULL, "bogus:x", false,
      "Parameter 'uri' expects a valid migration protocol" },
    { "/migration/control/refuse/fd", NULL, "fd:migfd", false,
      "The fd: migration protocol is not supported by zcmig; use tcp:, "
      "unix: or exec:" },
    { "/migration/control/refuse/multifd-exec", "multifd", "exec:cat",
      false, "multifd is not supported by current protocol" },
    { "/migration/control/refuse/multifd-exec-incoming", "multifd",
      "exec:cat /dev/null", true,
      "multifd is not supported by current protocol" },
    { "/migration/control/refuse/incoming-bad-protocol", NULL, "nope:1",
      true, "Parameter 'uri' expects a valid migration protocol" },
};

static void test_refuse(gconstpointer data)
{
    const RefuseCase *c = data;
    Side s;
    GError *err = NULL;
    g_autoptr(MigrationInfo) info = NULL;

    side_init(&s, 16, c->incoming);
    if (c->caps) {
        set_caps(s.ms, c->caps);
    }
    if (c->incoming) {
        qmp_migrate_incoming(s.ms, c->uri, &err);
    } else {
        qmp_migrate(s.ms, c->uri, false, false, false, false, false, false,
                    false, false, &err);
    }
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, c->error);
    g_clear_error(&err);
    /* nothing started: query-migrate is still {} */
    info = qmp_query_migrate(s.ms, NULL);
    g_assert_false(info->has_status);
    side_destroy(&s);
}

static void test_zero_copy_unix_refused(void)
{
    Side s;
    GError *err = NULL;
    g_autofree char *uri = unix_uri("zc");

    if (!have_zerocopy()) {
        g_test_skip("the kernel refuses SO_ZEROCOPY");
        return;
    }
    side_init(&s, 16, false);
    set_caps(s.ms, "multifd,zero-copy-send");
    qmp_migrate(s.ms, uri, false, false, false, false, false, false, false,
                false, &err);
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, "Zero copy send feature not available "
                    "on UNIX sockets (MSG_ZEROCOPY needs TCP); use a tcp: "
                    "URI");
    g_clear_error(&err);
    side_destroy(&s);
}

static void test_incoming_not_expected(void)
{
    Side s;
    GError *err = NULL;

    side_init(&s, 16, false);
    qmp_migrate_incoming(s.ms, "tcp:127.0.0.1:0", &err);
    g_assert_cmpstr(err->message, ==,
                    "'-incoming' was not specified on the command line");
    g_clear_error(&err);
    side_destroy(&s);
}

static void test_incoming_twice(void)
{
    Side s;
    GError *err = NULL;
    g_autoptr(MigrationInfo) info = NULL;

    side_init(&s, 16, true);
    incoming(&s, "tcp:127.0.0.1:0");
    qmp_migrate_incoming(s.ms, "tcp:127.0.0.1:0", &err);
    g_assert_cmpstr(err->message, ==,
                    "The incoming migration has already been started");
    g_clear_error(&err);
    /* listening: QEMU reports setup */
    info = qmp_query_migrate(s.ms, NULL);
    g_assert_true(info->has_status);
    g_assert_cmpint(info->status, ==, MIGRATION_STATUS_SETUP);
    /* where it listens, with the port the kernel picked */
    g_assert_true(info->has_socket_address);
    g_assert_cmpint(info->socket_address->value->type, ==,
                    SOCKET_ADDRESS_TYPE_INET);
    g_assert_cmpstr(info->socket_address->value->u.inet.host, ==,
                    "127.0.0.1");
    g_assert_cmpstr(info->socket_address->value->u.inet.port, !=, "0");
    /* while it only listens, settings may still change (QEMU allows it) */
    set_caps(s.ms, "events,multifd");
    set_channels(s.ms, 3);
    /* shutdown wakes the thread blocked in accept */
    side_destroy(&s);
}

static void test_idle_query(void)
{
    Side s;
    g_autoptr(MigrationInfo) info = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    side_init(&s, 16, false);
    info = qmp_query_migrate(s.ms, NULL);
    g_assert_false(info->has_status);
    g_assert_null(info->ram);
    g_assert_null(info->error_desc);
    hmp_info_migrate(s.ms, out);
    g_assert_cmpstr(out->str, ==, "globals:\n"
                    "store-global-state: on\n"
                    "only-migratable: off\n"
                    "send-configuration: on\n"
                    "send-section-footer: on\n"
                    "decompress-error-check: on\n"
                    "clear-bitmap-shift: 18\n");
    /* cancelling nothing is fine (QEMU) */
    qmp_migrate_cancel(s.ms, NULL);
    side_destroy(&s);
}

/* ---- HMP -------------------------------------------------------------- */

static void test_hmp_settings(void)
{
    Side s;
    GError *err = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    side_init(&s, 16, false);
    hmp_info_migrate_parameters(s.ms, out);
    /* QEMU 7.2's exact first lines and a few others */
    g_assert_true(g_str_has_prefix(out->str,
                                   "announce-initial: 50 ms\n"
                                   "announce-max: 550 ms\n"
                                   "announce-rounds: 5\n"
                                   "announce-step: 100 ms\n"
                                   "compress-level: 1\n"));
    g_assert_nonnull(strstr(out->str, "\ntls-creds: ''\n"));
    g_assert_nonnull(strstr(out->str,
                            "\nmax-bandwidth: 134217728 bytes/second\n"));
    g_assert_nonnull(strstr(out->str, "\nmultifd-channels: 2\n"));
    g_assert_nonnull(strstr(out->str, "\nmultifd-zerocopy: off\n"));

    g_assert_true(hmp_migrate_set_parameter(s.ms, "max-bandwidth", "100",
                                            &err));
    g_assert_true(hmp_migrate_set_parameter(s.ms, "downtime-limit", "500",
                                            &err));
    g_assert_true(hmp_migrate_set_parameter(s.ms, "multifd-channels", "8",
                                            &err));
    g_assert_no_error(err);
    g_assert_cmpuint(s.ms->migration->options.max_bandwidth, ==,
                     100 * 1024 * 1024);
    g_assert_cmpuint(s.ms->migration->options.downtime_limit, ==, 500);
    g_assert_cmpuint(s.ms->migration->options.multifd_channels, ==, 8);

    g_assert_false(hmp_migrate_set_parameter(s.ms, "multifd-channels", "256",
                                             &err));
    g_assert_cmpstr(err->message, ==,
                    "Parameter 'multifd-channels' expects uint8_t");
    g_clear_error(&err);
    g_assert_false(hmp_migrate_set_parameter(s.ms, "no-such-thing", "1",
                                             &err));
    g_assert_cmpstr(err->message, ==,
                    "invalid parameter value: no-such-thing");
    g_clear_error(&err);
    g_assert_false(hmp_migrate_set_parameter(s.ms, "max-bandwidth", "lots",
                                             &err));
    g_assert_cmpstr(err->message, ==, "Invalid size lots");
    g_clear_error(&err);

    g_assert_false(hmp_migrate_set_capability(s.ms, "xbzrle", "on", &err));
    g_assert_cmpstr(err->message, ==,
                    "Capability 'xbzrle' is not supported by zcmig");
    g_clear_error(&err);
    g_assert_true(hmp_migrate_set_capability(s.ms, "multifd", "on", &err));
    if (have_zerocopy()) {
        g_assert_true(hmp_migrate_set_parameter(s.ms, "multifd-zerocopy",
                                                "on", &err));
        g_assert_no_error(err);
        g_string_truncate(out, 0);
        hmp_info_migrate_capabilities(s.ms, out);
        g_assert_nonnull(strstr(out->str, "\nzero-copy-send: on\n"));
        g_assert_nonnull(strstr(out->str, "\nmultifd: on\n"));
        g_assert_true(g_str_has_prefix(out->str, "xbzrle: off\n"));
        /* now turning multifd off is refused with QEMU's text */
        g_assert_false(hmp_migrate_set_capability(s.ms, "multifd", "off",
                                                  &err));
        g_assert_cmpstr(err->message, ==, "Zero copy only available for "
                        "non-compressed non-TLS multifd migration");
        g_clear_error(&err);
    }
    g_assert_false(hmp_migrate_set_capability(s.ms, "events", "maybe", &err));
    g_assert_cmpstr(err->message, ==, "Expected 'on' or 'off'");
    g_clear_error(&err);
    side_destroy(&s);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(ok_cases); i++) {
        g_test_add_data_func(ok_cases[i].path, &ok_cases[i], test_ok);
    }
    g_test_add_func("/migration/control/cancel/pre-switchover",
                    test_cancel_pre_switchover);
    g_test_add_func("/migration/control/cancel/stalled-peer",
                    test_cancel_stalled_peer);
    g_test_add_func("/migration/control/cancel/while-connecting",
                    test_cancel_while_connecting);
    g_test_add_func("/migration/control/fail/connect-refused",
                    test_connect_refused);
    g_test_add_func("/migration/control/fail/fake-multifd-peer",
                    test_fake_multifd_peer);
    g_test_add_func("/migration/control/fail/partial-packet-shutdown",
                    test_partial_packet_shutdown);
    g_test_add_func("/migration/control/fail/uuid-mismatch",
                    test_uuid_mismatch);
    g_test_add_func("/migration/control/fail/channel-mismatch",
                    test_channel_mismatch);
    g_test_add_func("/migration/control/exec/roundtrip", test_exec_roundtrip);
    g_test_add_func("/migration/control/exec/corrupt", test_exec_corrupt);
    for (i = 0; i < G_N_ELEMENTS(refuse_cases); i++) {
        g_test_add_data_func(refuse_cases[i].path, &refuse_cases[i],
                             test_refuse);
    }
    g_test_add_func("/migration/control/refuse/zero-copy-unix",
                    test_zero_copy_unix_refused);
    g_test_add_func("/migration/control/incoming/not-expected",
                    test_incoming_not_expected);
    g_test_add_func("/migration/control/incoming/twice", test_incoming_twice);
    g_test_add_func("/migration/control/idle-query", test_idle_query);
    g_test_add_func("/migration/control/hmp/settings", test_hmp_settings);
    return g_test_run();
}

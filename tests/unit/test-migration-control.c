/*
 * Unit tests for the migration control plane (migration.c,
 * migration-incoming.c, transports, query-migrate): two machines in one
 * process migrate to each other through the QMP implementations, over
 * real sockets and exec: commands; cancelling in every phase; the idle
 * and listening states.  Failures and refusals are in
 * test-migration-control-errors.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/channel-socket.h"
#include "migration/migration-hmp-cmds.h"
#include "migration/migration.h"
#include "migration-control-util.h"
#include "migration-test-util.h"
#include "qapi/qapi-commands.h"

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
    MCSide src, dst;
    g_autofree char *uri = NULL;
    g_autoptr(MigrationInfo) info = NULL;
    g_autoptr(GString) hmp = g_string_new(NULL);
    uint64_t nonzero;

    if (c->zerocopy && !mc_have_zerocopy()) {
        g_test_skip("the kernel refuses SO_ZEROCOPY");
        return;
    }
    mc_side_init(&src, 2048, false);
    mc_side_init(&dst, 2048, true);
    nonzero = mt_fill_pattern(src.ms, 7);

    mc_set_caps(src.ms, "events");
    mc_set_caps(dst.ms, "events");
    if (c->channels) {
        mc_set_caps(src.ms, "multifd");
        mc_set_caps(dst.ms, "multifd");
        mc_set_channels(src.ms, c->channels);
        mc_set_channels(dst.ms, c->channels);
    }
    if (c->zerocopy) {
        GError *err = NULL;
        g_assert_true(hmp_migrate_set_parameter(src.ms, "multifd-zerocopy",
                                                "on", &err));
        g_assert_no_error(err);
    }
    if (c->pbs) {
        mc_set_caps(src.ms, "pause-before-switchover");
    }

    uri = c->tcp ? NULL : mc_unix_uri("ok");
    mc_incoming(&dst, c->tcp ? "tcp:127.0.0.1:0" : uri);
    if (c->tcp) {
        uri = mc_incoming_tcp_uri(&dst);
    }
    mc_migrate(&src, uri);

    if (c->pbs) {
        GError *err = NULL;

        mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_PRE_SWITCHOVER);
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
    mc_wait_completed(&src, &dst);
    g_assert_true(mt_guards_intact(dst.ms));
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_POSTMIGRATE);
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_RUNNING);

    g_assert_true(mc_recorder_has(&src.rec, "MIGRATION:setup"));
    g_assert_true(mc_recorder_has(&src.rec, "MIGRATION:active"));
    g_assert_true(mc_recorder_has(&src.rec, "MIGRATION:device"));
    g_assert_true(mc_recorder_has(&src.rec, "MIGRATION:completed"));
    g_assert_true(mc_recorder_has(&src.rec, "STOP"));
    g_assert_cmpint(mc_recorder_has(&src.rec, "MIGRATION:pre-switchover"),
                    ==, c->pbs);
    g_assert_true(mc_recorder_has(&dst.rec, "MIGRATION:setup"));
    g_assert_true(mc_recorder_has(&dst.rec, "MIGRATION:completed"));
    g_assert_true(mc_recorder_has(&dst.rec, "RESUME"));

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
    mc_side_destroy(&src);
    mc_side_destroy(&dst);
}

/* ---- cancelling ----------------------------------------------------- */

static void test_cancel_pre_switchover(void)
{
    MCSide src, dst;
    g_autofree char *uri = mc_unix_uri("cancel-pbs");
    g_autofree char *e = NULL;

    mc_side_init(&src, 1024, false);
    mc_side_init(&dst, 1024, true);
    mt_fill_pattern(src.ms, 3);
    mc_set_caps(src.ms, "events,pause-before-switchover");
    mc_set_caps(dst.ms, "events");
    mc_incoming(&dst, uri);
    mc_migrate(&src, uri);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_PRE_SWITCHOVER);
    qmp_migrate_cancel(src.ms, NULL);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_CANCELLED);
    g_assert_true(mc_recorder_has(&src.rec, "MIGRATION:cancelling"));
    g_assert_true(mc_recorder_has(&src.rec, "MIGRATION:cancelled"));
    /* the guest runs again */
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    g_assert_true(mc_recorder_has(&src.rec, "RESUME"));

    /* the destination saw the stream end: failed, still waiting */
    mc_wait_for(mc_dst_status, &dst, MIGRATION_STATUS_FAILED);
    e = mc_query_error(&dst);
    g_assert_nonnull(e);
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_INMIGRATE);

    /* ... and a second try goes through */
    mc_incoming(&dst, uri);
    mc_set_caps(src.ms, "events");
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
    mc_migrate(&src, uri);
    mc_wait_completed(&src, &dst);
    mc_side_destroy(&src);
    mc_side_destroy(&dst);
}

/*
 * A peer that accepts and never reads: once the socket buffers are full
 * the migration thread blocks in write(); cancel must still end it.
 */
static void test_cancel_stalled_peer(void)
{
    MCSide src;
    g_autofree char *uri = mc_unix_uri("stalled");
    g_autoptr(QIOSocketAddress) addr = NULL;
    QIOChannelSocket *l, *peer = NULL;
    GError *err = NULL;
    gint64 deadline;
    uint64_t last = 0;
    int still = 0;

    mc_side_init(&src, 8192, false); /* 32 MiB: far more than buffers */
    mt_fill_pattern(src.ms, 5);
    addr = qio_socket_address_parse(uri, &err);
    g_assert_no_error(err);
    l = qio_channel_socket_listen_sync(addr, 4, &err);
    g_assert_no_error(err);
    mc_migrate(&src, uri);
    peer = qio_channel_socket_accept(l, &err);
    g_assert_no_error(err);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_ACTIVE);

    /* wait until the bytes stop moving: the writer is blocked */
    deadline = g_get_monotonic_time() + MC_DEADLINE_S * G_USEC_PER_SEC;
    while (still < 50) {
        uint64_t t = atomic_load(&src.ms->migration->counters.transferred);
        still = t == last ? still + 1 : 0;
        last = t;
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(2000);
    }
    g_assert_cmpint(mc_src_status(&src), ==, MIGRATION_STATUS_ACTIVE);
    qmp_migrate_cancel(src.ms, NULL);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_CANCELLED);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);

    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(peer));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(l));
    mc_side_destroy(&src);
}

/*
 * A listener whose accept queue is full: the kernel drops our SYN and
 * connect() hangs, so the migration sits in setup.  Cancel ends it.
 */
static void test_cancel_while_connecting(void)
{
    MCSide src;
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

    mc_side_init(&src, 256, false);
    mc_set_caps(src.ms, "events");
    mc_migrate(&src, uri);
    /* still connecting after a while? */
    g_usleep(200 * 1000);
    if (mc_src_status(&src) != MIGRATION_STATUS_SETUP) {
        qmp_migrate_cancel(src.ms, NULL);
        for (i = 0; i < 4; i++) {
            close(fillers[i]);
        }
        close(lfd);
        mc_side_destroy(&src);
        g_test_skip("this kernel accepted the connection anyway");
        return;
    }
    qmp_migrate_cancel(src.ms, NULL);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_CANCELLED);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    for (i = 0; i < 4; i++) {
        close(fillers[i]);
    }
    close(lfd);
    mc_side_destroy(&src);
}

/* ---- exec: and states ---------------------------------------------- */

static void test_exec_roundtrip(void)
{
    MCSide src, dst;
    g_autofree char *file = g_strdup_printf("%s/zcmig-ctl-%d.stream",
                                            g_get_tmp_dir(), (int)getpid());
    g_autofree char *out = g_strdup_printf("exec:cat > %s", file);
    g_autofree char *in = g_strdup_printf("exec:cat %s", file);

    mc_side_init(&src, 1024, false);
    mc_side_init(&dst, 1024, true);
    mt_fill_pattern(src.ms, 11);
    mc_migrate(&src, out);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_COMPLETED);
    mc_incoming(&dst, in);
    mc_wait_for(mc_dst_status, &dst, MIGRATION_STATUS_COMPLETED);
    g_assert_true(mc_ram_equal(&src, &dst));
    unlink(file);
    mc_side_destroy(&src);
    mc_side_destroy(&dst);
}

static void test_incoming_twice(void)
{
    MCSide s;
    GError *err = NULL;
    g_autoptr(MigrationInfo) info = NULL;

    mc_side_init(&s, 16, true);
    mc_incoming(&s, "tcp:127.0.0.1:0");
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
    mc_set_caps(s.ms, "events,multifd");
    mc_set_channels(s.ms, 3);
    /* shutdown wakes the thread blocked in accept */
    mc_side_destroy(&s);
}

static void test_idle_query(void)
{
    MCSide s;
    g_autoptr(MigrationInfo) info = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    mc_side_init(&s, 16, false);
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
    mc_side_destroy(&s);
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
    g_test_add_func("/migration/control/exec/roundtrip", test_exec_roundtrip);
    g_test_add_func("/migration/control/incoming/twice", test_incoming_twice);
    g_test_add_func("/migration/control/idle-query", test_idle_query);
    return g_test_run();
}

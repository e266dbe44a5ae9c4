/*
 * Unit tests for the migration control plane's failure paths: every
 * failure we can provoke deterministically (refused connections, fake
 * and stalled peers, mismatched machines, corrupt streams), the commands
 * refused with QEMU's exact text, and the HMP settings commands.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

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

/* ---- failures -------------------------------------------------------- */

static void test_connect_refused(void)
{
    MCSide src;
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

    mc_side_init(&src, 256, false);
    mc_set_caps(src.ms, "events");
    uri = g_strdup_printf("tcp:127.0.0.1:%d", port);
    mc_migrate(&src, uri);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_FAILED);
    e = mc_query_error(&src);
    want = g_strdup_printf("Failed to connect to '127.0.0.1:%d': "
                           "Connection refused", port);
    g_assert_cmpstr(e, ==, want);
    g_assert_true(mc_recorder_has(&src.rec, "MIGRATION:failed"));
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    mc_side_destroy(&src);
}

/* A fake source: main channel, then a multifd channel with garbage. */
static void test_fake_multifd_peer(void)
{
    MCSide dst, src;
    g_autofree char *uri = mc_unix_uri("fake");
    g_autofree char *e = NULL;
    g_autoptr(QIOSocketAddress) addr = NULL;
    QIOChannelSocket *c1, *c2;
    GError *err = NULL;
    uint8_t junk[64];

    mc_side_init(&dst, 256, true);
    mc_set_caps(dst.ms, "events,multifd");
    mc_set_channels(dst.ms, 2);
    mc_incoming(&dst, uri);
    addr = qio_socket_address_parse(uri, &err);
    c1 = qio_channel_socket_connect_sync(addr, &err);
    g_assert_no_error(err);
    c2 = qio_channel_socket_connect_sync(addr, &err);
    g_assert_no_error(err);
    memset(junk, 0x42, sizeof(junk));
    g_assert_cmpint(qio_channel_write_all(QIO_CHANNEL_SOCKET_BASE(c2), junk,
                                          sizeof(junk), &err), ==, 0);
    mc_wait_for(mc_dst_status, &dst, MIGRATION_STATUS_FAILED);
    e = mc_query_error(&dst);
    g_assert_cmpstr(e, ==, "multifd: received packet magic 42424242 "
                    "expected 11223344");
    g_assert_true(mc_recorder_has(&dst.rec, "MIGRATION:failed"));
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_INMIGRATE);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c1));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c2));

    /* still usable: a real migration now */
    mc_side_init(&src, 256, false);
    mt_fill_pattern(src.ms, 9);
    mc_set_caps(src.ms, "multifd");
    mc_set_channels(src.ms, 2);
    mc_incoming(&dst, uri);
    mc_migrate(&src, uri);
    mc_wait_completed(&src, &dst);
    mc_side_destroy(&src);
    mc_side_destroy(&dst);
}

/*
 * A multifd peer that sends part of its initial packet and stalls: the
 * destination waits with a deadline, and shutdown wakes it at once.
 */
static void test_partial_packet_shutdown(void)
{
    MCSide dst;
    g_autofree char *uri = mc_unix_uri("partial");
    g_autoptr(QIOSocketAddress) addr = NULL;
    QIOChannelSocket *c1, *c2;
    GError *err = NULL;
    uint8_t part[10] = { 0x11, 0x22, 0x33, 0x44 };
    g_autofree char *e = NULL;

    mc_side_init(&dst, 64, true);
    mc_set_caps(dst.ms, "multifd");
    mc_incoming(&dst, uri);
    addr = qio_socket_address_parse(uri, &err);
    c1 = qio_channel_socket_connect_sync(addr, &err);
    g_assert_no_error(err);
    mc_wait_for(mc_dst_status, &dst, MIGRATION_STATUS_ACTIVE);
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
    e = mc_query_error(&dst);
    g_assert_true(g_str_has_prefix(e, "multifd: "));
    g_assert_true(g_str_has_suffix(e, "Incoming migration cancelled") ||
                  strstr(e, "Incoming migration cancelled while waiting"));
    mc_side_destroy(&dst);
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c1));
    qio_channel_unref(QIO_CHANNEL_SOCKET_BASE(c2));
}

static void test_uuid_mismatch(void)
{
    MCSide src, dst;
    g_autofree char *uri = mc_unix_uri("uuid");
    g_autofree char *e = NULL, *se = NULL;

    /*
     * More RAM than socket buffers hold: without a return path, a source
     * that could write everything before the destination hung up would
     * legitimately complete.
     */
    mc_side_init(&src, 8192, false);
    mc_side_init(&dst, 8192, true);
    mt_fill_pattern(src.ms, 2);
    src.ms->has_uuid = true;
    memset(src.ms->uuid, 0x11, 16);
    dst.ms->has_uuid = true;
    memset(dst.ms->uuid, 0x22, 16);
    mc_set_caps(src.ms, "multifd");
    mc_set_caps(dst.ms, "multifd");
    mc_incoming(&dst, uri);
    mc_migrate(&src, uri);
    mc_wait_for(mc_dst_status, &dst, MIGRATION_STATUS_FAILED);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_FAILED);
    e = mc_query_error(&dst);
    g_assert_nonnull(strstr(e, "uuid"));
    se = mc_query_error(&src);
    g_assert_nonnull(se);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    mc_side_destroy(&src);
    mc_side_destroy(&dst);
}

static void test_channel_mismatch(void)
{
    MCSide src, dst;
    g_autofree char *uri = mc_unix_uri("mismatch");
    g_autofree char *e = NULL, *se = NULL;
    uint8_t before[4096];

    mc_side_init(&src, 8192, false);
    mc_side_init(&dst, 8192, true);
    mt_fill_pattern(src.ms, 1);
    memcpy(before, mt_ram(src.ms)->host, sizeof(before));
    mc_set_caps(src.ms, "multifd");
    mc_set_caps(dst.ms, "multifd");
    mc_set_channels(src.ms, 4);
    mc_set_channels(dst.ms, 2);
    mc_incoming(&dst, uri);
    mc_migrate(&src, uri);
    mc_wait_for(mc_dst_status, &dst, MIGRATION_STATUS_FAILED);
    mc_wait_for(mc_src_status, &src, MIGRATION_STATUS_FAILED);
    e = mc_query_error(&dst);
    se = mc_query_error(&src);
    g_assert_nonnull(e);
    g_assert_nonnull(se);
    g_assert_cmpint(runstate_get(src.ms), ==, RUN_STATE_RUNNING);
    g_assert_cmpmem(before, sizeof(before), mt_ram(src.ms)->host,
                    sizeof(before));
    mc_side_destroy(&src);
    mc_side_destroy(&dst);
}

/* A corrupted stream through exec: fails, then a good one works. */
static void test_exec_corrupt(void)
{
    MCSide dst;
    g_autofree char *file = g_strdup_printf("%s/zcmig-ctl-%d.bad",
                                            g_get_tmp_dir(), (int)getpid());
    g_autofree char *in = g_strdup_printf("exec:cat %s", file);
    g_autofree char *e = NULL;

    g_assert_true(g_file_set_contents(file, "QEVM\0\0\0\3garbage", 15,
                                      NULL));
    mc_side_init(&dst, 256, true);
    mc_set_caps(dst.ms, "events");
    mc_incoming(&dst, in);
    mc_wait_for(mc_dst_status, &dst, MIGRATION_STATUS_FAILED);
    e = mc_query_error(&dst);
    g_assert_nonnull(e);
    g_test_message("corrupt stream: %s", e);
    g_assert_true(mc_recorder_has(&dst.rec, "MIGRATION:failed"));
    g_assert_cmpint(runstate_get(dst.ms), ==, RUN_STATE_INMIGRATE);
    unlink(file);
    mc_side_destroy(&dst);
}

/* ---- refusals -------------------------------------------------------- */

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
    /* No QMP session here, so no getfd names. */
    { "/migration/control/refuse/fd-unknown-name", NULL, "fd:migfd", false,
      "File descriptor named 'migfd' has not been found" },
    { "/migration/control/refuse/fd-empty", NULL, "fd:", false,
      "fd: migration needs a file descriptor name or number" },
    { "/migration/control/refuse/multifd-fd", "multifd", "fd:migfd",
      false, "multifd is not supported by current protocol" },
    { "/migration/control/refuse/multifd-fd-incoming", "multifd", "fd:0",
      true, "multifd is not supported by current protocol" },
    { "/migration/control/refuse/fd-incoming-bad-number", NULL,
      "fd:12x", true, "Invalid file descriptor number '12x'" },
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
    MCSide s;
    GError *err = NULL;
    g_autoptr(MigrationInfo) info = NULL;

    mc_side_init(&s, 16, c->incoming);
    if (c->caps) {
        mc_set_caps(s.ms, c->caps);
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
    mc_side_destroy(&s);
}

static void test_zero_copy_unix_refused(void)
{
    MCSide s;
    GError *err = NULL;
    g_autofree char *uri = mc_unix_uri("zc");

    if (!mc_have_zerocopy()) {
        g_test_skip("the kernel refuses SO_ZEROCOPY");
        return;
    }
    mc_side_init(&s, 16, false);
    mc_set_caps(s.ms, "multifd,zero-copy-send");
    qmp_migrate(s.ms, uri, false, false, false, false, false, false, false,
                false, &err);
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, "Zero copy send feature not available "
                    "on UNIX sockets (MSG_ZEROCOPY needs TCP); use a tcp: "
                    "URI");
    g_clear_error(&err);
    mc_side_destroy(&s);
}

static void test_incoming_not_expected(void)
{
    MCSide s;
    GError *err = NULL;

    mc_side_init(&s, 16, false);
    qmp_migrate_incoming(s.ms, "tcp:127.0.0.1:0", &err);
    g_assert_cmpstr(err->message, ==,
                    "'-incoming' was not specified on the command line");
    g_clear_error(&err);
    mc_side_destroy(&s);
}

/* ---- HMP -------------------------------------------------------------- */

static void test_hmp_settings(void)
{
    MCSide s;
    GError *err = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    mc_side_init(&s, 16, false);
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
    if (mc_have_zerocopy()) {
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
    mc_side_destroy(&s);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
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
    g_test_add_func("/migration/control/exec/corrupt", test_exec_corrupt);
    for (i = 0; i < G_N_ELEMENTS(refuse_cases); i++) {
        g_test_add_data_func(refuse_cases[i].path, &refuse_cases[i],
                             test_refuse);
    }
    g_test_add_func("/migration/control/refuse/zero-copy-unix",
                    test_zero_copy_unix_refused);
    g_test_add_func("/migration/control/incoming/not-expected",
                    test_incoming_not_expected);
    g_test_add_func("/migration/control/hmp/settings", test_hmp_settings);
    return g_test_run();
}

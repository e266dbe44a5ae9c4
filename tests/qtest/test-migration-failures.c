/*
 * Migration failures between real processes: cancel in every state, a
 * destination or source that dies, wrong uuid, channel count mismatch,
 * a corrupted stream through exec:, a fake multifd peer.  Each checks
 * that the failing side reports failed with a specific error-desc and a
 * MIGRATION event, that the source still runs with unchanged RAM, and
 * that the destination stays up and accepts a new migrate-incoming.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "migration-helpers.h"

#define RAM_ARGS "-m 32M -object memory-backend-ram,id=mem0,size=32M " \
                 "-machine memory-backend=mem0"
/*
 * The destination's RAM is a shared memfd: multifd page data is then
 * spliced into it, so every failure below also hits that receive path.
 */
#define DST_RAM_ARGS "-m 32M -object memory-backend-memfd,id=mem0,size=32M " \
                     "-machine memory-backend=mem0"

typedef struct Pair {
    MigProc *src, *dst;
    char *sum;          /* source RAM before the migration */
    int port;
} Pair;

/* Turn the comma-separated capabilities in @list on or off. */
static void caps_set(MigProc *p, const char *list, bool on)
{
    g_auto(GStrv) names = g_strsplit(list, ",", -1);
    g_autoptr(GString) s = g_string_new(NULL);
    int i;

    for (i = 0; names[i]; i++) {
        g_string_append_printf(s, "%s{\"capability\": \"%s\", \"state\": "
                               "%s}", i ? ", " : "", names[i],
                               on ? "true" : "false");
    }
    mig_cmd_ok(p, "{\"execute\": \"migrate-set-capabilities\", "
               "\"arguments\": {\"capabilities\": [%s]}}", s->str);
}

static void caps(MigProc *p, const char *list)
{
    caps_set(p, list, true);
}

/* The guest RAM every source starts with (the same on a retry). */
static void fill_ram(MigProc *src)
{
    mig_cmd_ok(src, "{\"execute\": \"x-zcmig-fill-ram\", "
               "\"arguments\": {\"seed\": 77, \"zero-every\": 4}}");
}

static void params(MigProc *p, const char *json)
{
    mig_cmd_ok(p, "{\"execute\": \"migrate-set-parameters\", "
               "\"arguments\": %s}", json);
}

static void pair_start(Pair *pp, const char *src_extra, const char *dst_extra)
{
    g_autofree char *sa = g_strdup_printf("%s %s", RAM_ARGS,
                                          src_extra ? src_extra : "");
    g_autofree char *da = g_strdup_printf("%s -incoming defer %s",
                                          DST_RAM_ARGS,
                                          dst_extra ? dst_extra : "");

    pp->dst = mig_proc_start("dst", false, da);
    pp->src = mig_proc_start("src", false, sa);
    fill_ram(pp->src);
    pp->sum = mig_ram_checksum(pp->src);
    caps(pp->src, "events");
    caps(pp->dst, "events");
}

static void pair_listen(Pair *pp)
{
    pp->port = mig_free_port();
    mig_cmd_ok(pp->dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", pp->port);
}

static void pair_migrate(Pair *pp)
{
    mig_cmd_ok(pp->src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", pp->port);
}

/* The source failed or was cancelled: it runs, RAM unchanged. */
static void check_source_intact(Pair *pp)
{
    g_autofree char *sum = NULL;

    mig_wait_run_state(pp->src, "running", MIG_TIMEOUT_MS);
    sum = mig_ram_checksum(pp->src);
    g_assert_cmpstr(sum, ==, pp->sum);
}

/* The destination failed: it is up, says why, and can try again. */
static void check_destination_retry(Pair *pp, const char *error_part)
{
    g_autofree char *e = NULL, *dsum = NULL, *rs = NULL;

    g_free(mig_wait_status(pp->dst, MIG_TIMEOUT_MS, "failed", NULL));
    mig_wait_migration_event(pp->dst, "failed", MIG_TIMEOUT_MS);
    e = mig_query_error(pp->dst);
    g_assert_nonnull(e);
    g_test_message("destination error-desc: %s", e);
    if (error_part) {
        g_assert_nonnull(strstr(e, error_part));
    }
    rs = mig_run_state(pp->dst);
    g_assert_cmpstr(rs, ==, "inmigrate");

    /* a fresh attempt with default settings on both sides succeeds */
    params(pp->src, "{\"max-bandwidth\": 9223372036853727232}");
    pair_listen(pp);
    pair_migrate(pp);
    g_free(mig_wait_status(pp->src, MIG_TIMEOUT_MS, "completed", NULL));
    g_free(mig_wait_status(pp->dst, MIG_TIMEOUT_MS, "completed", NULL));
    dsum = mig_ram_checksum(pp->dst);
    g_assert_cmpstr(dsum, ==, pp->sum);
}

static void pair_free(Pair *pp)
{
    mig_proc_free(pp->src);
    mig_proc_free(pp->dst);
    g_free(pp->sum);
}

/* ---- cancel ---------------------------------------------------------- */

static void test_cancel_active(void)
{
    Pair pp = { 0 };

    pair_start(&pp, NULL, NULL);
    /* slow enough to still be active when we cancel: 32 MiB at 2 MiB/s */
    params(pp.src, "{\"max-bandwidth\": 2097152}");
    pair_listen(&pp);
    pair_migrate(&pp);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "active", NULL));
    mig_cmd_ok(pp.src, "{\"execute\": \"migrate_cancel\"}");
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "cancelled", NULL));
    mig_wait_migration_event(pp.src, "cancelling", MIG_TIMEOUT_MS);
    mig_wait_migration_event(pp.src, "cancelled", MIG_TIMEOUT_MS);
    check_source_intact(&pp);
    check_destination_retry(&pp, NULL);
    pair_free(&pp);
}

static void test_cancel_pre_switchover(void)
{
    Pair pp = { 0 };
    g_autofree char *rs = NULL;

    pair_start(&pp, NULL, NULL);
    caps(pp.src, "pause-before-switchover,multifd");
    caps(pp.dst, "multifd");
    pair_listen(&pp);
    pair_migrate(&pp);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "pre-switchover", NULL));
    mig_wait_event(pp.src, "STOP", MIG_TIMEOUT_MS);
    rs = mig_run_state(pp.src);
    g_assert_cmpstr(rs, ==, "finish-migrate");
    mig_cmd_ok(pp.src, "{\"execute\": \"migrate_cancel\"}");
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "cancelled", NULL));
    mig_wait_event(pp.src, "RESUME", MIG_TIMEOUT_MS);
    check_source_intact(&pp);
    /* retry without pause-before-switchover */
    caps_set(pp.src, "pause-before-switchover", false);
    check_destination_retry(&pp, NULL);
    pair_free(&pp);
}

/*
 * Setup: the destination's accept queue is full, so connecting hangs
 * (the kernel drops the SYN); cancel still ends it at once.
 */
static void test_cancel_setup(void)
{
    Pair pp = { 0 };
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int lfd, fillers[4], i;
    g_autofree char *st = NULL;

    lfd = socket(AF_INET, SOCK_STREAM, 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(listen(lfd, 0), ==, 0);
    g_assert_cmpint(getsockname(lfd, (struct sockaddr *)&sin, &len), ==, 0);
    for (i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(fillers[i], (struct sockaddr *)&sin, sizeof(sin)) < 0) {
            g_assert_cmpint(errno, ==, EINPROGRESS);
        }
    }
    pair_start(&pp, NULL, NULL);
    pp.port = ntohs(sin.sin_port);
    pair_migrate(&pp);
    st = mig_query_status(pp.src);
    g_assert_cmpstr(st, ==, "setup");
    mig_cmd_ok(pp.src, "{\"execute\": \"migrate_cancel\"}");
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "cancelled", NULL));
    mig_wait_migration_event(pp.src, "cancelled", MIG_TIMEOUT_MS);
    check_source_intact(&pp);
    for (i = 0; i < 4; i++) {
        close(fillers[i]);
    }
    close(lfd);
    pair_free(&pp);
}

/* ---- peers that die --------------------------------------------------- */

static void test_destination_killed(void)
{
    Pair pp = { 0 };
    g_autofree char *e = NULL;

    pair_start(&pp, NULL, NULL);
    caps(pp.src, "multifd");
    caps(pp.dst, "multifd");
    params(pp.src, "{\"max-bandwidth\": 2097152, \"multifd-channels\": 4}");
    params(pp.dst, "{\"multifd-channels\": 4}");
    pair_listen(&pp);
    pair_migrate(&pp);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "active", NULL));
    mig_proc_kill(pp.dst, SIGKILL);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "failed", NULL));
    mig_wait_migration_event(pp.src, "failed", MIG_TIMEOUT_MS);
    e = mig_query_error(pp.src);
    g_assert_nonnull(e);
    g_test_message("source error-desc: %s", e);
    check_source_intact(&pp);
    pair_free(&pp);
}

static void test_source_killed(void)
{
    Pair pp = { 0 };

    pair_start(&pp, NULL, NULL);
    params(pp.src, "{\"max-bandwidth\": 2097152}");
    pair_listen(&pp);
    pair_migrate(&pp);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "active", NULL));
    mig_proc_kill(pp.src, SIGKILL);
    mig_proc_free(pp.src);
    /* a new source with the same RAM for the retry */
    pp.src = mig_proc_start("src2", false, RAM_ARGS);
    fill_ram(pp.src);
    check_destination_retry(&pp, NULL);
    pair_free(&pp);
}

/* ---- mismatches --------------------------------------------------------- */

static void test_wrong_uuid_multifd(void)
{
    Pair pp = { 0 };

    pair_start(&pp, "-uuid 11111111-2222-3333-4444-555555555555",
               "-uuid 11111111-2222-3333-4444-666666666666");
    caps(pp.src, "multifd");
    caps(pp.dst, "multifd");
    pair_listen(&pp);
    pair_migrate(&pp);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "failed", NULL));
    check_source_intact(&pp);
    /* retry: single stream does not compare uuids without validate-uuid */
    caps_set(pp.src, "multifd", false);
    caps_set(pp.dst, "multifd", false);
    check_destination_retry(&pp, "uuid");
    pair_free(&pp);
}

static void test_wrong_uuid_validate(void)
{
    Pair pp = { 0 };

    pair_start(&pp, "-uuid 11111111-2222-3333-4444-555555555555",
               "-uuid 11111111-2222-3333-4444-666666666666");
    caps(pp.src, "validate-uuid");
    pair_listen(&pp);
    pair_migrate(&pp);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "failed", "completed",
                           NULL));
    g_free(mig_wait_status(pp.dst, MIG_TIMEOUT_MS, "failed", NULL));
    caps_set(pp.src, "validate-uuid", false);
    /* the source may have completed (QEMU's source does not wait for the
     * verdict without a return path); start over with a fresh source */
    mig_proc_free(pp.src);
    pp.src = mig_proc_start("src2", false, RAM_ARGS);
    fill_ram(pp.src);
    check_destination_retry(&pp, "UUID");
    pair_free(&pp);
}

static void test_channel_mismatch(void)
{
    Pair pp = { 0 };

    pair_start(&pp, NULL, NULL);
    caps(pp.src, "multifd");
    caps(pp.dst, "multifd");
    params(pp.src, "{\"multifd-channels\": 8}");
    params(pp.dst, "{\"multifd-channels\": 2}");
    pair_listen(&pp);
    pair_migrate(&pp);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "failed", NULL));
    check_source_intact(&pp);
    params(pp.src, "{\"multifd-channels\": 2}");
    /*
     * Specific when the surplus channel was already queued when the
     * destination had its 2 ("the source opened more than ..."), else
     * the stream ends early.  Both are checked by the unit test too.
     */
    check_destination_retry(&pp, NULL);
    pair_free(&pp);
}

/* ---- bad streams ---------------------------------------------------------- */

static void test_corrupt_exec(void)
{
    Pair pp = { 0 };
    g_autofree char *good = g_strdup_printf("%s/good-%d", mig_tmpdir(),
                                            (int)getpid());
    g_autofree char *bad = g_strdup_printf("%s/bad-%d", mig_tmpdir(),
                                           (int)getpid());
    g_autofree char *data = NULL, *e = NULL, *dsum = NULL;
    gsize len, i;

    pair_start(&pp, NULL, NULL);
    mig_cmd_ok(pp.src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"exec:cat > %s\"}}", good);
    g_free(mig_wait_status(pp.src, MIG_TIMEOUT_MS, "completed", NULL));

    /* flip bytes in the middle of the RAM data */
    g_assert_true(g_file_get_contents(good, &data, &len, NULL));
    g_assert_cmpuint(len, >, 1 << 20);
    for (i = 0; i < 64; i++) {
        data[len / 3 + i * 4099] ^= 0x5a;
    }
    data[64] ^= 0xff;
    g_assert_true(g_file_set_contents(bad, data, len, NULL));

    mig_cmd_ok(pp.dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"exec:cat %s\"}}", bad);
    g_free(mig_wait_status(pp.dst, MIG_TIMEOUT_MS, "failed", NULL));
    mig_wait_migration_event(pp.dst, "failed", MIG_TIMEOUT_MS);
    e = mig_query_error(pp.dst);
    g_assert_nonnull(e);
    g_test_message("corrupted stream: %s", e);

    /* the good stream still loads into the same destination */
    mig_cmd_ok(pp.dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"exec:cat %s\"}}", good);
    g_free(mig_wait_status(pp.dst, MIG_TIMEOUT_MS, "completed", NULL));
    dsum = mig_ram_checksum(pp.dst);
    g_assert_cmpstr(dsum, ==, pp.sum);
    unlink(good);
    unlink(bad);
    pair_free(&pp);
}

static int connect_tcp(int port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    return fd;
}

static void test_fake_multifd_peer(void)
{
    Pair pp = { 0 };
    uint8_t pkt[64] = { 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 9 };
    int main_fd, ch_fd;

    pair_start(&pp, NULL, NULL);
    caps(pp.src, "multifd");
    caps(pp.dst, "multifd");
    pair_listen(&pp);
    /* right magic, wrong version */
    main_fd = connect_tcp(pp.port);
    ch_fd = connect_tcp(pp.port);
    g_assert_cmpint(write(ch_fd, pkt, sizeof(pkt)), ==, sizeof(pkt));
    check_destination_retry(&pp, "multifd: received packet version 9 "
                            "expected 1");
    close(main_fd);
    close(ch_fd);
    pair_free(&pp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN);
    g_test_add_func("/migration/failures/cancel/setup", test_cancel_setup);
    g_test_add_func("/migration/failures/cancel/active", test_cancel_active);
    g_test_add_func("/migration/failures/cancel/pre-switchover",
                    test_cancel_pre_switchover);
    g_test_add_func("/migration/failures/destination-killed",
                    test_destination_killed);
    g_test_add_func("/migration/failures/source-killed", test_source_killed);
    g_test_add_func("/migration/failures/wrong-uuid/multifd",
                    test_wrong_uuid_multifd);
    g_test_add_func("/migration/failures/wrong-uuid/validate-uuid",
                    test_wrong_uuid_validate);
    g_test_add_func("/migration/failures/channel-mismatch",
                    test_channel_mismatch);
    g_test_add_func("/migration/failures/corrupt-exec", test_corrupt_exec);
    g_test_add_func("/migration/failures/fake-multifd-peer",
                    test_fake_multifd_peer);
    return g_test_run();
}

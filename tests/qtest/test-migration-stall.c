/*
 * The progress watchdog (zcmig parameter x-stall-timeout) between real
 * processes: a fake destination that accepts the connections and never
 * reads, a fake source that sends the stream header and goes silent, and
 * a source that waits in pre-switchover longer than the timeout (which
 * must not fail).  The failing side reports failed with the stall text
 * and a MIGRATION event within a deadline, releases its threads and
 * sockets (a following real migration succeeds), and a source runs again
 * with its RAM untouched.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migration-helpers.h"

/* Large enough that the socket buffers fill long before the end. */
#define RAM_ARGS "-m 128M -object memory-backend-ram,id=mem0,size=128M " \
                 "-machine memory-backend=mem0"
/* A memfd destination: multifd data is spliced, and must stall-fail too. */
#define DST_RAM_ARGS "-m 128M -object memory-backend-memfd,id=mem0," \
                     "size=128M -machine memory-backend=mem0"
/* The watchdog must have acted well within this. */
#define STALL_DEADLINE_MS 30000

static const char src_stall_text[] =
    "Migration stalled: no data accepted by the destination for 2 s "
    "(it stopped reading?)";
static const char dst_stall_text[] =
    "Migration stalled: no data received from the source for 2 s";

static void caps(MigProc *p, const char *name, bool on)
{
    mig_cmd_ok(p, "{\"execute\": \"migrate-set-capabilities\", "
               "\"arguments\": {\"capabilities\": [{\"capability\": \"%s\", "
               "\"state\": %s}]}}", name, on ? "true" : "false");
}

static void params(MigProc *p, const char *json)
{
    mig_cmd_ok(p, "{\"execute\": \"migrate-set-parameters\", "
               "\"arguments\": %s}", json);
}

static MigProc *source_start(char **sum)
{
    MigProc *p = mig_proc_start("src", false, RAM_ARGS);

    /* no zero pages: every page is 4 KiB on the wire */
    mig_cmd_ok(p, "{\"execute\": \"x-zcmig-fill-ram\", "
               "\"arguments\": {\"seed\": 5, \"zero-every\": 0}}");
    *sum = mig_ram_checksum(p);
    caps(p, "events", true);
    return p;
}

static MigProc *destination_start(void)
{
    MigProc *p = mig_proc_start("dst", false,
                                DST_RAM_ARGS " -incoming defer");

    caps(p, "events", true);
    return p;
}

/* A listening socket on 127.0.0.1 with small receive buffers. */
static int fake_listen(int *port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rcvbuf = 64 * 1024;

    g_assert_cmpint(fd, >=, 0);
    /* inherited by accepted sockets: the window closes sooner */
    g_assert_cmpint(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                               sizeof(rcvbuf)), ==, 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(listen(fd, 16), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

/* Accept one connection within the deadline. */
static int fake_accept(int lfd)
{
    struct pollfd pfd = { .fd = lfd, .events = POLLIN };
    int fd;

    g_assert_cmpint(poll(&pfd, 1, MIG_TIMEOUT_MS), ==, 1);
    fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    return fd;
}

static int connect_tcp(int port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    return fd;
}

/* Poll query-migrate until it leaves "active"-like states, timed. */
static char *wait_final(MigProc *p, int64_t *elapsed_ms)
{
    int64_t t0 = g_get_monotonic_time();
    char *st = mig_wait_status(p, STALL_DEADLINE_MS, "failed", NULL);

    *elapsed_ms = (g_get_monotonic_time() - t0) / 1000;
    return st;
}

/* A normal migration from @src to a fresh zcmig destination. */
static void migrate_for_real(MigProc *src, const char *sum,
                             unsigned int channels)
{
    MigProc *dst = destination_start();
    g_autofree char *dsum = NULL;
    int port = mig_free_port();

    if (channels) {
        caps(dst, "multifd", true);
        params(dst, "{\"multifd-channels\": 2}");
    }
    mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "completed", NULL));
    g_free(mig_wait_status(dst, MIG_TIMEOUT_MS, "completed", NULL));
    dsum = mig_ram_checksum(dst);
    g_assert_cmpstr(dsum, ==, sum);
    mig_proc_free(dst);
}

/*
 * Source side: the fake destination accepts every connection and never
 * reads.  Without the watchdog the source would block in write() until
 * migrate_cancel.
 */
static void source_stall(unsigned int channels)
{
    g_autofree char *sum = NULL, *e = NULL, *sum2 = NULL;
    MigProc *src = source_start(&sum);
    int port, lfd = fake_listen(&port);
    int fds[8];
    unsigned int i, n = 1 + channels;
    int64_t ms;

    if (channels) {
        caps(src, "multifd", true);
        params(src, "{\"multifd-channels\": 2}");
    }
    params(src, "{\"x-stall-timeout\": 2}");
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    for (i = 0; i < n; i++) {
        fds[i] = fake_accept(lfd);
    }
    g_free(wait_final(src, &ms));
    g_test_message("source failed %" PRId64 " ms after the connections "
                   "were accepted", ms);
    mig_wait_migration_event(src, "failed", MIG_TIMEOUT_MS);
    e = mig_query_error(src);
    g_assert_cmpstr(e, ==, src_stall_text);
    /* the source got its guest back, RAM as it was */
    mig_wait_run_state(src, "running", MIG_TIMEOUT_MS);
    sum2 = mig_ram_checksum(src);
    g_assert_cmpstr(sum2, ==, sum);
    /* it closed its sockets: the fake sees end of file after the data */
    for (i = 0; i < n; i++) {
        char buf[65536];
        struct pollfd pfd = { .fd = fds[i], .events = POLLIN };
        ssize_t r;

        do {
            g_assert_cmpint(poll(&pfd, 1, MIG_TIMEOUT_MS), ==, 1);
            r = read(fds[i], buf, sizeof(buf));
        } while (r > 0);
        /* EOF, or a reset when it closed with unread data pending */
        g_assert_true(r == 0 || errno == ECONNRESET);
        close(fds[i]);
    }
    close(lfd);

    /* threads and fds released: a real migration works */
    migrate_for_real(src, sum, channels);
    mig_proc_free(src);
}

static void test_source_stall(void)
{
    source_stall(0);
}

static void test_source_stall_multifd(void)
{
    source_stall(2);
}

/*
 * Destination side: the fake source connects, sends the file header and
 * goes silent (alive, connection open).
 */
static void destination_stall(bool multifd)
{
    static const uint8_t header[] = { 'Q', 'E', 'V', 'M', 0, 0, 0, 3 };
    MigProc *dst = destination_start();
    MigProc *src;
    g_autofree char *e = NULL, *rs = NULL, *sum = NULL;
    int port = mig_free_port();
    int64_t t0, ms;
    int fd;

    if (multifd) {
        caps(dst, "multifd", true);
    }
    params(dst, "{\"x-stall-timeout\": 2}");
    mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    fd = connect_tcp(port);
    t0 = g_get_monotonic_time();
    if (!multifd) {
        g_assert_cmpint(write(fd, header, sizeof(header)), ==,
                        sizeof(header));
    }
    /* with multifd: the channels it waits for never come */
    g_free(mig_wait_status(dst, STALL_DEADLINE_MS, "failed", NULL));
    ms = (g_get_monotonic_time() - t0) / 1000;
    g_test_message("destination failed %" PRId64 " ms after connecting", ms);
    mig_wait_migration_event(dst, "failed", MIG_TIMEOUT_MS);
    e = mig_query_error(dst);
    g_assert_cmpstr(e, ==, dst_stall_text);
    rs = mig_run_state(dst);
    g_assert_cmpstr(rs, ==, "inmigrate");
    close(fd);

    /* it stays up and takes a new migrate-incoming */
    src = source_start(&sum);
    if (multifd) {
        caps(src, "multifd", true);
    }
    port = mig_free_port();
    mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "completed", NULL));
    g_free(mig_wait_status(dst, MIG_TIMEOUT_MS, "completed", NULL));
    g_free(rs);
    rs = mig_ram_checksum(dst);
    g_assert_cmpstr(rs, ==, sum);
    mig_proc_free(src);
    mig_proc_free(dst);
}

static void test_destination_stall(void)
{
    destination_stall(false);
}

static void test_destination_stall_multifd(void)
{
    destination_stall(true);
}

/*
 * Waiting in pre-switchover for migrate-continue is legitimate: three
 * times the source's timeout there, and the migration still completes.
 * (The destination cannot tell this wait from a stalled source, so its
 * own timeout keeps the default 60 s here.)
 */
static void test_pre_switchover_not_stalled(void)
{
    g_autofree char *sum = NULL, *dsum = NULL;
    MigProc *src = source_start(&sum);
    MigProc *dst = destination_start();
    int port = mig_free_port();
    int64_t until;

    caps(src, "pause-before-switchover", true);
    params(src, "{\"x-stall-timeout\": 1}");
    mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "pre-switchover", NULL));
    /* observe the state for 3 s: nothing may happen meanwhile */
    until = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < until) {
        g_autofree char *st = mig_query_status(src);

        g_assert_cmpstr(st, ==, "pre-switchover");
        g_usleep(100 * 1000);
    }
    mig_cmd_ok(src, "{\"execute\": \"migrate-continue\", \"arguments\": "
               "{\"state\": \"pre-switchover\"}}");
    g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "completed", NULL));
    g_free(mig_wait_status(dst, MIG_TIMEOUT_MS, "completed", NULL));
    dsum = mig_ram_checksum(dst);
    g_assert_cmpstr(dsum, ==, sum);
    mig_proc_free(src);
    mig_proc_free(dst);
}

/* The parameter: default, range, QMP and HMP. */
static void test_parameter(void)
{
    MigProc *p = mig_proc_start("src", false, RAM_ARGS);
    g_autofree char *e = NULL, *out = NULL, *out2 = NULL;
    JsonNode *r;

    r = mig_cmd(p, "{\"execute\": \"query-migrate-parameters\"}");
    g_assert_cmpint(json_object_get_int_member(json_node_get_object(r),
                                               "x-stall-timeout"), ==, 60);
    json_node_unref(r);
    e = mig_cmd_err(p, "{\"execute\": \"migrate-set-parameters\", "
                    "\"arguments\": {\"x-stall-timeout\": 3601}}");
    g_assert_cmpstr(e, ==, "Parameter 'x-stall-timeout' expects a number of "
                    "seconds between 0 (off) and 3600");
    params(p, "{\"x-stall-timeout\": 3600}");
    out = mig_hmp(p, "migrate_set_parameter x-stall-timeout 0");
    g_assert_cmpstr(out, ==, "");
    out2 = mig_hmp(p, "info migrate_parameters");
    g_assert_nonnull(strstr(out2, "\r\nx-stall-timeout: 0 s\r\n"));
    mig_proc_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN);
    g_test_add_func("/migration/stall/parameter", test_parameter);
    g_test_add_func("/migration/stall/source", test_source_stall);
    g_test_add_func("/migration/stall/source-multifd",
                    test_source_stall_multifd);
    g_test_add_func("/migration/stall/destination", test_destination_stall);
    g_test_add_func("/migration/stall/destination-multifd",
                    test_destination_stall_multifd);
    g_test_add_func("/migration/stall/pre-switchover",
                    test_pre_switchover_not_stalled);
    return g_test_run();
}

/*
 * The fd: migration transport and the commands behind it: getfd and
 * closefd with fds passed over the QMP socket (every error text, per
 * session tables, unclaimed fds closed), zcmig -> zcmig over a socket
 * pair (getfd on both sides) and over a pipe inherited by
 * "-incoming fd:N", multifd refused, and zcmig -> QEMU 7.2 with
 * "-incoming fd:N" (skipped without qemu-system-x86_64).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqmp.h"

/*
 * Wait until the peer of @fd is closed everywhere: read() returns 0
 * (data written meanwhile is skipped).  False after @timeout_ms.
 */
static bool peer_closed(int fd, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        gint64 left = deadline - g_get_monotonic_time();
        char buf[256];

        if (left <= 0) {
            return false;
        }
        if (poll(&pfd, 1, (int)(left / 1000) + 1) > 0) {
            ssize_t n = read(fd, buf, sizeof(buf));

            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                return true;
            }
        }
    }
}

/* The peer of @fd is still open: nothing to read, no EOF. */
static bool peer_open(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, 0) == 0;
}

static void make_socketpair(int sv[2])
{
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                    ==, 0);
}

static void assert_err(QmpConn *q, int fd, const char *cmd,
                       const char *want)
{
    g_autofree char *cls = NULL;
    g_autofree char *desc = fd >= 0 ? qmp_cmd_err_fd(q, fd, &cls, "%s", cmd)
                                    : qmp_cmd_err(q, &cls, "%s", cmd);

    g_assert_cmpstr(desc, ==, want);
    g_assert_cmpstr(cls, ==, "GenericError");
}

static void getfd_ok(QmpConn *q, int fd, const char *name)
{
    json_node_unref(qmp_cmd_ok_fd(q, fd, "{'execute': 'getfd', "
                                  "'arguments': {'fdname': '%s'}}", name));
}

static void cmd_ok(QmpConn *q, const char *cmd)
{
    json_node_unref(qmp_cmd_ok(q, "%s", cmd));
}

static void test_getfd_closefd(void)
{
    g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(), "-m 4M");
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpConn) q2 = NULL;
    int a[2], b[2], c[2], d[2];

    /* No fd with the command. */
    assert_err(vm->qmp, -1,
               "{'execute': 'getfd', 'arguments': {'fdname': 'x'}}",
               "No file descriptor supplied via SCM_RIGHTS");

    /* A name starting with a digit: refused, and the fd is closed. */
    make_socketpair(a);
    assert_err(vm->qmp, a[1],
               "{'execute': 'getfd', 'arguments': {'fdname': '7up'}}",
               "Parameter 'fdname' expects a name not starting with a "
               "digit");
    close(a[1]);
    g_assert_true(peer_closed(a[0], QMP_TIMEOUT_MS));
    close(a[0]);

    /* closefd of an unknown name. */
    assert_err(vm->qmp, -1,
               "{'execute': 'closefd', 'arguments': {'fdname': 'nope'}}",
               "File descriptor named 'nope' not found");

    /* getfd keeps the fd open; closefd closes it, once. */
    make_socketpair(a);
    getfd_ok(vm->qmp, a[1], "fda");
    close(a[1]);
    cmd_ok(vm->qmp, "{'execute': 'query-status'}");
    g_assert_true(peer_open(a[0]));
    cmd_ok(vm->qmp, "{'execute': 'closefd', 'arguments': {'fdname': 'fda'}}");
    g_assert_true(peer_closed(a[0], QMP_TIMEOUT_MS));
    close(a[0]);
    assert_err(vm->qmp, -1,
               "{'execute': 'closefd', 'arguments': {'fdname': 'fda'}}",
               "File descriptor named 'fda' not found");

    /* Replacing a name closes the fd it had. */
    make_socketpair(a);
    make_socketpair(b);
    getfd_ok(vm->qmp, a[1], "fdr");
    getfd_ok(vm->qmp, b[1], "fdr");
    close(a[1]);
    close(b[1]);
    g_assert_true(peer_closed(a[0], QMP_TIMEOUT_MS));
    g_assert_true(peer_open(b[0]));

    /* An fd passed with a command that does not take it is closed. */
    make_socketpair(c);
    {
        json_node_unref(qmp_cmd_ok_fd(vm->qmp, c[1],
                                      "{'execute': 'query-status'}"));
    }
    close(c[1]);
    g_assert_true(peer_closed(c[0], QMP_TIMEOUT_MS));
    close(c[0]);

    /* Tables are per session; a session's fds die with it. */
    q2 = qmp_connect_unix(vm->qmp_path, vm->proc, QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    qmp_negotiate(q2, &err);
    g_assert_no_error(err);
    assert_err(q2, -1,
               "{'execute': 'closefd', 'arguments': {'fdname': 'fdr'}}",
               "File descriptor named 'fdr' not found");
    make_socketpair(d);
    getfd_ok(q2, d[1], "fdr");
    close(d[1]);
    g_clear_pointer(&q2, qmp_conn_free);
    g_assert_true(peer_closed(d[0], QMP_TIMEOUT_MS));
    close(d[0]);
    g_assert_true(peer_open(b[0]));

    /* migrate / migrate-incoming with an unknown name. */
    assert_err(vm->qmp, -1,
               "{'execute': 'migrate', 'arguments': {'uri': 'fd:nope'}}",
               "File descriptor named 'nope' has not been found");
    /* The source's fd stays in the table after that. */
    cmd_ok(vm->qmp, "{'execute': 'closefd', 'arguments': {'fdname': 'fdr'}}");
    g_assert_true(peer_closed(b[0], QMP_TIMEOUT_MS));
    close(b[0]);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_incoming_errors(void)
{
    g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(),
                                       "-m 4M -incoming defer");

    assert_err(vm->qmp, -1,
               "{'execute': 'migrate-incoming', "
               "'arguments': {'uri': 'fd:nope'}}",
               "File descriptor named 'nope' has not been found");
    assert_err(vm->qmp, -1,
               "{'execute': 'migrate-incoming', "
               "'arguments': {'uri': 'fd:3x'}}",
               "Invalid file descriptor number '3x'");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

/* Poll query-migrate until "completed"; fail on "failed". */
static void wait_completed(QmpConn *q, const char *who)
{
    gint64 deadline = g_get_monotonic_time() + QMP_TIMEOUT_MS * 1000LL;

    for (;;) {
        g_autoptr(JsonNode) r = qmp_cmd_ok(q, "{'execute': 'query-migrate'}");
        JsonObject *o = json_node_get_object(r);
        const char *st = json_object_has_member(o, "status") ?
            json_object_get_string_member(o, "status") : "";

        if (g_str_equal(st, "completed")) {
            return;
        }
        if (g_str_equal(st, "failed")) {
            g_autofree char *s = qmp_to_string(r);
            g_error("%s: migration failed: %s", who, s);
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(20 * 1000);
    }
}

static char *ram_checksum(QmpConn *q)
{
    g_autoptr(JsonNode) r = qmp_cmd_ok(q, "{'execute': "
                                       "'x-zcmig-query-ram-checksum'}");

    return qmp_to_string(r);
}

static void fill_ram(QmpConn *q)
{
    cmd_ok(q, "{'execute': 'x-zcmig-fill-ram', "
              "'arguments': {'seed': 11, 'zero-every': 3}}");
}

static void test_socketpair(void)
{
    g_autoptr(QmpVM) src = qmp_vm_start(qmp_zcmig_binary(), "-m 16M");
    g_autoptr(QmpVM) dst = qmp_vm_start(qmp_zcmig_binary(),
                                        "-m 16M -incoming defer");
    g_autofree char *sum_src = NULL, *sum_dst = NULL;
    int sv[2];

    fill_ram(src->qmp);
    make_socketpair(sv);
    getfd_ok(dst->qmp, sv[1], "mig");
    getfd_ok(src->qmp, sv[0], "mig");
    close(sv[0]);
    close(sv[1]);
    cmd_ok(dst->qmp, "{'execute': 'migrate-incoming', "
                     "'arguments': {'uri': 'fd:mig'}}");
    cmd_ok(src->qmp, "{'execute': 'migrate', 'arguments': {'uri': 'fd:mig'}}");
    wait_completed(src->qmp, "src");
    wait_completed(dst->qmp, "dst");
    sum_src = ram_checksum(src->qmp);
    sum_dst = ram_checksum(dst->qmp);
    g_assert_cmpstr(sum_src, ==, sum_dst);
    /* migrate took the fd out of the table. */
    assert_err(src->qmp, -1,
               "{'execute': 'closefd', 'arguments': {'fdname': 'mig'}}",
               "File descriptor named 'mig' not found");
    g_assert_cmpint(qmp_vm_quit(src), ==, 0);
    g_assert_cmpint(qmp_vm_quit(dst), ==, 0);
}

static void test_pipe_cli(void)
{
    g_autoptr(QmpVM) src = qmp_vm_start(qmp_zcmig_binary(), "-m 16M");
    g_autoptr(QmpVM) dst = NULL;
    g_autofree char *args = NULL;
    g_autofree char *sum_src = NULL, *sum_dst = NULL;
    int p[2];

    fill_ram(src->qmp);
    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    args = g_strdup_printf("-m 16M -incoming fd:%d", p[0]);
    dst = qmp_vm_start_fds(qmp_zcmig_binary(), args, &p[0], 1);
    close(p[0]);
    getfd_ok(src->qmp, p[1], "pipe");
    close(p[1]);
    cmd_ok(src->qmp, "{'execute': 'migrate', "
                     "'arguments': {'uri': 'fd:pipe'}}");
    wait_completed(src->qmp, "src");
    wait_completed(dst->qmp, "dst");
    sum_src = ram_checksum(src->qmp);
    sum_dst = ram_checksum(dst->qmp);
    g_assert_cmpstr(sum_src, ==, sum_dst);
    g_assert_cmpint(qmp_vm_quit(src), ==, 0);
    g_assert_cmpint(qmp_vm_quit(dst), ==, 0);
}

static void test_multifd_refused(void)
{
    g_autoptr(QmpVM) src = qmp_vm_start(qmp_zcmig_binary(), "-m 4M");
    g_autoptr(QmpVM) dst = qmp_vm_start(qmp_zcmig_binary(),
                                        "-m 4M -incoming defer");
    const char *caps = "{'execute': 'migrate-set-capabilities', "
        "'arguments': {'capabilities': "
        "[{'capability': 'multifd', 'state': true}]}}";
    int sv[2];

    cmd_ok(src->qmp, caps);
    cmd_ok(dst->qmp, caps);
    make_socketpair(sv);
    getfd_ok(src->qmp, sv[0], "mig");
    getfd_ok(dst->qmp, sv[1], "mig");
    assert_err(src->qmp, -1,
               "{'execute': 'migrate', 'arguments': {'uri': 'fd:mig'}}",
               "multifd is not supported by current protocol");
    assert_err(dst->qmp, -1,
               "{'execute': 'migrate-incoming', "
               "'arguments': {'uri': 'fd:mig'}}",
               "multifd is not supported by current protocol");
    /* Nothing was taken or started. */
    cmd_ok(src->qmp, "{'execute': 'closefd', 'arguments': {'fdname': 'mig'}}");
    cmd_ok(dst->qmp, "{'execute': 'closefd', 'arguments': {'fdname': 'mig'}}");
    close(sv[0]);
    close(sv[1]);
    g_assert_cmpint(qmp_vm_quit(src), ==, 0);
    g_assert_cmpint(qmp_vm_quit(dst), ==, 0);
}

static bool files_equal(const char *a, const char *b)
{
    g_autofree char *da = NULL, *db = NULL;
    gsize la = 0, lb = 0;

    g_assert_true(g_file_get_contents(a, &da, &la, NULL));
    g_assert_true(g_file_get_contents(b, &db, &lb, NULL));
    return la == lb && memcmp(da, db, la) == 0;
}

static char *file_backend(const char *path)
{
    return g_strdup_printf("-m 16M -object memory-backend-file,id=mem0,"
                           "size=16M,mem-path=%s,share=on "
                           "-machine memory-backend=mem0", path);
}

/* zcmig -> QEMU 7.2 "-incoming fd:N" over a socket pair. */
static void test_to_qemu(void)
{
    const char *qemu = qmp_qemu_binary();
    g_autofree char *dir = NULL, *src_file = NULL, *dst_file = NULL;
    g_autofree char *src_args = NULL, *dst_args = NULL, *dst_mem = NULL;
    g_autoptr(QmpVM) src = NULL;
    g_autoptr(QmpVM) dst = NULL;
    int sv[2];

    if (!qemu) {
        g_test_skip("qemu-system-x86_64 not found");
        return;
    }
    dir = qmp_tmpdir();
    src_file = g_build_filename(dir, "src.ram", NULL);
    dst_file = g_build_filename(dir, "dst.ram", NULL);
    src_args = file_backend(src_file);
    src = qmp_vm_start(qmp_zcmig_binary(), src_args);
    fill_ram(src->qmp);
    make_socketpair(sv);
    dst_mem = file_backend(dst_file);
    dst_args = g_strdup_printf("%s -incoming fd:%d", dst_mem, sv[1]);
    dst = qmp_vm_start_fds(qemu, dst_args, &sv[1], 1);
    close(sv[1]);
    getfd_ok(src->qmp, sv[0], "mig");
    close(sv[0]);
    cmd_ok(src->qmp, "{'execute': 'migrate', 'arguments': {'uri': 'fd:mig'}}");
    wait_completed(src->qmp, "src");
    wait_completed(dst->qmp, "qemu");
    g_assert_true(files_equal(src_file, dst_file));
    g_assert_cmpint(qmp_vm_quit(src), ==, 0);
    g_assert_cmpint(qmp_vm_quit(dst), ==, 0);
    qmp_rmdir_recursive(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/fd/getfd-closefd", test_getfd_closefd);
    g_test_add_func("/migration/fd/incoming-errors", test_incoming_errors);
    g_test_add_func("/migration/fd/socketpair", test_socketpair);
    g_test_add_func("/migration/fd/pipe-incoming-cli", test_pipe_cli);
    g_test_add_func("/migration/fd/multifd-refused", test_multifd_refused);
    g_test_add_func("/migration/fd/to-qemu", test_to_qemu);
    return g_test_run();
}

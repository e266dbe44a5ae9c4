/*
 * HMP over stdio (pipes), over a UNIX socket and through QMP's
 * human-monitor-command, with QEMU 7.2's output texts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libqmp.h"

#define BANNER "QEMU 7.2.22 monitor - type 'help' for more information\r\n"
#define PROMPT "(qemu) "

/* Read from @fd until the output ends with the prompt; returns the text
 * before the prompt (g_free).  Asserts on EOF or timeout. */
static char *read_until_prompt(int fd)
{
    g_autoptr(GString) s = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + QMP_TIMEOUT_MS * 1000LL;

    while (!g_str_has_suffix(s->str, PROMPT)) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        gint64 left = deadline - g_get_monotonic_time();
        char buf[4096];
        ssize_t n;

        g_assert_cmpint(left, >, 0);
        if (poll(&pfd, 1, left / 1000 + 1) <= 0) {
            continue;
        }
        n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        g_assert_cmpint(n, >, 0);
        g_string_append_len(s, buf, n);
    }
    g_string_truncate(s, s->len - strlen(PROMPT));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *hmp_line(int in_fd, int out_fd, const char *line)
{
    g_autofree char *l = g_strconcat(line, "\n", NULL);

    g_assert_cmpint(write(out_fd, l, strlen(l)), ==, (ssize_t)strlen(l));
    return read_until_prompt(in_fd);
}

/* The same script for every transport. */
static void run_script(int in_fd, int out_fd)
{
    static const struct {
        const char *cmd;
        const char *out;
    } script[] = {
        { "info status", "VM status: running\r\n" },
        { "", "" },
        { "stop", "" },
        { "info status", "VM status: paused\r\n" },
        { "  cont  ", "" },
        { "info status", "VM status: running\r\n" },
        { "s", "" },
        { "c", "" },
        { "info name", "hvm\r\n" },
        { "info uuid", "c0ffee00-0000-4000-8000-000000000001\r\n" },
        { "info version", "7.2.22zcmig " ZCMIG_VERSION "\r\n" },
        { "foo", "unknown command: 'foo'\r\n" },
        { "info foo", "unknown command: 'info foo'\r\n" },
        { "stop x", "stop|s: extraneous characters at the end of line\r\n"
                    "Try \"help stop\" for more information\r\n" },
        { "help stop", "stop|s  -- stop emulation\r\n" },
        { "help info status", "info status  -- show the current VM status "
                              "(running|paused)\r\n" },
    };
    g_autofree char *banner = read_until_prompt(in_fd);
    size_t i;

    g_assert_cmpstr(banner, ==, BANNER);
    for (i = 0; i < G_N_ELEMENTS(script); i++) {
        g_autofree char *out = hmp_line(in_fd, out_fd, script[i].cmd);

        g_assert_cmpstr(out, ==, script[i].out);
    }
    /* help lists every command, info lists every info item. */
    {
        g_autofree char *help = hmp_line(in_fd, out_fd, "help");
        g_autofree char *info = hmp_line(in_fd, out_fd, "info");

        g_assert_nonnull(strstr(help, "cont|c  -- resume emulation\r\n"));
        g_assert_nonnull(strstr(help, "quit|q  -- quit the emulator\r\n"));
        g_assert_nonnull(strstr(info, "info status  -- show the current VM "
                                      "status (running|paused)\r\n"));
        g_assert_nonnull(strstr(info, "info uuid  -- show the current VM "
                                      "UUID\r\n"));
    }
}

#define VM_ARGS "-M none -m 8M -name hvm " \
    "-uuid c0ffee00-0000-4000-8000-000000000001"

static void test_stdio(void)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *cmd = g_strdup_printf("%s " VM_ARGS " -monitor stdio",
                                           qmp_zcmig_binary());
    g_autoptr(QmpProc) p = NULL;

    argv = g_strsplit(cmd, " ", -1);
    p = qmp_proc_spawn((const char *const *)argv,
                       QMP_SPAWN_STDIN_PIPE | QMP_SPAWN_STDOUT_PIPE, &err);
    g_assert_no_error(err);
    run_script(p->stdout_fd, p->stdin_fd);
    g_assert_cmpint(write(p->stdin_fd, "quit\n", 5), ==, 5);
    g_assert_true(qmp_proc_wait(p, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(p), ==, 0);
}

static int connect_unix(const char *path, QmpProc *p)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    gint64 deadline = g_get_monotonic_time() + QMP_TIMEOUT_MS * 1000LL;

    g_assert_cmpuint(strlen(path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, path);
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            return fd;
        }
        close(fd);
        g_assert_true(qmp_proc_running(p));
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(10000);    /* not listening yet */
    }
}

static void test_unix(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = qmp_tmpdir();
    g_autofree char *path = g_build_filename(dir, "hmp.sock", NULL);
    g_autofree char *cmd = g_strdup_printf("%s " VM_ARGS
                                           " -monitor unix:%s,server=on,"
                                           "wait=off",
                                           qmp_zcmig_binary(), path);
    g_auto(GStrv) argv = g_strsplit(cmd, " ", -1);
    g_autoptr(QmpProc) p = qmp_proc_spawn((const char *const *)argv, 0,
                                          &err);
    int fd, fd2;

    g_assert_no_error(err);
    fd = connect_unix(path, p);
    run_script(fd, fd);
    /* A second HMP client at the same time has its own session. */
    fd2 = connect_unix(path, p);
    {
        g_autofree char *banner = read_until_prompt(fd2);
        g_autofree char *out = hmp_line(fd2, fd2, "info status");

        g_assert_cmpstr(banner, ==, BANNER);
        g_assert_cmpstr(out, ==, "VM status: running\r\n");
    }
    close(fd2);
    {
        g_autofree char *out = hmp_line(fd, fd, "info chardev");
        g_autofree char *expect = g_strdup_printf(
            "compat_monitor0: filename=unix:%s,server=on\r\n", path);

        g_assert_cmpstr(out, ==, expect);
    }
    g_assert_cmpint(write(fd, "q\n", 2), ==, 2);
    g_assert_true(qmp_proc_wait(p, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(p), ==, 0);
    close(fd);
    qmp_rmdir_recursive(dir);
}

static void test_via_qmp(void)
{
    g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(), "-m 8M -S");
    g_autofree char *st = qmp_hmp(vm->qmp, "info status");
    g_autofree char *c = NULL;
    g_autofree char *st2 = NULL;
    g_autofree char *unk = qmp_hmp(vm->qmp, "nope");
    g_autofree char *empty = qmp_hmp(vm->qmp, "");
    g_autoptr(JsonNode) ev = NULL;

    g_assert_cmpstr(st, ==, "VM status: paused (prelaunch)\r\n");
    c = qmp_hmp(vm->qmp, "cont");
    g_assert_cmpstr(c, ==, "");
    ev = qmp_wait_event(vm->qmp, "RESUME", NULL, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(ev);
    st2 = qmp_hmp(vm->qmp, "info status");
    g_assert_cmpstr(st2, ==, "VM status: running\r\n");
    g_assert_cmpstr(unk, ==, "unknown command: 'nope'\r\n");
    g_assert_cmpstr(empty, ==, "");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hmp/stdio", test_stdio);
    g_test_add_func("/hmp/unix", test_unix);
    g_test_add_func("/hmp/via-qmp", test_via_qmp);
    return g_test_run();
}

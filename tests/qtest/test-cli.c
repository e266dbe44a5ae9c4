/*
 * zcmig's command line: every bad option is refused with one line that
 * names it and exit status 1; good options have their effect.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "libqmp.h"

typedef struct BadOption {
    const char *name;
    const char *args;      /* split on spaces; %s = a temporary dir */
    const char *stderr_line;
} BadOption;

static const BadOption bad_options[] = {
    { "unknown", "-foo", "zcmig: -foo: invalid option" },
    { "unknown-double-dash", "--bar", "zcmig: -bar: invalid option" },
    { "missing-arg", "-m", "zcmig: -m: requires an argument" },
    { "size", "-m 12X", "zcmig: -m 12X: Parameter 'size' expects a "
      "non-negative number below 2^64" },
    { "size-key", "-m 16M,slots=2", "zcmig: -m 16M,slots=2: Invalid "
      "parameter 'slots'" },
    { "machine", "-M pc", "zcmig: -M pc: unsupported machine type 'pc' "
      "(zcmig only has 'none')" },
    { "machine-prop", "-machine none,foo=bar", "zcmig: -machine "
      "none,foo=bar: Property 'none-machine.foo' not found" },
    { "object-type", "-object memory-backend-bogus,id=m,size=1M",
      "zcmig: -object memory-backend-bogus,id=m,size=1M: Parameter "
      "'qom-type' does not accept value 'memory-backend-bogus'" },
    { "object-no-id", "-object memory-backend-ram,size=1M",
      "zcmig: -object memory-backend-ram,size=1M: Parameter 'id' is "
      "missing" },
    { "object-no-size", "-object memory-backend-ram,id=m",
      "zcmig: -object memory-backend-ram,id=m: Parameter 'size' is "
      "missing" },
    { "object-bad-size", "-object memory-backend-ram,id=m,size=abc",
      "zcmig: -object memory-backend-ram,id=m,size=abc: Parameter 'size' "
      "expects a size value" },
    { "object-bad-bool", "-object memory-backend-ram,id=m,size=1M,share=maybe",
      "zcmig: -object memory-backend-ram,id=m,size=1M,share=maybe: "
      "Parameter 'share' expects 'on' or 'off'" },
    { "object-unknown-prop", "-object memory-backend-ram,id=m,size=1M,foo=1",
      "zcmig: -object memory-backend-ram,id=m,size=1M,foo=1: Invalid "
      "parameter 'foo'" },
    { "object-no-mem-path", "-object memory-backend-file,id=m,size=1M",
      "zcmig: -object memory-backend-file,id=m,size=1M: Parameter "
      "'mem-path' is missing" },
    { "object-duplicate", "-object memory-backend-ram,id=m,size=1M "
      "-object memory-backend-ram,id=m,size=1M",
      "zcmig: -object memory-backend-ram,id=m,size=1M: Duplicate ID 'm' "
      "for object" },
    { "backend-not-found", "-machine memory-backend=nope -m 8M",
      "zcmig: Memory backend 'nope' not found" },
    { "backend-size", "-m 64M -object memory-backend-ram,id=m,size=32M "
      "-machine memory-backend=m", "zcmig: Machine memory size does not "
      "match the size of the memory backend" },
    { "mem-path", "-object memory-backend-file,id=m,size=1M,"
      "mem-path=/nonexistent/x -machine memory-backend=m",
      "zcmig: can't open backing store /nonexistent/x for guest RAM: No "
      "such file or directory" },
    { "uuid", "-uuid xyz", "zcmig: -uuid xyz: failed to parse UUID "
      "string: wrong format" },
    { "qmp-driver", "-qmp foo:bar", "zcmig: -qmp foo:bar: 'foo:bar' is not "
      "a valid char driver (zcmig supports stdio, unix: and tcp:)" },
    { "qmp-client", "-qmp unix:/tmp/x", "zcmig: -qmp unix:/tmp/x: only "
      "server sockets are supported (add server=on,wait=off)" },
    { "enable-kvm", "-enable-kvm", "zcmig: -enable-kvm: KVM is not "
      "supported (zcmig runs no guest code)" },
    { "accel", "-accel kvm", "zcmig: -accel kvm: accelerator 'kvm' is not "
      "supported (zcmig runs no guest code; only 'tcg' is accepted)" },
    { "display", "-display gtk", "zcmig: -display gtk: zcmig has no "
      "display; only 'none' is accepted" },
    { "disk-image", "disk.img", "zcmig: disk.img: zcmig takes no disk "
      "images" },
    { "daemonize-stdio", "-daemonize -monitor stdio", "zcmig: -daemonize "
      "cannot be used with a stdio monitor" },
};

static QmpProc *spawn_args(const char *args, QmpSpawnFlags flags)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) words = g_strsplit(args, " ", -1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    QmpProc *p;
    GStrv w;

    g_ptr_array_add(argv, (gpointer)qmp_zcmig_binary());
    for (w = words; *w; w++) {
        if (**w) {
            g_ptr_array_add(argv, *w);
        }
    }
    g_ptr_array_add(argv, NULL);
    p = qmp_proc_spawn((const char *const *)argv->pdata, flags, &err);
    g_assert_no_error(err);
    return p;
}

static void test_bad_option(gconstpointer opaque)
{
    const BadOption *b = opaque;
    g_autoptr(QmpProc) p = spawn_args(b->args, 0);
    g_autofree char *err = NULL;
    g_autofree char *expect = g_strdup_printf("%s\n", b->stderr_line);

    g_assert_true(qmp_proc_wait(p, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(p), ==, 1);
    err = qmp_proc_stderr(p);
    g_assert_cmpstr(err, ==, expect);
}

static void test_version_help(void)
{
    g_autoptr(QmpProc) v = spawn_args("--version", 0);
    g_autoptr(QmpProc) v2 = spawn_args("-version", 0);
    g_autoptr(QmpProc) h = spawn_args("-h", 0);
    g_autoptr(QmpProc) h2 = spawn_args("--help", 0);

    g_assert_true(qmp_proc_wait(v, QMP_TIMEOUT_MS));
    g_assert_true(qmp_proc_wait(v2, QMP_TIMEOUT_MS));
    g_assert_true(qmp_proc_wait(h, QMP_TIMEOUT_MS));
    g_assert_true(qmp_proc_wait(h2, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(v), ==, 0);
    g_assert_cmpint(qmp_proc_exit_code(v2), ==, 0);
    g_assert_cmpint(qmp_proc_exit_code(h), ==, 0);
    g_assert_cmpint(qmp_proc_exit_code(h2), ==, 0);
}

static void test_name_uuid(void)
{
    g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(),
                                       "-name guest=vm1,debug-threads=on "
                                       "-uuid 12345678-1234-1234-1234-"
                                       "123456789ABC -nographic -accel tcg");
    g_autoptr(JsonNode) name = qmp_cmd_ok(vm->qmp,
                                          "{'execute': 'query-name'}");
    g_autoptr(JsonNode) uuid = qmp_cmd_ok(vm->qmp,
                                          "{'execute': 'query-uuid'}");

    g_assert_cmpstr(qmp_get_str(name, "name"), ==, "vm1");
    g_assert_cmpstr(qmp_get_str(uuid, "UUID"), ==,
                    "12345678-1234-1234-1234-123456789abc");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

/* "-monitor none" means no HMP monitor, as in QEMU. */
static void test_monitor_none(void)
{
    g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(),
                                       "-monitor none");
    g_autoptr(JsonNode) st = qmp_cmd_ok(vm->qmp,
                                        "{'execute': 'query-status'}");

    g_assert_cmpstr(qmp_get_str(st, "status"), ==, "running");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_no_name(void)
{
    g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(), "");
    g_autoptr(JsonNode) name = qmp_cmd_ok(vm->qmp,
                                          "{'execute': 'query-name'}");
    g_autoptr(JsonNode) uuid = qmp_cmd_ok(vm->qmp,
                                          "{'execute': 'query-uuid'}");

    g_assert_cmpuint(json_object_get_size(json_node_get_object(name)), ==, 0);
    g_assert_cmpstr(qmp_get_str(uuid, "UUID"), ==,
                    "00000000-0000-0000-0000-000000000000");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_ram_size_units(void)
{
    static const struct {
        const char *arg;
        const char *used;
    } cases[] = {
        { "-m 16", "0x0000000001000000" },
        { "-m 16M", "0x0000000001000000" },
        { "-m 16384K", "0x0000000001000000" },
        { "-m size=0.5G", "0x0000000020000000" },
        { "-object memory-backend-ram,id=m,size=8M -M none,memory-backend=m",
          "0x0000000000800000" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(), cases[i].arg);
        g_autofree char *out = qmp_hmp(vm->qmp, "info ramblock");

        g_assert_nonnull(strstr(out, cases[i].used));
        g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
    }
}

static void test_pidfile(void)
{
    g_autofree char *dir = qmp_tmpdir();
    g_autofree char *pidfile = g_build_filename(dir, "pid", NULL);
    g_autoptr(QmpVM) vm = qmp_vm_startf(qmp_zcmig_binary(), "-pidfile %s",
                                        pidfile);
    g_autofree char *content = NULL;
    g_autofree char *expect = g_strdup_printf("%d\n", (int)vm->proc->pid);
    g_autoptr(QmpProc) second = NULL;
    g_autofree char *second_args = g_strdup_printf("-pidfile %s", pidfile);
    g_autofree char *err = NULL;

    g_assert_true(g_file_get_contents(pidfile, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, expect);
    /* A second instance with the same pid file is refused. */
    second = spawn_args(second_args, 0);
    g_assert_true(qmp_proc_wait(second, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(second), ==, 1);
    err = qmp_proc_stderr(second);
    g_assert_true(g_str_has_prefix(err, "zcmig: cannot create PID file: "
                                        "Cannot lock pid file: "));
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
    qmp_rmdir_recursive(dir);
}

static void test_daemonize(void)
{
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = qmp_tmpdir();
    g_autofree char *pidfile = g_build_filename(dir, "pid", NULL);
    g_autofree char *sock = g_build_filename(dir, "q.sock", NULL);
    g_autofree char *args = g_strdup_printf("-daemonize -pidfile %s -m 8M "
                                            "-qmp unix:%s,server=on,"
                                            "wait=off", pidfile, sock);
    g_autoptr(QmpProc) parent = spawn_args(args, 0);
    g_autoptr(QmpConn) q = NULL;
    g_autofree char *content = NULL;
    gint64 deadline;
    int pid;

    /* The parent exits 0 once the daemon is ready (socket listening). */
    g_assert_true(qmp_proc_wait(parent, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(parent), ==, 0);
    g_assert_true(g_file_get_contents(pidfile, &content, NULL, NULL));
    pid = atoi(content);
    g_assert_cmpint(pid, >, 0);
    g_assert_cmpint(pid, !=, parent->pid);
    g_assert_cmpint(kill(pid, 0), ==, 0);
    q = qmp_connect_unix(sock, NULL, 1000, &gerr);
    g_assert_no_error(gerr);
    g_assert_true(qmp_negotiate(q, &gerr));
    qmp_cmd_ok(q, "{'execute': 'quit'}");
    /* Not our child: poll for its disappearance. */
    deadline = g_get_monotonic_time() + QMP_TIMEOUT_MS * 1000LL;
    while (kill(pid, 0) == 0 && g_get_monotonic_time() < deadline) {
        g_usleep(10000);
    }
    g_assert_cmpint(kill(pid, 0), !=, 0);
    qmp_rmdir_recursive(dir);
}

static void test_sigint(void)
{
    g_autoptr(QmpVM) vm = qmp_vm_start(qmp_zcmig_binary(), "-m 8M");

    qmp_proc_signal(vm->proc, SIGINT);
    g_assert_true(qmp_proc_wait(vm->proc, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(vm->proc), ==, 0);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(bad_options); i++) {
        g_autofree char *path = g_strdup_printf("/cli/bad/%s",
                                                bad_options[i].name);
        g_test_add_data_func(path, &bad_options[i], test_bad_option);
    }
    g_test_add_func("/cli/version-help", test_version_help);
    g_test_add_func("/cli/name-uuid", test_name_uuid);
    g_test_add_func("/cli/no-name", test_no_name);
    g_test_add_func("/cli/monitor-none", test_monitor_none);
    g_test_add_func("/cli/ram-size-units", test_ram_size_units);
    g_test_add_func("/cli/pidfile", test_pidfile);
    g_test_add_func("/cli/daemonize", test_daemonize);
    g_test_add_func("/cli/sigint", test_sigint);
    return g_test_run();
}

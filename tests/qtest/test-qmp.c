/*
 * QMP conformance of zcmig: greeting, negotiation, ids, run states and
 * events, several clients, RAM backends, and every kind of bad input
 * (exact class and text, the connection carries on).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include "libqmp.h"

static QmpVM *start(const char *args)
{
    return qmp_vm_start(qmp_zcmig_binary(), args);
}

static void assert_status(QmpConn *q, const char *status, bool running)
{
    g_autoptr(JsonNode) st = qmp_cmd_ok(q, "{'execute': 'query-status'}");

    g_assert_cmpstr(qmp_get_str(st, "status"), ==, status);
    g_assert_cmpint(qmp_get_bool(st, "running"), ==, running);
}

static void assert_error(JsonNode *rsp, const char *cls, const char *desc)
{
    JsonObject *o = json_node_get_object(rsp);
    JsonObject *e;

    if (!json_object_has_member(o, "error")) {
        g_autofree char *s = qmp_to_string(rsp);
        g_error("expected error %s '%s', got %s", cls, desc, s);
    }
    e = json_object_get_object_member(o, "error");
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, cls);
    g_assert_cmpstr(json_object_get_string_member(e, "desc"), ==, desc);
}

static void test_greeting(void)
{
    g_autoptr(QmpVM) vm = start("-m 16M");
    JsonNode *g = qmp_greeting(vm->qmp);
    JsonObject *qmp = json_object_get_object_member(json_node_get_object(g),
                                                    "QMP");
    JsonObject *ver = json_object_get_object_member(qmp, "version");
    JsonObject *qemu = json_object_get_object_member(ver, "qemu");
    JsonArray *caps = json_object_get_array_member(qmp, "capabilities");

    g_assert_cmpint(json_object_get_int_member(qemu, "major"), ==, 7);
    g_assert_cmpint(json_object_get_int_member(qemu, "minor"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(qemu, "micro"), ==, 22);
    g_assert_nonnull(json_object_get_string_member(ver, "package"));
    g_assert_cmpint(json_array_get_length(caps), ==, 1);
    g_assert_cmpstr(json_array_get_string_element(caps, 0), ==, "oob");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_negotiation(void)
{
    g_autoptr(QmpProc) proc = NULL;
    g_autoptr(QmpConn) q = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = qmp_tmpdir();
    g_autofree char *path = g_build_filename(dir, "q.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    const char *argv[] = { qmp_zcmig_binary(), "-qmp", spec, NULL };
    JsonNode *r;

    proc = qmp_proc_spawn(argv, 0, &err);
    g_assert_no_error(err);
    q = qmp_connect_unix(path, proc, QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);

    r = qmp_execute(q, &err, "{'execute': 'query-status', 'id': 7}");
    assert_error(r, "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    g_assert_cmpint(qmp_get_int(r, "id"), ==, 7);
    json_node_unref(r);

    r = qmp_execute(q, &err, "{'execute': 'qmp_capabilities', "
                    "'arguments': {'enable': ['oob']}}");
    assert_error(r, "GenericError", "Capability oob not available");
    json_node_unref(r);

    r = qmp_execute(q, &err, "{'execute': 'qmp_capabilities', 'id': 'n'}");
    g_assert_true(json_object_has_member(json_node_get_object(r), "return"));
    g_assert_cmpstr(qmp_get_str(r, "id"), ==, "n");
    json_node_unref(r);

    r = qmp_execute(q, &err, "{'execute': 'qmp_capabilities'}");
    assert_error(r, "CommandNotFound", "Capabilities negotiation is already "
                 "complete, command ignored");
    json_node_unref(r);

    r = qmp_execute(q, &err, "{'execute': 'no-such-command', 'id': [1]}");
    assert_error(r, "CommandNotFound",
                 "The command no-such-command has not been found");
    json_node_unref(r);
    assert_status(q, "running", true);

    qmp_proc_signal(proc, SIGTERM);
    g_assert_true(qmp_proc_wait(proc, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(proc), ==, 0);
    qmp_rmdir_recursive(dir);
}

static void test_id_echo(void)
{
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r1 = qmp_execute(vm->qmp, &err,
                                         "{'execute': 'query-name', "
                                         "'id': {'a': [1, 'x']}}");
    g_autoptr(JsonNode) r2 = qmp_execute(vm->qmp, &err,
                                         "{'id': -5, 'execute': 'stop'}");
    g_autofree char *s1 = NULL;

    s1 = qmp_to_string(json_object_get_member(json_node_get_object(r1),
                                              "id"));
    g_assert_cmpstr(s1, ==, "{\"a\":[1,\"x\"]}");
    g_assert_cmpint(qmp_get_int(r2, "id"), ==, -5);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

typedef struct BadInput {
    const char *name;
    const char *input;
    const char *desc;
} BadInput;

static const BadInput bad_inputs[] = {
    { "array", "[1, 2]", "QMP input must be a JSON object" },
    { "number", "42", "QMP input must be a JSON object" },
    { "missing-value", "{\"a\":}", "JSON parse error, expecting value" },
    { "trailing-comma", "{\"execute\": \"stop\",}",
      "JSON parse error, expecting value" },
    { "missing-colon", "{\"execute\" \"stop\"}",
      "JSON parse error, missing : in object pair" },
    { "key-not-string", "{1: 2}",
      "JSON parse error, key is not a string in object" },
    { "dict-separator", "{\"a\": 1 \"b\": 2}",
      "JSON parse error, expected separator in dict" },
    { "list-separator", "[1 2]",
      "JSON parse error, expected separator in list" },
    { "keyword", "{\"a\": tru}", "JSON parse error, invalid keyword 'tru'" },
    { "duplicate-key", "{\"a\": 1, \"a\": 2}",
      "JSON parse error, duplicate key" },
    { "stray", "@", "JSON parse error, stray '@'" },
    { "escape", "{\"a\": \"\\q\"}",
      "JSON parse error, invalid escape sequence in string" },
    { "surrogate", "{\"a\": \"\\uDC00\"}",
      "JSON parse error, \\uDC00 is not a valid Unicode character" },
    { "bad-utf8", "{\"a\": \"\xc3\x28\"}",
      "JSON parse error, invalid UTF-8 sequence in string" },
    { "leading-zero", "01", "JSON parse error, stray '01'" },
    { "no-execute", "{\"id\": 1}", "QMP input lacks member 'execute'" },
    { "execute-type", "{\"execute\": 1}",
      "QMP input member 'execute' must be a string" },
    { "arguments-type", "{\"execute\": \"stop\", \"arguments\": []}",
      "QMP input member 'arguments' must be an object" },
    { "unexpected-member", "{\"execute\": \"stop\", \"foo\": 1}",
      "QMP input member 'foo' is unexpected" },
};

static void test_bad_input(gconstpointer opaque)
{
    const BadInput *b = opaque;
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = NULL;

    g_assert_true(qmp_send_raw(vm->qmp, b->input, strlen(b->input), &err));
    g_assert_true(qmp_send_raw(vm->qmp, "\n", 1, &err));
    r = qmp_receive_ok(vm->qmp);
    assert_error(r, "GenericError", b->desc);
    /* The connection and the process carry on. */
    assert_status(vm->qmp, "running", true);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

/* Read replies until the one with "id": @id (earlier ones are returned
 * through @first if non-NULL). */
static JsonNode *drain_until_id(QmpConn *q, const char *id, JsonNode **first)
{
    for (;;) {
        JsonNode *r = qmp_receive_ok(q);
        JsonObject *o = json_node_get_object(r);

        if (json_object_has_member(o, "id") &&
            !g_strcmp0(json_object_get_string_member(o, "id"), id)) {
            return r;
        }
        if (first && !*first) {
            *first = r;
        } else {
            json_node_unref(r);
        }
    }
}

static void send_str(QmpConn *q, const char *s)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qmp_send_raw(q, s, strlen(s), &err));
}

static void test_unterminated(void)
{
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(JsonNode) first = NULL;
    g_autoptr(JsonNode) r = NULL;

    /* Unterminated: no reply; 0xFF resets the parser (with an error). */
    send_str(vm->qmp, "{\"execute\": \"query-status\"\n");
    send_str(vm->qmp, "\xff");
    send_str(vm->qmp, "{\"execute\": \"query-name\", \"id\": \"after\"}\n");
    r = drain_until_id(vm->qmp, "after", &first);
    g_assert_nonnull(first);
    assert_error(first, "GenericError", "JSON parse error, stray '\xef\xbf\xbd'");
    g_assert_true(json_object_has_member(json_node_get_object(r), "return"));
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_nesting(void)
{
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(JsonNode) r1 = NULL;
    g_autoptr(JsonNode) r2 = NULL;
    int i;

    /* 1024 levels are fine (then: not an object) ... */
    for (i = 0; i < 1024; i++) {
        g_string_append_c(s, '[');
    }
    for (i = 0; i < 1024; i++) {
        g_string_append_c(s, ']');
    }
    g_string_append_c(s, '\n');
    send_str(vm->qmp, s->str);
    r1 = qmp_receive_ok(vm->qmp);
    assert_error(r1, "GenericError", "QMP input must be a JSON object");

    /* ... 1025 are not. */
    g_string_truncate(s, 0);
    for (i = 0; i < 1025; i++) {
        g_string_append_c(s, '[');
    }
    send_str(vm->qmp, s->str);
    r2 = qmp_receive_ok(vm->qmp);
    assert_error(r2, "GenericError", "JSON nesting depth limit exceeded");
    assert_status(vm->qmp, "running", true);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_size_limits(void)
{
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(JsonNode) first = NULL;
    g_autoptr(JsonNode) r = NULL;
    g_autoptr(JsonNode) first2 = NULL;
    g_autoptr(JsonNode) r2 = NULL;
    g_autoptr(GString) s = g_string_new("{\"a\": [");
    g_autofree char *chunk = g_strnfill(1 << 20, 'x');
    int i;

    /* 65 strings of 1 MiB in one message: over the 64 MiB limit. */
    for (i = 0; i < 65; i++) {
        g_string_append_printf(s, "\"%s\",", chunk);
    }
    send_str(vm->qmp, s->str);
    /* Resynchronise and check that we get an answer again. */
    send_str(vm->qmp, "\xff{\"execute\": \"query-name\", \"id\": \"s\"}\n");
    r = drain_until_id(vm->qmp, "s", &first);
    assert_error(first, "GenericError", "JSON token size limit exceeded");

    /* 2 Mi tokens. */
    g_string_assign(s, "[");
    for (i = 0; i < (1 << 20) + 1; i++) {
        g_string_append(s, "0,");
    }
    send_str(vm->qmp, s->str);
    send_str(vm->qmp, "\xff{\"execute\": \"query-name\", \"id\": \"c\"}\n");
    r2 = drain_until_id(vm->qmp, "c", &first2);
    assert_error(first2, "GenericError", "JSON token count limit exceeded");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static bool no_pred(JsonNode *ev, void *opaque)
{
    return true;
}

static void assert_timestamp(JsonNode *ev)
{
    JsonObject *ts = json_object_get_object_member(json_node_get_object(ev),
                                                   "timestamp");

    g_assert_nonnull(ts);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >, 0);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), >=, 0);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <,
                    1000000);
}

static void test_stop_cont_events(void)
{
    g_autoptr(QmpVM) vm = start("-m 16M");
    g_autoptr(JsonNode) stop = NULL;
    g_autoptr(JsonNode) resume = NULL;
    g_autoptr(JsonNode) shutdown = NULL;
    JsonObject *data;

    qmp_cmd_ok(vm->qmp, "{'execute': 'stop'}");
    stop = qmp_wait_event(vm->qmp, "STOP", no_pred, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(stop);
    assert_timestamp(stop);
    assert_status(vm->qmp, "paused", false);
    /* stop while paused: no second STOP */
    qmp_cmd_ok(vm->qmp, "{'execute': 'stop'}");
    qmp_cmd_ok(vm->qmp, "{'execute': 'cont'}");
    resume = qmp_wait_event(vm->qmp, "RESUME", NULL, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(resume);
    g_assert_cmpuint(qmp_events_pending(vm->qmp), ==, 0);
    assert_status(vm->qmp, "running", true);

    qmp_proc_signal(vm->proc, SIGTERM);
    shutdown = qmp_wait_event(vm->qmp, "SHUTDOWN", NULL, NULL,
                              QMP_TIMEOUT_MS);
    g_assert_nonnull(shutdown);
    data = json_object_get_object_member(json_node_get_object(shutdown),
                                         "data");
    g_assert_false(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-signal");
    g_assert_true(qmp_proc_wait(vm->proc, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(vm->proc), ==, 0);
}

static void test_quit_event(void)
{
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(JsonNode) ev = NULL;
    JsonObject *data;

    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
    ev = qmp_wait_event(vm->qmp, "SHUTDOWN", NULL, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(ev);
    data = json_object_get_object_member(json_node_get_object(ev), "data");
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-qmp-quit");
}

static void test_prelaunch(void)
{
    g_autoptr(QmpVM) vm = start("-m 16M -S");
    g_autoptr(JsonNode) resume = NULL;

    assert_status(vm->qmp, "prelaunch", false);
    qmp_cmd_ok(vm->qmp, "{'execute': 'stop'}");
    assert_status(vm->qmp, "prelaunch", false);
    qmp_cmd_ok(vm->qmp, "{'execute': 'cont'}");
    resume = qmp_wait_event(vm->qmp, "RESUME", NULL, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(resume);
    /* No STOP was sent for the stop in prelaunch. */
    g_assert_cmpuint(qmp_events_pending(vm->qmp), ==, 0);
    assert_status(vm->qmp, "running", true);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_inmigrate(void)
{
    g_autoptr(QmpVM) vm = start("-m 16M -incoming defer");

    assert_status(vm->qmp, "inmigrate", false);
    /* QEMU 7.2 accepts cont here and starts after the migration. */
    qmp_cmd_ok(vm->qmp, "{'execute': 'cont'}");
    assert_status(vm->qmp, "inmigrate", false);
    g_assert_cmpuint(qmp_events_pending(vm->qmp), ==, 0);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_two_clients(void)
{
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpConn) q2 = qmp_connect_unix(vm->qmp_path, vm->proc,
                                             QMP_TIMEOUT_MS, &err);
    g_autoptr(QmpConn) q3 = NULL;
    g_autoptr(JsonNode) ev1 = NULL;
    g_autoptr(JsonNode) ev2 = NULL;
    g_autoptr(JsonNode) r = NULL;

    g_assert_no_error(err);
    /* q2 is not negotiated: it must not see STOP. */
    qmp_cmd_ok(vm->qmp, "{'execute': 'stop'}");
    ev1 = qmp_wait_event(vm->qmp, "STOP", NULL, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(ev1);
    r = qmp_execute(q2, &err, "{'execute': 'query-status'}");
    assert_error(r, "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    g_assert_cmpuint(qmp_events_pending(q2), ==, 0);
    g_assert_true(qmp_negotiate(q2, &err));
    assert_status(q2, "paused", false);

    /* A third client comes and goes; the others carry on. */
    q3 = qmp_connect_unix(vm->qmp_path, vm->proc, QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    g_clear_pointer(&q3, qmp_conn_free);

    qmp_cmd_ok(q2, "{'execute': 'cont'}");
    ev2 = qmp_wait_event(vm->qmp, "RESUME", NULL, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(ev2);
    json_node_unref(ev2);
    ev2 = qmp_wait_event(q2, "RESUME", NULL, NULL, QMP_TIMEOUT_MS);
    g_assert_nonnull(ev2);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

static void test_socket_mode(void)
{
    g_autoptr(QmpVM) vm = start("");
    struct stat st;

    g_assert_cmpint(stat(vm->qmp_path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
    /* The socket is removed on exit. */
    g_assert_false(g_file_test(vm->qmp_path, G_FILE_TEST_EXISTS));
}

static int free_tcp_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void test_tcp(void)
{
    g_autoptr(GError) err = NULL;
    int port = free_tcp_port();
    g_autofree char *spec = g_strdup_printf("tcp:127.0.0.1:%d,server,nowait",
                                            port);
    const char *argv[] = { qmp_zcmig_binary(), "-qmp", spec, NULL };
    g_autoptr(QmpProc) proc = qmp_proc_spawn(argv, 0, &err);
    g_autoptr(QmpConn) q = NULL;
    g_autoptr(JsonNode) chr = NULL;
    JsonNode *first;
    g_autofree char *expect = g_strdup_printf("tcp:127.0.0.1:%d,server=on",
                                              port);

    g_assert_no_error(err);
    q = qmp_connect_tcp("127.0.0.1", port, proc, QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    g_assert_true(qmp_negotiate(q, &err));
    chr = qmp_cmd_ok(q, "{'execute': 'query-chardev'}");
    first = json_array_get_element(json_node_get_array(chr), 0);
    g_assert_cmpstr(qmp_get_str(first, "label"), ==, "compat_monitor0");
    g_assert_cmpstr(qmp_get_str(first, "filename"), ==, expect);
    qmp_cmd_ok(q, "{'execute': 'quit'}");
    g_assert_true(qmp_proc_wait(proc, QMP_TIMEOUT_MS));
    g_assert_cmpint(qmp_proc_exit_code(proc), ==, 0);
}

static void test_inventory(void)
{
    g_autoptr(QmpVM) vm = start("");
    g_autoptr(JsonNode) blk = qmp_cmd_ok(vm->qmp,
                                         "{'execute': 'query-block'}");
    g_autoptr(JsonNode) nodes = qmp_cmd_ok(vm->qmp, "{'execute': "
                                           "'query-named-block-nodes'}");
    g_autoptr(JsonNode) io = qmp_cmd_ok(vm->qmp,
                                        "{'execute': 'query-iothreads'}");
    g_autoptr(JsonNode) per = qmp_cmd_ok(vm->qmp, "{'execute': 'qom-list', "
                                         "'arguments': {'path': "
                                         "'/machine/peripheral'}}");
    g_autoptr(JsonNode) chr = qmp_cmd_ok(vm->qmp,
                                         "{'execute': 'query-chardev'}");
    g_autofree char *cls = NULL;
    g_autofree char *desc = qmp_cmd_err(vm->qmp, &cls, "{'execute': "
                                        "'qom-list', 'arguments': "
                                        "{'path': '/nope'}}");
    JsonNode *c0;
    g_autofree char *fname = g_strdup_printf("unix:%s,server=on",
                                             vm->qmp_path);

    g_assert_cmpuint(json_array_get_length(json_node_get_array(blk)), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(nodes)), ==,
                     0);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(io)), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(per)), ==, 1);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(chr)), ==, 1);
    c0 = json_array_get_element(json_node_get_array(chr), 0);
    g_assert_cmpstr(qmp_get_str(c0, "label"), ==, "compat_monitor0");
    g_assert_cmpstr(qmp_get_str(c0, "filename"), ==, fname);
    g_assert_true(qmp_get_bool(c0, "frontend-open"));
    g_assert_cmpstr(cls, ==, "DeviceNotFound");
    g_assert_cmpstr(desc, ==, "Device '/nope' not found");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
}

typedef struct BackendCase {
    const char *name;
    const char *args;     /* %s: the VM's directory */
    const char *block;
    const char *psize;
} BackendCase;

static const BackendCase backends[] = {
    { "default", "-m 16", "ram", "4 KiB" },
    { "ram", "-object memory-backend-ram,id=mem0,size=16M "
      "-machine memory-backend=mem0", "mem0", "4 KiB" },
    { "file", "-object memory-backend-file,id=mem0,size=16M,"
      "mem-path=%s/ram,share=on,prealloc=on -machine memory-backend=mem0 "
      "-m 16M", "mem0", "4 KiB" },
    { "file-dir", "-object memory-backend-file,id=mem0,size=16M,"
      "mem-path=%s -machine memory-backend=mem0", "mem0", "4 KiB" },
    { "memfd", "-object memory-backend-memfd,id=mem0,size=16M "
      "-machine memory-backend=mem0", "mem0", "4 KiB" },
};

static void test_backend(gconstpointer opaque)
{
    const BackendCase *c = opaque;
    g_autofree char *dir = qmp_tmpdir();
    g_autofree char *args = NULL;
    g_autoptr(QmpVM) vm = NULL;
    g_autofree char *out = NULL;
    g_autofree char *expect = NULL;

    if (strstr(c->args, "%s")) {
        args = g_strdup_printf(c->args, dir);
    } else {
        args = g_strdup(c->args);
    }
    vm = start(args);
    assert_status(vm->qmp, "running", true);
    out = qmp_hmp(vm->qmp, "info ramblock");
    expect = g_strdup_printf("              Block Name    PSize"
                             "              Offset               Used"
                             "              Total\r\n"
                             "%24s %8s  0x0000000000000000 "
                             "0x0000000001000000 0x0000000001000000\r\n",
                             c->block, c->psize);
    g_assert_cmpstr(out, ==, expect);
    if (!strcmp(c->name, "file")) {
        g_autofree char *f = g_build_filename(dir, "ram", NULL);
        struct stat st;

        g_assert_cmpint(stat(f, &st), ==, 0);
        g_assert_cmpint(st.st_size, ==, 16 << 20);
    }
    qmp_cmd_ok(vm->qmp, "{'execute': 'stop'}");
    qmp_cmd_ok(vm->qmp, "{'execute': 'cont'}");
    g_assert_cmpint(qmp_vm_quit(vm), ==, 0);
    qmp_rmdir_recursive(dir);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/id-echo", test_id_echo);
    for (i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
        g_autofree char *path = g_strdup_printf("/qmp/bad-input/%s",
                                                bad_inputs[i].name);
        g_test_add_data_func(path, &bad_inputs[i], test_bad_input);
    }
    g_test_add_func("/qmp/bad-input/unterminated", test_unterminated);
    g_test_add_func("/qmp/bad-input/nesting", test_nesting);
    g_test_add_func("/qmp/bad-input/size-limits", test_size_limits);
    g_test_add_func("/qmp/events/stop-cont-sigterm", test_stop_cont_events);
    g_test_add_func("/qmp/events/quit", test_quit_event);
    g_test_add_func("/qmp/runstate/prelaunch", test_prelaunch);
    g_test_add_func("/qmp/runstate/inmigrate", test_inmigrate);
    g_test_add_func("/qmp/two-clients", test_two_clients);
    g_test_add_func("/qmp/socket-mode", test_socket_mode);
    g_test_add_func("/qmp/tcp", test_tcp);
    g_test_add_func("/qmp/inventory", test_inventory);
    for (i = 0; i < G_N_ELEMENTS(backends); i++) {
        g_autofree char *path = g_strdup_printf("/qmp/backend/%s",
                                                backends[i].name);
        g_test_add_data_func(path, &backends[i], test_backend);
    }
    return g_test_run();
}

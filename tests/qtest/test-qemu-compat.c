/*
 * The same scripted QMP session against QEMU 7.2 (qemu-system-x86_64
 * -M none) and zcmig; each step compares the replies: exactly (VALUE),
 * by shape (SHAPE: same keys and JSON types, recursively), or as errors
 * (ERROR: same class and text).  Skipped when QEMU is not installed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "libqmp.h"

typedef enum Compare {
    VALUE,
    SHAPE,
    ERROR,
} Compare;

typedef struct Step {
    const char *name;
    const char *input;     /* sent as is, plus "\n" */
    Compare cmp;
} Step;

static const Step steps[] = {
    { "before-negotiation", "{\"execute\": \"query-status\"}", ERROR },
    { "qmp_capabilities", "{\"execute\": \"qmp_capabilities\", \"id\": 1}",
      VALUE },
    { "negotiation-again", "{\"execute\": \"qmp_capabilities\"}", ERROR },
    { "query-status", "{\"execute\": \"query-status\", \"id\": \"a\"}",
      VALUE },
    { "query-name", "{\"execute\": \"query-name\"}", VALUE },
    { "query-uuid", "{\"execute\": \"query-uuid\"}", VALUE },
    { "query-version", "{\"execute\": \"query-version\"}", SHAPE },
    { "query-block", "{\"execute\": \"query-block\"}", VALUE },
    { "query-named-block-nodes",
      "{\"execute\": \"query-named-block-nodes\"}", VALUE },
    { "query-iothreads", "{\"execute\": \"query-iothreads\"}", VALUE },
    { "query-chardev", "{\"execute\": \"query-chardev\"}", SHAPE },
    { "qom-list-peripheral", "{\"execute\": \"qom-list\", \"arguments\": "
      "{\"path\": \"/machine/peripheral\"}}", VALUE },
    { "qom-list-root", "{\"execute\": \"qom-list\", \"arguments\": "
      "{\"path\": \"/\"}}", SHAPE },
    { "qom-list-missing", "{\"execute\": \"qom-list\", \"arguments\": "
      "{\"path\": \"/nope\"}}", ERROR },
    { "qom-list-no-path", "{\"execute\": \"qom-list\"}", ERROR },
    { "stop", "{\"execute\": \"stop\"}", VALUE },
    { "query-status-paused", "{\"execute\": \"query-status\"}", VALUE },
    { "stop-again", "{\"execute\": \"stop\"}", VALUE },
    { "hmp-info-status", "{\"execute\": \"human-monitor-command\", "
      "\"arguments\": {\"command-line\": \"info status\"}}", VALUE },
    { "cont", "{\"execute\": \"cont\"}", VALUE },
    { "cont-again", "{\"execute\": \"cont\"}", VALUE },
    { "hmp-info-name", "{\"execute\": \"human-monitor-command\", "
      "\"arguments\": {\"command-line\": \"info name\"}}", VALUE },
    { "hmp-info-uuid", "{\"execute\": \"human-monitor-command\", "
      "\"arguments\": {\"command-line\": \"info uuid\"}}", VALUE },
    { "hmp-unknown", "{\"execute\": \"human-monitor-command\", "
      "\"arguments\": {\"command-line\": \"foo bar\"}}", VALUE },
    { "hmp-extraneous", "{\"execute\": \"human-monitor-command\", "
      "\"arguments\": {\"command-line\": \"stop now\"}}", VALUE },
    { "hmp-help-stop", "{\"execute\": \"human-monitor-command\", "
      "\"arguments\": {\"command-line\": \"help stop\"}}", VALUE },
    { "hmp-no-arg", "{\"execute\": \"human-monitor-command\"}", ERROR },
    { "unknown-command", "{\"execute\": \"no-such\", \"id\": 2}", ERROR },
    { "unexpected-argument", "{\"execute\": \"query-status\", "
      "\"arguments\": {\"x\": 1}}", ERROR },
    { "not-object", "[1, 2]", ERROR },
    { "no-execute", "{\"id\": 3}", ERROR },
    { "exec-oob", "{\"exec-oob\": \"query-status\"}", ERROR },
    { "json-expecting-value", "{\"a\":}", ERROR },
    { "json-stray", "@", ERROR },
    { "json-keyword", "{\"a\": nul}", ERROR },
    { "json-duplicate", "{\"a\": 1, \"a\": 1}", ERROR },
    { "json-escape", "{\"a\": \"\\x\"}", ERROR },
    { "single-quotes", "{'execute': 'query-name', 'id': 'sq'}", VALUE },
    { "query-migrate", "{\"execute\": \"query-migrate\"}", VALUE },
    { "query-migrate-capabilities",
      "{\"execute\": \"query-migrate-capabilities\"}", SHAPE },
    { "query-migrate-parameters",
      "{\"execute\": \"query-migrate-parameters\"}", SHAPE },
    { "migrate-set-capabilities-bad", "{\"execute\": "
      "\"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
      "[{\"capability\": \"bogus\", \"state\": true}]}}", ERROR },
    { "quit", "{\"execute\": \"quit\"}", VALUE },
};

#define VM_ARGS "-m 64M -name compat " \
    "-uuid 0badc0de-0000-4000-8000-00000000abcd"

typedef struct Session {
    JsonNode *replies[G_N_ELEMENTS(steps)];
    GPtrArray *events;     /* JsonNode *, in arrival order */
    int exit_code;
    char *failure;         /* the session could not run */
} Session;

static Session zcmig_s, qemu_s;

static void run_session(const char *binary, Session *s)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = qmp_tmpdir();
    g_autofree char *path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    g_autofree char *cmd = g_strdup_printf("%s -nodefaults -display none "
                                           "-M none " VM_ARGS, binary);
    g_auto(GStrv) words = g_strsplit(cmd, " ", -1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(QmpProc) p = NULL;
    g_autoptr(QmpConn) q = NULL;
    GStrv w;
    size_t i;

    for (w = words; *w; w++) {
        g_ptr_array_add(argv, *w);
    }
    g_ptr_array_add(argv, "-qmp");
    g_ptr_array_add(argv, spec);
    g_ptr_array_add(argv, NULL);
    s->events = g_ptr_array_new_with_free_func(
        (GDestroyNotify)json_node_unref);
    p = qmp_proc_spawn((const char *const *)argv->pdata, 0, &err);
    if (p) {
        q = qmp_connect_unix(path, p, QMP_TIMEOUT_MS, &err);
    }
    if (!q) {
        s->failure = g_strdup(err->message);
        qmp_rmdir_recursive(dir);
        return;
    }
    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_autofree char *line = g_strconcat(steps[i].input, "\n", NULL);

        if (!qmp_send_raw(q, line, strlen(line), &err) ||
            !(s->replies[i] = qmp_receive(q, QMP_TIMEOUT_MS, &err))) {
            s->failure = g_strdup_printf("step %s: %s", steps[i].name,
                                         err->message);
            break;
        }
    }
    /* Events: everything queued, plus SHUTDOWN if not seen yet. */
    for (;;) {
        JsonNode *ev = qmp_wait_event(q, "SHUTDOWN", NULL, NULL,
                                      s->failure ? 1 : QMP_TIMEOUT_MS);
        if (!ev) {
            break;
        }
        g_ptr_array_add(s->events, ev);
        break;
    }
    while (qmp_events_pending(q)) {
        /* Whatever else arrived, in order (STOP, RESUME). */
        JsonNode *ev = qmp_wait_event(q, "STOP", NULL, NULL, 0);

        if (!ev) {
            ev = qmp_wait_event(q, "RESUME", NULL, NULL, 0);
        }
        if (!ev) {
            break;
        }
        g_ptr_array_insert(s->events, s->events->len - 1, ev);
    }
    qmp_proc_wait(p, QMP_TIMEOUT_MS);
    s->exit_code = qmp_proc_exit_code(p);
    qmp_rmdir_recursive(dir);
}

/* Members zcmig adds on purpose (documented in qapi/migration.json). */
static const char *const zcmig_extensions[] = {
    "multifd-zerocopy", "x-stall-timeout", NULL
};

static const char *shape_type(JsonNode *n)
{
    switch (JSON_NODE_TYPE(n)) {
    case JSON_NODE_OBJECT:
        return "object";
    case JSON_NODE_ARRAY:
        return "array";
    case JSON_NODE_NULL:
        return "null";
    default:
        switch (json_node_get_value_type(n)) {
        case G_TYPE_INT64:
        case G_TYPE_DOUBLE:
            return "number";
        case G_TYPE_BOOLEAN:
            return "boolean";
        default:
            return "string";
        }
    }
}

static void shape_diff(JsonNode *q, JsonNode *z, const char *path,
                       GString *out)
{
    if (strcmp(shape_type(q), shape_type(z)) != 0) {
        g_string_append_printf(out, "%s: QEMU %s, zcmig %s; ", path,
                               shape_type(q), shape_type(z));
        return;
    }
    if (JSON_NODE_HOLDS_OBJECT(q)) {
        JsonObject *qo = json_node_get_object(q);
        JsonObject *zo = json_node_get_object(z);
        g_autoptr(GList) qm = json_object_get_members(qo);
        g_autoptr(GList) zm = json_object_get_members(zo);
        GList *l;

        for (l = qm; l; l = l->next) {
            g_autofree char *sub = g_strdup_printf("%s.%s", path,
                                                   (char *)l->data);

            if (!json_object_has_member(zo, l->data)) {
                g_string_append_printf(out, "%s: missing in zcmig; ", sub);
                continue;
            }
            shape_diff(json_object_get_member(qo, l->data),
                       json_object_get_member(zo, l->data), sub, out);
        }
        for (l = zm; l; l = l->next) {
            if (!json_object_has_member(qo, l->data) &&
                !g_strv_contains(zcmig_extensions, l->data)) {
                g_string_append_printf(out, "%s.%s: not in QEMU; ", path,
                                       (char *)l->data);
            }
        }
    } else if (JSON_NODE_HOLDS_ARRAY(q)) {
        JsonArray *qa = json_node_get_array(q);
        JsonArray *za = json_node_get_array(z);
        g_autofree char *sub = g_strdup_printf("%s[0]", path);

        if (!json_array_get_length(qa) != !json_array_get_length(za)) {
            g_string_append_printf(out, "%s: %u vs %u elements; ", path,
                                   json_array_get_length(qa),
                                   json_array_get_length(za));
        } else if (json_array_get_length(qa)) {
            shape_diff(json_array_get_element(qa, 0),
                       json_array_get_element(za, 0), sub, out);
        }
    }
}

static void skip_unless_sessions(void)
{
    if (!qmp_qemu_binary()) {
        g_test_skip("qemu-system-x86_64 not found (set QEMU_BINARY)");
    }
}

static void test_step(gconstpointer opaque)
{
    const Step *st = opaque;
    size_t i = st - steps;
    JsonNode *q, *z;
    g_autofree char *qs = NULL;
    g_autofree char *zs = NULL;

    skip_unless_sessions();
    if (!qmp_qemu_binary()) {
        return;
    }
    g_assert_null(qemu_s.failure);
    g_assert_null(zcmig_s.failure);
    q = qemu_s.replies[i];
    z = zcmig_s.replies[i];
    qs = qmp_to_string(q);
    zs = qmp_to_string(z);
    g_test_message("QEMU:  %s", qs);
    g_test_message("zcmig: %s", zs);
    switch (st->cmp) {
    case VALUE:
        if (!json_node_equal(q, z)) {
            g_test_message("%s: replies differ: QEMU %s, zcmig %s",
                           st->name, qs, zs);
            g_test_fail();
        }
        break;
    case SHAPE: {
        g_autoptr(GString) diff = g_string_new(NULL);

        shape_diff(q, z, "", diff);
        if (diff->len) {
            g_test_message("%s: shapes differ: %s", st->name, diff->str);
            g_test_fail();
        }
        break;
    }
    case ERROR: {
        JsonObject *qe, *ze;

        g_assert_true(json_object_has_member(json_node_get_object(q),
                                             "error"));
        g_assert_true(json_object_has_member(json_node_get_object(z),
                                             "error"));
        qe = json_object_get_object_member(json_node_get_object(q), "error");
        ze = json_object_get_object_member(json_node_get_object(z), "error");
        g_assert_cmpstr(json_object_get_string_member(ze, "class"), ==,
                        json_object_get_string_member(qe, "class"));
        g_assert_cmpstr(json_object_get_string_member(ze, "desc"), ==,
                        json_object_get_string_member(qe, "desc"));
        /* The id is echoed the same way. */
        g_assert_cmpint(json_object_has_member(json_node_get_object(z), "id"),
                        ==,
                        json_object_has_member(json_node_get_object(q),
                                               "id"));
        break;
    }
    }
}

static void test_events(void)
{
    guint i;

    skip_unless_sessions();
    if (!qmp_qemu_binary()) {
        return;
    }
    g_assert_cmpuint(zcmig_s.events->len, ==, qemu_s.events->len);
    for (i = 0; i < qemu_s.events->len; i++) {
        JsonNode *q = g_ptr_array_index(qemu_s.events, i);
        JsonNode *z = g_ptr_array_index(zcmig_s.events, i);
        g_autoptr(GString) diff = g_string_new(NULL);

        g_assert_cmpstr(qmp_get_str(z, "event"), ==, qmp_get_str(q, "event"));
        shape_diff(q, z, "", diff);
        g_assert_cmpstr(diff->str, ==, "");
        if (json_object_has_member(json_node_get_object(q), "data")) {
            g_assert_true(json_node_equal(
                json_object_get_member(json_node_get_object(q), "data"),
                json_object_get_member(json_node_get_object(z), "data")));
        }
    }
    g_assert_cmpint(zcmig_s.exit_code, ==, qemu_s.exit_code);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    if (qmp_qemu_binary()) {
        run_session(qmp_qemu_binary(), &qemu_s);
        run_session(qmp_zcmig_binary(), &zcmig_s);
    }
    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_autofree char *path = g_strdup_printf("/qemu-compat/%s",
                                                steps[i].name);
        g_test_add_data_func(path, &steps[i], test_step);
    }
    g_test_add_func("/qemu-compat/events", test_events);
    return g_test_run();
}

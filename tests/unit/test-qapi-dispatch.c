/*
 * QMP dispatch: envelope checks, negotiation, unknown commands, argument
 * errors, built-in commands.  Expected texts were taken from a real QEMU
 * 7.2 answering the same requests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <gio/gio.h>

#include "config-host.h"
#include "qapi/error.h"
#include "qapi/qmp-dispatch.h"
#include "qapi/qapi-commands.h"
#include "system/machine.h"

static JsonNode *parse(const char *text)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) err = NULL;

    g_assert_true(json_parser_load_from_data(p, text, -1, &err));
    g_assert_no_error(err);
    return json_node_copy(json_parser_get_root(p));
}

static char *to_str(JsonNode *node)
{
    return json_to_string(node, FALSE);
}

/*
 * Dispatch @req and return the compact response text.  Only commands
 * that fail before their handler, or whose handler lives in qapi/, are
 * run to completion; the machine is a zeroed dummy.
 */
static char *run(const char *req, bool *negotiated)
{
    g_autoptr(JsonNode) in = parse(req);
    g_autofree MachineState *ms = g_new0(MachineState, 1);
    g_autoptr(JsonNode) out = qmp_dispatch(ms, in, negotiated);

    return to_str(out);
}

typedef struct Case {
    const char *req;
    const char *rsp;
} Case;

static void run_cases(const Case *cases, size_t n, bool negotiated)
{
    size_t i;

    for (i = 0; i < n; i++) {
        bool nego = negotiated;
        g_autofree char *got = run(cases[i].req, &nego);

        g_assert_cmpstr(got, ==, cases[i].rsp);
        g_assert_true(nego == negotiated);
    }
}

#define ERR(cls, desc) "{\"error\":{\"class\":\"" cls "\",\"desc\":\"" desc "\"}}"
#define GEN(desc) ERR("GenericError", desc)

static void test_envelope(void)
{
    static const Case cases[] = {
        { "[1]", GEN("QMP input must be a JSON object") },
        { "\"x\"", GEN("QMP input must be a JSON object") },
        { "{\"execute\":1,\"id\":5}",
          "{\"id\":5,\"error\":{\"class\":\"GenericError\",\"desc\":"
          "\"QMP input member 'execute' must be a string\"}}" },
        { "{\"execute\":\"query-status\",\"arguments\":[]}",
          GEN("QMP input member 'arguments' must be an object") },
        { "{\"execute\":\"query-status\",\"foo\":1}",
          GEN("QMP input member 'foo' is unexpected") },
        { "{\"id\":\"x\"}",
          "{\"id\":\"x\",\"error\":{\"class\":\"GenericError\",\"desc\":"
          "\"QMP input lacks member 'execute'\"}}" },
        { "{\"exec-oob\":\"query-status\"}",
          GEN("QMP input member 'exec-oob' is unexpected") },
        /* The first offending member decides. */
        { "{\"foo\":1,\"execute\":2}",
          GEN("QMP input member 'foo' is unexpected") },
    };

    run_cases(cases, G_N_ELEMENTS(cases), true);
    run_cases(cases, G_N_ELEMENTS(cases), false);
}

static void test_negotiation(void)
{
    static const Case before[] = {
        { "{\"execute\":\"query-version\"}",
          ERR("CommandNotFound",
              "Expecting capabilities negotiation with 'qmp_capabilities'") },
        { "{\"execute\":\"nope\",\"id\":1}",
          "{\"id\":1,\"error\":{\"class\":\"CommandNotFound\",\"desc\":"
          "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}"
        },
        { "{\"execute\":\"qmp_capabilities\","
          "\"arguments\":{\"enable\":[\"bogus\"]}}",
          GEN("Parameter 'null' does not accept value 'bogus'") },
        { "{\"execute\":\"qmp_capabilities\","
          "\"arguments\":{\"enable\":\"oob\"}}",
          GEN("Invalid parameter type for 'enable', expected: array") },
    };
    static const Case after[] = {
        { "{\"execute\":\"qmp_capabilities\"}",
          ERR("CommandNotFound", "Capabilities negotiation is already "
              "complete, command ignored") },
        { "{\"execute\":\"nope\",\"id\":\"libvirt-3\"}",
          "{\"id\":\"libvirt-3\",\"error\":{\"class\":\"CommandNotFound\","
          "\"desc\":\"The command nope has not been found\"}}" },
    };

    run_cases(before, G_N_ELEMENTS(before), false);
    run_cases(after, G_N_ELEMENTS(after), true);
}

/* A negotiation handler we control, to see the flag follow its result. */
static void fake_capabilities(MachineState *ms, JsonNode *args,
                              JsonNode **ret, GError **errp)
{
    JsonObject *o = json_node_get_object(args);

    if (json_object_has_member(o, "enable")) {
        qapi_error_setg(errp, "Capability oob not available");
    }
}

static void fake_answer(MachineState *ms, JsonNode *args, JsonNode **ret,
                        GError **errp)
{
    *ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_int(*ret, 42);
}

static void test_negotiation_flag(void)
{
    static const QmpCommand cmds[] = {
        { "qmp_capabilities", fake_capabilities, 0 },
        { "answer", fake_answer, 0 },
        { NULL, NULL, 0 },
    };
    static const struct {
        const char *req;
        bool nego_before, nego_after;
        const char *rsp;
    } steps[] = {
        { "{\"execute\":\"answer\"}", false, false,
          ERR("CommandNotFound",
              "Expecting capabilities negotiation with 'qmp_capabilities'") },
        { "{\"execute\":\"qmp_capabilities\",\"arguments\":"
          "{\"enable\":[\"oob\"]}}", false, false,
          GEN("Capability oob not available") },
        { "{\"execute\":\"qmp_capabilities\",\"id\":\"libvirt-1\"}",
          false, true, "{\"return\":{},\"id\":\"libvirt-1\"}" },
        { "{\"execute\":\"answer\",\"id\":2}", true, true,
          "{\"return\":42,\"id\":2}" },
        { "{\"execute\":\"qmp_capabilities\"}", true, true,
          ERR("CommandNotFound", "Capabilities negotiation is already "
              "complete, command ignored") },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_autoptr(JsonNode) in = parse(steps[i].req);
        bool nego = steps[i].nego_before;
        g_autoptr(JsonNode) out = qmp_dispatch_cmds(cmds, NULL, in, &nego,
                                                    false);
        g_autofree char *got = to_str(out);

        g_assert_cmpstr(got, ==, steps[i].rsp);
        g_assert_true(nego == steps[i].nego_after);
    }
}

static void test_arguments(void)
{
    static const Case cases[] = {
        { "{\"execute\":\"query-status\",\"arguments\":{\"x\":1}}",
          GEN("Parameter 'x' is unexpected") },
        { "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{}}",
          GEN("Parameter 'capabilities' is missing") },
        { "{\"execute\":\"migrate-set-capabilities\","
          "\"arguments\":{\"capabilities\":{}}}",
          GEN("Invalid parameter type for 'capabilities', expected: array") },
        { "{\"execute\":\"migrate-set-capabilities\",\"arguments\":"
          "{\"capabilities\":[{\"capability\":\"events\"}]}}",
          GEN("Parameter 'capabilities[0].state' is missing") },
        { "{\"execute\":\"migrate-set-capabilities\",\"arguments\":"
          "{\"capabilities\":[{\"capability\":\"events\","
          "\"state\":\"yes\"}]}}",
          GEN("Invalid parameter type for 'capabilities[0].state', "
              "expected: boolean") },
        { "{\"execute\":\"migrate-set-capabilities\",\"arguments\":"
          "{\"capabilities\":[{\"capability\":\"bogus\",\"state\":true}]}}",
          GEN("Parameter 'capability' does not accept value 'bogus'") },
        { "{\"execute\":\"migrate-set-capabilities\",\"arguments\":"
          "{\"capabilities\":[{\"capability\":\"events\",\"state\":true,"
          "\"x\":1}]}}",
          GEN("Parameter 'capabilities[0].x' is unexpected") },
        { "{\"execute\":\"migrate-set-capabilities\",\"arguments\":"
          "{\"capabilities\":[5]}}",
          GEN("Invalid parameter type for 'capabilities[0]', "
              "expected: object") },
        { "{\"execute\":\"migrate-set-parameters\","
          "\"arguments\":{\"compress-level\":300}}",
          GEN("Parameter 'compress-level' expects uint8_t") },
        { "{\"execute\":\"migrate-set-parameters\","
          "\"arguments\":{\"compress-level\":-1}}",
          GEN("Parameter 'compress-level' expects uint8_t") },
        { "{\"execute\":\"migrate-set-parameters\","
          "\"arguments\":{\"multifd-channels\":\"4\"}}",
          GEN("Parameter 'multifd-channels' expects uint64") },
        { "{\"execute\":\"migrate-set-parameters\","
          "\"arguments\":{\"downtime-limit\":1.5}}",
          GEN("Parameter 'downtime-limit' expects uint64") },
        { "{\"execute\":\"migrate-set-parameters\","
          "\"arguments\":{\"tls-creds\":5}}",
          GEN("Invalid parameter type for 'tls-creds', expected: StrOrNull") },
        { "{\"execute\":\"migrate-set-parameters\","
          "\"arguments\":{\"bogus\":1}}",
          GEN("Parameter 'bogus' is unexpected") },
        { "{\"execute\":\"migrate-set-parameters\","
          "\"arguments\":{\"multifd-compression\":\"lz4\"}}",
          GEN("Parameter 'multifd-compression' does not accept value "
              "'lz4'") },
        { "{\"execute\":\"migrate\",\"arguments\":{}}",
          GEN("Parameter 'uri' is missing") },
        { "{\"execute\":\"migrate\",\"arguments\":{\"uri\":5}}",
          GEN("Invalid parameter type for 'uri', expected: string") },
        { "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:x:1\","
          "\"detach\":1}}",
          GEN("Invalid parameter type for 'detach', expected: boolean") },
        { "{\"execute\":\"human-monitor-command\",\"arguments\":"
          "{\"command-line\":\"x\",\"cpu-index\":\"a\"}}",
          GEN("Invalid parameter type for 'cpu-index', expected: integer") },
        { "{\"execute\":\"human-monitor-command\",\"arguments\":"
          "{\"command-line\":\"x\",\"cpu-index\":1.5}}",
          GEN("Invalid parameter type for 'cpu-index', expected: integer") },
        { "{\"execute\":\"migrate-continue\","
          "\"arguments\":{\"state\":\"bogus\"}}",
          GEN("Parameter 'state' does not accept value 'bogus'") },
        { "{\"execute\":\"qom-list\",\"arguments\":{\"path\":null}}",
          GEN("Invalid parameter type for 'path', expected: string") },
        { "{\"execute\":\"query-named-block-nodes\","
          "\"arguments\":{\"flat\":\"yes\"}}",
          GEN("Invalid parameter type for 'flat', expected: boolean") },
    };

    run_cases(cases, G_N_ELEMENTS(cases), true);
}

static void test_oob(void)
{
    static const struct {
        const char *req;
        const char *rsp;
    } cases[] = {
        { "{\"exec-oob\":\"query-status\",\"id\":1}",
          "{\"id\":1,\"error\":{\"class\":\"GenericError\",\"desc\":"
          "\"The command query-status does not support OOB\"}}" },
        { "{\"execute\":\"query-status\",\"exec-oob\":\"stop\"}",
          GEN("QMP input member 'exec-oob' clashes with 'execute'") },
        { "{\"exec-oob\":true}",
          GEN("QMP input member 'exec-oob' must be a string") },
        { "{\"exec-oob\":\"nope\"}",
          ERR("CommandNotFound", "The command nope has not been found") },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) in = parse(cases[i].req);
        g_autofree MachineState *ms = g_new0(MachineState, 1);
        bool nego = true;
        g_autoptr(JsonNode) out = qmp_dispatch_oob(ms, in, &nego, true);
        g_autofree char *got = to_str(out);

        g_assert_cmpstr(got, ==, cases[i].rsp);
    }
}

static void test_query_version(void)
{
    bool nego = true;
    g_autofree char *got = run("{\"execute\":\"query-version\","
                               "\"id\":{\"a\":[1]}}", &nego);
    g_autofree char *want = g_strdup_printf(
        "{\"return\":{\"qemu\":{\"major\":%d,\"minor\":%d,\"micro\":%d},"
        "\"package\":\"zcmig %s\"},\"id\":{\"a\":[1]}}",
        ZCMIG_QEMU_MAJOR, ZCMIG_QEMU_MINOR, ZCMIG_QEMU_MICRO,
        ZCMIG_VERSION);

    g_assert_cmpstr(got, ==, want);
    g_assert_cmpint(ZCMIG_QEMU_MAJOR, ==, 7);
    g_assert_cmpint(ZCMIG_QEMU_MINOR, ==, 2);
}

static JsonArray *run_array(const char *req, JsonNode **keep)
{
    g_autoptr(JsonNode) in = parse(req);
    bool nego = true;
    g_autofree MachineState *ms = g_new0(MachineState, 1);
    JsonNode *out = qmp_dispatch(ms, in, &nego);
    JsonObject *o = json_node_get_object(out);

    g_assert_true(json_object_has_member(o, "return"));
    *keep = out;
    return json_object_get_array_member(o, "return");
}

static void test_query_commands(void)
{
    g_autoptr(JsonNode) keep = NULL;
    JsonArray *a = run_array("{\"execute\":\"query-commands\"}", &keep);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    const char *const want[] = {
        "qmp_capabilities", "query-version", "query-commands", "quit",
        "query-qmp-schema", "query-status", "stop", "cont", "query-name",
        "query-uuid", "query-block", "query-chardev", "qom-list",
        "query-iothreads", "query-named-block-nodes",
        "migrate-set-capabilities", "query-migrate-capabilities",
        "migrate-set-parameters", "query-migrate-parameters", "migrate",
        "migrate-incoming", "migrate_cancel", "migrate-continue",
        "query-migrate", "x-zcmig-query-ram-checksum",
    };
    guint i, n = json_array_get_length(a);
    size_t count = 0;

    for (i = 0; i < n; i++) {
        JsonObject *e = json_array_get_object_element(a, i);

        g_assert_cmpuint(json_object_get_size(e), ==, 1);
        g_hash_table_add(names,
                         (char *)json_object_get_string_member(e, "name"));
    }
    for (i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_true(g_hash_table_contains(names, want[i]));
    }
    for (count = 0; qmp_commands[count].name; count++) {
        g_assert_true(qmp_find_command(qmp_commands[count].name) ==
                      &qmp_commands[count]);
    }
    g_assert_cmpuint(n, ==, count);
    g_assert_null(qmp_find_command("nope"));
}

/* Index query-qmp-schema's result by name. */
static GHashTable *schema_index(JsonArray *a)
{
    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < json_array_get_length(a); i++) {
        JsonObject *e = json_array_get_object_element(a, i);
        const char *name = json_object_get_string_member(e, "name");

        g_assert_false(g_hash_table_contains(h, name));
        g_hash_table_insert(h, (char *)name, e);
    }
    return h;
}

static JsonObject *member_of(JsonObject *obj, const char *name)
{
    JsonArray *m = json_object_get_array_member(obj, "members");
    guint i;

    for (i = 0; i < json_array_get_length(m); i++) {
        JsonObject *e = json_array_get_object_element(m, i);

        if (!g_strcmp0(json_object_get_string_member(e, "name"), name)) {
            return e;
        }
    }
    return NULL;
}

static void test_query_qmp_schema(void)
{
    g_autoptr(JsonNode) keep = NULL;
    JsonArray *a = run_array("{\"execute\":\"query-qmp-schema\"}", &keep);
    g_autoptr(GHashTable) h = schema_index(a);
    JsonObject *cmd, *args, *caps, *arr, *cs, *capenum, *ev, *mem;
    JsonArray *values;
    bool found = false;
    guint i;
    GHashTableIter it;
    gpointer k, v;

    /* migrate-set-capabilities -> capabilities: [MigrationCapabilityStatus] */
    cmd = g_hash_table_lookup(h, "migrate-set-capabilities");
    g_assert_nonnull(cmd);
    g_assert_cmpstr(json_object_get_string_member(cmd, "meta-type"), ==,
                    "command");
    args = g_hash_table_lookup(h, json_object_get_string_member(cmd,
                                                                "arg-type"));
    g_assert_cmpstr(json_object_get_string_member(args, "meta-type"), ==,
                    "object");
    caps = member_of(args, "capabilities");
    g_assert_nonnull(caps);
    g_assert_false(json_object_has_member(caps, "default"));
    arr = g_hash_table_lookup(h, json_object_get_string_member(caps, "type"));
    g_assert_cmpstr(json_object_get_string_member(arr, "meta-type"), ==,
                    "array");
    cs = g_hash_table_lookup(h, json_object_get_string_member(arr,
                                                              "element-type"));
    capenum = g_hash_table_lookup(h, json_object_get_string_member(
                                      member_of(cs, "capability"), "type"));
    g_assert_cmpstr(json_object_get_string_member(capenum, "meta-type"), ==,
                    "enum");
    values = json_object_get_array_member(capenum, "values");
    g_assert_cmpuint(json_array_get_length(values), ==, 21);
    for (i = 0; i < json_array_get_length(values); i++) {
        found |= !g_strcmp0(json_array_get_string_element(values, i),
                            "zero-copy-send");
    }
    g_assert_true(found);

    /* Optional members carry "default": null; integers are "int". */
    cmd = g_hash_table_lookup(h, "migrate-set-parameters");
    args = g_hash_table_lookup(h, json_object_get_string_member(cmd,
                                                                "arg-type"));
    mem = member_of(args, "multifd-channels");
    g_assert_true(json_object_has_member(mem, "default"));
    g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(mem,
                                                              "default")));
    g_assert_cmpstr(json_object_get_string_member(mem, "type"), ==, "int");

    /* Events and built-ins */
    ev = g_hash_table_lookup(h, "MIGRATION");
    g_assert_cmpstr(json_object_get_string_member(ev, "meta-type"), ==,
                    "event");
    g_assert_nonnull(g_hash_table_lookup(h, "STOP"));
    g_assert_cmpstr(json_object_get_string_member(
                        g_hash_table_lookup(h, "str"), "json-type"), ==,
                    "string");

    /* Every type reference resolves. */
    g_hash_table_iter_init(&it, h);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        JsonObject *e = v;
        const char *refs[] = { "arg-type", "ret-type", "element-type" };

        for (i = 0; i < G_N_ELEMENTS(refs); i++) {
            if (json_object_has_member(e, refs[i])) {
                g_assert_nonnull(g_hash_table_lookup(
                    h, json_object_get_string_member(e, refs[i])));
            }
        }
    }
}

static void test_error_response(void)
{
    g_autoptr(GError) e1 = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
    g_autoptr(GError) e2 = g_error_new(QAPI_ERROR,
                                       QAPI_ERROR_CLASS_DEVICE_NOT_FOUND,
                                       "no dev");
    g_autoptr(JsonNode) id = parse("\"libvirt-7\"");
    g_autoptr(JsonNode) r1 = qmp_error_response(e1, NULL);
    g_autoptr(JsonNode) r2 = qmp_error_response(e2, id);
    g_autofree char *s1 = to_str(r1);
    g_autofree char *s2 = to_str(r2);

    g_assert_cmpstr(s1, ==, GEN("boom"));
    g_assert_cmpstr(s2, ==, "{\"id\":\"libvirt-7\",\"error\":{\"class\":"
                    "\"DeviceNotFound\",\"desc\":\"no dev\"}}");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi/dispatch/envelope", test_envelope);
    g_test_add_func("/qapi/dispatch/negotiation", test_negotiation);
    g_test_add_func("/qapi/dispatch/negotiation-flag", test_negotiation_flag);
    g_test_add_func("/qapi/dispatch/arguments", test_arguments);
    g_test_add_func("/qapi/dispatch/oob", test_oob);
    g_test_add_func("/qapi/dispatch/query-version", test_query_version);
    g_test_add_func("/qapi/dispatch/query-commands", test_query_commands);
    g_test_add_func("/qapi/dispatch/query-qmp-schema", test_query_qmp_schema);
    g_test_add_func("/qapi/dispatch/error-response", test_error_response);
    return g_test_run();
}

/*
 * Generated QAPI C: enums, JSON conversion both ways, destructors,
 * event senders, error classes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "qapi/error.h"
#include "qapi/qapi-events.h"
#include "qapi/qapi-json.h"
#include "qapi/qapi-types.h"

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

static void test_enums(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(RUN_STATE__MAX, ==, 16);
    g_assert_cmpint(MIGRATION_STATUS__MAX, ==, 14);
    g_assert_cmpint(MIGRATION_CAPABILITY__MAX, ==, 21);
    g_assert_cmpint(MULTIFD_COMPRESSION__MAX, ==, 3);
    g_assert_cmpstr(RunState_str(RUN_STATE_FINISH_MIGRATE), ==,
                    "finish-migrate");
    g_assert_cmpstr(MigrationStatus_str(MIGRATION_STATUS_PRE_SWITCHOVER), ==,
                    "pre-switchover");
    g_assert_cmpstr(MigrationCapability_str(MIGRATION_CAPABILITY_X_COLO), ==,
                    "x-colo");
    g_assert_cmpstr(QMPCapability_str(QMP_CAPABILITY_OOB), ==, "oob");
    g_assert_cmpstr(MigrationStatus_str(-1), ==, "(invalid)");
    g_assert_cmpstr(MigrationStatus_str(MIGRATION_STATUS__MAX), ==,
                    "(invalid)");
    g_assert_cmpint(qapi_enum_parse(&MigrationCapability_lookup,
                                    "zero-copy-send", -1, &err), ==,
                    MIGRATION_CAPABILITY_ZERO_COPY_SEND);
    g_assert_cmpint(qapi_enum_parse(&MigrationCapability_lookup, NULL, 7,
                                    &err), ==, 7);
    g_assert_no_error(err);
    g_assert_cmpint(qapi_enum_parse(&MigrationCapability_lookup, "nope", 0,
                                    &err), ==, -1);
    g_assert_error(err, QAPI_ERROR, QAPI_ERROR_CLASS_GENERIC_ERROR);
    g_assert_cmpstr(err->message, ==, "invalid parameter value: nope");
}

static MigrationParameters *sample_params(void)
{
    MigrationParameters *p = g_new0(MigrationParameters, 1);

    p->has_multifd_channels = true;
    p->multifd_channels = 4;
    p->has_max_bandwidth = true;
    p->max_bandwidth = 9223372036853727232ULL;
    p->has_downtime_limit = true;
    p->downtime_limit = 300;
    p->has_tls_creds = true;
    p->tls_creds = g_strdup("");
    p->has_multifd_compression = true;
    p->multifd_compression = MULTIFD_COMPRESSION_NONE;
    p->has_block_incremental = true;
    p->block_incremental = false;
    p->has_multifd_zerocopy = true;
    p->multifd_zerocopy = true;
    p->has_cpu_throttle_initial = true;
    p->cpu_throttle_initial = 20;
    return p;
}

static void test_params_roundtrip(void)
{
    g_autoptr(MigrationParameters) p = sample_params();
    g_autoptr(MigrationParameters) back = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) n1 = qapi_to_json_MigrationParameters(p);
    g_autoptr(JsonNode) n2 = NULL;
    g_autofree char *s1 = to_str(n1);
    g_autofree char *s2 = NULL;

    /* Members in schema order, only present ones. */
    g_assert_cmpstr(s1, ==,
                    "{\"cpu-throttle-initial\":20,\"tls-creds\":\"\","
                    "\"max-bandwidth\":9223372036853727232,"
                    "\"downtime-limit\":300,\"block-incremental\":false,"
                    "\"multifd-channels\":4,\"multifd-compression\":\"none\","
                    "\"multifd-zerocopy\":true}");
    g_assert_true(qapi_from_json_MigrationParameters(n1, NULL, &back, &err));
    g_assert_no_error(err);
    g_assert_true(back->has_multifd_channels);
    g_assert_cmpuint(back->multifd_channels, ==, 4);
    g_assert_cmpuint(back->max_bandwidth, ==, 9223372036853727232ULL);
    g_assert_cmpstr(back->tls_creds, ==, "");
    g_assert_false(back->has_tls_hostname);
    g_assert_null(back->tls_hostname);
    g_assert_false(back->has_compress_level);
    g_assert_true(back->multifd_zerocopy);
    n2 = qapi_to_json_MigrationParameters(back);
    s2 = to_str(n2);
    g_assert_cmpstr(s1, ==, s2);
}

static void test_set_params_str_or_null(void)
{
    g_autoptr(JsonNode) in = parse("{\"tls-creds\":\"\",\"tls-hostname\":null,"
                                   "\"multifd-channels\":4,"
                                   "\"max-bandwidth\":18446744073709551615}");
    g_autoptr(MigrateSetParameters) p = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) out = NULL;
    g_autofree char *s = NULL;

    g_assert_true(qapi_from_json_MigrateSetParameters(in, NULL, &p, &err));
    g_assert_no_error(err);
    g_assert_true(p->has_tls_creds);
    g_assert_cmpint(p->tls_creds->type, ==, QTYPE_QSTRING);
    g_assert_cmpstr(p->tls_creds->u.s, ==, "");
    g_assert_true(p->has_tls_hostname);
    g_assert_cmpint(p->tls_hostname->type, ==, QTYPE_QNULL);
    g_assert_false(p->has_tls_authz);
    g_assert_null(p->tls_authz);
    g_assert_cmpuint(p->max_bandwidth, ==, UINT64_MAX);

    out = qapi_to_json_MigrateSetParameters(p);
    s = to_str(out);
    /* uint64 beyond INT64_MAX comes out as a double (json-glib limit). */
    g_assert_cmpstr(s, ==, "{\"tls-creds\":\"\",\"tls-hostname\":null,"
                    "\"max-bandwidth\":1.8446744073709552e+19,"
                    "\"multifd-channels\":4}");
}

typedef struct BadCase {
    const char *json;
    const char *name;
    const char *msg;
} BadCase;

static void test_input_errors(void)
{
    static const BadCase cases[] = {
        { "[]", NULL,
          "Invalid parameter type for '<anonymous>', expected: object" },
        { "[]", "params",
          "Invalid parameter type for 'params', expected: object" },
        { "{\"x\":1}", "params", "Parameter 'params.x' is unexpected" },
        { "{\"multifd-channels\":256}", NULL,
          "Parameter 'multifd-channels' expects uint8_t" },
        { "{\"x-checkpoint-delay\":4294967296}", NULL,
          "Parameter 'x-checkpoint-delay' expects uint32_t" },
        { "{\"block-bitmap-mapping\":[{\"node-name\":\"a\",\"alias\":\"b\","
          "\"bitmaps\":[{\"name\":\"c\"}]}]}", NULL,
          "Parameter 'block-bitmap-mapping[0].bitmaps[0].alias' is missing" },
        { "{\"block-bitmap-mapping\":[{\"node-name\":\"a\",\"alias\":\"b\","
          "\"bitmaps\":[{\"name\":\"c\",\"alias\":\"d\","
          "\"transform\":{\"persistent\":1}}]}]}", NULL,
          "Invalid parameter type for "
          "'block-bitmap-mapping[0].bitmaps[0].transform.persistent', "
          "expected: boolean" },
        { "{\"tls-authz\":[]}", NULL,
          "Invalid parameter type for 'tls-authz', expected: StrOrNull" },
        { "{\"cpu-throttle-tailslow\":null}", NULL,
          "Invalid parameter type for 'cpu-throttle-tailslow', "
          "expected: boolean" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) in = parse(cases[i].json);
        MigrateSetParameters *p = (MigrateSetParameters *)&p;
        g_autoptr(GError) err = NULL;

        g_assert_false(qapi_from_json_MigrateSetParameters(in, cases[i].name,
                                                           &p, &err));
        g_assert_null(p);
        g_assert_error(err, QAPI_ERROR, QAPI_ERROR_CLASS_GENERIC_ERROR);
        g_assert_cmpstr(err->message, ==, cases[i].msg);
    }
}

static void test_missing_and_scalars(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) num = parse("1.5");
    g_autoptr(JsonNode) str = parse("\"completed\"");
    g_autoptr(JsonNode) stats = parse("{\"transferred\":1}");
    g_autoptr(MigrationStats) ms = NULL;
    MigrationStatus st = MIGRATION_STATUS_NONE;

    g_assert_false(qapi_from_json_MigrationStatus(NULL, "status", &st, &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'status' is missing");
    g_clear_error(&err);
    g_assert_false(qapi_from_json_MigrationStatus(num, "status", &st, &err));
    g_assert_cmpstr(err->message, ==,
                    "Invalid parameter type for 'status', expected: string");
    g_clear_error(&err);
    g_assert_true(qapi_from_json_MigrationStatus(str, "status", &st, &err));
    g_assert_cmpint(st, ==, MIGRATION_STATUS_COMPLETED);
    g_assert_false(qapi_from_json_MigrationStats(stats, "ram", &ms, &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'ram.remaining' is missing");
    g_assert_null(ms);
}

static void test_info_output(void)
{
    g_autoptr(MigrationInfo) info = g_new0(MigrationInfo, 1);
    g_autoptr(JsonNode) empty = qapi_to_json_MigrationInfo(info);
    g_autoptr(JsonNode) full = NULL;
    g_autofree char *s_empty = to_str(empty);
    g_autofree char *s_full = NULL;
    ZeroCopyChannelInfoList *ch = g_new0(ZeroCopyChannelInfoList, 1);

    /* Idle: every member absent, as libvirt expects. */
    g_assert_cmpstr(s_empty, ==, "{}");

    info->has_status = true;
    info->status = MIGRATION_STATUS_ACTIVE;
    info->has_ram = true;
    info->ram = g_new0(MigrationStats, 1);
    info->ram->transferred = 100;
    info->ram->total = 200;
    info->ram->remaining = 100;
    info->ram->mbps = 1.5;
    info->ram->page_size = 4096;
    info->has_blocked_reasons = true;   /* empty list: NULL -> [] */
    info->has_zero_copy_channels = true;
    ch->value = g_new0(ZeroCopyChannelInfo, 1);
    ch->value->id = 0;
    ch->value->queued = 10;
    ch->value->completed = 9;
    ch->value->copied = 1;
    ch->value->bytes = 40960;
    info->zero_copy_channels = ch;
    full = qapi_to_json_MigrationInfo(info);
    s_full = to_str(full);
    g_assert_cmpstr(s_full, ==,
                    "{\"status\":\"active\",\"ram\":{\"transferred\":100,"
                    "\"remaining\":100,\"total\":200,\"duplicate\":0,"
                    "\"skipped\":0,\"normal\":0,\"normal-bytes\":0,"
                    "\"dirty-pages-rate\":0,\"mbps\":1.5,"
                    "\"dirty-sync-count\":0,\"postcopy-requests\":0,"
                    "\"page-size\":4096,\"multifd-bytes\":0,"
                    "\"pages-per-second\":0,\"precopy-bytes\":0,"
                    "\"downtime-bytes\":0,\"postcopy-bytes\":0,"
                    "\"dirty-sync-missed-zero-copy\":0},"
                    "\"blocked-reasons\":[],"
                    "\"zero-copy-channels\":[{\"id\":0,\"queued\":10,"
                    "\"completed\":9,\"copied\":1,\"bytes\":40960,"
                    "\"disabled\":false}]}");
}

static void test_union(void)
{
    g_autoptr(JsonNode) ok = parse("{\"name\":\"int\",\"meta-type\":"
                                   "\"builtin\",\"json-type\":\"int\"}");
    g_autoptr(JsonNode) extra = parse("{\"name\":\"int\",\"meta-type\":"
                                      "\"builtin\",\"json-type\":\"int\","
                                      "\"values\":[]}");
    g_autoptr(JsonNode) missing = parse("{\"name\":\"x\",\"meta-type\":"
                                        "\"array\"}");
    g_autoptr(SchemaInfo) si = NULL;
    g_autoptr(JsonNode) back = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *s = NULL;

    g_assert_true(qapi_from_json_SchemaInfo(ok, NULL, &si, &err));
    g_assert_no_error(err);
    g_assert_cmpint(si->meta_type, ==, SCHEMA_META_TYPE_BUILTIN);
    g_assert_cmpint(si->u.builtin.json_type, ==, QAPI_JSON_TYPE_INT);
    back = qapi_to_json_SchemaInfo(si);
    s = to_str(back);
    g_assert_cmpstr(s, ==, "{\"name\":\"int\",\"meta-type\":\"builtin\","
                    "\"json-type\":\"int\"}");
    g_clear_pointer(&si, qapi_free_SchemaInfo);

    g_assert_false(qapi_from_json_SchemaInfo(extra, NULL, &si, &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'values' is unexpected");
    g_clear_error(&err);
    g_assert_false(qapi_from_json_SchemaInfo(missing, NULL, &si, &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'element-type' is missing");
}

static void test_free_null(void)
{
    qapi_free_MigrationInfo(NULL);
    qapi_free_MigrationCapabilityStatusList(NULL);
    qapi_free_strList(NULL);
    qapi_free_StrOrNull(NULL);
    qapi_free_SchemaInfo(NULL);
}

typedef struct FakeEmitter {
    QAPIEventEmitter em;
    GPtrArray *log;     /* "NAME DATA" strings */
} FakeEmitter;

static void fake_emit(QAPIEventEmitter *em, const char *name,
                      JsonObject *data)
{
    FakeEmitter *f = (FakeEmitter *)em;
    g_autofree char *text = NULL;

    if (data) {
        g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);

        json_node_take_object(n, data);
        text = json_to_string(n, FALSE);
    }
    g_ptr_array_add(f->log, g_strdup_printf("%s %s", name,
                                            text ? text : "-"));
}

static void test_events(void)
{
    FakeEmitter f = { { fake_emit }, g_ptr_array_new_with_free_func(g_free) };

    qapi_event_send_migration(&f.em, MIGRATION_STATUS_COMPLETED);
    qapi_event_send_migration_pass(&f.em, 3);
    qapi_event_send_stop(&f.em);
    qapi_event_send_resume(&f.em);
    qapi_event_send_shutdown(&f.em, false, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    /* No emitter: nothing happens. */
    qapi_event_send_migration(NULL, MIGRATION_STATUS_FAILED);
    qapi_event_send_stop(NULL);

    g_assert_cmpuint(f.log->len, ==, 5);
    g_assert_cmpstr(f.log->pdata[0], ==,
                    "MIGRATION {\"status\":\"completed\"}");
    g_assert_cmpstr(f.log->pdata[1], ==, "MIGRATION_PASS {\"pass\":3}");
    g_assert_cmpstr(f.log->pdata[2], ==, "STOP -");
    g_assert_cmpstr(f.log->pdata[3], ==, "RESUME -");
    g_assert_cmpstr(f.log->pdata[4], ==,
                    "SHUTDOWN {\"guest\":false,\"reason\":\"host-qmp-quit\"}");
    g_ptr_array_unref(f.log);
}

static void test_error_classes(void)
{
    g_autoptr(GError) io = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "x");
    g_autoptr(GError) cnf = g_error_new(QAPI_ERROR,
                                        QAPI_ERROR_CLASS_COMMAND_NOT_FOUND,
                                        "x");
    g_autoptr(GError) bad = g_error_new(QAPI_ERROR, 99, "x");
    g_autoptr(GError) gen = NULL;

    g_assert_cmpstr(qapi_error_class_str(io), ==, "GenericError");
    g_assert_cmpstr(qapi_error_class_str(cnf), ==, "CommandNotFound");
    g_assert_cmpstr(qapi_error_class_str(bad), ==, "GenericError");
    qapi_error_setg(&gen, "a %d", 1);
    g_assert_error(gen, QAPI_ERROR, QAPI_ERROR_CLASS_GENERIC_ERROR);
    g_assert_cmpstr(gen->message, ==, "a 1");
    g_assert_cmpuint(QAPI_ERROR, ==,
                     g_quark_from_static_string("qapi-error-quark"));
    qapi_error_setg(NULL, "ignored");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi/json/enums", test_enums);
    g_test_add_func("/qapi/json/params-roundtrip", test_params_roundtrip);
    g_test_add_func("/qapi/json/str-or-null", test_set_params_str_or_null);
    g_test_add_func("/qapi/json/input-errors", test_input_errors);
    g_test_add_func("/qapi/json/missing-and-scalars",
                    test_missing_and_scalars);
    g_test_add_func("/qapi/json/info-output", test_info_output);
    g_test_add_func("/qapi/json/union", test_union);
    g_test_add_func("/qapi/json/free-null", test_free_null);
    g_test_add_func("/qapi/json/events", test_events);
    g_test_add_func("/qapi/json/error-classes", test_error_classes);
    return g_test_run();
}

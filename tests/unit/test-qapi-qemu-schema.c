/*
 * Our QMP schema against a real QEMU 7.2: every command and event that
 * both have must take and return the same shapes (member names, JSON
 * types, optionality, enum values), so that clients like libvirt see the
 * same protocol.  Allowed differences: zcmig's documented extensions,
 * and QEMU members that zcmig leaves out when they are optional.
 *
 * Needs qemu-system-x86_64 (or $QEMU_BINARY); skipped without it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <string.h>

#include "qapi/qapi-introspect.h"

/* zcmig additions, documented in the schema. */
static const char *const extension_members[] = {
    "multifd-zerocopy", "zero-copy-channels", "x-stall-timeout",
    "recv-to-file", NULL,
};

typedef struct Cmp {
    GHashTable *z;      /* name -> JsonObject, ours */
    GHashTable *q;      /* name -> JsonObject, QEMU's */
    GHashTable *seen;   /* "zname|qname" pairs already compared */
    GPtrArray *errors;
} Cmp;

static GHashTable *index_schema(JsonArray *a)
{
    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < json_array_get_length(a); i++) {
        JsonObject *e = json_array_get_object_element(a, i);

        g_hash_table_insert(h, (char *)json_object_get_string_member(e,
                                                                     "name"),
                            e);
    }
    return h;
}

static const char *str(JsonObject *o, const char *m)
{
    return json_object_has_member(o, m) ?
        json_object_get_string_member(o, m) : NULL;
}

static JsonObject *find_member(JsonObject *obj, const char *key,
                               const char *field, const char *val)
{
    JsonArray *a;
    guint i;

    if (!json_object_has_member(obj, key)) {
        return NULL;
    }
    a = json_object_get_array_member(obj, key);
    for (i = 0; i < json_array_get_length(a); i++) {
        JsonObject *m = json_array_get_object_element(a, i);

        if (!g_strcmp0(str(m, field), val)) {
            return m;
        }
    }
    return NULL;
}

static bool is_extension(const char *name)
{
    return g_strv_contains(extension_members, name);
}

static void compare(Cmp *c, const char *zn, const char *qn, const char *where);

static void compare_object(Cmp *c, JsonObject *z, JsonObject *q,
                           const char *where)
{
    JsonArray *zm = json_object_get_array_member(z, "members");
    JsonArray *qm = json_object_get_array_member(q, "members");
    guint i;

    for (i = 0; i < json_array_get_length(zm); i++) {
        JsonObject *m = json_array_get_object_element(zm, i);
        const char *name = str(m, "name");
        JsonObject *other = find_member(q, "members", "name", name);
        g_autofree char *sub = g_strdup_printf("%s.%s", where, name);

        if (!other) {
            if (!is_extension(name)) {
                g_ptr_array_add(c->errors,
                                g_strdup_printf("%s: not in QEMU", sub));
            }
            continue;
        }
        if (json_object_has_member(m, "default") !=
            json_object_has_member(other, "default")) {
            g_ptr_array_add(c->errors,
                            g_strdup_printf("%s: optionality differs", sub));
        }
        compare(c, str(m, "type"), str(other, "type"), sub);
    }
    for (i = 0; i < json_array_get_length(qm); i++) {
        JsonObject *m = json_array_get_object_element(qm, i);

        if (!find_member(z, "members", "name", str(m, "name")) &&
            !json_object_has_member(m, "default")) {
            g_ptr_array_add(c->errors,
                            g_strdup_printf("%s.%s: mandatory in QEMU but "
                                            "missing", where,
                                            str(m, "name")));
        }
    }
    if (g_strcmp0(str(z, "tag"), str(q, "tag"))) {
        g_ptr_array_add(c->errors, g_strdup_printf("%s: tag differs", where));
    }
    if (json_object_has_member(z, "variants")) {
        JsonArray *zv = json_object_get_array_member(z, "variants");

        for (i = 0; i < json_array_get_length(zv); i++) {
            JsonObject *v = json_array_get_object_element(zv, i);
            JsonObject *other = find_member(q, "variants", "case",
                                            str(v, "case"));
            g_autofree char *sub = g_strdup_printf("%s(%s)", where,
                                                   str(v, "case"));

            if (!other) {
                g_ptr_array_add(c->errors,
                                g_strdup_printf("%s: no such variant", sub));
                continue;
            }
            compare(c, str(v, "type"), str(other, "type"), sub);
        }
    }
}

static void compare(Cmp *c, const char *zn, const char *qn, const char *where)
{
    JsonObject *z = g_hash_table_lookup(c->z, zn);
    JsonObject *q = g_hash_table_lookup(c->q, qn);
    char *key = g_strdup_printf("%s|%s", zn, qn);
    const char *meta;

    if (!g_hash_table_add(c->seen, key)) {
        return;     /* done already (or in progress: recursive type) */
    }
    g_assert_nonnull(z);
    g_assert_nonnull(q);
    meta = str(z, "meta-type");
    if (g_strcmp0(meta, str(q, "meta-type"))) {
        g_ptr_array_add(c->errors, g_strdup_printf("%s: %s vs %s", where,
                                                   meta,
                                                   str(q, "meta-type")));
        return;
    }
    if (!strcmp(meta, "builtin")) {
        if (g_strcmp0(str(z, "json-type"), str(q, "json-type"))) {
            g_ptr_array_add(c->errors,
                            g_strdup_printf("%s: json-type differs", where));
        }
    } else if (!strcmp(meta, "enum")) {
        g_autoptr(JsonNode) zv = json_node_init_array(
            json_node_alloc(), json_object_get_array_member(z, "values"));
        g_autoptr(JsonNode) qv = json_node_init_array(
            json_node_alloc(), json_object_get_array_member(q, "values"));

        if (!json_node_equal(zv, qv)) {
            g_ptr_array_add(c->errors,
                            g_strdup_printf("%s: enum values differ", where));
        }
    } else if (!strcmp(meta, "array")) {
        compare(c, str(z, "element-type"), str(q, "element-type"), where);
    } else if (!strcmp(meta, "alternate")) {
        JsonArray *za = json_object_get_array_member(z, "members");
        JsonArray *qa = json_object_get_array_member(q, "members");
        guint i;

        if (json_array_get_length(za) != json_array_get_length(qa)) {
            g_ptr_array_add(c->errors,
                            g_strdup_printf("%s: alternatives differ", where));
            return;
        }
        for (i = 0; i < json_array_get_length(za); i++) {
            compare(c, str(json_array_get_object_element(za, i), "type"),
                    str(json_array_get_object_element(qa, i), "type"),
                    where);
        }
    } else if (!strcmp(meta, "object")) {
        compare_object(c, z, q, where);
    }
}

/* Ask QEMU for its schema; NULL (test skipped) when there is no QEMU. */
static JsonNode *qemu_schema(void)
{
    const char *env = g_getenv("QEMU_BINARY");
    g_autofree char *bin = g_find_program_in_path(env ? env :
                                                  "qemu-system-x86_64");
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GDataInputStream) dout = NULL;
    static const char ask[] = "{\"execute\":\"qmp_capabilities\"}\n"
                              "{\"execute\":\"query-qmp-schema\"}\n";
    static const char quit[] = "{\"execute\":\"quit\"}\n";
    GOutputStream *in;
    char *line;

    if (!bin) {
        return NULL;
    }
    proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err,
                            bin, "-M", "none", "-nodefaults",
                            "-display", "none", "-qmp", "stdio", NULL);
    g_assert_no_error(err);
    in = g_subprocess_get_stdin_pipe(proc);
    dout = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
    /*
     * Ask for the schema and read replies until it has arrived whole; only
     * then say quit.  Sending quit at once let QEMU exit with the tail of
     * its ~100 KiB reply still in its output buffer when the reader was
     * slow (a loaded machine): a truncated line.
     */
    g_assert_true(g_output_stream_write_all(in, ask, strlen(ask), NULL, NULL,
                                            &err));
    g_assert_no_error(err);
    /* If QEMU dies, its standard output ends and so does this loop. */
    while ((line = g_data_input_stream_read_line(dout, NULL, NULL, &err))) {
        if (g_str_has_prefix(line, "{\"return\": [")) {
            g_autoptr(JsonParser) p = json_parser_new();
            JsonNode *schema;

            g_assert_true(json_parser_load_from_data(p, line, -1, &err));
            schema = json_node_copy(json_object_get_member(
                json_node_get_object(json_parser_get_root(p)), "return"));
            g_free(line);
            g_output_stream_write_all(in, quit, strlen(quit), NULL, NULL,
                                      NULL);
            g_output_stream_close(in, NULL, NULL);
            g_subprocess_wait(proc, NULL, NULL);
            return schema;
        }
        g_free(line);
    }
    g_assert_no_error(err);
    g_assert_not_reached();
}

static void test_matches_qemu(void)
{
    g_autoptr(JsonNode) qnode = qemu_schema();
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonArray *za;
    Cmp c;
    guint i, commands = 0;

    if (!qnode) {
        g_test_skip("qemu-system-x86_64 not found");
        return;
    }
    g_assert_true(json_parser_load_from_data(p, qmp_schema_json, -1, &err));
    za = json_node_get_array(json_parser_get_root(p));
    c.z = index_schema(za);
    c.q = index_schema(json_node_get_array(qnode));
    c.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c.errors = g_ptr_array_new_with_free_func(g_free);

    for (i = 0; i < json_array_get_length(za); i++) {
        JsonObject *e = json_array_get_object_element(za, i);
        const char *name = str(e, "name");
        const char *meta = str(e, "meta-type");
        JsonObject *q;

        if (strcmp(meta, "command") && strcmp(meta, "event")) {
            continue;
        }
        if (g_str_has_prefix(name, "x-zcmig-")) {
            continue;
        }
        q = g_hash_table_lookup(c.q, name);
        if (!q || strcmp(str(q, "meta-type"), meta)) {
            g_ptr_array_add(c.errors, g_strdup_printf("%s: not in QEMU",
                                                      name));
            continue;
        }
        commands++;
        compare(&c, str(e, "arg-type"), str(q, "arg-type"), name);
        if (!strcmp(meta, "command")) {
            g_autofree char *where = g_strdup_printf("%s->", name);

            compare(&c, str(e, "ret-type"), str(q, "ret-type"), where);
        }
    }
    for (i = 0; i < c.errors->len; i++) {
        g_test_message("%s", (char *)c.errors->pdata[i]);
    }
    g_assert_cmpuint(c.errors->len, ==, 0);
    g_assert_cmpuint(commands, >=, 30);

    g_hash_table_unref(c.z);
    g_hash_table_unref(c.q);
    g_hash_table_unref(c.seen);
    g_ptr_array_unref(c.errors);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi/schema/matches-qemu-7.2", test_matches_qemu);
    return g_test_run();
}

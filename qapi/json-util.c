/*
 * QAPI runtime: JSON input checks and output helpers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qapi/json-util.h"
#include "qapi/error.h"
#include "qapi/qapi-types.h"

static void path_build(GString *s, const QapiJsonPath *path)
{
    if (!path) {
        return;
    }
    path_build(s, path->parent);
    if (path->index >= 0) {
        g_string_append_printf(s, "[%d]", path->index);
    } else if (path->name) {
        if (s->len) {
            g_string_append_c(s, '.');
        }
        g_string_append(s, path->name);
    }
}

char *qapi_json_path_str(const QapiJsonPath *path)
{
    GString *s = g_string_new(NULL);

    path_build(s, path);
    if (!s->len) {
        g_string_append(s, "<anonymous>");
    }
    return g_string_free(s, FALSE);
}

const char *qapi_json_path_bare(const QapiJsonPath *path)
{
    return path && path->name ? path->name : "null";
}

int qapi_json_qtype(JsonNode *node)
{
    GType vt;

    if (!node) {
        return QTYPE_NONE;
    }
    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT:
        return QTYPE_QDICT;
    case JSON_NODE_ARRAY:
        return QTYPE_QLIST;
    case JSON_NODE_NULL:
        return QTYPE_QNULL;
    case JSON_NODE_VALUE:
        vt = json_node_get_value_type(node);
        if (vt == G_TYPE_STRING) {
            return QTYPE_QSTRING;
        }
        if (vt == G_TYPE_BOOLEAN) {
            return QTYPE_QBOOL;
        }
        return QTYPE_QNUM;
    }
    return QTYPE_NONE;
}

static bool missing(JsonNode *node, const QapiJsonPath *path, GError **errp)
{
    g_autofree char *full = NULL;

    if (node) {
        return false;
    }
    full = qapi_json_path_str(path);
    qapi_error_setg(errp, "Parameter '%s' is missing", full);
    return true;
}

static void bad_type(const QapiJsonPath *path, const char *expected,
                     GError **errp)
{
    g_autofree char *full = qapi_json_path_str(path);

    qapi_error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                    full, expected);
}

static bool is_int(JsonNode *node)
{
    return JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_INT64;
}

bool qapi_json_in_int(JsonNode *node, const QapiJsonPath *path,
                      int64_t min, int64_t max, const char *type_name,
                      int64_t *out, GError **errp)
{
    int64_t val;

    if (missing(node, path, errp)) {
        return false;
    }
    if (!is_int(node)) {
        bad_type(path, "integer", errp);
        return false;
    }
    val = json_node_get_int(node);
    if (val < min || val > max) {
        qapi_error_setg(errp, "Parameter '%s' expects %s",
                        qapi_json_path_bare(path), type_name);
        return false;
    }
    *out = val;
    return true;
}

bool qapi_json_in_uint(JsonNode *node, const QapiJsonPath *path,
                       uint64_t max, const char *type_name,
                       uint64_t *out, GError **errp)
{
    uint64_t val;

    if (missing(node, path, errp)) {
        return false;
    }
    if (!is_int(node)) {
        g_autofree char *full = qapi_json_path_str(path);

        qapi_error_setg(errp, "Parameter '%s' expects uint64", full);
        return false;
    }
    /* Negative numbers wrap, as in QEMU. */
    val = (uint64_t)json_node_get_int(node);
    if (val > max) {
        qapi_error_setg(errp, "Parameter '%s' expects %s",
                        qapi_json_path_bare(path), type_name);
        return false;
    }
    *out = val;
    return true;
}

bool qapi_json_in_bool(JsonNode *node, const QapiJsonPath *path,
                       bool *out, GError **errp)
{
    if (missing(node, path, errp)) {
        return false;
    }
    if (qapi_json_qtype(node) != QTYPE_QBOOL) {
        bad_type(path, "boolean", errp);
        return false;
    }
    *out = json_node_get_boolean(node);
    return true;
}

bool qapi_json_in_str(JsonNode *node, const QapiJsonPath *path,
                      char **out, GError **errp)
{
    *out = NULL;
    if (missing(node, path, errp)) {
        return false;
    }
    if (qapi_json_qtype(node) != QTYPE_QSTRING) {
        bad_type(path, "string", errp);
        return false;
    }
    *out = g_strdup(json_node_get_string(node));
    return true;
}

bool qapi_json_in_number(JsonNode *node, const QapiJsonPath *path,
                         double *out, GError **errp)
{
    if (missing(node, path, errp)) {
        return false;
    }
    if (qapi_json_qtype(node) != QTYPE_QNUM) {
        bad_type(path, "number", errp);
        return false;
    }
    *out = json_node_get_double(node);
    return true;
}

bool qapi_json_in_any(JsonNode *node, const QapiJsonPath *path,
                      JsonNode **out, GError **errp)
{
    *out = NULL;
    if (missing(node, path, errp)) {
        return false;
    }
    *out = json_node_copy(node);
    return true;
}

bool qapi_json_in_null(JsonNode *node, const QapiJsonPath *path,
                       GError **errp)
{
    if (missing(node, path, errp)) {
        return false;
    }
    if (!JSON_NODE_HOLDS_NULL(node)) {
        bad_type(path, "null", errp);
        return false;
    }
    return true;
}

bool qapi_json_in_enum(JsonNode *node, const QapiJsonPath *path,
                       const QEnumLookup *lookup, int *out, GError **errp)
{
    g_autofree char *str = NULL;
    int val;

    if (!qapi_json_in_str(node, path, &str, errp)) {
        return false;
    }
    val = qapi_enum_parse(lookup, str, -1, NULL);
    if (val < 0) {
        qapi_error_setg(errp, "Parameter '%s' does not accept value '%s'",
                        qapi_json_path_bare(path), str);
        return false;
    }
    *out = val;
    return true;
}

JsonObject *qapi_json_in_object(JsonNode *node, const QapiJsonPath *path,
                                GError **errp)
{
    if (missing(node, path, errp)) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        bad_type(path, "object", errp);
        return NULL;
    }
    return json_node_get_object(node);
}

JsonArray *qapi_json_in_array(JsonNode *node, const QapiJsonPath *path,
                              GError **errp)
{
    if (missing(node, path, errp)) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        bad_type(path, "array", errp);
        return NULL;
    }
    return json_node_get_array(node);
}

static bool name_in(const char *name, const char *const *list)
{
    for (; list && *list; list++) {
        if (!strcmp(name, *list)) {
            return true;
        }
    }
    return false;
}

bool qapi_json_check_unexpected(JsonObject *obj, const QapiJsonPath *path,
                                const char *const *known,
                                const char *const *known2, GError **errp)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *val;

    json_object_iter_init_ordered(&iter, obj);
    while (json_object_iter_next_ordered(&iter, &name, &val)) {
        if (!name_in(name, known) && !name_in(name, known2)) {
            QapiJsonPath p = { path, name, -1 };
            g_autofree char *full = qapi_json_path_str(&p);

            qapi_error_setg(errp, "Parameter '%s' is unexpected", full);
            return false;
        }
    }
    return true;
}

JsonNode *qapi_json_out_int(int64_t val)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);

    json_node_set_int(n, val);
    return n;
}

JsonNode *qapi_json_out_uint(uint64_t val)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);

    if (val > INT64_MAX) {
        json_node_set_double(n, (double)val);
    } else {
        json_node_set_int(n, (int64_t)val);
    }
    return n;
}

JsonNode *qapi_json_out_bool(bool val)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);

    json_node_set_boolean(n, val);
    return n;
}

JsonNode *qapi_json_out_str(const char *val)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);

    json_node_set_string(n, val ? val : "");
    return n;
}

JsonNode *qapi_json_out_number(double val)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);

    json_node_set_double(n, val);
    return n;
}

JsonNode *qapi_json_out_any(const JsonNode *val)
{
    if (!val) {
        return json_node_new(JSON_NODE_NULL);
    }
    return json_node_copy((JsonNode *)val);
}

JsonNode *qapi_json_out_null(void)
{
    return json_node_new(JSON_NODE_NULL);
}

JsonNode *qapi_json_out_object(JsonObject *obj)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(n, obj);
    return n;
}

/*
 * QAPI runtime: JSON (json-glib) input checks and output helpers used by
 * the generated qapi-json.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Input is untrusted.  Every check fails with a GenericError whose text
 * is the one QEMU 7.2's QObject input visitor uses, e.g.
 *   Parameter 'uri' is missing
 *   Invalid parameter type for 'state', expected: boolean
 *   Parameter 'compress-level' expects uint8_t
 *   Parameter 'capability' does not accept value 'foo'
 *   Parameter 'bogus' is unexpected
 *
 * Integers: json-glib stores every JSON integer as gint64.  uint64 and
 * size members take its bits as uint64_t (so 18446744073709551615 works,
 * and, as in QEMU, negative numbers are accepted and wrap).  A JSON
 * integer beyond the 64-bit range is not detected by json-glib (it
 * saturates); the monitor's parser is the place to refuse such input.
 * On output, uint64 values above INT64_MAX are written as JSON doubles
 * because json-glib has no unsigned integer node.
 */
#ifndef QAPI_JSON_UTIL_H
#define QAPI_JSON_UTIL_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/util.h"

/**
 * QapiJsonPath:
 * @parent: the enclosing container, or NULL at the root
 * @name: member name; NULL for a list element or an anonymous root
 * @index: list element index, or -1
 *
 * Where in the input a value sits, for error messages.  Lives on the
 * stack of the converting functions; never allocated.
 */
typedef struct QapiJsonPath {
    const struct QapiJsonPath *parent;
    const char *name;
    int index;
} QapiJsonPath;

/* Full name as QEMU prints it: "capabilities[0].state"; "<anonymous>"
 * when empty.  Free with g_free(). */
char *qapi_json_path_str(const QapiJsonPath *path);

/* The innermost name alone, "null" for list elements (used by range and
 * enum errors, as QEMU does). */
const char *qapi_json_path_bare(const QapiJsonPath *path);

/* The JSON kind of @node as a QType value (QTYPE_NONE for NULL). */
int qapi_json_qtype(JsonNode *node);

/*
 * Input checks.  @node is the member's value, or NULL when the member is
 * absent (which fails with "Parameter '...' is missing").  All return
 * false with @errp set on failure.
 */
bool qapi_json_in_int(JsonNode *node, const QapiJsonPath *path,
                      int64_t min, int64_t max, const char *type_name,
                      int64_t *out, GError **errp);
bool qapi_json_in_uint(JsonNode *node, const QapiJsonPath *path,
                       uint64_t max, const char *type_name,
                       uint64_t *out, GError **errp);
bool qapi_json_in_bool(JsonNode *node, const QapiJsonPath *path,
                       bool *out, GError **errp);
/* *out is a new string. */
bool qapi_json_in_str(JsonNode *node, const QapiJsonPath *path,
                      char **out, GError **errp);
bool qapi_json_in_number(JsonNode *node, const QapiJsonPath *path,
                         double *out, GError **errp);
/* *out is a new reference (a copy of @node). */
bool qapi_json_in_any(JsonNode *node, const QapiJsonPath *path,
                      JsonNode **out, GError **errp);
bool qapi_json_in_null(JsonNode *node, const QapiJsonPath *path,
                       GError **errp);
bool qapi_json_in_enum(JsonNode *node, const QapiJsonPath *path,
                       const QEnumLookup *lookup, int *out, GError **errp);
/* Borrowed object/array of @node, or NULL with @errp set. */
JsonObject *qapi_json_in_object(JsonNode *node, const QapiJsonPath *path,
                                GError **errp);
JsonArray *qapi_json_in_array(JsonNode *node, const QapiJsonPath *path,
                              GError **errp);
/* Fail with "Parameter 'X' is unexpected" for the first member of @obj
 * that is in neither NULL-terminated list (@known2 may be NULL). */
bool qapi_json_check_unexpected(JsonObject *obj, const QapiJsonPath *path,
                                const char *const *known,
                                const char *const *known2, GError **errp);

/* Output: new floating-free nodes (transfer full). */
JsonNode *qapi_json_out_int(int64_t val);
JsonNode *qapi_json_out_uint(uint64_t val);
JsonNode *qapi_json_out_bool(bool val);
/* NULL is written as "" (QEMU does the same). */
JsonNode *qapi_json_out_str(const char *val);
JsonNode *qapi_json_out_number(double val);
/* A copy of @val, or JSON null for NULL. */
JsonNode *qapi_json_out_any(const JsonNode *val);
JsonNode *qapi_json_out_null(void);
/* Wrap @obj (transfer full) in a node. */
JsonNode *qapi_json_out_object(JsonObject *obj);

#endif /* QAPI_JSON_UTIL_H */

/*
 * QAPI runtime helpers: enum lookup tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QAPI_UTIL_H
#define QAPI_UTIL_H

#include <glib.h>
#include <stdbool.h>

/**
 * QEnumLookup:
 * @array: the enum's values as strings, indexed by the C value
 * @size: number of values (the enum's __MAX)
 *
 * Generated for every enum Foo as Foo_lookup in qapi-types.c.
 */
typedef struct QEnumLookup {
    const char *const *array;
    const int size;
} QEnumLookup;

/**
 * qapi_enum_lookup:
 * @lookup: an enum's table, e.g. &MigrationStatus_lookup
 * @val: a C value of that enum
 *
 * Returns: the value's string (static), or "(invalid)" when @val is out
 * of range, so that a corrupt value never crashes a printer.
 * Foo_str(val) is a shortcut for this.
 */
const char *qapi_enum_lookup(const QEnumLookup *lookup, int val);

/**
 * qapi_enum_parse:
 * @lookup: an enum's table
 * @buf: the string to look up (may be NULL)
 * @def: value to return when @buf is NULL
 * @errp: set when @buf is not a value of the enum
 *
 * Returns: the C value of @buf; @def when @buf is NULL; -1 with @errp
 * set ("Parameter 'null' does not accept value 'X'" is the caller's
 * business; the text here is "invalid parameter value: X") when @buf is
 * unknown.
 */
int qapi_enum_parse(const QEnumLookup *lookup, const char *buf, int def,
                    GError **errp);

#endif /* QAPI_UTIL_H */

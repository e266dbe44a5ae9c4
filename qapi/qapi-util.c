/*
 * QAPI runtime helpers: enum lookup.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qapi/util.h"
#include "qapi/error.h"

const char *qapi_enum_lookup(const QEnumLookup *lookup, int val)
{
    if (val < 0 || val >= lookup->size || !lookup->array[val]) {
        return "(invalid)";
    }
    return lookup->array[val];
}

int qapi_enum_parse(const QEnumLookup *lookup, const char *buf, int def,
                    GError **errp)
{
    int i;

    if (!buf) {
        return def;
    }
    for (i = 0; i < lookup->size; i++) {
        if (!g_strcmp0(buf, lookup->array[i])) {
            return i;
        }
    }
    qapi_error_setg(errp, "invalid parameter value: %s", buf);
    return -1;
}

/*
 * QAPI error classes on top of GError.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>

#include "qapi/error.h"

/* The quark string is part of the contract: generated weak fallbacks
 * use it without linking this file. */
G_DEFINE_QUARK(qapi-error-quark, qapi_error)

static const char *const qapi_error_class_names[QAPI_ERROR_CLASS__MAX] = {
    [QAPI_ERROR_CLASS_GENERIC_ERROR] = "GenericError",
    [QAPI_ERROR_CLASS_COMMAND_NOT_FOUND] = "CommandNotFound",
    [QAPI_ERROR_CLASS_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [QAPI_ERROR_CLASS_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [QAPI_ERROR_CLASS_KVM_MISSING_CAP] = "KVMMissingCap",
};

const char *qapi_error_class_str(const GError *err)
{
    if (err->domain == QAPI_ERROR && err->code >= 0 &&
        err->code < QAPI_ERROR_CLASS__MAX) {
        return qapi_error_class_names[err->code];
    }
    return "GenericError";
}

void qapi_error_setg(GError **errp, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (!errp) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(errp, QAPI_ERROR, QAPI_ERROR_CLASS_GENERIC_ERROR,
                        msg);
    g_free(msg);
}

/*
 * QAPI error classes on top of GError.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every QMP error reply carries a "class".  zcmig represents it as the
 * code of a GError in the QAPI_ERROR domain.  A GError from any other
 * domain (GIO, our own subsystems) is reported as "GenericError", so
 * subsystem code can simply propagate its GErrors; only code that must
 * produce another class (e.g. "CommandNotFound") uses QAPI_ERROR.
 */
#ifndef QAPI_ERROR_H
#define QAPI_ERROR_H

#include <glib.h>

/**
 * QapiErrorClass:
 * @QAPI_ERROR_CLASS_GENERIC_ERROR: "GenericError", almost every error
 * @QAPI_ERROR_CLASS_COMMAND_NOT_FOUND: "CommandNotFound"
 * @QAPI_ERROR_CLASS_DEVICE_NOT_ACTIVE: "DeviceNotActive"
 * @QAPI_ERROR_CLASS_DEVICE_NOT_FOUND: "DeviceNotFound"
 * @QAPI_ERROR_CLASS_KVM_MISSING_CAP: "KVMMissingCap"
 */
typedef enum QapiErrorClass {
    QAPI_ERROR_CLASS_GENERIC_ERROR,
    QAPI_ERROR_CLASS_COMMAND_NOT_FOUND,
    QAPI_ERROR_CLASS_DEVICE_NOT_ACTIVE,
    QAPI_ERROR_CLASS_DEVICE_NOT_FOUND,
    QAPI_ERROR_CLASS_KVM_MISSING_CAP,
    QAPI_ERROR_CLASS__MAX,
} QapiErrorClass;

/* The GError domain of QapiErrorClass codes; its quark string is
 * "qapi-error-quark". */
#define QAPI_ERROR (qapi_error_quark())
GQuark qapi_error_quark(void);

/**
 * qapi_error_class_str:
 * @err: an error (not NULL)
 *
 * Returns: the QMP class name of @err: the name of its code when it is
 * in QAPI_ERROR (and in range), "GenericError" otherwise.
 */
const char *qapi_error_class_str(const GError *err);

/**
 * qapi_error_setg:
 * @errp: where to store the error (may be NULL)
 * @fmt: printf-style message
 *
 * Shortcut for g_set_error(errp, QAPI_ERROR,
 * QAPI_ERROR_CLASS_GENERIC_ERROR, fmt, ...).
 */
void qapi_error_setg(GError **errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#endif /* QAPI_ERROR_H */

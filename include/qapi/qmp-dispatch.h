/*
 * QMP command dispatch: from a parsed request to a response object.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The monitor reads a line, parses it with json-glib (reporting JSON
 * syntax errors and size limits itself) and hands the root node to
 * qmp_dispatch().  Everything from there on — validating the QMP
 * envelope, the negotiation rule, finding the command, converting the
 * arguments, calling the handler and building the reply — happens here,
 * with QEMU 7.2's error texts and classes:
 *
 *   GenericError    "QMP input must be a JSON object"
 *   GenericError    "QMP input member 'execute' must be a string"
 *   GenericError    "QMP input member 'arguments' must be an object"
 *   GenericError    "QMP input member 'X' is unexpected"
 *                   (also for 'exec-oob' unless OOB was enabled)
 *   GenericError    "QMP input member 'exec-oob' clashes with 'execute'"
 *   GenericError    "The command X does not support OOB" (every zcmig
 *                   command, when OOB is enabled and 'exec-oob' is used)
 *   GenericError    "QMP input lacks member 'execute'"
 *   CommandNotFound "The command X has not been found"
 *   CommandNotFound "Expecting capabilities negotiation with
 *                   'qmp_capabilities'" (any command but qmp_capabilities
 *                   before negotiation; replaces "has not been found")
 *   CommandNotFound "Capabilities negotiation is already complete, command
 *                   ignored" (qmp_capabilities after negotiation)
 *   GenericError    argument errors, see qapi/json-util.h
 *   handler errors: class from qapi_error_class_str()
 */
#ifndef QAPI_QMP_DISPATCH_H
#define QAPI_QMP_DISPATCH_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

typedef struct MachineState MachineState;

/**
 * QmpMarshalFunc:
 * @ms: the machine
 * @args: the "arguments" object (an empty object when absent)
 * @ret: set to the result (transfer full); NULL means {}
 * @errp: set on failure
 */
typedef void (*QmpMarshalFunc)(MachineState *ms, JsonNode *args,
                               JsonNode **ret, GError **errp);

typedef enum QmpCommandFlags {
    QMP_CMD_ALLOW_OOB = 1 << 0,        /* 'allow-oob' (informational) */
    QMP_CMD_ALLOW_PRECONFIG = 1 << 1,  /* 'allow-preconfig' (informational) */
} QmpCommandFlags;

/**
 * QmpCommand:
 * @name: the QMP name, e.g. "query-status"
 * @fn: its marshaller
 * @flags: QmpCommandFlags
 *
 * The generated table qmp_commands[] (qapi/qapi-commands.h) holds one
 * per command and ends with an entry whose @name is NULL.
 */
typedef struct QmpCommand {
    const char *name;
    QmpMarshalFunc fn;
    unsigned flags;
} QmpCommand;

/* The negotiation command, by QMP's definition. */
#define QMP_NEGOTIATION_COMMAND "qmp_capabilities"

/**
 * qmp_find_command:
 * @name: a command name
 *
 * Returns: the table entry of @name, or NULL.
 */
const QmpCommand *qmp_find_command(const char *name);

/**
 * qmp_dispatch:
 * @ms: the machine, passed to the handler
 * @request: the parsed request (untrusted, any JSON; borrowed)
 * @negotiated: in: whether this session left negotiation mode; out: set
 *     to true when this request was a successful qmp_capabilities.
 *     Monitors keep one such flag per session.
 *
 * Runs one QMP request on the calling thread (the main loop, for
 * zcmig's monitor).  Never fails: errors become error responses.
 *
 * Returns: (transfer full) the response object,
 *   {"return": RESULT, "id": ID} or
 *   {"id": ID, "error": {"class": CLASS, "desc": TEXT}} (QEMU's order);
 *   "id" is a copy of the request's "id" member, present only when the
 *   request had one (and was an object).
 */
JsonNode *qmp_dispatch(MachineState *ms, JsonNode *request,
                       bool *negotiated);

/**
 * qmp_dispatch_oob:
 * @allow_oob: true once the session enabled the "oob" capability in
 *     qmp_capabilities; "exec-oob" is then accepted in the envelope.
 *
 * Like qmp_dispatch() (which is this with @allow_oob false).  No zcmig
 * command is allowed out of band, so an "exec-oob" request fails with
 * "The command X does not support OOB"; this exists so that a monitor
 * offering "oob" in its greeting, like QEMU 7.2 does, answers as QEMU
 * does.
 */
JsonNode *qmp_dispatch_oob(MachineState *ms, JsonNode *request,
                           bool *negotiated, bool allow_oob);

/**
 * qmp_dispatch_cmds:
 * @cmds: a command table ended by { NULL }, used instead of qmp_commands
 *
 * Like qmp_dispatch_oob() with another command table; for tests.
 */
JsonNode *qmp_dispatch_cmds(const QmpCommand *cmds, MachineState *ms,
                            JsonNode *request, bool *negotiated,
                            bool allow_oob);

/**
 * qmp_error_response:
 * @err: the error (borrowed)
 * @id: (nullable) request id to echo (borrowed; copied)
 *
 * Returns: (transfer full) {"error": {"class": ..., "desc": ...}} with
 * "id" when @id is given; for the monitor's own errors (JSON syntax).
 */
JsonNode *qmp_error_response(const GError *err, JsonNode *id);

#endif /* QAPI_QMP_DISPATCH_H */

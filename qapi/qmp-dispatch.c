/*
 * QMP command dispatch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "qapi/qmp-dispatch.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"

static const QmpCommand *find_in(const QmpCommand *cmds, const char *name)
{
    const QmpCommand *cmd;

    for (cmd = cmds; cmd->name; cmd++) {
        if (!strcmp(cmd->name, name)) {
            return cmd;
        }
    }
    return NULL;
}

const QmpCommand *qmp_find_command(const char *name)
{
    return find_in(qmp_commands, name);
}

JsonNode *qmp_error_response(const GError *err, JsonNode *id)
{
    JsonObject *rsp = json_object_new();
    JsonObject *error = json_object_new();
    JsonNode *node;

    /* Member order as QEMU 7.2 prints it: "id" first in errors. */
    if (id) {
        json_object_set_member(rsp, "id", json_node_copy(id));
    }
    json_object_set_string_member(error, "class", qapi_error_class_str(err));
    json_object_set_string_member(error, "desc", err->message);
    json_object_set_object_member(rsp, "error", error);
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, rsp);
    return node;
}

static bool is_string(JsonNode *node)
{
    return JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_STRING;
}

/*
 * Check the envelope in member order, like QEMU: the first offending
 * member decides the message.  Returns the command name (borrowed);
 * *oob tells whether it came as "exec-oob".
 */
static const char *check_envelope(JsonObject *req, bool allow_oob,
                                  bool *oob, GError **errp)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *val;
    const char *exec = NULL;
    const char *exec_key = NULL;

    json_object_iter_init_ordered(&iter, req);
    while (json_object_iter_next_ordered(&iter, &name, &val)) {
        if (!strcmp(name, "execute") ||
            (allow_oob && !strcmp(name, "exec-oob"))) {
            if (!is_string(val)) {
                qapi_error_setg(errp, "QMP input member '%s' must be a string",
                                name);
                return NULL;
            }
            if (exec_key) {
                qapi_error_setg(errp, "QMP input member '%s' clashes with "
                                "'%s'", name, exec_key);
                return NULL;
            }
            exec_key = name;
            exec = json_node_get_string(val);
        } else if (!strcmp(name, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(val)) {
                qapi_error_setg(errp, "QMP input member 'arguments' must be "
                                "an object");
                return NULL;
            }
        } else if (strcmp(name, "id") != 0) {
            qapi_error_setg(errp, "QMP input member '%s' is unexpected", name);
            return NULL;
        }
    }
    if (!exec) {
        qapi_error_setg(errp, "QMP input lacks member 'execute'");
        return NULL;
    }
    *oob = !strcmp(exec_key, "exec-oob");
    return exec;
}

static const QmpCommand *find_allowed(const QmpCommand *cmds,
                                      const char *name, bool negotiated,
                                      GError **errp)
{
    const QmpCommand *cmd = find_in(cmds, name);
    bool is_nego = cmd && !strcmp(name, QMP_NEGOTIATION_COMMAND);

    if (!negotiated && !is_nego) {
        /* QEMU replaces every CommandNotFound text in this mode. */
        g_set_error(errp, QAPI_ERROR, QAPI_ERROR_CLASS_COMMAND_NOT_FOUND,
                    "Expecting capabilities negotiation with "
                    "'qmp_capabilities'");
        return NULL;
    }
    if (!cmd) {
        g_set_error(errp, QAPI_ERROR, QAPI_ERROR_CLASS_COMMAND_NOT_FOUND,
                    "The command %s has not been found", name);
        return NULL;
    }
    if (negotiated && is_nego) {
        g_set_error(errp, QAPI_ERROR, QAPI_ERROR_CLASS_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command "
                    "ignored");
        return NULL;
    }
    return cmd;
}

JsonNode *qmp_dispatch(MachineState *ms, JsonNode *request,
                       bool *negotiated)
{
    return qmp_dispatch_cmds(qmp_commands, ms, request, negotiated, false);
}

JsonNode *qmp_dispatch_oob(MachineState *ms, JsonNode *request,
                           bool *negotiated, bool allow_oob)
{
    return qmp_dispatch_cmds(qmp_commands, ms, request, negotiated,
                             allow_oob);
}

JsonNode *qmp_dispatch_cmds(const QmpCommand *cmds, MachineState *ms,
                            JsonNode *request, bool *negotiated,
                            bool allow_oob)
{
    g_autoptr(GError) err = NULL;
    JsonObject *req;
    JsonNode *id = NULL;
    JsonNode *args;
    JsonNode *ret = NULL;
    const char *name;
    bool oob = false;
    const QmpCommand *cmd;
    JsonObject *rsp;
    JsonNode *node;

    if (!request || !JSON_NODE_HOLDS_OBJECT(request)) {
        qapi_error_setg(&err, "QMP input must be a JSON object");
        return qmp_error_response(err, NULL);
    }
    req = json_node_get_object(request);
    id = json_object_get_member(req, "id");

    name = check_envelope(req, allow_oob, &oob, &err);
    if (!name) {
        return qmp_error_response(err, id);
    }
    cmd = find_allowed(cmds, name, *negotiated, &err);
    if (!cmd) {
        return qmp_error_response(err, id);
    }
    if (oob && !(cmd->flags & QMP_CMD_ALLOW_OOB)) {
        qapi_error_setg(&err, "The command %s does not support OOB", name);
        return qmp_error_response(err, id);
    }

    args = json_object_get_member(req, "arguments");
    if (args) {
        args = json_node_ref(args);
    } else {
        args = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(args, json_object_new());
    }
    cmd->fn(ms, args, &ret, &err);
    json_node_unref(args);
    if (err) {
        if (ret) {
            json_node_unref(ret);
        }
        return qmp_error_response(err, id);
    }
    if (!strcmp(cmd->name, QMP_NEGOTIATION_COMMAND)) {
        *negotiated = true;
    }

    if (!ret) {
        /* Commands without a result answer {}. */
        ret = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(ret, json_object_new());
    }
    rsp = json_object_new();
    json_object_set_member(rsp, "return", ret);
    if (id) {
        json_object_set_member(rsp, "id", json_node_copy(id));
    }
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, rsp);
    return node;
}

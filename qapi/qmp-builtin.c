/*
 * QMP commands that only need generated data and build configuration:
 * query-version, query-commands, query-qmp-schema.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include "qapi/error.h"
#include "qapi/json-util.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-introspect.h"

VersionInfo *qmp_query_version(MachineState *ms, GError **errp)
{
    VersionInfo *info = g_new0(VersionInfo, 1);

    info->qemu = g_new0(VersionTriple, 1);
    info->qemu->major = ZCMIG_QEMU_MAJOR;
    info->qemu->minor = ZCMIG_QEMU_MINOR;
    info->qemu->micro = ZCMIG_QEMU_MICRO;
    info->package = g_strdup("zcmig " ZCMIG_VERSION);
    return info;
}

CommandInfoList *qmp_query_commands(MachineState *ms, GError **errp)
{
    CommandInfoList *head = NULL;
    CommandInfoList **tail = &head;
    const QmpCommand *cmd;

    for (cmd = qmp_commands; cmd->name; cmd++) {
        CommandInfoList *elem = g_new0(CommandInfoList, 1);

        elem->value = g_new0(CommandInfo, 1);
        elem->value->name = g_strdup(cmd->name);
        *tail = elem;
        tail = &elem->next;
    }
    return head;
}

/*
 * 'gen': false in the schema: the result is the generated JSON text,
 * parsed per call (no cached global state).
 */
void qmp_marshal_query_qmp_schema(MachineState *ms, JsonNode *args,
                                  JsonNode **ret, GError **errp)
{
    const QapiJsonPath root = { NULL, NULL, -1 };
    g_autoptr(JsonParser) parser = NULL;
    JsonObject *o = qapi_json_in_object(args, &root, errp);

    if (!o || !qapi_json_check_unexpected(o, &root, NULL, NULL, errp)) {
        return;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, qmp_schema_json, -1, errp)) {
        return;
    }
    *ret = json_node_copy(json_parser_get_root(parser));
}

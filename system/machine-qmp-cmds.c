/*
 * Machine-level QMP commands: query-status, stop, cont, quit, query-name,
 * query-uuid, and the inventory queries libvirt asks (query-block,
 * query-named-block-nodes, query-chardev, qom-list, query-iothreads).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "monitor/monitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"
#include "system/machine.h"

StatusInfo *qmp_query_status(MachineState *ms, GError **errp)
{
    StatusInfo *info = g_new0(StatusInfo, 1);

    info->status = runstate_get(ms);
    info->running = info->status == RUN_STATE_RUNNING;
    info->singlestep = false;
    return info;
}

void qmp_stop(MachineState *ms, GError **errp)
{
    g_mutex_lock(&ms->lock);
    if (ms->runstate == RUN_STATE_INMIGRATE) {
        /* QEMU 7.2: do not start once the incoming migration is done. */
        ms->start_paused = true;
        g_mutex_unlock(&ms->lock);
        return;
    }
    g_mutex_unlock(&ms->lock);
    /* Only a running guest stops; prelaunch, postmigrate... stay. */
    if (runstate_is_running(ms)) {
        vm_stop(ms, RUN_STATE_PAUSED);
    }
}

void qmp_cont(MachineState *ms, GError **errp)
{
    g_mutex_lock(&ms->lock);
    switch (ms->runstate) {
    case RUN_STATE_INTERNAL_ERROR:
    case RUN_STATE_SHUTDOWN:
    case RUN_STATE_GUEST_PANICKED:
        g_mutex_unlock(&ms->lock);
        qapi_error_setg(errp, "Resetting the Virtual Machine is required");
        return;
    case RUN_STATE_SUSPENDED:
        g_mutex_unlock(&ms->lock);
        return;
    case RUN_STATE_FINISH_MIGRATE:
        g_mutex_unlock(&ms->lock);
        qapi_error_setg(errp, "Migration is not finalized yet");
        return;
    case RUN_STATE_INMIGRATE:
        /* QEMU 7.2: start as soon as the incoming migration completes. */
        ms->start_paused = false;
        g_mutex_unlock(&ms->lock);
        return;
    default:
        g_mutex_unlock(&ms->lock);
        break;
    }
    vm_start(ms);
}

void qmp_quit(MachineState *ms, GError **errp)
{
    machine_request_shutdown(ms, false);
}

NameInfo *qmp_query_name(MachineState *ms, GError **errp)
{
    NameInfo *info = g_new0(NameInfo, 1);

    if (ms->name) {
        info->has_name = true;
        info->name = g_strdup(ms->name);
    }
    return info;
}

UuidInfo *qmp_query_uuid(MachineState *ms, GError **errp)
{
    UuidInfo *info = g_new0(UuidInfo, 1);
    const uint8_t *u = ms->uuid;

    info->UUID = g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                                 "%02x%02x-%02x%02x%02x%02x%02x%02x",
                                 u[0], u[1], u[2], u[3], u[4], u[5], u[6],
                                 u[7], u[8], u[9], u[10], u[11], u[12],
                                 u[13], u[14], u[15]);
    return info;
}

BlockInfoList *qmp_query_block(MachineState *ms, GError **errp)
{
    return NULL;    /* RAM only: no block devices ([]) */
}

BlockDeviceInfoList *qmp_query_named_block_nodes(MachineState *ms,
                                                 bool has_flat, bool flat,
                                                 GError **errp)
{
    return NULL;
}

IOThreadInfoList *qmp_query_iothreads(MachineState *ms, GError **errp)
{
    return NULL;
}

typedef struct ChardevCollect {
    ChardevInfoList *head;
    ChardevInfoList **tail;
} ChardevCollect;

static void machine_chardev_add(void *opaque, const char *label,
                                const char *filename, bool frontend_open)
{
    ChardevCollect *c = opaque;
    ChardevInfoList *elem = g_new0(ChardevInfoList, 1);

    elem->value = g_new0(ChardevInfo, 1);
    elem->value->label = g_strdup(label);
    elem->value->filename = g_strdup(filename);
    elem->value->frontend_open = frontend_open;
    /* QEMU lists the newest character device first. */
    elem->next = c->head;
    c->head = elem;
}

ChardevInfoList *qmp_query_chardev(MachineState *ms, GError **errp)
{
    ChardevCollect c = { NULL, NULL };

    if (ms->monitor_core) {
        monitor_chardev_foreach(ms->monitor_core, machine_chardev_add, &c);
    }
    return c.head;
}

static void qom_add(ObjectPropertyInfoList **head, const char *name,
                    const char *type)
{
    ObjectPropertyInfoList *elem = g_new0(ObjectPropertyInfoList, 1);
    ObjectPropertyInfoList **tail = head;

    while (*tail) {
        tail = &(*tail)->next;
    }
    elem->value = g_new0(ObjectPropertyInfo, 1);
    elem->value->name = g_strdup(name);
    elem->value->type = g_strdup(type);
    *tail = elem;
}

static const char *qom_backend_type(RAMBlockBackend b)
{
    switch (b) {
    case RAM_BACKEND_FILE:
        return "child<memory-backend-file>";
    case RAM_BACKEND_MEMFD:
        return "child<memory-backend-memfd>";
    default:
        return "child<memory-backend-ram>";
    }
}

/*
 * A small, fixed picture of QEMU's QOM tree for the none machine: enough
 * for tools that look at /machine/peripheral (libvirt) or walk from "/".
 */
ObjectPropertyInfoList *qmp_qom_list(MachineState *ms, const char *path,
                                     GError **errp)
{
    ObjectPropertyInfoList *head = NULL;
    guint i;

    if (!strcmp(path, "/")) {
        qom_add(&head, "type", "string");
        qom_add(&head, "objects", "child<container>");
        qom_add(&head, "machine", "child<none-machine>");
        qom_add(&head, "chardevs", "child<container>");
    } else if (!strcmp(path, "/machine")) {
        qom_add(&head, "type", "string");
        qom_add(&head, "peripheral", "child<container>");
        qom_add(&head, "peripheral-anon", "child<container>");
        qom_add(&head, "unattached", "child<container>");
    } else if (!strcmp(path, "/machine/peripheral") ||
               !strcmp(path, "/machine/peripheral-anon") ||
               !strcmp(path, "/machine/unattached") ||
               !strcmp(path, "/chardevs")) {
        qom_add(&head, "type", "string");
    } else if (!strcmp(path, "/objects")) {
        qom_add(&head, "type", "string");
        for (i = 0; ms->ram_blocks && i < ms->ram_blocks->len; i++) {
            RAMBlock *rb = g_ptr_array_index(ms->ram_blocks, i);

            qom_add(&head, rb->idstr, qom_backend_type(rb->backend));
        }
    } else {
        g_set_error(errp, QAPI_ERROR, QAPI_ERROR_CLASS_DEVICE_NOT_FOUND,
                    "Device '%s' not found", path);
        return NULL;
    }
    return head;
}

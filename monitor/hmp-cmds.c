/*
 * HMP commands that are not migration's: help, info, stop, cont, quit,
 * info status/version/name/uuid/ramblock/chardev.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each handler calls the QMP implementation and only prints.
 */
#include "config-host.h"

#include <inttypes.h>
#include <string.h>

#include "monitor-internal.h"
#include "monitor/hmp.h"
#include "qapi/qapi-commands.h"
#include "system/workload.h"

static void hmp_stop(Monitor *mon, MachineState *ms, const char *args)
{
    g_autoptr(GError) err = NULL;

    qmp_stop(ms, &err);
    hmp_print_error(mon, err);
}

static void hmp_cont(Monitor *mon, MachineState *ms, const char *args)
{
    g_autoptr(GError) err = NULL;

    qmp_cont(ms, &err);
    hmp_print_error(mon, err);
}

static void hmp_quit(Monitor *mon, MachineState *ms, const char *args)
{
    g_autoptr(GError) err = NULL;

    qmp_quit(ms, &err);
    hmp_print_error(mon, err);
}

static void hmp_info_status(Monitor *mon, MachineState *ms, const char *args)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(StatusInfo) info = qmp_query_status(ms, &err);

    if (!info) {
        hmp_print_error(mon, err);
        return;
    }
    monitor_printf(mon, "VM status: %s", info->running ? "running"
                                                       : "paused");
    if (!info->running && info->status != RUN_STATE_PAUSED) {
        monitor_printf(mon, " (%s)", RunState_str(info->status));
    }
    monitor_printf(mon, "\n");
}

static void hmp_info_version(Monitor *mon, MachineState *ms,
                             const char *args)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VersionInfo) info = qmp_query_version(ms, &err);

    if (!info) {
        hmp_print_error(mon, err);
        return;
    }
    /* QEMU appends the package string directly. */
    monitor_printf(mon, "%" PRId64 ".%" PRId64 ".%" PRId64 "%s\n",
                   info->qemu->major, info->qemu->minor, info->qemu->micro,
                   info->package);
}

static void hmp_info_name(Monitor *mon, MachineState *ms, const char *args)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NameInfo) info = qmp_query_name(ms, &err);

    if (!info) {
        hmp_print_error(mon, err);
        return;
    }
    if (info->has_name) {
        monitor_printf(mon, "%s\n", info->name);
    }
}

static void hmp_info_uuid(Monitor *mon, MachineState *ms, const char *args)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(UuidInfo) info = qmp_query_uuid(ms, &err);

    if (!info) {
        hmp_print_error(mon, err);
        return;
    }
    monitor_printf(mon, "%s\n", info->UUID);
}

static void hmp_info_chardev(Monitor *mon, MachineState *ms,
                             const char *args)
{
    g_autoptr(GError) err = NULL;
    ChardevInfoList *list = qmp_query_chardev(ms, &err), *l;

    hmp_print_error(mon, err);
    for (l = list; l; l = l->next) {
        monitor_printf(mon, "%s: filename=%s\n", l->value->label,
                       l->value->filename);
    }
    qapi_free_ChardevInfoList(list);
}

/* "4 KiB", "2 MiB" as QEMU's size_to_str() prints page sizes. */
static char *hmp_size_str(uint64_t v)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    unsigned i = 0;

    while (i + 1 < G_N_ELEMENTS(units) && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        i++;
    }
    return g_strdup_printf("%" PRIu64 " %s", v, units[i]);
}

static void hmp_info_ramblock(Monitor *mon, MachineState *ms,
                              const char *args)
{
    uint64_t offset = 0;
    guint i;

    monitor_printf(mon, "%24s %8s  %18s %18s %18s\n", "Block Name", "PSize",
                   "Offset", "Used", "Total");
    for (i = 0; ms->ram_blocks && i < ms->ram_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ms->ram_blocks, i);
        g_autofree char *psize = hmp_size_str(rb->page_size);

        monitor_printf(mon, "%24s %8s  0x%016" PRIx64 " 0x%016" PRIx64
                       " 0x%016" PRIx64 "\n", rb->idstr, psize, offset,
                       rb->used_length, rb->used_length);
        offset += rb->used_length;
    }
}

const HMPCommand hmp_cmds[] = {
    { "cont|c", "", "resume emulation", hmp_cont, 0 },
    { "help|?", "[cmd]", "show the help", hmp_help, -1 },
    { "info", "[subcommand]", "show various information about the system "
      "state", hmp_info, -1 },
    { "quit|q", "", "quit the emulator", hmp_quit, 0 },
    { "stop|s", "", "stop emulation", hmp_stop, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};

const HMPCommand hmp_info_cmds[] = {
    { "chardev", "", "show the character devices", hmp_info_chardev, 0 },
    { "name", "", "show the current VM name", hmp_info_name, 0 },
    { "ramblock", "", "Display system ramblock information",
      hmp_info_ramblock, 0 },
    { "status", "", "show the current VM status (running|paused)",
      hmp_info_status, 0 },
    { "uuid", "", "show the current VM UUID", hmp_info_uuid, 0 },
    { "version", "", "show the version of QEMU", hmp_info_version, 0 },
    { "workloads", "", "show the guest workloads (zcmig)",
      hmp_info_workloads, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};

/*
 * Guest workload: -object options and the QMP commands of
 * qapi/workload.json.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "monitor/monitor.h"
#include "qapi/qapi-commands.h"
#include "qapi/util.h"
#include "system/workload.h"

static bool workload_opt_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "no") ||
               !strcmp(v, "false")) {
        *out = false;
    } else {
        return false;
    }
    return true;
}

static bool workload_opt_uint(const char *v, uint64_t min, uint64_t max,
                              uint64_t *out)
{
    char *end;
    guint64 n;

    if (!g_ascii_isdigit(*v)) {
        return false;
    }
    errno = 0;
    n = g_ascii_strtoull(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        return false;
    }
    *out = n;
    return true;
}

/* One "key=value" of the spec. */
static bool workload_opt(WorkloadParams *p, const char *key,
                         const char *val, GError **errp)
{
    uint64_t n;

    if (!strcmp(key, "qom-type")) {
        if (strcmp(val, "guest-workload") != 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Parameter 'qom-type' does not accept value '%s'",
                        val);
            return false;
        }
    } else if (!strcmp(key, "id")) {
        if (!g_ascii_isalpha(val[0]) ||
            strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-._") != strlen(val) || strlen(val) > 64) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Parameter 'id' expects an identifier");
            return false;
        }
        g_free(p->id);
        p->id = g_strdup(val);
    } else if (!strcmp(key, "threads")) {
        if (!workload_opt_uint(val, 1, WORKLOAD_MAX_THREADS, &n)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Parameter 'threads' expects an integer between 1 "
                        "and %d", WORKLOAD_MAX_THREADS);
            return false;
        }
        p->threads = n;
    } else if (!strcmp(key, "dirty-rate")) {
        if (!workload_opt_uint(val, 0, 1024 * 1024, &n)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Parameter 'dirty-rate' expects MiB/s between 0 "
                        "(unlimited) and 1048576");
            return false;
        }
        p->dirty_rate = n;
    } else if (!strcmp(key, "pattern")) {
        int v = qapi_enum_parse(&GuestWorkloadPattern_lookup, val, -1, NULL);

        if (v < 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Parameter 'pattern' does not accept value '%s' "
                        "(sweep, random)", val);
            return false;
        }
        p->pattern = v;
    } else if (!strcmp(key, "memdev")) {
        g_free(p->memdev);
        p->memdev = g_strdup(val);
    } else if (!strcmp(key, "start")) {
        if (!workload_opt_bool(val, &p->start)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Parameter 'start' expects 'on' or 'off'");
            return false;
        }
    } else {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Invalid parameter '%s'", key);
        return false;
    }
    return true;
}

bool workload_parse_opts(const char *spec, WorkloadParams *out,
                         GError **errp)
{
    WorkloadParams p = {
        .threads = 1, .pattern = GUEST_WORKLOAD_PATTERN_SWEEP,
        .start = true,
    };
    const char *s = spec;
    bool first = true;

    while (*s) {
        g_autoptr(GString) elem = g_string_new(NULL);
        const char *eq;
        g_autofree char *key = NULL;

        /* QEMU's syntax: "," separates, ",," is a literal comma. */
        for (; *s; s++) {
            if (*s == ',') {
                if (s[1] == ',') {
                    g_string_append_c(elem, ',');
                    s++;
                    continue;
                }
                s++;
                break;
            }
            g_string_append_c(elem, *s);
        }
        eq = strchr(elem->str, '=');
        if (!eq && first) {
            key = g_strdup("qom-type");
            eq = elem->str - 1;
        } else if (!eq) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Invalid parameter '%s'", elem->str);
            goto fail;
        } else {
            key = g_strndup(elem->str, eq - elem->str);
        }
        if (!workload_opt(&p, key, eq + 1, errp)) {
            goto fail;
        }
        first = false;
    }
    if (!p.id) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "Parameter 'id' is missing");
        goto fail;
    }
    *out = p;
    return true;
fail:
    workload_params_clear(&p);
    return false;
}

GuestWorkloadInfoList *qmp_x_zcmig_query_workloads(MachineState *ms,
                                                   GError **errp)
{
    return workload_query(ms);
}

void qmp_x_zcmig_workload_start(MachineState *ms, const char *id,
                                GError **errp)
{
    workload_start(ms, id, errp);
}

void qmp_x_zcmig_workload_stop(MachineState *ms, const char *id,
                               GError **errp)
{
    workload_stop(ms, id, errp);
}

GuestWorkloadVerifyResult *qmp_x_zcmig_workload_verify(
    MachineState *ms, const char *id, bool has_threads, uint32_t threads,
    bool has_pattern, GuestWorkloadPattern pattern, bool has_memdev,
    const char *memdev, GError **errp)
{
    const WorkloadParams *known = workload_find_params(ms, id);
    WorkloadParams p = { 0 };

    if (known) {
        p = *known;
    } else if (!has_threads) {
        /* A destination without the -object must describe the pattern. */
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "guest-workload '%s' not found (give 'threads', and "
                    "'pattern' and 'memdev' if not the defaults, to verify "
                    "without it)", id);
        return NULL;
    } else {
        p.pattern = GUEST_WORKLOAD_PATTERN_SWEEP;
    }
    if (has_threads) {
        p.threads = threads;
    }
    if (has_pattern) {
        p.pattern = pattern;
    }
    if (has_memdev) {
        p.memdev = (char *)memdev;
    }
    return workload_verify(ms, &p, errp);
}

void hmp_info_workloads(Monitor *mon, MachineState *ms, const char *args)
{
    g_autoptr(GuestWorkloadInfoList) list = workload_query(ms);

    if (!list) {
        monitor_printf(mon, "No guest workloads\n");
    }
    for (GuestWorkloadInfoList *e = list; e; e = e->next) {
        GuestWorkloadInfo *i = e->value;

        monitor_printf(mon, "%s: %s, %u thread%s, pattern %s, ", i->id,
                       !i->running ? "stopped" :
                       i->paused ? "paused (VM not running)" : "running",
                       i->threads, i->threads == 1 ? "" : "s",
                       GuestWorkloadPattern_str(i->pattern));
        if (i->dirty_rate) {
            monitor_printf(mon, "%" G_GUINT64_FORMAT " MiB/s", i->dirty_rate);
        } else {
            monitor_printf(mon, "unlimited rate");
        }
        monitor_printf(mon, ", %s%s%" G_GUINT64_FORMAT " pages\n",
                       i->has_memdev ? "memdev " : "",
                       i->has_memdev ? i->memdev : "", i->pages);
        monitor_printf(mon, "  pages written %" G_GUINT64_FORMAT
                       ", sweeps %" G_GUINT64_FORMAT
                       ", throttle %u%%\n", i->pages_written, i->sweeps,
                       i->throttle_percentage);
    }
}

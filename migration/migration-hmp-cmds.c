/*
 * HMP commands of migration.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Output formats and argument parsing follow QEMU 7.2's HMP, so that
 * scripts written against QEMU's "info migrate" keep working.
 */
#include "config-host.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "migration/migration-hmp-cmds.h"
#include "migration/migration.h"
#include "monitor/hmp.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"
#include "qapi/util.h"

#define QERR_INVALID_PARAMETER_VALUE "Parameter '%s' expects %s"

/* The end of a wrapper around a void qmp_*() command: false on error. */
static bool migration_hmp_propagate(GError *err, GError **errp)
{
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    return true;
}

void hmp_info_migrate(MachineState *ms, GString *out)
{
    g_autoptr(MigrationInfo) info = qmp_query_migrate(ms, NULL);
    ZeroCopyChannelInfoList *zc;

    /* zcmig behaves like QEMU 7.2's defaults for these. */
    g_string_append(out, "globals:\n"
                    "store-global-state: on\n"
                    "only-migratable: off\n"
                    "send-configuration: on\n"
                    "send-section-footer: on\n"
                    "decompress-error-check: on\n"
                    "clear-bitmap-shift: 18\n");

    if (info->has_status) {
        g_string_append_printf(out, "Migration status: %s",
                               MigrationStatus_str(info->status));
        if (info->status == MIGRATION_STATUS_FAILED && info->error_desc) {
            g_string_append_printf(out, " (%s)\n", info->error_desc);
        } else {
            g_string_append(out, "\n");
        }
        g_string_append_printf(out, "total time: %" PRIu64 " ms\n",
                               (uint64_t)info->total_time);
        if (info->has_expected_downtime) {
            g_string_append_printf(out, "expected downtime: %" PRIu64 " ms\n",
                                   (uint64_t)info->expected_downtime);
        }
        if (info->has_downtime) {
            g_string_append_printf(out, "downtime: %" PRIu64 " ms\n",
                                   (uint64_t)info->downtime);
        }
        if (info->has_setup_time) {
            g_string_append_printf(out, "setup: %" PRIu64 " ms\n",
                                   (uint64_t)info->setup_time);
        }
    }

    if (info->ram) {
        MigrationStats *r = info->ram;

        g_string_append_printf(out, "transferred ram: %" PRIu64 " kbytes\n",
                               (uint64_t)r->transferred >> 10);
        g_string_append_printf(out, "throughput: %0.2f mbps\n", r->mbps);
        g_string_append_printf(out, "remaining ram: %" PRIu64 " kbytes\n",
                               (uint64_t)r->remaining >> 10);
        g_string_append_printf(out, "total ram: %" PRIu64 " kbytes\n",
                               (uint64_t)r->total >> 10);
        g_string_append_printf(out, "duplicate: %" PRIu64 " pages\n",
                               (uint64_t)r->duplicate);
        g_string_append_printf(out, "skipped: %" PRIu64 " pages\n",
                               (uint64_t)r->skipped);
        g_string_append_printf(out, "normal: %" PRIu64 " pages\n",
                               (uint64_t)r->normal);
        g_string_append_printf(out, "normal bytes: %" PRIu64 " kbytes\n",
                               (uint64_t)r->normal_bytes >> 10);
        g_string_append_printf(out, "dirty sync count: %" PRIu64 "\n",
                               (uint64_t)r->dirty_sync_count);
        g_string_append_printf(out, "page size: %" PRIu64 " kbytes\n",
                               (uint64_t)r->page_size >> 10);
        g_string_append_printf(out, "multifd bytes: %" PRIu64 " kbytes\n",
                               r->multifd_bytes >> 10);
        g_string_append_printf(out, "pages-per-second: %" PRIu64 "\n",
                               r->pages_per_second);
        if (r->dirty_pages_rate) {
            g_string_append_printf(out, "dirty pages rate: %" PRIu64
                                   " pages\n", (uint64_t)r->dirty_pages_rate);
        }
        if (r->postcopy_requests) {
            g_string_append_printf(out, "postcopy request count: %" PRIu64
                                   "\n", (uint64_t)r->postcopy_requests);
        }
        if (r->precopy_bytes) {
            g_string_append_printf(out, "precopy ram: %" PRIu64 " kbytes\n",
                                   r->precopy_bytes >> 10);
        }
        if (r->downtime_bytes) {
            g_string_append_printf(out, "downtime ram: %" PRIu64 " kbytes\n",
                                   r->downtime_bytes >> 10);
        }
        if (r->postcopy_bytes) {
            g_string_append_printf(out, "postcopy ram: %" PRIu64 " kbytes\n",
                                   r->postcopy_bytes >> 10);
        }
        if (r->dirty_sync_missed_zero_copy) {
            g_string_append_printf(out, "Zero-copy-send fallbacks happened: %"
                                   PRIu64 " times\n",
                                   r->dirty_sync_missed_zero_copy);
        }
    }

    if (info->has_cpu_throttle_percentage) {
        g_string_append_printf(out, "cpu throttle percentage: %" PRIu64 "\n",
                               (uint64_t)info->cpu_throttle_percentage);
    }

    /* zcmig's additions: how a destination stored multifd page data... */
    if (info->has_recv_to_file) {
        g_string_append_printf(out, "multifd receive into RAM file: %" PRIu64
                               " kbytes spliced, %" PRIu64 " kbytes copied "
                               "while the file was busy\n",
                               info->recv_to_file->spliced >> 10,
                               info->recv_to_file->copied_busy >> 10);
    }
    /* ... and what each multifd channel did with zero copy. */
    for (zc = info->zero_copy_channels; zc; zc = zc->next) {
        ZeroCopyChannelInfo *c = zc->value;

        g_string_append_printf(out, "multifd channel %" PRId64 " zero-copy: "
                               "%" PRIu64 " sends, %" PRIu64 " completed, %"
                               PRIu64 " copied, %" PRIu64 " kbytes%s\n",
                               c->id, c->queued, c->completed, c->copied,
                               c->bytes >> 10,
                               c->disabled ? " (disabled)" : "");
    }
}

void hmp_info_migrate_capabilities(MachineState *ms, GString *out)
{
    g_autoptr(MigrationCapabilityStatusList) caps =
        qmp_query_migrate_capabilities(ms, NULL);
    MigrationCapabilityStatusList *c;

    for (c = caps; c; c = c->next) {
        g_string_append_printf(out, "%s: %s\n",
                               MigrationCapability_str(c->value->capability),
                               c->value->state ? "on" : "off");
    }
}

void hmp_info_migrate_parameters(MachineState *ms, GString *out)
{
    g_autoptr(MigrationParameters) p = qmp_query_migrate_parameters(ms, NULL);

#define NAME(x) MigrationParameter_str(MIGRATION_PARAMETER_##x)
    g_string_append_printf(out, "%s: %" PRIu64 " ms\n",
                           NAME(ANNOUNCE_INITIAL), p->announce_initial);
    g_string_append_printf(out, "%s: %" PRIu64 " ms\n", NAME(ANNOUNCE_MAX),
                           p->announce_max);
    g_string_append_printf(out, "%s: %" PRIu64 "\n", NAME(ANNOUNCE_ROUNDS),
                           p->announce_rounds);
    g_string_append_printf(out, "%s: %" PRIu64 " ms\n", NAME(ANNOUNCE_STEP),
                           p->announce_step);
    g_string_append_printf(out, "%s: %u\n", NAME(COMPRESS_LEVEL),
                           p->compress_level);
    g_string_append_printf(out, "%s: %u\n", NAME(COMPRESS_THREADS),
                           p->compress_threads);
    g_string_append_printf(out, "%s: %s\n", NAME(COMPRESS_WAIT_THREAD),
                           p->compress_wait_thread ? "on" : "off");
    g_string_append_printf(out, "%s: %u\n", NAME(DECOMPRESS_THREADS),
                           p->decompress_threads);
    g_string_append_printf(out, "%s: %u\n", NAME(THROTTLE_TRIGGER_THRESHOLD),
                           p->throttle_trigger_threshold);
    g_string_append_printf(out, "%s: %u\n", NAME(CPU_THROTTLE_INITIAL),
                           p->cpu_throttle_initial);
    g_string_append_printf(out, "%s: %u\n", NAME(CPU_THROTTLE_INCREMENT),
                           p->cpu_throttle_increment);
    g_string_append_printf(out, "%s: %s\n", NAME(CPU_THROTTLE_TAILSLOW),
                           p->cpu_throttle_tailslow ? "on" : "off");
    g_string_append_printf(out, "%s: %u\n", NAME(MAX_CPU_THROTTLE),
                           p->max_cpu_throttle);
    g_string_append_printf(out, "%s: '%s'\n", NAME(TLS_CREDS), p->tls_creds);
    g_string_append_printf(out, "%s: '%s'\n", NAME(TLS_HOSTNAME),
                           p->tls_hostname);
    g_string_append_printf(out, "%s: %" PRIu64 " bytes/second\n",
                           NAME(MAX_BANDWIDTH), p->max_bandwidth);
    g_string_append_printf(out, "%s: %" PRIu64 " ms\n", NAME(DOWNTIME_LIMIT),
                           p->downtime_limit);
    g_string_append_printf(out, "%s: %u ms\n", NAME(X_CHECKPOINT_DELAY),
                           p->x_checkpoint_delay);
    g_string_append_printf(out, "%s: %s\n", NAME(BLOCK_INCREMENTAL),
                           p->block_incremental ? "on" : "off");
    g_string_append_printf(out, "%s: %u\n", NAME(MULTIFD_CHANNELS),
                           p->multifd_channels);
    g_string_append_printf(out, "%s: %s\n", NAME(MULTIFD_COMPRESSION),
                           MultiFDCompression_str(p->multifd_compression));
    g_string_append_printf(out, "%s: %" PRIu64 " bytes\n",
                           NAME(XBZRLE_CACHE_SIZE), p->xbzrle_cache_size);
    g_string_append_printf(out, "%s: %" PRIu64 "\n",
                           NAME(MAX_POSTCOPY_BANDWIDTH),
                           p->max_postcopy_bandwidth);
    g_string_append_printf(out, "%s: '%s'\n", NAME(TLS_AUTHZ), p->tls_authz);
    /* zcmig: the parameter name of the zero-copy-send capability */
    g_string_append_printf(out, "%s: %s\n", NAME(MULTIFD_ZEROCOPY),
                           p->multifd_zerocopy ? "on" : "off");
    /* zcmig: the progress watchdog */
    g_string_append_printf(out, "%s: %u s\n", NAME(X_STALL_TIMEOUT),
                           p->x_stall_timeout);
#undef NAME
}

bool hmp_migrate_set_capability(MachineState *ms, const char *name,
                                const char *state, GError **errp)
{
    g_autoptr(MigrationCapabilityStatusList) caps = NULL;
    GError *err = NULL;
    bool on;
    int cap;

    /* The HMP argument type 'b' of QEMU. */
    if (!g_strcmp0(state, "on")) {
        on = true;
    } else if (!g_strcmp0(state, "off")) {
        on = false;
    } else {
        qapi_error_setg(errp, "Expected 'on' or 'off'");
        return false;
    }
    cap = qapi_enum_parse(&MigrationCapability_lookup, name, -1, errp);
    if (cap < 0) {
        return false;
    }
    caps = g_new0(MigrationCapabilityStatusList, 1);
    caps->value = g_new0(MigrationCapabilityStatus, 1);
    caps->value->capability = cap;
    caps->value->state = on;
    qmp_migrate_set_capabilities(ms, caps, &err);
    return migration_hmp_propagate(err, errp);
}

/*
 * QEMU's size syntax: a decimal number (fractions allowed) with an
 * optional B/K/M/G/T/P/E suffix; @unit applies without a suffix.
 */
static bool migration_hmp_parse_size(const char *str, uint64_t unit,
                                     uint64_t *out)
{
    char *end = NULL;
    double val;
    uint64_t mul = unit;

    if (!str || !*str || g_ascii_isspace(*str) || *str == '-') {
        return false;
    }
    errno = 0;
    val = g_ascii_strtod(str, &end);
    if (errno || end == str || !isfinite(val) || val < 0) {
        return false;
    }
    switch (g_ascii_toupper(*end)) {
    case 'B': mul = 1; end++; break;
    case 'K': mul = 1ULL << 10; end++; break;
    case 'M': mul = 1ULL << 20; end++; break;
    case 'G': mul = 1ULL << 30; end++; break;
    case 'T': mul = 1ULL << 40; end++; break;
    case 'P': mul = 1ULL << 50; end++; break;
    case 'E': mul = 1ULL << 60; end++; break;
    case '\0': break;
    default: return false;
    }
    if (*end != '\0' || val * (double)mul >= 18446744073709551616.0) {
        return false;
    }
    *out = (uint64_t)(val * (double)mul);
    return true;
}

static bool migration_hmp_parse_uint(const char *name, const char *str,
                                     uint64_t max, const char *type,
                                     uint64_t *out, GError **errp)
{
    unsigned long long v;
    char *end = NULL;

    errno = 0;
    /* base 0 like QEMU: 0x.. and 0.. prefixes work */
    v = strtoull(str, &end, 0);
    if (!*str || *str == '-' || g_ascii_isspace(*str) || errno ||
        *end != '\0') {
        /* QEMU's string visitor reports the 64-bit parse first. */
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, "uint64");
        return false;
    }
    if (v > max) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, type);
        return false;
    }
    *out = v;
    return true;
}

static bool migration_hmp_parse_bool(const char *name, const char *str,
                                     bool *out, GError **errp)
{
    if (!strcmp(str, "on") || !strcmp(str, "yes") || !strcmp(str, "true")) {
        *out = true;
    } else if (!strcmp(str, "off") || !strcmp(str, "no") ||
               !strcmp(str, "false")) {
        *out = false;
    } else {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name,
                        "'on' or 'off'");
        return false;
    }
    return true;
}

static StrOrNull *migration_hmp_str(const char *s)
{
    StrOrNull *r = g_new0(StrOrNull, 1);

    r->type = QTYPE_QSTRING;
    r->u.s = g_strdup(s);
    return r;
}

bool hmp_migrate_set_parameter(MachineState *ms, const char *name,
                               const char *value, GError **errp)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;
    uint64_t v = 0;
    bool ok = true;
    int param;

    param = qapi_enum_parse(&MigrationParameter_lookup, name, -1, errp);
    if (param < 0) {
        return false;
    }

#define U8(P, field) \
    case MIGRATION_PARAMETER_##P: \
        ok = migration_hmp_parse_uint(name, value, UINT8_MAX, "uint8_t", \
                                      &v, errp); \
        p->has_##field = true; \
        p->field = (uint8_t)v; \
        break
#define SIZE(P, field) \
    case MIGRATION_PARAMETER_##P: \
        ok = migration_hmp_parse_size(value, 1, &v); \
        if (!ok) { \
            qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, \
                            "a size value"); \
        } \
        p->has_##field = true; \
        p->field = v; \
        break
#define BOOL(P, field) \
    case MIGRATION_PARAMETER_##P: \
        ok = migration_hmp_parse_bool(name, value, &p->field, errp); \
        p->has_##field = true; \
        break

    switch (param) {
    U8(COMPRESS_LEVEL, compress_level);
    U8(COMPRESS_THREADS, compress_threads);
    BOOL(COMPRESS_WAIT_THREAD, compress_wait_thread);
    U8(DECOMPRESS_THREADS, decompress_threads);
    U8(THROTTLE_TRIGGER_THRESHOLD, throttle_trigger_threshold);
    U8(CPU_THROTTLE_INITIAL, cpu_throttle_initial);
    U8(CPU_THROTTLE_INCREMENT, cpu_throttle_increment);
    BOOL(CPU_THROTTLE_TAILSLOW, cpu_throttle_tailslow);
    U8(MAX_CPU_THROTTLE, max_cpu_throttle);
    case MIGRATION_PARAMETER_TLS_CREDS:
        p->has_tls_creds = true;
        p->tls_creds = migration_hmp_str(value);
        break;
    case MIGRATION_PARAMETER_TLS_HOSTNAME:
        p->has_tls_hostname = true;
        p->tls_hostname = migration_hmp_str(value);
        break;
    case MIGRATION_PARAMETER_TLS_AUTHZ:
        p->has_tls_authz = true;
        p->tls_authz = migration_hmp_str(value);
        break;
    case MIGRATION_PARAMETER_MAX_BANDWIDTH:
        /* Mebibytes per second unless a suffix says otherwise. */
        if (!migration_hmp_parse_size(value, 1ULL << 20, &v) ||
            v > INT64_MAX) {
            qapi_error_setg(errp, "Invalid size %s", value);
            return false;
        }
        p->has_max_bandwidth = true;
        p->max_bandwidth = v;
        break;
    SIZE(DOWNTIME_LIMIT, downtime_limit);
    case MIGRATION_PARAMETER_X_CHECKPOINT_DELAY:
        ok = migration_hmp_parse_uint(name, value, UINT32_MAX, "uint32_t",
                                      &v, errp);
        p->has_x_checkpoint_delay = true;
        p->x_checkpoint_delay = (uint32_t)v;
        break;
    BOOL(BLOCK_INCREMENTAL, block_incremental);
    U8(MULTIFD_CHANNELS, multifd_channels);
    case MIGRATION_PARAMETER_MULTIFD_COMPRESSION: {
        int c = qapi_enum_parse(&MultiFDCompression_lookup, value, -1, errp);
        if (c < 0) {
            return false;
        }
        p->has_multifd_compression = true;
        p->multifd_compression = c;
        break;
    }
    U8(MULTIFD_ZLIB_LEVEL, multifd_zlib_level);
    U8(MULTIFD_ZSTD_LEVEL, multifd_zstd_level);
    case MIGRATION_PARAMETER_XBZRLE_CACHE_SIZE:
        if (!migration_hmp_parse_size(value, 1, &v) || v > INT64_MAX) {
            qapi_error_setg(errp, "Invalid size %s", value);
            return false;
        }
        p->has_xbzrle_cache_size = true;
        p->xbzrle_cache_size = v;
        break;
    SIZE(MAX_POSTCOPY_BANDWIDTH, max_postcopy_bandwidth);
    SIZE(ANNOUNCE_INITIAL, announce_initial);
    SIZE(ANNOUNCE_MAX, announce_max);
    SIZE(ANNOUNCE_ROUNDS, announce_rounds);
    SIZE(ANNOUNCE_STEP, announce_step);
    case MIGRATION_PARAMETER_BLOCK_BITMAP_MAPPING:
        qapi_error_setg(errp, "The block-bitmap-mapping parameter can only be "
                        "set through QMP");
        return false;
    BOOL(MULTIFD_ZEROCOPY, multifd_zerocopy);
    case MIGRATION_PARAMETER_X_STALL_TIMEOUT:
        ok = migration_hmp_parse_uint(name, value, UINT32_MAX, "uint32_t",
                                      &v, errp);
        p->has_x_stall_timeout = true;
        p->x_stall_timeout = (uint32_t)v;
        break;
    default:
        qapi_error_setg(errp, "Parameter '%s' cannot be set with HMP", name);
        return false;
    }
#undef U8
#undef SIZE
#undef BOOL
    if (!ok) {
        return false;
    }
    qmp_migrate_set_parameters(ms, p, &err);
    return migration_hmp_propagate(err, errp);
}

bool hmp_migrate(MachineState *ms, bool detach, const char *uri,
                 GString *out, GError **errp)
{
    GError *err = NULL;

    qmp_migrate(ms, uri, false, false, false, false, false, false, true,
                false, &err);
    if (!migration_hmp_propagate(err, errp)) {
        return false;
    }
    if (!detach) {
        g_string_append(out, "terminal does not allow synchronous migration, "
                        "continuing detached\n");
    }
    return true;
}

bool hmp_migrate_incoming(MachineState *ms, const char *uri, GError **errp)
{
    GError *err = NULL;

    qmp_migrate_incoming(ms, uri, &err);
    return migration_hmp_propagate(err, errp);
}

void hmp_migrate_cancel(MachineState *ms)
{
    qmp_migrate_cancel(ms, NULL);
}

bool hmp_migrate_continue(MachineState *ms, const char *state, GError **errp)
{
    GError *err = NULL;
    int val = qapi_enum_parse(&MigrationStatus_lookup, state, -1, errp);

    if (val < 0) {
        return false;
    }
    qmp_migrate_continue(ms, val, &err);
    return migration_hmp_propagate(err, errp);
}

/* ---- the monitor's command tables (include/monitor/hmp.h) ---------- */

static void hmp_print_gstring(Monitor *mon, GString *out)
{
    if (out->len) {
        monitor_puts(mon, out->str);
    }
}

/* Print what one of the hmp_info_migrate*() formatters writes. */
static void hmp_print_info(Monitor *mon, MachineState *ms,
                           void (*info)(MachineState *, GString *))
{
    g_autoptr(GString) out = g_string_new(NULL);

    info(ms, out);
    hmp_print_gstring(mon, out);
}

static void hmp_cmd_info_migrate(Monitor *mon, MachineState *ms,
                                 const char *args)
{
    hmp_print_info(mon, ms, hmp_info_migrate);
}

static void hmp_cmd_info_migrate_capabilities(Monitor *mon, MachineState *ms,
                                              const char *args)
{
    hmp_print_info(mon, ms, hmp_info_migrate_capabilities);
}

static void hmp_cmd_info_migrate_parameters(Monitor *mon, MachineState *ms,
                                            const char *args)
{
    hmp_print_info(mon, ms, hmp_info_migrate_parameters);
}

/* Print @err (if set) the way the monitor does, and free it. */
static void hmp_report(Monitor *mon, GError **err)
{
    if (*err) {
        hmp_print_error(mon, *err);
        g_clear_error(err);
    }
}

/* The words of @args; prints QEMU's "NAME: string expected" if short. */
static char **hmp_words(Monitor *mon, const char *cmd, const char *args,
                        int need)
{
    char **w = hmp_split_args(args);

    if ((int)g_strv_length(w) < need) {
        monitor_printf(mon, "%s: string expected\n", cmd);
        g_strfreev(w);
        return NULL;
    }
    return w;
}

static void hmp_cmd_migrate(Monitor *mon, MachineState *ms, const char *args)
{
    g_auto(GStrv) w = hmp_split_args(args);
    g_autoptr(GString) out = g_string_new(NULL);
    const char *uri = NULL;
    bool detach = false, blk = false, inc = false, resume = false;
    GError *err = NULL;
    int i;

    for (i = 0; w[i]; i++) {
        if (w[i][0] == '-' && !uri) {
            const char *f;

            for (f = w[i] + 1; *f; f++) {
                switch (*f) {
                case 'd': detach = true; break;
                case 'b': blk = true; break;
                case 'i': inc = true; break;
                case 'r': resume = true; break;
                default:
                    monitor_printf(mon, "migrate: unsupported option -%c\n",
                                   *f);
                    return;
                }
            }
        } else if (!uri) {
            uri = w[i];
        } else {
            monitor_printf(mon, "migrate: extraneous characters at the end "
                           "of line\n");
            return;
        }
    }
    if (!uri) {
        monitor_printf(mon, "migrate: string expected\n");
        return;
    }
    if (blk || inc || resume) {
        qmp_migrate(ms, uri, true, blk, true, inc, false, false, true,
                    resume, &err);
        hmp_report(mon, &err);
        return;
    }
    if (!hmp_migrate(ms, detach, uri, out, &err)) {
        hmp_report(mon, &err);
        return;
    }
    hmp_print_gstring(mon, out);
}

static void hmp_cmd_migrate_cancel(Monitor *mon, MachineState *ms,
                                   const char *args)
{
    hmp_migrate_cancel(ms);
}

/* A command with one word argument, run by @fn. */
static void hmp_run_one_word(Monitor *mon, MachineState *ms, const char *cmd,
                             const char *args,
                             bool (*fn)(MachineState *, const char *,
                                        GError **))
{
    g_auto(GStrv) w = hmp_words(mon, cmd, args, 1);
    GError *err = NULL;

    if (w && !fn(ms, w[0], &err)) {
        hmp_report(mon, &err);
    }
}

static void hmp_cmd_migrate_continue(Monitor *mon, MachineState *ms,
                                     const char *args)
{
    hmp_run_one_word(mon, ms, "migrate_continue", args, hmp_migrate_continue);
}

static void hmp_cmd_migrate_incoming(Monitor *mon, MachineState *ms,
                                     const char *args)
{
    hmp_run_one_word(mon, ms, "migrate_incoming", args, hmp_migrate_incoming);
}

static void hmp_cmd_migrate_set_capability(Monitor *mon, MachineState *ms,
                                           const char *args)
{
    g_auto(GStrv) w = hmp_words(mon, "migrate_set_capability", args, 1);
    GError *err = NULL;

    if (!w) {
        return;
    }
    /* QEMU's 'b' argument: a parse error, printed without "Error: " */
    if (!w[1] || (strcmp(w[1], "on") && strcmp(w[1], "off"))) {
        monitor_printf(mon, "Expected 'on' or 'off'\n");
        return;
    }
    if (!hmp_migrate_set_capability(ms, w[0], w[1], &err)) {
        hmp_report(mon, &err);
    }
}

static void hmp_cmd_migrate_set_parameter(Monitor *mon, MachineState *ms,
                                          const char *args)
{
    g_auto(GStrv) w = hmp_words(mon, "migrate_set_parameter", args, 2);
    GError *err = NULL;

    if (w && !hmp_migrate_set_parameter(ms, w[0], w[1], &err)) {
        hmp_report(mon, &err);
    }
}

const HMPCommand hmp_migration_cmds[] = {
    { "migrate", "[-d] [-b] [-i] [-r] uri",
      "migrate to URI (using -d to not wait for completion)",
      hmp_cmd_migrate, -1 },
    { "migrate_cancel", "", "cancel the current VM migration",
      hmp_cmd_migrate_cancel, 0 },
    { "migrate_continue", "state",
      "Continue migration from the given paused state",
      hmp_cmd_migrate_continue, 1 },
    { "migrate_incoming", "uri",
      "Continue an incoming migration from an -incoming defer",
      hmp_cmd_migrate_incoming, 1 },
    { "migrate_set_capability", "capability state",
      "Enable/Disable the usage of a capability for migration",
      hmp_cmd_migrate_set_capability, 2 },
    { "migrate_set_parameter", "parameter value",
      "Set the parameter for migration",
      hmp_cmd_migrate_set_parameter, 2 },
    { NULL, NULL, NULL, NULL, 0 },
};

const HMPCommand hmp_migration_info_cmds[] = {
    { "migrate", "", "show migration status", hmp_cmd_info_migrate, 0 },
    { "migrate_capabilities", "", "show current migration capabilities",
      hmp_cmd_info_migrate_capabilities, 0 },
    { "migrate_parameters", "", "show current migration parameters",
      hmp_cmd_info_migrate_parameters, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};

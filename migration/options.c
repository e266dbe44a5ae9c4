/*
 * Migration capabilities and parameters, and every check between them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Error texts follow QEMU 7.2 where QEMU has one for the situation
 * (including its "Parameter 'x_y' expects ..." spelling with
 * underscores), so that tools matching on them keep working.
 */
#include "config-host.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "migration/options.h"
#include "qapi/error.h"
#include "system/ramblock.h"

#define QERR_INVALID_PARAMETER_VALUE "Parameter '%s' expects %s"

void migration_options_init(MigrationOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->announce_initial = 50;
    opts->announce_max = 550;
    opts->announce_rounds = 5;
    opts->announce_step = 100;
    opts->compress_level = 1;
    opts->compress_threads = 8;
    opts->compress_wait_thread = true;
    opts->decompress_threads = 2;
    opts->throttle_trigger_threshold = 50;
    opts->cpu_throttle_initial = 20;
    opts->cpu_throttle_increment = 10;
    opts->cpu_throttle_tailslow = false;
    opts->tls_creds = g_strdup("");
    opts->tls_hostname = g_strdup("");
    opts->tls_authz = g_strdup("");
    opts->max_bandwidth = MIGRATION_DEFAULT_MAX_BANDWIDTH;
    opts->downtime_limit = MIGRATION_DEFAULT_DOWNTIME_LIMIT;
    opts->x_checkpoint_delay = 200 * 100;
    opts->block_incremental = false;
    opts->multifd_channels = MIGRATION_DEFAULT_MULTIFD_CHANNELS;
    opts->xbzrle_cache_size = 64 * 1024 * 1024;
    opts->max_postcopy_bandwidth = 0;
    opts->max_cpu_throttle = 99;
    opts->multifd_compression = MULTIFD_COMPRESSION_NONE;
    opts->multifd_zlib_level = 1;
    opts->multifd_zstd_level = 1;
    opts->x_stall_timeout = MIGRATION_DEFAULT_STALL_TIMEOUT;
}

void migration_options_destroy(MigrationOptions *opts)
{
    g_clear_pointer(&opts->tls_creds, g_free);
    g_clear_pointer(&opts->tls_hostname, g_free);
    g_clear_pointer(&opts->tls_authz, g_free);
    g_clear_pointer(&opts->zerocopy_probe.reason, g_free);
}

/* Deep copy (strings duplicated). */
static void migration_options_copy(MigrationOptions *dst,
                                   const MigrationOptions *src)
{
    *dst = *src;
    dst->tls_creds = g_strdup(src->tls_creds);
    dst->tls_hostname = g_strdup(src->tls_hostname);
    dst->tls_authz = g_strdup(src->tls_authz);
    dst->zerocopy_probe.reason = g_strdup(src->zerocopy_probe.reason);
}

bool migration_capability_supported(MigrationCapability cap)
{
    switch (cap) {
    case MIGRATION_CAPABILITY_MULTIFD:
    case MIGRATION_CAPABILITY_ZERO_COPY_SEND:
    case MIGRATION_CAPABILITY_EVENTS:
    case MIGRATION_CAPABILITY_RETURN_PATH:
    case MIGRATION_CAPABILITY_PAUSE_BEFORE_SWITCHOVER:
    case MIGRATION_CAPABILITY_VALIDATE_UUID:
    /* Throttles the guest workload (system/workload.c). */
    case MIGRATION_CAPABILITY_AUTO_CONVERGE:
    /* No block devices: activating them late is trivially true. */
    case MIGRATION_CAPABILITY_LATE_BLOCK_ACTIVATE:
        return true;
    default:
        return false;
    }
}

static void migration_zerocopy_probe(MigrationZerocopyProbe *probe)
{
    probe->done = true;
#ifdef CONFIG_MSG_ZEROCOPY
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0) {
        /* No IPv6 on this host: TCP over IPv4 tells the same. */
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }
    if (fd < 0) {
        probe->reason = g_strdup_printf("socket: %s", g_strerror(errno));
        return;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0) {
        probe->reason = g_strdup_printf("SO_ZEROCOPY: %s", g_strerror(errno));
        close(fd);
        return;
    }
    close(fd);
    probe->supported = true;
#else
    probe->reason = g_strdup("built without MSG_ZEROCOPY support");
#endif
}

bool migration_options_zerocopy_host_check(MigrationOptions *opts,
                                           GError **errp)
{
    if (!opts->zerocopy_probe.done) {
        migration_zerocopy_probe(&opts->zerocopy_probe);
    }
    if (!opts->zerocopy_probe.supported) {
        qapi_error_setg(errp, "Zero copy send feature not detected in host kernel");
        return false;
    }
    return true;
}

static bool migration_options_check_ranges(const MigrationOptions *o,
                                           GError **errp)
{
    /* Same order and wording as QEMU 7.2's migrate_params_check(). */
    if (o->compress_level > 9) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "compress_level",
                   "a value between 0 and 9");
        return false;
    }
    if (o->compress_threads < 1) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "compress_threads",
                   "a value between 1 and 255");
        return false;
    }
    if (o->decompress_threads < 1) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "decompress_threads",
                   "a value between 1 and 255");
        return false;
    }
    if (o->throttle_trigger_threshold < 1 ||
        o->throttle_trigger_threshold > 100) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE,
                   "throttle_trigger_threshold",
                   "an integer in the range of 1 to 100");
        return false;
    }
    if (o->cpu_throttle_initial < 1 || o->cpu_throttle_initial > 99) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "cpu_throttle_initial",
                   "an integer in the range of 1 to 99");
        return false;
    }
    if (o->cpu_throttle_increment < 1 || o->cpu_throttle_increment > 99) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE,
                   "cpu_throttle_increment",
                   "an integer in the range of 1 to 99");
        return false;
    }
    if (o->max_bandwidth > INT64_MAX) {
        /* QEMU checks SIZE_MAX; the rate limiter works in int64_t here. */
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "max_bandwidth",
                   "an integer in the range of 0 to 9223372036854775807"
                   " bytes/second");
        return false;
    }
    if (o->downtime_limit > MIGRATION_MAX_DOWNTIME_LIMIT) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "downtime_limit",
                   "an integer in the range of 0 to (2000 * 1000) ms");
        return false;
    }
    if (o->multifd_channels < 1) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "multifd_channels",
                   "a value between 1 and 255");
        return false;
    }
    if (o->xbzrle_cache_size < TARGET_PAGE_SIZE ||
        (o->xbzrle_cache_size & (o->xbzrle_cache_size - 1)) != 0) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "xbzrle_cache_size",
                   "a power of two no less than the target page size");
        return false;
    }
    if (o->max_cpu_throttle < o->cpu_throttle_initial ||
        o->max_cpu_throttle > 99) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "max_cpu_throttle",
                   "an integer in the range of cpu_throttle_initial to 99");
        return false;
    }
    if (o->announce_initial > 100000) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "announce_initial",
                   "a value between 0 and 100000");
        return false;
    }
    if (o->announce_max > 100000) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "announce_max",
                   "a value between 0 and 100000");
        return false;
    }
    if (o->announce_rounds > 1000) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "announce_rounds",
                   "a value between 0 and 1000");
        return false;
    }
    if (o->announce_step < 1 || o->announce_step > 10000) {
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "announce_step",
                   "a value between 0 and 10000");
        return false;
    }
    if (o->x_stall_timeout > MIGRATION_MAX_STALL_TIMEOUT) {
        /* zcmig's own parameter: its own (dashed) name in the text. */
        qapi_error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "x-stall-timeout",
                        "a number of seconds between 0 (off) and 3600");
        return false;
    }
    return true;
}

bool migration_options_check(MigrationOptions *o, GError **errp)
{
    int i;

    if (!migration_options_check_ranges(o, errp)) {
        return false;
    }

    /*
     * Capability conflicts QEMU 7.2 reports, with its texts, before our
     * own "not supported" refusals: a user who combines two things gets
     * the same answer as from QEMU.
     */
    if (o->caps[MIGRATION_CAPABILITY_MULTIFD] &&
        o->caps[MIGRATION_CAPABILITY_COMPRESS]) {
        qapi_error_setg(errp, "Multifd is not compatible with compress");
        return false;
    }

    /*
     * Zero copy: needs multifd, no compression of any kind, no TLS.  This
     * runs on the merged settings, so it does not matter which of them
     * came first or whether they came in one command.
     */
    if (o->caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]) {
        if (!o->caps[MIGRATION_CAPABILITY_MULTIFD] ||
            o->caps[MIGRATION_CAPABILITY_COMPRESS] ||
            o->caps[MIGRATION_CAPABILITY_XBZRLE] ||
            o->multifd_compression != MULTIFD_COMPRESSION_NONE ||
            o->tls_creds[0] != '\0') {
            qapi_error_setg(errp, "Zero copy only available for non-compressed "
                       "non-TLS multifd migration");
            return false;
        }
        if (!migration_options_zerocopy_host_check(o, errp)) {
            return false;
        }
    }

    for (i = 0; i < MIGRATION_CAPABILITY__MAX; i++) {
        if (o->caps[i] && !migration_capability_supported(i)) {
            qapi_error_setg(errp, "Capability '%s' is not supported by zcmig",
                       MigrationCapability_str(i));
            return false;
        }
    }

    if (o->multifd_compression != MULTIFD_COMPRESSION_NONE) {
        qapi_error_setg(errp, "Multifd compression '%s' is not supported by zcmig "
                   "(built without it); use 'none'",
                   MultiFDCompression_str(o->multifd_compression));
        return false;
    }
    if (o->tls_creds[0] != '\0') {
        qapi_error_setg(errp, "TLS is not supported by zcmig: tls-creds must be "
                   "empty");
        return false;
    }
    return true;
}

bool migration_options_set_capabilities(MigrationOptions *opts,
                                        const MigrationCapabilityStatusList *caps,
                                        GError **errp)
{
    MigrationOptions tmp;
    const MigrationCapabilityStatusList *l;

    migration_options_copy(&tmp, opts);
    for (l = caps; l; l = l->next) {
        if (l->value->capability < 0 ||
            l->value->capability >= MIGRATION_CAPABILITY__MAX) {
            qapi_error_setg(errp, "Invalid capability");
            migration_options_destroy(&tmp);
            return false;
        }
        tmp.caps[l->value->capability] = l->value->state;
    }
    if (!migration_options_check(&tmp, errp)) {
        migration_options_destroy(&tmp);
        return false;
    }
    migration_options_destroy(opts);
    *opts = tmp;
    return true;
}

static void migration_options_set_str(char **dst, const StrOrNull *val)
{
    g_free(*dst);
    if (val && val->type == QTYPE_QSTRING && val->u.s) {
        *dst = g_strdup(val->u.s);
    } else {
        *dst = g_strdup("");
    }
}

bool migration_options_set_parameters(MigrationOptions *opts,
                                      const MigrateSetParameters *p,
                                      GError **errp)
{
    MigrationOptions t;

    migration_options_copy(&t, opts);

#define APPLY(field) \
    do { \
        if (p->has_##field) { \
            t.field = p->field; \
        } \
    } while (0)

    APPLY(announce_initial);
    APPLY(announce_max);
    APPLY(announce_rounds);
    APPLY(announce_step);
    APPLY(compress_level);
    APPLY(compress_threads);
    APPLY(compress_wait_thread);
    APPLY(decompress_threads);
    APPLY(throttle_trigger_threshold);
    APPLY(cpu_throttle_initial);
    APPLY(cpu_throttle_increment);
    APPLY(cpu_throttle_tailslow);
    APPLY(max_bandwidth);
    APPLY(downtime_limit);
    APPLY(x_checkpoint_delay);
    APPLY(block_incremental);
    APPLY(multifd_channels);
    APPLY(xbzrle_cache_size);
    APPLY(max_postcopy_bandwidth);
    APPLY(max_cpu_throttle);
    APPLY(multifd_compression);
    APPLY(x_stall_timeout);
#undef APPLY
    /*
     * multifd-zlib-level and multifd-zstd-level: QEMU 7.2 accepts any
     * uint8 and ignores it (its migrate_params_test_apply() never copies
     * them, so neither its check nor its apply sees them), and keeps
     * reporting 1.  zcmig has no compression: it answers the same way.
     */

    if (p->has_tls_creds) {
        migration_options_set_str(&t.tls_creds, p->tls_creds);
    }
    if (p->has_tls_hostname) {
        migration_options_set_str(&t.tls_hostname, p->tls_hostname);
    }
    if (p->has_tls_authz) {
        migration_options_set_str(&t.tls_authz, p->tls_authz);
    }
    /* The parameter name of the zero-copy switch. */
    if (p->has_multifd_zerocopy) {
        t.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND] = p->multifd_zerocopy;
    }
    if (p->has_block_bitmap_mapping && p->block_bitmap_mapping) {
        qapi_error_setg(errp, "Invalid mapping given for block-bitmap-mapping: "
                   "zcmig has no block devices");
        migration_options_destroy(&t);
        return false;
    }

    if (!migration_options_check(&t, errp)) {
        migration_options_destroy(&t);
        return false;
    }
    migration_options_destroy(opts);
    *opts = t;
    return true;
}

MigrationCapabilityStatusList *
migration_options_query_capabilities(const MigrationOptions *opts)
{
    MigrationCapabilityStatusList *head = NULL, **tail = &head;
    int i;

    for (i = 0; i < MIGRATION_CAPABILITY__MAX; i++) {
        MigrationCapabilityStatusList *e = g_new0(MigrationCapabilityStatusList,
                                                  1);
        e->value = g_new0(MigrationCapabilityStatus, 1);
        e->value->capability = i;
        e->value->state = opts->caps[i];
        *tail = e;
        tail = &e->next;
    }
    return head;
}

MigrationParameters *
migration_options_query_parameters(const MigrationOptions *o)
{
    MigrationParameters *p = g_new0(MigrationParameters, 1);

#define GET(field) \
    do { \
        p->has_##field = true; \
        p->field = o->field; \
    } while (0)

    GET(announce_initial);
    GET(announce_max);
    GET(announce_rounds);
    GET(announce_step);
    GET(compress_level);
    GET(compress_threads);
    GET(compress_wait_thread);
    GET(decompress_threads);
    GET(throttle_trigger_threshold);
    GET(cpu_throttle_initial);
    GET(cpu_throttle_increment);
    GET(cpu_throttle_tailslow);
    GET(max_bandwidth);
    GET(downtime_limit);
    GET(x_checkpoint_delay);
    GET(block_incremental);
    GET(multifd_channels);
    GET(xbzrle_cache_size);
    GET(max_postcopy_bandwidth);
    GET(max_cpu_throttle);
    GET(multifd_compression);
    GET(multifd_zlib_level);
    GET(multifd_zstd_level);
    GET(x_stall_timeout);
#undef GET

    p->has_tls_creds = true;
    p->tls_creds = g_strdup(o->tls_creds);
    p->has_tls_hostname = true;
    p->tls_hostname = g_strdup(o->tls_hostname);
    p->has_tls_authz = true;
    p->tls_authz = g_strdup(o->tls_authz);
    p->has_multifd_zerocopy = true;
    p->multifd_zerocopy = o->caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND];
    return p;
}

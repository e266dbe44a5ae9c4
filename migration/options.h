/*
 * Migration capabilities and parameters, and every check between them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One MigrationOptions lives in each MigrationState (so one per machine);
 * the incoming side reads the same settings.  The options are only
 * touched on the main-loop thread (QMP/HMP); a migration takes a copy of
 * what it needs when it starts, so settings never change under a running
 * migration (and changing them while one runs is refused anyway).
 *
 * Every change goes through one path: copy the current settings, apply
 * the requested changes to the copy, validate the merged result as a
 * whole (ranges, things zcmig cannot do, and the conflicts between
 * settings), and only then commit.  So a conflict is caught whichever
 * order the settings come in and within one command that sets several,
 * and a refused command changes nothing.
 *
 * "zero-copy-send" (capability) and "multifd-zerocopy" (parameter) are
 * two names for the same switch: both queries show the one value.
 */
#ifndef MIGRATION_OPTIONS_H
#define MIGRATION_OPTIONS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/qapi-types.h"

/* QEMU 7.2's defaults (query-migrate-parameters of a fresh QEMU). */
#define MIGRATION_DEFAULT_MAX_BANDWIDTH (128 * 1024 * 1024)
#define MIGRATION_DEFAULT_DOWNTIME_LIMIT 300
#define MIGRATION_MAX_DOWNTIME_LIMIT 2000000
#define MIGRATION_DEFAULT_MULTIFD_CHANNELS 2
/*
 * zcmig's progress watchdog (parameter x-stall-timeout, seconds; 0 =
 * off): see migration/stall.h.
 */
#define MIGRATION_DEFAULT_STALL_TIMEOUT 60
#define MIGRATION_MAX_STALL_TIMEOUT 3600

/**
 * MigrationZerocopyProbe:
 * @done: the probe ran
 * @supported: setsockopt(SO_ZEROCOPY) succeeded on a TCP socket
 * @reason: why not (strerror text), when !@supported
 */
typedef struct MigrationZerocopyProbe {
    bool done;
    bool supported;
    char *reason;
} MigrationZerocopyProbe;

/**
 * MigrationOptions:
 *
 * The settings of one machine.  Strings are owned and never NULL.
 */
typedef struct MigrationOptions {
    bool caps[MIGRATION_CAPABILITY__MAX];

    uint64_t announce_initial;
    uint64_t announce_max;
    uint64_t announce_rounds;
    uint64_t announce_step;
    uint8_t compress_level;
    uint8_t compress_threads;
    bool compress_wait_thread;
    uint8_t decompress_threads;
    uint8_t throttle_trigger_threshold;
    uint8_t cpu_throttle_initial;
    uint8_t cpu_throttle_increment;
    bool cpu_throttle_tailslow;
    char *tls_creds;
    char *tls_hostname;
    char *tls_authz;
    uint64_t max_bandwidth;       /* bytes/s */
    uint64_t downtime_limit;      /* ms */
    uint32_t x_checkpoint_delay;  /* ms */
    bool block_incremental;
    uint8_t multifd_channels;
    uint64_t xbzrle_cache_size;
    uint64_t max_postcopy_bandwidth;
    uint8_t max_cpu_throttle;
    MultiFDCompression multifd_compression;
    uint8_t multifd_zlib_level;
    uint8_t multifd_zstd_level;
    uint32_t x_stall_timeout;     /* s, zcmig extension; 0 = off */

    /*
     * Host support for MSG_ZEROCOPY, probed once on first need.  Tests
     * may preset it (done = true) to exercise the "no kernel support"
     * path.
     */
    MigrationZerocopyProbe zerocopy_probe;
} MigrationOptions;

/* Fill @opts with QEMU 7.2's defaults (all capabilities off). */
void migration_options_init(MigrationOptions *opts);
/* Free the strings; @opts itself is not freed. */
void migration_options_destroy(MigrationOptions *opts);

/* True when zcmig can run with capability @cap set to true. */
bool migration_capability_supported(MigrationCapability cap);

/**
 * migration_options_set_capabilities:
 *
 * Apply @caps (in order; a later entry for the same capability wins) to
 * a copy of @opts, validate the result with migration_options_check()
 * and commit it.  Returns false with @errp set and @opts unchanged on
 * any error.  Does not check whether a migration is running (the caller
 * does: "There's a migration process in progress").
 */
bool migration_options_set_capabilities(MigrationOptions *opts,
                                        const MigrationCapabilityStatusList *caps,
                                        GError **errp);

/**
 * migration_options_set_parameters:
 *
 * Like migration_options_set_capabilities() for migrate-set-parameters:
 * every member of @params that is present is applied to a copy, the
 * merged settings are validated, and committed only if all is well.
 * A null tls-* string means "".
 */
bool migration_options_set_parameters(MigrationOptions *opts,
                                      const MigrateSetParameters *params,
                                      GError **errp);

/**
 * migration_options_check:
 *
 * Validate a complete set of settings: QEMU 7.2's range checks (with its
 * texts), what zcmig refuses (unsupported capabilities, TLS, multifd
 * compression), and the zero-copy conflicts (needs multifd, no
 * compression, no TLS, and host support).  Returns false with @errp set.
 */
bool migration_options_check(MigrationOptions *opts, GError **errp);

/* Newly allocated lists/structs for the query commands. */
MigrationCapabilityStatusList *
migration_options_query_capabilities(const MigrationOptions *opts);
MigrationParameters *
migration_options_query_parameters(const MigrationOptions *opts);

/*
 * Host support for zero-copy send: probes once (a TCP socket and
 * setsockopt(SO_ZEROCOPY)) and caches the result in @opts.  Returns
 * false with @errp set ("Zero copy send feature not detected in host
 * kernel") when unsupported.
 */
bool migration_options_zerocopy_host_check(MigrationOptions *opts,
                                           GError **errp);

/* Accessors used by the control plane. */
static inline bool migration_options_cap(const MigrationOptions *opts,
                                         MigrationCapability cap)
{
    return opts->caps[cap];
}

#endif /* MIGRATION_OPTIONS_H */

/*
 * Unit tests for migration/options.c: defaults, ranges, the zero-copy
 * conflict matrix (both orders, one command, several), refusals of what
 * zcmig cannot do, the two names of the zero-copy switch, and that a
 * refused command changes nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "migration/options.h"

#define ZC_ERR "Zero copy only available for non-compressed non-TLS " \
               "multifd migration"

typedef struct Fixture {
    MigrationOptions o;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    migration_options_init(&f->o);
    /*
     * The logic is tested independently of this host's kernel: pretend
     * the SO_ZEROCOPY probe succeeded (a separate case covers failure).
     */
    f->o.zerocopy_probe.done = true;
    f->o.zerocopy_probe.supported = true;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    migration_options_destroy(&f->o);
}

/* Set capabilities from "name=on,name=off" (one command). */
static bool set_caps(MigrationOptions *o, const char *spec, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    MigrationCapabilityStatusList *head = NULL, **tail = &head;
    bool ok;
    int i, c;

    for (i = 0; items[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(items[i], "=", 2);
        MigrationCapabilityStatusList *e = g_new0(MigrationCapabilityStatusList,
                                                  1);
        int cap = -1;

        for (c = 0; c < MIGRATION_CAPABILITY__MAX; c++) {
            if (strcmp(MigrationCapability_str(c), kv[0]) == 0) {
                cap = c;
            }
        }
        g_assert_cmpint(cap, >=, 0);
        e->value = g_new0(MigrationCapabilityStatus, 1);
        e->value->capability = cap;
        e->value->state = strcmp(kv[1], "on") == 0;
        *tail = e;
        tail = &e->next;
    }
    ok = migration_options_set_capabilities(o, head, errp);
    qapi_free_MigrationCapabilityStatusList(head);
    return ok;
}

static bool set_cap(MigrationOptions *o, MigrationCapability cap, bool on,
                    GError **errp)
{
    g_autofree char *spec = g_strdup_printf("%s=%s",
                                            MigrationCapability_str(cap),
                                            on ? "on" : "off");
    return set_caps(o, spec, errp);
}

static StrOrNull *str_or_null(const char *s)
{
    StrOrNull *r = g_new0(StrOrNull, 1);

    if (s) {
        r->type = QTYPE_QSTRING;
        r->u.s = g_strdup(s);
    } else {
        r->type = QTYPE_QNULL;
    }
    return r;
}

static void assert_error(GError *err, const char *text)
{
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, text);
}

static void test_defaults(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrationParameters) p =
        migration_options_query_parameters(&f->o);
    MigrationCapabilityStatusList *caps, *l;
    int n = 0;

    /* QEMU 7.2's query-migrate-parameters on a fresh process. */
    g_assert_cmpuint(p->announce_initial, ==, 50);
    g_assert_cmpuint(p->announce_max, ==, 550);
    g_assert_cmpuint(p->announce_rounds, ==, 5);
    g_assert_cmpuint(p->announce_step, ==, 100);
    g_assert_cmpuint(p->compress_level, ==, 1);
    g_assert_cmpuint(p->compress_threads, ==, 8);
    g_assert_true(p->compress_wait_thread);
    g_assert_cmpuint(p->decompress_threads, ==, 2);
    g_assert_cmpuint(p->throttle_trigger_threshold, ==, 50);
    g_assert_cmpuint(p->cpu_throttle_initial, ==, 20);
    g_assert_cmpuint(p->cpu_throttle_increment, ==, 10);
    g_assert_false(p->cpu_throttle_tailslow);
    g_assert_cmpuint(p->max_cpu_throttle, ==, 99);
    g_assert_cmpstr(p->tls_creds, ==, "");
    g_assert_cmpstr(p->tls_hostname, ==, "");
    g_assert_cmpstr(p->tls_authz, ==, "");
    g_assert_cmpuint(p->max_bandwidth, ==, 134217728);
    g_assert_cmpuint(p->downtime_limit, ==, 300);
    g_assert_cmpuint(p->x_checkpoint_delay, ==, 20000);
    g_assert_false(p->block_incremental);
    g_assert_cmpuint(p->multifd_channels, ==, 2);
    g_assert_cmpint(p->multifd_compression, ==, MULTIFD_COMPRESSION_NONE);
    g_assert_cmpuint(p->xbzrle_cache_size, ==, 67108864);
    g_assert_cmpuint(p->max_postcopy_bandwidth, ==, 0);
    g_assert_cmpuint(p->multifd_zlib_level, ==, 1);
    g_assert_cmpuint(p->multifd_zstd_level, ==, 1);
    g_assert_true(p->has_multifd_zerocopy);
    g_assert_false(p->multifd_zerocopy);

    caps = migration_options_query_capabilities(&f->o);
    for (l = caps; l; l = l->next) {
        g_assert_cmpint(l->value->capability, ==, n);
        g_assert_false(l->value->state);
        n++;
    }
    g_assert_cmpint(n, ==, MIGRATION_CAPABILITY__MAX);
    g_assert_cmpint(n, ==, 21);
    qapi_free_MigrationCapabilityStatusList(caps);
}

/* Every capability zcmig cannot do accepts false and refuses true. */
static void test_unsupported_caps(Fixture *f, gconstpointer data)
{
    int c;

    for (c = 0; c < MIGRATION_CAPABILITY__MAX; c++) {
        GError *err = NULL;
        g_autofree char *text = NULL;

        g_assert_true(set_cap(&f->o, c, false, &err));
        g_assert_no_error(err);
        if (migration_capability_supported(c)) {
            continue;
        }
        g_assert_false(set_cap(&f->o, c, true, &err));
        text = g_strdup_printf("Capability '%s' is not supported by zcmig",
                               MigrationCapability_str(c));
        assert_error(err, text);
        g_error_free(err);
        g_assert_false(f->o.caps[c]);
    }
}

static void test_supported_caps(Fixture *f, gconstpointer data)
{
    static const MigrationCapability ok[] = {
        MIGRATION_CAPABILITY_EVENTS, MIGRATION_CAPABILITY_RETURN_PATH,
        MIGRATION_CAPABILITY_PAUSE_BEFORE_SWITCHOVER,
        MIGRATION_CAPABILITY_AUTO_CONVERGE,
        MIGRATION_CAPABILITY_VALIDATE_UUID,
        MIGRATION_CAPABILITY_LATE_BLOCK_ACTIVATE,
        MIGRATION_CAPABILITY_MULTIFD,
    };
    GError *err = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ok); i++) {
        g_assert_true(set_cap(&f->o, ok[i], true, &err));
        g_assert_no_error(err);
        g_assert_true(f->o.caps[ok[i]]);
    }
}

/* libvirt's source-side list in its order, all in one command. */
static void test_libvirt_source_caps(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    g_assert_true(set_caps(&f->o,
                           "xbzrle=off,auto-converge=off,rdma-pin-all=off,"
                           "postcopy-ram=off,compress=off,"
                           "pause-before-switchover=on,"
                           "late-block-activate=off,multifd=on,"
                           "dirty-bitmaps=off,return-path=on,"
                           "zero-copy-send=on", &err));
    g_assert_no_error(err);
    g_assert_true(f->o.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]);
    /* ... and the reset to all false. */
    g_assert_true(set_caps(&f->o,
                           "xbzrle=off,auto-converge=off,rdma-pin-all=off,"
                           "postcopy-ram=off,compress=off,"
                           "pause-before-switchover=off,"
                           "late-block-activate=off,multifd=off,"
                           "dirty-bitmaps=off,return-path=off,"
                           "zero-copy-send=off", &err));
    g_assert_no_error(err);
}

static void test_zc_needs_multifd(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    /* zero copy first: refused */
    g_assert_false(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, true,
                           &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);
    g_assert_false(f->o.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]);

    /* multifd first, then zero copy: fine */
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_MULTIFD, true, &err));
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, true,
                          &err));
    g_assert_no_error(err);

    /* turning multifd off under zero copy: refused, nothing changes */
    g_assert_false(set_cap(&f->o, MIGRATION_CAPABILITY_MULTIFD, false, &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);
    g_assert_true(f->o.caps[MIGRATION_CAPABILITY_MULTIFD]);

    /* both off in one command: fine */
    g_assert_true(set_caps(&f->o, "multifd=off,zero-copy-send=off", &err));
    g_assert_no_error(err);
}

static void test_zc_multifd_one_command(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    /* Order inside one command does not matter either. */
    g_assert_true(set_caps(&f->o, "zero-copy-send=on,multifd=on", &err));
    g_assert_no_error(err);
    g_assert_true(f->o.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]);
    g_assert_true(f->o.caps[MIGRATION_CAPABILITY_MULTIFD]);

    /* A later entry for the same capability wins. */
    g_assert_false(set_caps(&f->o, "multifd=on,multifd=off", &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);
}

static void test_zc_compression_both_orders(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    p->has_multifd_compression = true;
    p->multifd_compression = MULTIFD_COMPRESSION_ZLIB;

    /* zero copy on, then compression: refused with QEMU's text */
    g_assert_true(set_caps(&f->o, "multifd=on,zero-copy-send=on", &err));
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);
    g_assert_cmpint(f->o.multifd_compression, ==, MULTIFD_COMPRESSION_NONE);

    /* compression without zero copy: zcmig is built without it */
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, false,
                          &err));
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    assert_error(err, "Multifd compression 'zlib' is not supported by zcmig "
                 "(built without it); use 'none'");
    g_clear_error(&err);

    p->multifd_compression = MULTIFD_COMPRESSION_ZSTD;
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    assert_error(err, "Multifd compression 'zstd' is not supported by zcmig "
                 "(built without it); use 'none'");
    g_clear_error(&err);

    /* the compress capability with multifd: QEMU's text */
    g_assert_false(set_cap(&f->o, MIGRATION_CAPABILITY_COMPRESS, true, &err));
    assert_error(err, "Multifd is not compatible with compress");
    g_clear_error(&err);

    /* xbzrle / compress capabilities under zero copy: the zero-copy text */
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, true,
                          &err));
    g_assert_false(set_cap(&f->o, MIGRATION_CAPABILITY_XBZRLE, true, &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);
}

static void test_zc_compression_one_command(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_MULTIFD, true, &err));
    /* zero copy by its parameter name plus compression, one command */
    p->has_multifd_zerocopy = true;
    p->multifd_zerocopy = true;
    p->has_multifd_compression = true;
    p->multifd_compression = MULTIFD_COMPRESSION_ZLIB;
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);
    g_assert_false(f->o.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]);

    /* with compression none it goes through */
    p->multifd_compression = MULTIFD_COMPRESSION_NONE;
    g_assert_true(migration_options_set_parameters(&f->o, p, &err));
    g_assert_no_error(err);
    g_assert_true(f->o.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]);
}

static void test_zc_tls_both_orders(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    g_autoptr(MigrateSetParameters) z = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    p->has_tls_creds = true;
    p->tls_creds = str_or_null("tls0");

    /* TLS alone: refused (zcmig has no TLS) */
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    assert_error(err, "TLS is not supported by zcmig: tls-creds must be "
                 "empty");
    g_clear_error(&err);
    g_assert_cmpstr(f->o.tls_creds, ==, "");

    /* zero copy on, then TLS: QEMU's zero-copy text */
    g_assert_true(set_caps(&f->o, "multifd=on,zero-copy-send=on", &err));
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);

    /* TLS and zero copy in one command */
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, false,
                          &err));
    z->has_tls_creds = true;
    z->tls_creds = str_or_null("tls0");
    z->has_multifd_zerocopy = true;
    z->multifd_zerocopy = true;
    g_assert_false(migration_options_set_parameters(&f->o, z, &err));
    assert_error(err, ZC_ERR);
    g_clear_error(&err);
    g_assert_false(f->o.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]);
}

/* libvirt's "tls-creds": "" and QEMU's null both mean no TLS. */
static void test_tls_empty_and_null(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    g_assert_true(set_caps(&f->o, "multifd=on,zero-copy-send=on", &err));
    p->has_tls_creds = true;
    p->tls_creds = str_or_null("");
    p->has_tls_hostname = true;
    p->tls_hostname = str_or_null(NULL);
    p->has_tls_authz = true;
    p->tls_authz = str_or_null("authz0");
    p->has_max_bandwidth = true;
    p->max_bandwidth = 9223372036853727232ULL;
    p->has_multifd_channels = true;
    p->multifd_channels = 4;
    g_assert_true(migration_options_set_parameters(&f->o, p, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(f->o.tls_creds, ==, "");
    g_assert_cmpstr(f->o.tls_hostname, ==, "");
    g_assert_cmpstr(f->o.tls_authz, ==, "authz0");
    g_assert_cmpuint(f->o.max_bandwidth, ==, 9223372036853727232ULL);
    g_assert_cmpuint(f->o.multifd_channels, ==, 4);
}

static void test_zc_two_names(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    MigrationCapabilityStatusList *caps, *l;
    GError *err = NULL;
    bool seen = false;

    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_MULTIFD, true, &err));

    /* set by parameter name: visible as the capability */
    p->has_multifd_zerocopy = true;
    p->multifd_zerocopy = true;
    g_assert_true(migration_options_set_parameters(&f->o, p, &err));
    caps = migration_options_query_capabilities(&f->o);
    for (l = caps; l; l = l->next) {
        if (l->value->capability == MIGRATION_CAPABILITY_ZERO_COPY_SEND) {
            g_assert_true(l->value->state);
            seen = true;
        }
    }
    g_assert_true(seen);
    qapi_free_MigrationCapabilityStatusList(caps);

    /* cleared by capability name: visible as the parameter */
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, false,
                          &err));
    {
        g_autoptr(MigrationParameters) q =
            migration_options_query_parameters(&f->o);
        g_assert_true(q->has_multifd_zerocopy);
        g_assert_false(q->multifd_zerocopy);
    }
    /* and set again by capability */
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, true,
                          &err));
    {
        g_autoptr(MigrationParameters) q =
            migration_options_query_parameters(&f->o);
        g_assert_true(q->multifd_zerocopy);
    }
    g_assert_no_error(err);
}

static void test_zc_no_kernel(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    f->o.zerocopy_probe.supported = false;
    f->o.zerocopy_probe.reason = g_strdup("SO_ZEROCOPY: Protocol not "
                                          "available");
    g_assert_true(set_cap(&f->o, MIGRATION_CAPABILITY_MULTIFD, true, &err));
    g_assert_false(set_cap(&f->o, MIGRATION_CAPABILITY_ZERO_COPY_SEND, true,
                           &err));
    assert_error(err, "Zero copy send feature not detected in host kernel");
    g_clear_error(&err);

    p->has_multifd_zerocopy = true;
    p->multifd_zerocopy = true;
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    assert_error(err, "Zero copy send feature not detected in host kernel");
    g_clear_error(&err);
    g_assert_false(f->o.caps[MIGRATION_CAPABILITY_ZERO_COPY_SEND]);
}

/* The real probe on this host: whatever it says, it says it consistently. */
static void test_zc_real_probe(void)
{
    MigrationOptions o;
    GError *err = NULL;
    bool ok;

    migration_options_init(&o);
    ok = migration_options_zerocopy_host_check(&o, &err);
    g_assert_true(o.zerocopy_probe.done);
    g_assert_cmpint(ok, ==, o.zerocopy_probe.supported);
    if (!ok) {
        assert_error(err, "Zero copy send feature not detected in host "
                     "kernel");
        g_clear_error(&err);
        g_test_message("host lacks SO_ZEROCOPY: %s",
                       o.zerocopy_probe.reason);
    }
    migration_options_destroy(&o);
}

typedef struct RangeCase {
    const char *name;
    void (*set)(MigrateSetParameters *p);
    const char *error; /* NULL: accepted */
} RangeCase;

#define SETTER(fname, field, val) \
    static void fname(MigrateSetParameters *p) \
    { \
        p->has_##field = true; \
        p->field = (val); \
    }

SETTER(set_channels_0, multifd_channels, 0)
SETTER(set_channels_1, multifd_channels, 1)
SETTER(set_channels_255, multifd_channels, 255)
SETTER(set_throttle_initial_0, cpu_throttle_initial, 0)
SETTER(set_throttle_initial_100, cpu_throttle_initial, 100)
SETTER(set_throttle_increment_0, cpu_throttle_increment, 0)
SETTER(set_max_throttle_5, max_cpu_throttle, 5)
SETTER(set_max_throttle_100, max_cpu_throttle, 100)
SETTER(set_downtime_max, downtime_limit, 2000000)
SETTER(set_downtime_over, downtime_limit, 2000001)
SETTER(set_compress_level_10, compress_level, 10)
SETTER(set_compress_threads_0, compress_threads, 0)
SETTER(set_decompress_threads_0, decompress_threads, 0)
SETTER(set_trigger_0, throttle_trigger_threshold, 0)
SETTER(set_trigger_101, throttle_trigger_threshold, 101)
SETTER(set_zlib_level_10, multifd_zlib_level, 10)
SETTER(set_zstd_level_21, multifd_zstd_level, 21)
SETTER(set_xbzrle_1000, xbzrle_cache_size, 1000)
SETTER(set_xbzrle_8192, xbzrle_cache_size, 8192)
SETTER(set_announce_step_0, announce_step, 0)
SETTER(set_announce_rounds_1001, announce_rounds, 1001)
SETTER(set_announce_initial_100001, announce_initial, 100001)
SETTER(set_announce_max_100001, announce_max, 100001)
SETTER(set_bandwidth_unlimited, max_bandwidth, 9223372036853727232ULL)
SETTER(set_bandwidth_huge, max_bandwidth, UINT64_MAX)

static const RangeCase range_cases[] = {
    { "multifd-channels/0", set_channels_0,
      "Parameter 'multifd_channels' expects a value between 1 and 255" },
    { "multifd-channels/1", set_channels_1, NULL },
    { "multifd-channels/255", set_channels_255, NULL },
    { "cpu-throttle-initial/0", set_throttle_initial_0,
      "Parameter 'cpu_throttle_initial' expects an integer in the range "
      "of 1 to 99" },
    { "cpu-throttle-initial/100", set_throttle_initial_100,
      "Parameter 'cpu_throttle_initial' expects an integer in the range "
      "of 1 to 99" },
    { "cpu-throttle-increment/0", set_throttle_increment_0,
      "Parameter 'cpu_throttle_increment' expects an integer in the range "
      "of 1 to 99" },
    { "max-cpu-throttle/below-initial", set_max_throttle_5,
      "Parameter 'max_cpu_throttle' expects an integer in the range of "
      "cpu_throttle_initial to 99" },
    { "max-cpu-throttle/100", set_max_throttle_100,
      "Parameter 'max_cpu_throttle' expects an integer in the range of "
      "cpu_throttle_initial to 99" },
    { "downtime-limit/max", set_downtime_max, NULL },
    { "downtime-limit/over", set_downtime_over,
      "Parameter 'downtime_limit' expects an integer in the range of 0 to "
      "(2000 * 1000) ms" },
    { "compress-level/10", set_compress_level_10,
      "Parameter 'compress_level' expects a value between 0 and 9" },
    { "compress-threads/0", set_compress_threads_0,
      "Parameter 'compress_threads' expects a value between 1 and 255" },
    { "decompress-threads/0", set_decompress_threads_0,
      "Parameter 'decompress_threads' expects a value between 1 and 255" },
    { "throttle-trigger-threshold/0", set_trigger_0,
      "Parameter 'throttle_trigger_threshold' expects an integer in the "
      "range of 1 to 100" },
    { "throttle-trigger-threshold/101", set_trigger_101,
      "Parameter 'throttle_trigger_threshold' expects an integer in the "
      "range of 1 to 100" },
    /* QEMU 7.2 accepts and ignores these two (see options.c) */
    { "multifd-zlib-level/10", set_zlib_level_10, NULL },
    { "multifd-zstd-level/21", set_zstd_level_21, NULL },
    { "xbzrle-cache-size/1000", set_xbzrle_1000,
      "Parameter 'xbzrle_cache_size' expects a power of two no less than "
      "the target page size" },
    { "xbzrle-cache-size/8192", set_xbzrle_8192, NULL },
    { "announce-step/0", set_announce_step_0,
      "Parameter 'announce_step' expects a value between 0 and 10000" },
    { "announce-rounds/1001", set_announce_rounds_1001,
      "Parameter 'announce_rounds' expects a value between 0 and 1000" },
    { "announce-initial/100001", set_announce_initial_100001,
      "Parameter 'announce_initial' expects a value between 0 and 100000" },
    { "announce-max/100001", set_announce_max_100001,
      "Parameter 'announce_max' expects a value between 0 and 100000" },
    { "max-bandwidth/libvirt-unlimited", set_bandwidth_unlimited, NULL },
    { "max-bandwidth/uint64-max", set_bandwidth_huge,
      "Parameter 'max_bandwidth' expects an integer in the range of 0 to "
      "9223372036854775807 bytes/second" },
};

static void test_range(gconstpointer data)
{
    const RangeCase *rc = data;
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    g_autoptr(MigrationParameters) before = NULL, after = NULL;
    MigrationOptions o;
    GError *err = NULL;
    bool ok;

    migration_options_init(&o);
    before = migration_options_query_parameters(&o);
    rc->set(p);
    ok = migration_options_set_parameters(&o, p, &err);
    if (rc->error) {
        g_assert_false(ok);
        assert_error(err, rc->error);
        g_clear_error(&err);
        /* refused: nothing changed */
        after = migration_options_query_parameters(&o);
        g_assert_cmpuint(after->multifd_channels, ==,
                         before->multifd_channels);
        g_assert_cmpuint(after->cpu_throttle_initial, ==,
                         before->cpu_throttle_initial);
        g_assert_cmpuint(after->max_cpu_throttle, ==,
                         before->max_cpu_throttle);
        g_assert_cmpuint(after->downtime_limit, ==, before->downtime_limit);
        g_assert_cmpuint(after->xbzrle_cache_size, ==,
                         before->xbzrle_cache_size);
        g_assert_cmpuint(after->max_bandwidth, ==, before->max_bandwidth);
    } else {
        g_assert_no_error(err);
        g_assert_true(ok);
    }
    /* ignored like QEMU 7.2 does: still the default */
    g_assert_cmpuint(o.multifd_zlib_level, ==, 1);
    g_assert_cmpuint(o.multifd_zstd_level, ==, 1);
    migration_options_destroy(&o);
}

/* One good and one bad setting in one command: all or nothing. */
static void test_atomic(Fixture *f, gconstpointer data)
{
    g_autoptr(MigrateSetParameters) p = g_new0(MigrateSetParameters, 1);
    GError *err = NULL;

    p->has_multifd_channels = true;
    p->multifd_channels = 8;
    p->has_downtime_limit = true;
    p->downtime_limit = 500;
    p->has_cpu_throttle_initial = true;
    p->cpu_throttle_initial = 0;
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    g_clear_error(&err);
    g_assert_cmpuint(f->o.multifd_channels, ==, 2);
    g_assert_cmpuint(f->o.downtime_limit, ==, 300);

    /* A max-cpu-throttle check against the merged cpu-throttle-initial */
    p->cpu_throttle_initial = 50;
    p->has_max_cpu_throttle = true;
    p->max_cpu_throttle = 40;
    g_assert_false(migration_options_set_parameters(&f->o, p, &err));
    g_clear_error(&err);
    p->max_cpu_throttle = 60;
    g_assert_true(migration_options_set_parameters(&f->o, p, &err));
    g_assert_cmpuint(f->o.multifd_channels, ==, 8);
    g_assert_cmpuint(f->o.downtime_limit, ==, 500);

    /* Capabilities: a refused list changes nothing either. */
    g_assert_false(set_caps(&f->o, "events=on,return-path=on,xbzrle=on",
                            &err));
    assert_error(err, "Capability 'xbzrle' is not supported by zcmig");
    g_clear_error(&err);
    g_assert_false(f->o.caps[MIGRATION_CAPABILITY_EVENTS]);
    g_assert_false(f->o.caps[MIGRATION_CAPABILITY_RETURN_PATH]);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

    ADD("/migration/options/defaults", test_defaults);
    ADD("/migration/options/caps/unsupported", test_unsupported_caps);
    ADD("/migration/options/caps/supported", test_supported_caps);
    ADD("/migration/options/caps/libvirt-source", test_libvirt_source_caps);
    ADD("/migration/options/zero-copy/needs-multifd", test_zc_needs_multifd);
    ADD("/migration/options/zero-copy/multifd-one-command",
        test_zc_multifd_one_command);
    ADD("/migration/options/zero-copy/compression-both-orders",
        test_zc_compression_both_orders);
    ADD("/migration/options/zero-copy/compression-one-command",
        test_zc_compression_one_command);
    ADD("/migration/options/zero-copy/tls-both-orders",
        test_zc_tls_both_orders);
    ADD("/migration/options/tls/empty-and-null", test_tls_empty_and_null);
    ADD("/migration/options/zero-copy/two-names", test_zc_two_names);
    ADD("/migration/options/zero-copy/no-kernel-support", test_zc_no_kernel);
    g_test_add_func("/migration/options/zero-copy/host-probe",
                    test_zc_real_probe);
    ADD("/migration/options/atomic", test_atomic);
    for (i = 0; i < G_N_ELEMENTS(range_cases); i++) {
        g_autofree char *path = g_strdup_printf("/migration/options/range/%s",
                                                range_cases[i].name);
        g_test_add_data_func(path, &range_cases[i], test_range);
    }
    return g_test_run();
}

/*
 * Live migration between zcmig processes with a guest workload writing
 * RAM: single stream and multifd, zero copy on and off, every RAM
 * backend; convergence with and without auto-converge; cancel under
 * load.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * After a completed migration the source is frozen (postmigrate) and the
 * destination is paused, so their RAM must be identical; the workload's
 * pattern check must pass on the destination, and after "cont" the
 * destination's workload carries the pattern on from where the source
 * stopped.
 */
#include "config-host.h"

#include <string.h>

#include "migration-helpers.h"

#define LIVE_RAM_KIB (64 * 1024)
#define LIVE_PAGES (LIVE_RAM_KIB / 4)

static JsonObject *obj(JsonNode *n)
{
    return json_node_get_object(n);
}

static void set_caps(MigProc *p, const char *list)
{
    g_auto(GStrv) names = g_strsplit(list, ",", -1);
    g_autoptr(GString) s = g_string_new(NULL);

    for (int i = 0; names[i]; i++) {
        g_string_append_printf(s, "%s{\"capability\": \"%s\", \"state\": "
                               "true}", i ? ", " : "", names[i]);
    }
    mig_cmd_ok(p, "{\"execute\": \"migrate-set-capabilities\", "
               "\"arguments\": {\"capabilities\": [%s]}}", s->str);
}

/* pages-written of workload w0. */
static int64_t pages_written(MigProc *p, bool *paused)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"x-zcmig-query-workloads\"}");
    JsonObject *w = json_array_get_object_element(json_node_get_array(r), 0);
    int64_t n = json_object_get_int_member(w, "pages-written");

    if (paused) {
        *paused = json_object_get_boolean_member(w, "paused");
    }
    json_node_unref(r);
    return n;
}

static void wait_pages_written(MigProc *p, int64_t n)
{
    gint64 deadline = g_get_monotonic_time() + MIG_TIMEOUT_MS * 1000LL;

    while (pages_written(p, NULL) < n) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(10 * 1000);    /* polling */
    }
}

/* x-zcmig-workload-verify; asserts ok and the page count. */
static void verify_ok(MigProc *p, const char *extra)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"x-zcmig-workload-verify\", "
                          "\"arguments\": {\"id\": \"w0\"%s}}", extra);

    if (!json_object_get_boolean_member(obj(r), "ok")) {
        g_autofree char *s = json_to_string(r, false);
        g_error("%s: pattern broken: %s", p->name, s);
    }
    g_assert_cmpint(json_object_get_int_member(obj(r), "pages-checked"), ==,
                    LIVE_PAGES);
    json_node_unref(r);
}

typedef struct LiveCase {
    const char *path;
    MigBackend backend;
    unsigned int channels;
    bool zerocopy;
    bool dst_workload;     /* destination has the same -object */
} LiveCase;

static char *backend_args(MigBackend b, const char *name)
{
    g_autofree char *file = g_build_filename(mig_tmpdir(), name, NULL);

    return mig_backend_args(b, LIVE_RAM_KIB, file);
}

static void test_under_load(gconstpointer data)
{
    const LiveCase *lc = data;
    g_autofree char *sargs = NULL, *dargs = NULL;
    g_autofree char *ssum = NULL, *dsum = NULL, *rs = NULL;
    const char *wl = "-object guest-workload,id=w0,threads=2,dirty-rate=8";
    int port = mig_free_port();
    MigProc *src, *dst;
    int64_t written;

    if (lc->zerocopy && !mig_have_zerocopy()) {
        g_test_skip("SO_ZEROCOPY not available");
        return;
    }
    sargs = g_strdup_printf("%s %s", backend_args(lc->backend, "src"), wl);
    /* -S: the destination stays paused after the migration. */
    dargs = g_strdup_printf("%s %s -S -incoming defer",
                            backend_args(lc->backend, "dst"),
                            lc->dst_workload ? wl : "");
    src = mig_proc_start("src", false, sargs);
    dst = mig_proc_start("dst", false, dargs);

    set_caps(src, lc->channels ? (lc->zerocopy ? "events,multifd,"
                                                 "zero-copy-send"
                                               : "events,multifd")
                               : "events");
    set_caps(dst, lc->channels ? "events,multifd" : "events");
    mig_cmd_ok(src, "{\"execute\": \"migrate-set-parameters\", \"arguments\":"
               " {\"max-bandwidth\": %d, \"downtime-limit\": 300%s}}",
               32 << 20, lc->channels ? ", \"multifd-channels\": 2" : "");
    if (lc->channels) {
        mig_cmd_ok(dst, "{\"execute\": \"migrate-set-parameters\", "
                   "\"arguments\": {\"multifd-channels\": 2}}");
    }
    mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    wait_pages_written(src, 1024);
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    mig_wait_migration_event(src, "completed", MIG_TIMEOUT_MS);
    mig_wait_migration_event(dst, "completed", MIG_TIMEOUT_MS);
    /* Setup, at least one round of what the guest dirtied, final. */
    g_assert_cmpint(mig_query_ram_int(src, "dirty-sync-count"), >=, 3);
    json_object_unref(mig_wait_event(src, "MIGRATION_PASS", 1000));
    g_assert_null(mig_wait_event(src, "STOP", 1000));   /* no data */

    rs = mig_run_state(src);
    g_assert_cmpstr(rs, ==, "postmigrate");
    mig_wait_run_state(dst, "paused", MIG_TIMEOUT_MS);
    /* Both stand still: the RAM must be the same, byte for byte. */
    ssum = mig_ram_checksum(src);
    dsum = mig_ram_checksum(dst);
    g_assert_cmpstr(ssum, ==, dsum);
    verify_ok(src, "");
    verify_ok(dst, lc->dst_workload ? "" : ", \"threads\": 2");

    if (lc->dst_workload) {
        /* The destination's workload continues the source's pattern. */
        written = pages_written(dst, NULL);
        g_assert_cmpint(written, ==, 0);
        mig_cmd_ok(dst, "{\"execute\": \"cont\"}");
        wait_pages_written(dst, 4096);
        verify_ok(dst, "");
    }
    mig_proc_free(src);
    mig_proc_free(dst);
}

/*
 * A guest that dirties 64 MiB/s against an 8 MiB/s link: without
 * auto-converge still active after 5 dirty syncs (then cancelled: the
 * source runs on, pattern intact); with it, the throttle rises and the
 * migration completes.
 */
static void test_convergence(gconstpointer data)
{
    bool ac = GPOINTER_TO_INT(data);
    g_autofree char *sargs = NULL, *dargs = NULL, *rs = NULL;
    int port = mig_free_port();
    int64_t max_throttle = 0;
    gint64 deadline = g_get_monotonic_time() + MIG_TIMEOUT_MS * 1000LL;
    MigProc *src, *dst;
    bool paused = true;

    sargs = g_strdup_printf("%s -object guest-workload,id=w0,threads=2,"
                            "dirty-rate=64", backend_args(MIG_BACKEND_RAM,
                                                          "src"));
    dargs = g_strdup_printf("%s -S -incoming defer",
                            backend_args(MIG_BACKEND_RAM, "dst"));
    src = mig_proc_start("src", false, sargs);
    dst = mig_proc_start("dst", false, dargs);
    set_caps(src, ac ? "events,auto-converge" : "events");
    set_caps(dst, "events");
    mig_cmd_ok(src, "{\"execute\": \"migrate-set-parameters\", \"arguments\":"
               " {\"max-bandwidth\": %d, \"downtime-limit\": 100, "
               "\"cpu-throttle-initial\": 50, "
               "\"cpu-throttle-increment\": 49}}", 8 << 20);
    mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    wait_pages_written(src, 1024);
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);

    for (;;) {
        JsonNode *r = mig_cmd(src, "{\"execute\": \"query-migrate\"}");
        const char *st = json_object_get_string_member(obj(r), "status");
        bool done = !strcmp(st, "completed");

        g_assert_cmpstr(st, !=, "failed");
        if (json_object_has_member(obj(r), "cpu-throttle-percentage")) {
            max_throttle = MAX(max_throttle, json_object_get_int_member(
                                   obj(r), "cpu-throttle-percentage"));
        } else {
            /* QEMU shows it exactly when auto-converge is on. */
            g_assert_true(!ac || strcmp(st, "active") != 0);
        }
        if (!ac && !strcmp(st, "active") &&
            json_object_has_member(obj(r), "ram") &&
            json_object_get_int_member(
                json_object_get_object_member(obj(r), "ram"),
                "dirty-sync-count") >= 5) {
            json_node_unref(r);
            break;
        }
        json_node_unref(r);
        g_assert_false(done && !ac);
        if (done) {
            break;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(50 * 1000);    /* polling */
    }

    if (ac) {
        g_assert_cmpint(max_throttle, >=, 50);
        mig_wait_migration_event(dst, "completed", MIG_TIMEOUT_MS);
        mig_wait_run_state(dst, "paused", MIG_TIMEOUT_MS);
        verify_ok(dst, ", \"threads\": 2");
    } else {
        g_assert_cmpint(max_throttle, ==, 0);
        mig_cmd_ok(src, "{\"execute\": \"migrate_cancel\"}");
        g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "cancelled", NULL));
        rs = mig_run_state(src);
        g_assert_cmpstr(rs, ==, "running");
        /* The source's guest goes on writing, its pattern consistent. */
        wait_pages_written(src, pages_written(src, &paused) + 4096);
        g_assert_false(paused);
        verify_ok(src, "");
    }
    mig_proc_free(src);
    mig_proc_free(dst);
}

int main(int argc, char **argv)
{
    static const LiveCase cases[] = {
        { "/migration-live/single/ram", MIG_BACKEND_RAM, 0, false, true },
        { "/migration-live/single/memfd", MIG_BACKEND_MEMFD, 0, false, true },
        { "/migration-live/single/file", MIG_BACKEND_FILE, 0, false, false },
        { "/migration-live/multifd/ram", MIG_BACKEND_RAM, 2, false, false },
        { "/migration-live/multifd/memfd", MIG_BACKEND_MEMFD, 2, false, true },
        { "/migration-live/multifd/file", MIG_BACKEND_FILE, 2, false, true },
        { "/migration-live/multifd-zerocopy/ram", MIG_BACKEND_RAM, 2, true,
          true },
        { "/migration-live/multifd-zerocopy/memfd", MIG_BACKEND_MEMFD, 2,
          true, false },
        { "/migration-live/multifd-zerocopy/file", MIG_BACKEND_FILE, 2, true,
          true },
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_add_data_func(cases[i].path, &cases[i], test_under_load);
    }
    g_test_add_data_func("/migration-live/convergence/without-auto-converge",
                         GINT_TO_POINTER(false), test_convergence);
    g_test_add_data_func("/migration-live/convergence/auto-converge",
                         GINT_TO_POINTER(true), test_convergence);
    return g_test_run();
}

/*
 * Dirty tracking only when something writes guest RAM: a migration
 * without a started guest workload runs without the kernel tracker (and
 * without the prefault it needs), and while it runs every guest RAM
 * writer (x-zcmig-fill-ram, x-zcmig-workload-start) is refused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "migration-helpers.h"

#define UT_RAM_KIB (32 * 1024)
#define UNTRACKED_ERR "Cannot write guest RAM while a migration without " \
                      "dirty tracking is in progress"

/* x-zcmig-query-dirty-tracking: enabled, and the reason (g_free). */
static bool query_tracking(MigProc *p, bool *started, char **reason)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": "
                          "\"x-zcmig-query-dirty-tracking\"}");
    JsonObject *o = json_node_get_object(r);
    bool enabled = json_object_get_boolean_member(o, "enabled");

    *started = json_object_get_boolean_member(o, "migration-started");
    *reason = g_strdup(json_object_get_string_member(o, "reason"));
    json_node_unref(r);
    return enabled;
}

static MigProc *start_vm(const char *name, const char *extra)
{
    g_autofree char *file = g_build_filename(mig_tmpdir(), name, NULL);
    g_autofree char *be = mig_backend_args(MIG_BACKEND_FILE, UT_RAM_KIB,
                                           file);
    g_autofree char *args = g_strdup_printf("%s %s", be, extra);

    return mig_proc_start(name, false, args);
}

static void migrate(MigProc *src, MigProc *dst, int port)
{
    mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"tcp:127.0.0.1:%d\"}}", port);
}

/*
 * No workload started (w0 exists with start=off): no tracking; held at
 * pre-switchover, fill-ram and workload start are refused with the
 * exact error; the migration completes byte-identical; afterwards RAM
 * writers are allowed again.
 */
static void test_no_workload(void)
{
    MigProc *src = start_vm("src", "-object guest-workload,id=w0,start=off");
    MigProc *dst = start_vm("dst", "-S -incoming defer");
    g_autofree char *reason = NULL, *e1 = NULL, *e2 = NULL, *e3 = NULL;
    g_autofree char *ssum = NULL, *dsum = NULL;
    bool started;

    mig_cmd_ok(src, "{\"execute\": \"x-zcmig-fill-ram\", \"arguments\": "
               "{\"seed\": 7, \"zero-every\": 5}}");
    g_assert_false(query_tracking(src, &started, &reason));
    g_assert_false(started);
    g_assert_cmpstr(reason, ==,
                    "nothing writes guest RAM (no guest workload started)");
    g_clear_pointer(&reason, g_free);

    mig_cmd_ok(src, "{\"execute\": \"migrate-set-capabilities\", "
               "\"arguments\": {\"capabilities\": [{\"capability\": "
               "\"events\", \"state\": true}, {\"capability\": "
               "\"pause-before-switchover\", \"state\": true}]}}");
    migrate(src, dst, mig_free_port());
    mig_wait_migration_event(src, "pre-switchover", MIG_TIMEOUT_MS);

    g_assert_false(query_tracking(src, &started, &reason));
    g_assert_true(started);
    e1 = mig_cmd_err(src, "{\"execute\": \"x-zcmig-fill-ram\"}");
    g_assert_cmpstr(e1, ==, UNTRACKED_ERR);
    e2 = mig_cmd_err(src, "{\"execute\": \"x-zcmig-workload-start\", "
                     "\"arguments\": {\"id\": \"w0\"}}");
    g_assert_cmpstr(e2, ==, UNTRACKED_ERR);
    /* HMP has no fill-ram; the QMP refusal is what matters. */

    mig_cmd_ok(src, "{\"execute\": \"migrate-continue\", \"arguments\": "
               "{\"state\": \"pre-switchover\"}}");
    mig_wait_migration_event(src, "completed", MIG_TIMEOUT_MS);
    g_free(mig_wait_status(dst, MIG_TIMEOUT_MS, "completed", NULL));

    ssum = mig_ram_checksum(src);
    dsum = mig_ram_checksum(dst);
    g_assert_cmpstr(ssum, ==, dsum);
    g_clear_pointer(&reason, g_free);
    g_assert_false(query_tracking(src, &started, &reason));
    g_assert_true(started);

    /* The migration is over: writers are allowed again. */
    e3 = mig_cmd_try(src, "{\"execute\": \"x-zcmig-workload-start\", "
                     "\"arguments\": {\"id\": \"w0\"}}");
    g_assert_cmpstr(e3, ==, "");
    mig_proc_free(src);
    mig_proc_free(dst);
}

/* A started workload arms the tracker; the migration completes. */
static void test_workload(void)
{
    MigProc *src = start_vm("src", "-object guest-workload,id=w0,threads=1,"
                            "dirty-rate=4");
    MigProc *dst = start_vm("dst", "-S -incoming defer");
    g_autofree char *reason = NULL;
    bool started;

    g_assert_true(query_tracking(src, &started, &reason));
    g_assert_false(started);
    g_clear_pointer(&reason, g_free);
    mig_cmd_ok(src, "{\"execute\": \"migrate-set-capabilities\", "
               "\"arguments\": {\"capabilities\": [{\"capability\": "
               "\"events\", \"state\": true}]}}");
    migrate(src, dst, mig_free_port());
    mig_wait_migration_event(src, "completed", MIG_TIMEOUT_MS);
    g_assert_true(query_tracking(src, &started, &reason));
    g_assert_true(started);
    g_assert_cmpstr(reason, ==, "a guest workload is started");
    /* Setup, at least one round, final: tracking did rounds. */
    g_assert_cmpint(mig_query_ram_int(src, "dirty-sync-count"), >=, 2);
    mig_proc_free(src);
    mig_proc_free(dst);
}

/* ZCMIG_DIRTY_TRACKING forces the tracker without a workload. */
static void test_forced(void)
{
    MigProc *src, *dst;
    g_autofree char *reason = NULL;
    bool started;

    g_setenv("ZCMIG_DIRTY_TRACKING", "auto", TRUE);
    src = start_vm("src", "");
    g_unsetenv("ZCMIG_DIRTY_TRACKING");
    dst = start_vm("dst", "-S -incoming defer");

    mig_cmd_ok(src, "{\"execute\": \"migrate-set-capabilities\", "
               "\"arguments\": {\"capabilities\": [{\"capability\": "
               "\"events\", \"state\": true}]}}");
    migrate(src, dst, mig_free_port());
    mig_wait_migration_event(src, "completed", MIG_TIMEOUT_MS);
    g_assert_true(query_tracking(src, &started, &reason));
    g_assert_cmpstr(reason, ==, "forced by ZCMIG_DIRTY_TRACKING");
    mig_proc_free(src);
    mig_proc_free(dst);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/untracked/no-workload", test_no_workload);
    g_test_add_func("/migration/untracked/workload", test_workload);
    g_test_add_func("/migration/untracked/forced", test_forced);
    return g_test_run();
}

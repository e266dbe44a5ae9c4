/*
 * The progress watchdog's bookkeeping (migration/stall.c), with explicit
 * times: no waiting.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "migration/stall.h"

static void test_off_and_unarmed(void)
{
    MigrationStallWatch w = { 0 };

    g_assert_false(migration_stall_check(&w, 0, false, 1000000));
    migration_stall_arm(&w, 0, 0, 0);
    g_assert_false(migration_stall_check(&w, 0, false, 1000000));
}

static void test_fires_once_after_timeout(void)
{
    MigrationStallWatch w = { 0 };

    migration_stall_arm(&w, 2, 100, 1000);
    g_assert_false(migration_stall_check(&w, 100, false, 2999));
    g_assert_true(migration_stall_check(&w, 100, false, 3000));
    g_assert_true(w.fired);
    g_assert_false(migration_stall_check(&w, 100, false, 9000));
}

static void test_progress_restarts(void)
{
    MigrationStallWatch w = { 0 };

    migration_stall_arm(&w, 2, 0, 0);
    g_assert_false(migration_stall_check(&w, 1, false, 1999));
    /* 2 s since the start, but only 1 s since the last progress */
    g_assert_false(migration_stall_check(&w, 1, false, 2999));
    g_assert_true(migration_stall_check(&w, 1, false, 3999));
}

static void test_paused_does_not_count(void)
{
    MigrationStallWatch w = { 0 };

    migration_stall_arm(&w, 1, 5, 0);
    /* a long pre-switchover wait */
    g_assert_false(migration_stall_check(&w, 5, true, 500));
    g_assert_false(migration_stall_check(&w, 5, true, 60000));
    /* the time counts again from the end of the pause */
    g_assert_false(migration_stall_check(&w, 5, false, 60999));
    g_assert_true(migration_stall_check(&w, 5, false, 61000));
}

static void test_rearm_resets(void)
{
    MigrationStallWatch w = { 0 };

    migration_stall_arm(&w, 1, 0, 0);
    g_assert_true(migration_stall_check(&w, 0, false, 1000));
    migration_stall_arm(&w, 1, 0, 5000);
    g_assert_false(w.fired);
    g_assert_false(migration_stall_check(&w, 0, false, 5999));
    g_assert_true(migration_stall_check(&w, 0, false, 6000));
}

static void test_texts(void)
{
    g_autofree char *s = migration_stall_source_error(60);
    g_autofree char *d = migration_stall_incoming_error(5);

    g_assert_cmpstr(s, ==, "Migration stalled: no data accepted by the "
                    "destination for 60 s (it stopped reading?)");
    g_assert_cmpstr(d, ==, "Migration stalled: no data received from the "
                    "source for 5 s");
}

static gboolean tick(gpointer opaque)
{
    int *n = opaque;

    (*n)++;
    return G_SOURCE_CONTINUE;
}

/* The timer ticks on the given context and stops cleanly. */
static void test_timer(void)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    GSource *src;
    int n = 0;
    int64_t deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    g_assert_null(migration_stall_timer_start(NULL, tick, &n));
    src = migration_stall_timer_start(ctx, tick, &n);
    g_assert_nonnull(src);
    while (n < 2 && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(ctx, TRUE);
    }
    g_assert_cmpint(n, >=, 2);
    migration_stall_timer_stop(&src);
    g_assert_null(src);
    migration_stall_timer_stop(&src);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/stall/off", test_off_and_unarmed);
    g_test_add_func("/migration/stall/fires-once",
                    test_fires_once_after_timeout);
    g_test_add_func("/migration/stall/progress", test_progress_restarts);
    g_test_add_func("/migration/stall/paused", test_paused_does_not_count);
    g_test_add_func("/migration/stall/rearm", test_rearm_resets);
    g_test_add_func("/migration/stall/texts", test_texts);
    g_test_add_func("/migration/stall/timer", test_timer);
    return g_test_run();
}

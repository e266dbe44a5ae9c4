/*
 * The QMP conversation libvirt 9.0 has with QEMU 7.2 for
 * "virsh migrate --live --parallel --parallel-connections 4 --zerocopy"
 * (docs: /work/shared/docs/libvirt-qmp.md), replayed command by command
 * against a zcmig source and a zcmig destination.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migration-helpers.h"

#define RAM_ARGS "-m 64M -object memory-backend-memfd,id=mem0,size=64M " \
                 "-machine memory-backend=mem0"

static int libvirt_id;

/* A libvirt command: compact, with "libvirt-N" ids. */
#define LV(p, fmt, ...) \
    mig_cmd((p), "{\"execute\":" fmt ",\"id\":\"libvirt-%d\"}", \
            ##__VA_ARGS__, ++libvirt_id)
#define LV_OK(p, fmt, ...) \
    mig_cmd_ok((p), "{\"execute\":" fmt ",\"id\":\"libvirt-%d\"}", \
               ##__VA_ARGS__, ++libvirt_id)

static const char *const libvirt_caps[] = {
    "xbzrle", "auto-converge", "rdma-pin-all", "postcopy-ram", "compress",
    "pause-before-switchover", "late-block-activate", "multifd",
    "dirty-bitmaps", "return-path", "zero-copy-send",
};

/* libvirt's ordered capability list with @on set true. */
static char *caps_json(const char *on)
{
    g_autoptr(GString) s = g_string_new("[");
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(libvirt_caps); i++) {
        g_autofree char *needle = g_strdup_printf(",%s,", libvirt_caps[i]);
        g_autofree char *hay = g_strdup_printf(",%s,", on);

        g_string_append_printf(s, "%s{\"capability\":\"%s\",\"state\":%s}",
                               i ? "," : "", libvirt_caps[i],
                               strstr(hay, needle) ? "true" : "false");
    }
    g_string_append(s, "]");
    return g_string_free(g_steal_pointer(&s), false);
}

/* Step 2 of every VM start: the advertised capabilities. */
static void check_advertised(MigProc *p)
{
    JsonNode *r = LV(p, "\"query-migrate-capabilities\"");
    JsonArray *a = json_node_get_array(r);
    const char *need[] = { "multifd", "return-path", "zero-copy-send",
                           "pause-before-switchover", "late-block-activate" };
    size_t i;
    guint j;

    for (i = 0; i < G_N_ELEMENTS(need); i++) {
        bool found = false;
        for (j = 0; j < json_array_get_length(a); j++) {
            JsonObject *o = json_array_get_object_element(a, j);
            if (!strcmp(json_object_get_string_member(o, "capability"),
                        need[i])) {
                found = true;
                g_assert_false(json_object_get_boolean_member(o, "state"));
            }
        }
        g_assert_true(found);
    }
    json_node_unref(r);
    LV_OK(p, "\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
          "[{\"capability\":\"events\",\"state\":true}]}");
}

/* query-migrate-parameters with the keys libvirt saves. */
static JsonNode *saved_params(MigProc *p)
{
    JsonNode *r = LV(p, "\"query-migrate-parameters\"");
    JsonObject *o = json_node_get_object(r);
    const char *keys[] = {
        "compress-level", "compress-threads", "decompress-threads",
        "cpu-throttle-initial", "cpu-throttle-increment",
        "multifd-channels", "max-bandwidth", "downtime-limit",
        "xbzrle-cache-size", "max-postcopy-bandwidth", "block-incremental",
        "tls-creds", "tls-hostname",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_assert_true(json_object_has_member(o, keys[i]));
    }
    return r;
}

/* The reset libvirt does afterwards: the saved values back. */
static void restore_params(MigProc *p, JsonNode *saved)
{
    JsonObject *o = json_node_get_object(saved);
    g_autofree char *none = caps_json("");

    LV_OK(p, "\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
          "%s}", none);
    LV_OK(p, "\"migrate-set-parameters\",\"arguments\":{"
          "\"compress-level\":%" G_GINT64_FORMAT ","
          "\"compress-threads\":%" G_GINT64_FORMAT ","
          "\"decompress-threads\":%" G_GINT64_FORMAT ","
          "\"cpu-throttle-initial\":%" G_GINT64_FORMAT ","
          "\"cpu-throttle-increment\":%" G_GINT64_FORMAT ","
          "\"multifd-channels\":%" G_GINT64_FORMAT ","
          "\"max-bandwidth\":%" G_GINT64_FORMAT ","
          "\"downtime-limit\":%" G_GINT64_FORMAT ","
          "\"xbzrle-cache-size\":%" G_GINT64_FORMAT ","
          "\"max-postcopy-bandwidth\":%" G_GINT64_FORMAT ","
          "\"block-incremental\":%s,"
          "\"tls-creds\":\"%s\",\"tls-hostname\":\"%s\"}",
          json_object_get_int_member(o, "compress-level"),
          json_object_get_int_member(o, "compress-threads"),
          json_object_get_int_member(o, "decompress-threads"),
          json_object_get_int_member(o, "cpu-throttle-initial"),
          json_object_get_int_member(o, "cpu-throttle-increment"),
          json_object_get_int_member(o, "multifd-channels"),
          json_object_get_int_member(o, "max-bandwidth"),
          json_object_get_int_member(o, "downtime-limit"),
          json_object_get_int_member(o, "xbzrle-cache-size"),
          json_object_get_int_member(o, "max-postcopy-bandwidth"),
          json_object_get_boolean_member(o, "block-incremental") ?
          "true" : "false",
          json_object_get_string_member(o, "tls-creds"),
          json_object_get_string_member(o, "tls-hostname"));
}

static void test_libvirt(void)
{
    g_autofree char *dst_args = g_strdup_printf("%s -S -incoming defer",
                                                RAM_ARGS);
    g_autofree char *src_caps = NULL, *dst_caps = NULL;
    g_autofree char *src_sum = NULL, *dst_sum = NULL, *st = NULL;
    MigProc *src, *dst;
    JsonNode *r, *src_saved, *dst_saved;
    JsonObject *o;
    int port = mig_free_port();
    int status;
    gint64 deadline;

    if (!mig_have_zerocopy()) {
        g_test_skip("the kernel refuses SO_ZEROCOPY: libvirt's --zerocopy "
                    "cannot work here");
        return;
    }

    /* Every VM start. */
    dst = mig_proc_start("dst", false, dst_args);
    check_advertised(dst);
    src = mig_proc_start("src", false, RAM_ARGS);
    check_advertised(src);
    mig_cmd_ok(src, "{\"execute\": \"x-zcmig-fill-ram\", \"arguments\": "
               "{\"seed\": 9, \"zero-every\": 10}}");
    src_sum = mig_ram_checksum(src);

    /* Source, steps 1-4. */
    r = LV(src, "\"query-block\"");
    g_assert_cmpuint(json_array_get_length(json_node_get_array(r)), ==, 0);
    json_node_unref(r);
    r = LV(src, "\"query-migrate\"");
    g_assert_cmpuint(json_object_get_size(json_node_get_object(r)), ==, 0);
    json_node_unref(r);
    src_saved = saved_params(src);
    src_caps = caps_json("pause-before-switchover,multifd,return-path,"
                         "zero-copy-send");
    LV_OK(src, "\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
          "%s}", src_caps);
    LV_OK(src, "\"migrate-set-parameters\",\"arguments\":{\"tls-creds\":\"\","
          "\"tls-hostname\":\"\",\"max-bandwidth\":9223372036853727232,"
          "\"multifd-channels\":4}");

    /* Destination, steps 1-3. */
    dst_saved = saved_params(dst);
    dst_caps = caps_json("late-block-activate,multifd,return-path");
    LV_OK(dst, "\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
          "%s}", dst_caps);
    LV_OK(dst, "\"migrate-set-parameters\",\"arguments\":{\"tls-creds\":\"\","
          "\"tls-hostname\":\"\",\"multifd-channels\":4}");
    /* all addresses, IPv6 dual-stack; libvirt's fallback without IPv6 */
    LV_OK(dst, "\"migrate-incoming\",\"arguments\":{\"uri\":"
          "\"tcp:%s:%d\"}", mig_have_ipv6() ? "[::]" : "0.0.0.0", port);

    /* Source, steps 6-8: events only. */
    LV_OK(src, "\"migrate\",\"arguments\":{\"detach\":true,\"resume\":false,"
          "\"uri\":\"tcp:127.0.0.1:%d\"}", port);
    mig_wait_migration_event(src, "setup", MIG_TIMEOUT_MS);
    mig_wait_migration_event(src, "active", MIG_TIMEOUT_MS);
    mig_wait_migration_event(src, "pre-switchover", MIG_TIMEOUT_MS);
    mig_wait_event(src, "STOP", MIG_TIMEOUT_MS);
    r = LV(src, "\"query-migrate\"");
    o = json_node_get_object(r);
    g_assert_cmpstr(json_object_get_string_member(o, "status"), ==,
                    "pre-switchover");
    g_assert_true(json_object_has_member(
        json_object_get_object_member(o, "ram"), "transferred"));
    json_node_unref(r);
    LV_OK(src, "\"migrate-continue\",\"arguments\":"
          "{\"state\":\"pre-switchover\"}");
    mig_wait_migration_event(src, "device", MIG_TIMEOUT_MS);
    mig_wait_migration_event(src, "completed", MIG_TIMEOUT_MS);
    r = LV(src, "\"query-migrate\"");
    o = json_node_get_object(r);
    g_assert_cmpstr(json_object_get_string_member(o, "status"), ==,
                    "completed");
    {
        JsonObject *ram = json_object_get_object_member(o, "ram");
        g_assert_cmpint(json_object_get_int_member(ram, "total"), ==,
                        64 << 20);
        g_assert_cmpint(json_object_get_int_member(ram, "remaining"), ==, 0);
        /* loopback copies: missed syncs or channels that fell back */
        mig_check_zero_copy_loopback(src, 4, json_object_get_int_member(
                                         ram, "dirty-sync-missed-zero-copy"));
        g_assert_true(json_object_has_member(o, "downtime"));
    }
    json_node_unref(r);

    /* Destination, steps 4-5. */
    mig_wait_migration_event(dst, "completed", MIG_TIMEOUT_MS);
    r = LV(dst, "\"query-chardev\"");
    json_node_unref(r);
    r = LV(dst, "\"qom-list\",\"arguments\":{\"path\":\"/machine/peripheral\"}");
    json_node_unref(r);
    r = LV(dst, "\"query-block\"");
    json_node_unref(r);
    st = mig_run_state(dst);
    g_assert_cmpstr(st, ==, "paused");      /* -S: waits for cont */
    dst_sum = mig_ram_checksum(dst);
    g_assert_cmpstr(dst_sum, ==, src_sum);
    LV_OK(dst, "\"cont\"");
    mig_wait_event(dst, "RESUME", MIG_TIMEOUT_MS);
    r = LV(dst, "\"query-status\"");
    g_assert_true(json_object_get_boolean_member(json_node_get_object(r),
                                                 "running"));
    json_node_unref(r);
    restore_params(dst, dst_saved);

    /* Source step 9: success means SIGTERM, and a clean exit. */
    kill(src->pid, SIGTERM);
    deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (waitpid(src->pid, &status, WNOHANG) != src->pid) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(10 * 1000);
    }
    src->exited = true;
    g_assert_true(WIFEXITED(status) || WIFSIGNALED(status));
    if (WIFEXITED(status)) {
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    }

    json_node_unref(src_saved);
    json_node_unref(dst_saved);
    mig_proc_free(src);
    mig_proc_free(dst);
}

/* virsh domjobabort: migrate_cancel, restore the settings, cont. */
static void test_libvirt_abort(void)
{
    g_autofree char *dst_args = g_strdup_printf("%s -S -incoming defer",
                                                RAM_ARGS);
    g_autofree char *src_caps = NULL, *sum = NULL, *sum2 = NULL;
    MigProc *src, *dst;
    JsonNode *saved, *r;
    int port = mig_free_port();

    dst = mig_proc_start("dst", false, dst_args);
    check_advertised(dst);
    src = mig_proc_start("src", false, RAM_ARGS);
    check_advertised(src);
    mig_cmd_ok(src, "{\"execute\": \"x-zcmig-fill-ram\", \"arguments\": "
               "{\"seed\": 5}}");
    sum = mig_ram_checksum(src);
    saved = saved_params(src);
    src_caps = caps_json("pause-before-switchover,multifd,return-path");
    LV_OK(src, "\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
          "%s}", src_caps);
    LV_OK(src, "\"migrate-set-parameters\",\"arguments\":{\"tls-creds\":\"\","
          "\"tls-hostname\":\"\",\"max-bandwidth\":9223372036853727232,"
          "\"multifd-channels\":4}");
    LV_OK(dst, "\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
          "[{\"capability\":\"multifd\",\"state\":true}]}");
    LV_OK(dst, "\"migrate-set-parameters\",\"arguments\":{\"multifd-channels\":4}");
    LV_OK(dst, "\"migrate-incoming\",\"arguments\":{\"uri\":"
          "\"tcp:127.0.0.1:%d\"}", port);
    LV_OK(src, "\"migrate\",\"arguments\":{\"detach\":true,\"resume\":false,"
          "\"uri\":\"tcp:127.0.0.1:%d\"}", port);
    mig_wait_migration_event(src, "pre-switchover", MIG_TIMEOUT_MS);
    LV_OK(src, "\"migrate_cancel\"");
    mig_wait_migration_event(src, "cancelled", MIG_TIMEOUT_MS);
    /* libvirt's reset, then cont: must all succeed */
    restore_params(src, saved);
    LV_OK(src, "\"cont\"");
    r = LV(src, "\"query-status\"");
    g_assert_true(json_object_get_boolean_member(json_node_get_object(r),
                                                 "running"));
    json_node_unref(r);
    sum2 = mig_ram_checksum(src);
    g_assert_cmpstr(sum, ==, sum2);
    /* libvirt kills the destination; it had failed and stayed up */
    g_free(mig_wait_status(dst, MIG_TIMEOUT_MS, "failed", NULL));
    json_node_unref(saved);
    mig_proc_free(src);
    mig_proc_free(dst);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/libvirt/zero-copy-parallel-4", test_libvirt);
    g_test_add_func("/migration/libvirt/domjobabort", test_libvirt_abort);
    return g_test_run();
}

/*
 * Migration settings over QMP, side by side with a real QEMU 7.2: the
 * same commands must succeed or fail alike, with the same error text,
 * and leave the same values behind.  (Where zcmig refuses on purpose -
 * TLS, multifd compression, capabilities it cannot do - the unit tests
 * check its own texts.)  Skipped without qemu-system-x86_64.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "migration-helpers.h"

#define RAM_ARGS "-m 16M -object memory-backend-ram,id=mem0,size=16M " \
                 "-machine memory-backend=mem0"

typedef struct SettingCase {
    const char *command;     /* "execute" name */
    const char *arguments;   /* JSON object */
} SettingCase;

static const SettingCase cases[] = {
    { "migrate-set-parameters", "{\"multifd-channels\": 0}" },
    { "migrate-set-parameters", "{\"multifd-channels\": 256}" },
    { "migrate-set-parameters", "{\"multifd-channels\": 255}" },
    { "migrate-set-parameters", "{\"max-cpu-throttle\": 5}" },
    { "migrate-set-parameters", "{\"cpu-throttle-initial\": 100}" },
    { "migrate-set-parameters", "{\"cpu-throttle-increment\": 0}" },
    { "migrate-set-parameters", "{\"downtime-limit\": 2000001}" },
    { "migrate-set-parameters", "{\"downtime-limit\": 2000000}" },
    { "migrate-set-parameters", "{\"compress-level\": 10}" },
    { "migrate-set-parameters", "{\"compress-threads\": 0}" },
    { "migrate-set-parameters", "{\"decompress-threads\": 0}" },
    { "migrate-set-parameters", "{\"throttle-trigger-threshold\": 101}" },
    { "migrate-set-parameters", "{\"xbzrle-cache-size\": 1000}" },
    { "migrate-set-parameters", "{\"xbzrle-cache-size\": 8192}" },
    { "migrate-set-parameters", "{\"announce-step\": 0}" },
    { "migrate-set-parameters", "{\"announce-rounds\": 1001}" },
    { "migrate-set-parameters", "{\"multifd-zlib-level\": 10}" },
    { "migrate-set-parameters", "{\"multifd-zstd-level\": 21}" },
    { "migrate-set-parameters", "{\"max-bandwidth\": 9223372036853727232}" },
    { "migrate-set-parameters", "{\"tls-creds\": \"\", \"tls-hostname\": "
      "\"\", \"multifd-channels\": 4}" },
    { "migrate-set-parameters", "{\"tls-creds\": null}" },
    { "migrate-set-parameters", "{\"no-such-parameter\": 1}" },
    { "migrate-set-parameters", "{\"multifd-channels\": \"four\"}" },
    { "migrate-set-capabilities", "{\"capabilities\": [{\"capability\": "
      "\"no-such-cap\", \"state\": true}]}" },
    { "migrate-set-capabilities", "{\"capabilities\": [{\"capability\": "
      "\"zero-copy-send\", \"state\": true}]}" },
    { "migrate-set-capabilities", "{\"capabilities\": [{\"capability\": "
      "\"events\", \"state\": true}, {\"capability\": \"return-path\", "
      "\"state\": true}]}" },
    { "migrate-set-capabilities", "{\"capabilities\": [{\"capability\": "
      "\"multifd\", \"state\": true}, {\"capability\": \"compress\", "
      "\"state\": true}]}" },
    { "migrate-continue", "{\"state\": \"pre-switchover\"}" },
    { "migrate-incoming", "{\"uri\": \"tcp:127.0.0.1:0\"}" },
    { "migrate", "{\"uri\": \"bogus:1\"}" },
};

/* The reply's "desc", or "" on success (g_free). */
static char *try(MigProc *p, const SettingCase *c)
{
    return mig_cmd_try(p, "{\"execute\": \"%s\", \"arguments\": %s}",
                       c->command, c->arguments);
}

static void test_same_as_qemu(void)
{
    MigProc *z, *q;
    size_t i;
    JsonNode *zp, *qp;

    if (!mig_qemu_binary()) {
        g_test_skip("qemu-system-x86_64 not found");
        return;
    }
    z = mig_proc_start("zcmig", false, RAM_ARGS);
    q = mig_proc_start("qemu", true, RAM_ARGS);
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *zd = try(z, &cases[i]);
        g_autofree char *qd = try(q, &cases[i]);

        g_test_message("%s %s -> '%s'", cases[i].command, cases[i].arguments,
                       qd);
        g_assert_cmpstr(zd, ==, qd);
    }

    /* and the same values afterwards (zcmig has two members more) */
    zp = mig_cmd(z, "{\"execute\": \"query-migrate-parameters\"}");
    qp = mig_cmd(q, "{\"execute\": \"query-migrate-parameters\"}");
    json_object_remove_member(json_node_get_object(zp), "multifd-zerocopy");
    json_object_remove_member(json_node_get_object(zp), "x-stall-timeout");
    g_assert_true(json_node_equal(zp, qp));
    json_node_unref(zp);
    json_node_unref(qp);
    zp = mig_cmd(z, "{\"execute\": \"query-migrate-capabilities\"}");
    qp = mig_cmd(q, "{\"execute\": \"query-migrate-capabilities\"}");
    /* same list, same order; member order inside objects is free */
    g_assert_true(json_node_equal(zp, qp));
    json_node_unref(zp);
    json_node_unref(qp);

    mig_proc_free(z);
    mig_proc_free(q);
}

/* Connection failures: the same error-desc as QEMU. */
static void test_connect_errors_as_qemu(void)
{
    static const char *const uris[] = {
        "unix:/nonexistent-zcmig-dir/x", "tcp:127.0.0.1:%d",
    };
    size_t i;

    if (!mig_qemu_binary()) {
        g_test_skip("qemu-system-x86_64 not found");
        return;
    }
    for (i = 0; i < G_N_ELEMENTS(uris); i++) {
        /* a port nobody listens on */
        g_autofree char *uri = g_strdup_printf(uris[i], mig_free_port());
        MigProc *z = mig_proc_start("zcmig", false, RAM_ARGS);
        MigProc *q = mig_proc_start("qemu", true, RAM_ARGS);
        g_autofree char *ze = NULL, *qe = NULL;

        mig_cmd_ok(z, "{\"execute\": \"migrate\", \"arguments\": "
                   "{\"uri\": \"%s\"}}", uri);
        mig_cmd_ok(q, "{\"execute\": \"migrate\", \"arguments\": "
                   "{\"uri\": \"%s\"}}", uri);
        g_free(mig_wait_status(z, MIG_TIMEOUT_MS, "failed", NULL));
        g_free(mig_wait_status(q, MIG_TIMEOUT_MS, "failed", NULL));
        ze = mig_query_error(z);
        qe = mig_query_error(q);
        g_test_message("%s -> %s", uri, qe);
        g_assert_cmpstr(ze, ==, qe);
        mig_wait_run_state(z, "running", MIG_TIMEOUT_MS);
        mig_proc_free(z);
        mig_proc_free(q);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/settings/same-as-qemu", test_same_as_qemu);
    g_test_add_func("/migration/settings/connect-errors-as-qemu",
                    test_connect_errors_as_qemu);
    return g_test_run();
}

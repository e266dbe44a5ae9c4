/*
 * Migration through HMP only (human-monitor-command): settings, both
 * names of the zero-copy switch, migrate -d / migrate_incoming, and
 * "info migrate" with its zero-copy lines.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "migration-helpers.h"

#define RAM_ARGS "-m 32M -object memory-backend-ram,id=mem0,size=32M " \
                 "-machine memory-backend=mem0"
/* A file-backed destination: multifd pages go through the file. */
#define MEMFD_ARGS "-m 32M -object memory-backend-memfd,id=mem0,size=32M " \
                   "-machine memory-backend=mem0"

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        g_error("'%s' not found in:\n%s", needle, hay);
    }
}

static char *hmp_ok(MigProc *p, const char *cmd)
{
    char *out = mig_hmp(p, cmd);

    if (strstr(out, "Error:")) {
        g_error("%s: '%s' failed: %s", p->name, cmd, out);
    }
    return out;
}

static void test_hmp_migration(void)
{
    g_autofree char *dst_args = g_strdup_printf("%s -incoming defer",
                                                MEMFD_ARGS);
    const char *line;
    uint64_t spliced_kb, busy_kb;
    g_autofree char *out = NULL, *cmd = NULL, *sum = NULL, *dsum = NULL;
    bool zc = mig_have_zerocopy();
    int port = mig_free_port();
    MigProc *src, *dst;

    dst = mig_proc_start("dst", false, dst_args);
    src = mig_proc_start("src", false, RAM_ARGS);
    mig_cmd_ok(src, "{\"execute\": \"x-zcmig-fill-ram\", "
               "\"arguments\": {\"seed\": 3, \"zero-every\": 2}}");
    sum = mig_ram_checksum(src);

    /* refusals print QEMU's "Error: " line */
    out = mig_hmp(src, "migrate_set_capability xbzrle on");
    assert_contains(out, "Error: Capability 'xbzrle' is not supported by "
                    "zcmig");
    g_clear_pointer(&out, g_free);
    out = mig_hmp(src, "migrate_set_capability zero-copy-send on");
    assert_contains(out, "Error: Zero copy only available for "
                    "non-compressed non-TLS multifd migration");
    g_clear_pointer(&out, g_free);
    out = mig_hmp(src, "migrate_set_parameter multifd-channels 0");
    assert_contains(out, "Error: Parameter 'multifd_channels' expects a "
                    "value between 1 and 255");
    g_clear_pointer(&out, g_free);

    g_free(hmp_ok(src, "migrate_set_capability multifd on"));
    g_free(hmp_ok(dst, "migrate_set_capability multifd on"));
    g_free(hmp_ok(src, "migrate_set_parameter multifd-channels 3"));
    g_free(hmp_ok(dst, "migrate_set_parameter multifd-channels 3"));
    if (zc) {
        g_free(hmp_ok(src, "migrate_set_parameter multifd-zerocopy on"));
        out = hmp_ok(src, "info migrate_capabilities");
        assert_contains(out, "zero-copy-send: on");
        assert_contains(out, "multifd: on");
        g_clear_pointer(&out, g_free);
    }
    out = hmp_ok(src, "info migrate_parameters");
    assert_contains(out, "multifd-channels: 3");
    assert_contains(out, zc ? "multifd-zerocopy: on" :
                    "multifd-zerocopy: off");
    assert_contains(out, "max-bandwidth: 134217728 bytes/second");
    g_clear_pointer(&out, g_free);
    g_free(hmp_ok(src, "migrate_set_parameter max-bandwidth 1G"));
    out = hmp_ok(src, "info migrate_parameters");
    assert_contains(out, "max-bandwidth: 1073741824 bytes/second");
    g_clear_pointer(&out, g_free);

    cmd = g_strdup_printf("migrate_incoming tcp:127.0.0.1:%d", port);
    g_free(hmp_ok(dst, cmd));
    g_clear_pointer(&cmd, g_free);
    cmd = g_strdup_printf("migrate -d tcp:127.0.0.1:%d", port);
    g_free(hmp_ok(src, cmd));
    g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "completed", NULL));
    g_free(mig_wait_status(dst, MIG_TIMEOUT_MS, "completed", NULL));
    dsum = mig_ram_checksum(dst);
    g_assert_cmpstr(dsum, ==, sum);

    out = hmp_ok(src, "info migrate");
    assert_contains(out, "Migration status: completed");
    assert_contains(out, "total ram: 32768 kbytes");
    assert_contains(out, "duplicate: 4096 pages");
    assert_contains(out, "normal: 4096 pages");
    assert_contains(out, "normal bytes: 16384 kbytes");
    if (zc) {
        /* loopback copies: a fallback line, or channels that gave up */
        assert_contains(out, "multifd channel 2 zero-copy: ");
        if (!strstr(out, "Zero-copy-send fallbacks happened: ")) {
            assert_contains(out, " copied, ");
            assert_contains(out, "(disabled)");
        }
    }
    g_clear_pointer(&out, g_free);

    /* the destination says how the 16 MiB of pages reached its file */
    out = hmp_ok(dst, "info migrate");
    line = strstr(out, "multifd receive into RAM file: ");
    if (!line) {
        g_error("no receive-into-file line in:\n%s", out);
    }
    g_assert_cmpint(sscanf(line, "multifd receive into RAM file: %" SCNu64
                           " kbytes spliced, %" SCNu64 " kbytes copied while "
                           "the file was busy", &spliced_kb, &busy_kb), ==, 2);
    g_assert_cmpuint(spliced_kb, >, 0);
    /* each count is rounded down to a KiB on its own */
    g_assert_cmpuint(spliced_kb + busy_kb, >=, 16383);
    g_assert_cmpuint(spliced_kb + busy_kb, <=, 16384);
    g_clear_pointer(&out, g_free);

    out = mig_hmp(src, "migrate_continue pre-switchover");
    assert_contains(out, "Error: Migration not in expected state: completed");
    g_clear_pointer(&out, g_free);
    /* cancelling a finished migration is a no-op, as in QEMU */
    g_free(hmp_ok(src, "migrate_cancel"));

    mig_proc_free(src);
    mig_proc_free(dst);
}

/* The idle "info" texts are QEMU 7.2's, byte for byte. */
static void test_hmp_same_as_qemu(void)
{
    static const char *const cmds[] = {
        "info migrate", "info migrate_capabilities",
        "info migrate_parameters",
    };
    MigProc *z, *q;
    size_t i;

    if (!mig_qemu_binary()) {
        g_test_skip("qemu-system-x86_64 not found");
        return;
    }
    z = mig_proc_start("zcmig", false, RAM_ARGS);
    q = mig_proc_start("qemu", true, RAM_ARGS);
    for (i = 0; i < G_N_ELEMENTS(cmds); i++) {
        g_autofree char *zo = mig_hmp(z, cmds[i]);
        g_autofree char *qo = mig_hmp(q, cmds[i]);

        if (!strcmp(cmds[i], "info migrate_parameters")) {
            /* zcmig's extra lines, last */
            g_autofree char *want = g_strdup_printf(
                "%smultifd-zerocopy: off\r\nx-stall-timeout: 60 s\r\n", qo);
            g_assert_cmpstr(zo, ==, want);
        } else {
            g_assert_cmpstr(zo, ==, qo);
        }
    }
    mig_proc_free(z);
    mig_proc_free(q);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/hmp/multifd-zero-copy", test_hmp_migration);
    g_test_add_func("/migration/hmp/same-as-qemu", test_hmp_same_as_qemu);
    return g_test_run();
}

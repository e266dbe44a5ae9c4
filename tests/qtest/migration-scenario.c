/*
 * The table-driven migration harness: one function runs any row.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migration-helpers.h"

#define MIG_SEED 0x5eed2026ULL

char *mig_backend_args(MigBackend backend, uint64_t size_kib,
                       const char *file)
{
    switch (backend) {
    case MIG_BACKEND_FILE:
        return g_strdup_printf("-m %" PRIu64 "k -object memory-backend-file,"
                               "id=mem0,size=%" PRIu64 "k,mem-path=%s,"
                               "share=on -machine memory-backend=mem0",
                               size_kib, size_kib, file);
    case MIG_BACKEND_MEMFD:
        return g_strdup_printf("-m %" PRIu64 "k -object memory-backend-memfd,"
                               "id=mem0,size=%" PRIu64 "k "
                               "-machine memory-backend=mem0",
                               size_kib, size_kib);
    case MIG_BACKEND_RAM:
    default:
        return g_strdup_printf("-m %" PRIu64 "k -object memory-backend-ram,"
                               "id=mem0,size=%" PRIu64 "k "
                               "-machine memory-backend=mem0",
                               size_kib, size_kib);
    }
}

bool mig_have_ipv6(void)
{
    struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
                                 .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    bool ok;

    if (fd < 0) {
        return false;
    }
    ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
    close(fd);
    return ok;
}

void mig_check_zero_copy_loopback(MigProc *p, unsigned int channels,
                                  int64_t missed)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"query-migrate\"}");
    JsonObject *o = json_node_get_object(r);
    JsonArray *a;
    guint i, disabled = 0;

    g_assert_true(json_object_has_member(o, "zero-copy-channels"));
    a = json_object_get_array_member(o, "zero-copy-channels");
    g_assert_cmpuint(json_array_get_length(a), ==, channels);
    for (i = 0; i < json_array_get_length(a); i++) {
        JsonObject *c = json_array_get_object_element(a, i);

        g_assert_cmpint(json_object_get_int_member(c, "id"), ==, i);
        g_assert_cmpint(json_object_get_int_member(c, "queued"), >, 0);
        g_assert_cmpint(json_object_get_int_member(c, "completed"), ==,
                        json_object_get_int_member(c, "queued"));
        g_assert_cmpint(json_object_get_int_member(c, "copied"), ==,
                        json_object_get_int_member(c, "completed"));
        disabled += json_object_get_boolean_member(c, "disabled");
    }
    g_test_message("zero copy on loopback: %" G_GINT64_FORMAT " missed "
                   "syncs, %u of %u channels fell back", missed, disabled,
                   channels);
    /* Loopback copies everything, so some sync round must count as missed. */
    g_assert_cmpint(missed, >, 0);
    json_node_unref(r);
}

bool mig_have_zerocopy(void)
{
#ifdef CONFIG_MSG_ZEROCOPY
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    bool ok;

    if (fd < 0) {
        return false;
    }
    ok = setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) == 0;
    close(fd);
    return ok;
#else
    return false;
#endif
}

/* Both calls with the same list: source and destination agree. */
static void mig_set_caps(MigProc *p, const MigScenario *sc, bool source)
{
    g_autoptr(GString) caps = g_string_new("{\"capability\": \"events\", "
                                           "\"state\": true}");

    if (sc->channels) {
        g_string_append(caps, ", {\"capability\": \"multifd\", "
                        "\"state\": true}");
    }
    if (sc->return_path) {
        g_string_append(caps, ", {\"capability\": \"return-path\", "
                        "\"state\": true}");
    }
    if (source && sc->pause_before_switchover) {
        g_string_append(caps, ", {\"capability\": "
                        "\"pause-before-switchover\", \"state\": true}");
    }
    mig_cmd_ok(p, "{\"execute\": \"migrate-set-capabilities\", "
               "\"arguments\": {\"capabilities\": [%s]}}", caps->str);
    if (sc->channels) {
        mig_cmd_ok(p, "{\"execute\": \"migrate-set-parameters\", "
                   "\"arguments\": {\"multifd-channels\": %u}}",
                   sc->channels);
    }
}

static char *mig_uri(const MigScenario *sc, bool source, const char *file)
{
    static int port;

    switch (sc->transport) {
    case MIG_TCP4:
        if (!source) {
            port = mig_free_port();
        }
        return g_strdup_printf("tcp:127.0.0.1:%d", port);
    case MIG_TCP6:
        if (!source) {
            port = mig_free_port();
            /* the destination listens dual-stack, like libvirt asks */
            return g_strdup_printf("tcp:[::]:%d", port);
        }
        return g_strdup_printf("tcp:[::1]:%d", port);
    case MIG_UNIX:
        return g_strdup_printf("unix:%s/mig-%d.sock", mig_tmpdir(),
                               (int)getpid());
    case MIG_EXEC:
    default:
        return source ? g_strdup_printf("exec:cat > %s", file) :
                        g_strdup_printf("exec:cat %s", file);
    }
}

/* The destination's recv-to-file member of query-migrate, if present. */
static bool mig_recv_to_file(MigProc *p, int64_t *spliced, int64_t *busy)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"query-migrate\"}");
    JsonObject *o = json_node_get_object(r);
    bool present = json_object_has_member(o, "recv-to-file");

    if (present) {
        JsonObject *f = json_object_get_object_member(o, "recv-to-file");

        *spliced = json_object_get_int_member(f, "spliced");
        *busy = json_object_get_int_member(f, "copied-busy");
    }
    json_node_unref(r);
    return present;
}

void mig_run_scenario(const MigScenario *sc)
{
    uint64_t pages = sc->size_kib / 4;
    g_autofree char *src_file = g_strdup_printf("%s/src-ram-%d", mig_tmpdir(),
                                                (int)getpid());
    g_autofree char *dst_file = g_strdup_printf("%s/dst-ram-%d", mig_tmpdir(),
                                                (int)getpid());
    g_autofree char *stream = g_strdup_printf("%s/stream-%d", mig_tmpdir(),
                                              (int)getpid());
    g_autofree char *src_args = NULL, *dst_args = NULL;
    g_autofree char *src_uri = NULL, *dst_uri = NULL;
    g_autofree char *src_sum = NULL, *dst_sum = NULL;
    bool file_backed = sc->backend == MIG_BACKEND_FILE;
    MigProc *src = NULL, *dst = NULL;
    uint64_t zero_pages = 0;

    if ((sc->src == MIG_PEER_QEMU || sc->dst == MIG_PEER_QEMU) &&
        !mig_qemu_binary()) {
        g_test_skip("qemu-system-x86_64 not found");
        return;
    }
    if (sc->zerocopy && !mig_have_zerocopy()) {
        g_test_skip("the kernel refuses SO_ZEROCOPY on TCP sockets");
        return;
    }
    if (sc->transport == MIG_TCP6 && !mig_have_ipv6()) {
        g_test_skip("no IPv6 loopback on this host");
        return;
    }
    g_assert_true(sc->src == MIG_PEER_ZCMIG || file_backed);
    g_assert_true(sc->dst == MIG_PEER_ZCMIG || file_backed);

    unlink(src_file);
    unlink(dst_file);
    if (sc->src == MIG_PEER_QEMU) {
        /* QEMU's RAM is the file: write the pattern before it starts. */
        mig_fill_file(src_file, sc->size_kib * 1024, MIG_SEED,
                      sc->zero_every);
    }

    src_args = mig_backend_args(sc->backend, sc->size_kib, src_file);
    dst_args = mig_backend_args(sc->backend, sc->size_kib, dst_file);
    dst_uri = mig_uri(sc, false, stream);
    src_uri = mig_uri(sc, true, stream);
    g_assert_true(!sc->incoming_cli || sc->transport != MIG_EXEC);
    {
        /*
         * -incoming URI listens at once; the settings still may change
         * until the source connects (QEMU allows that too).
         */
        g_autofree char *a = g_strdup_printf("%s -incoming %s%s", dst_args,
                                             sc->incoming_cli ? dst_uri :
                                             "defer",
                                             sc->dst_paused ? " -S" : "");
        dst = mig_proc_start("dst", sc->dst == MIG_PEER_QEMU, a);
    }
    src = mig_proc_start("src", sc->src == MIG_PEER_QEMU, src_args);

    if (sc->src == MIG_PEER_ZCMIG) {
        mig_cmd_ok(src, "{\"execute\": \"x-zcmig-fill-ram\", \"arguments\": "
                   "{\"seed\": %" PRIu64 ", \"zero-every\": %" PRIu64 "}}",
                   (uint64_t)MIG_SEED, sc->zero_every);
        src_sum = mig_ram_checksum(src);
    }
    if (sc->zero_every) {
        zero_pages = (pages + sc->zero_every - 1) / sc->zero_every;
    }

    mig_set_caps(src, sc, true);
    mig_set_caps(dst, sc, false);
    if (sc->zerocopy) {
        if (sc->src == MIG_PEER_QEMU) {
            mig_cmd_ok(src, "{\"execute\": \"migrate-set-capabilities\", "
                       "\"arguments\": {\"capabilities\": [{\"capability\": "
                       "\"zero-copy-send\", \"state\": true}]}}");
        } else {
            /* By the parameter name; the capability is its mirror. */
            mig_cmd_ok(src, "{\"execute\": \"migrate-set-parameters\", "
                       "\"arguments\": {\"multifd-zerocopy\": true}}");
        }
    }

    if (sc->transport != MIG_EXEC && !sc->incoming_cli) {
        mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
                   "{\"uri\": \"%s\"}}", dst_uri);
    }
    mig_cmd_ok(src, "{\"execute\": \"migrate\", \"arguments\": "
               "{\"uri\": \"%s\"}}", src_uri);

    if (sc->pause_before_switchover) {
        g_autofree char *rs = NULL;

        g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "pre-switchover", NULL));
        mig_wait_migration_event(src, "pre-switchover", MIG_TIMEOUT_MS);
        rs = mig_run_state(src);
        g_assert_cmpstr(rs, ==, "finish-migrate");
        mig_cmd_ok(src, "{\"execute\": \"migrate-continue\", \"arguments\": "
                   "{\"state\": \"pre-switchover\"}}");
    }
    g_free(mig_wait_status(src, MIG_TIMEOUT_MS, "completed", NULL));
    mig_wait_migration_event(src, "completed", MIG_TIMEOUT_MS);

    if (sc->transport == MIG_EXEC) {
        mig_cmd_ok(dst, "{\"execute\": \"migrate-incoming\", \"arguments\": "
                   "{\"uri\": \"%s\"}}", dst_uri);
    }
    g_free(mig_wait_status(dst, MIG_TIMEOUT_MS, "completed", NULL));
    mig_wait_migration_event(dst, "completed", MIG_TIMEOUT_MS);

    /* The same bytes arrived. */
    if (sc->dst == MIG_PEER_ZCMIG && sc->src == MIG_PEER_ZCMIG) {
        dst_sum = mig_ram_checksum(dst);
        g_assert_cmpstr(src_sum, ==, dst_sum);
    }
    if (file_backed) {
        g_assert_true(mig_files_equal(src_file, dst_file));
    }

    /* Counters (zcmig source): every page exactly once here. */
    if (sc->src == MIG_PEER_ZCMIG) {
        g_assert_cmpint(mig_query_ram_int(src, "total"), ==,
                        (int64_t)sc->size_kib * 1024);
        g_assert_cmpint(mig_query_ram_int(src, "remaining"), ==, 0);
        g_assert_cmpint(mig_query_ram_int(src, "duplicate"), ==,
                        (int64_t)zero_pages);
        g_assert_cmpint(mig_query_ram_int(src, "normal"), ==,
                        (int64_t)(pages - zero_pages));
        g_assert_cmpint(mig_query_ram_int(src, "normal-bytes"), ==,
                        (int64_t)(pages - zero_pages) * 4096);
        g_assert_cmpint(mig_query_ram_int(src, "transferred"), >,
                        (int64_t)(pages - zero_pages) * 4096);
        if (sc->channels) {
            g_assert_cmpint(mig_query_ram_int(src, "multifd-bytes"), >=,
                            (int64_t)(pages - zero_pages) * 4096);
        } else {
            g_assert_cmpint(mig_query_ram_int(src, "multifd-bytes"), ==, 0);
        }
        if (sc->zerocopy) {
            int64_t syncs = mig_query_ram_int(src, "dirty-sync-count");
            int64_t missed = mig_query_ram_int(src,
                                               "dirty-sync-missed-zero-copy");

            /*
             * Loopback always copies.  Either the sync flushes saw it
             * ("missed"), or the channel noticed it early and fell back to
             * plain sends (the engine's auto-disable): then the channel
             * says disabled and every completion it got was a copy.
             */
            g_assert_cmpint(missed, <=, syncs * (int64_t)sc->channels);
            mig_check_zero_copy_loopback(src, sc->channels, missed);
        } else {
            g_assert_cmpint(mig_query_ram_int(src,
                                              "dirty-sync-missed-zero-copy"),
                            ==, 0);
        }
        g_autofree char *rs = mig_run_state(src);
        g_assert_cmpstr(rs, ==, "postmigrate");
    }
    if (sc->dst == MIG_PEER_ZCMIG) {
        mig_wait_run_state(dst, sc->dst_paused ? "paused" : "running",
                           MIG_TIMEOUT_MS);
        if (sc->dst_paused) {
            mig_cmd_ok(dst, "{\"execute\": \"cont\"}");
            JsonObject *ev = mig_wait_event(dst, "RESUME", MIG_TIMEOUT_MS);
            if (ev) {
                json_object_unref(ev);
            }
            mig_wait_run_state(dst, "running", MIG_TIMEOUT_MS);
        }
    }

    /*
     * Destination: multifd page data for shared file-backed RAM goes
     * through the file (spliced, or copied into the mapping while another
     * channel wrote the file); anonymous RAM never reports it.
     */
    if (sc->dst == MIG_PEER_ZCMIG) {
        int64_t spliced = 0, busy = 0;
        bool expect = sc->channels && sc->backend != MIG_BACKEND_RAM &&
                      pages > zero_pages;

        g_assert_cmpint(mig_recv_to_file(dst, &spliced, &busy), ==, expect);
        if (expect) {
            g_assert_cmpint(spliced, >, 0);
            if (sc->src == MIG_PEER_ZCMIG) {
                g_assert_cmpint(spliced + busy, ==,
                                (int64_t)(pages - zero_pages) * 4096);
            }
        }
    }

    mig_proc_free(src);
    mig_proc_free(dst);
    unlink(src_file);
    unlink(dst_file);
    unlink(stream);
}

static void mig_scenario_test(gconstpointer data)
{
    mig_run_scenario(data);
}

void mig_add_scenarios(const MigScenario *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        g_test_add_data_func(rows[i].path, &rows[i], mig_scenario_test);
    }
}

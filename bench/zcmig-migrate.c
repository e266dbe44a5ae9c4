/*
 * zcmig-migrate: run one migration between two running processes (zcmig
 * or QEMU, both speak the same QMP) and report how it went.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Given the QMP sockets of a source and a destination started with
 * "-incoming defer", it sets capabilities and parameters on both, starts
 * migrate-incoming and migrate, waits for the MIGRATION events of both
 * sides (optionally showing a live progress line), and prints a summary
 * and one machine-readable line:
 *
 *   RESULT tool=zcmig status=completed channels=2 zero_copy=0 ...
 *
 * Used by bench/run-bench.sh and scripts/demo.sh; no python needed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "qmp-client.h"

/* libvirt's "unlimited" (INT64_MAX rounded down to MiB); QEMU accepts it. */
#define MIGRATE_UNLIMITED_BANDWIDTH 9223372036853727232ULL
#define CMD_TIMEOUT_MS 60000
#define PROGRESS_MS 250
/* Without events from a side, ask it this often. */
#define FALLBACK_POLL_MS 500

typedef struct Options {
    gint channels;
    gboolean zero_copy;
    gboolean zero_copy_try;
    gchar *max_bandwidth;
    gint64 downtime_limit;
    gchar *uri;
    gint src_pid;
    gint dst_pid;
    gboolean progress;
    gboolean verify;
    gint64 fill_seed;
    gint64 fill_zero_every;
    gboolean cont;
    gboolean quiet;
    gint timeout_s;
} Options;

typedef struct Side {
    QmpClient *qmp;
    gboolean zcmig;
    gint pid;
    double cpu0, cpu1;
    char *status;      /* final status, once reached */
    gint64 done_us;    /* monotonic time it was seen */
} Side;

static double proc_cpu_seconds(gint pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *text = NULL;
    unsigned long long ut, st;
    char *p;

    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    /* The command name may contain spaces: fields follow the last ')'. */
    p = strrchr(text, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                     "%llu %llu", &ut, &st) != 2) {
        return -1;
    }
    return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static gboolean is_final(const char *status)
{
    return !g_strcmp0(status, "completed") || !g_strcmp0(status, "failed") ||
           !g_strcmp0(status, "cancelled");
}

static char *free_tcp_uri(GError **errp)
{
    g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4,
                                        G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, errp);
    g_autoptr(GInetAddress) lo = NULL;
    g_autoptr(GSocketAddress) a = NULL;
    g_autoptr(GSocketAddress) bound = NULL;

    if (!s) {
        return NULL;
    }
    lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    a = g_inet_socket_address_new(lo, 0);
    if (!g_socket_bind(s, a, FALSE, errp)) {
        return NULL;
    }
    bound = g_socket_get_local_address(s, errp);
    if (!bound) {
        return NULL;
    }
    /* Released again: the destination listens on it a moment later. */
    return g_strdup_printf("tcp:127.0.0.1:%u",
        g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
}

static JsonObject *obj_member(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static gint64 int_member(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_int(n) : -1;
}

static double double_member(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_double(n) : -1;
}

static const char *str_member(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    return n && JSON_NODE_HOLDS_VALUE(n) &&
           json_node_get_value_type(n) == G_TYPE_STRING ?
           json_node_get_string(n) : NULL;
}

static int setup_side(Side *s, Options *o, gboolean source,
                      GError **errp)
{
    g_autoptr(JsonNode) r = NULL;
    GString *caps = g_string_new("{\"capabilities\": [");

    g_string_append(caps, "{\"capability\": \"events\", \"state\": true}");
    g_string_append_printf(caps, ", {\"capability\": \"multifd\", "
                           "\"state\": %s}", o->channels ? "true" : "false");
    g_string_append(caps, "]}");
    r = qmp_client_executef(s->qmp, "migrate-set-capabilities",
                            CMD_TIMEOUT_MS, errp, "%s", caps->str);
    g_string_free(caps, TRUE);
    if (!r) {
        return -1;
    }
    g_clear_pointer(&r, json_node_unref);
    if (source) {
        GError *zerr = NULL;

        /* Separately: it may be refused (no MSG_ZEROCOPY, memlock). */
        r = qmp_client_executef(s->qmp, "migrate-set-capabilities",
                                CMD_TIMEOUT_MS, &zerr, "{\"capabilities\": "
                                "[{\"capability\": \"zero-copy-send\", "
                                "\"state\": %s}]}",
                                o->zero_copy ? "true" : "false");
        if (!r && o->zero_copy && o->zero_copy_try) {
            if (!o->quiet) {
                printf("zero-copy send unavailable here (%s); migrating "
                       "with copies\n", zerr->message);
            }
            g_clear_error(&zerr);
            o->zero_copy = FALSE;
        } else if (!r) {
            g_propagate_error(errp, zerr);
            return -1;
        }
        g_clear_pointer(&r, json_node_unref);
    }
    if (o->channels) {
        r = qmp_client_executef(s->qmp, "migrate-set-parameters",
                                CMD_TIMEOUT_MS, errp,
                                "{\"multifd-channels\": %d}", o->channels);
        if (!r) {
            return -1;
        }
        g_clear_pointer(&r, json_node_unref);
    }
    if (source) {
        r = qmp_client_executef(s->qmp, "migrate-set-parameters",
                                CMD_TIMEOUT_MS, errp,
                                "{\"max-bandwidth\": %s}", o->max_bandwidth);
        if (!r) {
            return -1;
        }
        g_clear_pointer(&r, json_node_unref);
        if (o->downtime_limit > 0) {
            r = qmp_client_executef(s->qmp, "migrate-set-parameters",
                                    CMD_TIMEOUT_MS, errp,
                                    "{\"downtime-limit\": %" G_GINT64_FORMAT
                                    "}", o->downtime_limit);
            if (!r) {
                return -1;
            }
        }
    }
    return 0;
}

/* Handle queued events of @s; note a final MIGRATION status. */
static void side_events(Side *s)
{
    JsonNode *ev;

    while ((ev = qmp_client_pop_event(s->qmp))) {
        JsonObject *o = json_node_get_object(ev);
        const char *st = str_member(obj_member(o, "data"), "status");

        if (!g_strcmp0(str_member(o, "event"), "MIGRATION") &&
            is_final(st) && !s->status) {
            s->status = g_strdup(st);
            s->done_us = g_get_monotonic_time();
        }
        json_node_unref(ev);
    }
}

/* query-migrate of @s; notes a final status it shows.  NULL on error. */
static JsonNode *side_query(Side *s, GError **errp)
{
    JsonNode *r = qmp_client_execute(s->qmp, "query-migrate", NULL,
                                     CMD_TIMEOUT_MS, errp);
    const char *st;

    if (!r) {
        return NULL;
    }
    side_events(s);
    st = str_member(json_node_get_object(r), "status");
    if (is_final(st) && !s->status) {
        s->status = g_strdup(st);
        s->done_us = g_get_monotonic_time();
    }
    return r;
}

static void print_progress(JsonNode *info, gint64 t0)
{
    JsonObject *o = json_node_get_object(info);
    JsonObject *ram = obj_member(o, "ram");
    const char *st = str_member(o, "status");
    double secs = (g_get_monotonic_time() - t0) / 1e6;

    if (!ram) {
        fprintf(stderr, "\r  %-15s %6.1f s", st ? st : "?", secs);
    } else {
        fprintf(stderr, "\r  %-15s %6.1f s %9.1f MiB sent %9.1f MiB "
                "remaining %9.0f Mbit/s ", st ? st : "?", secs,
                int_member(ram, "transferred") / 1048576.0,
                int_member(ram, "remaining") / 1048576.0,
                double_member(ram, "mbps"));
    }
    fflush(stderr);
}

/* Wait for both sides to reach a final status. */
static int wait_done(Side *src, Side *dst, const Options *o, gint64 t0,
                     GError **errp)
{
    gint64 deadline = t0 + (gint64)o->timeout_s * G_USEC_PER_SEC;
    gint64 next_poll = g_get_monotonic_time() +
        (o->progress ? PROGRESS_MS : FALLBACK_POLL_MS) * 1000;

    while (!src->status || !dst->status) {
        GPollFD fds[2] = {
            { qmp_client_fd(src->qmp), G_IO_IN | G_IO_HUP | G_IO_ERR, 0 },
            { qmp_client_fd(dst->qmp), G_IO_IN | G_IO_HUP | G_IO_ERR, 0 },
        };
        gint64 now = g_get_monotonic_time();

        if (now > deadline) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "migration did not finish within %d s",
                        o->timeout_s);
            return -1;
        }
        g_poll(fds, 2, MAX((next_poll - now) / 1000, 0) + 1);
        if ((fds[0].revents && qmp_client_pump(src->qmp, errp) < 0) ||
            (fds[1].revents && qmp_client_pump(dst->qmp, errp) < 0)) {
            return -1;
        }
        side_events(src);
        side_events(dst);
        if (g_get_monotonic_time() >= next_poll) {
            /* Progress, and a fallback for a side that sends no events. */
            Side *sides[2] = { src, dst };

            for (int i = 0; i < 2; i++) {
                g_autoptr(JsonNode) info = NULL;

                if (sides[i]->status && !(o->progress && i == 0)) {
                    continue;
                }
                info = side_query(sides[i], errp);
                if (!info) {
                    return -1;
                }
                if (o->progress && i == 0) {
                    print_progress(info, t0);
                }
            }
            next_poll = g_get_monotonic_time() +
                (o->progress ? PROGRESS_MS : FALLBACK_POLL_MS) * 1000;
        }
    }
    if (o->progress) {
        fputc('\n', stderr);
    }
    return 0;
}

/* Both sides' x-zcmig-query-ram-checksum must be equal. */
static int verify_checksums(Side *src, Side *dst, gboolean quiet,
                            GError **errp)
{
    g_autoptr(JsonNode) a = NULL;
    g_autoptr(JsonNode) b = NULL;
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *ta = NULL, *tb = NULL;
    JsonArray *arr;

    if (!src->zcmig || !dst->zcmig) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                            "--verify-checksum needs zcmig on both sides "
                            "(x-zcmig-query-ram-checksum)");
        return -1;
    }
    a = qmp_client_execute(src->qmp, "x-zcmig-query-ram-checksum", NULL,
                           CMD_TIMEOUT_MS * 5, errp);
    if (!a) {
        return -1;
    }
    b = qmp_client_execute(dst->qmp, "x-zcmig-query-ram-checksum", NULL,
                           CMD_TIMEOUT_MS * 5, errp);
    if (!b) {
        return -1;
    }
    json_generator_set_root(gen, a);
    ta = json_generator_to_data(gen, NULL);
    json_generator_set_root(gen, b);
    tb = json_generator_to_data(gen, NULL);
    if (strcmp(ta, tb)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "RAM differs!\n  source:      %s\n  destination: %s",
                    ta, tb);
        return -1;
    }
    arr = json_node_get_array(a);
    if (!quiet) {
        for (guint i = 0; i < json_array_get_length(arr); i++) {
            JsonObject *blk = json_array_get_object_element(arr, i);

            printf("RAM verified    : block %s, %" G_GINT64_FORMAT
                   " bytes, SHA-256 %.16s... identical on both sides\n",
                   str_member(blk, "block"), int_member(blk, "size"),
                   str_member(blk, "checksum"));
        }
    }
    return 0;
}

typedef struct ZcTotals {
    guint channels, disabled;
    gint64 queued, completed, copied, bytes;
} ZcTotals;

static void zc_totals(JsonObject *info, ZcTotals *z)
{
    JsonNode *n = json_object_get_member(info, "zero-copy-channels");
    JsonArray *a;

    memset(z, 0, sizeof(*z));
    if (!n || !JSON_NODE_HOLDS_ARRAY(n)) {
        return;
    }
    a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *c = json_array_get_object_element(a, i);

        z->channels++;
        z->queued += int_member(c, "queued");
        z->completed += int_member(c, "completed");
        z->copied += int_member(c, "copied");
        z->bytes += int_member(c, "bytes");
        z->disabled += json_object_get_boolean_member_with_default(
            c, "disabled", FALSE);
    }
}

static void print_summary(JsonObject *info, JsonObject *dinfo,
                          const ZcTotals *z, double wall_s)
{
    JsonObject *rtf = obj_member(dinfo, "recv-to-file");
    JsonObject *ram = obj_member(info, "ram");
    gint64 transferred = int_member(ram, "transferred");

    printf("total time      : %" G_GINT64_FORMAT " ms (setup %"
           G_GINT64_FORMAT " ms); wall clock %.0f ms until both sides "
           "completed\n", int_member(info, "total-time"),
           int_member(info, "setup-time"), wall_s * 1e3);
    printf("throughput      : %.0f MiB/s (%.0f Mbit/s average)\n",
           transferred / 1048576.0 / wall_s, double_member(ram, "mbps"));
    printf("downtime        : %" G_GINT64_FORMAT " ms\n",
           int_member(info, "downtime"));
    printf("pages           : %" G_GINT64_FORMAT " normal, %"
           G_GINT64_FORMAT " zero; multifd bytes %.1f MiB\n",
           int_member(ram, "normal"), int_member(ram, "duplicate"),
           MAX(int_member(ram, "multifd-bytes"), 0) / 1048576.0);
    printf("dirty syncs     : %" G_GINT64_FORMAT
           ", dirty-sync-missed-zero-copy: %" G_GINT64_FORMAT "\n",
           int_member(ram, "dirty-sync-count"),
           int_member(ram, "dirty-sync-missed-zero-copy"));
    if (z->channels) {
        JsonArray *a = json_object_get_array_member(info,
                                                    "zero-copy-channels");

        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonObject *c = json_array_get_object_element(a, i);

            printf("  multifd channel %" G_GINT64_FORMAT ": %"
                   G_GINT64_FORMAT " zero-copy sends, %" G_GINT64_FORMAT
                   " completed, %" G_GINT64_FORMAT " copied by the kernel, "
                   "%.1f MiB%s\n", int_member(c, "id"),
                   int_member(c, "queued"), int_member(c, "completed"),
                   int_member(c, "copied"),
                   int_member(c, "bytes") / 1048576.0,
                   json_object_get_boolean_member_with_default(c, "disabled",
                                                               FALSE) ?
                   "; zero copy then turned off (kernel copied everything)" :
                   "");
        }
        if (z->copied && z->copied == z->completed) {
            printf("Note: the kernel copied every zero-copy send (always the "
                   "case on loopback: the data is\n      delivered to a "
                   "local socket); the CPU saving needs a real NIC.\n");
        }
    }
    if (rtf) {
        printf("destination     : %.1f MiB of page data spliced into the RAM "
               "file, %.1f MiB copied\n                  into its mapping "
               "while another channel wrote the file\n",
               int_member(rtf, "spliced") / 1048576.0,
               int_member(rtf, "copied-busy") / 1048576.0);
    }
}

static int run(Options *o, const char *src_path, const char *dst_path)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = NULL;
    g_autoptr(JsonNode) info = NULL;
    g_autoptr(JsonNode) dinfo = NULL;
    Side src = { .pid = o->src_pid }, dst = { .pid = o->dst_pid };
    JsonObject *io, *ram;
    ZcTotals z;
    gint64 t0;
    double wall;
    int ret = 1;

    src.qmp = qmp_client_connect(src_path, "source", 30000, &err);
    dst.qmp = src.qmp ? qmp_client_connect(dst_path, "destination", 30000,
                                           &err) : NULL;
    if (!dst.qmp) {
        goto out;
    }
    src.zcmig = qmp_client_has_command(src.qmp, "x-zcmig-query-ram-checksum");
    dst.zcmig = qmp_client_has_command(dst.qmp, "x-zcmig-query-ram-checksum");
    if (src.zcmig != dst.zcmig && !o->quiet) {
        printf("note: source is %s, destination is %s\n",
               src.zcmig ? "zcmig" : "QEMU", dst.zcmig ? "zcmig" : "QEMU");
    }
    if (o->fill_seed >= 0) {
        gint64 f0 = g_get_monotonic_time();

        if (!src.zcmig) {
            g_set_error_literal(&err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                "--fill-seed needs a zcmig source");
            goto out;
        }
        r = qmp_client_executef(src.qmp, "x-zcmig-fill-ram",
                                CMD_TIMEOUT_MS * 10, &err,
                                "{\"seed\": %" G_GINT64_FORMAT
                                ", \"zero-every\": %" G_GINT64_FORMAT "}",
                                o->fill_seed, o->fill_zero_every);
        if (!r) {
            goto out;
        }
        g_clear_pointer(&r, json_node_unref);
        if (!o->quiet) {
            printf("source RAM filled with pseudo-random data (seed %"
                   G_GINT64_FORMAT ") in %.1f s\n", o->fill_seed,
                   (g_get_monotonic_time() - f0) / 1e6);
        }
    }
    if (setup_side(&src, o, TRUE, &err) < 0 ||
        setup_side(&dst, o, FALSE, &err) < 0) {
        goto out;
    }
    if (!o->uri && !(o->uri = free_tcp_uri(&err))) {
        goto out;
    }
    if (!o->quiet) {
        printf("migrating %s -> %s over %s: %s%s\n",
               src.zcmig ? "zcmig" : "QEMU", dst.zcmig ? "zcmig" : "QEMU",
               o->uri,
               o->channels ? "multifd" : "single stream",
               o->zero_copy ? ", zero-copy send" : "");
        fflush(stdout);
    }
    src.cpu0 = proc_cpu_seconds(src.pid);
    dst.cpu0 = proc_cpu_seconds(dst.pid);
    r = qmp_client_executef(dst.qmp, "migrate-incoming", CMD_TIMEOUT_MS,
                            &err, "{\"uri\": \"%s\"}", o->uri);
    if (!r) {
        goto out;
    }
    g_clear_pointer(&r, json_node_unref);
    t0 = g_get_monotonic_time();
    r = qmp_client_executef(src.qmp, "migrate", CMD_TIMEOUT_MS, &err,
                            "{\"uri\": \"%s\"}", o->uri);
    if (!r || wait_done(&src, &dst, o, t0, &err) < 0) {
        goto out;
    }
    src.cpu1 = proc_cpu_seconds(src.pid);
    dst.cpu1 = proc_cpu_seconds(dst.pid);
    wall = (MAX(src.done_us, dst.done_us) - t0) / 1e6;

    info = side_query(&src, &err);
    dinfo = info ? side_query(&dst, &err) : NULL;
    if (!dinfo) {
        goto out;
    }
    io = json_node_get_object(info);
    ram = obj_member(io, "ram");
    zc_totals(io, &z);
    if (strcmp(src.status, "completed") || strcmp(dst.status, "completed")) {
        const char *e = str_member(io, "error-desc");
        const char *de = str_member(json_node_get_object(dinfo),
                                    "error-desc");

        g_set_error(&err, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "migration %s on the source (%s), %s on the destination"
                    " (%s)", src.status, e ? e : "no error text",
                    dst.status, de ? de : "no error text");
        goto out;
    }
    if (!o->quiet) {
        print_summary(io, json_node_get_object(dinfo), &z, wall);
    }
    /* The result line first: verification must not delay the figures. */
    printf("RESULT tool=%s status=completed channels=%d zero_copy=%d "
           "ram_bytes=%" G_GINT64_FORMAT " wall_ms=%.1f src_done_ms=%.1f "
           "dst_done_ms=%.1f total_time_ms=%" G_GINT64_FORMAT
           " downtime_ms=%" G_GINT64_FORMAT " setup_ms=%" G_GINT64_FORMAT
           " transferred=%" G_GINT64_FORMAT " mbps=%.1f qmp_mbps=%.1f"
           " src_cpu_s=%.2f dst_cpu_s=%.2f zc_channels=%u zc_queued=%"
           G_GINT64_FORMAT " zc_copied=%" G_GINT64_FORMAT
           " zc_disabled=%u missed_zc=%" G_GINT64_FORMAT "\n",
           src.zcmig ? "zcmig" : "qemu", o->channels, o->zero_copy ? 1 : 0,
           int_member(ram, "total"), wall * 1e3,
           (src.done_us - t0) / 1e3, (dst.done_us - t0) / 1e3,
           int_member(io, "total-time"), int_member(io, "downtime"),
           int_member(io, "setup-time"), int_member(ram, "transferred"),
           int_member(ram, "transferred") * 8 / wall / 1e6,
           double_member(ram, "mbps"),
           src.cpu0 >= 0 ? src.cpu1 - src.cpu0 : -1,
           dst.cpu0 >= 0 ? dst.cpu1 - dst.cpu0 : -1,
           z.channels, z.queued, z.copied, z.disabled,
           int_member(ram, "dirty-sync-missed-zero-copy"));
    fflush(stdout);
    if (o->verify && verify_checksums(&src, &dst, o->quiet, &err) < 0) {
        goto out;
    }
    if (o->cont) {
        g_autoptr(JsonNode) st = NULL;

        r = qmp_client_execute(dst.qmp, "cont", NULL, CMD_TIMEOUT_MS, &err);
        if (!r) {
            goto out;
        }
        st = qmp_client_execute(dst.qmp, "query-status", NULL,
                                CMD_TIMEOUT_MS, &err);
        if (!st) {
            goto out;
        }
        if (!o->quiet) {
            printf("destination after cont: %s\n",
                   str_member(json_node_get_object(st), "status"));
        }
        g_clear_pointer(&st, json_node_unref);
        st = qmp_client_execute(src.qmp, "query-status", NULL,
                                CMD_TIMEOUT_MS, &err);
        if (!st) {
            goto out;
        }
        if (!o->quiet) {
            printf("source: %s\n",
                   str_member(json_node_get_object(st), "status"));
        }
    }
    ret = 0;
out:
    if (err) {
        fprintf(stderr, "zcmig-migrate: %s\n", err->message);
        printf("RESULT tool=%s status=%s\n", src.zcmig ? "zcmig" : "qemu",
               src.status ? src.status : "error");
    }
    qmp_client_free(src.qmp);
    qmp_client_free(dst.qmp);
    g_free(src.status);
    g_free(dst.status);
    return ret;
}

int main(int argc, char **argv)
{
    Options o = {
        .channels = 2,
        .fill_seed = -1,
        .timeout_s = 600,
    };
    GOptionEntry entries[] = {
        { "channels", 'n', 0, G_OPTION_ARG_INT, &o.channels,
          "multifd channels; 0 = single stream (default 2)", "N" },
        { "zero-copy", 'z', 0, G_OPTION_ARG_NONE, &o.zero_copy,
          "capability zero-copy-send on the source", NULL },
        { "zero-copy-if-available", 0, 0, G_OPTION_ARG_NONE,
          &o.zero_copy_try, "like --zero-copy, but migrate with copies "
          "(and say so) if the source refuses it", NULL },
        { "max-bandwidth", 0, 0, G_OPTION_ARG_STRING, &o.max_bandwidth,
          "bytes/s (default: unlimited, 9223372036853727232)", "B" },
        { "downtime-limit", 0, 0, G_OPTION_ARG_INT64, &o.downtime_limit,
          "milliseconds (default: leave the process's setting)", "MS" },
        { "uri", 0, 0, G_OPTION_ARG_STRING, &o.uri,
          "migration URI (default tcp:127.0.0.1:<free port>)", "URI" },
        { "src-pid", 0, 0, G_OPTION_ARG_INT, &o.src_pid,
          "report the source's CPU time (from /proc/PID/stat)", "PID" },
        { "dst-pid", 0, 0, G_OPTION_ARG_INT, &o.dst_pid,
          "report the destination's CPU time", "PID" },
        { "progress", 'p', 0, G_OPTION_ARG_NONE, &o.progress,
          "live progress line on stderr", NULL },
        { "verify-checksum", 0, 0, G_OPTION_ARG_NONE, &o.verify,
          "compare RAM checksums afterwards (zcmig on both sides)", NULL },
        { "fill-seed", 0, 0, G_OPTION_ARG_INT64, &o.fill_seed,
          "first fill the source's RAM (x-zcmig-fill-ram) with this seed",
          "N" },
        { "fill-zero-every", 0, 0, G_OPTION_ARG_INT64, &o.fill_zero_every,
          "with --fill-seed: every N-th page zero (default 0: none)", "N" },
        { "cont", 0, 0, G_OPTION_ARG_NONE, &o.cont,
          "resume the destination afterwards and show both run states",
          NULL },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o.quiet,
          "print only the RESULT line", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &o.timeout_s,
          "give up after this many seconds (default 600)", "S" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("SRC_QMP_SOCKET DST_QMP_SOCKET");
    g_autoptr(GError) err = NULL;
    gint64 bw;
    char *end;

    g_option_context_set_summary(ctx,
        "Migrate between two running zcmig or QEMU processes (the "
        "destination\nstarted with -incoming defer) and report wall time, "
        "downtime, throughput,\nCPU time and zero-copy counters; the last "
        "line is machine-readable (RESULT).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "zcmig-migrate: %s\n", err->message);
        return 2;
    }
    if (argc != 3) {
        fprintf(stderr, "zcmig-migrate: need SRC_QMP_SOCKET and "
                "DST_QMP_SOCKET (see --help)\n");
        return 2;
    }
    if (o.channels < 0 || o.channels > 255 || o.timeout_s <= 0 ||
        o.fill_zero_every < 0) {
        fprintf(stderr, "zcmig-migrate: bad --channels, --timeout or "
                "--fill-zero-every\n");
        return 2;
    }
    if (o.zero_copy_try) {
        o.zero_copy = TRUE;
    }
    if (o.zero_copy && !o.channels) {
        fprintf(stderr, "zcmig-migrate: --zero-copy needs multifd "
                "(--channels > 0)\n");
        return 2;
    }
    if (o.max_bandwidth) {
        errno = 0;
        bw = g_ascii_strtoll(o.max_bandwidth, &end, 10);
        if (errno || *end || bw < 0) {
            fprintf(stderr, "zcmig-migrate: bad --max-bandwidth '%s'\n",
                    o.max_bandwidth);
            return 2;
        }
    } else {
        o.max_bandwidth = g_strdup_printf("%llu",
            (unsigned long long)MIGRATE_UNLIMITED_BANDWIDTH);
    }
    return run(&o, argv[1], argv[2]);
}

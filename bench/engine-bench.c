/*
 * engine-bench: the migration engine alone, between two processes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Runs migration_source_run() and migration_incoming_run() (QEMU 7.2
 * wire format, multifd, optional zero copy) over TCP loopback between a
 * forked destination and the source process, with file-backed shared RAM
 * like "-object memory-backend-file,share=on".  No QMP, no control plane:
 * it isolates the engine for profiling (perf record -p, callgrind) and
 * for quick A/B comparisons of engine changes.  Reports the same figures
 * as copy-tool: wall time (first connect to the destination's return),
 * CPU seconds of each process over the transfer, plus the engine's
 * counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>

#include "io/channel-socket.h"
#include "migration/engine.h"

typedef struct EngineReport {
    double t_start, t_end, cpu;
    uint64_t transferred, normal, zero, missed_zc, downtime_ms;
    uint64_t zc_queued, zc_copied;
    unsigned int zc_disabled;
    int ok;
    char err[256];
} EngineReport;

static double mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_self(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* A machine with one shared file-backed block "mem0". */
static MachineState *machine_on_file(const char *path, bool create,
                                     bool keep, uint64_t *size, char *err,
                                     size_t len)
{
    int fd = open(path, create ? O_RDWR | O_CREAT | (keep ? 0 : O_TRUNC) :
                  O_RDWR, 0600);
    MachineState *ms;
    RAMBlock *rb;
    struct stat st;
    void *p;

    if (fd < 0 || (create && ftruncate(fd, *size) < 0) ||
        (!create && fstat(fd, &st) < 0)) {
        g_snprintf(err, len, "%s: %s", path, g_strerror(errno));
        return NULL;
    }
    if (!create) {
        *size = st.st_size;
    }
    p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        g_snprintf(err, len, "%s: mmap: %s", path, g_strerror(errno));
        return NULL;
    }
    rb = g_new0(RAMBlock, 1);
    rb->idstr = g_strdup("mem0");
    rb->host = p;
    rb->used_length = *size;
    rb->page_size = TARGET_PAGE_SIZE;
    rb->backend = RAM_BACKEND_FILE;
    rb->fd = fd;
    rb->shared = true;
    rb->mem_path = g_strdup(path);
    ms = g_new0(MachineState, 1);
    g_mutex_init(&ms->lock);
    ms->runstate = create ? RUN_STATE_INMIGRATE : RUN_STATE_RUNNING;
    ms->machine_type = g_strdup("none");
    ms->ram_size = *size;
    ms->ram_blocks = g_ptr_array_new();
    g_ptr_array_add(ms->ram_blocks, rb);
    return ms;
}

static void nop_status(void *o, MigrationStatus s) { }
static void nop_pass(void *o, uint64_t p) { }
static bool yes(void *o) { return true; }
static bool no(void *o) { return false; }

static void stop_vm(void *opaque)
{
    MachineState *ms = opaque;

    g_mutex_lock(&ms->lock);
    ms->runstate = RUN_STATE_FINISH_MIGRATE;
    g_mutex_unlock(&ms->lock);
}

static const MigrationSourceHooks src_hooks = {
    .set_status = nop_status, .pass = nop_pass, .wait_continue = yes,
    .stop_vm = stop_vm, .cancelled = no,
};
static const MigrationIncomingHooks dst_hooks = {
    .set_status = nop_status, .cancelled = no,
};

static QIOChannel *wrap(int fd, GError **errp)
{
    QIOChannelSocket *s = qio_channel_socket_new_fd(fd, errp);

    return s ? QIO_CHANNEL_SOCKET_BASE(s) : NULL;
}

static void destination(const char *dst, bool keep, uint64_t size,
                        unsigned int n, int lfd, int report_fd)
{
    EngineReport rep = { 0 };
    MigrationCounters c = { 0 };
    MigrationIncomingParams p = { 0 };
    QIOChannel *chans[256] = { NULL };
    QIOChannel *main_ch = NULL;
    GError *err = NULL;
    MachineState *ms = machine_on_file(dst, true, keep, &size, rep.err,
                                       sizeof(rep.err));
    double cpu0 = 0;

    if (!ms) {
        goto out;
    }
    for (unsigned int i = 0; i <= n; i++) {
        int fd = accept(lfd, NULL, NULL);
        QIOChannel *ioc = fd >= 0 ? wrap(fd, &err) : NULL;
        uint8_t id;

        if (!ioc) {
            g_snprintf(rep.err, sizeof(rep.err), "accept: %s",
                       err ? err->message : g_strerror(errno));
            goto out;
        }
        if (i == 0) {
            cpu0 = cpu_self();
            main_ch = ioc;
            continue;
        }
        if (multifd_recv_initial_packet(ioc, (uint8_t[16]){ 0 }, n, &id,
                                        &err) < 0 || chans[id]) {
            g_snprintf(rep.err, sizeof(rep.err), "initial packet: %s",
                       err ? err->message : "duplicate id");
            goto out;
        }
        chans[id] = ioc;
    }
    p.ms = ms;
    p.main = main_ch;
    p.multifd = chans;
    p.n_multifd = n;
    p.counters = &c;
    p.hooks = &dst_hooks;
    p.opaque = ms;
    if (migration_incoming_run(&p, &err) < 0) {
        g_snprintf(rep.err, sizeof(rep.err), "%s", err->message);
        goto out;
    }
    rep.t_end = mono_now();
    rep.cpu = cpu_self() - cpu0;
    rep.transferred = c.transferred;
    rep.ok = 1;
out:
    if (write(report_fd, &rep, sizeof(rep)) != sizeof(rep)) {
        _exit(3);
    }
    _exit(rep.ok ? 0 : 1);
}

static int connect_lo(int port)
{
    struct sockaddr_in sa = {
        .sin_family = AF_INET,
        .sin_port = htons(port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void source(const char *src, unsigned int n, bool zerocopy,
                   uint64_t downtime, int port, EngineReport *rep)
{
    MigrationCounters c = { 0 };
    MigrationSourceParams p = { 0 };
    QIOChannel *chans[256] = { NULL };
    QIOChannel *main_ch;
    GError *err = NULL;
    uint64_t size = 0;
    MachineState *ms = machine_on_file(src, false, false, &size, rep->err,
                                       sizeof(rep->err));
    double cpu0;

    if (!ms) {
        return;
    }
    rep->t_start = mono_now();
    cpu0 = cpu_self();
    main_ch = wrap(connect_lo(port), &err);
    for (unsigned int i = 0; main_ch && i < n; i++) {
        chans[i] = wrap(connect_lo(port), &err);
        if (!chans[i] ||
            multifd_send_initial_packet(chans[i], (uint8_t[16]){ 0 }, i,
                                        &err) < 0) {
            break;
        }
    }
    if (err) {
        g_snprintf(rep->err, sizeof(rep->err), "connect: %s", err->message);
        return;
    }
    p.ms = ms;
    p.main = main_ch;
    p.multifd = chans;
    p.n_multifd = n;
    p.zerocopy = zerocopy;
    p.downtime_limit_ms = downtime;
    p.counters = &c;
    p.hooks = &src_hooks;
    p.opaque = ms;
    if (migration_source_run(&p, &err) < 0) {
        g_snprintf(rep->err, sizeof(rep->err), "%s", err->message);
        return;
    }
    rep->cpu = cpu_self() - cpu0;
    rep->transferred = c.transferred;
    rep->normal = c.normal_pages;
    rep->zero = c.duplicate_pages;
    rep->missed_zc = c.dirty_sync_missed_zero_copy;
    rep->downtime_ms = c.downtime_ms;
    for (unsigned int i = 0; zerocopy && i < n; i++) {
        QIOChannelZerocopyStats st;

        if (qio_channel_get_zerocopy_stats(chans[i], &st)) {
            rep->zc_queued += st.queued;
            rep->zc_copied += st.copied;
            rep->zc_disabled += st.zerocopy_disabled;
        }
    }
    rep->ok = 1;
}

int main(int argc, char **argv)
{
    gchar *src = NULL, *dst = NULL;
    gint channels = 2;
    gint64 downtime = 300;
    gboolean zerocopy = FALSE, keep = FALSE;
    GOptionEntry entries[] = {
        { "src", 0, 0, G_OPTION_ARG_FILENAME, &src, "source RAM file",
          "PATH" },
        { "dst", 0, 0, G_OPTION_ARG_FILENAME, &dst,
          "destination RAM file (created, removed at the end)", "PATH" },
        { "channels", 'n', 0, G_OPTION_ARG_INT, &channels,
          "multifd channels (0 = single stream; default 2)", "N" },
        { "zero-copy", 'z', 0, G_OPTION_ARG_NONE, &zerocopy,
          "MSG_ZEROCOPY for multifd pages", NULL },
        { "downtime-limit", 0, 0, G_OPTION_ARG_INT64, &downtime,
          "ms (default 300)", "MS" },
        { "keep-dst", 0, 0, G_OPTION_ARG_NONE, &keep,
          "reuse an existing destination file and keep it: its pages are "
          "already allocated, which takes the (noisy) page allocation "
          "out of A/B comparisons", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- engine only");
    g_autoptr(GError) err = NULL;
    struct sockaddr_in sa = {
        .sin_family = AF_INET,
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t salen = sizeof(sa);
    EngineReport sr = { 0 }, dr = { 0 };
    struct stat st;
    int rp[2], lfd, status;
    pid_t pid;
    double wall;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "engine-bench: %s\n", err->message);
        return 2;
    }
    if (!src || !dst || channels < 0 || channels > 255 ||
        stat(src, &st) < 0 || st.st_size == 0 || st.st_size % 4096) {
        fprintf(stderr, "engine-bench: need --src (an existing file, a "
                "multiple of 4 KiB), --dst, 0-255 channels\n");
        return 2;
    }
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(lfd, 300) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0 ||
        pipe(rp) < 0) {
        fprintf(stderr, "engine-bench: %s\n", g_strerror(errno));
        return 1;
    }
    pid = fork();
    if (pid == 0) {
        close(rp[0]);
        destination(dst, keep, st.st_size, channels, lfd, rp[1]);
    }
    close(lfd);
    close(rp[1]);
    source(src, channels, zerocopy, downtime, ntohs(sa.sin_port), &sr);
    if (!sr.ok) {
        kill(pid, SIGKILL);
    }
    if (read(rp[0], &dr, sizeof(dr)) != sizeof(dr)) {
        g_strlcpy(dr.err, "destination died", sizeof(dr.err));
    }
    waitpid(pid, &status, 0);
    if (!keep) {
        unlink(dst);
    }
    if (!sr.ok || !dr.ok) {
        fprintf(stderr, "engine-bench: failed: source: %s; destination: "
                "%s\n", sr.ok ? "ok" : sr.err, dr.ok ? "ok" : dr.err);
        return 1;
    }
    wall = dr.t_end - sr.t_start;
    printf("RESULT tool=engine channels=%d zero_copy=%d ram_bytes=%" PRIu64
           " wall_ms=%.1f mbps=%.1f src_cpu_s=%.3f dst_cpu_s=%.3f "
           "transferred=%" PRIu64 " normal=%" PRIu64 " zero=%" PRIu64
           " downtime_ms=%" PRIu64 " missed_zc=%" PRIu64 " zc_queued=%"
           PRIu64 " zc_copied=%" PRIu64 " zc_disabled=%u\n", channels,
           zerocopy, (uint64_t)st.st_size, wall * 1e3,
           sr.transferred * 8 / wall / 1e6, sr.cpu, dr.cpu, sr.transferred,
           sr.normal, sr.zero, sr.downtime_ms, sr.missed_zc, sr.zc_queued,
           sr.zc_copied, sr.zc_disabled);
    return 0;
}

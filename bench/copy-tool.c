/*
 * copy-tool: the practical limit for moving guest RAM between two
 * processes over TCP on this machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * "run" mode forks a receiver and a sender process.  The sender maps a
 * source file (e.g. in /dev/shm, the same file a benchmark VM uses as its
 * RAM) and sends it over N TCP loopback streams, each stream a contiguous
 * slice, with plain send() straight from the mapping.  The receiver maps a
 * fresh destination file of the same size (also in /dev/shm, so it pays
 * the same page faults as a migration destination) and recv()s each
 * stream straight into it.  No framing, no page scan, no headers: just
 * memory to memory, which is what a migration can at best approach.
 *
 * Reported: wall time from the sender's first connect() to the last byte
 * received (CLOCK_MONOTONIC is shared by both processes) and the CPU time
 * (user + system, all threads) each process used over that transfer.
 *
 * "gen" mode writes a file of pseudo-random bytes (xorshift, fast enough
 * to make 8 GiB in a few seconds) used as benchmark RAM contents.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#define COPY_MAX_STREAMS 64
/* Largest single send()/recv() request. */
#define COPY_CHUNK (4u << 20)

/* --keep-dst: reuse the destination file (pages already allocated). */
static bool keep_dst;
/* --splice-send: vmsplice() the source pages into a pipe and splice() it
 * to the socket (the kernel references the pages instead of copying). */
static gboolean splice_send;
/* --splice-recv: splice() the socket into a pipe and the pipe into the
 * destination file (one copy into page cache, no fault, no zeroing). */
static gboolean splice_recv;

typedef struct CopyReport {
    double t_start;   /* monotonic seconds: first connect (sender) */
    double t_end;     /* monotonic seconds: last byte (receiver) */
    double cpu;       /* CPU seconds used during the transfer */
    int ok;
    char err[200];
} CopyReport;

typedef struct CopyStream {
    int fd;
    int file_fd;      /* receiver, --splice-recv: the destination file */
    uint8_t *base;
    uint64_t offset;
    uint64_t len;
    bool sender;
    char err[200];
} CopyStream;

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

static int full_write(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= n;
    }
    return 0;
}

static int full_read(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = read(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= n;
    }
    return 0;
}

#define SPLICE_PIPE_SIZE (1u << 20)

static int pipe_for_splice(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0) {
        return -1;
    }
    /* Best effort: a bigger pipe means fewer splice() round trips. */
    fcntl(p[1], F_SETPIPE_SZ, SPLICE_PIPE_SIZE);
    return 0;
}

static void splice_sender(CopyStream *s)
{
    int p[2];
    uint64_t done = 0;

    if (pipe_for_splice(p) < 0) {
        g_snprintf(s->err, sizeof(s->err), "pipe: %s", g_strerror(errno));
        return;
    }
    while (done < s->len) {
        struct iovec iov = {
            .iov_base = s->base + s->offset + done,
            .iov_len = MIN(s->len - done, SPLICE_PIPE_SIZE),
        };
        ssize_t in = vmsplice(p[1], &iov, 1, 0);

        if (in < 0 && errno == EINTR) {
            continue;
        }
        if (in <= 0) {
            g_snprintf(s->err, sizeof(s->err), "vmsplice: %s",
                       g_strerror(errno));
            break;
        }
        for (ssize_t left = in; left > 0;) {
            ssize_t out = splice(p[0], NULL, s->fd, NULL, left,
                                 SPLICE_F_MORE);

            if (out < 0 && errno == EINTR) {
                continue;
            }
            if (out <= 0) {
                g_snprintf(s->err, sizeof(s->err), "splice: %s",
                           g_strerror(errno));
                goto out;
            }
            left -= out;
        }
        done += in;
    }
out:
    close(p[0]);
    close(p[1]);
}

/* tmpfs writes take the inode lock exclusively and its waiters spin:
 * serialise the streams' file writes here, where a waiter sleeps. */
static GMutex file_write_lock;

static void splice_receiver(CopyStream *s)
{
    int p[2];
    uint64_t done = 0;

    if (pipe_for_splice(p) < 0) {
        g_snprintf(s->err, sizeof(s->err), "pipe: %s", g_strerror(errno));
        return;
    }
    while (done < s->len) {
        ssize_t in = splice(s->fd, NULL, p[1], NULL,
                            MIN(s->len - done, SPLICE_PIPE_SIZE), 0);

        if (in < 0 && errno == EINTR) {
            continue;
        }
        if (in <= 0) {
            g_snprintf(s->err, sizeof(s->err), "splice from socket: %s",
                       in ? g_strerror(errno) : "connection closed");
            break;
        }
        g_mutex_lock(&file_write_lock);
        for (ssize_t left = in; left > 0;) {
            loff_t off = s->offset + done + (in - left);
            ssize_t out = splice(p[0], NULL, s->file_fd, &off, left, 0);

            if (out < 0 && errno == EINTR) {
                continue;
            }
            if (out <= 0) {
                g_snprintf(s->err, sizeof(s->err), "splice to file: %s",
                           g_strerror(errno));
                g_mutex_unlock(&file_write_lock);
                goto out;
            }
            left -= out;
        }
        g_mutex_unlock(&file_write_lock);
        done += in;
    }
out:
    close(p[0]);
    close(p[1]);
}

/* One stream: an 16-byte header (be64 offset, be64 length), then data. */
static gpointer copy_stream_thread(gpointer opaque)
{
    CopyStream *s = opaque;
    uint64_t done = 0;

    if (s->sender) {
        uint64_t hdr[2] = { GUINT64_TO_BE(s->offset), GUINT64_TO_BE(s->len) };

        if (full_write(s->fd, hdr, sizeof(hdr)) < 0) {
            g_snprintf(s->err, sizeof(s->err), "header: %s",
                       g_strerror(errno));
            return NULL;
        }
        if (splice_send) {
            splice_sender(s);
            return NULL;
        }
        while (done < s->len) {
            size_t n = MIN(s->len - done, COPY_CHUNK);
            ssize_t r = send(s->fd, s->base + s->offset + done, n,
                             MSG_NOSIGNAL);

            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                g_snprintf(s->err, sizeof(s->err), "send: %s",
                           g_strerror(errno));
                return NULL;
            }
            done += r;
        }
    } else if (splice_recv) {
        splice_receiver(s);
    } else {
        while (done < s->len) {
            size_t n = MIN(s->len - done, COPY_CHUNK);
            ssize_t r = recv(s->fd, s->base + s->offset + done, n,
                             MSG_WAITALL);

            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                g_snprintf(s->err, sizeof(s->err), "recv: %s",
                           r ? g_strerror(errno) : "connection closed");
                return NULL;
            }
            done += r;
        }
    }
    return NULL;
}

static uint8_t *map_file(const char *path, bool create, uint64_t *size,
                         char *err, size_t errlen)
{
    int fd = open(path, create ? O_RDWR | O_CREAT | (keep_dst ? 0 : O_TRUNC) :
                  O_RDONLY, 0600);
    struct stat st;
    void *p;

    if (fd < 0) {
        g_snprintf(err, errlen, "%s: %s", path, g_strerror(errno));
        return NULL;
    }
    if (create) {
        if (ftruncate(fd, *size) < 0) {
            g_snprintf(err, errlen, "%s: ftruncate: %s", path,
                       g_strerror(errno));
            close(fd);
            return NULL;
        }
    } else {
        if (fstat(fd, &st) < 0 || st.st_size == 0) {
            g_snprintf(err, errlen, "%s: empty or unreadable", path);
            close(fd);
            return NULL;
        }
        *size = st.st_size;
    }
    p = mmap(NULL, *size, create ? PROT_READ | PROT_WRITE : PROT_READ,
             MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        g_snprintf(err, errlen, "%s: mmap: %s", path, g_strerror(errno));
        return NULL;
    }
    return p;
}

static void run_streams(CopyStream *st, unsigned int n, CopyReport *rep)
{
    GThread *th[COPY_MAX_STREAMS];

    for (unsigned int i = 0; i < n; i++) {
        th[i] = g_thread_new("copy", copy_stream_thread, &st[i]);
    }
    for (unsigned int i = 0; i < n; i++) {
        g_thread_join(th[i]);
    }
    rep->ok = 1;
    for (unsigned int i = 0; i < n; i++) {
        if (st[i].err[0]) {
            rep->ok = 0;
            g_strlcpy(rep->err, st[i].err, sizeof(rep->err));
        }
    }
}

/* Receiver: listen, tell the parent the port, accept N, receive. */
static void receiver(const char *dst, uint64_t size, unsigned int n,
                     int lfd, int report_fd)
{
    CopyReport rep = { 0 };
    CopyStream st[COPY_MAX_STREAMS] = { 0 };
    uint8_t *base = map_file(dst, true, &size, rep.err, sizeof(rep.err));
    int file_fd = splice_recv ? open(dst, O_RDWR | O_CLOEXEC) : -1;
    double cpu0 = 0;

    if (!base || (splice_recv && file_fd < 0)) {
        if (base) {
            g_snprintf(rep.err, sizeof(rep.err), "%s: %s", dst,
                       g_strerror(errno));
        }
        goto out;
    }
    for (unsigned int i = 0; i < n; i++) {
        uint64_t hdr[2];
        int fd = accept(lfd, NULL, NULL);

        if (fd < 0 || full_read(fd, hdr, sizeof(hdr)) < 0) {
            g_snprintf(rep.err, sizeof(rep.err), "accept: %s",
                       g_strerror(errno));
            goto out;
        }
        if (i == 0) {
            cpu0 = cpu_self();
        }
        st[i].fd = fd;
        st[i].file_fd = file_fd;
        st[i].base = base;
        st[i].offset = GUINT64_FROM_BE(hdr[0]);
        st[i].len = GUINT64_FROM_BE(hdr[1]);
        if (st[i].offset > size || st[i].len > size - st[i].offset) {
            g_snprintf(rep.err, sizeof(rep.err), "bad slice header");
            goto out;
        }
    }
    run_streams(st, n, &rep);
    rep.t_end = mono_now();
    rep.cpu = cpu_self() - cpu0;
out:
    full_write(report_fd, &rep, sizeof(rep));
    _exit(rep.ok ? 0 : 1);
}

static void sender(const char *src, unsigned int n, int port, int report_fd)
{
    CopyReport rep = { 0 };
    CopyStream st[COPY_MAX_STREAMS] = { 0 };
    uint64_t size = 0, slice;
    uint8_t *base = map_file(src, false, &size, rep.err, sizeof(rep.err));
    double cpu0;

    if (!base) {
        goto out;
    }
    /* Page-aligned slices, the last one takes the remainder. */
    slice = (size / n) & ~(uint64_t)4095;
    rep.t_start = mono_now();
    cpu0 = cpu_self();
    for (unsigned int i = 0; i < n; i++) {
        struct sockaddr_in sa = {
            .sin_family = AF_INET,
            .sin_port = htons(port),
            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            g_snprintf(rep.err, sizeof(rep.err), "connect: %s",
                       g_strerror(errno));
            goto out;
        }
        st[i].fd = fd;
        st[i].base = base;
        st[i].sender = true;
        st[i].offset = i * slice;
        st[i].len = i + 1 == n ? size - i * slice : slice;
    }
    run_streams(st, n, &rep);
    rep.cpu = cpu_self() - cpu0;
out:
    full_write(report_fd, &rep, sizeof(rep));
    _exit(rep.ok ? 0 : 1);
}

static int cmd_run(const char *src, const char *dst, unsigned int n,
                   bool verify)
{
    struct sockaddr_in sa = {
        .sin_family = AF_INET,
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t salen = sizeof(sa);
    int rpipe[2], spipe[2];
    CopyReport rr = { 0 }, sr = { 0 };
    struct stat stt;
    pid_t rpid, spid;
    int lfd, status;
    uint64_t size;
    double wall;

    if (stat(src, &stt) < 0 || stt.st_size <= 0) {
        fprintf(stderr, "copy-tool: %s: missing or empty\n", src);
        return 1;
    }
    size = stt.st_size;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(lfd, COPY_MAX_STREAMS) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
        fprintf(stderr, "copy-tool: listen: %s\n", g_strerror(errno));
        return 1;
    }
    if (pipe(rpipe) < 0 || pipe(spipe) < 0) {
        fprintf(stderr, "copy-tool: pipe: %s\n", g_strerror(errno));
        return 1;
    }
    rpid = fork();
    if (rpid == 0) {
        receiver(dst, size, n, lfd, rpipe[1]);
    }
    spid = fork();
    if (spid == 0) {
        close(lfd);
        sender(src, n, ntohs(sa.sin_port), spipe[1]);
    }
    close(lfd);
    close(rpipe[1]);
    close(spipe[1]);
    if (full_read(spipe[0], &sr, sizeof(sr)) < 0) {
        g_strlcpy(sr.err, "sender died", sizeof(sr.err));
    }
    if (!sr.ok) {
        /* The receiver would wait forever for the missing streams. */
        kill(rpid, SIGKILL);
    }
    if (full_read(rpipe[0], &rr, sizeof(rr)) < 0) {
        g_strlcpy(rr.err, "receiver died", sizeof(rr.err));
    }
    waitpid(spid, &status, 0);
    waitpid(rpid, &status, 0);
    if (!sr.ok || !rr.ok) {
        fprintf(stderr, "copy-tool: failed: %s\n", sr.ok ? rr.err : sr.err);
        if (!keep_dst) {
            unlink(dst);
        }
        return 1;
    }
    if (verify) {
        char err[200];
        uint64_t s1 = 0, s2 = size;
        uint8_t *a = map_file(src, false, &s1, err, sizeof(err));
        uint8_t *b = a ? map_file(dst, false, &s2, err, sizeof(err)) : NULL;

        if (!b || s1 != s2 || memcmp(a, b, size)) {
            fprintf(stderr, "copy-tool: verify failed: %s\n",
                    b ? "contents differ" : err);
            if (!keep_dst) {
                unlink(dst);
            }
            return 1;
        }
    }
    wall = rr.t_end - sr.t_start;
    printf("RESULT tool=%s status=completed streams=%u bytes=%" PRIu64
           " wall_ms=%.1f "
           "mbps=%.1f src_cpu_s=%.3f dst_cpu_s=%.3f%s\n",
           splice_send || splice_recv ? "splice" : "copy", n, size, wall * 1e3, size * 8 / wall / 1e6, sr.cpu, rr.cpu,
           verify ? " verified=1" : "");
    if (!keep_dst) {
        unlink(dst);
    }
    return 0;
}

/* xorshift64* fill: fast, reproducible, incompressible enough. */
static int cmd_gen(const char *path, uint64_t size, uint64_t seed)
{
    uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ULL;
    char err[200];
    uint64_t *p;

    if (!size || size % 4096) {
        fprintf(stderr, "copy-tool: gen: size must be a positive multiple "
                "of 4096\n");
        return 1;
    }
    p = (uint64_t *)map_file(path, true, &size, err, sizeof(err));
    if (!p) {
        fprintf(stderr, "copy-tool: %s\n", err);
        return 1;
    }
    for (uint64_t i = 0; i < size / 8; i++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        p[i] = s * 0x2545f4914f6cdd1dULL;
    }
    munmap(p, size);
    return 0;
}

int main(int argc, char **argv)
{
    gint streams = 2;
    gchar *src = NULL, *dst = NULL, *size_str = NULL;
    gint64 seed = 1;
    gboolean verify = FALSE, keep = FALSE;
    GOptionEntry entries[] = {
        { "src", 0, 0, G_OPTION_ARG_FILENAME, &src,
          "run: source file (the RAM to send)", "PATH" },
        { "dst", 0, 0, G_OPTION_ARG_FILENAME, &dst,
          "run: destination file, created, removed at the end", "PATH" },
        { "streams", 'n', 0, G_OPTION_ARG_INT, &streams,
          "run: number of TCP streams (default 2)", "N" },
        { "verify", 0, 0, G_OPTION_ARG_NONE, &verify,
          "run: compare destination with source afterwards", NULL },
        { "keep-dst", 0, 0, G_OPTION_ARG_NONE, &keep,
          "run: reuse the destination file and keep it (its pages are "
          "then already allocated)", NULL },
        { "splice-send", 0, 0, G_OPTION_ARG_NONE, &splice_send,
          "run: vmsplice+splice the pages to the socket (no copy)", NULL },
        { "splice-recv", 0, 0, G_OPTION_ARG_NONE, &splice_recv,
          "run: splice the socket into the destination file", NULL },
        { "size", 0, 0, G_OPTION_ARG_STRING, &size_str,
          "gen: size in bytes (suffix K, M, G allowed)", "SIZE" },
        { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
          "gen: seed (default 1)", "N" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("run|gen - RAM copy limit over TCP loopback");
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "  copy-tool run --src /dev/shm/ram --dst /dev/shm/copy -n 2\n"
        "  copy-tool gen --src /dev/shm/ram --size 2G\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "copy-tool: %s\n", err->message);
        return 2;
    }
    if (argc != 2 || !src) {
        fprintf(stderr, "copy-tool: need run|gen and --src (see --help)\n");
        return 2;
    }
    keep_dst = keep;
    if (!strcmp(argv[1], "gen")) {
        char *end = NULL;
        uint64_t size = size_str ? g_ascii_strtoull(size_str, &end, 10) : 0;

        if (end && *end) {
            switch (g_ascii_toupper(*end)) {
            case 'K': size <<= 10; break;
            case 'M': size <<= 20; break;
            case 'G': size <<= 30; break;
            default: size = 0; break;
            }
        }
        return cmd_gen(src, size, seed);
    }
    if (!strcmp(argv[1], "run")) {
        if (!dst || streams < 1 || streams > COPY_MAX_STREAMS) {
            fprintf(stderr, "copy-tool: run needs --dst and 1-%d streams\n",
                    COPY_MAX_STREAMS);
            return 2;
        }
        return cmd_run(src, dst, streams, verify);
    }
    fprintf(stderr, "copy-tool: unknown mode '%s'\n", argv[1]);
    return 2;
}

/*
 * Monitor core: character devices (listeners), sessions, non-blocking
 * buffered I/O on the main loop, and thread-safe event delivery.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor-internal.h"

/* ---- output ---- */

static gboolean monitor_out_ready(gint fd, GIOCondition cond, gpointer opaque);

static void monitor_arm_output(Monitor *mon)
{
    if (mon->out_src || mon->dead) {
        return;
    }
    mon->out_src = g_unix_fd_source_new(mon->out_fd, G_IO_OUT);
    g_source_set_callback(mon->out_src, G_SOURCE_FUNC(monitor_out_ready),
                          mon, NULL);
    g_source_attach(mon->out_src, mon->core->ms->ctx);
}

/* Write as much pending output as the fd takes now; false on error. */
static bool monitor_try_flush(Monitor *mon)
{
    while (mon->outbuf->len) {
        ssize_t n = write(mon->out_fd, mon->outbuf->str, mon->outbuf->len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        g_string_erase(mon->outbuf, 0, n);
    }
    return true;
}

static gboolean monitor_out_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    Monitor *mon = opaque;

    if (!monitor_try_flush(mon)) {
        g_source_destroy(mon->out_src);
        g_source_unref(mon->out_src);
        mon->out_src = NULL;
        monitor_session_close(mon);
        return G_SOURCE_REMOVE;
    }
    if (mon->outbuf->len == 0) {
        g_source_unref(mon->out_src);
        mon->out_src = NULL;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

void monitor_write(Monitor *mon, const char *data, size_t len)
{
    if (mon->dead) {
        return;
    }
    g_string_append_len(mon->outbuf, data, len);
    if (mon->kind == MONITOR_KIND_BUFFER) {
        return;
    }
    if (mon->out_src) {
        /* A watch is pending; keep the order, but bound the backlog. */
        if (mon->outbuf->len > MONITOR_OUTPUT_MAX) {
            monitor_session_close(mon);
        }
        return;
    }
    if (!monitor_try_flush(mon)) {
        monitor_session_close(mon);
        return;
    }
    if (mon->outbuf->len) {
        monitor_arm_output(mon);
    }
}

void monitor_puts(Monitor *mon, const char *str)
{
    const char *p = str;

    /* HMP output goes out with "\r\n" line ends, as QEMU's does. */
    while (*p) {
        const char *nl = strchr(p, '\n');

        if (!nl) {
            monitor_write(mon, p, strlen(p));
            break;
        }
        monitor_write(mon, p, nl - p);
        monitor_write(mon, "\r\n", 2);
        p = nl + 1;
    }
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    g_autofree char *s = NULL;
    va_list ap;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    monitor_puts(mon, s);
}

MachineState *monitor_machine(Monitor *mon)
{
    return mon->ms;
}

Monitor *monitor_buffer_new(MachineState *ms)
{
    Monitor *mon = g_new0(Monitor, 1);

    mon->core = ms->monitor_core;
    mon->ms = ms;
    mon->kind = MONITOR_KIND_BUFFER;
    mon->in_fd = mon->out_fd = -1;
    mon->outbuf = g_string_new(NULL);
    return mon;
}

void monitor_buffer_free(Monitor *mon)
{
    if (mon) {
        g_string_free(mon->outbuf, TRUE);
        g_free(mon);
    }
}

/* ---- sessions ---- */

/* At most this many fds are taken from one read; the kernel closes more. */
#define MONITOR_MAX_MSGFDS 16

/*
 * Read input; fds passed with SCM_RIGHTS (sockets only) are queued for
 * the commands in it (getfd).  Like read(2), with errno.
 */
static ssize_t monitor_read_input(Monitor *mon, char *buf, size_t len)
{
    union {
        struct cmsghdr hdr;
        char buf[CMSG_SPACE(sizeof(int) * MONITOR_MAX_MSGFDS)];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = &control,
        .msg_controllen = sizeof(control),
    };
    struct cmsghdr *cmsg;
    ssize_t n;

    if (mon->in_not_socket) {
        return read(mon->in_fd, buf, len);
    }
    /* Received fds are close-on-exec from the start. */
    n = recvmsg(mon->in_fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == ENOTSOCK) {
        mon->in_not_socket = true;  /* stdio on a pipe or tty */
        return read(mon->in_fd, buf, len);
    }
    if (n < 0) {
        return n;
    }
    for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        size_t nfds;

        if (cmsg->cmsg_level != SOL_SOCKET ||
            cmsg->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        if (nfds) {
            g_autofree int *fds = g_new(int, nfds);

            memcpy(fds, CMSG_DATA(cmsg), nfds * sizeof(int));
            monitor_msgfds_received(mon, fds, nfds);
        }
    }
    return n;
}

static gboolean monitor_in_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    Monitor *mon = opaque;
    char buf[4096];
    ssize_t n;

    n = monitor_read_input(mon, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN ||
                  errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        /* EOF or error: the client is gone. */
        if (mon->kind == MONITOR_KIND_QMP) {
            qmp_session_eof(mon);
        }
        g_source_unref(mon->in_src);
        mon->in_src = NULL;
        monitor_session_close(mon);
        return G_SOURCE_REMOVE;
    }
    if (mon->kind == MONITOR_KIND_QMP) {
        qmp_session_input(mon, buf, n);
        monitor_msgfds_input_done(mon, json_stream_in_message(mon->js));
    } else {
        /* No HMP command takes a passed fd. */
        hmp_session_input(mon, buf, n);
        monitor_msgfds_input_done(mon, false);
    }
    return G_SOURCE_CONTINUE;
}

Monitor *monitor_session_new(MonitorCore *core, MonitorChardev *chr,
                             MonitorKind kind, int in_fd, int out_fd,
                             bool owns_fds)
{
    Monitor *mon = g_new0(Monitor, 1);

    mon->core = core;
    mon->ms = core->ms;
    mon->chr = chr;
    mon->kind = kind;
    mon->in_fd = in_fd;
    mon->out_fd = out_fd;
    mon->owns_fds = owns_fds;
    mon->outbuf = g_string_new(NULL);
    if (kind == MONITOR_KIND_BUFFER) {
        return mon;
    }
    if (chr) {
        chr->n_sessions++;
    }
    core->sessions = g_list_append(core->sessions, mon);
    core->ms->monitors = g_list_append(core->ms->monitors, mon);
    mon->in_src = g_unix_fd_source_new(in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(mon->in_src, G_SOURCE_FUNC(monitor_in_ready), mon,
                          NULL);
    g_source_attach(mon->in_src, core->ms->ctx);
    if (kind == MONITOR_KIND_QMP) {
        qmp_session_start(mon);
    } else {
        hmp_session_start(mon);
    }
    return mon;
}

static void monitor_session_free(gpointer p)
{
    Monitor *mon = p;

    json_stream_free(mon->js);
    monitor_fds_free(mon);
    if (mon->line) {
        g_string_free(mon->line, TRUE);
    }
    g_string_free(mon->outbuf, TRUE);
    g_free(mon);
}

static gboolean monitor_session_free_idle(gpointer p)
{
    monitor_session_free(p);
    return G_SOURCE_REMOVE;
}

void monitor_session_close(Monitor *mon)
{
    MonitorCore *core = mon->core;
    GSource *idle;

    if (mon->dead) {
        return;
    }
    mon->dead = true;
    if (mon->kind == MONITOR_KIND_BUFFER) {
        return;
    }
    if (mon->in_src) {
        g_source_destroy(mon->in_src);
        g_clear_pointer(&mon->in_src, g_source_unref);
    }
    if (mon->out_src) {
        g_source_destroy(mon->out_src);
        g_clear_pointer(&mon->out_src, g_source_unref);
    }
    if (mon->owns_fds) {
        close(mon->in_fd);
        if (mon->out_fd != mon->in_fd) {
            close(mon->out_fd);
        }
    }
    if (mon->chr) {
        mon->chr->n_sessions--;
    }
    core->sessions = g_list_remove(core->sessions, mon);
    core->ms->monitors = g_list_remove(core->ms->monitors, mon);
    /* The caller may still be inside one of this session's callbacks. */
    idle = g_idle_source_new();
    g_source_set_callback(idle, monitor_session_free_idle, mon, NULL);
    g_source_attach(idle, core->ms->ctx);
    g_source_unref(idle);
}

/* ---- character devices ---- */

static gboolean monitor_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    MonitorChardev *chr = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (cfd < 0) {
        /* EAGAIN, ECONNABORTED, EMFILE: keep listening. */
        return G_SOURCE_CONTINUE;
    }
    monitor_session_new(chr->core, chr,
                        chr->qmp ? MONITOR_KIND_QMP : MONITOR_KIND_HMP,
                        cfd, cfd, true);
    return G_SOURCE_CONTINUE;
}

static void monitor_chardev_free(gpointer p)
{
    MonitorChardev *chr = p;
    guint i;

    for (i = 0; i < chr->listen_srcs->len; i++) {
        g_source_destroy(g_ptr_array_index(chr->listen_srcs, i));
    }
    g_ptr_array_unref(chr->listen_srcs);
    for (i = 0; i < chr->listen_fds->len; i++) {
        close(g_array_index(chr->listen_fds, int, i));
    }
    g_array_unref(chr->listen_fds);
    if (chr->unlink_path) {
        unlink(chr->unlink_path);
    }
    g_free(chr->unlink_path);
    g_free(chr->label);
    g_free(chr->filename);
    g_free(chr);
}

static int monitor_listen_unix(const char *path, GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    mode_t old_umask;
    int fd, ret, e;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "UNIX socket path '%s' is too long", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "Failed to create socket: %s", g_strerror(e));
        return -1;
    }
    /* A stale socket from an earlier run would make bind() fail. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
    /* Mode 0600 from the start (start-up is single-threaded). */
    old_umask = umask(0177);
    ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    e = errno;
    umask(old_umask);
    if (ret < 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "Failed to bind socket to %s: %s", path, g_strerror(e));
        close(fd);
        return -1;
    }
    if (listen(fd, 16) < 0) {
        e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "Failed to listen on socket: %s", g_strerror(e));
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

static bool monitor_listen_tcp(MonitorChardev *chr, const char *host,
                               const char *port, GError **errp)
{
    struct addrinfo hints = {
        .ai_flags = AI_PASSIVE | AI_ADDRCONFIG,
        .ai_socktype = SOCK_STREAM,
    };
    struct addrinfo *res = NULL, *ai;
    int ret, last_errno = 0;
    bool have_v4 = false;

    ret = getaddrinfo(host && *host ? host : NULL, port, &hints, &res);
    if (ret) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "address resolution failed for %s:%s: %s",
                    host, port, gai_strerror(ret));
        return false;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        have_v4 |= ai->ai_family == AF_INET;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int one = 1;
        int fd = socket(ai->ai_family,
                        ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        ai->ai_protocol);

        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6 && have_v4) {
            /* The IPv4 address gets its own socket. */
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
            listen(fd, 16) < 0) {
            last_errno = errno;
            close(fd);
            continue;
        }
        g_array_append_val(chr->listen_fds, fd);
    }
    freeaddrinfo(res);
    if (chr->listen_fds->len == 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(last_errno),
                    "Failed to bind socket: %s", g_strerror(last_errno));
        return false;
    }
    return true;
}

/* Block until a client connects to one of @chr's sockets (wait=on). */
static bool monitor_wait_client(MonitorChardev *chr, GError **errp)
{
    guint n = chr->listen_fds->len, i;
    g_autofree struct pollfd *pfd = g_new0(struct pollfd, n);

    for (i = 0; i < n; i++) {
        pfd[i].fd = g_array_index(chr->listen_fds, int, i);
        pfd[i].events = POLLIN;
    }
    for (;;) {
        if (poll(pfd, n, -1) < 0) {
            int e = errno;

            if (e == EINTR) {
                continue;
            }
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                        "waiting for a monitor connection: %s",
                        g_strerror(e));
            return false;
        }
        for (i = 0; i < n; i++) {
            int cfd;

            if (!(pfd[i].revents & POLLIN)) {
                continue;
            }
            cfd = accept4(pfd[i].fd, NULL, NULL,
                          SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (cfd >= 0) {
                monitor_session_new(chr->core, chr,
                                    chr->qmp ? MONITOR_KIND_QMP
                                             : MONITOR_KIND_HMP,
                                    cfd, cfd, true);
                return true;
            }
        }
    }
}

bool monitor_add(MonitorCore *core, const CliMonitor *opt, GError **errp)
{
    MonitorChardev *chr = g_new0(MonitorChardev, 1);
    guint i;

    chr->core = core;
    chr->qmp = opt->qmp;
    chr->kind = opt->kind;
    chr->label = g_strdup_printf("compat_monitor%u", core->chardevs->len);
    chr->listen_fds = g_array_new(FALSE, FALSE, sizeof(int));
    chr->listen_srcs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_source_unref);
    g_ptr_array_add(core->chardevs, chr);

    switch (opt->kind) {
    case CLI_CHARDEV_STDIO:
        chr->filename = g_strdup("stdio");
        g_unix_set_fd_nonblocking(0, TRUE, NULL);
        g_unix_set_fd_nonblocking(1, TRUE, NULL);
        monitor_session_new(core, chr,
                            opt->qmp ? MONITOR_KIND_QMP : MONITOR_KIND_HMP,
                            0, 1, false);
        return true;
    case CLI_CHARDEV_UNIX: {
        int fd = monitor_listen_unix(opt->path, errp);

        if (fd < 0) {
            return false;
        }
        g_array_append_val(chr->listen_fds, fd);
        chr->unlink_path = g_strdup(opt->path);
        chr->filename = g_strdup_printf("unix:%s,server=on", opt->path);
        break;
    }
    case CLI_CHARDEV_TCP:
        if (!monitor_listen_tcp(chr, opt->host, opt->port, errp)) {
            return false;
        }
        chr->filename = g_strdup_printf("tcp:%s:%s,server=on", opt->host,
                                        opt->port);
        break;
    }
    for (i = 0; i < chr->listen_fds->len; i++) {
        GSource *src = g_unix_fd_source_new(
            g_array_index(chr->listen_fds, int, i), G_IO_IN);

        g_source_set_callback(src, G_SOURCE_FUNC(monitor_accept), chr, NULL);
        g_source_attach(src, core->ms->ctx);
        g_ptr_array_add(chr->listen_srcs, src);
    }
    if (opt->wait) {
        return monitor_wait_client(chr, errp);
    }
    return true;
}

void monitor_chardev_foreach(MonitorCore *core,
                             void (*fn)(void *opaque, const char *label,
                                        const char *filename,
                                        bool frontend_open),
                             void *opaque)
{
    guint i;

    for (i = 0; i < core->chardevs->len; i++) {
        MonitorChardev *chr = g_ptr_array_index(core->chardevs, i);
        g_autofree char *name = NULL;

        if (chr->kind != CLI_CHARDEV_STDIO && chr->n_sessions == 0) {
            name = g_strdup_printf("disconnected:%s", chr->filename);
        } else {
            name = g_strdup(chr->filename);
        }
        fn(opaque, chr->label, name, true);
    }
}

/* ---- events ---- */

static gboolean monitor_events_idle(gpointer opaque)
{
    MonitorCore *core = opaque;

    monitor_flush_events(core);
    return G_SOURCE_REMOVE;
}

void monitor_flush_events(MonitorCore *core)
{
    GQueue q = G_QUEUE_INIT;
    char *ev;

    g_mutex_lock(&core->ev_lock);
    q = core->ev_queue;
    g_queue_init(&core->ev_queue);
    core->ev_scheduled = false;
    g_mutex_unlock(&core->ev_lock);

    while ((ev = g_queue_pop_head(&q))) {
        GList *l, *next;

        for (l = core->sessions; l; l = next) {
            Monitor *mon = l->data;

            next = l->next;    /* a failed write removes the session */
            if (mon->kind == MONITOR_KIND_QMP && mon->negotiated) {
                monitor_write(mon, ev, strlen(ev));
            }
        }
        g_free(ev);
    }
}

static void monitor_emit(QAPIEventEmitter *em, const char *name,
                         JsonObject *data)
{
    MonitorCore *core = (MonitorCore *)em;
    gint64 now = g_get_real_time();
    JsonObject *ts = json_object_new();
    g_autoptr(JsonObject) ev = json_object_new();
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    char *text;
    bool owner;

    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(ev, "timestamp", ts);
    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_object_member(ev, "data", data);
    }
    json_node_set_object(node, ev);
    text = qmp_json_to_string(node);
    text = g_realloc(text, strlen(text) + 3);
    strcat(text, "\r\n");

    owner = g_main_context_is_owner(core->ms->ctx);
    g_mutex_lock(&core->ev_lock);
    g_queue_push_tail(&core->ev_queue, text);
    if (!owner && !core->ev_scheduled) {
        GSource *idle = g_idle_source_new();

        /* Before other idle work, so events keep up with replies. */
        g_source_set_priority(idle, G_PRIORITY_DEFAULT);
        g_source_set_callback(idle, monitor_events_idle, core, NULL);
        g_source_attach(idle, core->ms->ctx);
        g_source_unref(idle);
        core->ev_scheduled = true;
    }
    g_mutex_unlock(&core->ev_lock);
    if (owner) {
        monitor_flush_events(core);
    }
}

QAPIEventEmitter *monitor_core_emitter(MonitorCore *core)
{
    return &core->em;
}

MonitorCore *monitor_core_new(MachineState *ms)
{
    MonitorCore *core = g_new0(MonitorCore, 1);

    core->em.emit = monitor_emit;
    core->ms = ms;
    core->chardevs = g_ptr_array_new_with_free_func(monitor_chardev_free);
    g_mutex_init(&core->ev_lock);
    g_queue_init(&core->ev_queue);
    ms->events = &core->em;
    ms->monitor_core = core;
    return core;
}

void monitor_core_free(MonitorCore *core, unsigned flush_ms)
{
    gint64 deadline;
    GList *l;
    guint i;

    if (!core) {
        return;
    }
    monitor_flush_events(core);
    /* Give pending replies (quit) and events (SHUTDOWN) a chance. */
    deadline = g_get_monotonic_time() + (gint64)flush_ms * 1000;
    for (;;) {
        GArray *pfds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));
        gint64 left;

        for (l = core->sessions; l; l = l->next) {
            Monitor *mon = l->data;

            if (!mon->dead && mon->outbuf->len &&
                monitor_try_flush(mon) && mon->outbuf->len) {
                struct pollfd p = { .fd = mon->out_fd, .events = POLLOUT };
                g_array_append_val(pfds, p);
            }
        }
        left = deadline - g_get_monotonic_time();
        if (pfds->len == 0 || left <= 0) {
            g_array_unref(pfds);
            break;
        }
        poll((struct pollfd *)pfds->data, pfds->len, left / 1000 + 1);
        g_array_unref(pfds);
    }
    /* No new clients from here on (the chardevs are freed below, after
     * the sessions that point to them). */
    for (i = 0; i < core->chardevs->len; i++) {
        MonitorChardev *chr = g_ptr_array_index(core->chardevs, i);
        guint j;

        for (j = 0; j < chr->listen_srcs->len; j++) {
            g_source_destroy(g_ptr_array_index(chr->listen_srcs, j));
        }
    }
    while (core->sessions) {
        monitor_session_close(core->sessions->data);
    }
    /* Run the deferred frees. */
    while (g_main_context_iteration(core->ms->ctx, FALSE)) {
    }
    g_ptr_array_unref(core->chardevs);
    g_mutex_lock(&core->ev_lock);
    g_queue_clear_full(&core->ev_queue, g_free);
    g_mutex_unlock(&core->ev_lock);
    g_mutex_clear(&core->ev_lock);
    if (core->ms->events == &core->em) {
        core->ms->events = NULL;
    }
    core->ms->monitor_core = NULL;
    g_free(core);
}

/*
 * libqmp: a small QMP client and process launcher for integration tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqmp.h"

struct QmpConn {
    int fd;
    QmpProc *proc;       /* borrowed, may be NULL */
    GString *rbuf;       /* received, not yet split into lines */
    GQueue events;       /* JsonNode * */
    JsonNode *greeting;
};

/* ---- processes ---- */

typedef struct QmpKeepFds {
    const int *fds;
    guint n;
} QmpKeepFds;

/*
 * In the child, after glib marked every fd above 2 close-on-exec and just
 * before exec: keep the inherited ones (async-signal-safe: fcntl only).
 */
static void qmp_keep_fds_setup(gpointer opaque)
{
    const QmpKeepFds *k = opaque;
    guint i;

    for (i = 0; i < k->n; i++) {
        fcntl(k->fds[i], F_SETFD, 0);
    }
}

QmpProc *qmp_proc_spawn(const char *const *argv, QmpSpawnFlags flags,
                        GError **errp)
{
    return qmp_proc_spawn_fds(argv, flags, NULL, 0, errp);
}

QmpProc *qmp_proc_spawn_fds(const char *const *argv, QmpSpawnFlags flags,
                            const int *keep_fds, guint n_keep, GError **errp)
{
    QmpKeepFds keep = { .fds = keep_fds, .n = n_keep };
    g_autoptr(QmpProc) p = g_new0(QmpProc, 1);
    int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
    int err_fd, null_fd, child_in, child_out;
    bool ok;

    p->stdin_fd = -1;
    p->stdout_fd = -1;
    err_fd = g_file_open_tmp("libqmp-stderr-XXXXXX", &p->stderr_path, errp);
    if (err_fd < 0) {
        return NULL;
    }
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if ((flags & QMP_SPAWN_STDIN_PIPE) && !g_unix_open_pipe(in_pipe,
                                                            FD_CLOEXEC,
                                                            errp)) {
        return NULL;
    }
    if ((flags & QMP_SPAWN_STDOUT_PIPE) && !g_unix_open_pipe(out_pipe,
                                                             FD_CLOEXEC,
                                                             errp)) {
        return NULL;
    }
    child_in = in_pipe[0] >= 0 ? in_pipe[0] : null_fd;
    child_out = out_pipe[1] >= 0 ? out_pipe[1] : null_fd;
    ok = g_spawn_async_with_fds(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_SEARCH_PATH,
                                n_keep ? qmp_keep_fds_setup : NULL,
                                n_keep ? &keep : NULL, &p->pid, child_in,
                                child_out, err_fd, errp);
    close(err_fd);
    close(null_fd);
    if (in_pipe[0] >= 0) {
        close(in_pipe[0]);
        p->stdin_fd = in_pipe[1];
    }
    if (out_pipe[1] >= 0) {
        close(out_pipe[1]);
        p->stdout_fd = out_pipe[0];
        g_unix_set_fd_nonblocking(p->stdout_fd, TRUE, NULL);
    }
    if (!ok) {
        p->exited = true;
        return NULL;
    }
    return g_steal_pointer(&p);
}

bool qmp_proc_running(QmpProc *p)
{
    int st;
    pid_t r;

    if (p->exited) {
        return false;
    }
    do {
        r = waitpid(p->pid, &st, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == p->pid || (r < 0 && errno == ECHILD)) {
        p->exited = true;
        p->status = r == p->pid ? st : 0;
        return false;
    }
    return true;
}

bool qmp_proc_wait(QmpProc *p, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    /* No child-exit fd to poll portably: short naps up to the deadline. */
    while (qmp_proc_running(p)) {
        if (g_get_monotonic_time() >= deadline) {
            return false;
        }
        g_usleep(5000);
    }
    return true;
}

void qmp_proc_signal(QmpProc *p, int sig)
{
    if (qmp_proc_running(p)) {
        kill(p->pid, sig);
    }
}

int qmp_proc_exit_code(QmpProc *p)
{
    if (!p->exited || !WIFEXITED(p->status)) {
        return -1;
    }
    return WEXITSTATUS(p->status);
}

char *qmp_proc_stderr(QmpProc *p)
{
    char *text = NULL;

    if (!g_file_get_contents(p->stderr_path, &text, NULL, NULL)) {
        return g_strdup("");
    }
    return text;
}

void qmp_proc_free(QmpProc *p)
{
    if (!p) {
        return;
    }
    if (!p->exited && p->pid > 0) {
        qmp_proc_signal(p, SIGKILL);
        qmp_proc_wait(p, QMP_TIMEOUT_MS);
    }
    if (p->stdin_fd >= 0) {
        close(p->stdin_fd);
    }
    if (p->stdout_fd >= 0) {
        close(p->stdout_fd);
    }
    if (p->stderr_path) {
        g_unlink(p->stderr_path);
        g_free(p->stderr_path);
    }
    g_free(p);
}

/* ---- connection I/O ---- */

static gint64 deadline_after(int timeout_ms)
{
    return g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

static int ms_left(gint64 deadline)
{
    gint64 left = deadline - g_get_monotonic_time();

    return left <= 0 ? 0 : (int)MIN(left / 1000 + 1, G_MAXINT);
}

/* One line (without "\r\n") from the stream, or NULL with @errp. */
static char *qmp_read_line(QmpConn *q, gint64 deadline, GError **errp)
{
    for (;;) {
        char *nl = memchr(q->rbuf->str, '\n', q->rbuf->len);
        struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
        char buf[65536];
        ssize_t n;
        int r;

        if (nl) {
            size_t len = nl - q->rbuf->str;
            char *line = g_strndup(q->rbuf->str, len);

            g_string_erase(q->rbuf, 0, len + 1);
            g_strchomp(line);    /* "\r" */
            return line;
        }
        r = poll(&pfd, 1, ms_left(deadline));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r == 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "timed out waiting for QMP data (partial: '%s')",
                        q->rbuf->str);
            return NULL;
        }
        n = read(q->fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                        "QMP connection closed%s", n < 0 ? " (error)" : "");
            return NULL;
        }
        g_string_append_len(q->rbuf, buf, n);
    }
}

static JsonNode *qmp_read_message(QmpConn *q, gint64 deadline,
                                  GError **errp)
{
    for (;;) {
        g_autofree char *line = qmp_read_line(q, deadline, errp);
        g_autoptr(JsonParser) parser = NULL;
        JsonNode *root;

        if (!line) {
            return NULL;
        }
        if (!*line) {
            continue;
        }
        parser = json_parser_new();
        if (!json_parser_load_from_data(parser, line, -1, errp)) {
            g_prefix_error(errp, "bad QMP message '%s': ", line);
            return NULL;
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "QMP message is not an object: '%s'", line);
            return NULL;
        }
        return json_node_copy(root);
    }
}

static bool is_event(JsonNode *msg)
{
    return json_object_has_member(json_node_get_object(msg), "event");
}

JsonNode *qmp_receive(QmpConn *q, int timeout_ms, GError **errp)
{
    gint64 deadline = deadline_after(timeout_ms);

    for (;;) {
        JsonNode *msg = qmp_read_message(q, deadline, errp);

        if (!msg) {
            return NULL;
        }
        if (!is_event(msg)) {
            return msg;
        }
        g_queue_push_tail(&q->events, msg);
    }
}

bool qmp_send_raw(QmpConn *q, const void *buf, size_t len, GError **errp)
{
    const char *p = buf;

    while (len) {
        ssize_t n = send(q->fd, p, len, MSG_NOSIGNAL);

        if (n < 0) {
            int e = errno;

            if (e == EINTR) {
                continue;
            }
            if (e == EAGAIN) {
                struct pollfd pfd = { .fd = q->fd, .events = POLLOUT };
                poll(&pfd, 1, QMP_TIMEOUT_MS);
                continue;
            }
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                        "QMP send failed: %s", g_strerror(e));
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

bool qmp_send_fd(QmpConn *q, int fd, const void *buf, size_t len,
                 GError **errp)
{
    union {
        struct cmsghdr hdr;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = &control,
        .msg_controllen = sizeof(control),
    };
    struct cmsghdr *cmsg;
    ssize_t n;

    g_assert(len > 0);
    memset(&control, 0, sizeof(control));
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    do {
        n = sendmsg(q->fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;

        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "QMP sendmsg failed: %s", g_strerror(e));
        return false;
    }
    /* The fd went with the first byte; the rest is plain data. */
    return qmp_send_raw(q, (const char *)buf + n, len - n, errp);
}

static QmpConn *qmp_conn_finish(int fd, QmpProc *proc, gint64 deadline,
                                GError **errp)
{
    g_autoptr(QmpConn) q = g_new0(QmpConn, 1);

    q->fd = fd;
    q->proc = proc;
    q->rbuf = g_string_new(NULL);
    g_queue_init(&q->events);
    q->greeting = qmp_read_message(q, deadline, errp);
    if (!q->greeting) {
        g_prefix_error(errp, "no QMP greeting: ");
        return NULL;
    }
    if (!json_object_has_member(json_node_get_object(q->greeting), "QMP")) {
        g_autofree char *s = qmp_to_string(q->greeting);
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "not a QMP greeting: %s", s);
        return NULL;
    }
    return g_steal_pointer(&q);
}

typedef int (*ConnectFn)(const void *opaque);

static QmpConn *qmp_connect_retry(ConnectFn fn, const void *opaque,
                                  const char *what, QmpProc *proc,
                                  int timeout_ms, GError **errp)
{
    gint64 deadline = deadline_after(timeout_ms);
    int last = 0;

    for (;;) {
        int fd = fn(opaque);

        if (fd >= 0) {
            return qmp_conn_finish(fd, proc, deadline, errp);
        }
        last = -fd;
        if (proc && !qmp_proc_running(proc)) {
            g_autofree char *err = qmp_proc_stderr(proc);
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "process exited (status %d) before accepting QMP "
                        "connections on %s; stderr: %s", proc->status, what,
                        err);
            return NULL;
        }
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "could not connect to %s: %s", what,
                        g_strerror(last));
            return NULL;
        }
        /* The server may not be listening yet. */
        g_usleep(10000);
    }
}

static int connect_unix_once(const void *opaque)
{
    const char *path = opaque;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd, e;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

QmpConn *qmp_connect_unix(const char *path, QmpProc *proc, int timeout_ms,
                          GError **errp)
{
    return qmp_connect_retry(connect_unix_once, path, path, proc, timeout_ms,
                             errp);
}

typedef struct TcpTarget {
    const char *host;
    int port;
} TcpTarget;

static int connect_tcp_once(const void *opaque)
{
    const TcpTarget *t = opaque;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL, *ai;
    g_autofree char *port = g_strdup_printf("%d", t->port);
    int fd = -ECONNREFUSED;

    if (getaddrinfo(t->host, port, &hints, &res)) {
        return -EHOSTUNREACH;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                       ai->ai_protocol);

        if (s < 0) {
            continue;
        }
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            fd = s;
            break;
        }
        fd = -errno;
        close(s);
    }
    freeaddrinfo(res);
    return fd;
}

QmpConn *qmp_connect_tcp(const char *host, int port, QmpProc *proc,
                         int timeout_ms, GError **errp)
{
    TcpTarget t = { host, port };
    g_autofree char *what = g_strdup_printf("%s:%d", host, port);

    return qmp_connect_retry(connect_tcp_once, &t, what, proc, timeout_ms,
                             errp);
}

JsonNode *qmp_greeting(QmpConn *q)
{
    return q->greeting;
}

void qmp_conn_free(QmpConn *q)
{
    if (!q) {
        return;
    }
    if (q->fd >= 0) {
        close(q->fd);
    }
    if (q->rbuf) {
        g_string_free(q->rbuf, TRUE);
    }
    g_queue_clear_full(&q->events, (GDestroyNotify)json_node_unref);
    if (q->greeting) {
        json_node_unref(q->greeting);
    }
    g_free(q);
}

static JsonNode *qmp_executev(QmpConn *q, int fd, GError **errp,
                              const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    g_autofree char *line = g_strconcat(text, "\n", NULL);
    bool ok = fd >= 0 ? qmp_send_fd(q, fd, line, strlen(line), errp) :
                        qmp_send_raw(q, line, strlen(line), errp);

    if (!ok) {
        return NULL;
    }
    return qmp_receive(q, QMP_TIMEOUT_MS, errp);
}

JsonNode *qmp_execute(QmpConn *q, GError **errp, const char *fmt, ...)
{
    va_list ap;
    JsonNode *r;

    va_start(ap, fmt);
    r = qmp_executev(q, -1, errp, fmt, ap);
    va_end(ap);
    return r;
}

JsonNode *qmp_execute_fd(QmpConn *q, int fd, GError **errp,
                         const char *fmt, ...)
{
    va_list ap;
    JsonNode *r;

    va_start(ap, fmt);
    r = qmp_executev(q, fd, errp, fmt, ap);
    va_end(ap);
    return r;
}

bool qmp_negotiate(QmpConn *q, GError **errp)
{
    g_autoptr(JsonNode) r = qmp_execute(q, errp,
                                        "{\"execute\": \"qmp_capabilities\"}");

    if (!r) {
        return false;
    }
    if (!json_object_has_member(json_node_get_object(r), "return")) {
        g_autofree char *s = qmp_to_string(r);
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "qmp_capabilities failed: %s", s);
        return false;
    }
    return true;
}

/*
 * Send the command @fmt/@ap (returned in @cmd for messages) and return
 * the reply; a connection failure aborts.
 */
static JsonNode *qmp_vrun(QmpConn *q, int fd, char **cmd, const char *fmt,
                          va_list ap)
{
    g_autoptr(GError) err = NULL;
    JsonNode *r;

    *cmd = g_strdup_vprintf(fmt, ap);
    r = qmp_execute_fd(q, fd, &err, "%s", *cmd);
    if (!r) {
        g_error("QMP %s: %s", *cmd, err->message);
    }
    return r;
}

static JsonNode *qmp_vcmd_ok(QmpConn *q, int fd, const char *fmt,
                             va_list ap)
{
    g_autoptr(JsonNode) r = NULL;
    g_autofree char *cmd = NULL;
    JsonObject *o;

    r = qmp_vrun(q, fd, &cmd, fmt, ap);
    o = json_node_get_object(r);
    if (!json_object_has_member(o, "return")) {
        g_autofree char *s = qmp_to_string(r);
        g_error("QMP %s failed: %s", cmd, s);
    }
    return json_node_copy(json_object_get_member(o, "return"));
}

JsonNode *qmp_cmd_ok(QmpConn *q, const char *fmt, ...)
{
    JsonNode *r;
    va_list ap;

    va_start(ap, fmt);
    r = qmp_vcmd_ok(q, -1, fmt, ap);
    va_end(ap);
    return r;
}

JsonNode *qmp_cmd_ok_fd(QmpConn *q, int fd, const char *fmt, ...)
{
    JsonNode *r;
    va_list ap;

    va_start(ap, fmt);
    r = qmp_vcmd_ok(q, fd, fmt, ap);
    va_end(ap);
    return r;
}

static char *qmp_vcmd_err(QmpConn *q, int fd, char **cls, const char *fmt,
                          va_list ap)
{
    g_autoptr(JsonNode) r = NULL;
    g_autofree char *cmd = NULL;
    JsonObject *o, *e;

    r = qmp_vrun(q, fd, &cmd, fmt, ap);
    o = json_node_get_object(r);
    if (!json_object_has_member(o, "error")) {
        g_autofree char *s = qmp_to_string(r);
        g_error("QMP %s was expected to fail: %s", cmd, s);
    }
    e = json_object_get_object_member(o, "error");
    if (cls) {
        *cls = g_strdup(json_object_get_string_member(e, "class"));
    }
    return g_strdup(json_object_get_string_member(e, "desc"));
}

char *qmp_cmd_err(QmpConn *q, char **cls, const char *fmt, ...)
{
    char *r;
    va_list ap;

    va_start(ap, fmt);
    r = qmp_vcmd_err(q, -1, cls, fmt, ap);
    va_end(ap);
    return r;
}

char *qmp_cmd_err_fd(QmpConn *q, int fd, char **cls, const char *fmt, ...)
{
    char *r;
    va_list ap;

    va_start(ap, fmt);
    r = qmp_vcmd_err(q, fd, cls, fmt, ap);
    va_end(ap);
    return r;
}

JsonNode *qmp_receive_ok(QmpConn *q)
{
    g_autoptr(GError) err = NULL;
    JsonNode *r = qmp_receive(q, QMP_TIMEOUT_MS, &err);

    if (!r) {
        g_error("QMP receive: %s", err->message);
    }
    return r;
}

/* ---- events ---- */

static bool event_matches(JsonNode *ev, const char *name,
                          QmpEventPredicate pred, void *opaque)
{
    JsonObject *o = json_node_get_object(ev);

    return !g_strcmp0(json_object_get_string_member(o, "event"), name) &&
           (!pred || pred(ev, opaque));
}

JsonNode *qmp_wait_event(QmpConn *q, const char *name,
                         QmpEventPredicate pred, void *opaque,
                         int timeout_ms)
{
    gint64 deadline = deadline_after(timeout_ms);
    GList *l;

    for (l = q->events.head; l; l = l->next) {
        if (event_matches(l->data, name, pred, opaque)) {
            JsonNode *ev = l->data;
            g_queue_delete_link(&q->events, l);
            return ev;
        }
    }
    for (;;) {
        g_autoptr(GError) err = NULL;
        JsonNode *msg = qmp_read_message(q, deadline, &err);

        if (!msg) {
            return NULL;
        }
        if (is_event(msg) && event_matches(msg, name, pred, opaque)) {
            return msg;
        }
        if (!is_event(msg)) {
            /* A reply nobody waits for; should not happen in tests. */
            g_autofree char *s = qmp_to_string(msg);
            g_warning("libqmp: unexpected reply while waiting for %s: %s",
                      name, s);
            json_node_unref(msg);
            continue;
        }
        g_queue_push_tail(&q->events, msg);
    }
}

guint qmp_events_pending(QmpConn *q)
{
    return g_queue_get_length(&q->events);
}

void qmp_events_clear(QmpConn *q)
{
    g_queue_clear_full(&q->events, (GDestroyNotify)json_node_unref);
    g_queue_init(&q->events);
}

bool qmp_event_status_is(JsonNode *event, void *opaque)
{
    JsonObject *o = json_node_get_object(event);
    JsonObject *data = json_object_has_member(o, "data")
        ? json_object_get_object_member(o, "data") : NULL;

    return data && json_object_has_member(data, "status") &&
           !g_strcmp0(json_object_get_string_member(data, "status"),
                      opaque);
}

char *qmp_hmp(QmpConn *q, const char *cmdline)
{
    g_autofree char *quoted = qmp_json_quote(cmdline);
    g_autoptr(JsonNode) r = qmp_cmd_ok(q, "{\"execute\": "
                                       "\"human-monitor-command\", "
                                       "\"arguments\": {\"command-line\": "
                                       "%s}}", quoted);

    return g_strdup(json_node_get_string(r));
}

/* ---- JSON helpers ---- */

char *qmp_json_quote(const char *s)
{
    g_autoptr(JsonNode) n = json_node_new(JSON_NODE_VALUE);

    json_node_set_string(n, s);
    return json_to_string(n, FALSE);
}

static JsonNode *member(JsonNode *obj, const char *name)
{
    JsonObject *o;

    g_assert_nonnull(obj);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(obj));
    o = json_node_get_object(obj);
    if (!json_object_has_member(o, name)) {
        g_autofree char *s = qmp_to_string(obj);
        g_error("no member '%s' in %s", name, s);
    }
    return json_object_get_member(o, name);
}

const char *qmp_get_str(JsonNode *obj, const char *name)
{
    return json_node_get_string(member(obj, name));
}

gint64 qmp_get_int(JsonNode *obj, const char *name)
{
    return json_node_get_int(member(obj, name));
}

bool qmp_get_bool(JsonNode *obj, const char *name)
{
    return json_node_get_boolean(member(obj, name));
}

char *qmp_to_string(JsonNode *node)
{
    return json_to_string(node, FALSE);
}

/* ---- VMs ---- */

const char *qmp_zcmig_binary(void)
{
    const char *b = g_getenv("ZCMIG_BINARY");

    return b ? b : "zcmig";
}

const char *qmp_qemu_binary(void)
{
    static char *found;    /* test-process cache, filled once */
    static bool looked;
    const char *b = g_getenv("QEMU_BINARY");

    if (!looked) {
        /* An explicit QEMU_BINARY that does not exist means "none". */
        found = g_find_program_in_path(b ? b : "qemu-system-x86_64");
        looked = true;
    }
    return found;
}

char *qmp_tmpdir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("libqmp-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

void qmp_rmdir_recursive(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (!d) {
        return;
    }
    while ((name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);

        if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
            !g_file_test(p, G_FILE_TEST_IS_SYMLINK)) {
            qmp_rmdir_recursive(p);
        } else {
            g_unlink(p);
        }
    }
    g_dir_close(d);
    g_rmdir(dir);
}

QmpVM *qmp_vm_start(const char *binary, const char *args)
{
    return qmp_vm_start_fds(binary, args, NULL, 0);
}

QmpVM *qmp_vm_start_fds(const char *binary, const char *args,
                        const int *keep_fds, guint n_keep)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) extra = g_strsplit(args ? args : "", " ", -1);
    QmpVM *vm = g_new0(QmpVM, 1);
    GStrv e;

    vm->dir = qmp_tmpdir();
    vm->qmp_path = g_build_filename(vm->dir, "qmp.sock", NULL);
    g_ptr_array_add(argv, g_strdup(binary));
    g_ptr_array_add(argv, g_strdup("-nodefaults"));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-M"));
    g_ptr_array_add(argv, g_strdup("none"));
    for (e = extra; *e; e++) {
        if (**e) {
            g_ptr_array_add(argv, g_strdup(*e));
        }
    }
    g_ptr_array_add(argv, g_strdup("-qmp"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off",
                                          vm->qmp_path));
    g_ptr_array_add(argv, NULL);
    vm->proc = qmp_proc_spawn_fds((const char *const *)argv->pdata, 0,
                                  keep_fds, n_keep, &err);
    g_assert_no_error(err);
    vm->qmp = qmp_connect_unix(vm->qmp_path, vm->proc, QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    qmp_negotiate(vm->qmp, &err);
    g_assert_no_error(err);
    return vm;
}

QmpVM *qmp_vm_startf(const char *binary, const char *fmt, ...)
{
    g_autofree char *args = NULL;
    va_list ap;

    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return qmp_vm_start(binary, args);
}

int qmp_vm_quit(QmpVM *vm)
{
    json_node_unref(qmp_cmd_ok(vm->qmp, "{\"execute\": \"quit\"}"));
    g_assert_true(qmp_proc_wait(vm->proc, QMP_TIMEOUT_MS));
    return qmp_proc_exit_code(vm->proc);
}

void qmp_vm_free(QmpVM *vm)
{
    if (!vm) {
        return;
    }
    qmp_conn_free(vm->qmp);
    qmp_proc_free(vm->proc);
    if (vm->dir) {
        qmp_rmdir_recursive(vm->dir);
    }
    g_free(vm->dir);
    g_free(vm->qmp_path);
    g_free(vm);
}

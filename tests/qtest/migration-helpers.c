/*
 * Helpers for the migration integration tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The QMP part is a small line-based client: commands go out one at a
 * time, events that arrive before the reply are queued for the event
 * waits.  It works the same against zcmig and QEMU.
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migration-helpers.h"

static char *mig_tmp;

static void mig_tmp_cleanup(void)
{
    if (mig_tmp) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", mig_tmp);
        if (system(cmd) != 0) {
            g_printerr("could not remove %s\n", mig_tmp);
        }
    }
}

/*
 * A test that fails an assertion aborts without cleaning up: remove the
 * directories of earlier test processes that no longer exist.
 */
static void mig_tmp_reap_stale(const char *base)
{
    g_autoptr(GDir) dir = g_dir_open(base, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        unsigned long pid;
        char *end;

        if (!g_str_has_prefix(name, "zcmig-mig-")) {
            continue;
        }
        pid = strtoul(name + strlen("zcmig-mig-"), &end, 10);
        if (*end != '-' || pid == 0) {
            continue; /* not named by this helper */
        }
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            g_autofree char *path = g_build_filename(base, name, NULL);
            g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);

            if (system(cmd) != 0) {
                g_printerr("could not remove %s\n", path);
            }
        }
    }
}

const char *mig_tmpdir(void)
{
    if (!mig_tmp) {
        /* /dev/shm: file-backed guest RAM there is plain memory. */
        const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ?
                           "/dev/shm" : g_get_tmp_dir();
        g_autofree char *leaf = g_strdup_printf("zcmig-mig-%d-XXXXXX",
                                                (int)getpid());
        g_autofree char *tmpl = g_build_filename(base, leaf, NULL);

        mig_tmp_reap_stale(base);
        mig_tmp = g_mkdtemp(g_steal_pointer(&tmpl));
        g_assert_nonnull(mig_tmp);
        atexit(mig_tmp_cleanup);
    }
    return mig_tmp;
}

const char *mig_qemu_binary(void)
{
    static char *path;
    static bool looked;

    if (!looked) {
        const char *env = g_getenv("QTEST_QEMU_BINARY");
        looked = true;
        path = env ? g_strdup(env) :
               g_find_program_in_path("qemu-system-x86_64");
    }
    return path;
}

/* ---- QMP ---------------------------------------------------------- */

/* Read one JSON line, waiting at most until @deadline (monotonic us). */
static JsonNode *mig_qmp_read(MigProc *p, gint64 deadline)
{
    for (;;) {
        char *nl = memchr(p->rbuf->str, '\n', p->rbuf->len);
        struct pollfd pfd = { .fd = p->qmp_fd, .events = POLLIN };
        char buf[65536];
        gint64 left;
        ssize_t n;

        if (nl) {
            g_autoptr(JsonParser) parser = json_parser_new();
            g_autoptr(GError) err = NULL;
            size_t len = nl - p->rbuf->str;
            JsonNode *node;

            if (!json_parser_load_from_data(parser, p->rbuf->str, len,
                                            &err)) {
                g_error("%s: bad QMP line '%.*s': %s", p->name, (int)len,
                        p->rbuf->str, err->message);
            }
            node = json_node_copy(json_parser_get_root(parser));
            g_string_erase(p->rbuf, 0, len + 1);
            return node;
        }
        left = deadline - g_get_monotonic_time();
        if (left <= 0) {
            return NULL;
        }
        if (poll(&pfd, 1, (int)(left / 1000) + 1) <= 0) {
            continue;
        }
        n = read(p->qmp_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_error("%s: QMP connection closed (process died?)", p->name);
        }
        g_string_append_len(p->rbuf, buf, n);
    }
}

static JsonNode *mig_qmp_vcmd(MigProc *p, const char *fmt, va_list ap)
{
    g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
    g_autofree char *line = g_strdup_printf("%s\n", cmd);
    gint64 deadline = g_get_monotonic_time() +
                      (gint64)MIG_TIMEOUT_MS * 1000;
    size_t off = 0;

    while (off < strlen(line)) {
        ssize_t n = write(p->qmp_fd, line + off, strlen(line) - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        g_assert_cmpint(n, >, 0);
        off += n;
    }
    for (;;) {
        JsonNode *node = mig_qmp_read(p, deadline);
        JsonObject *o;

        if (!node) {
            g_error("%s: no reply to %s", p->name, cmd);
        }
        o = json_node_get_object(node);
        if (json_object_has_member(o, "event")) {
            g_queue_push_tail(p->events, node);
            continue;
        }
        return node;
    }
}

static void mig_qmp_connect(MigProc *p)
{
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    JsonNode *greeting, *reply;

    g_assert_cmpuint(strlen(p->qmp_path), <, sizeof(sun.sun_path));
    strcpy(sun.sun_path, p->qmp_path);
    for (;;) {
        p->qmp_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        g_assert_cmpint(p->qmp_fd, >=, 0);
        if (connect(p->qmp_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            break;
        }
        close(p->qmp_fd);
        p->qmp_fd = -1;
        if (!mig_proc_alive(p)) {
            g_error("%s exited before its QMP socket appeared", p->name);
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("%s: QMP socket %s never appeared", p->name, p->qmp_path);
        }
        g_usleep(10 * 1000);
    }
    greeting = mig_qmp_read(p, g_get_monotonic_time() + 30 * G_USEC_PER_SEC);
    g_assert_nonnull(greeting);
    g_assert_true(json_object_has_member(json_node_get_object(greeting),
                                         "QMP"));
    json_node_unref(greeting);
    reply = mig_cmd(p, "{\"execute\": \"qmp_capabilities\"}");
    json_node_unref(reply);
}

/* The "return" of a command that must succeed (aborts otherwise). */
static JsonNode *mig_qmp_vcmd_return(MigProc *p, const char *fmt,
                                     va_list ap)
{
    JsonNode *reply = mig_qmp_vcmd(p, fmt, ap);
    JsonObject *o = json_node_get_object(reply);
    JsonNode *ret;

    if (!json_object_has_member(o, "return")) {
        g_autofree char *s = json_to_string(reply, false);
        g_error("%s: command failed: %s", p->name, s);
    }
    ret = json_node_copy(json_object_get_member(o, "return"));
    json_node_unref(reply);
    return ret;
}

/* error.desc of reply object @o, which has an "error" member. */
static char *mig_reply_error_desc(JsonObject *o)
{
    return g_strdup(json_object_get_string_member(
        json_object_get_object_member(o, "error"), "desc"));
}

JsonNode *mig_cmd(MigProc *p, const char *fmt, ...)
{
    va_list ap;
    JsonNode *ret;

    va_start(ap, fmt);
    ret = mig_qmp_vcmd_return(p, fmt, ap);
    va_end(ap);
    return ret;
}

void mig_cmd_ok(MigProc *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    json_node_unref(mig_qmp_vcmd_return(p, fmt, ap));
    va_end(ap);
}

char *mig_cmd_err(MigProc *p, const char *fmt, ...)
{
    va_list ap;
    JsonNode *reply;
    JsonObject *o;
    char *desc;

    va_start(ap, fmt);
    reply = mig_qmp_vcmd(p, fmt, ap);
    va_end(ap);
    o = json_node_get_object(reply);
    if (!json_object_has_member(o, "error")) {
        g_autofree char *s = json_to_string(reply, false);
        g_error("%s: command was expected to fail: %s", p->name, s);
    }
    desc = mig_reply_error_desc(o);
    json_node_unref(reply);
    return desc;
}

char *mig_cmd_try(MigProc *p, const char *fmt, ...)
{
    va_list ap;
    JsonNode *reply;
    JsonObject *o;
    char *desc;

    va_start(ap, fmt);
    reply = mig_qmp_vcmd(p, fmt, ap);
    va_end(ap);
    o = json_node_get_object(reply);
    desc = json_object_has_member(o, "error") ? mig_reply_error_desc(o)
                                               : g_strdup("");
    json_node_unref(reply);
    return desc;
}

char *mig_hmp(MigProc *p, const char *cmdline)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) cmd = NULL;
    g_autofree char *s = NULL;
    JsonNode *ret;
    char *out;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, "human-monitor-command");
    json_builder_set_member_name(b, "arguments");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "command-line");
    json_builder_add_string_value(b, cmdline);
    json_builder_end_object(b);
    json_builder_end_object(b);
    cmd = json_builder_get_root(b);
    s = json_to_string(cmd, false);
    ret = mig_cmd(p, "%s", s);
    out = g_strdup(json_node_get_string(ret));
    json_node_unref(ret);
    return out;
}

/* ---- processes ---------------------------------------------------- */

/*
 * In the child: die with the test.  A failing assertion aborts the test
 * without running any cleanup; this keeps it from leaking processes.
 */
static void mig_child_setup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

MigProc *mig_proc_start(const char *name, bool qemu, const char *args)
{
    static int serial;
    MigProc *p = g_new0(MigProc, 1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) extra = g_strsplit(args ? args : "", " ", -1);
    g_autoptr(GError) err = NULL;
    const char *bin;
    int i;

    if (qemu) {
        bin = mig_qemu_binary();
        g_assert_nonnull(bin);
    } else {
        bin = g_getenv("ZCMIG_BINARY");
        if (!bin) {
            g_error("ZCMIG_BINARY is not set (run through meson test)");
        }
    }
    p->name = g_strdup(name);
    p->is_qemu = qemu;
    p->qmp_fd = -1;
    p->rbuf = g_string_new(NULL);
    p->events = g_queue_new();
    p->qmp_path = g_strdup_printf("%s/%s-%d-%d.qmp", mig_tmpdir(), name,
                                  (int)getpid(), serial++);

    g_ptr_array_add(argv, g_strdup(bin));
    g_ptr_array_add(argv, g_strdup("-M"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-nodefaults"));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-qmp"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off",
                                          p->qmp_path));
    for (i = 0; extra[i]; i++) {
        if (extra[i][0]) {
            g_ptr_array_add(argv, g_strdup(extra[i]));
        }
    }
    g_ptr_array_add(argv, NULL);

    if (!g_spawn_async(NULL, (char **)argv->pdata, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                       mig_child_setup, NULL, &p->pid, &err)) {
        g_error("cannot start %s: %s", bin, err->message);
    }
    mig_qmp_connect(p);
    return p;
}

bool mig_proc_alive(MigProc *p)
{
    int status;

    if (p->exited) {
        return false;
    }
    if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
        p->exited = true;
        return false;
    }
    return true;
}

void mig_proc_kill(MigProc *p, int sig)
{
    int status;

    if (p->exited) {
        return;
    }
    kill(p->pid, sig);
    waitpid(p->pid, &status, 0);
    p->exited = true;
}

void mig_proc_free(MigProc *p)
{
    if (!p) {
        return;
    }
    mig_proc_kill(p, SIGKILL);
    if (p->qmp_fd >= 0) {
        close(p->qmp_fd);
    }
    unlink(p->qmp_path);
    g_queue_free_full(p->events, (GDestroyNotify)json_node_unref);
    g_string_free(p->rbuf, true);
    g_free(p->qmp_path);
    g_free(p->name);
    g_free(p);
}

/* ---- migration state ---------------------------------------------- */

static JsonObject *mig_obj(JsonNode *n)
{
    return json_node_get_object(n);
}

char *mig_query_status(MigProc *p)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"query-migrate\"}");
    JsonObject *o = mig_obj(r);
    char *s = g_strdup(json_object_has_member(o, "status") ?
                       json_object_get_string_member(o, "status") : "");
    json_node_unref(r);
    return s;
}

char *mig_query_error(MigProc *p)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"query-migrate\"}");
    JsonObject *o = mig_obj(r);
    char *s = json_object_has_member(o, "error-desc") ?
              g_strdup(json_object_get_string_member(o, "error-desc")) :
              NULL;
    json_node_unref(r);
    return s;
}

int64_t mig_query_ram_int(MigProc *p, const char *member)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"query-migrate\"}");
    JsonObject *o = mig_obj(r);
    int64_t v = 0;

    if (json_object_has_member(o, "ram")) {
        JsonObject *ram = json_object_get_object_member(o, "ram");
        if (json_object_has_member(ram, member)) {
            v = json_object_get_int_member(ram, member);
        }
    }
    json_node_unref(r);
    return v;
}

char *mig_run_state(MigProc *p)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"query-status\"}");
    char *s = g_strdup(json_object_get_string_member(mig_obj(r), "status"));
    json_node_unref(r);
    return s;
}

static bool mig_status_final(const char *s)
{
    return !strcmp(s, "completed") || !strcmp(s, "failed") ||
           !strcmp(s, "cancelled");
}

char *mig_wait_status(MigProc *p, int timeout_ms, ...)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        g_autofree char *st = mig_query_status(p);
        const char *want;
        va_list ap;

        va_start(ap, timeout_ms);
        while ((want = va_arg(ap, const char *))) {
            if (!strcmp(st, want)) {
                va_end(ap);
                return g_steal_pointer(&st);
            }
        }
        va_end(ap);
        if (mig_status_final(st)) {
            g_autofree char *e = mig_query_error(p);
            g_error("%s: migration ended in '%s' (%s), not the expected state",
                    p->name, st, e ? e : "no error-desc");
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("%s: timed out in migration state '%s'", p->name, st);
        }
        g_usleep(10 * 1000);
    }
}

void mig_wait_run_state(MigProc *p, const char *state, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        g_autofree char *st = mig_run_state(p);
        if (!strcmp(st, state)) {
            return;
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("%s: run state is '%s', waited for '%s'", p->name, st,
                    state);
        }
        g_usleep(10 * 1000);
    }
}

/* Find (and remove) a queued event matching @name / @status. */
static JsonNode *mig_take_event(MigProc *p, const char *name,
                                const char *status)
{
    GList *l;

    for (l = p->events->head; l; l = l->next) {
        JsonObject *o = mig_obj(l->data);
        JsonObject *data;

        if (strcmp(json_object_get_string_member(o, "event"), name) != 0) {
            continue;
        }
        if (status) {
            data = json_object_get_object_member(o, "data");
            if (!data || strcmp(json_object_get_string_member(data, "status"),
                                status) != 0) {
                continue;
            }
        }
        JsonNode *n = l->data;
        g_queue_delete_link(p->events, l);
        return n;
    }
    return NULL;
}

static JsonNode *mig_wait_event_node(MigProc *p, const char *name,
                                     const char *status, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        JsonNode *n = mig_take_event(p, name, status);

        if (n) {
            return n;
        }
        n = mig_qmp_read(p, deadline);
        if (!n) {
            g_error("%s: timed out waiting for event %s %s", p->name, name,
                    status ? status : "");
        }
        if (json_object_has_member(mig_obj(n), "event")) {
            g_queue_push_tail(p->events, n);
        } else {
            json_node_unref(n); /* a stray reply: ignore */
        }
    }
}

void mig_wait_migration_event(MigProc *p, const char *status, int timeout_ms)
{
    json_node_unref(mig_wait_event_node(p, "MIGRATION", status, timeout_ms));
}

JsonObject *mig_wait_event(MigProc *p, const char *event, int timeout_ms)
{
    JsonNode *n = mig_wait_event_node(p, event, NULL, timeout_ms);
    JsonObject *o = mig_obj(n);
    JsonObject *data = json_object_has_member(o, "data") ?
        json_object_ref(json_object_get_object_member(o, "data")) : NULL;

    json_node_unref(n);
    return data;
}

char *mig_ram_checksum(MigProc *p)
{
    JsonNode *r = mig_cmd(p, "{\"execute\": \"x-zcmig-query-ram-checksum\"}");
    JsonArray *a = json_node_get_array(r);
    GString *s = g_string_new(NULL);
    guint i;

    for (i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        g_string_append_printf(s, "%s:%s;",
                               json_object_get_string_member(o, "block"),
                               json_object_get_string_member(o, "checksum"));
    }
    json_node_unref(r);
    return g_string_free(s, false);
}

/* ---- files and ports ---------------------------------------------- */

static inline uint64_t mig_fill_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void mig_fill_file(const char *path, uint64_t size, uint64_t seed,
                   uint64_t zero_every)
{
    FILE *f = fopen(path, "w");
    uint64_t page[4096 / 8];
    uint64_t i, j;

    g_assert_nonnull(f);
    for (i = 0; i < size / 4096; i++) {
        uint64_t state = seed * 0x100000001b3ULL ^ (i + 1);

        if (zero_every && i % zero_every == 0) {
            memset(page, 0, sizeof(page));
        } else {
            for (j = 0; j < G_N_ELEMENTS(page); j++) {
                page[j] = mig_fill_next(&state);
            }
        }
        g_assert_cmpuint(fwrite(page, 1, sizeof(page), f), ==, sizeof(page));
    }
    g_assert_cmpint(fclose(f), ==, 0);
}

bool mig_files_equal(const char *a, const char *b)
{
    g_autofree char *da = NULL, *db = NULL;
    gsize la, lb;

    g_assert_true(g_file_get_contents(a, &da, &la, NULL));
    g_assert_true(g_file_get_contents(b, &db, &lb, NULL));
    return la == lb && memcmp(da, db, la) == 0;
}

int mig_free_port(void)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    port = ntohs(sin.sin_port);
    close(fd);
    return port;
}

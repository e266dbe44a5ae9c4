/*
 * A small blocking QMP client for the benchmark tools.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "qmp-client.h"

struct QmpClient {
    char *name;
    GSocketConnection *conn;
    GSocket *sock;
    GString *rbuf;       /* bytes received, not yet split into lines */
    GQueue events;       /* JsonNode * */
    GQueue replies;      /* JsonNode * (return/error objects) */
    GHashTable *commands;
};

const char *qmp_client_name(QmpClient *c)
{
    return c->name;
}

int qmp_client_fd(QmpClient *c)
{
    return g_socket_get_fd(c->sock);
}

void qmp_client_free(QmpClient *c)
{
    if (!c) {
        return;
    }
    g_queue_clear_full(&c->events, (GDestroyNotify)json_node_unref);
    g_queue_clear_full(&c->replies, (GDestroyNotify)json_node_unref);
    if (c->commands) {
        g_hash_table_unref(c->commands);
    }
    if (c->conn) {
        g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
        g_object_unref(c->conn);
    }
    g_string_free(c->rbuf, TRUE);
    g_free(c->name);
    g_free(c);
}

/* Parse complete lines of rbuf into the event/reply queues. */
static int qmp_client_split(QmpClient *c, GError **errp)
{
    char *nl;

    while ((nl = memchr(c->rbuf->str, '\n', c->rbuf->len))) {
        gsize len = nl - c->rbuf->str + 1;
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autofree char *line = g_strndup(c->rbuf->str, len);
        JsonNode *root;

        g_string_erase(c->rbuf, 0, len);
        g_strstrip(line);
        if (!*line) {
            continue;
        }
        if (!json_parser_load_from_data(parser, line, -1, errp)) {
            g_prefix_error(errp, "%s: bad QMP message: ", c->name);
            return -1;
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "%s: QMP message is not an object", c->name);
            return -1;
        }
        if (json_object_has_member(json_node_get_object(root), "event")) {
            g_queue_push_tail(&c->events, json_node_copy(root));
        } else {
            g_queue_push_tail(&c->replies, json_node_copy(root));
        }
    }
    return 0;
}

/* Receive once; @blocking waits up to @timeout_ms.  0 = nothing yet. */
static int qmp_client_recv(QmpClient *c, int timeout_ms, GError **errp)
{
    char buf[65536];
    gssize n;

    if (timeout_ms != 0 &&
        !g_socket_condition_timed_wait(c->sock, G_IO_IN,
                                       (gint64)timeout_ms * 1000, NULL,
                                       NULL)) {
        return 0;
    }
    n = g_socket_receive_with_blocking(c->sock, buf, sizeof(buf), FALSE,
                                       NULL, errp);
    if (n < 0) {
        if (g_error_matches(*errp, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_clear_error(errp);
            return 0;
        }
        g_prefix_error(errp, "%s: ", c->name);
        return -1;
    }
    if (n == 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                    "%s closed its QMP connection", c->name);
        return -1;
    }
    g_string_append_len(c->rbuf, buf, n);
    if (qmp_client_split(c, errp) < 0) {
        return -1;
    }
    return 1;
}

int qmp_client_pump(QmpClient *c, GError **errp)
{
    int r;

    while ((r = qmp_client_recv(c, 0, errp)) > 0) {
        /* drain */
    }
    return r;
}

JsonNode *qmp_client_pop_event(QmpClient *c)
{
    return g_queue_pop_head(&c->events);
}

/* Wait for the next reply (or the greeting). */
static JsonNode *qmp_client_reply(QmpClient *c, int timeout_ms,
                                  GError **errp)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (g_queue_is_empty(&c->replies)) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;

        if (left <= 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "%s: no QMP reply within %d ms", c->name,
                        timeout_ms);
            return NULL;
        }
        if (qmp_client_recv(c, MAX(left, 1), errp) < 0) {
            return NULL;
        }
    }
    return g_queue_pop_head(&c->replies);
}

JsonNode *qmp_client_execute(QmpClient *c, const char *command,
                             JsonNode *args, int timeout_ms, GError **errp)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) msg = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autofree char *text = NULL;
    JsonObject *obj;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, command);
    if (args) {
        json_builder_set_member_name(b, "arguments");
        json_builder_add_value(b, args);
    }
    json_builder_end_object(b);
    msg = json_builder_get_root(b);
    json_generator_set_root(gen, msg);
    text = json_generator_to_data(gen, NULL);
    {
        g_autofree char *line = g_strconcat(text, "\n", NULL);
        GOutputStream *out =
            g_io_stream_get_output_stream(G_IO_STREAM(c->conn));

        if (!g_output_stream_write_all(out, line, strlen(line), NULL, NULL,
                                       errp)) {
            g_prefix_error(errp, "%s: %s: ", c->name, command);
            return NULL;
        }
    }
    reply = qmp_client_reply(c, timeout_ms, errp);
    if (!reply) {
        return NULL;
    }
    obj = json_node_get_object(reply);
    if (json_object_has_member(obj, "error")) {
        JsonObject *e = json_object_get_object_member(obj, "error");
        const char *desc = e && json_object_has_member(e, "desc") ?
            json_object_get_string_member(e, "desc") : "(no description)";

        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s: %s",
                    c->name, command, desc);
        return NULL;
    }
    if (!json_object_has_member(obj, "return")) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s: %s: reply without return or error", c->name,
                    command);
        return NULL;
    }
    return json_node_copy(json_object_get_member(obj, "return"));
}

JsonNode *qmp_client_executef(QmpClient *c, const char *command,
                              int timeout_ms, GError **errp,
                              const char *fmt_args, ...)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt_args);
    text = g_strdup_vprintf(fmt_args, ap);
    va_end(ap);
    if (!json_parser_load_from_data(parser, text, -1, errp)) {
        g_prefix_error(errp, "%s: arguments of %s: ", c->name, command);
        return NULL;
    }
    return qmp_client_execute(c, command,
                              json_node_copy(json_parser_get_root(parser)),
                              timeout_ms, errp);
}

gboolean qmp_client_has_command(QmpClient *c, const char *command)
{
    if (!c->commands) {
        g_autoptr(JsonNode) r = qmp_client_execute(c, "query-commands", NULL,
                                                   10000, NULL);
        JsonArray *a;

        c->commands = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            NULL);
        if (!r || !JSON_NODE_HOLDS_ARRAY(r)) {
            return FALSE;
        }
        a = json_node_get_array(r);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonObject *o = json_array_get_object_element(a, i);

            if (o && json_object_has_member(o, "name")) {
                g_hash_table_add(c->commands,
                    g_strdup(json_object_get_string_member(o, "name")));
            }
        }
    }
    return g_hash_table_contains(c->commands, command);
}

QmpClient *qmp_client_connect(const char *path, const char *name,
                              int timeout_ms, GError **errp)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_autoptr(QmpClient) c = g_new0(QmpClient, 1);
    g_autoptr(JsonNode) greeting = NULL;
    g_autoptr(JsonNode) caps = NULL;

    c->name = g_strdup(name);
    c->rbuf = g_string_new(NULL);
    g_queue_init(&c->events);
    g_queue_init(&c->replies);
    for (;;) {
        GError *err = NULL;

        c->conn = g_socket_client_connect(client,
                                          G_SOCKET_CONNECTABLE(addr),
                                          NULL, &err);
        if (c->conn) {
            break;
        }
        if (g_get_monotonic_time() > deadline) {
            g_propagate_prefixed_error(errp, err, "%s: QMP socket %s: ",
                                       name, path);
            return NULL;
        }
        g_error_free(err);
        /* The process is still starting: its socket is not there yet. */
        g_usleep(20 * 1000);
    }
    c->sock = g_socket_connection_get_socket(c->conn);
    g_socket_set_blocking(c->sock, FALSE);
    greeting = qmp_client_reply(c, MAX(timeout_ms, 1000), errp);
    if (!greeting) {
        return NULL;
    }
    if (!json_object_has_member(json_node_get_object(greeting), "QMP")) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s: %s is not a QMP monitor", name, path);
        return NULL;
    }
    caps = qmp_client_execute(c, "qmp_capabilities", NULL, 10000, errp);
    if (!caps) {
        return NULL;
    }
    return g_steal_pointer(&c);
}

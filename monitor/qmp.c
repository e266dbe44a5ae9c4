/*
 * QMP sessions: greeting, JSON input, dispatch, replies.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "monitor-internal.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"
#include "qapi/qmp-dispatch.h"

/* ---- QEMU-style JSON text: {"a": 1, "b": [true, "x"]} ---- */

static void qmp_json_append_string(GString *out, const char *s)
{
    const char *p;

    g_string_append_c(out, '"');
    for (p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        switch (c) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\b': g_string_append(out, "\\b"); break;
        case '\f': g_string_append(out, "\\f"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7F) {
                g_string_append_printf(out, "\\u%04X", c);
            } else if (c >= 0x10000) {
                /* QEMU writes non-ASCII as escapes; >BMP as surrogates */
                c -= 0x10000;
                g_string_append_printf(out, "\\u%04X\\u%04X",
                                       0xD800 | (c >> 10),
                                       0xDC00 | (c & 0x3FF));
            } else if (c >= 0x80) {
                g_string_append_printf(out, "\\u%04X", c);
            } else {
                g_string_append_c(out, (char)c);
            }
        }
    }
    g_string_append_c(out, '"');
}

static void qmp_json_append(GString *out, JsonNode *node)
{
    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT: {
        JsonObjectIter it;
        const char *name;
        JsonNode *val;
        bool first = true;

        g_string_append_c(out, '{');
        json_object_iter_init_ordered(&it, json_node_get_object(node));
        while (json_object_iter_next_ordered(&it, &name, &val)) {
            if (!first) {
                g_string_append(out, ", ");
            }
            first = false;
            qmp_json_append_string(out, name);
            g_string_append(out, ": ");
            qmp_json_append(out, val);
        }
        g_string_append_c(out, '}');
        break;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *arr = json_node_get_array(node);
        guint i, n = json_array_get_length(arr);

        g_string_append_c(out, '[');
        for (i = 0; i < n; i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            qmp_json_append(out, json_array_get_element(arr, i));
        }
        g_string_append_c(out, ']');
        break;
    }
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    case JSON_NODE_VALUE:
        switch (json_node_get_value_type(node)) {
        case G_TYPE_INT64:
            g_string_append_printf(out, "%" G_GINT64_FORMAT,
                                   json_node_get_int(node));
            break;
        case G_TYPE_BOOLEAN:
            g_string_append(out, json_node_get_boolean(node) ? "true"
                                                             : "false");
            break;
        case G_TYPE_DOUBLE:
            /* QEMU: 17 significant digits, C locale */
            {
                char buf[G_ASCII_DTOSTR_BUF_SIZE];

                g_string_append(out, g_ascii_formatd(buf, sizeof(buf),
                                                     "%.17g",
                                                     json_node_get_double(
                                                         node)));
            }
            break;
        case G_TYPE_STRING:
            qmp_json_append_string(out, json_node_get_string(node));
            break;
        default:
            g_string_append(out, "null");
            break;
        }
        break;
    }
}

char *qmp_json_to_string(JsonNode *node)
{
    GString *out = g_string_new(NULL);

    qmp_json_append(out, node);
    return g_string_free(out, FALSE);
}

/* ---- sessions ---- */

static void qmp_send(Monitor *mon, JsonNode *rsp)
{
    g_autofree char *text = qmp_json_to_string(rsp);

    monitor_write(mon, text, strlen(text));
    monitor_write(mon, "\r\n", 2);
}

static void qmp_handle_message(void *opaque, JsonNode *req,
                               const GError *err)
{
    Monitor *mon = opaque;
    g_autoptr(JsonNode) rsp = NULL;

    if (err) {
        rsp = qmp_error_response(err, NULL);
    } else {
        MachineState *ms = mon->core->ms;

        /* Session-scoped commands (getfd) find their caller here. */
        ms->cur_mon = mon;
        rsp = qmp_dispatch(ms, req, &mon->negotiated);
        ms->cur_mon = NULL;
        json_node_unref(req);
        monitor_msgfds_command_done(mon);
    }
    qmp_send(mon, rsp);
}

void qmp_session_start(Monitor *mon)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) greeting = NULL;

    mon->js = json_stream_new(qmp_handle_message, mon);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "QMP");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "version");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "qemu");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "micro");
    json_builder_add_int_value(b, ZCMIG_QEMU_MICRO);
    json_builder_set_member_name(b, "minor");
    json_builder_add_int_value(b, ZCMIG_QEMU_MINOR);
    json_builder_set_member_name(b, "major");
    json_builder_add_int_value(b, ZCMIG_QEMU_MAJOR);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "package");
    json_builder_add_string_value(b, "zcmig " ZCMIG_VERSION);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "capabilities");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "oob");
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    greeting = json_builder_get_root(b);
    qmp_send(mon, greeting);
}

void qmp_session_input(Monitor *mon, const char *buf, size_t len)
{
    json_stream_feed(mon->js, buf, len);
}

void qmp_session_eof(Monitor *mon)
{
    /* A final unterminated message cannot be answered; just parse it. */
    json_stream_flush(mon->js);
}

/*
 * qmp_capabilities: the dispatcher flips the session's negotiation flag
 * on success.  zcmig executes every command in order on the main loop
 * and has no out-of-band execution, so enabling "oob" is refused with
 * QEMU's text for an unavailable capability.
 */
void qmp_qmp_capabilities(MachineState *ms, bool has_enable,
                          QMPCapabilityList *enable, GError **errp)
{
    QMPCapabilityList *l;

    for (l = has_enable ? enable : NULL; l; l = l->next) {
        qapi_error_setg(errp, "Capability %s not available",
                        QMPCapability_str(l->value));
        return;
    }
}

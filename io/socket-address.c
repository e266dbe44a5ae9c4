/*
 * Socket addresses in QEMU's URI syntax.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <stdbool.h>
#include <string.h>
#include <sys/un.h>

#include <gio/gio.h>

#include "io/socket-address.h"

static bool parse_port(const char *port, const char *str, GError **errp)
{
    const char *p;
    bool digits = true;

    if (!*port) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Missing port in address '%s'", str);
        return false;
    }
    for (p = port; *p; p++) {
        if (!g_ascii_isdigit(*p)) {
            digits = false;
            /* Service names ("http") are letters, digits and '-'. */
            if (!g_ascii_isalnum(*p) && *p != '-') {
                g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "Invalid port '%s' in address '%s'", port, str);
                return false;
            }
        }
    }
    if (digits) {
        guint64 value;

        /* Length cap first: avoids overflow in the conversion. */
        if (strlen(port) > 5 ||
            !g_ascii_string_to_unsigned(port, 10, 0, 65535, &value, NULL)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Port '%s' out of range (0-65535) in address '%s'",
                        port, str);
            return false;
        }
    }
    return true;
}

static QIOSocketAddress *parse_inet(const char *rest, const char *str,
                                    GError **errp)
{
    g_autofree char *host = NULL;
    const char *port;

    if (rest[0] == '[') {
        const char *end = strchr(rest, ']');

        if (!end) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Unterminated '[' in address '%s'", str);
            return NULL;
        }
        if (end == rest + 1) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Empty IPv6 address in '%s'", str);
            return NULL;
        }
        if (end[1] != ':') {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Missing port in address '%s'", str);
            return NULL;
        }
        host = g_strndup(rest + 1, end - rest - 1);
        port = end + 2;
    } else {
        const char *colon = strrchr(rest, ':');

        if (!colon) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Missing port in address '%s'", str);
            return NULL;
        }
        host = g_strndup(rest, colon - rest);
        if (strchr(host, ':')) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "IPv6 address must be written in brackets in '%s'",
                        str);
            return NULL;
        }
        port = colon + 1;
    }
    if (!parse_port(port, str, errp)) {
        return NULL;
    }

    QIOSocketAddress *addr = g_new0(QIOSocketAddress, 1);
    addr->type = QIO_SOCKET_ADDRESS_INET;
    addr->host = g_steal_pointer(&host);
    addr->port = g_strdup(port);
    return addr;
}

QIOSocketAddress *qio_socket_address_parse(const char *str, GError **errp)
{
    const char *rest;

    if (!str || !*str) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "Empty socket address");
        return NULL;
    }
    if (g_str_has_prefix(str, "tcp:")) {
        return parse_inet(str + 4, str, errp);
    }
    if (g_str_has_prefix(str, "unix:")) {
        struct sockaddr_un un;
        size_t len;

        rest = str + 5;
        len = strlen(rest);
        if (!len) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Missing path in address '%s'", str);
            return NULL;
        }
        if (len >= sizeof(un.sun_path)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "UNIX socket path too long (%zu bytes, at most %zu) "
                        "in address '%s'",
                        len, sizeof(un.sun_path) - 1, str);
            return NULL;
        }

        QIOSocketAddress *addr = g_new0(QIOSocketAddress, 1);
        addr->type = QIO_SOCKET_ADDRESS_UNIX;
        addr->path = g_strdup(rest);
        return addr;
    }
    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "Unknown socket address type in '%s' (expected 'tcp:' or "
                "'unix:')", str);
    return NULL;
}

char *qio_socket_address_to_string(const QIOSocketAddress *addr)
{
    if (addr->type == QIO_SOCKET_ADDRESS_UNIX) {
        return g_strdup_printf("unix:%s", addr->path);
    }
    if (strchr(addr->host, ':')) {
        return g_strdup_printf("tcp:[%s]:%s", addr->host, addr->port);
    }
    return g_strdup_printf("tcp:%s:%s", addr->host, addr->port);
}

QIOSocketAddress *qio_socket_address_copy(const QIOSocketAddress *addr)
{
    QIOSocketAddress *copy = g_new0(QIOSocketAddress, 1);

    copy->type = addr->type;
    copy->host = g_strdup(addr->host);
    copy->port = g_strdup(addr->port);
    copy->path = g_strdup(addr->path);
    return copy;
}

void qio_socket_address_free(QIOSocketAddress *addr)
{
    if (!addr) {
        return;
    }
    g_free(addr->host);
    g_free(addr->port);
    g_free(addr->path);
    g_free(addr);
}

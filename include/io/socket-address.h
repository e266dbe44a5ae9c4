/*
 * Socket addresses in QEMU's URI syntax: "tcp:HOST:PORT",
 * "tcp:[V6ADDR]:PORT", "unix:PATH".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef IO_SOCKET_ADDRESS_H
#define IO_SOCKET_ADDRESS_H

#include <glib.h>

typedef enum QIOSocketAddressType {
    QIO_SOCKET_ADDRESS_INET,
    QIO_SOCKET_ADDRESS_UNIX,
} QIOSocketAddressType;

typedef struct QIOSocketAddress {
    QIOSocketAddressType type;
    char *host; /* INET: name or literal, without brackets */
    char *port; /* INET: decimal port or service name */
    char *path; /* UNIX */
} QIOSocketAddress;

/**
 * qio_socket_address_parse:
 * @str: "tcp:HOST:PORT", "tcp:[V6]:PORT" or "unix:PATH" (untrusted)
 *
 * Returns a new address, or NULL with @errp set naming what is wrong
 * (unknown scheme, missing port, port out of range, unterminated "[",
 * UNIX path too long for sun_path, ...).
 */
QIOSocketAddress *qio_socket_address_parse(const char *str, GError **errp);
/* "tcp:[::1]:4444" style; newly allocated. */
char *qio_socket_address_to_string(const QIOSocketAddress *addr);
QIOSocketAddress *qio_socket_address_copy(const QIOSocketAddress *addr);
void qio_socket_address_free(QIOSocketAddress *addr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QIOSocketAddress, qio_socket_address_free)

#endif /* IO_SOCKET_ADDRESS_H */

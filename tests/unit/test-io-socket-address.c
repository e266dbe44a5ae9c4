/*
 * Socket address parsing: good forms round-trip, bad ones get exact
 * errors.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include <gio/gio.h>

#include "io/socket-address.h"

typedef struct Good {
    const char *in;
    QIOSocketAddressType type;
    const char *host, *port, *path;
    const char *out;
} Good;

static const Good good[] = {
    { "tcp:localhost:4444", QIO_SOCKET_ADDRESS_INET, "localhost", "4444",
      NULL, "tcp:localhost:4444" },
    { "tcp:127.0.0.1:0", QIO_SOCKET_ADDRESS_INET, "127.0.0.1", "0", NULL,
      "tcp:127.0.0.1:0" },
    { "tcp:[::1]:65535", QIO_SOCKET_ADDRESS_INET, "::1", "65535", NULL,
      "tcp:[::1]:65535" },
    { "tcp:[::]:4444", QIO_SOCKET_ADDRESS_INET, "::", "4444", NULL,
      "tcp:[::]:4444" },
    { "tcp:[fe80::1%lo]:1", QIO_SOCKET_ADDRESS_INET, "fe80::1%lo", "1", NULL,
      "tcp:[fe80::1%lo]:1" },
    { "tcp::4444", QIO_SOCKET_ADDRESS_INET, "", "4444", NULL, "tcp::4444" },
    { "tcp:host:http", QIO_SOCKET_ADDRESS_INET, "host", "http", NULL,
      "tcp:host:http" },
    { "unix:/tmp/mig.sock", QIO_SOCKET_ADDRESS_UNIX, NULL, NULL,
      "/tmp/mig.sock", "unix:/tmp/mig.sock" },
    { "unix:rel:with:colons", QIO_SOCKET_ADDRESS_UNIX, NULL, NULL,
      "rel:with:colons", "unix:rel:with:colons" },
};

static void test_good(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(good); i++) {
        GError *err = NULL;
        g_autoptr(QIOSocketAddress) addr =
            qio_socket_address_parse(good[i].in, &err);
        g_autoptr(QIOSocketAddress) copy = NULL;
        g_autofree char *str = NULL;

        g_assert_no_error(err);
        g_assert_cmpint(addr->type, ==, good[i].type);
        g_assert_cmpstr(addr->host, ==, good[i].host);
        g_assert_cmpstr(addr->port, ==, good[i].port);
        g_assert_cmpstr(addr->path, ==, good[i].path);
        copy = qio_socket_address_copy(addr);
        str = qio_socket_address_to_string(copy);
        g_assert_cmpstr(str, ==, good[i].out);
    }
    qio_socket_address_free(NULL);
}

typedef struct Bad {
    const char *in;
    const char *error;
} Bad;

static const Bad bad[] = {
    { "", "Empty socket address" },
    { "tcp", "Unknown socket address type in 'tcp' (expected 'tcp:' or "
             "'unix:')" },
    { "udp:1.2.3.4:5", "Unknown socket address type in 'udp:1.2.3.4:5' "
                       "(expected 'tcp:' or 'unix:')" },
    { "exec:cat", "Unknown socket address type in 'exec:cat' (expected "
                  "'tcp:' or 'unix:')" },
    { "tcp:localhost", "Missing port in address 'tcp:localhost'" },
    { "tcp:localhost:", "Missing port in address 'tcp:localhost:'" },
    { "tcp:[::1", "Unterminated '[' in address 'tcp:[::1'" },
    { "tcp:[::1]", "Missing port in address 'tcp:[::1]'" },
    { "tcp:[::1]4444", "Missing port in address 'tcp:[::1]4444'" },
    { "tcp:[]:4444", "Empty IPv6 address in 'tcp:[]:4444'" },
    { "tcp:::1:4444", "IPv6 address must be written in brackets in "
                      "'tcp:::1:4444'" },
    { "tcp:h:65536", "Port '65536' out of range (0-65535) in address "
                     "'tcp:h:65536'" },
    { "tcp:h:99999999999999999999", "Port '99999999999999999999' out of "
                                    "range (0-65535) in address "
                                    "'tcp:h:99999999999999999999'" },
    { "tcp:h:44 4", "Invalid port '44 4' in address 'tcp:h:44 4'" },
    { "tcp:h:4444,ipv4=on", "Invalid port '4444,ipv4=on' in address "
                            "'tcp:h:4444,ipv4=on'" },
    { "unix:", "Missing path in address 'unix:'" },
};

static void test_bad(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;

        g_assert_null(qio_socket_address_parse(bad[i].in, &err));
        g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
        g_assert_cmpstr(err->message, ==, bad[i].error);
        g_clear_error(&err);
    }
}

static void test_unix_too_long(void)
{
    g_autofree char *path = g_strnfill(108, 'a');
    g_autofree char *in = g_strconcat("unix:", path, NULL);
    g_autofree char *expect = g_strdup_printf(
        "UNIX socket path too long (108 bytes, at most 107) in address '%s'",
        in);
    g_autoptr(QIOSocketAddress) ok = NULL;
    GError *err = NULL;

    g_assert_null(qio_socket_address_parse(in, &err));
    g_assert_cmpstr(err->message, ==, expect);
    g_clear_error(&err);
    /* 107 bytes fit (plus the terminating NUL). */
    in[strlen(in) - 1] = '\0';
    ok = qio_socket_address_parse(in, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(strlen(ok->path), ==, 107);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io/socket-address/good", test_good);
    g_test_add_func("/io/socket-address/bad", test_bad);
    g_test_add_func("/io/socket-address/unix-too-long", test_unix_too_long);
    return g_test_run();
}

/*
 * Command line parsing (QEMU syntax, zcmig's subset).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "system/cli.h"
#include "system/workload.h"

#define CLI_ERROR(errp, opt, arg, ...)                                   \
    cli_error((errp), (opt), (arg), g_strdup_printf(__VA_ARGS__))

/* "-opt arg: message" (or "-opt: message") as one line. */
static void cli_error(GError **errp, const char *opt, const char *arg,
                      char *msg)
{
    if (arg) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "-%s %s: %s", opt, arg, msg);
    } else {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "-%s: %s", opt, msg);
    }
    g_free(msg);
}

static void cli_mem_backend_free(gpointer p)
{
    CliMemBackend *b = p;

    g_free(b->qom_type);
    g_free(b->id);
    g_free(b->mem_path);
    g_free(b->spec);
    g_free(b);
}

static void cli_monitor_free(gpointer p)
{
    CliMonitor *m = p;

    g_free(m->path);
    g_free(m->host);
    g_free(m->port);
    g_free(m->spec);
    g_free(m);
}

void cli_options_free(CliOptions *o)
{
    if (!o) {
        return;
    }
    g_free(o->machine_type);
    g_free(o->memory_backend);
    g_ptr_array_unref(o->backends);
    g_ptr_array_unref(o->monitors);
    g_ptr_array_unref(o->workloads);
    g_free(o->incoming);
    g_free(o->name);
    g_free(o->pidfile);
    g_free(o);
}

bool cli_parse_size(const char *str, unsigned default_shift, uint64_t *out)
{
    const char *p = str;
    char *end;
    uint64_t whole;
    double frac = 0;
    unsigned shift = default_shift;

    if (!str || !g_ascii_isdigit(*p)) {
        return false;
    }
    errno = 0;
    whole = g_ascii_strtoull(p, &end, 10);
    if (errno) {
        return false;
    }
    p = end;
    if (*p == '.') {
        const char *fs = p;

        p++;
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
        while (g_ascii_isdigit(*p)) {
            p++;
        }
        {
            g_autofree char *tmp = g_strndup(fs, p - fs);
            frac = g_ascii_strtod(tmp, NULL);
        }
    }
    if (*p) {
        switch (*p) {
        case 'B': case 'b': shift = 0; break;
        case 'K': case 'k': shift = 10; break;
        case 'M': case 'm': shift = 20; break;
        case 'G': case 'g': shift = 30; break;
        case 'T': case 't': shift = 40; break;
        case 'P': case 'p': shift = 50; break;
        case 'E': case 'e': shift = 60; break;
        default:
            return false;
        }
        if (p[1]) {
            return false;
        }
    }
    if (shift && whole > (UINT64_MAX >> shift)) {
        return false;
    }
    whole <<= shift;
    if (frac > 0) {
        double extra = frac * ldexp(1.0, shift);

        if (extra >= (double)(UINT64_MAX - whole)) {
            return false;
        }
        whole += (uint64_t)extra;
    }
    *out = whole;
    return true;
}

bool cli_parse_uuid(const char *str, uint8_t uuid[16])
{
    static const int dash[] = { 8, 13, 18, 23 };
    unsigned i, d = 0, n = 0;

    if (!str || strlen(str) != 36) {
        return false;
    }
    for (i = 0; i < 36; i++) {
        if (d < G_N_ELEMENTS(dash) && (int)i == dash[d]) {
            if (str[i] != '-') {
                return false;
            }
            d++;
            continue;
        }
        if (!g_ascii_isxdigit(str[i]) || !g_ascii_isxdigit(str[i + 1])) {
            return false;
        }
        uuid[n++] = (g_ascii_xdigit_value(str[i]) << 4) |
                    g_ascii_xdigit_value(str[i + 1]);
        i++;
    }
    return n == 16;
}

/*
 * QEMU's "key=value,key=value" syntax; ",," is a literal comma.  A first
 * element without '=' is the value of @implied_key.  Returns a table of
 * key -> value, or NULL with the error text in *msg.
 */
static GHashTable *cli_keyval(const char *arg, const char *implied_key,
                              char **msg)
{
    g_autoptr(GHashTable) kv = g_hash_table_new_full(g_str_hash,
                                                     g_str_equal,
                                                     g_free, g_free);
    const char *p = arg;
    bool first = true;

    while (*p) {
        g_autoptr(GString) elem = g_string_new(NULL);
        const char *eq;

        for (; *p; p++) {
            if (*p == ',') {
                if (p[1] == ',') {
                    g_string_append_c(elem, ',');
                    p++;
                    continue;
                }
                p++;
                break;
            }
            g_string_append_c(elem, *p);
        }
        eq = strchr(elem->str, '=');
        if (!eq) {
            if (first && implied_key) {
                g_hash_table_replace(kv, g_strdup(implied_key),
                                     g_strdup(elem->str));
            } else if (elem->len == 0) {
                *msg = g_strdup("Invalid parameter ''");
                return NULL;
            } else {
                /* Bare "flag" means flag=on (QemuOpts legacy). */
                g_hash_table_replace(kv, g_strdup(elem->str),
                                     g_strdup("on"));
            }
        } else {
            g_hash_table_replace(kv, g_strndup(elem->str, eq - elem->str),
                                 g_strdup(eq + 1));
        }
        first = false;
    }
    return g_steal_pointer(&kv);
}

static bool cli_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") ||
        !strcmp(v, "y")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") ||
        !strcmp(v, "n")) {
        *out = false;
        return true;
    }
    return false;
}

/* First key of @kv not in @known (NULL-terminated), or NULL. */
static const char *cli_unknown_key(GHashTable *kv, const char *const *known)
{
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, kv);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (!g_strv_contains(known, key)) {
            return key;
        }
    }
    return NULL;
}

static bool cli_machine(CliOptions *o, const char *opt, const char *arg,
                        GError **errp)
{
    static const char *const known[] = {
        "type", "memory-backend", "accel", NULL
    };
    g_autofree char *msg = NULL;
    g_autoptr(GHashTable) kv = cli_keyval(arg, "type", &msg);
    const char *v, *bad;

    if (!kv) {
        CLI_ERROR(errp, opt, arg, "%s", msg);
        return false;
    }
    v = g_hash_table_lookup(kv, "type");
    if (v) {
        if (strcmp(v, "none") != 0) {
            CLI_ERROR(errp, opt, arg,
                      "unsupported machine type '%s' (zcmig only has "
                      "'none')", v);
            return false;
        }
        g_free(o->machine_type);
        o->machine_type = g_strdup(v);
    }
    bad = cli_unknown_key(kv, known);
    if (bad) {
        CLI_ERROR(errp, opt, arg, "Property 'none-machine.%s' not "
                  "found", bad);
        return false;
    }
    v = g_hash_table_lookup(kv, "accel");
    if (v && strcmp(v, "tcg") != 0) {
        CLI_ERROR(errp, opt, arg, "accelerator '%s' is not supported "
                  "(zcmig runs no guest code; only 'tcg' is accepted)", v);
        return false;
    }
    v = g_hash_table_lookup(kv, "memory-backend");
    if (v) {
        g_free(o->memory_backend);
        o->memory_backend = g_strdup(v);
    }
    return true;
}

static bool cli_memory(CliOptions *o, const char *arg, GError **errp)
{
    static const char *const known[] = { "size", NULL };
    g_autofree char *msg = NULL;
    g_autoptr(GHashTable) kv = cli_keyval(arg, "size", &msg);
    const char *v, *bad;

    if (!kv) {
        CLI_ERROR(errp, "m", arg, "%s", msg);
        return false;
    }
    bad = cli_unknown_key(kv, known);
    if (bad) {
        CLI_ERROR(errp, "m", arg, "Invalid parameter '%s'", bad);
        return false;
    }
    v = g_hash_table_lookup(kv, "size");
    if (!v || !cli_parse_size(v, 20, &o->ram_size)) {
        CLI_ERROR(errp, "m", arg, "Parameter 'size' expects a non-negative "
                  "number below 2^64");
        return false;
    }
    o->has_ram_size = true;
    return true;
}

static bool cli_object(CliOptions *o, const char *arg, GError **errp)
{
    static const char *const known_ram[] = {
        "qom-type", "id", "size", "share", "prealloc", NULL
    };
    static const char *const known_file[] = {
        "qom-type", "id", "size", "share", "prealloc", "mem-path", NULL
    };
    g_autofree char *msg = NULL;
    g_autoptr(GHashTable) kv = cli_keyval(arg, "qom-type", &msg);
    CliMemBackend *b;
    const char *type, *v, *bad;
    guint i;

    if (!kv) {
        CLI_ERROR(errp, "object", arg, "%s", msg);
        return false;
    }
    type = g_hash_table_lookup(kv, "qom-type");
    if (!type) {
        CLI_ERROR(errp, "object", arg, "Parameter 'qom-type' is missing");
        return false;
    }
    if (!strcmp(type, "guest-workload")) {
        WorkloadParams wp = { 0 };
        g_autoptr(GError) err = NULL;

        /* Syntax now; created by main() once RAM exists. */
        if (!workload_parse_opts(arg, &wp, &err)) {
            CLI_ERROR(errp, "object", arg, "%s", err->message);
            return false;
        }
        workload_params_clear(&wp);
        g_ptr_array_add(o->workloads, g_strdup(arg));
        return true;
    }
    b = g_new0(CliMemBackend, 1);
    g_ptr_array_add(o->backends, b);
    b->spec = g_strdup(arg);
    b->qom_type = g_strdup(type);
    if (!strcmp(type, "memory-backend-ram")) {
        b->backend = RAM_BACKEND_RAM;
    } else if (!strcmp(type, "memory-backend-file")) {
        b->backend = RAM_BACKEND_FILE;
    } else if (!strcmp(type, "memory-backend-memfd")) {
        b->backend = RAM_BACKEND_MEMFD;
        b->share = true;     /* QEMU's default for memfd */
    } else {
        CLI_ERROR(errp, "object", arg,
                  "Parameter 'qom-type' does not accept value '%s'", type);
        return false;
    }
    bad = cli_unknown_key(kv, b->backend == RAM_BACKEND_FILE ? known_file
                                                             : known_ram);
    if (bad) {
        CLI_ERROR(errp, "object", arg, "Invalid parameter '%s'", bad);
        return false;
    }
    v = g_hash_table_lookup(kv, "id");
    if (!v) {
        CLI_ERROR(errp, "object", arg, "Parameter 'id' is missing");
        return false;
    }
    if (!*v || strlen(v) > 255 || !g_ascii_isalpha(v[0]) ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789-._") != strlen(v)) {
        CLI_ERROR(errp, "object", arg, "Parameter 'id' expects an "
                  "identifier");
        return false;
    }
    for (i = 0; i + 1 < o->backends->len; i++) {
        CliMemBackend *other = g_ptr_array_index(o->backends, i);

        if (!strcmp(other->id, v)) {
            CLI_ERROR(errp, "object", arg, "Duplicate ID '%s' for object", v);
            return false;
        }
    }
    b->id = g_strdup(v);
    v = g_hash_table_lookup(kv, "size");
    if (!v) {
        CLI_ERROR(errp, "object", arg, "Parameter 'size' is missing");
        return false;
    }
    if (!cli_parse_size(v, 0, &b->size)) {
        CLI_ERROR(errp, "object", arg, "Parameter 'size' expects a size "
                  "value");
        return false;
    }
    if (b->size == 0) {
        CLI_ERROR(errp, "object", arg, "can't create backend with size 0");
        return false;
    }
    v = g_hash_table_lookup(kv, "share");
    if (v && !cli_bool(v, &b->share)) {
        CLI_ERROR(errp, "object", arg, "Parameter 'share' expects 'on' or "
                  "'off'");
        return false;
    }
    v = g_hash_table_lookup(kv, "prealloc");
    if (v && !cli_bool(v, &b->prealloc)) {
        CLI_ERROR(errp, "object", arg, "Parameter 'prealloc' expects 'on' "
                  "or 'off'");
        return false;
    }
    if (b->backend == RAM_BACKEND_FILE) {
        v = g_hash_table_lookup(kv, "mem-path");
        if (!v) {
            CLI_ERROR(errp, "object", arg, "Parameter 'mem-path' is missing");
            return false;
        }
        b->mem_path = g_strdup(v);
    }
    return true;
}

/* -qmp / -monitor: a chardev spec such as unix:PATH,server=on,wait=off. */
static bool cli_monitor(CliOptions *o, const char *opt, bool qmp,
                        const char *arg, GError **errp)
{
    static const char *const known[] = {
        "backend", "server", "wait", "nowait", NULL
    };
    g_autofree char *msg = NULL;
    g_autoptr(GHashTable) kv = NULL;
    g_autofree char *target = NULL;
    CliMonitor *m;
    const char *colon, *v, *bad;
    bool server = false, nowait = false;

    if (!qmp && !strcmp(arg, "none")) {
        /* As in QEMU: -monitor none means no HMP monitor. */
        return true;
    }
    m = g_new0(CliMonitor, 1);
    g_ptr_array_add(o->monitors, m);
    m->qmp = qmp;
    m->spec = g_strdup(arg);
    if (!strcmp(arg, "stdio")) {
        m->kind = CLI_CHARDEV_STDIO;
        return true;
    }
    colon = strchr(arg, ':');
    if (!colon || (strncmp(arg, "unix:", 5) && strncmp(arg, "tcp:", 4))) {
        CLI_ERROR(errp, opt, arg, "'%s' is not a valid char driver "
                  "(zcmig supports stdio, unix: and tcp:)", arg);
        return false;
    }
    kv = cli_keyval(colon + 1, "backend", &msg);
    if (!kv) {
        CLI_ERROR(errp, opt, arg, "%s", msg);
        return false;
    }
    bad = cli_unknown_key(kv, known);
    if (bad) {
        CLI_ERROR(errp, opt, arg, "Invalid parameter '%s'", bad);
        return false;
    }
    target = g_strdup(g_hash_table_lookup(kv, "backend"));
    if (!target || !*target) {
        CLI_ERROR(errp, opt, arg, "parse error: %s", arg);
        return false;
    }
    v = g_hash_table_lookup(kv, "server");
    if (v && !cli_bool(v, &server)) {
        CLI_ERROR(errp, opt, arg, "Parameter 'server' expects 'on' or 'off'");
        return false;
    }
    m->wait = true;
    v = g_hash_table_lookup(kv, "wait");
    if (v && !cli_bool(v, &m->wait)) {
        CLI_ERROR(errp, opt, arg, "Parameter 'wait' expects 'on' or 'off'");
        return false;
    }
    v = g_hash_table_lookup(kv, "nowait");
    if (v && cli_bool(v, &nowait) && nowait) {
        m->wait = false;
    }
    if (!server) {
        CLI_ERROR(errp, opt, arg, "only server sockets are supported "
                  "(add server=on,wait=off)");
        return false;
    }
    if (arg[0] == 'u') {
        m->kind = CLI_CHARDEV_UNIX;
        m->path = g_steal_pointer(&target);
    } else {
        const char *pc = strrchr(target, ':');

        if (!pc || !pc[1]) {
            CLI_ERROR(errp, opt, arg, "chardev: socket: no port given");
            return false;
        }
        m->kind = CLI_CHARDEV_TCP;
        m->port = g_strdup(pc + 1);
        m->host = g_strndup(target, pc - target);
        /* [::1]:4444 */
        if (m->host[0] == '[' && m->host[strlen(m->host) - 1] == ']') {
            char *h = g_strndup(m->host + 1, strlen(m->host) - 2);
            g_free(m->host);
            m->host = h;
        }
    }
    return true;
}

static bool cli_name(CliOptions *o, const char *arg, GError **errp)
{
    static const char *const known[] = {
        "guest", "process", "debug-threads", NULL
    };
    g_autofree char *msg = NULL;
    g_autoptr(GHashTable) kv = cli_keyval(arg, "guest", &msg);
    const char *bad;

    if (!kv) {
        CLI_ERROR(errp, "name", arg, "%s", msg);
        return false;
    }
    bad = cli_unknown_key(kv, known);
    if (bad) {
        CLI_ERROR(errp, "name", arg, "Invalid parameter '%s'", bad);
        return false;
    }
    if (g_hash_table_lookup(kv, "guest")) {
        g_free(o->name);
        o->name = g_strdup(g_hash_table_lookup(kv, "guest"));
    }
    return true;
}

/* Options taking an argument. */
static const char *const cli_with_arg[] = {
    "M", "machine", "m", "object", "qmp", "monitor", "incoming", "name",
    "uuid", "pidfile", "display", "accel", NULL
};

static bool cli_one(CliOptions *o, const char *opt, const char *arg,
                    GError **errp)
{
    if (!strcmp(opt, "M") || !strcmp(opt, "machine")) {
        return cli_machine(o, opt, arg, errp);
    } else if (!strcmp(opt, "m")) {
        return cli_memory(o, arg, errp);
    } else if (!strcmp(opt, "object")) {
        return cli_object(o, arg, errp);
    } else if (!strcmp(opt, "qmp")) {
        return cli_monitor(o, opt, true, arg, errp);
    } else if (!strcmp(opt, "monitor")) {
        return cli_monitor(o, opt, false, arg, errp);
    } else if (!strcmp(opt, "incoming")) {
        g_free(o->incoming);
        o->incoming = g_strdup(arg);
    } else if (!strcmp(opt, "name")) {
        return cli_name(o, arg, errp);
    } else if (!strcmp(opt, "uuid")) {
        if (!cli_parse_uuid(arg, o->uuid)) {
            CLI_ERROR(errp, opt, arg, "failed to parse UUID string: wrong "
                      "format");
            return false;
        }
        o->has_uuid = true;
    } else if (!strcmp(opt, "pidfile")) {
        g_free(o->pidfile);
        o->pidfile = g_strdup(arg);
    } else if (!strcmp(opt, "display")) {
        if (strcmp(arg, "none") != 0) {
            CLI_ERROR(errp, opt, arg, "zcmig has no display; only 'none' is "
                      "accepted");
            return false;
        }
    } else if (!strcmp(opt, "accel")) {
        if (strcmp(arg, "tcg") != 0) {
            CLI_ERROR(errp, opt, arg, "accelerator '%s' is not supported "
                      "(zcmig runs no guest code; only 'tcg' is accepted)",
                      arg);
            return false;
        }
    } else if (!strcmp(opt, "S")) {
        o->start_paused = true;
    } else if (!strcmp(opt, "daemonize")) {
        o->daemonize = true;
    } else if (!strcmp(opt, "nodefaults") || !strcmp(opt, "nographic")) {
        /* zcmig has no default devices and no graphics anyway. */
    } else if (!strcmp(opt, "enable-kvm")) {
        CLI_ERROR(errp, opt, NULL, "KVM is not supported (zcmig runs no "
                  "guest code)");
        return false;
    } else if (!strcmp(opt, "version")) {
        o->show_version = true;
    } else if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
        o->show_help = true;
    } else {
        CLI_ERROR(errp, opt, NULL, "invalid option");
        return false;
    }
    return true;
}

CliOptions *cli_parse(int argc, char **argv, GError **errp)
{
    g_autoptr(CliOptions) o = g_new0(CliOptions, 1);
    int i;

    o->machine_type = g_strdup("none");
    o->backends = g_ptr_array_new_with_free_func(cli_mem_backend_free);
    o->monitors = g_ptr_array_new_with_free_func(cli_monitor_free);
    o->workloads = g_ptr_array_new_with_free_func(g_free);

    for (i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *arg = NULL;

        if (opt[0] != '-' || opt[1] == '\0') {
            /* QEMU would take it as a disk image. */
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "%s: zcmig takes no disk images", opt);
            return NULL;
        }
        opt++;
        if (opt[0] == '-') {
            opt++;    /* --opt is the same as -opt */
        }
        if (g_strv_contains(cli_with_arg, opt)) {
            if (i + 1 >= argc) {
                CLI_ERROR(errp, opt, NULL, "requires an argument");
                return NULL;
            }
            arg = argv[++i];
        }
        if (!cli_one(o, opt, arg, errp)) {
            return NULL;
        }
    }
    return g_steal_pointer(&o);
}

const char *cli_usage(void)
{
    return
        "usage: zcmig [options]\n"
        "\n"
        "A RAM-only VM shell that migrates like QEMU 7.2 (-M none).\n"
        "\n"
        "-M|-machine none[,memory-backend=ID]\n"
        "                 machine type (only 'none') and its RAM backend\n"
        "-m SIZE          guest RAM size (MiB without suffix; K, M, G, T)\n"
        "-object memory-backend-ram|memory-backend-file|memory-backend-memfd,"
        "\n"
        "        id=ID,size=SIZE[,mem-path=PATH][,share=on|off]"
        "[,prealloc=on|off]\n"
        "                 a RAM backend\n"
        "-qmp unix:PATH,server=on,wait=off | tcp:HOST:PORT,server=on,"
        "wait=off | stdio\n"
        "                 QMP monitor (repeatable)\n"
        "-monitor stdio | unix:PATH,server=on,wait=off | tcp:...\n"
        "                 human monitor (HMP)\n"
        "-incoming defer|URI  wait for an incoming migration\n"
        "-S               do not start the guest (prelaunch)\n"
        "-name NAME       VM name (also guest=NAME,...)\n"
        "-uuid UUID       VM UUID\n"
        "-pidfile PATH    write the process id to PATH\n"
        "-daemonize       detach once started\n"
        "-nodefaults, -nographic, -display none, -accel tcg\n"
        "                 accepted for compatibility; no effect\n"
        "-version         print the version\n"
        "-h|-help         print this help\n";
}

/*
 * The zcmig command line: QEMU's syntax for the options zcmig supports.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Parsing only checks syntax and values; it creates nothing.  Errors are
 * one line naming the offending option the way QEMU does
 * ("-foo: invalid option", "-m 12X: Parameter 'size' expects ...");
 * main() prefixes the program name.
 */
#ifndef SYSTEM_CLI_H
#define SYSTEM_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "system/machine.h"
#include "system/ramblock.h"

/* One -object memory-backend-*. */
typedef struct CliMemBackend {
    char *qom_type;          /* "memory-backend-ram", ... */
    RAMBlockBackend backend;
    char *id;
    uint64_t size;           /* bytes */
    char *mem_path;          /* file backend */
    bool share;
    bool prealloc;
    char *spec;              /* the option argument, for error messages */
} CliMemBackend;

typedef enum CliChardevKind {
    CLI_CHARDEV_UNIX,
    CLI_CHARDEV_TCP,
    CLI_CHARDEV_STDIO,
} CliChardevKind;

/* One -qmp or -monitor. */
typedef struct CliMonitor {
    bool qmp;                /* -qmp (true) or -monitor (false, HMP) */
    CliChardevKind kind;
    char *path;              /* unix */
    char *host;              /* tcp */
    char *port;              /* tcp */
    bool wait;               /* server waits for a client before start-up */
    char *spec;              /* the option argument */
} CliMonitor;

typedef struct CliOptions {
    char *machine_type;      /* "none" */
    char *memory_backend;    /* -machine memory-backend=ID, or NULL */
    bool has_ram_size;
    uint64_t ram_size;       /* -m, bytes */
    GPtrArray *backends;     /* CliMemBackend * */
    GPtrArray *monitors;     /* CliMonitor * */
    GPtrArray *workloads;    /* char *: -object guest-workload,... specs */
    char *incoming;          /* -incoming, or NULL */
    bool start_paused;       /* -S */
    char *name;              /* -name */
    bool has_uuid;
    uint8_t uuid[16];
    char *pidfile;
    bool daemonize;
    bool show_version;
    bool show_help;
} CliOptions;

/**
 * cli_parse:
 * @argc, @argv: main()'s arguments (argv[0] is skipped)
 * @errp: one-line error naming the option
 *
 * Returns: the options (free with cli_options_free()), or NULL.
 */
CliOptions *cli_parse(int argc, char **argv, GError **errp);
void cli_options_free(CliOptions *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliOptions, cli_options_free)

/**
 * cli_parse_size:
 * @str: "64M", "1.5G", "4096"
 * @default_shift: shift for a number without suffix (20 for -m: MiB; 0 for
 *     byte sizes)
 * @out: result
 *
 * QEMU's size syntax: a non-negative number, optionally with a fraction,
 * followed by B, K/k, M, G, T, P or E.  Returns false on bad syntax or
 * overflow.
 */
bool cli_parse_size(const char *str, unsigned default_shift, uint64_t *out);

/* Parse "12345678-1234-1234-1234-123456789abc" into @uuid. */
bool cli_parse_uuid(const char *str, uint8_t uuid[16]);

/* The usage text of --help. */
const char *cli_usage(void);

#endif /* SYSTEM_CLI_H */

/**
 * machine_create_ram:
 * @ms: a machine without RAM blocks yet
 * @o: parsed options
 *
 * Creates ms->ram_blocks as QEMU names them: one block per
 * memory-backend object (named by its id) and, when -m is given without
 * -machine memory-backend=, the none machine's default block "ram".
 * Sets ms->ram_size.  Errors use QEMU's texts ("Memory backend 'x' not
 * found", "Machine memory size does not match the size of the memory
 * backend").
 */
bool machine_create_ram(MachineState *ms, const CliOptions *o,
                        GError **errp);

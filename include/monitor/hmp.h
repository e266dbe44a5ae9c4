/*
 * HMP, the human monitor: command table and registration.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A command is a static const HMPCommand.  monitor/hmp.c consults these
 * tables, in this order, NULL-name terminated:
 *   hmp_cmds[]            monitor/hmp-cmds.c  (help, stop, cont, quit, ...)
 *   hmp_migration_cmds[]  migration/migration-hmp-cmds.c (migrate, ...)
 * and for "info <item>":
 *   hmp_info_cmds[]           monitor/hmp-cmds.c (status, version, ...)
 *   hmp_migration_info_cmds[] migration/migration-hmp-cmds.c (migrate, ...)
 * So a subsystem adds commands by defining its tables; no global state,
 * no registration call.
 *
 * Handlers call the QMP implementation, print with monitor_printf() and
 * free.  They receive the rest of the line after the command name with
 * leading and trailing blanks removed ("" when there is none); use
 * hmp_split_args() for whitespace-separated arguments.
 */
#ifndef MONITOR_HMP_H
#define MONITOR_HMP_H

#include <glib.h>
#include <stdbool.h>

#include "monitor/monitor.h"
#include "system/machine.h"

/**
 * HMPCommand:
 * @name: "stop|s": the name and its aliases separated by '|'
 * @params: the argument synopsis shown by help ("[-d] uri"); "" if none
 * @help: one-line description
 * @cmd: the handler; @args is the rest of the line, trimmed
 * @max_args: the handler takes at most this many whitespace-separated
 *     arguments; -1 for no check.  With 0, trailing text is refused as in
 *     QEMU ("stop|s: extraneous characters at the end of line").
 */
typedef struct HMPCommand {
    const char *name;
    const char *params;
    const char *help;
    void (*cmd)(Monitor *mon, MachineState *ms, const char *args);
    int max_args;
} HMPCommand;

extern const HMPCommand hmp_cmds[];
extern const HMPCommand hmp_info_cmds[];
extern const HMPCommand hmp_migration_cmds[];
extern const HMPCommand hmp_migration_info_cmds[];

/**
 * hmp_handle_line:
 * @mon: the session to print to
 * @line: one command line (untrusted)
 *
 * Parses and runs one command, printing its output or an error the way
 * QEMU does ("unknown command: 'foo'").
 */
void hmp_handle_line(Monitor *mon, const char *line);

/**
 * hmp_split_args:
 * Returns: (transfer full) the whitespace-separated words of @args
 * (double quotes group words, as QEMU's "s" arguments allow).
 */
char **hmp_split_args(const char *args);

/**
 * hmp_print_error:
 * Prints "Error: <message>\n" as QEMU's hmp_handle_error() does; does
 * nothing when @err is NULL.
 */
void hmp_print_error(Monitor *mon, const GError *err);

/**
 * hmp_parse_bool:
 * "on"/"off" (and "true"/"false", "yes"/"no") as HMP's 'b' arguments.
 */
bool hmp_parse_bool(const char *str, bool *out);

#endif /* MONITOR_HMP_H */

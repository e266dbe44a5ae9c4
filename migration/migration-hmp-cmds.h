/*
 * HMP commands of migration: formatting and argument parsing, on top of
 * the QMP implementations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * These functions do not know the monitor: output is appended to @out
 * (lines end in "\n"; the HMP layer converts as it likes) and errors are
 * returned in @errp for the HMP layer to print as QEMU does
 * ("Error: <message>").  Each calls the QMP implementation and only
 * prints, so HMP and QMP cannot disagree.
 */
#ifndef MIGRATION_MIGRATION_HMP_CMDS_H
#define MIGRATION_MIGRATION_HMP_CMDS_H

#include <glib.h>
#include <stdbool.h>

#include "system/machine.h"

/* info migrate: QEMU 7.2's text, plus zcmig's per-channel zero copy. */
void hmp_info_migrate(MachineState *ms, GString *out);
/* info migrate_capabilities: "name: on|off" lines. */
void hmp_info_migrate_capabilities(MachineState *ms, GString *out);
/* info migrate_parameters: QEMU 7.2's lines plus multifd-zerocopy. */
void hmp_info_migrate_parameters(MachineState *ms, GString *out);

/* migrate_set_capability NAME on|off */
bool hmp_migrate_set_capability(MachineState *ms, const char *name,
                                const char *state, GError **errp);
/*
 * migrate_set_parameter NAME VALUE, parsed as QEMU does (sizes with
 * suffixes; max-bandwidth in MiB/s unless suffixed; booleans on/off).
 */
bool hmp_migrate_set_parameter(MachineState *ms, const char *name,
                               const char *value, GError **errp);
/*
 * migrate [-d] URI.  zcmig's HMP never blocks the monitor on a
 * migration, so without -d it prints what QEMU prints for a monitor
 * that cannot wait, and continues detached.
 */
bool hmp_migrate(MachineState *ms, bool detach, const char *uri,
                 GString *out, GError **errp);
bool hmp_migrate_incoming(MachineState *ms, const char *uri, GError **errp);
void hmp_migrate_cancel(MachineState *ms);
bool hmp_migrate_continue(MachineState *ms, const char *state,
                          GError **errp);

#endif /* MIGRATION_MIGRATION_HMP_CMDS_H */

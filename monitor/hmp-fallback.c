/*
 * Empty HMP tables for subsystems that do not define theirs (yet).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Linked from a separate library after libzcmig.a (see
 * monitor/meson.build), so a real table in libzcmig.a always wins.
 */
#include "monitor/hmp.h"

__attribute__((weak)) const HMPCommand hmp_migration_cmds[] = {
    { NULL, NULL, NULL, NULL, 0 },
};

__attribute__((weak)) const HMPCommand hmp_migration_info_cmds[] = {
    { NULL, NULL, NULL, NULL, 0 },
};

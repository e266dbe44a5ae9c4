/*
 * Interoperability with a real QEMU 7.2 (qemu-system-x86_64 -M none with
 * file-backed RAM): zcmig -> QEMU and QEMU -> zcmig, single stream and
 * multifd with zero copy, return path and pause-before-switchover on and
 * off.  The RAM files of both sides are compared byte for byte.
 * Skipped when qemu-system-x86_64 is not installed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include "migration-helpers.h"

#define Z MIG_PEER_ZCMIG
#define Q MIG_PEER_QEMU
#define F MIG_BACKEND_FILE

static const MigScenario rows[] = {
    { "/migration/qemu/to-qemu/tcp4/single", Z, Q, MIG_TCP4, F,
      32 * 1024, 3, 0 },
    { "/migration/qemu/to-qemu/tcp4/multifd-4/zero-copy/rp-pbs", Z, Q,
      MIG_TCP4, F, 64 * 1024, 5, 4, true, true, true },
    { "/migration/qemu/to-qemu/unix/multifd-2", Z, Q, MIG_UNIX, F,
      32 * 1024 + 8, 0, 2 },
    { "/migration/qemu/to-qemu/exec/single/rp", Z, Q, MIG_EXEC, F,
      16 * 1024, 2, 0, false, false },
    { "/migration/qemu/from-qemu/tcp4/single", Q, Z, MIG_TCP4, F,
      32 * 1024, 3, 0 },
    { "/migration/qemu/from-qemu/tcp4/multifd-4/zero-copy/rp-pbs", Q, Z,
      MIG_TCP4, F, 64 * 1024, 5, 4, true, true, true },
    { "/migration/qemu/from-qemu/tcp6/multifd-2/rp", Q, Z, MIG_TCP6, F,
      32 * 1024, 0, 2, false, true },
    { "/migration/qemu/from-qemu/exec/single/pbs", Q, Z, MIG_EXEC, F,
      16 * 1024 + 8, 4, 0, false, false, true },
};

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    mig_add_scenarios(rows, G_N_ELEMENTS(rows));
    return g_test_run();
}

/*
 * zcmig -> zcmig migrations: transports x multifd channels x zero copy x
 * RAM backends x sizes, one harness (migration-scenario.c), one row each.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include "migration-helpers.h"

#define Z MIG_PEER_ZCMIG

static const MigScenario rows[] = {
    /* single stream over every transport and backend */
    { "/migration/matrix/tcp4/single/ram", Z, Z, MIG_TCP4, MIG_BACKEND_RAM,
      32 * 1024, 0, 0 },
    { "/migration/matrix/tcp6/single/file", Z, Z, MIG_TCP6,
      MIG_BACKEND_FILE, 32 * 1024, 5, 0 },
    { "/migration/matrix/unix/single/memfd", Z, Z, MIG_UNIX,
      MIG_BACKEND_MEMFD, 32 * 1024, 0, 0 },
    /* 24 MiB + 12 KiB: not a power of two, partly zero */
    { "/migration/matrix/exec/single/ram-odd-size", Z, Z, MIG_EXEC,
      MIG_BACKEND_RAM, 24 * 1024 + 12, 7, 0 },
    { "/migration/matrix/tcp4/single/all-zero", Z, Z, MIG_TCP4,
      MIG_BACKEND_RAM, 16 * 1024, 1, 0 },
    /* multifd, copying */
    { "/migration/matrix/tcp4/multifd-1/ram", Z, Z, MIG_TCP4,
      MIG_BACKEND_RAM, 32 * 1024, 0, 1 },
    { "/migration/matrix/unix/multifd-4/file", Z, Z, MIG_UNIX,
      MIG_BACKEND_FILE, 32 * 1024, 3, 4 },
    { "/migration/matrix/tcp6/multifd-2/memfd", Z, Z, MIG_TCP6,
      MIG_BACKEND_MEMFD, 32 * 1024, 0, 2 },
    /* multifd with zero copy */
    { "/migration/matrix/tcp4/multifd-1/ram/zero-copy", Z, Z, MIG_TCP4,
      MIG_BACKEND_RAM, 32 * 1024, 0, 1, true },
    { "/migration/matrix/tcp4/multifd-2/file/zero-copy", Z, Z, MIG_TCP4,
      MIG_BACKEND_FILE, 48 * 1024 + 4, 4, 2, true },
    { "/migration/matrix/tcp4/multifd-4/memfd/zero-copy", Z, Z, MIG_TCP4,
      MIG_BACKEND_MEMFD, 64 * 1024, 0, 4, true },
    { "/migration/matrix/tcp6/multifd-8/ram/zero-copy", Z, Z, MIG_TCP6,
      MIG_BACKEND_RAM, 64 * 1024, 9, 8, true },
    /* return path + pause-before-switchover, destination under -S */
    { "/migration/matrix/tcp4/multifd-4/zero-copy/rp-pbs-paused", Z, Z,
      MIG_TCP4, MIG_BACKEND_RAM, 32 * 1024, 3, 4, true, true, true, true },
    { "/migration/matrix/tcp4/single/rp-pbs", Z, Z, MIG_TCP4,
      MIG_BACKEND_RAM, 16 * 1024, 0, 0, false, true, true },
    /* -incoming URI on the command line, settings made afterwards */
    { "/migration/matrix/tcp4/multifd-4/incoming-cli", Z, Z, MIG_TCP4,
      MIG_BACKEND_RAM, 32 * 1024, 2, 4, false, false, false, false, true },
    { "/migration/matrix/unix/single/incoming-cli", Z, Z, MIG_UNIX,
      MIG_BACKEND_MEMFD, 16 * 1024, 0, 0, false, true, false, true, true },
    /* one larger case */
    { "/migration/matrix/tcp4/multifd-4/ram/zero-copy/256M", Z, Z, MIG_TCP4,
      MIG_BACKEND_RAM, 256 * 1024, 16, 4, true },
};

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    mig_add_scenarios(rows, G_N_ELEMENTS(rows));
    return g_test_run();
}

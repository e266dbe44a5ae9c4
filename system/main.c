/*
 * zcmig: a RAM-only VM shell that speaks QEMU 7.2's migration protocol.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("zcmig version %s (QEMU %d.%d.%d migration format)\n",
               ZCMIG_VERSION, ZCMIG_QEMU_MAJOR, ZCMIG_QEMU_MINOR,
               ZCMIG_QEMU_MICRO);
        return 0;
    }
    return 0;
}

/*
 * libFuzzer harness: the incoming migration stream loader.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each input is a whole single-stream migration (what a source writes on
 * the main channel); it is loaded into a fresh machine with one small RAM
 * block surrounded by guard pages.  Any result is fine as long as the
 * loader returns (with an error or not) without crashing, hanging, leaking
 * or writing outside the block.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "migration/engine.h"
#include "../unit/migration-test-util.h"

#define FUZZ_PAGES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MachineState *ms = mt_machine_new(FUZZ_PAGES);
    MigrationCounters c = { 0 };
    GError *err = NULL;
    int r;

    r = mt_load_bytes(ms, data, size, &c, NULL, &err);
    /* The error contract: -1 always comes with a message, 0 never does. */
    g_assert_true((r < 0) == (err != NULL));
    g_assert_true(!err || err->message[0]);
    g_assert_true(mt_guards_intact(ms));
    g_clear_error(&err);
    mt_machine_free(ms);
    return 0;
}

/*
 * Writes seed streams for fuzz-migration-stream: what the engine's source
 * produces for a small machine (FUZZ_PAGES pages).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Usage: gen-migration-seed DIR
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "migration/engine.h"
#include "../unit/migration-test-util.h"

#define FUZZ_PAGES 16

static void write_seed(const char *dir, const char *name, uint32_t seed,
                       bool pattern, bool uuid)
{
    MachineState *ms = mt_machine_new(FUZZ_PAGES);
    MigrationSourceParams p = { 0 };
    MigrationCounters c = { 0 };
    MTHooks h = { 0 };
    g_autoptr(GError) err = NULL;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    GBytes *b;

    if (pattern) {
        mt_fill_pattern(ms, seed);
    }
    if (uuid) {
        memset(ms->uuid, 0x42, sizeof(ms->uuid));
        ms->has_uuid = true;
        p.validate_uuid = true;
    }
    b = mt_source_to_bytes(ms, &p, &c, &h);
    if (!g_file_set_contents(path, g_bytes_get_data(b, NULL),
                             g_bytes_get_size(b), &err)) {
        fprintf(stderr, "%s\n", err->message);
        exit(1);
    }
    g_bytes_unref(b);
    mt_machine_free(ms);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 1;
    }
    write_seed(argv[1], "zero-pages", 0, false, false);
    write_seed(argv[1], "pattern-pages", 7, true, false);
    write_seed(argv[1], "pattern-uuid", 9, true, true);
    return 0;
}

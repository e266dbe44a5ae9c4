/*
 * Helpers shared by the migration engine unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_MIGRATION_TEST_UTIL_H
#define TESTS_MIGRATION_TEST_UTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "io/channel.h"
#include "migration/engine.h"
#include "system/machine.h"

#define MT_GUARD 4096
#define MT_GUARD_BYTE 0xa5

/*
 * A machine with one RAM block "mem0" of @pages target pages, surrounded
 * by guard pages (checked by mt_guards_intact()).  Runstate running,
 * machine type "none", no uuid.
 */
MachineState *mt_machine_new(uint64_t pages);
void mt_machine_free(MachineState *ms);
RAMBlock *mt_ram(MachineState *ms);
bool mt_guards_intact(MachineState *ms);

/* What backs an mt_mapped_block_new() block. */
typedef enum MTRamKind {
    MT_RAM_ANON,
    MT_RAM_MEMFD,
    MT_RAM_FILE,
} MTRamKind;

/*
 * A RAMBlock "mem0" of @size bytes, mmap()ed like system/ramblock.c
 * does for @kind (without depending on it): anonymous private memory,
 * a shared memfd named @tag, or a shared unlinked regular file
 * "@tag-XXXXXX" in the temp dir.  Free with mt_mapped_block_free().
 */
RAMBlock *mt_mapped_block_new(MTRamKind kind, uint64_t size,
                              const char *tag);
void mt_mapped_block_free(RAMBlock *rb);

/*
 * Page @i of the test pattern: all zero when i % 5 == 1 or i % 7 == 3,
 * otherwise bytes derived from (i, seed).  Returns true if the page is
 * non-zero.
 */
bool mt_fill_page(uint8_t *page, uint64_t i, uint32_t seed);
/* Fill the whole block; returns the number of non-zero pages. */
uint64_t mt_fill_pattern(MachineState *ms, uint32_t seed);

/* Hooks that record what the engine asked for. */
typedef struct MTHooks {
    MachineState *ms;
    MigrationStatus statuses[8];
    unsigned int nstatuses;
    uint64_t passes[64];
    unsigned int npasses;
    unsigned int stops;
    bool cancel;
    bool continue_answer;
    unsigned int waits;
} MTHooks;

extern const MigrationSourceHooks mt_source_hooks;
extern const MigrationIncomingHooks mt_incoming_hooks;

/* A connected pair: AF_UNIX socketpair (tcp false) or TCP over loopback. */
bool mt_channel_pair(bool tcp, QIOChannel **a, QIOChannel **b, GError **errp);

/*
 * Run a single-stream source on @ms into memory and return the stream.
 * @p may be NULL (defaults); main/counters/hooks are filled in.
 */
GBytes *mt_source_to_bytes(MachineState *ms, MigrationSourceParams *p,
                           MigrationCounters *c, MTHooks *h);

/* Load @data into @ms; returns migration_incoming_run()'s result. */
int mt_load_bytes(MachineState *ms, const void *data, size_t len,
                  MigrationCounters *c, MigrationIncomingParams *out,
                  GError **errp);

/* Little stream builder for hand-made streams (big-endian). */
void mt_put8(GByteArray *b, uint8_t v);
void mt_put16(GByteArray *b, uint16_t v);
void mt_put32(GByteArray *b, uint32_t v);
void mt_put64(GByteArray *b, uint64_t v);
void mt_putstr(GByteArray *b, const char *s);   /* counted string */
void mt_putbuf(GByteArray *b, const void *p, size_t len);

#endif /* TESTS_MIGRATION_TEST_UTIL_H */

/*
 * zcmig's RAM commands for tests and demos: x-zcmig-query-ram-checksum
 * and x-zcmig-fill-ram.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <string.h>

#include "migration/dirty-tracking.h"
#include "migration/migration.h"
#include "migration/ram.h"
#include "qapi/error.h"
#include "qapi/qapi-commands.h"
#include "system/workload.h"

#define QERR_MIGRATION_ACTIVE "There's a migration process in progress"

RamBlockChecksumList *qmp_x_zcmig_query_ram_checksum(MachineState *ms,
                                                     bool has_block,
                                                     const char *block,
                                                     GError **errp)
{
    RamBlockChecksumList *head = NULL, **tail = &head;
    guint i;

    if (!has_block) {
        block = NULL;
    }
    if (block && !ram_block_find(ms->ram_blocks, block)) {
        qapi_error_setg(errp, "RAM block '%s' not found", block);
        return NULL;
    }
    for (i = 0; ms->ram_blocks && i < ms->ram_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ms->ram_blocks, i);
        RamBlockChecksumList *e;

        if (block && strcmp(block, rb->idstr) != 0) {
            continue;
        }
        e = g_new0(RamBlockChecksumList, 1);
        e->value = g_new0(RamBlockChecksum, 1);
        e->value->block = g_strdup(rb->idstr);
        e->value->size = rb->used_length;
        e->value->checksum = ram_block_checksum(rb);
        *tail = e;
        tail = &e->next;
    }
    return head;
}

/* splitmix64: tiny, fast, and good enough for test patterns. */
static inline uint64_t migration_fill_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void migration_fill_block(RAMBlock *rb, uint64_t seed,
                                 uint64_t zero_every)
{
    uint64_t pages = rb->used_length / TARGET_PAGE_SIZE;
    uint64_t i, j;

    for (i = 0; i < pages; i++) {
        uint64_t *page = (uint64_t *)(rb->host + i * TARGET_PAGE_SIZE);
        /* Depends on seed and page index only: any page is reproducible. */
        uint64_t state = seed * 0x100000001b3ULL ^ (i + 1);

        if (zero_every && i % zero_every == 0) {
            memset(page, 0, TARGET_PAGE_SIZE);
            continue;
        }
        for (j = 0; j < TARGET_PAGE_SIZE / sizeof(uint64_t); j++) {
            page[j] = migration_fill_next(&state);
        }
    }
}

void qmp_x_zcmig_fill_ram(MachineState *ms, bool has_block, const char *block,
                          bool has_seed, uint64_t seed, bool has_zero_every,
                          uint64_t zero_every, GError **errp)
{
    guint i;

    /* RAM being sent or loaded must not change under the migration. */
    if (!guest_ram_write_check(ms, errp)) {
        return;
    }
    if (migration_is_running(ms->migration) ||
        migration_incoming_is_running(ms->incoming)) {
        qapi_error_setg(errp, QERR_MIGRATION_ACTIVE);
        return;
    }
    if (has_block && !ram_block_find(ms->ram_blocks, block)) {
        qapi_error_setg(errp, "RAM block '%s' not found", block);
        return;
    }
    for (i = 0; ms->ram_blocks && i < ms->ram_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ms->ram_blocks, i);

        if (has_block && strcmp(block, rb->idstr) != 0) {
            continue;
        }
        migration_fill_block(rb, has_seed ? seed : 1,
                             has_zero_every ? zero_every : 0);
    }
}

DirtyTrackingInfo *qmp_x_zcmig_query_dirty_tracking(MachineState *ms,
                                                   GError **errp)
{
    MigrationState *s = ms->migration;
    DirtyTrackingInfo *info = g_new0(DirtyTrackingInfo, 1);
    const char *reason;

    g_mutex_lock(&s->lock);
    info->migration_started = s->dirty_tracking_reason != NULL;
    info->enabled = s->dirty_tracking;
    reason = s->dirty_tracking_reason;
    g_mutex_unlock(&s->lock);
    if (!info->migration_started) {
        /* No migration yet: what migrate would decide now. */
        info->enabled = dirty_tracking_wanted(ms, &reason);
    }
    info->reason = g_strdup(reason);
    return info;
}

/*
 * Guest workload patterns: where a writer stands, and the consistency
 * check of a snapshot.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <gio/gio.h>
#include <string.h>

#include "system/workload-int.h"

bool workload_ram_init(WorkloadRAM *r, GPtrArray *all, const char *memdev,
                       GError **errp)
{
    memset(r, 0, sizeof(*r));
    r->blocks = g_new0(RAMBlock *, all ? all->len : 0);
    r->first_page = g_new0(uint64_t, all ? all->len : 0);
    for (guint i = 0; all && i < all->len; i++) {
        RAMBlock *rb = g_ptr_array_index(all, i);

        if (memdev && strcmp(memdev, rb->idstr) != 0) {
            continue;
        }
        r->blocks[r->nblocks] = rb;
        r->first_page[r->nblocks] = r->npages;
        r->nblocks++;
        r->npages += rb->used_length / TARGET_PAGE_SIZE;
    }
    if (memdev && !r->nblocks) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "Memory backend '%s' not found", memdev);
        workload_ram_clear(r);
        return false;
    }
    if (!r->npages) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "guest-workload needs guest RAM (-m or a "
                            "memory backend)");
        workload_ram_clear(r);
        return false;
    }
    return true;
}

void workload_ram_clear(WorkloadRAM *r)
{
    g_clear_pointer(&r->blocks, g_free);
    g_clear_pointer(&r->first_page, g_free);
    r->nblocks = 0;
    r->npages = 0;
}

void workload_thread_range(uint64_t npages, unsigned int threads,
                           unsigned int t, uint64_t *first, uint64_t *end)
{
    uint64_t per = npages / threads, extra = npages % threads;

    /* The first @extra threads get one page more. */
    *first = t * per + MIN(t, extra);
    *end = *first + per + (t < extra);
}

void workload_sweep_resume(const WorkloadRAM *r, uint64_t first,
                           uint64_t end, uint64_t *pos, uint8_t *val)
{
    uint8_t b0 = workload_ram_page(r, first)[0];

    for (uint64_t i = first + 1; i < end; i++) {
        if (workload_ram_page(r, i)[0] != b0) {
            /* [first, i) hold the current sweep's value. */
            *pos = i;
            *val = b0;
            return;
        }
    }
    /* All equal: a new sweep starts. */
    *pos = first;
    *val = (uint8_t)(b0 + 1);
}

uint64_t workload_random_check(uint64_t seq, uint64_t idx)
{
    uint64_t z = seq ^ (idx * 0x9e3779b97f4a7c15ULL);

    if (!seq) {
        return 0;   /* a never-written (zero) page is consistent */
    }
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) | 1;
}

void workload_random_write(const WorkloadRAM *r, uint64_t idx, uint64_t seq)
{
    volatile uint64_t *w = (volatile uint64_t *)workload_ram_page(r, idx);

    w[0] = seq;
    w[TARGET_PAGE_SIZE / 8 - 1] = workload_random_check(seq, idx);
}

bool workload_check_range(const WorkloadRAM *r, GuestWorkloadPattern pattern,
                          uint64_t first, uint64_t end, WorkloadBad *bad)
{
    if (first >= end) {
        return true;
    }
    if (pattern == GUEST_WORKLOAD_PATTERN_RANDOM) {
        for (uint64_t i = first; i < end; i++) {
            const uint64_t *w = (const uint64_t *)workload_ram_page(r, i);
            uint64_t want = workload_random_check(w[0], i);

            if (w[TARGET_PAGE_SIZE / 8 - 1] != want) {
                *bad = (WorkloadBad) {
                    i, want, w[TARGET_PAGE_SIZE / 8 - 1]
                };
                return false;
            }
        }
        return true;
    } else {
        uint8_t b0 = workload_ram_page(r, first)[0];
        uint8_t behind = (uint8_t)(b0 - 1);
        uint64_t i = first + 1;

        /* A run of b0 (the current sweep), then a run of b0 - 1. */
        while (i < end && workload_ram_page(r, i)[0] == b0) {
            i++;
        }
        for (; i < end; i++) {
            uint8_t v = workload_ram_page(r, i)[0];

            if (v != behind) {
                *bad = (WorkloadBad) { i, behind, v };
                return false;
            }
        }
        return true;
    }
}

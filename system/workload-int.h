/*
 * Guest workload internals: the pages a workload writes and the pattern
 * functions (pure: no threads, no locks), shared by system/workload*.c
 * and the unit test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_WORKLOAD_INT_H
#define SYSTEM_WORKLOAD_INT_H

#include "system/workload.h"

/* The workload's pages: its blocks concatenated, in block order. */
typedef struct WorkloadRAM {
    RAMBlock **blocks;
    uint64_t *first_page;     /* per block: index of its first page */
    unsigned int nblocks;
    uint64_t npages;
} WorkloadRAM;

/* Blocks of @all named @memdev (NULL: all).  False with @errp. */
bool workload_ram_init(WorkloadRAM *r, GPtrArray *all, const char *memdev,
                       GError **errp);
void workload_ram_clear(WorkloadRAM *r);

static inline uint8_t *workload_ram_page(const WorkloadRAM *r, uint64_t idx)
{
    unsigned int b = 0;

    /* Few blocks: a linear walk is cheaper than anything clever. */
    while (b + 1 < r->nblocks && idx >= r->first_page[b + 1]) {
        b++;
    }
    return r->blocks[b]->host +
           (idx - r->first_page[b]) * (uint64_t)TARGET_PAGE_SIZE;
}

/* Thread @t's pages [*first, *end) of @npages split @threads ways. */
void workload_thread_range(uint64_t npages, unsigned int threads,
                           unsigned int t, uint64_t *first, uint64_t *end);

/*
 * Sweep: where a thread stands in [first, end), read from RAM: the next
 * page to write (*pos) and the value to write (*val).
 */
void workload_sweep_resume(const WorkloadRAM *r, uint64_t first,
                           uint64_t end, uint64_t *pos, uint8_t *val);

/* Random: the check value stored in the last 8 bytes of page @idx. */
uint64_t workload_random_check(uint64_t seq, uint64_t idx);
/* Random: write sequence number @seq (never 0) into page @idx. */
void workload_random_write(const WorkloadRAM *r, uint64_t idx, uint64_t seq);

typedef struct WorkloadBad {
    uint64_t page;
    uint64_t expected;
    uint64_t found;
} WorkloadBad;

/* Check [first, end) against @pattern; false with *bad filled. */
bool workload_check_range(const WorkloadRAM *r, GuestWorkloadPattern pattern,
                          uint64_t first, uint64_t end, WorkloadBad *bad);

#endif /* SYSTEM_WORKLOAD_INT_H */

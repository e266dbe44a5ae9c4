/*
 * Guest RAM blocks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A RAMBlock is one contiguous host mapping of guest RAM, named exactly as
 * QEMU names it (the memory-backend object's id, e.g. "mem0"), because the
 * name travels on the migration wire.  Blocks are created at start-up by
 * system/ and never resized or freed while a migration runs; migration code
 * may read and write block->host from any thread.
 */
#ifndef SYSTEM_RAMBLOCK_H
#define SYSTEM_RAMBLOCK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1u << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(uint64_t)(TARGET_PAGE_SIZE - 1))

typedef enum RAMBlockBackend {
    RAM_BACKEND_RAM,   /* anonymous private memory (memory-backend-ram) */
    RAM_BACKEND_FILE,  /* memory-backend-file, mem-path */
    RAM_BACKEND_MEMFD, /* memory-backend-memfd */
} RAMBlockBackend;

typedef struct RAMBlock {
    char *idstr;          /* wire name, <= 255 bytes */
    uint8_t *host;        /* mapping of used_length bytes */
    uint64_t used_length; /* bytes, a multiple of TARGET_PAGE_SIZE */
    uint64_t page_size;   /* backing page size (4096, or huge page size) */
    RAMBlockBackend backend;
    int fd;               /* backing fd (file, memfd) or -1 */
    bool shared;          /* MAP_SHARED */
    bool prealloc;        /* every page was allocated and mapped writable
                             at creation (prealloc=on) */
    char *mem_path;       /* file backend only */
} RAMBlock;

/**
 * ram_block_new:
 * @idstr: wire name (copied)
 * @size: bytes; rounded up to TARGET_PAGE_SIZE
 * @backend: kind of backing
 * @mem_path: file backend: a file or a directory (then a temporary file is
 *            created in it and unlinked); NULL otherwise
 * @shared: MAP_SHARED (file and memfd backends)
 * @prealloc: touch every page now (MADV_POPULATE_WRITE where available)
 *
 * Returns the new block, or NULL with @errp set.
 */
RAMBlock *ram_block_new(const char *idstr, uint64_t size,
                        RAMBlockBackend backend, const char *mem_path,
                        bool shared, bool prealloc, GError **errp);
/* Unmaps and closes; accepts NULL. */
void ram_block_free(RAMBlock *rb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RAMBlock, ram_block_free)

/* The block named @idstr in @blocks (GPtrArray of RAMBlock *), or NULL. */
RAMBlock *ram_block_find(GPtrArray *blocks, const char *idstr);

#endif /* SYSTEM_RAMBLOCK_H */

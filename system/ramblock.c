/*
 * Guest RAM blocks: anonymous, file and memfd backed host mappings.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "system/ramblock.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

/* Open (or create) the backing file; a directory gets an unlinked temp. */
static int ram_block_open_file(const char *idstr, const char *mem_path,
                               uint64_t size, GError **errp)
{
    struct stat st;
    int fd;

    if (stat(mem_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_autofree char *sanitized = g_strdup(idstr);
        g_autofree char *templ = NULL;

        /* '/' would make the template name a path. */
        g_strdelimit(sanitized, "/", '_');
        templ = g_strdup_printf("%s/zcmig_back_mem.%s.XXXXXX", mem_path,
                                sanitized);
        fd = g_mkstemp_full(templ, O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) {
            int e = errno;
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                        "unable to create backing store for guest RAM in "
                        "%s: %s", mem_path, g_strerror(e));
            return -1;
        }
        unlink(templ);
    } else {
        fd = open(mem_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            int e = errno;
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                        "can't open backing store %s for guest RAM: %s",
                        mem_path, g_strerror(e));
            return -1;
        }
    }
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_size < size &&
        ftruncate(fd, size) < 0) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "ftruncate of %s failed: %s", mem_path, g_strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}

static uint64_t ram_block_fd_page_size(int fd)
{
    struct statfs fs;

    if (fstatfs(fd, &fs) == 0 && fs.f_type == HUGETLBFS_MAGIC) {
        return fs.f_bsize;
    }
    return TARGET_PAGE_SIZE;
}

static bool ram_block_prealloc(RAMBlock *rb, GError **errp)
{
    uint64_t off;

#ifdef CONFIG_MADV_POPULATE_WRITE
    if (madvise(rb->host, rb->used_length, MADV_POPULATE_WRITE) == 0) {
        return true;
    }
    if (errno != EINVAL) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "preallocating guest RAM '%s' failed: %s", rb->idstr,
                    g_strerror(e));
        return false;
    }
#endif
    /* Old kernel: touch every page; a read-then-write keeps the content. */
    for (off = 0; off < rb->used_length; off += rb->page_size) {
        volatile uint8_t *p = rb->host + off;
        *p = *p;
    }
    return true;
}

RAMBlock *ram_block_new(const char *idstr, uint64_t size,
                        RAMBlockBackend backend, const char *mem_path,
                        bool shared, bool prealloc, GError **errp)
{
    g_autoptr(RAMBlock) rb = g_new0(RAMBlock, 1);
    int flags;
    void *host;

    if (!idstr || !*idstr || strlen(idstr) > 255) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "RAM block name must be 1 to 255 bytes long");
        return NULL;
    }
    if (size == 0 || size > UINT64_MAX - TARGET_PAGE_SIZE) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "invalid size %" G_GUINT64_FORMAT " for RAM block '%s'",
                    size, idstr);
        return NULL;
    }
    rb->idstr = g_strdup(idstr);
    rb->fd = -1;
    rb->backend = backend;
    rb->page_size = TARGET_PAGE_SIZE;
    rb->used_length = (size + TARGET_PAGE_SIZE - 1) & TARGET_PAGE_MASK;
    rb->shared = shared;

    switch (backend) {
    case RAM_BACKEND_FILE:
        if (!mem_path) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Parameter 'mem-path' is missing");
            return NULL;
        }
        rb->mem_path = g_strdup(mem_path);
        rb->fd = ram_block_open_file(idstr, mem_path, rb->used_length, errp);
        if (rb->fd < 0) {
            return NULL;
        }
        rb->page_size = ram_block_fd_page_size(rb->fd);
        break;
    case RAM_BACKEND_MEMFD:
#ifdef CONFIG_MEMFD_CREATE
        rb->fd = memfd_create(idstr, MFD_CLOEXEC);
#else
        errno = ENOSYS;
#endif
        if (rb->fd < 0 || ftruncate(rb->fd, rb->used_length) < 0) {
            int e = errno;
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                        "cannot create memfd for guest RAM '%s': %s", idstr,
                        g_strerror(e));
            return NULL;
        }
        break;
    case RAM_BACKEND_RAM:
        break;
    default:
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "unknown RAM backend %d", (int)backend);
        return NULL;
    }

    /* Huge pages need a size that is a multiple of the page size. */
    rb->used_length = (rb->used_length + rb->page_size - 1) &
                      ~(rb->page_size - 1);
    flags = shared ? MAP_SHARED : MAP_PRIVATE;
    if (rb->fd < 0) {
        flags |= MAP_ANONYMOUS;
    }
    host = mmap(NULL, rb->used_length, PROT_READ | PROT_WRITE, flags,
                rb->fd, 0);
    if (host == MAP_FAILED) {
        int e = errno;
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "cannot set up guest memory '%s': %s", idstr,
                    g_strerror(e));
        return NULL;
    }
    rb->host = host;
    if (backend == RAM_BACKEND_RAM) {
        /* Best effort, as QEMU does for anonymous guest RAM. */
        (void)madvise(rb->host, rb->used_length, MADV_HUGEPAGE);
    }
    if (prealloc && !ram_block_prealloc(rb, errp)) {
        return NULL;
    }
    rb->prealloc = prealloc;
    return g_steal_pointer(&rb);
}

void ram_block_free(RAMBlock *rb)
{
    if (!rb) {
        return;
    }
    if (rb->host) {
        munmap(rb->host, rb->used_length);
    }
    if (rb->fd >= 0) {
        close(rb->fd);
    }
    g_free(rb->idstr);
    g_free(rb->mem_path);
    g_free(rb);
}

RAMBlock *ram_block_find(GPtrArray *blocks, const char *idstr)
{
    guint i;

    if (!blocks || !idstr) {
        return NULL;
    }
    for (i = 0; i < blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(blocks, i);

        if (strcmp(rb->idstr, idstr) == 0) {
            return rb;
        }
    }
    return NULL;
}

/*
 * Dirty tracking backend: userfaultfd write protection in asynchronous
 * mode, harvested with the PAGEMAP_SCAN ioctl (Linux 6.7+).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * With UFFD_FEATURE_WP_ASYNC the kernel resolves a write fault on a
 * write-protected page by itself: it removes the protection and the page
 * then counts as "written" (PAGE_IS_WRITTEN).  PAGEMAP_SCAN with
 * PM_SCAN_WP_MATCHING reports the written pages of a range and
 * write-protects them again under the page-table lock, so a write can
 * never fall between "reported" and "protected".  WP_UNPOPULATED makes
 * never-touched anonymous pages protected too (otherwise their first
 * write would populate them unseen).
 *
 * The build host's headers may predate these interfaces (Debian 12 has
 * 6.1 headers); the ABI is stable, so the missing definitions are
 * provided here and the kernel is asked at run time.
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "migration/dirty-tracking-int.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1 << 12)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN (1 << 1)

struct page_region {
    uint64_t start;
    uint64_t end;
    uint64_t categories;
};

struct pm_scan_arg {
    uint64_t size;
    uint64_t flags;
    uint64_t start;
    uint64_t end;
    uint64_t walk_end;
    uint64_t vec;
    uint64_t vec_len;
    uint64_t max_pages;
    uint64_t category_inverted;
    uint64_t category_mask;
    uint64_t category_anyof_mask;
    uint64_t return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#endif

/* Regions per PAGEMAP_SCAN call; a full vector just means "call again". */
#define DIRTY_UFFD_VEC 512

#define DIRTY_UFFD_FEATURES (UFFD_FEATURE_WP_ASYNC | \
                             UFFD_FEATURE_WP_UNPOPULATED | \
                             UFFD_FEATURE_WP_HUGETLBFS_SHMEM)

struct DirtyUffd {
    int uffd;
    int pagemap;
    struct page_region vec[DIRTY_UFFD_VEC];
};

/*
 * A userfaultfd: the syscall (user-mode faults only: enough for us and
 * allowed without privilege where vm.unprivileged_userfaultfd=0), else
 * /dev/userfaultfd.
 */
static int dirty_uffd_new_fd(void)
{
    int fd = -1;

#ifdef SYS_userfaultfd
    fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (fd < 0) {
        fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    }
#endif
#ifdef USERFAULTFD_IOC_NEW
    if (fd < 0) {
        int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

        if (dev >= 0) {
            fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
            close(dev);
        }
    }
#endif
    return fd;
}

DirtyUffd *dirty_uffd_open(const char **why)
{
    struct uffdio_api api = {
        .api = UFFD_API,
        .features = DIRTY_UFFD_FEATURES,
    };
    struct pm_scan_arg arg = { .size = sizeof(arg) };
    DirtyUffd *u;
    int fd, pm;

    fd = dirty_uffd_new_fd();
    if (fd < 0) {
        *why = "userfaultfd is not available (kernel config or "
               "vm.unprivileged_userfaultfd)";
        return NULL;
    }
    if (ioctl(fd, UFFDIO_API, &api) < 0 ||
        (api.features & DIRTY_UFFD_FEATURES) != DIRTY_UFFD_FEATURES) {
        close(fd);
        *why = "userfaultfd lacks WP_ASYNC/WP_UNPOPULATED (Linux < 6.7)";
        return NULL;
    }
    pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pm < 0) {
        close(fd);
        *why = "/proc/self/pagemap cannot be opened";
        return NULL;
    }
    /* An empty range: 0 where PAGEMAP_SCAN exists, ENOTTY/EINVAL else. */
    if (ioctl(pm, PAGEMAP_SCAN, &arg) < 0) {
        close(pm);
        close(fd);
        *why = "PAGEMAP_SCAN ioctl is not available (Linux < 6.7)";
        return NULL;
    }
    u = g_new0(DirtyUffd, 1);
    u->uffd = fd;
    u->pagemap = pm;
    return u;
}

void dirty_uffd_close(DirtyUffd *u)
{
    if (u) {
        close(u->pagemap);
        close(u->uffd);
        g_free(u);
    }
}

static bool dirty_uffd_register(DirtyUffd *u, RAMBlock *rb, GError **errp)
{
    struct uffdio_register reg = {
        .range = { .start = (uintptr_t)rb->host, .len = rb->used_length },
        .mode = UFFDIO_REGISTER_MODE_WP,
    };

    if (ioctl(u->uffd, UFFDIO_REGISTER, &reg) < 0) {
        int e = errno;

        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "dirty tracking: cannot write-protect RAM block '%s' "
                    "with userfaultfd: %s", rb->idstr, g_strerror(e));
        return false;
    }
    return true;
}

bool dirty_uffd_start(DirtyUffd *u, RAMBlock *rb, GError **errp)
{
    struct uffdio_writeprotect wp = {
        .range = { .start = (uintptr_t)rb->host, .len = rb->used_length },
        .mode = UFFDIO_WRITEPROTECT_MODE_WP,
    };

    if (!dirty_uffd_register(u, rb, errp)) {
        return false;
    }
    if (ioctl(u->uffd, UFFDIO_WRITEPROTECT, &wp) < 0) {
        int e = errno;

        dirty_uffd_stop(u, rb);
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "dirty tracking: UFFDIO_WRITEPROTECT on '%s' failed: %s",
                    rb->idstr, g_strerror(e));
        return false;
    }
    return true;
}

void dirty_uffd_stop(DirtyUffd *u, RAMBlock *rb)
{
    struct uffdio_range r = {
        .start = (uintptr_t)rb->host, .len = rb->used_length,
    };

    /* Unregistering also drops the protection of the range. */
    (void)ioctl(u->uffd, UFFDIO_UNREGISTER, &r);
}

int64_t dirty_uffd_sync(DirtyUffd *u, RAMBlock *rb, unsigned long *bmap,
                        uint64_t npages, GError **errp)
{
    uint64_t base = (uintptr_t)rb->host;
    uint64_t end = base + npages * TARGET_PAGE_SIZE;
    uint64_t pos = base;
    int64_t reported = 0;

    while (pos < end) {
        struct pm_scan_arg arg = {
            .size = sizeof(arg),
            .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
            .start = pos,
            .end = end,
            .vec = (uintptr_t)u->vec,
            .vec_len = DIRTY_UFFD_VEC,
            .category_mask = PAGE_IS_WRITTEN,
            .return_mask = PAGE_IS_WRITTEN,
        };
        long n = ioctl(u->pagemap, PAGEMAP_SCAN, &arg);

        if (n < 0) {
            int e = errno;

            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                        "dirty tracking: PAGEMAP_SCAN on '%s' failed: %s",
                        rb->idstr, g_strerror(e));
            return -1;
        }
        for (long i = 0; i < n; i++) {
            uint64_t first = (u->vec[i].start - base) / TARGET_PAGE_SIZE;
            uint64_t last = (u->vec[i].end - base) / TARGET_PAGE_SIZE;

            for (uint64_t p = first; p < last && p < npages; p++) {
                dt_set_bit(bmap, p);
                reported++;
            }
        }
        if (arg.walk_end <= pos) {
            /* No progress would loop forever: the kernel stopped early. */
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "dirty tracking: PAGEMAP_SCAN on '%s' made no "
                        "progress", rb->idstr);
            return -1;
        }
        pos = arg.walk_end;
    }
    return reported;
}

bool dirty_uffd_probe(RAMBlock *rb, const char **why)
{
    DirtyUffd *u = dirty_uffd_open(why);
    bool ok;

    if (!u) {
        return false;
    }
    ok = dirty_uffd_register(u, rb, NULL);
    if (ok) {
        dirty_uffd_stop(u, rb);
    } else {
        *why = "userfaultfd cannot write-protect this kind of mapping";
    }
    dirty_uffd_close(u);
    return ok;
}

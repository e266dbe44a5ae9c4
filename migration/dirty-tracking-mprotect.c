/*
 * Dirty tracking backend: mprotect(PROT_READ) + SIGSEGV.  The portable
 * fallback for kernels without userfaultfd WP_ASYNC / PAGEMAP_SCAN.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The block is made read-only.  The first write to a granule of
 * DIRTY_MPROTECT_GRANULE pages traps; the handler makes the granule
 * writable and sets its bit.  A sync re-protects the whole block and
 * takes the bits.  Granules (64 KiB) instead of pages keep the number of
 * VMAs the protections split the mapping into well below
 * vm.max_map_count, at the cost of reporting up to 15 clean neighbours.
 *
 * Race between the handler ("unprotect granule, set bit") and a sync
 * ("re-protect all, take bits"): both pairs must be atomic with respect
 * to each other, or a granule could end up writable with its bit
 * already taken (a lost write).  A handler cannot take a mutex, so the
 * two sides use a Dekker-style pair of counters with sequentially
 * consistent atomics: the handler announces itself in @in_handler and
 * backs off while @syncing is set; the sync sets @syncing and waits for
 * @in_handler to drain.  Both sides hold this "lock" for a few
 * microseconds only.
 *
 * Signal handlers receive no context pointer, so this is the one place
 * with process-wide state: a fixed table of tracked ranges (installed
 * once, with the previous SIGSEGV action kept for faults that are not
 * ours).  Each slot has a user count so that a range is freed only when
 * no handler can still be looking at it.
 */
#include "config-host.h"

#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "migration/dirty-tracking-int.h"

#define DIRTY_MPROTECT_SLOTS 64
#define GRANULE_BYTES ((uint64_t)DIRTY_MPROTECT_GRANULE * TARGET_PAGE_SIZE)

struct DirtyMprotect {
    RAMBlock *rb;
    uint8_t *host;
    uint64_t len;
    uint64_t ngranules;
    _Atomic unsigned long *bits;   /* one bit per granule */
    atomic_int syncing;
    atomic_int in_handler;
    int slot;
};

/* Process-wide: see the header comment. */
static DirtyMprotect *_Atomic dirty_mp_slots[DIRTY_MPROTECT_SLOTS];
static atomic_int dirty_mp_users[DIRTY_MPROTECT_SLOTS];
static struct sigaction dirty_mp_old_action;
static GMutex dirty_mp_slot_lock;   /* slot allocation (not in handlers) */

static inline void dirty_mp_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void dirty_mp_chain(int sig, siginfo_t *si, void *uc)
{
    if (dirty_mp_old_action.sa_flags & SA_SIGINFO) {
        dirty_mp_old_action.sa_sigaction(sig, si, uc);
    } else if (dirty_mp_old_action.sa_handler != SIG_IGN &&
               dirty_mp_old_action.sa_handler != SIG_DFL) {
        dirty_mp_old_action.sa_handler(sig);
    } else {
        /* Default action: return and fault again without us. */
        signal(sig, SIG_DFL);
    }
}

/* Returns true when @addr was ours and is writable now. */
static bool dirty_mp_handle(int slot, uint8_t *addr)
{
    DirtyMprotect *m = atomic_load(&dirty_mp_slots[slot]);
    uint64_t g;
    uint8_t *start;

    if (!m || addr < m->host || addr >= m->host + m->len) {
        return false;
    }
    g = (uint64_t)(addr - m->host) / GRANULE_BYTES;
    for (;;) {
        atomic_fetch_add(&m->in_handler, 1);
        if (!atomic_load(&m->syncing)) {
            break;
        }
        atomic_fetch_sub(&m->in_handler, 1);
        while (atomic_load(&m->syncing)) {
            dirty_mp_relax();
        }
    }
    start = m->host + g * GRANULE_BYTES;
    if (mprotect(start, MIN(GRANULE_BYTES, m->len - g * GRANULE_BYTES),
                 PROT_READ | PROT_WRITE) < 0) {
        atomic_fetch_sub(&m->in_handler, 1);
        return false;
    }
    atomic_fetch_or(&m->bits[g / DT_BITS_PER_LONG],
                    1UL << (g % DT_BITS_PER_LONG));
    atomic_fetch_sub(&m->in_handler, 1);
    return true;
}

static void dirty_mp_handler(int sig, siginfo_t *si, void *uc)
{
    int saved_errno = errno;

    if (si->si_code == SEGV_ACCERR) {
        for (int i = 0; i < DIRTY_MPROTECT_SLOTS; i++) {
            bool ours;

            atomic_fetch_add(&dirty_mp_users[i], 1);
            ours = dirty_mp_handle(i, si->si_addr);
            atomic_fetch_sub(&dirty_mp_users[i], 1);
            if (ours) {
                errno = saved_errno;
                return;
            }
        }
    }
    errno = saved_errno;
    dirty_mp_chain(sig, si, uc);
}

static gpointer dirty_mp_install(gpointer unused)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = dirty_mp_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &dirty_mp_old_action) < 0) {
        return GINT_TO_POINTER(errno);
    }
    return NULL;
}

DirtyMprotect *dirty_mprotect_start(RAMBlock *rb, GError **errp)
{
    static GOnce once = G_ONCE_INIT;
    DirtyMprotect *m;
    int err, slot = -1;

    err = GPOINTER_TO_INT(g_once(&once, dirty_mp_install, NULL));
    if (err) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "dirty tracking: cannot install the SIGSEGV handler: %s",
                    g_strerror(err));
        return NULL;
    }
    m = g_new0(DirtyMprotect, 1);
    m->rb = rb;
    m->host = rb->host;
    m->len = rb->used_length;
    m->ngranules = (m->len + GRANULE_BYTES - 1) / GRANULE_BYTES;
    m->bits = g_new0(_Atomic unsigned long,
                     (m->ngranules + DT_BITS_PER_LONG - 1) /
                     DT_BITS_PER_LONG);

    g_mutex_lock(&dirty_mp_slot_lock);
    for (int i = 0; i < DIRTY_MPROTECT_SLOTS; i++) {
        if (!atomic_load(&dirty_mp_slots[i])) {
            slot = i;
            m->slot = i;
            atomic_store(&dirty_mp_slots[i], m);
            break;
        }
    }
    g_mutex_unlock(&dirty_mp_slot_lock);
    if (slot < 0) {
        g_free((void *)m->bits);
        g_free(m);
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                    "dirty tracking: more than %d RAM blocks tracked with "
                    "mprotect", DIRTY_MPROTECT_SLOTS);
        return NULL;
    }
    /* Registered first: a write right after the protection is ours. */
    if (mprotect(m->host, m->len, PROT_READ) < 0) {
        int e = errno;

        dirty_mprotect_stop(m);
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "dirty tracking: mprotect of RAM block '%s' failed: %s",
                    rb->idstr, g_strerror(e));
        return NULL;
    }
    return m;
}

void dirty_mprotect_stop(DirtyMprotect *m)
{
    if (!m) {
        return;
    }
    /* Writable first, so that no new fault of ours can happen ... */
    (void)mprotect(m->host, m->len, PROT_READ | PROT_WRITE);
    atomic_store(&dirty_mp_slots[m->slot], NULL);
    /* ... then wait for handlers that may still look at @m. */
    while (atomic_load(&dirty_mp_users[m->slot])) {
        dirty_mp_relax();
    }
    g_free((void *)m->bits);
    g_free(m);
}

int64_t dirty_mprotect_sync(DirtyMprotect *m, unsigned long *bmap,
                            uint64_t npages, GError **errp)
{
    uint64_t nwords = (m->ngranules + DT_BITS_PER_LONG - 1) /
                      DT_BITS_PER_LONG;
    int64_t reported = 0;
    int ret, e = 0;

    atomic_store(&m->syncing, 1);
    while (atomic_load(&m->in_handler)) {
        dirty_mp_relax();
    }
    ret = mprotect(m->host, m->len, PROT_READ);
    if (ret < 0) {
        e = errno;
    }
    for (uint64_t w = 0; w < nwords; w++) {
        unsigned long x = atomic_exchange(&m->bits[w], 0);

        while (x) {
            uint64_t g = w * DT_BITS_PER_LONG + __builtin_ctzl(x);
            uint64_t first = g * DIRTY_MPROTECT_GRANULE;

            x &= x - 1;
            for (uint64_t p = first;
                 p < first + DIRTY_MPROTECT_GRANULE && p < npages; p++) {
                dt_set_bit(bmap, p);
                reported++;
            }
        }
    }
    atomic_store(&m->syncing, 0);
    if (ret < 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                    "dirty tracking: re-protecting RAM block '%s' failed: %s",
                    m->rb->idstr, g_strerror(e));
        return -1;
    }
    return reported;
}

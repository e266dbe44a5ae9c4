/*
 * Guest workload: patterns, the consistency check, pausing with the
 * run state, resuming from RAM, options.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>

#include "system/workload-int.h"

#define TEST_PAGES 2048
#define TEST_DEADLINE_US (60 * G_USEC_PER_SEC)

typedef struct TestMachine {
    MachineState *ms;
    RAMBlock *rb;
} TestMachine;

/* A bare MachineState with one anonymous block (no system/ needed). */
static TestMachine test_machine_new(uint64_t pages)
{
    TestMachine t;

    t.ms = g_new0(MachineState, 1);
    g_mutex_init(&t.ms->lock);
    t.ms->runstate = RUN_STATE_RUNNING;
    t.ms->ram_blocks = g_ptr_array_new();
    t.rb = g_new0(RAMBlock, 1);
    t.rb->idstr = g_strdup("mem0");
    t.rb->used_length = pages * TARGET_PAGE_SIZE;
    t.rb->page_size = TARGET_PAGE_SIZE;
    t.rb->fd = -1;
    t.rb->host = mmap(NULL, t.rb->used_length, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(t.rb->host != MAP_FAILED);
    g_ptr_array_add(t.ms->ram_blocks, t.rb);
    return t;
}

static void test_machine_free(TestMachine *t)
{
    workloads_shutdown(t->ms);
    munmap(t->rb->host, t->rb->used_length);
    g_free(t->rb->idstr);
    g_free(t->rb);
    g_ptr_array_unref(t->ms->ram_blocks);
    g_mutex_clear(&t->ms->lock);
    g_free(t->ms);
}

/* What vm_stop()/vm_start() do to the run state. */
static void test_set_running(MachineState *ms, bool running)
{
    g_mutex_lock(&ms->lock);
    ms->runstate = running ? RUN_STATE_RUNNING : RUN_STATE_PAUSED;
    g_mutex_unlock(&ms->lock);
}

static GuestWorkloadInfo *test_info(MachineState *ms)
{
    GuestWorkloadInfoList *l = workload_query(ms);
    GuestWorkloadInfo *i;

    g_assert_nonnull(l);
    i = g_steal_pointer(&l->value);
    qapi_free_GuestWorkloadInfoList(l);
    return i;
}

static void test_wait_sweeps(MachineState *ms, uint64_t sweeps)
{
    gint64 deadline = g_get_monotonic_time() + TEST_DEADLINE_US;

    for (;;) {
        g_autoptr(GuestWorkloadInfo) i = test_info(ms);

        if (i->sweeps >= sweeps) {
            return;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_thread_yield();
    }
}

static void test_create(MachineState *ms, const char *spec)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(workload_create_from_opts(ms, spec, &err));
    g_assert_no_error(err);
}

static GuestWorkloadVerifyResult *test_verify(MachineState *ms,
                                              unsigned int threads,
                                              GuestWorkloadPattern pattern)
{
    WorkloadParams p = { .threads = threads, .pattern = pattern };
    g_autoptr(GError) err = NULL;
    GuestWorkloadVerifyResult *r = workload_verify(ms, &p, &err);

    g_assert_no_error(err);
    g_assert_nonnull(r);
    return r;
}

static void test_thread_ranges(void)
{
    for (unsigned int threads = 1; threads <= 7; threads++) {
        uint64_t expect = 0;

        for (unsigned int t = 0; t < threads; t++) {
            uint64_t first, end;

            workload_thread_range(1000, threads, t, &first, &end);
            g_assert_cmpuint(first, ==, expect);
            g_assert_cmpuint(end - first, >=, 1000 / threads);
            g_assert_cmpuint(end - first, <=, 1000 / threads + 1);
            expect = end;
        }
        g_assert_cmpuint(expect, ==, 1000);
    }
}

/* The sweep invariant by hand: resume point and check on crafted RAM. */
static void test_sweep_invariant(void)
{
    TestMachine t = test_machine_new(16);
    g_autoptr(GError) err = NULL;
    WorkloadRAM ram;
    WorkloadBad bad;
    uint64_t pos;
    uint8_t val;

    g_assert_true(workload_ram_init(&ram, t.ms->ram_blocks, NULL, &err));
    g_assert_cmpuint(ram.npages, ==, 16);
    /* All zero: consistent, a new sweep writes 1 from the start. */
    g_assert_true(workload_check_range(&ram, GUEST_WORKLOAD_PATTERN_SWEEP,
                                       0, 16, &bad));
    workload_sweep_resume(&ram, 0, 16, &pos, &val);
    g_assert_cmpuint(pos, ==, 0);
    g_assert_cmpuint(val, ==, 1);
    /* 5 pages into a sweep writing 0 (wrapped from 255). */
    for (int i = 0; i < 16; i++) {
        t.rb->host[i * TARGET_PAGE_SIZE] = i < 5 ? 0 : 255;
    }
    g_assert_true(workload_check_range(&ram, GUEST_WORKLOAD_PATTERN_SWEEP,
                                       0, 16, &bad));
    workload_sweep_resume(&ram, 0, 16, &pos, &val);
    g_assert_cmpuint(pos, ==, 5);
    g_assert_cmpuint(val, ==, 0);
    /* A page that is two behind. */
    t.rb->host[9 * TARGET_PAGE_SIZE] = 254;
    g_assert_false(workload_check_range(&ram, GUEST_WORKLOAD_PATTERN_SWEEP,
                                        0, 16, &bad));
    g_assert_cmpuint(bad.page, ==, 9);
    g_assert_cmpuint(bad.expected, ==, 255);
    g_assert_cmpuint(bad.found, ==, 254);
    /* A second boundary (v+1 after v) is bad too. */
    t.rb->host[9 * TARGET_PAGE_SIZE] = 255;
    t.rb->host[12 * TARGET_PAGE_SIZE] = 0;
    g_assert_false(workload_check_range(&ram, GUEST_WORKLOAD_PATTERN_SWEEP,
                                        0, 16, &bad));
    g_assert_cmpuint(bad.page, ==, 12);
    g_assert_cmpuint(bad.found, ==, 0);
    workload_ram_clear(&ram);
    test_machine_free(&t);
}

/* Running threads, paused, verified; an injected fault is found. */
static void test_sweep_verify_detects(void)
{
    TestMachine t = test_machine_new(TEST_PAGES);
    g_autoptr(GuestWorkloadVerifyResult) ok = NULL;
    g_autoptr(GuestWorkloadVerifyResult) bad = NULL;
    g_autoptr(GError) err = NULL;
    WorkloadRAM ram;
    uint64_t first, end, pos, q;
    uint8_t val, b0;

    test_create(t.ms, "guest-workload,id=w0,threads=2,pattern=sweep");
    test_wait_sweeps(t.ms, 6);
    test_set_running(t.ms, false);
    ok = test_verify(t.ms, 2, GUEST_WORKLOAD_PATTERN_SWEEP);
    g_assert_true(ok->ok);
    g_assert_cmpuint(ok->pages_checked, ==, TEST_PAGES);
    g_assert_false(ok->has_first_bad_page);

    /* Break thread 1's range in its "behind" part. */
    g_assert_true(workload_ram_init(&ram, t.ms->ram_blocks, NULL, &err));
    workload_thread_range(TEST_PAGES, 2, 1, &first, &end);
    workload_sweep_resume(&ram, first, end, &pos, &val);
    b0 = t.rb->host[first * TARGET_PAGE_SIZE];
    q = MAX(pos, first + 1);
    t.rb->host[q * TARGET_PAGE_SIZE] = (uint8_t)(b0 + 5);
    bad = test_verify(t.ms, 2, GUEST_WORKLOAD_PATTERN_SWEEP);
    g_assert_false(bad->ok);
    g_assert_true(bad->has_first_bad_page);
    g_assert_cmpuint(bad->first_bad_page, ==, q);
    g_assert_cmpuint(bad->thread, ==, 1);
    g_assert_cmpuint(bad->expected, ==, (uint8_t)(b0 - 1));
    g_assert_cmpuint(bad->found, ==, (uint8_t)(b0 + 5));
    g_assert_cmpuint(bad->pages_checked, ==, TEST_PAGES / 2 + q + 1 - first);
    workload_ram_clear(&ram);
    test_machine_free(&t);
}

/* Verify while the writers run: ms->lock gives a consistent snapshot. */
static void test_verify_while_running(void)
{
    TestMachine t = test_machine_new(TEST_PAGES);

    test_create(t.ms, "guest-workload,id=w0,threads=3");
    for (int i = 0; i < 50; i++) {
        g_autoptr(GuestWorkloadVerifyResult) r =
            test_verify(t.ms, 3, GUEST_WORKLOAD_PATTERN_SWEEP);

        g_assert_true(r->ok);
    }
    test_wait_sweeps(t.ms, 3);
    test_machine_free(&t);
}

/* A paused workload resumes from RAM, e.g. RAM that was migrated in. */
static void test_resume_from_ram(void)
{
    TestMachine src = test_machine_new(TEST_PAGES);
    TestMachine dst = test_machine_new(TEST_PAGES);
    g_autoptr(GuestWorkloadInfo) before = NULL;
    g_autoptr(GuestWorkloadVerifyResult) r = NULL;

    test_create(src.ms, "guest-workload,id=w0,threads=2");
    test_wait_sweeps(src.ms, 3);
    test_set_running(src.ms, false);
    /* "Migrate": the destination gets the RAM, then starts writing. */
    test_set_running(dst.ms, false);
    memcpy(dst.rb->host, src.rb->host, src.rb->used_length);
    test_create(dst.ms, "guest-workload,id=w0,threads=2");
    before = test_info(dst.ms);
    g_assert_true(before->paused);
    g_assert_cmpuint(before->pages_written, ==, 0);
    test_set_running(dst.ms, true);
    test_wait_sweeps(dst.ms, 4);
    test_set_running(dst.ms, false);
    r = test_verify(dst.ms, 2, GUEST_WORKLOAD_PATTERN_SWEEP);
    g_assert_true(r->ok);
    /* It continued (4 more sweeps, spread over the two threads). */
    g_assert_true(memcmp(dst.rb->host, src.rb->host,
                         src.rb->used_length) != 0);
    test_machine_free(&src);
    test_machine_free(&dst);
}

static void test_random_verify_detects(void)
{
    TestMachine t = test_machine_new(TEST_PAGES);
    g_autoptr(GuestWorkloadVerifyResult) ok = NULL;
    g_autoptr(GuestWorkloadVerifyResult) bad = NULL;
    gint64 deadline = g_get_monotonic_time() + TEST_DEADLINE_US;
    uint64_t *w;
    uint64_t victim = 0;

    test_create(t.ms, "guest-workload,id=r0,threads=2,pattern=random");
    /*
     * Run until the second thread's half holds a written page: the
     * writers share ms->lock unfairly, so one thread may get all the
     * turns for a while (seen under ASan on a loaded machine).
     */
    for (uint64_t target = 20000; !victim; target += 20000) {
        for (;;) {
            g_autoptr(GuestWorkloadInfo) i = test_info(t.ms);

            if (i->pages_written >= target) {
                break;
            }
            g_assert_cmpint(g_get_monotonic_time(), <, deadline);
            g_thread_yield();
        }
        test_set_running(t.ms, false);
        /* The first written page of the second half is the victim. */
        for (uint64_t p = TEST_PAGES / 2; p < TEST_PAGES; p++) {
            if (*(uint64_t *)(t.rb->host + p * TARGET_PAGE_SIZE)) {
                victim = p;
                break;
            }
        }
        if (!victim) {
            test_set_running(t.ms, true);
        }
    }
    ok = test_verify(t.ms, 2, GUEST_WORKLOAD_PATTERN_RANDOM);
    g_assert_true(ok->ok);
    g_assert_cmpuint(ok->pages_checked, ==, TEST_PAGES);
    g_assert_cmpuint(victim, !=, 0);
    w = (uint64_t *)(t.rb->host + victim * TARGET_PAGE_SIZE);
    w[0]++;
    bad = test_verify(t.ms, 2, GUEST_WORKLOAD_PATTERN_RANDOM);
    g_assert_false(bad->ok);
    g_assert_cmpuint(bad->first_bad_page, ==, victim);
    g_assert_cmpuint(bad->thread, ==, 1);
    g_assert_cmpuint(bad->expected, ==, workload_random_check(w[0], victim));
    g_assert_cmpuint(bad->found, ==, w[TARGET_PAGE_SIZE / 8 - 1]);
    test_machine_free(&t);
}

static void test_start_stop_query(void)
{
    TestMachine t = test_machine_new(TEST_PAGES);
    g_autoptr(GError) err = NULL;
    g_autoptr(GuestWorkloadInfo) i1 = NULL;
    g_autoptr(GuestWorkloadInfo) i2 = NULL;

    test_create(t.ms, "guest-workload,id=w1,threads=4,dirty-rate=8,"
                      "start=off,memdev=mem0");
    i1 = test_info(t.ms);
    g_assert_cmpstr(i1->id, ==, "w1");
    g_assert_false(i1->running);
    g_assert_cmpuint(i1->threads, ==, 4);
    g_assert_cmpuint(i1->dirty_rate, ==, 8);
    g_assert_cmpstr(i1->memdev, ==, "mem0");
    g_assert_cmpuint(i1->pages, ==, TEST_PAGES);
    g_assert_cmpuint(i1->pages_written, ==, 0);
    g_assert_true(workload_start(t.ms, "w1", &err));
    g_assert_true(workload_start(t.ms, "w1", &err));   /* idempotent */
    cpu_throttle_set(t.ms, 30);
    i2 = test_info(t.ms);
    g_assert_true(i2->running);
    g_assert_cmpuint(i2->throttle_percentage, ==, 30);
    g_assert_cmpuint(cpu_throttle_get_percentage(t.ms), ==, 30);
    g_assert_true(workload_stop(t.ms, "w1", &err));
    g_assert_no_error(err);
    g_assert_false(workload_stop(t.ms, "nope", &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==, "guest-workload 'nope' not found");
    g_clear_error(&err);
    g_assert_false(workload_create_from_opts(t.ms, "guest-workload,id=w1",
                                             &err));
    g_assert_cmpstr(err->message, ==, "Duplicate ID 'w1' for object");
    test_machine_free(&t);
}

static void test_options(void)
{
    static const struct {
        const char *spec;
        const char *error;
    } bad[] = {
        { "guest-workload,threads=2", "Parameter 'id' is missing" },
        { "guest-workload,id=w,threads=0",
          "Parameter 'threads' expects an integer between 1 and 64" },
        { "guest-workload,id=w,threads=65",
          "Parameter 'threads' expects an integer between 1 and 64" },
        { "guest-workload,id=w,dirty-rate=-1",
          "Parameter 'dirty-rate' expects MiB/s between 0 (unlimited) and "
          "1048576" },
        { "guest-workload,id=w,pattern=zigzag",
          "Parameter 'pattern' does not accept value 'zigzag' "
          "(sweep, random)" },
        { "guest-workload,id=w,start=maybe",
          "Parameter 'start' expects 'on' or 'off'" },
        { "guest-workload,id=w,colour=red", "Invalid parameter 'colour'" },
        { "guest-workload,id=1w", "Parameter 'id' expects an identifier" },
        { "memory-backend-ram,id=w",
          "Parameter 'qom-type' does not accept value 'memory-backend-ram'" },
    };
    WorkloadParams p = { 0 };
    TestMachine t = test_machine_new(4);
    g_autoptr(GError) err = NULL;

    for (unsigned int i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;

        g_assert_false(workload_parse_opts(bad[i].spec, &p, &e));
        g_assert_cmpstr(e->message, ==, bad[i].error);
    }
    g_assert_true(workload_parse_opts("guest-workload,id=w,threads=3,"
                                      "dirty-rate=100,pattern=random,"
                                      "start=off", &p, &err));
    g_assert_cmpstr(p.id, ==, "w");
    g_assert_cmpuint(p.threads, ==, 3);
    g_assert_cmpuint(p.dirty_rate, ==, 100);
    g_assert_cmpint(p.pattern, ==, GUEST_WORKLOAD_PATTERN_RANDOM);
    g_assert_false(p.start);
    g_assert_null(p.memdev);
    workload_params_clear(&p);
    /* Creation checks against the machine. */
    g_assert_false(workload_create_from_opts(t.ms, "guest-workload,id=w,"
                                             "memdev=nope", &err));
    g_assert_cmpstr(err->message, ==, "Memory backend 'nope' not found");
    g_clear_error(&err);
    g_assert_false(workload_create_from_opts(t.ms, "guest-workload,id=w,"
                                             "threads=5", &err));
    g_assert_cmpstr(err->message, ==, "guest-workload 'w': 5 threads need "
                    "at least as many pages (RAM has 4)");
    test_machine_free(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/workload/thread-ranges", test_thread_ranges);
    g_test_add_func("/workload/sweep/invariant", test_sweep_invariant);
    g_test_add_func("/workload/sweep/verify-detects",
                    test_sweep_verify_detects);
    g_test_add_func("/workload/sweep/verify-while-running",
                    test_verify_while_running);
    g_test_add_func("/workload/sweep/resume-from-ram", test_resume_from_ram);
    g_test_add_func("/workload/random/verify-detects",
                    test_random_verify_detects);
    g_test_add_func("/workload/start-stop-query", test_start_stop_query);
    g_test_add_func("/workload/options", test_options);
    return g_test_run();
}

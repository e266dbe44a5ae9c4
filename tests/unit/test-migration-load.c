/*
 * Migration engine, destination: every validation case of wire-7.2.md
 * section 6 with QEMU's error text, truncation at many points.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "migration-test-util.h"
#include "migration/qemu-file.h"
#include "migration/ram.h"
#include "migration/savevm.h"

#define LD_PAGES 16
#define LD_SIZE (LD_PAGES * 4096)
#define UNKNOWN_SECTION_TAIL ". Make sure that your current VM setup " \
    "matches your saved VM setup, including any hotplugged devices"

/* ------------------------------------------------------------------ */
/* Stream pieces */

static void b_header_v(GByteArray *b, uint32_t magic, uint32_t version)
{
    mt_put32(b, magic);
    mt_put32(b, version);
}

static void b_config(GByteArray *b, const char *machine)
{
    mt_put8(b, 0x07);
    mt_put32(b, strlen(machine));
    mt_putbuf(b, machine, strlen(machine));
}

static void b_header(GByteArray *b)
{
    b_header_v(b, 0x5145564d, 3);
    b_config(b, "none");
}

static void b_start(GByteArray *b, uint8_t type, uint32_t id,
                    const char *idstr, uint32_t inst, uint32_t ver)
{
    mt_put8(b, type);
    mt_put32(b, id);
    mt_putstr(b, idstr);
    mt_put32(b, inst);
    mt_put32(b, ver);
}

static void b_part(GByteArray *b, uint8_t type, uint32_t id)
{
    mt_put8(b, type);
    mt_put32(b, id);
}

static void b_footer(GByteArray *b, uint32_t id)
{
    mt_put8(b, 0x7e);
    mt_put32(b, id);
}

static void b_eos(GByteArray *b)
{
    mt_put64(b, 0x10);
}

static void b_ram_start_full(GByteArray *b, uint32_t id, uint64_t total,
                             const char *name, uint64_t len)
{
    b_start(b, 0x01, id, "ram", 0, 4);
    mt_put64(b, total | 0x04);
    if (name) {
        mt_putstr(b, name);
        mt_put64(b, len);
    }
    b_eos(b);
    b_footer(b, id);
}

/* The usual "ram" setup section of version @ver, up to its EOS. */
static void b_ram_setup_open(GByteArray *b, uint32_t ver)
{
    b_start(b, 0x01, 2, "ram", 0, ver);
    mt_put64(b, LD_SIZE | 0x04);
    mt_putstr(b, "mem0");
    mt_put64(b, LD_SIZE);
}

static void b_ram_start(GByteArray *b)
{
    b_ram_start_full(b, 2, LD_SIZE, "mem0", LD_SIZE);
}

static void b_page(GByteArray *b, uint64_t off, uint64_t flags,
                   const char *name, uint8_t fill)
{
    uint8_t page[4096];

    mt_put64(b, off | flags);
    if (name) {
        mt_putstr(b, name);
    }
    memset(page, fill, sizeof(page));
    mt_putbuf(b, page, sizeof(page));
}

static void b_zero(GByteArray *b, uint64_t off, uint64_t flags,
                   const char *name, uint8_t fill)
{
    mt_put64(b, off | flags);
    if (name) {
        mt_putstr(b, name);
    }
    mt_put8(b, fill);
}

static void b_timer_v(GByteArray *b, uint32_t id, uint32_t ver)
{
    b_start(b, 0x04, id, "timer", 0, ver);
    mt_put64(b, 1234);
    mt_put64(b, 0);
    if (ver >= 2) {
        mt_put64(b, 5678);
    }
    b_footer(b, id);
}

static void b_gs(GByteArray *b, uint32_t id, const char *state)
{
    uint8_t buf[100] = { 0 };

    memcpy(buf, state, strlen(state));
    b_start(b, 0x04, id, "globalstate", 0, 1);
    mt_put32(b, strlen(state) + 1);
    mt_putbuf(b, buf, 100);
    b_footer(b, id);
}

static void b_tail(GByteArray *b)
{
    static const char json[] = "{\"page_size\": 4096}";

    b_timer_v(b, 0, 2);
    b_gs(b, 4, "running");
    mt_put8(b, 0x00);
    mt_put8(b, 0x06);
    mt_put32(b, strlen(json));
    mt_putbuf(b, json, strlen(json));
}

/* A PART for ram id 2 holding one record built by @rec, EOS, footer. */
#define PART_WITH(b, rec) do { \
        b_part(b, 0x02, 2); \
        rec; \
        b_eos(b); \
        b_footer(b, 2); \
    } while (0)

/* ------------------------------------------------------------------ */
/* Cases */

typedef struct LoadCase {
    const char *name;
    void (*build)(GByteArray *b);
    const char *error;      /* NULL: must load */
    void (*check)(MachineState *ms, MigrationIncomingParams *out);
} LoadCase;

static void c_good(GByteArray *b)
{
    b_header(b);
    b_ram_start(b);
    PART_WITH(b, b_page(b, 0, 0x08, "mem0", 0x11);
              b_zero(b, 0x1000, 0x22, NULL, 0));
    b_part(b, 0x03, 2);
    b_eos(b);
    b_footer(b, 2);
    b_tail(b);
}

static void k_good(MachineState *ms, MigrationIncomingParams *out)
{
    uint8_t *h = mt_ram(ms)->host;

    g_assert_cmpuint(h[0], ==, 0x11);
    g_assert_cmpuint(h[4095], ==, 0x11);
    g_assert_cmpuint(h[4096], ==, 0);
    g_assert_cmpuint(h[8191], ==, 0);
    g_assert_cmpuint(h[8192], ==, 0xaa);   /* untouched */
    g_assert_true(out->has_global_state);
    g_assert_cmpint(out->global_state, ==, RUN_STATE_RUNNING);
    g_assert_null(out->warning);
}

static void c_bad_magic(GByteArray *b)
{
    b_header_v(b, 0x5145564e, 3);
    b_config(b, "none");
}

static void c_v2(GByteArray *b)
{
    b_header_v(b, 0x5145564d, 2);
}

static void c_v4(GByteArray *b)
{
    b_header_v(b, 0x5145564d, 4);
}

static void c_only_header(GByteArray *b)
{
    b_header_v(b, 0x5145564d, 3);
}

static void c_no_config(GByteArray *b)
{
    b_header_v(b, 0x5145564d, 3);
    b_ram_start(b);
}

static void c_machine(GByteArray *b, const char *m)
{
    b_header_v(b, 0x5145564d, 3);
    b_config(b, m);
    b_ram_start(b);
    mt_put8(b, 0);
}

static void c_machine_pc(GByteArray *b)
{
    c_machine(b, "pc");
}

static void c_machine_none_x(GByteArray *b)
{
    c_machine(b, "none-x");
}

static void c_machine_non(GByteArray *b)
{
    c_machine(b, "non");
}

static void b_sub(GByteArray *b, const char *name)
{
    mt_put8(b, 0x05);
    mt_putstr(b, name);
    mt_put32(b, 1);
}

static void c_caps(GByteArray *b, const char *cap)
{
    b_header(b);
    b_sub(b, "configuration/capabilities");
    mt_put32(b, 1);
    mt_putstr(b, cap);
    mt_put8(b, 0);
}

static void c_cap_ignore_shared(GByteArray *b)
{
    c_caps(b, "x-ignore-shared");
}

static void c_cap_unknown(GByteArray *b)
{
    c_caps(b, "warp-speed");
}

static void c_page_bits(GByteArray *b, uint32_t bits)
{
    b_header(b);
    b_sub(b, "configuration/target-page-bits");
    mt_put32(b, bits);
    mt_put8(b, 0);
}

static void c_page_bits_12(GByteArray *b)
{
    c_page_bits(b, 12);
}

static void c_page_bits_13(GByteArray *b)
{
    c_page_bits(b, 13);
}

static void c_sub_unknown(GByteArray *b)
{
    b_header(b);
    b_sub(b, "configuration/foo");
    mt_put32(b, 0);
    mt_put8(b, 0);
}

static void c_ram_version(GByteArray *b, uint32_t v)
{
    b_header(b);
    b_ram_setup_open(b, v);
    b_eos(b);
    b_footer(b, 2);
    mt_put8(b, 0);
}

static void c_ram_v3(GByteArray *b)
{
    c_ram_version(b, 3);
}

static void c_ram_v5(GByteArray *b)
{
    c_ram_version(b, 5);
}

static void c_ram_instance1(GByteArray *b)
{
    b_header(b);
    b_start(b, 0x01, 2, "ram", 1, 4);
}

static void c_idstr_foo(GByteArray *b)
{
    b_header(b);
    b_start(b, 0x01, 2, "foo", 0, 4);
}

static void c_total_mismatch(GByteArray *b)
{
    b_header(b);
    b_ram_start_full(b, 2, 2 * LD_SIZE, "mem0", LD_SIZE);
}

static void c_size_small(GByteArray *b)
{
    b_header(b);
    b_ram_start_full(b, 2, LD_SIZE / 2, "mem0", LD_SIZE / 2);
}

static void c_size_big(GByteArray *b)
{
    b_header(b);
    b_ram_start_full(b, 2, LD_SIZE * 2, "mem0", LD_SIZE * 2);
}

static void c_setup_mem1(GByteArray *b)
{
    b_header(b);
    b_ram_start_full(b, 2, LD_SIZE, "mem1", LD_SIZE);
}

static void c_setup_empty(GByteArray *b)
{
    b_header(b);
    b_ram_start_full(b, 2, 0, NULL, 0);
    b_tail(b);
}

static void c_setup_no_eos(GByteArray *b)
{
    b_header(b);
    b_ram_setup_open(b, 4);
    b_footer(b, 2);
    b_part(b, 0x02, 2);
    b_eos(b);
}

static void c_offset_size(GByteArray *b)
{
    b_header(b);
    b_ram_start(b);
    PART_WITH(b, b_page(b, LD_SIZE, 0x08, "mem0", 1));
}

static void c_offset_huge(GByteArray *b)
{
    b_header(b);
    b_ram_start(b);
    PART_WITH(b, b_zero(b, 0xfffffffffffff000ULL, 0x02, "mem0", 1));
}

static void c_continue_first(GByteArray *b)
{
    b_header(b);
    b_ram_start(b);
    PART_WITH(b, b_page(b, 0, 0x28, NULL, 1));
}

static void c_page_mem1(GByteArray *b)
{
    b_header(b);
    b_ram_start(b);
    PART_WITH(b, b_page(b, 0, 0x08, "mem1", 1));
}

static void c_flags(GByteArray *b, uint64_t hdr)
{
    b_header(b);
    b_ram_start(b);
    PART_WITH(b, mt_put64(b, hdr); mt_putstr(b, "mem0"); mt_put8(b, 0));
}

static void c_flag_full(GByteArray *b)
{
    c_flags(b, 0x1);
}

static void c_flag_0x200(GByteArray *b)
{
    c_flags(b, 0x200);
}

static void c_flag_zero_page(GByteArray *b)
{
    c_flags(b, 0xa);
}

static void c_flag_unaligned(GByteArray *b)
{
    c_flags(b, 0x10 | 0x08);
}

static void c_flag_hook(GByteArray *b)
{
    c_flags(b, 0x80);
}

static void c_flag_compress(GByteArray *b)
{
    c_flags(b, 0x100);
}

static void c_flag_xbzrle(GByteArray *b)
{
    c_flags(b, 0x40);
}

static void c_zero_fill(GByteArray *b)
{
    b_header(b);
    b_ram_start(b);
    PART_WITH(b, b_zero(b, 0x3000, 0x02, "mem0", 0x5a);
              b_page(b, 0x4000, 0x28, NULL, 1);
              b_page(b, 0x4000, 0x28, NULL, 2));
    b_tail(b);
}

static void k_zero_fill(MachineState *ms, MigrationIncomingParams *out)
{
    uint8_t *h = mt_ram(ms)->host;

    g_assert_cmpuint(h[0x2fff], ==, 0xaa);
    g_assert_cmpuint(h[0x3000], ==, 0x5a);
    g_assert_cmpuint(h[0x3fff], ==, 0x5a);
    g_assert_cmpuint(h[0x4000], ==, 2);      /* last one wins */
    g_assert_cmpuint(h[0x5000], ==, 0xaa);
}

static void c_footer_7f(GByteArray *b)
{
    b_header(b);
    b_ram_setup_open(b, 4);
    b_eos(b);
    mt_put8(b, 0x7f);
    mt_put32(b, 2);
}

static void c_footer_id3(GByteArray *b)
{
    b_header(b);
    b_ram_setup_open(b, 4);
    b_eos(b);
    b_footer(b, 3);
}

static void c_odd_ids(GByteArray *b)
{
    b_header(b);
    b_ram_start_full(b, 7, LD_SIZE, "mem0", LD_SIZE);
    b_part(b, 0x02, 7);
    b_page(b, 0, 0x08, "mem0", 0x11);
    b_zero(b, 0x1000, 0x22, NULL, 0);
    b_eos(b);
    b_footer(b, 7);
    b_timer_v(b, 9, 2);
    b_gs(b, 1, "running");
    mt_put8(b, 0);
}

static void c_ram_id0(GByteArray *b)
{
    b_header(b);
    b_ram_start_full(b, 0, LD_SIZE, "mem0", LD_SIZE);
    b_part(b, 0x02, 0);
    b_eos(b);
    b_footer(b, 0);
}

static void c_part_unknown(GByteArray *b)
{
    b_header(b);
    b_ram_start(b);
    b_part(b, 0x02, 9);
    b_eos(b);
}

static void c_type(GByteArray *b, uint8_t t)
{
    b_header(b);
    mt_put8(b, t);
}

static void c_type9(GByteArray *b)
{
    c_type(b, 9);
}

static void c_type6(GByteArray *b)
{
    c_type(b, 6);
}

static void c_timer(GByteArray *b, uint32_t v)
{
    b_header(b);
    b_timer_v(b, 0, v);
    mt_put8(b, 0);
}

static void c_timer_v3(GByteArray *b)
{
    c_timer(b, 3);
}

static void c_timer_v0(GByteArray *b)
{
    c_timer(b, 0);
}

static void c_timer_v1(GByteArray *b)
{
    c_timer(b, 1);
}

static void c_gs(GByteArray *b, const char *st)
{
    b_header(b);
    b_gs(b, 4, st);
    mt_put8(b, 0);
    mt_put8(b, 6);
    mt_put32(b, 0);
}

static void c_gs_bogus(GByteArray *b)
{
    c_gs(b, "bogus");
}

static void c_gs_empty(GByteArray *b)
{
    c_gs(b, "");
}

static void c_gs_paused(GByteArray *b)
{
    c_gs(b, "paused");
}

static void k_paused(MachineState *ms, MigrationIncomingParams *out)
{
    g_assert_true(out->has_global_state);
    g_assert_cmpint(out->global_state, ==, RUN_STATE_PAUSED);
}

static void c_gs_postmigrate(GByteArray *b)
{
    c_gs(b, "postmigrate");
}

static void k_postmigrate(MachineState *ms, MigrationIncomingParams *out)
{
    g_assert_cmpint(out->global_state, ==, RUN_STATE_POSTMIGRATE);
}

static void c_eof_only(GByteArray *b)
{
    b_header(b);
    mt_put8(b, 0);
}

static void k_no_vmdesc(MachineState *ms, MigrationIncomingParams *out)
{
    g_assert_cmpstr(out->warning, ==,
                    "Expected vmdescription section, but got 0");
    g_assert_false(out->has_global_state);
}

static void c_eof_7(GByteArray *b)
{
    b_header(b);
    mt_put8(b, 0);
    mt_put8(b, 7);
}

static void k_eof_7(MachineState *ms, MigrationIncomingParams *out)
{
    g_assert_cmpstr(out->warning, ==,
                    "Expected vmdescription section, but got 7");
}

static void c_vmdesc_short(GByteArray *b)
{
    b_header(b);
    mt_put8(b, 0);
    mt_put8(b, 6);
    mt_put32(b, 1000);
    mt_putbuf(b, "{}", 2);
}

static void c_vmdesc_garbage(GByteArray *b)
{
    b_header(b);
    mt_put8(b, 0);
    mt_put8(b, 6);
    mt_put32(b, 20);
    for (int i = 0; i < 40; i++) {
        mt_put8(b, 0xff);
    }
}

static void c_ping_no_rp(GByteArray *b)
{
    b_header(b);
    mt_put8(b, 0x08);
    mt_put16(b, 2);
    mt_put16(b, 4);
    mt_put32(b, 1);
}

static void c_cmd_unknown(GByteArray *b)
{
    b_header(b);
    mt_put8(b, 0x08);
    mt_put16(b, 0x20);
    mt_put16(b, 0);
}

static void c_cmd_postcopy(GByteArray *b)
{
    b_header(b);
    mt_put8(b, 0x08);
    mt_put16(b, 5);
    mt_put16(b, 0);
}

static void c_order_free(GByteArray *b)
{
    b_header(b);
    b_gs(b, 4, "running");
    b_timer_v(b, 0, 2);
    b_ram_start(b);
    PART_WITH(b, b_page(b, 0x2000, 0x08, "mem0", 7));
    mt_put8(b, 0);
}

static const LoadCase load_cases[] = {
    { "good", c_good, NULL, k_good },
    { "magic", c_bad_magic, "Not a migration stream" },
    { "version-2", c_v2, "SaveVM v2 format is obsolete and don't work "
      "anymore" },
    { "version-4", c_v4, "Unsupported migration stream version" },
    { "only-header", c_only_header, "Configuration section missing" },
    { "no-configuration", c_no_config, "Configuration section missing" },
    { "machine-pc", c_machine_pc,
      "Machine type received is 'pc' and local is 'none'" },
    { "machine-none-x", c_machine_none_x,
      "Machine type received is 'none-x' and local is 'none'" },
    { "machine-prefix", c_machine_non, NULL },
    { "cap-ignore-shared", c_cap_ignore_shared, "Capability "
      "x-ignore-shared is off, but received capability is on" },
    { "cap-unknown", c_cap_unknown,
      "Received unknown capability warp-speed" },
    { "page-bits-12", c_page_bits_12, NULL },
    { "page-bits-13", c_page_bits_13,
      "Received TARGET_PAGE_BITS is 13 but local is 12" },
    { "subsection-unknown", c_sub_unknown, "No such file or directory "
      "(unknown subsection configuration/foo)" },
    { "ram-version-3", c_ram_v3,
      "error while loading state for instance 0x0 of device 'ram'" },
    { "ram-version-5", c_ram_v5, "savevm: unsupported version 5 for 'ram' v4" },
    { "ram-instance-1", c_ram_instance1,
      "Unknown savevm section or instance 'ram' 1" UNKNOWN_SECTION_TAIL },
    { "idstr-foo", c_idstr_foo,
      "Unknown savevm section or instance 'foo' 0" UNKNOWN_SECTION_TAIL },
    { "mem-size-total", c_total_mismatch,
      "Unknown ramblock \"\", cannot accept migration" },
    { "block-smaller", c_size_small,
      "Size mismatch: mem0: 0x8000 != 0x10000: Invalid argument" },
    { "block-bigger", c_size_big,
      "Size mismatch: mem0: 0x20000 != 0x10000: Invalid argument" },
    { "setup-unknown-block", c_setup_mem1,
      "Unknown ramblock \"mem1\", cannot accept migration" },
    { "setup-empty", c_setup_empty, NULL },
    { "setup-no-eos", c_setup_no_eos,
      "Unknown combination of migration flags: 0x0" },
    { "offset-ram-size", c_offset_size, "Illegal RAM offset 10000" },
    { "offset-huge", c_offset_huge, "Illegal RAM offset fffffffffffff000" },
    { "continue-first", c_continue_first, "Ack, bad migration stream!" },
    { "page-unknown-block", c_page_mem1, "Can't find block mem1" },
    { "flags-0x1", c_flag_full, "Unknown combination of migration flags: 0x1" },
    { "flags-0x200", c_flag_0x200,
      "Unknown combination of migration flags: 0x200" },
    { "flags-zero-page", c_flag_zero_page,
      "Unknown combination of migration flags: 0xa" },
    { "flags-unaligned", c_flag_unaligned,
      "Unknown combination of migration flags: 0x18" },
    { "flags-hook", c_flag_hook, "error while loading state section id 2(ram)" },
    { "flags-compress", c_flag_compress,
      "Received an unexpected compressed page" },
    { "flags-xbzrle", c_flag_xbzrle,
      "Failed to load XBZRLE page - wrong compression!" },
    { "zero-fill-and-repeat", c_zero_fill, NULL, k_zero_fill },
    { "footer-0x7f", c_footer_7f, "Missing section footer for ram" },
    { "footer-id", c_footer_id3,
      "Mismatched section id in footer for ram - read 0x3 expected 0x2" },
    { "section-ids", c_odd_ids, NULL },
    { "ram-section-id-0", c_ram_id0, "timer: incoming version_id 0 is too "
      "old for local minimum version_id  1" },
    { "part-unknown-id", c_part_unknown, "Unknown savevm section 9" },
    { "type-9", c_type9, "Unknown savevm section type 9" },
    { "type-6-before-eof", c_type6, "Unknown savevm section type 6" },
    { "timer-v3", c_timer_v3, "savevm: unsupported version 3 for 'timer' v2" },
    { "timer-v0", c_timer_v0, "timer: incoming version_id 0 is too old for "
      "local minimum version_id  1" },
    { "timer-v1", c_timer_v1, NULL },
    { "globalstate-bogus", c_gs_bogus, "invalid parameter value: bogus" },
    { "globalstate-empty", c_gs_empty, "invalid parameter value: " },
    { "globalstate-paused", c_gs_paused, NULL, k_paused },
    { "globalstate-postmigrate", c_gs_postmigrate, NULL, k_postmigrate },
    { "header-eof-only", c_eof_only, NULL, k_no_vmdesc },
    { "eof-then-7", c_eof_7, NULL, k_eof_7 },
    { "vmdesc-truncated", c_vmdesc_short, NULL },
    { "vmdesc-trailing-garbage", c_vmdesc_garbage, NULL },
    { "ping-without-return-path", c_ping_no_rp,
      "CMD_PING (0x1) received with no return path" },
    { "command-unknown", c_cmd_unknown, "MIG_CMD 0x20 unknown (len 0x0)" },
    { "command-postcopy", c_cmd_postcopy, "POSTCOPY_RUN received: "
      "postcopy, COLO and packaged streams are not supported" },
    { "section-order-free", c_order_free, NULL },
};

static void run_case(gconstpointer data)
{
    const LoadCase *lc = data;
    g_autoptr(GByteArray) b = g_byte_array_new();
    MachineState *ms = mt_machine_new(LD_PAGES);
    MigrationCounters c = { 0 };
    MigrationIncomingParams out = { 0 };
    g_autoptr(GError) err = NULL;
    int r;

    memset(mt_ram(ms)->host, 0xaa, LD_SIZE);
    lc->build(b);
    r = mt_load_bytes(ms, b->data, b->len, &c, &out, &err);
    if (lc->error) {
        g_assert_cmpint(r, ==, -1);
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==, lc->error);
    } else {
        g_assert_no_error(err);
        g_assert_cmpint(r, ==, 0);
        if (lc->check) {
            lc->check(ms, &out);
        }
    }
    g_assert_true(mt_guards_intact(ms));
    g_free(out.warning);
    mt_machine_free(ms);
}

/*
 * Cut a real stream at many points: every cut before the EOF byte fails
 * (never hangs, never writes outside the block); cuts after it succeed.
 */
static void test_truncation(void)
{
    MachineState *src = mt_machine_new(LD_PAGES);
    MachineState *dst = mt_machine_new(LD_PAGES);
    MigrationCounters sc = { 0 };
    MTHooks h = { 0 };
    g_autoptr(GBytes) stream = NULL;
    g_autofree char *json = savevm_vmdesc_json();
    const uint8_t *d;
    gsize len, eof_pos;
    unsigned int failures = 0;

    mt_fill_pattern(src, 9);
    stream = mt_source_to_bytes(src, NULL, &sc, &h);
    d = g_bytes_get_data(stream, &len);
    eof_pos = len - strlen(json) - 5 - 1;
    g_assert_cmpuint(d[eof_pos], ==, 0);
    g_assert_cmpuint(d[eof_pos + 1], ==, 6);

    for (gsize cut = 0; cut < len; cut += (cut < 200 || cut > eof_pos - 200 ?
                                          1 : 61)) {
        MigrationCounters dc = { 0 };
        g_autoptr(GError) err = NULL;
        int r = mt_load_bytes(dst, d, cut, &dc, NULL, &err);

        g_assert_true(mt_guards_intact(dst));
        if (cut <= eof_pos) {
            g_assert_cmpint(r, ==, -1);
            /* Either the plain EOF or a diagnosis of the zeros read. */
            if (strcmp(err->message, QEMU_FILE_EOF_MSG) != 0) {
                g_assert_cmpstr(err->message, ==,
                                "Configuration section missing");
                g_assert_cmpuint(cut, ==, 8);
            }
            failures++;
        } else {
            g_assert_no_error(err);
            g_assert_cmpint(r, ==, 0);
        }
    }
    g_assert_cmpuint(failures, >, 400);
    mt_machine_free(src);
    mt_machine_free(dst);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(load_cases); i++) {
        g_autofree char *path = g_strdup_printf("/migration/load/%s",
                                                load_cases[i].name);

        g_test_add_data_func(path, &load_cases[i], run_case);
    }
    g_test_add_func("/migration/load/truncation", test_truncation);
    return g_test_run();
}

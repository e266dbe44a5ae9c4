/*
 * The QEMU 7.2 main migration stream: framing, device sections, loader.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "migration/ram.h"
#include "migration/savevm.h"

#define SAVEVM_GLOBALSTATE_LEN 100

/* ------------------------------------------------------------------ */
/* Source */

void savevm_put_header(QEMUFile *f, const char *machine, const uint8_t *uuid)
{
    qemu_put_be32(f, QEMU_VM_FILE_MAGIC);
    qemu_put_be32(f, QEMU_VM_FILE_VERSION);

    /* vmstate "configuration": be32 length + name, then subsections. */
    qemu_put_byte(f, QEMU_VM_CONFIGURATION);
    qemu_put_be32(f, strlen(machine));
    qemu_put_buffer(f, machine, strlen(machine));
    if (uuid) {
        qemu_put_byte(f, QEMU_VM_SUBSECTION);
        qemu_put_counted_string(f, "configuration/uuid");
        qemu_put_be32(f, 1);
        qemu_put_buffer(f, uuid, 16);
    }
}

void savevm_put_section_start(QEMUFile *f, uint8_t type, uint32_t id,
                              const char *idstr, uint32_t instance,
                              uint32_t version)
{
    qemu_put_byte(f, type);
    qemu_put_be32(f, id);
    qemu_put_counted_string(f, idstr);
    qemu_put_be32(f, instance);
    qemu_put_be32(f, version);
}

void savevm_put_section_part(QEMUFile *f, uint8_t type, uint32_t id)
{
    qemu_put_byte(f, type);
    qemu_put_be32(f, id);
}

void savevm_put_section_footer(QEMUFile *f, uint32_t id)
{
    qemu_put_byte(f, QEMU_VM_SECTION_FOOTER);
    qemu_put_be32(f, id);
}

void savevm_put_timer(QEMUFile *f, int64_t cpu_ticks_offset,
                      int64_t cpu_clock_offset)
{
    savevm_put_section_start(f, QEMU_VM_SECTION_FULL, SAVEVM_ID_TIMER,
                             "timer", 0, SAVEVM_TIMER_VERSION);
    qemu_put_be64(f, cpu_ticks_offset);
    qemu_put_be64(f, 0); /* unused 8 bytes */
    qemu_put_be64(f, cpu_clock_offset);
    savevm_put_section_footer(f, SAVEVM_ID_TIMER);
}

void savevm_put_globalstate(QEMUFile *f, const char *runstate)
{
    uint8_t buf[SAVEVM_GLOBALSTATE_LEN] = { 0 };
    size_t len = MIN(strlen(runstate), SAVEVM_GLOBALSTATE_LEN - 1);

    memcpy(buf, runstate, len);
    savevm_put_section_start(f, QEMU_VM_SECTION_FULL, SAVEVM_ID_GLOBALSTATE,
                             "globalstate", 0, SAVEVM_GLOBALSTATE_VERSION);
    qemu_put_be32(f, len + 1);
    qemu_put_buffer(f, buf, sizeof(buf));
    savevm_put_section_footer(f, SAVEVM_ID_GLOBALSTATE);
}

void savevm_put_open_return_path(QEMUFile *f, uint32_t ping_value)
{
    qemu_put_byte(f, QEMU_VM_COMMAND);
    qemu_put_be16(f, MIG_CMD_OPEN_RETURN_PATH);
    qemu_put_be16(f, 0);
    qemu_put_byte(f, QEMU_VM_COMMAND);
    qemu_put_be16(f, MIG_CMD_PING);
    qemu_put_be16(f, 4);
    qemu_put_be32(f, ping_value);
}

static void vmdesc_field(JsonBuilder *b, const char *name, const char *type,
                         int size)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, type);
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, size);
    json_builder_end_object(b);
}

static void vmdesc_device(JsonBuilder *b, const char *name, int version)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "instance_id");
    json_builder_add_int_value(b, 0);
    json_builder_set_member_name(b, "vmsd_name");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, version);
    json_builder_set_member_name(b, "fields");
    json_builder_begin_array(b);
}

char *savevm_vmdesc_json(void)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "page_size");
    json_builder_add_int_value(b, TARGET_PAGE_SIZE);
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);

    vmdesc_device(b, "timer", SAVEVM_TIMER_VERSION);
    vmdesc_field(b, "cpu_ticks_offset", "int64", 8);
    vmdesc_field(b, "unused", "unused_buffer", 8);
    vmdesc_field(b, "cpu_clock_offset", "int64", 8);
    json_builder_end_array(b);
    json_builder_end_object(b);

    vmdesc_device(b, "globalstate", SAVEVM_GLOBALSTATE_VERSION);
    vmdesc_field(b, "size", "uint32", 4);
    vmdesc_field(b, "runstate", "buffer", SAVEVM_GLOBALSTATE_LEN);
    json_builder_end_array(b);
    json_builder_end_object(b);

    json_builder_end_array(b);
    json_builder_end_object(b);

    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

void savevm_put_eof_vmdesc(QEMUFile *f)
{
    g_autofree char *json = savevm_vmdesc_json();
    size_t len = strlen(json);

    qemu_put_byte(f, QEMU_VM_EOF);
    qemu_put_byte(f, QEMU_VM_VMDESCRIPTION);
    qemu_put_be32(f, len);
    qemu_put_buffer(f, json, len);
}

int savevm_rp_wait_shut(QEMUFile *rp, GError **errp)
{
    for (;;) {
        uint16_t type = qemu_get_be16(rp);
        uint16_t len = qemu_get_be16(rp);
        uint32_t value;

        if (qemu_file_has_error(rp)) {
            g_autoptr(GError) err = NULL;

            qemu_file_get_error(rp, &err);
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "RP: failed to read the destination's reply: %s",
                        err->message);
            return -1;
        }
        if (type != MIG_RP_MSG_SHUT && type != MIG_RP_MSG_PONG) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "RP: Received invalid message 0x%04x length 0x%04x",
                        type, len);
            return -1;
        }
        if (len != 4) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "RP: Received '%s' message (0x%04x) with incorrect "
                        "length %d expecting 4",
                        type == MIG_RP_MSG_SHUT ? "SHUT" : "PONG", type, len);
            return -1;
        }
        value = qemu_get_be32(rp);
        if (qemu_file_has_error(rp)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "RP: Failed reading data for message 0x%04x", type);
            return -1;
        }
        if (type == MIG_RP_MSG_SHUT) {
            if (value) {
                g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                            "RP: Sibling indicated error %u", value);
                return -1;
            }
            return 0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Destination */

int savevm_rp_send(QIOChannel *ioc, uint16_t type, uint32_t value,
                   GError **errp)
{
    uint8_t msg[8];

    msg[0] = type >> 8;
    msg[1] = type;
    msg[2] = 0;
    msg[3] = 4;
    msg[4] = value >> 24;
    msg[5] = value >> 16;
    msg[6] = value >> 8;
    msg[7] = value;
    return qio_channel_write_all(ioc, msg, sizeof(msg), errp);
}

int savevm_runstate_parse(const char *name)
{
    for (int i = 0; i < RUN_STATE__MAX; i++) {
        if (!strcmp(RunState_str(i), name)) {
            return i;
        }
    }
    return -1;
}

/* The loader's handler list, in QEMU's registration order. */
enum {
    H_TIMER, H_BLOCK, H_RAM, H_DIRTY_BITMAP, H_GLOBALSTATE, H_COUNT
};

static const struct {
    const char *idstr;
    uint32_t version;
    uint32_t min_version;
} savevm_handlers[H_COUNT] = {
    [H_TIMER] = { "timer", SAVEVM_TIMER_VERSION, 1 },
    [H_BLOCK] = { "block", 1, 1 },
    [H_RAM] = { "ram", SAVEVM_RAM_VERSION, 0 },
    [H_DIRTY_BITMAP] = { "dirty-bitmap", 1, 1 },
    [H_GLOBALSTATE] = { "globalstate", SAVEVM_GLOBALSTATE_VERSION, 1 },
};

/* Capability names QEMU 7.2 knows (get_capability() rejects others). */
static const char *const savevm_known_caps[] = {
    "xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "compress",
    "events", "postcopy-ram", "x-colo", "release-ram", "block", "return-path",
    "pause-before-switchover", "multifd", "dirty-bitmaps", "postcopy-blocktime",
    "late-block-activate", "x-ignore-shared", "validate-uuid",
    "background-snapshot", "zero-copy-send", "postcopy-preempt",
};

static int savevm_stream_error(QEMUFile *f, GError **errp)
{
    return qemu_file_get_error(f, errp);
}

/* vmstate's version gate ("%s: incoming version_id ..."). */
static int vmstate_check_version(const char *name, uint32_t version,
                                 uint32_t local, uint32_t min, GError **errp)
{
    if (version > local) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "%s: incoming version_id %u is too new for local "
                    "version_id %u", name, version, local);
        return -1;
    }
    if (version < min) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "%s: incoming version_id %u is too old for local "
                    "minimum version_id  %u", name, version, min);
        return -1;
    }
    return 0;
}

/*
 * If the next bytes are a subsection of @parent, consume its header,
 * store its name in @name and version in @version, and return 1.  Return
 * 0 when no subsection of @parent follows (like QEMU, a subsection byte
 * with a foreign name is left for the caller to trip over).
 */
static int vmstate_next_subsection(QEMUFile *f, const char *parent,
                                   char name[256], uint32_t *version)
{
    const uint8_t *p;
    int len;

    if (qemu_peek_byte(f, 0) != QEMU_VM_SUBSECTION) {
        return 0;
    }
    len = qemu_peek_byte(f, 1);
    if (len < 0 || (size_t)len < strlen(parent) + 1) {
        return 0;
    }
    p = qemu_peek_buffer(f, 2, len);
    if (!p || strncmp((const char *)p, parent, strlen(parent)) != 0) {
        return 0;
    }
    memcpy(name, p, len);
    name[len] = 0;
    qemu_file_skip(f, 2 + len);
    *version = qemu_get_be32(f);
    return 1;
}

static void uuid_unparse(const uint8_t *u, char out[37])
{
    g_snprintf(out, 37,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
               "%02x%02x%02x%02x%02x%02x",
               u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
               u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int savevm_load_configuration(SaveVMLoadState *s, GError **errp)
{
    QEMUFile *f = s->f;
    const char *local = s->ms->machine_type ? s->ms->machine_type : "none";
    char name[256];
    char sub[256];
    uint32_t len, version;
    uint32_t page_bits = TARGET_PAGE_BITS;
    bool ignore_shared = false;
    int r;

    len = qemu_get_be32(f);
    if (savevm_stream_error(f, errp)) {
        return -1;
    }
    if (len > 255) {
        /* QEMU would allocate it; nothing legitimate is this long. */
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Machine type name of %u bytes received", len);
        return -1;
    }
    qemu_get_buffer(f, name, len);
    name[len] = 0;
    if (savevm_stream_error(f, errp)) {
        return -1;
    }

    while ((r = vmstate_next_subsection(f, "configuration", sub,
                                        &version)) == 1) {
        if (savevm_stream_error(f, errp) ||
            vmstate_check_version(sub, version, 1, 1, errp) < 0) {
            return -1;
        }
        if (!strcmp(sub, "configuration/target-page-bits")) {
            page_bits = qemu_get_be32(f);
        } else if (!strcmp(sub, "configuration/capabilities")) {
            uint32_t count = qemu_get_be32(f);

            for (uint32_t i = 0; i < count; i++) {
                char cap[256];
                bool known = false;

                if (!qemu_get_counted_string(f, cap)) {
                    return savevm_stream_error(f, errp);
                }
                for (size_t j = 0; j < G_N_ELEMENTS(savevm_known_caps); j++) {
                    known |= !strcmp(cap, savevm_known_caps[j]);
                }
                if (!known) {
                    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                "Received unknown capability %s", cap);
                    return -1;
                }
                ignore_shared |= !strcmp(cap, "x-ignore-shared");
            }
        } else if (!strcmp(sub, "configuration/uuid")) {
            uint8_t uuid[16];
            char src[37], dst[37];

            qemu_get_buffer(f, uuid, 16);
            if (savevm_stream_error(f, errp)) {
                return -1;
            }
            uuid_unparse(uuid, src);
            if (!s->ms->has_uuid) {
                g_free(s->warning);
                s->warning = g_strdup_printf("UUID is received %s, but local "
                                             "uuid isn't set", src);
            } else if (memcmp(uuid, s->ms->uuid, 16) != 0) {
                uuid_unparse(s->ms->uuid, dst);
                g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "UUID received is %s and local is %s", src, dst);
                return -1;
            }
        } else {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        "No such file or directory (unknown subsection %s)",
                        sub);
            return -1;
        }
        if (savevm_stream_error(f, errp)) {
            return -1;
        }
    }

    if (strncmp(name, local, len) != 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Machine type received is '%s' and local is '%s'",
                    name, local);
        return -1;
    }
    if (page_bits != TARGET_PAGE_BITS) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Received TARGET_PAGE_BITS is %u but local is %u",
                    page_bits, TARGET_PAGE_BITS);
        return -1;
    }
    if (ignore_shared) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "Capability x-ignore-shared is off, but received "
                            "capability is on");
        return -1;
    }
    return 0;
}

static int savevm_load_header(SaveVMLoadState *s, GError **errp)
{
    QEMUFile *f = s->f;
    uint32_t v;

    v = qemu_get_be32(f);
    if (savevm_stream_error(f, errp)) {
        return -1;
    }
    if (v != QEMU_VM_FILE_MAGIC) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "Not a migration stream");
        return -1;
    }
    v = qemu_get_be32(f);
    if (savevm_stream_error(f, errp)) {
        return -1;
    }
    if (v == QEMU_VM_FILE_VERSION_COMPAT) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                            "SaveVM v2 format is obsolete and don't work "
                            "anymore");
        return -1;
    }
    if (v != QEMU_VM_FILE_VERSION) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                            "Unsupported migration stream version");
        return -1;
    }
    /* A zero byte read past the end is "missing" too, as in QEMU. */
    if (qemu_get_byte(f) != QEMU_VM_CONFIGURATION) {
        g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "Configuration section missing");
        return -1;
    }
    return savevm_load_configuration(s, errp);
}

static int savevm_load_timer(SaveVMLoadState *s, uint32_t version,
                             GError **errp)
{
    QEMUFile *f = s->f;

    if (vmstate_check_version("timer", version, SAVEVM_TIMER_VERSION, 1,
                              errp) < 0) {
        return -1;
    }
    s->cpu_ticks_offset = qemu_get_be64(f);
    qemu_file_skip(f, 8);
    s->cpu_clock_offset = version >= 2 ? (int64_t)qemu_get_be64(f) : 0;
    if (savevm_stream_error(f, errp)) {
        return -1;
    }
    s->has_timer = true;
    return 0;
}

static int savevm_load_globalstate(SaveVMLoadState *s, uint32_t version,
                                   GError **errp)
{
    QEMUFile *f = s->f;
    char runstate[SAVEVM_GLOBALSTATE_LEN + 1];
    int st;

    if (vmstate_check_version("globalstate", version,
                              SAVEVM_GLOBALSTATE_VERSION, 1, errp) < 0) {
        return -1;
    }
    qemu_get_be32(f); /* size: ignored, as by QEMU */
    qemu_get_buffer(f, runstate, SAVEVM_GLOBALSTATE_LEN);
    if (savevm_stream_error(f, errp)) {
        return -1;
    }
    runstate[SAVEVM_GLOBALSTATE_LEN] = 0;
    st = savevm_runstate_parse(runstate);
    if (st < 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "invalid parameter value: %s", runstate);
        return -1;
    }
    s->global_state = st;
    s->has_global_state = true;
    return 0;
}

/* Load one section body for handler @h. */
static int savevm_load_body(SaveVMLoadState *s, int h, bool start,
                            uint32_t section_id, uint32_t instance,
                            GError **errp)
{
    g_autofree char *generic = NULL;
    uint32_t version = s->load_version_id[h];
    GError *err = NULL;
    int r;

    if (start) {
        generic = g_strdup_printf("error while loading state for instance "
                                  "0x%" PRIx32 " of device '%s'", instance,
                                  savevm_handlers[h].idstr);
    } else {
        generic = g_strdup_printf("error while loading state section id "
                                  "%" PRIu32 "(%s)", section_id,
                                  savevm_handlers[h].idstr);
    }

    switch (h) {
    case H_TIMER:
        r = savevm_load_timer(s, version, &err);
        break;
    case H_GLOBALSTATE:
        r = savevm_load_globalstate(s, version, &err);
        break;
    case H_RAM:
        r = ram_load(s->ram, s->f, version, generic, &err);
        break;
    default:
        /* Inactive handlers of a "-M none" QEMU: nothing to load into. */
        r = -1;
        err = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                  generic);
        break;
    }
    if (r < 0) {
        g_propagate_error(errp, err);
        return -1;
    }

    /* Footer. */
    {
        uint8_t mark = qemu_get_byte(s->f);
        uint32_t id;

        if (savevm_stream_error(s->f, errp)) {
            return -1;
        }
        if (mark != QEMU_VM_SECTION_FOOTER) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Missing section footer for %s",
                        savevm_handlers[h].idstr);
            return -1;
        }
        id = qemu_get_be32(s->f);
        if (savevm_stream_error(s->f, errp)) {
            return -1;
        }
        if (id != s->load_section_id[h]) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Mismatched section id in footer for %s - read 0x%x "
                        "expected 0x%x", savevm_handlers[h].idstr, id,
                        s->load_section_id[h]);
            return -1;
        }
    }
    return 0;
}

static int savevm_load_start_full(SaveVMLoadState *s, GError **errp)
{
    QEMUFile *f = s->f;
    char idstr[256];
    uint32_t section_id, instance, version;
    int h;

    section_id = qemu_get_be32(f);
    qemu_get_counted_string(f, idstr);
    instance = qemu_get_be32(f);
    version = qemu_get_be32(f);
    if (savevm_stream_error(f, errp)) {
        return -1;
    }
    for (h = 0; h < H_COUNT; h++) {
        if (!strcmp(idstr, savevm_handlers[h].idstr) && instance == 0) {
            break;
        }
    }
    if (h == H_COUNT) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Unknown savevm section or instance '%s' %" PRIu32 ". "
                    "Make sure that your current VM setup matches your "
                    "saved VM setup, including any hotplugged devices",
                    idstr, instance);
        return -1;
    }
    if (version > savevm_handlers[h].version) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "savevm: unsupported version %u for '%s' v%u",
                    version, idstr, savevm_handlers[h].version);
        return -1;
    }
    s->load_version_id[h] = version;
    s->load_section_id[h] = section_id;
    return savevm_load_body(s, h, true, section_id, instance, errp);
}

static int savevm_load_part_end(SaveVMLoadState *s, GError **errp)
{
    uint32_t section_id = qemu_get_be32(s->f);
    int h;

    if (savevm_stream_error(s->f, errp)) {
        return -1;
    }
    for (h = 0; h < H_COUNT; h++) {
        if (s->load_section_id[h] == section_id) {
            break;
        }
    }
    if (h == H_COUNT) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "Unknown savevm section %" PRIu32, section_id);
        return -1;
    }
    return savevm_load_body(s, h, false, section_id, 0, errp);
}

static int savevm_load_command(SaveVMLoadState *s, GError **errp)
{
    static const char *const names[] = {
        "INVALID", "OPEN_RETURN_PATH", "PING", "POSTCOPY_ADVISE",
        "POSTCOPY_LISTEN", "POSTCOPY_RUN", "POSTCOPY_RAM_DISCARD",
        "PACKAGED", "ENABLE_COLO", "POSTCOPY_RESUME", "RECV_BITMAP",
    };
    QEMUFile *f = s->f;
    uint16_t cmd = qemu_get_be16(f);
    uint16_t len = qemu_get_be16(f);
    uint32_t value;

    if (savevm_stream_error(f, errp)) {
        return -1;
    }
    if (cmd == 0 || cmd >= G_N_ELEMENTS(names)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "MIG_CMD 0x%x unknown (len 0x%x)", cmd, len);
        return -1;
    }
    switch (cmd) {
    case MIG_CMD_OPEN_RETURN_PATH:
        if (len != 0) {
            goto bad_len;
        }
        /* Already open: QEMU complains but carries on. */
        s->rp_open = true;
        return 0;
    case MIG_CMD_PING:
        if (len != 4) {
            goto bad_len;
        }
        value = qemu_get_be32(f);
        if (savevm_stream_error(f, errp)) {
            return -1;
        }
        if (!s->rp_open) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        "CMD_PING (0x%x) received with no return path",
                        value);
            return -1;
        }
        return savevm_rp_send(s->rp_ioc, MIG_RP_MSG_PONG, value, errp);
    default:
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "%s received: postcopy, COLO and packaged streams are "
                    "not supported", names[cmd]);
        return -1;
    }

bad_len:
    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "%s received with bad length - expecting %d, got %d",
                names[cmd], cmd == MIG_CMD_PING ? 4 : 0, len);
    return -1;
}

/* After EOF: the vmdesc, whose problems are only warnings. */
static void savevm_load_vmdesc(SaveVMLoadState *s)
{
    QEMUFile *f = s->f;
    uint8_t type = qemu_get_byte(f);
    uint32_t len;

    if (type != QEMU_VM_VMDESCRIPTION) {
        g_free(s->warning);
        s->warning = g_strdup_printf("Expected vmdescription section, but "
                                     "got %d", type);
        return;
    }
    len = qemu_get_be32(f);
    /* Skipped, never parsed; a short one is tolerated. */
    qemu_file_skip(f, len);
}

int savevm_load(SaveVMLoadState *s, GError **errp)
{
    QEMUFile *f = s->f;

    if (savevm_load_header(s, errp) < 0) {
        return -1;
    }
    for (;;) {
        uint8_t type = qemu_get_byte(f);
        int r;

        if (savevm_stream_error(f, errp)) {
            return -1;
        }
        switch (type) {
        case QEMU_VM_SECTION_START:
        case QEMU_VM_SECTION_FULL:
            r = savevm_load_start_full(s, errp);
            break;
        case QEMU_VM_SECTION_PART:
        case QEMU_VM_SECTION_END:
            r = savevm_load_part_end(s, errp);
            break;
        case QEMU_VM_COMMAND:
            r = savevm_load_command(s, errp);
            break;
        case QEMU_VM_EOF:
            savevm_load_vmdesc(s);
            return 0;
        default:
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Unknown savevm section type %d", type);
            r = -1;
            break;
        }
        if (r < 0) {
            return -1;
        }
    }
}

void savevm_load_state_clear(SaveVMLoadState *s)
{
    g_clear_pointer(&s->warning, g_free);
}

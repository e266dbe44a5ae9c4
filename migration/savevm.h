/*
 * The QEMU 7.2 main migration stream: file header, configuration,
 * section framing, the non-RAM device sections of "-M none" (timer,
 * globalstate), EOF + vmdesc, return-path commands, and the loader.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The byte layout is described in docs/devel/migration.rst ("Wire
 * format").  Error texts of the loader are QEMU 7.2's own, so that users
 * and tests see the same diagnosis whichever side they run.
 */
#ifndef MIGRATION_SAVEVM_H
#define MIGRATION_SAVEVM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "migration/qemu-file.h"
#include "system/machine.h"

#define QEMU_VM_FILE_MAGIC          0x5145564d
#define QEMU_VM_FILE_VERSION_COMPAT 0x00000002
#define QEMU_VM_FILE_VERSION        0x00000003

/* Top-level type bytes of the main stream. */
enum {
    QEMU_VM_EOF = 0x00,
    QEMU_VM_SECTION_START = 0x01,
    QEMU_VM_SECTION_PART = 0x02,
    QEMU_VM_SECTION_END = 0x03,
    QEMU_VM_SECTION_FULL = 0x04,
    QEMU_VM_SUBSECTION = 0x05,
    QEMU_VM_VMDESCRIPTION = 0x06,
    QEMU_VM_CONFIGURATION = 0x07,
    QEMU_VM_COMMAND = 0x08,
    QEMU_VM_SECTION_FOOTER = 0x7e,
};

/* Section ids the source uses (QEMU's registration order for -M none). */
#define SAVEVM_ID_TIMER       0
#define SAVEVM_ID_RAM         2
#define SAVEVM_ID_GLOBALSTATE 4

#define SAVEVM_TIMER_VERSION       2
#define SAVEVM_RAM_VERSION         4
#define SAVEVM_GLOBALSTATE_VERSION 1

/* QEMU_VM_COMMAND numbers (be16) used in precopy with a return path. */
#define MIG_CMD_OPEN_RETURN_PATH 1
#define MIG_CMD_PING             2
/* Return-path message types (be16 type, be16 len, data). */
#define MIG_RP_MSG_SHUT 1
#define MIG_RP_MSG_PONG 2

/* Source side --------------------------------------------------------- */

/**
 * savevm_put_header:
 * @machine: machine type name ("none")
 * @uuid: 16 bytes to send in a configuration/uuid subsection, or NULL
 *
 * Writes the file magic, version 3 and the configuration section.
 */
void savevm_put_header(QEMUFile *f, const char *machine, const uint8_t *uuid);
/* START/FULL header: type, id, idstr, instance, version. */
void savevm_put_section_start(QEMUFile *f, uint8_t type, uint32_t id,
                              const char *idstr, uint32_t instance,
                              uint32_t version);
/* PART/END header: type, id. */
void savevm_put_section_part(QEMUFile *f, uint8_t type, uint32_t id);
void savevm_put_section_footer(QEMUFile *f, uint32_t id);
/* Whole FULL timer section (v2, 24-byte body) including its footer. */
void savevm_put_timer(QEMUFile *f, int64_t cpu_ticks_offset,
                      int64_t cpu_clock_offset);
/* Whole FULL globalstate section (v1) for run state name @runstate. */
void savevm_put_globalstate(QEMUFile *f, const char *runstate);
/* QEMU_VM_COMMAND: open the return path, then PING @value. */
void savevm_put_open_return_path(QEMUFile *f, uint32_t ping_value);
/* EOF byte followed by the VMDESCRIPTION section. */
void savevm_put_eof_vmdesc(QEMUFile *f);
/* The vmdesc JSON text (newly allocated). */
char *savevm_vmdesc_json(void);

/**
 * savevm_rp_wait_shut:
 * @rp: input QEMUFile on the main channel (return direction)
 *
 * Source side of the return path at completion: consumes PONG messages
 * until the destination's SHUT.  Returns 0 when SHUT carried 0, -1 with
 * @errp set when it reported failure, the channel failed or a message
 * was malformed.
 */
int savevm_rp_wait_shut(QEMUFile *rp, GError **errp);

/* Destination side ---------------------------------------------------- */

/* Send a return-path message with a be32 payload (SHUT or PONG). */
int savevm_rp_send(QIOChannel *ioc, uint16_t type, uint32_t value,
                   GError **errp);

typedef struct RAMLoadState RAMLoadState;

typedef struct SaveVMLoadState {
    MachineState *ms;
    QEMUFile *f;            /* input on the main channel */
    QIOChannel *rp_ioc;     /* main channel, for return-path replies */
    RAMLoadState *ram;

    /* Outputs. */
    bool rp_open;           /* the source opened the return path */
    bool has_global_state;
    RunState global_state;
    bool has_timer;
    int64_t cpu_ticks_offset;
    int64_t cpu_clock_offset;
    char *warning;          /* last non-fatal remark QEMU would print */

    /* Per handler (timer, block, ram, dirty-bitmap, globalstate). */
    uint32_t load_section_id[5];
    uint32_t load_version_id[5];
} SaveVMLoadState;

/**
 * savevm_load:
 *
 * Reads the whole main stream: header, configuration, sections up to EOF,
 * and the vmdesc after it (whose absence is only a warning).  Returns 0,
 * or -1 with @errp set to QEMU 7.2's message for the first problem.
 */
int savevm_load(SaveVMLoadState *s, GError **errp);
void savevm_load_state_clear(SaveVMLoadState *s);

/* Run state by QAPI name, -1 if unknown. */
int savevm_runstate_parse(const char *name);

#endif /* MIGRATION_SAVEVM_H */

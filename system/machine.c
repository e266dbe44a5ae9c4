/*
 * MachineState life cycle and RAM set-up from the command line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <gio/gio.h>
#include <string.h>

#include "system/cli.h"
#include "system/machine.h"

/* The none machine's default_ram_id in QEMU 7.2 (hw/core/null-machine.c). */
#define MACHINE_NONE_DEFAULT_RAM_ID "ram"

MachineState *machine_new(void)
{
    MachineState *ms = g_new0(MachineState, 1);

    ms->ctx = g_main_context_ref_thread_default();
    ms->loop = g_main_loop_new(ms->ctx, FALSE);
    ms->machine_type = g_strdup("none");
    ms->ram_blocks = g_ptr_array_new_with_free_func(
        (GDestroyNotify)ram_block_free);
    g_mutex_init(&ms->lock);
    ms->runstate = RUN_STATE_RUNNING;
    return ms;
}

void machine_free(MachineState *ms)
{
    if (!ms) {
        return;
    }
    g_ptr_array_unref(ms->ram_blocks);
    g_main_loop_unref(ms->loop);
    g_main_context_unref(ms->ctx);
    g_mutex_clear(&ms->lock);
    g_free(ms->name);
    g_free(ms->machine_type);
    g_free(ms->incoming_uri);
    g_list_free(ms->monitors);
    g_free(ms);
}

bool machine_create_ram(MachineState *ms, const CliOptions *o,
                        GError **errp)
{
    const CliMemBackend *main_be = NULL;
    guint i;

    if (o->memory_backend) {
        for (i = 0; i < o->backends->len; i++) {
            const CliMemBackend *b = g_ptr_array_index(o->backends, i);

            if (!strcmp(b->id, o->memory_backend)) {
                main_be = b;
            }
        }
        if (!main_be) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        "Memory backend '%s' not found", o->memory_backend);
            return false;
        }
        if (o->has_ram_size && o->ram_size != main_be->size) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "Machine memory size does not match the size of the "
                        "memory backend");
            return false;
        }
        ms->ram_size = main_be->size;
    } else if (o->has_ram_size && o->ram_size) {
        RAMBlock *rb;

        rb = ram_block_new(MACHINE_NONE_DEFAULT_RAM_ID, o->ram_size,
                           RAM_BACKEND_RAM, NULL, false, false, errp);
        if (!rb) {
            return false;
        }
        g_ptr_array_add(ms->ram_blocks, rb);
        ms->ram_size = o->ram_size;
    }

    for (i = 0; i < o->backends->len; i++) {
        const CliMemBackend *b = g_ptr_array_index(o->backends, i);
        RAMBlock *rb;

        rb = ram_block_new(b->id, b->size, b->backend, b->mem_path,
                           b->share, b->prealloc, errp);
        if (!rb) {
            return false;
        }
        g_ptr_array_add(ms->ram_blocks, rb);
    }
    return true;
}

/*
 * libFuzzer harness: the multifd receive path (initial packet, packet
 * headers, page data) on one channel.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The input is what a source writes on a multifd channel: the initial
 * packet, then packets with their pages.  The harness plays the main
 * stream's part by calling multifd_recv_sync() until it fails (the
 * channel's data always ends), so each SYNC packet ends one round.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "io/channel-buffer.h"
#include "migration/multifd.h"
#include "../unit/migration-test-util.h"

#define FUZZ_PAGES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t uuid[16];
    MachineState *ms = mt_machine_new(FUZZ_PAGES);
    QIOChannel *ioc = (QIOChannel *)qio_channel_buffer_new_data(data, size);
    QIOChannel *main_ioc = (QIOChannel *)qio_channel_buffer_new(16);
    MigrationCounters c = { 0 };
    MultiFDRecvState *s;
    GError *err = NULL;
    uint8_t id;

    if (multifd_recv_initial_packet(ioc, uuid, 1, &id, &err) == 0) {
        g_assert_cmpuint(id, ==, 0);
        s = multifd_recv_setup(&ioc, 1, main_ioc, ms->ram_blocks, true, &c,
                               &err);
        g_assert_nonnull(s);
        /* Each round needs one packet of the finite input. */
        while (multifd_recv_sync(s, &err) == 0) {
        }
        multifd_recv_cleanup(s);
    }
    g_assert_true(err && err->message[0]);
    g_assert_true(mt_guards_intact(ms));
    g_clear_error(&err);
    qio_channel_unref(main_ioc);
    qio_channel_unref(ioc);
    mt_machine_free(ms);
    return 0;
}

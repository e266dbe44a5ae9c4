/*
 * libFuzzer harness: the QMP JSON streamer (monitor/json-stream.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The input is fed in chunks whose sizes come from the input's first
 * byte, so that token and message boundaries fall anywhere; every
 * emitted value is serialised again to walk the whole tree and then
 * dispatched, like the monitor does, on a small command table (the real
 * commands would act on a machine) to exercise the QMP envelope checks.
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "monitor/json-stream.h"
#include "qapi/qmp-dispatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzState {
    unsigned int values;
    unsigned int errors;
    bool negotiated;
    bool allow_oob;
} FuzzState;

/* Returns its arguments, so that any argument object gets copied. */
static void fuzz_echo(MachineState *ms, JsonNode *args, JsonNode **ret,
                      GError **errp)
{
    *ret = json_node_copy(args);
}

static void fuzz_fail(MachineState *ms, JsonNode *args, JsonNode **ret,
                      GError **errp)
{
    g_set_error_literal(errp, G_IO_ERROR, G_IO_ERROR_FAILED, "failed");
}

static const QmpCommand fuzz_cmds[] = {
    { "echo", fuzz_echo, 0 },
    { "fail", fuzz_fail, QMP_CMD_ALLOW_OOB },
    { NULL },
};

static void fuzz_emit(void *opaque, JsonNode *value, const GError *err)
{
    FuzzState *st = opaque;

    /* Exactly one of value / err. */
    g_assert_true((value == NULL) != (err == NULL));
    if (value) {
        g_autofree char *text = json_to_string(value, FALSE);
        g_autofree char *rsp_text = NULL;
        JsonNode *rsp;

        g_assert_nonnull(text);
        rsp = qmp_dispatch_cmds(fuzz_cmds, NULL, value, &st->negotiated,
                                st->allow_oob);
        g_assert_true(rsp && JSON_NODE_HOLDS_OBJECT(rsp));
        rsp_text = json_to_string(rsp, FALSE);
        json_node_unref(rsp);
        json_node_unref(value);
        st->values++;
    } else {
        g_assert_true(err->message[0]);
        st->errors++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzState st = { 0 };
    JsonStream *js;
    size_t chunk, off;

    if (size == 0) {
        return 0;
    }
    /* Bits 6-7 of the first byte: the session state, 0-5: chunk size. */
    st.negotiated = data[0] & 0x80;
    st.allow_oob = data[0] & 0x40;
    chunk = (data[0] & 0x3f) ? (data[0] & 0x3f) : size;
    data++;
    size--;
    js = json_stream_new(fuzz_emit, &st);
    for (off = 0; off < size; off += chunk) {
        json_stream_feed(js, (const char *)data + off, MIN(chunk, size - off));
    }
    json_stream_flush(js);
    /* flush must finish or discard the pending message */
    g_assert_false(json_stream_in_message(js));
    json_stream_free(js);
    return 0;
}

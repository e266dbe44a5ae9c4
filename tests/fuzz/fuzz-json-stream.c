/*
 * libFuzzer harness: the QMP JSON streamer (monitor/json-stream.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The input is fed in chunks whose sizes come from the input's first
 * byte, so that token and message boundaries fall anywhere; every
 * emitted value is serialised again to walk the whole tree.
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "monitor/json-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzState {
    unsigned int values;
    unsigned int errors;
} FuzzState;

static void fuzz_emit(void *opaque, JsonNode *value, const GError *err)
{
    FuzzState *st = opaque;

    /* Exactly one of value / err. */
    if ((value == NULL) == (err == NULL)) {
        abort();
    }
    if (value) {
        g_autofree char *text = json_to_string(value, FALSE);

        if (!text) {
            abort();
        }
        json_node_unref(value);
        st->values++;
    } else {
        if (!err->message[0]) {
            abort();
        }
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
    chunk = data[0] ? data[0] : size;
    data++;
    size--;
    js = json_stream_new(fuzz_emit, &st);
    for (off = 0; off < size; off += chunk) {
        json_stream_feed(js, (const char *)data + off, MIN(chunk, size - off));
    }
    json_stream_flush(js);
    if (json_stream_in_message(js)) {
        abort();    /* flush must finish or discard the pending message */
    }
    json_stream_free(js);
    return 0;
}

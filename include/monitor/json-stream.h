/*
 * JSON message streamer for QMP: splits a byte stream into top-level JSON
 * values and parses each into a json-glib node, with QEMU 7.2's lexical
 * rules, limits and error texts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * QEMU's lexer and parser differ from strict JSON (json-glib) in ways a
 * QMP client can observe: single-quoted strings and \' are accepted,
 * bytes 0xFE/0xFF and control characters resynchronise the stream after
 * an error, and every error has a specific text ("JSON parse error,
 * expecting value", "JSON parse error, stray '@'", "JSON nesting depth
 * limit exceeded", ...).  So this file tokenises the stream itself,
 * tracks brace/bracket depth to find where each message ends, and builds
 * the JsonNode tree from the tokens.
 *
 * Limits (as QEMU): 64 MiB of token text and 2 Mi tokens per message,
 * nesting depth 1024.  Exceeding one discards the message with an error.
 */
#ifndef MONITOR_JSON_STREAM_H
#define MONITOR_JSON_STREAM_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>

#define JSON_STREAM_MAX_TOKEN_SIZE (64ULL << 20)
#define JSON_STREAM_MAX_TOKEN_COUNT (2ULL << 20)
#define JSON_STREAM_MAX_NESTING (1 << 10)

/**
 * JsonStreamEmit:
 * @opaque: the user pointer given to json_stream_new()
 * @value: (transfer full) (nullable): a parsed top-level value
 * @err: (nullable): borrowed; set instead of @value on an error
 *
 * Called once per message or error, from inside json_stream_feed() /
 * json_stream_flush().  The callback must not free the stream.
 */
typedef void (*JsonStreamEmit)(void *opaque, JsonNode *value,
                               const GError *err);

typedef struct JsonStream JsonStream;

JsonStream *json_stream_new(JsonStreamEmit emit, void *opaque);
/* Feed @len bytes (any content, including NULs). */
void json_stream_feed(JsonStream *js, const char *buf, size_t len);
/* End of input: finish a pending token and message. */
void json_stream_flush(JsonStream *js);
/*
 * True while part of a message has been fed (a token or an unfinished
 * top-level value), false between messages.
 */
bool json_stream_in_message(JsonStream *js);
/* Accepts NULL. */
void json_stream_free(JsonStream *js);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonStream, json_stream_free)

#endif /* MONITOR_JSON_STREAM_H */

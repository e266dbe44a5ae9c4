/*
 * Unit tests for the QMP JSON streamer (monitor/json-stream.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <stdbool.h>
#include <string.h>

#include "monitor/json-stream.h"

/* Each emitted message as text: the compact JSON, or "E:<message>". */
static void collect(void *opaque, JsonNode *value, const GError *err)
{
    GPtrArray *out = opaque;

    if (err) {
        g_ptr_array_add(out, g_strdup_printf("E:%s", err->message));
    } else {
        g_ptr_array_add(out, json_to_string(value, FALSE));
        json_node_unref(value);
    }
}

/* Feed @input in pieces of @chunk bytes (0: all at once). */
static GPtrArray *run(const char *input, size_t len, size_t chunk,
                      bool flush)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(JsonStream) js = json_stream_new(collect, out);
    size_t off;

    if (!chunk) {
        chunk = len ? len : 1;
    }
    for (off = 0; off < len; off += chunk) {
        json_stream_feed(js, input + off, MIN(chunk, len - off));
    }
    if (flush) {
        json_stream_flush(js);
    }
    return out;
}

static void check(const char *input, const char *const *expect)
{
    size_t chunks[] = { 0, 1, 3, 7 };
    size_t c, i;

    for (c = 0; c < G_N_ELEMENTS(chunks); c++) {
        g_autoptr(GPtrArray) out = run(input, strlen(input), chunks[c],
                                       false);

        for (i = 0; expect[i]; i++) {
            g_assert_cmpuint(i, <, out->len);
            g_assert_cmpstr(g_ptr_array_index(out, i), ==, expect[i]);
        }
        g_assert_cmpuint(out->len, ==, i);
    }
}

static void test_messages(void)
{
    const char *const e1[] = { "{\"a\":1}", "[true,false,null]", "\"s\"",
                               NULL };
    const char *const e2[] = { "{\"execute\":\"x\",\"id\":\"it's\"}", NULL };
    const char *const e3[] = { "{\"n\":-1500.0,\"z\":0}", NULL };
    const char *const e4[] = { "{\"u\":\"\xc3\xa9\xf0\x9f\x98\x80\"}", NULL };

    check("{\"a\": 1}\r\n[true, false, null] \"s\" ", e1);
    check("{'execute': 'x', 'id': 'it\\'s'}", e2);
    check("{\"n\": -1.5e3, \"z\": 0}", e3);
    check("{\"u\": \"\\u00E9\\uD83D\\uDE00\"}", e4);
}

static void test_numbers(void)
{
    const char *in = "[9223372036854775807, 18446744073709551615, "
                     "-9223372036854775809]";
    g_autoptr(GPtrArray) out = run(in, strlen(in), 0, false);
    g_autoptr(JsonParser) p = json_parser_new();
    JsonArray *a;

    g_assert_cmpuint(out->len, ==, 1);
    g_assert_true(json_parser_load_from_data(p, g_ptr_array_index(out, 0),
                                             -1, NULL));
    a = json_node_get_array(json_parser_get_root(p));
    g_assert_cmpint(json_array_get_int_element(a, 0), ==, G_MAXINT64);
    /* uint64 keeps its bits (see qapi/json-util.h) */
    g_assert_cmpuint((guint64)json_array_get_int_element(a, 1), ==,
                     G_MAXUINT64);
    g_assert_cmpfloat(json_array_get_double_element(a, 2), <, -9.2e18);
}

static void test_errors(void)
{
    const char *const e1[] = { "E:JSON parse error, stray '@'",
                               "E:JSON parse error, expecting value",
                               "{\"ok\":true}", NULL };
    const char *const e2[] = { "E:JSON parse error, stray '\xef\xbf\xbd'",
                               "{\"b\":2}", NULL };
    const char *const e3[] = { "E:JSON parse error, expecting value",
                               "E:JSON parse error, expecting value", NULL };
    const char *const e4[] = { "E:JSON parse error, stray '\"a\n'",
                               NULL };

    /* a stray byte inside an object: error, then the '}' on its own */
    check("{\"a\": @}{\"ok\": true}", e1);
    /* 0xFF discards an unterminated message */
    check("{\"a\": [1, \xff{\"b\": 2}", e2);
    check("]}", e3);
    /* a control character inside a string; the rest up to a structural
     * character is skipped */
    check("\"a\n\"", e4);
}

static void test_flush(void)
{
    const char *in = "{\"a\": 1";
    g_autoptr(GPtrArray) out = run(in, strlen(in), 0, true);
    const char *in2 = "123";
    g_autoptr(GPtrArray) out2 = run(in2, strlen(in2), 0, false);
    g_autoptr(GPtrArray) out3 = run(in2, strlen(in2), 0, true);

    g_assert_cmpuint(out->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(out, 0), ==,
                    "E:JSON parse error, premature EOI");
    /* a number ends only at the next character or at EOF */
    g_assert_cmpuint(out2->len, ==, 0);
    g_assert_cmpuint(out3->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(out3, 0), ==, "123");
}

static void test_nesting(void)
{
    g_autofree char *deep = g_strnfill(JSON_STREAM_MAX_NESTING + 1, '[');
    g_autoptr(GPtrArray) out = run(deep, strlen(deep), 0, false);

    g_assert_cmpuint(out->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(out, 0), ==,
                    "E:JSON nesting depth limit exceeded");
}

static void test_nul_bytes(void)
{
    static const char in[] = "{\"a\"\0: 1}";
    g_autoptr(GPtrArray) out = run(in, sizeof(in) - 1, 0, false);

    /* NUL is a control character: resynchronise like QEMU. */
    g_assert_cmpuint(out->len, >=, 1);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(out, 0), "E:"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor/json-stream/messages", test_messages);
    g_test_add_func("/monitor/json-stream/numbers", test_numbers);
    g_test_add_func("/monitor/json-stream/errors", test_errors);
    g_test_add_func("/monitor/json-stream/flush", test_flush);
    g_test_add_func("/monitor/json-stream/nesting", test_nesting);
    g_test_add_func("/monitor/json-stream/nul-bytes", test_nul_bytes);
    return g_test_run();
}

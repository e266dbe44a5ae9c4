/*
 * JSON message streamer for QMP (see include/monitor/json-stream.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdbool.h>
#include <string.h>

#include "monitor/json-stream.h"

typedef enum TokType {
    TOK_LCURLY,
    TOK_RCURLY,
    TOK_LSQUARE,
    TOK_RSQUARE,
    TOK_COLON,
    TOK_COMMA,
    TOK_INTEGER,
    TOK_FLOAT,
    TOK_KEYWORD,
    TOK_STRING,
} TokType;

typedef enum LexState {
    LX_START,
    LX_RECOVERY,
    LX_DQ,
    LX_DQ_ESC,
    LX_SQ,
    LX_SQ_ESC,
    LX_ZERO,
    LX_DIGITS,
    LX_SIGN,
    LX_MANT,
    LX_MANT_DIGITS,
    LX_EXP_E,
    LX_EXP_SIGN,
    LX_EXP_DIGITS,
    LX_KEYWORD,
} LexState;

typedef struct Token {
    TokType type;
    size_t off;   /* into JsonStream.text */
    size_t len;
} Token;

struct JsonStream {
    JsonStreamEmit emit;
    void *opaque;
    LexState state;
    GString *cur;        /* text of the token being lexed */
    GString *text;       /* texts of the tokens of the current message */
    GArray *tokens;      /* Token */
    long brace;
    long bracket;
};

typedef struct Parser {
    JsonStream *js;
    guint pos;
    GError *err;
} Parser;

static void js_reset_message(JsonStream *js)
{
    js->brace = 0;
    js->bracket = 0;
    g_string_truncate(js->text, 0);
    g_array_set_size(js->tokens, 0);
}

static void js_emit_error(JsonStream *js, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void js_emit_error(JsonStream *js, const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *msg = NULL;
    g_autofree char *valid = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* The text quotes raw input; keep the reply valid UTF-8. */
    valid = g_utf8_make_valid(msg, -1);
    err = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_INVALID_DATA, valid);
    js_reset_message(js);
    js->emit(js->opaque, NULL, err);
}

/* ---- parser: tokens of one message -> JsonNode ---- */

static const Token *p_peek(Parser *p)
{
    if (p->pos >= p->js->tokens->len) {
        return NULL;
    }
    return &g_array_index(p->js->tokens, Token, p->pos);
}

static const Token *p_pop(Parser *p)
{
    const Token *t = p_peek(p);

    if (t) {
        p->pos++;
    }
    return t;
}

static const char *p_text(Parser *p, const Token *t)
{
    return p->js->text->str + t->off;
}

static void p_error(Parser *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void p_error(Parser *p, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    /* Only the first error counts, as in QEMU. */
    if (p->err) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    p->err = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "JSON parse error, %s", msg);
}

static JsonNode *p_value(Parser *p);

static int hex4(const char *s, const char *end)
{
    int v = 0, i;

    for (i = 0; i < 4; i++) {
        if (s + i >= end || !g_ascii_isxdigit(s[i])) {
            return -1;
        }
        v = (v << 4) | g_ascii_xdigit_value(s[i]);
    }
    return v;
}

static bool valid_codepoint(long cp)
{
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;
    }
    /* Noncharacters. */
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
        return false;
    }
    return true;
}

static JsonNode *p_string(Parser *p, const Token *t)
{
    const char *s = p_text(p, t);
    const char *end = s + t->len - 1;   /* the closing quote */
    const char *ptr = s + 1;
    g_autoptr(GString) out = g_string_sized_new(t->len);
    JsonNode *node;

    while (ptr < end) {
        if (*ptr == '\\') {
            const char *beg = ptr++;
            long cp;

            switch (*ptr++) {
            case '"': g_string_append_c(out, '"'); break;
            case '\'': g_string_append_c(out, '\''); break;
            case '\\': g_string_append_c(out, '\\'); break;
            case '/': g_string_append_c(out, '/'); break;
            case 'b': g_string_append_c(out, '\b'); break;
            case 'f': g_string_append_c(out, '\f'); break;
            case 'n': g_string_append_c(out, '\n'); break;
            case 'r': g_string_append_c(out, '\r'); break;
            case 't': g_string_append_c(out, '\t'); break;
            case 'u':
                cp = hex4(ptr, end);
                ptr = MIN(ptr + 4, end);
                if (cp >= 0xD800 && cp <= 0xDBFF && end - ptr >= 2 &&
                    ptr[0] == '\\' && ptr[1] == 'u') {
                    int trail = hex4(ptr + 2, end);

                    if (trail >= 0xDC00 && trail <= 0xDFFF) {
                        cp = 0x10000 + ((cp & 0x3FF) << 10) + (trail & 0x3FF);
                        ptr += 6;
                    } else {
                        cp = -1;
                    }
                }
                /* U+0000 cannot live in a C string; refuse it. */
                if (cp == 0 || !valid_codepoint(cp)) {
                    p_error(p, "%.*s is not a valid Unicode character",
                            (int)(ptr - beg), beg);
                    return NULL;
                }
                g_string_append_unichar(out, (gunichar)cp);
                break;
            default:
                p_error(p, "invalid escape sequence in string");
                return NULL;
            }
        } else {
            gunichar c = g_utf8_get_char_validated(ptr, end - ptr);

            if (c == (gunichar)-1 || c == (gunichar)-2 ||
                !valid_codepoint(c)) {
                p_error(p, "invalid UTF-8 sequence in string");
                return NULL;
            }
            g_string_append_unichar(out, c);
            ptr = g_utf8_next_char(ptr);
        }
    }
    node = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(node, out->str);
    return node;
}

static JsonNode *p_number(Parser *p, const Token *t)
{
    g_autofree char *s = g_strndup(p_text(p, t), t->len);
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    if (t->type == TOK_INTEGER) {
        char *endp;
        gint64 v;
        guint64 u;

        errno = 0;
        v = g_ascii_strtoll(s, &endp, 10);
        if (!errno && !*endp) {
            json_node_set_int(node, v);
            return node;
        }
        if (s[0] != '-') {
            errno = 0;
            u = g_ascii_strtoull(s, &endp, 10);
            if (!errno && !*endp) {
                /* json-glib has no uint64: keep the bits (see json-util.h) */
                json_node_set_int(node, (gint64)u);
                return node;
            }
        }
    }
    json_node_set_double(node, g_ascii_strtod(s, NULL));
    return node;
}

static JsonNode *p_keyword(Parser *p)
{
    const Token *t = p_pop(p);
    g_autofree char *s = g_strndup(p_text(p, t), t->len);
    JsonNode *node;

    if (!strcmp(s, "true") || !strcmp(s, "false")) {
        node = json_node_new(JSON_NODE_VALUE);
        json_node_set_boolean(node, s[0] == 't');
        return node;
    }
    if (!strcmp(s, "null")) {
        return json_node_new(JSON_NODE_NULL);
    }
    p_error(p, "invalid keyword '%s'", s);
    return NULL;
}

static bool p_pair(Parser *p, JsonObject *obj)
{
    const Token *peek = p_peek(p), *t;
    g_autoptr(JsonNode) key = NULL;
    JsonNode *val;
    const char *k;

    if (!peek) {
        p_error(p, "premature EOI");
        return false;
    }
    key = p_value(p);
    if (!key || !JSON_NODE_HOLDS_VALUE(key) ||
        json_node_get_value_type(key) != G_TYPE_STRING) {
        p_error(p, "key is not a string in object");
        return false;
    }
    t = p_pop(p);
    if (!t) {
        p_error(p, "premature EOI");
        return false;
    }
    if (t->type != TOK_COLON) {
        p_error(p, "missing : in object pair");
        return false;
    }
    val = p_value(p);
    if (!val) {
        p_error(p, "Missing value in dict");
        return false;
    }
    k = json_node_get_string(key);
    if (json_object_has_member(obj, k)) {
        json_node_unref(val);
        p_error(p, "duplicate key");
        return false;
    }
    json_object_set_member(obj, k, val);
    return true;
}

static JsonNode *p_object(Parser *p)
{
    g_autoptr(JsonObject) obj = json_object_new();
    const Token *t;
    JsonNode *node;

    p_pop(p);    /* { */
    t = p_peek(p);
    if (!t) {
        p_error(p, "premature EOI");
        return NULL;
    }
    if (t->type == TOK_RCURLY) {
        p_pop(p);
    } else {
        if (!p_pair(p, obj)) {
            return NULL;
        }
        for (;;) {
            t = p_pop(p);
            if (!t) {
                p_error(p, "premature EOI");
                return NULL;
            }
            if (t->type == TOK_RCURLY) {
                break;
            }
            if (t->type != TOK_COMMA) {
                p_error(p, "expected separator in dict");
                return NULL;
            }
            if (!p_pair(p, obj)) {
                return NULL;
            }
        }
    }
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(node, obj);
    return node;
}

static JsonNode *p_array(Parser *p)
{
    g_autoptr(JsonArray) arr = json_array_new();
    const Token *t;
    JsonNode *node;

    p_pop(p);    /* [ */
    t = p_peek(p);
    if (!t) {
        p_error(p, "premature EOI");
        return NULL;
    }
    if (t->type == TOK_RSQUARE) {
        p_pop(p);
    } else {
        node = p_value(p);
        if (!node) {
            p_error(p, "expecting value");
            return NULL;
        }
        json_array_add_element(arr, node);
        for (;;) {
            t = p_pop(p);
            if (!t) {
                p_error(p, "premature EOI");
                return NULL;
            }
            if (t->type == TOK_RSQUARE) {
                break;
            }
            if (t->type != TOK_COMMA) {
                p_error(p, "expected separator in list");
                return NULL;
            }
            node = p_value(p);
            if (!node) {
                p_error(p, "expecting value");
                return NULL;
            }
            json_array_add_element(arr, node);
        }
    }
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_set_array(node, arr);
    return node;
}

static JsonNode *p_value(Parser *p)
{
    const Token *t = p_peek(p);

    if (!t) {
        p_error(p, "premature EOI");
        return NULL;
    }
    switch (t->type) {
    case TOK_LCURLY:
        return p_object(p);
    case TOK_LSQUARE:
        return p_array(p);
    case TOK_STRING:
        return p_string(p, p_pop(p));
    case TOK_INTEGER:
    case TOK_FLOAT:
        return p_number(p, p_pop(p));
    case TOK_KEYWORD:
        return p_keyword(p);
    default:
        p_error(p, "expecting value");
        return NULL;
    }
}

static void js_parse_message(JsonStream *js)
{
    Parser p = { .js = js };
    JsonNode *node = p_value(&p);

    if (p.err) {
        g_clear_pointer(&node, json_node_unref);
    }
    js_reset_message(js);
    if (p.err) {
        js->emit(js->opaque, NULL, p.err);
        g_error_free(p.err);
    } else {
        js->emit(js->opaque, node, NULL);
    }
}

/* ---- streamer: one token in ---- */

static void js_token(JsonStream *js, TokType type)
{
    Token t = { .type = type, .off = js->text->len, .len = js->cur->len };

    switch (type) {
    case TOK_LCURLY: js->brace++; break;
    case TOK_RCURLY: js->brace--; break;
    case TOK_LSQUARE: js->bracket++; break;
    case TOK_RSQUARE: js->bracket--; break;
    default: break;
    }
    if (js->text->len + js->cur->len + 1 > JSON_STREAM_MAX_TOKEN_SIZE) {
        js_emit_error(js, "JSON token size limit exceeded");
        return;
    }
    if (js->tokens->len + 1 > JSON_STREAM_MAX_TOKEN_COUNT) {
        js_emit_error(js, "JSON token count limit exceeded");
        return;
    }
    if (js->brace + js->bracket > JSON_STREAM_MAX_NESTING) {
        js_emit_error(js, "JSON nesting depth limit exceeded");
        return;
    }
    g_string_append_len(js->text, js->cur->str, js->cur->len);
    g_string_append_c(js->text, '\0');
    g_array_append_val(js->tokens, t);

    if ((js->brace > 0 || js->bracket > 0) &&
        js->brace >= 0 && js->bracket >= 0) {
        return;    /* the message continues */
    }
    js_parse_message(js);
}

/* ---- lexer ---- */

static bool is_structural(guchar c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' ||
           c == ',';
}

static void lx_finish(JsonStream *js, TokType type)
{
    js_token(js, type);
    g_string_truncate(js->cur, 0);
    js->state = LX_START;
}

static void lx_error(JsonStream *js)
{
    g_autofree char *stray = g_strndup(js->cur->str, js->cur->len);

    js_emit_error(js, "JSON parse error, stray '%s'", stray);
    g_string_truncate(js->cur, 0);
    js->state = LX_RECOVERY;
}

/* Returns false when @c must be looked at again in the new state. */
static bool lx_char(JsonStream *js, guchar c)
{
    bool digit = c >= '0' && c <= '9';

    switch (js->state) {
    case LX_START:
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            return true;
        }
        g_string_append_c(js->cur, c);
        switch (c) {
        case '"': js->state = LX_DQ; return true;
        case '\'': js->state = LX_SQ; return true;
        case '0': js->state = LX_ZERO; return true;
        case '-': js->state = LX_SIGN; return true;
        case '{': lx_finish(js, TOK_LCURLY); return true;
        case '}': lx_finish(js, TOK_RCURLY); return true;
        case '[': lx_finish(js, TOK_LSQUARE); return true;
        case ']': lx_finish(js, TOK_RSQUARE); return true;
        case ':': lx_finish(js, TOK_COLON); return true;
        case ',': lx_finish(js, TOK_COMMA); return true;
        default:
            break;
        }
        if (digit) {
            js->state = LX_DIGITS;
        } else if (c >= 'a' && c <= 'z') {
            js->state = LX_KEYWORD;
        } else {
            lx_error(js);
        }
        return true;
    case LX_RECOVERY:
        /* Resynchronise on structure, control characters and 0xFE/0xFF. */
        if ((c < 0x20 && c != '\t') || c >= 0xFE || is_structural(c)) {
            js->state = LX_START;
            return false;
        }
        return true;
    case LX_DQ:
    case LX_SQ:
        g_string_append_c(js->cur, c);
        if (c < 0x20 || c >= 0xFE) {
            lx_error(js);
        } else if (c == '\\') {
            js->state = js->state == LX_DQ ? LX_DQ_ESC : LX_SQ_ESC;
        } else if (c == (js->state == LX_DQ ? '"' : '\'')) {
            lx_finish(js, TOK_STRING);
        }
        return true;
    case LX_DQ_ESC:
    case LX_SQ_ESC:
        g_string_append_c(js->cur, c);
        if (c < 0x20 || c >= 0xFE) {
            lx_error(js);
        } else {
            js->state = js->state == LX_DQ_ESC ? LX_DQ : LX_SQ;
        }
        return true;
    case LX_ZERO:
        if (digit) {
            g_string_append_c(js->cur, c);
            lx_error(js);
            return true;
        }
        if (c == '.') {
            g_string_append_c(js->cur, c);
            js->state = LX_MANT;
            return true;
        }
        lx_finish(js, TOK_INTEGER);
        return false;
    case LX_DIGITS:
        if (digit || c == 'e' || c == 'E' || c == '.') {
            g_string_append_c(js->cur, c);
            if (!digit) {
                js->state = c == '.' ? LX_MANT : LX_EXP_E;
            }
            return true;
        }
        lx_finish(js, TOK_INTEGER);
        return false;
    case LX_SIGN:
        g_string_append_c(js->cur, c);
        if (c == '0') {
            js->state = LX_ZERO;
        } else if (digit) {
            js->state = LX_DIGITS;
        } else {
            lx_error(js);
        }
        return true;
    case LX_MANT:
        g_string_append_c(js->cur, c);
        if (digit) {
            js->state = LX_MANT_DIGITS;
        } else {
            lx_error(js);
        }
        return true;
    case LX_MANT_DIGITS:
        if (digit || c == 'e' || c == 'E') {
            g_string_append_c(js->cur, c);
            if (!digit) {
                js->state = LX_EXP_E;
            }
            return true;
        }
        lx_finish(js, TOK_FLOAT);
        return false;
    case LX_EXP_E:
        g_string_append_c(js->cur, c);
        if (c == '+' || c == '-') {
            js->state = LX_EXP_SIGN;
        } else if (digit) {
            js->state = LX_EXP_DIGITS;
        } else {
            lx_error(js);
        }
        return true;
    case LX_EXP_SIGN:
        g_string_append_c(js->cur, c);
        if (digit) {
            js->state = LX_EXP_DIGITS;
        } else {
            lx_error(js);
        }
        return true;
    case LX_EXP_DIGITS:
        if (digit) {
            g_string_append_c(js->cur, c);
            return true;
        }
        lx_finish(js, TOK_FLOAT);
        return false;
    case LX_KEYWORD:
        if (c >= 'a' && c <= 'z') {
            g_string_append_c(js->cur, c);
            return true;
        }
        lx_finish(js, TOK_KEYWORD);
        return false;
    }
    g_assert_not_reached();
}

void json_stream_feed(JsonStream *js, const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        while (!lx_char(js, (guchar)buf[i])) {
            /* re-examine the same byte in the new state */
        }
        if (js->cur->len > JSON_STREAM_MAX_TOKEN_SIZE) {
            js_emit_error(js, "JSON token size limit exceeded");
            g_string_truncate(js->cur, 0);
            js->state = LX_RECOVERY;
        }
    }
}

void json_stream_flush(JsonStream *js)
{
    switch (js->state) {
    case LX_ZERO:
    case LX_DIGITS:
        lx_finish(js, TOK_INTEGER);
        break;
    case LX_MANT_DIGITS:
    case LX_EXP_DIGITS:
        lx_finish(js, TOK_FLOAT);
        break;
    case LX_KEYWORD:
        lx_finish(js, TOK_KEYWORD);
        break;
    case LX_START:
    case LX_RECOVERY:
        break;
    default:
        lx_error(js);
        break;
    }
    js->state = LX_START;
    g_string_truncate(js->cur, 0);
    if (js->tokens->len) {
        js_parse_message(js);
    }
}

bool json_stream_in_message(JsonStream *js)
{
    return js->cur->len > 0 || js->tokens->len > 0;
}

JsonStream *json_stream_new(JsonStreamEmit emit, void *opaque)
{
    JsonStream *js = g_new0(JsonStream, 1);

    js->emit = emit;
    js->opaque = opaque;
    js->state = LX_START;
    js->cur = g_string_new(NULL);
    js->text = g_string_new(NULL);
    js->tokens = g_array_new(FALSE, FALSE, sizeof(Token));
    return js;
}

void json_stream_free(JsonStream *js)
{
    if (!js) {
        return;
    }
    g_string_free(js->cur, TRUE);
    g_string_free(js->text, TRUE);
    g_array_unref(js->tokens);
    g_free(js);
}

# SPDX-License-Identifier: GPL-2.0-or-later
"""qapi-json.h / qapi-json.c: conversion between QAPI C types and
json-glib nodes.

Public, per type Foo (struct, union, alternate, or list FooList):
    bool qapi_from_json_Foo(JsonNode *node, const char *name, Foo **obj,
                            GError **errp);
    JsonNode *qapi_to_json_Foo(const Foo *obj);
per enum Foo:
    bool qapi_from_json_Foo(JsonNode *node, const char *name, Foo *obj,
                            GError **errp);
    JsonNode *qapi_to_json_Foo(Foo val);
Internal (used by generated commands/events):
    qapi_json_in_Foo(node, path, obj, errp), qapi_json_in_members_Foo(),
    qapi_json_out_members_Foo(), qapi_json_names_Foo[].
"""

from .schema import Builtin, Enum, Array, Struct, Union, Alternate, c_name
from .common import file_header, guard, indent, qtype_of

_INT_RANGE = {
    'int': ('INT64_MIN', 'INT64_MAX', 'int64_t'),
    'int64': ('INT64_MIN', 'INT64_MAX', 'int64_t'),
    'int8': ('INT8_MIN', 'INT8_MAX', 'int8_t'),
    'int16': ('INT16_MIN', 'INT16_MAX', 'int16_t'),
    'int32': ('INT32_MIN', 'INT32_MAX', 'int32_t'),
}
_UINT_RANGE = {
    'uint8': ('UINT8_MAX', 'uint8_t'),
    'uint16': ('UINT16_MAX', 'uint16_t'),
    'uint32': ('UINT32_MAX', 'uint32_t'),
    'uint64': ('UINT64_MAX', 'uint64_t'),
    'size': ('UINT64_MAX', 'uint64_t'),
}


def in_stmt(typ, node, path, dst, fail):
    """C statements converting JsonNode @node (may be NULL: missing) at
    QapiJsonPath *@path into lvalue @dst; run @fail on error."""
    if isinstance(typ, Builtin):
        n = typ.name
        if n in _INT_RANGE:
            lo, hi, tn = _INT_RANGE[n]
            return ('{\n    int64_t tmp_;\n\n'
                    '    if (!qapi_json_in_int(%s, %s, %s, %s, "%s", &tmp_, '
                    'errp)) {\n        %s\n    }\n    %s = tmp_;\n}'
                    % (node, path, lo, hi, tn, fail, dst))
        if n in _UINT_RANGE:
            hi, tn = _UINT_RANGE[n]
            return ('{\n    uint64_t tmp_;\n\n'
                    '    if (!qapi_json_in_uint(%s, %s, %s, "%s", &tmp_, '
                    'errp)) {\n        %s\n    }\n    %s = tmp_;\n}'
                    % (node, path, hi, tn, fail, dst))
        if n == 'null':
            return ('if (!qapi_json_in_null(%s, %s, errp)) {\n    %s\n}'
                    % (node, path, fail))
        return ('if (!qapi_json_in_%s(%s, %s, &%s, errp)) {\n    %s\n}'
                % (n, node, path, dst, fail))
    if isinstance(typ, Enum):
        return ('{\n    int tmp_;\n\n'
                '    if (!qapi_json_in_enum(%s, %s, &%s_lookup, &tmp_, '
                'errp)) {\n        %s\n    }\n    %s = tmp_;\n}'
                % (node, path, typ.c_name(), fail, dst))
    return ('if (!qapi_json_in_%s(%s, %s, &%s, errp)) {\n    %s\n}'
            % (typ.c_name(), node, path, dst, fail))


def out_expr(typ, val):
    """C expression: a new JsonNode for the C value @val of @typ."""
    if isinstance(typ, Builtin):
        n = typ.name
        if n in _INT_RANGE:
            return 'qapi_json_out_int(%s)' % val
        if n in _UINT_RANGE:
            return 'qapi_json_out_uint(%s)' % val
        if n == 'null':
            return 'qapi_json_out_null()'
        return 'qapi_json_out_%s(%s)' % (n, val)
    if isinstance(typ, Enum):
        return 'qapi_json_out_str(%s_str(%s))' % (typ.c_name(), val)
    return 'qapi_to_json_%s(%s)' % (typ.c_name(), val)


def _in_members_body(t):
    out = []
    for m in t.members:
        cm = m.c_name()
        blk = ['QapiJsonPath p_ = { path, "%s", -1 };' % m.name,
               'JsonNode *n_ = json_object_get_member(o, "%s");' % m.name,
               '']
        conv = in_stmt(m.type, 'n_', '&p_', 'obj->%s' % cm, 'return false;')
        if m.optional:
            blk.append('if (n_) {\n    obj->has_%s = true;\n%s\n}'
                       % (cm, indent(conv)))
        else:
            blk.append(conv)
        out.append('{\n' + indent('\n'.join(blk)) + '\n}')
    if isinstance(t, Union) and t.variants:
        sw = ['switch (obj->%s) {' % t.tag.c_name()]
        for case, vt in t.variants:
            sw.append('case %s:' % t.tag.type.c_const(case))
            sw.append('    if (!qapi_json_in_members_%s(o, path, &obj->u.%s,'
                      ' errp)) {\n        return false;\n    }'
                      % (vt.c_name(), c_name(case)))
            sw.append('    break;')
        sw.append('default:\n    break;\n}')
        out.append('\n'.join(sw))
    out.append('return true;')
    return out


def _out_members_body(t):
    out = []
    for m in t.members:
        cm = m.c_name()
        st = 'json_object_set_member(o, "%s", %s);' % (
            m.name, out_expr(m.type, 'obj->%s' % cm))
        if m.optional:
            st = 'if (obj->has_%s) {\n%s\n}' % (cm, indent(st))
        out.append(st)
    if isinstance(t, Union) and t.variants:
        sw = ['switch (obj->%s) {' % t.tag.c_name()]
        for case, vt in t.variants:
            sw.append('case %s:' % t.tag.type.c_const(case))
            sw.append('    qapi_json_out_members_%s(o, &obj->u.%s);'
                      % (vt.c_name(), c_name(case)))
            sw.append('    break;')
        sw.append('default:\n    break;\n}')
        out.append('\n'.join(sw))
    if not out:
        out.append('(void)o;\n(void)obj;')
    return out


def _object_funcs(t):
    cn = t.c_name()
    c = []
    c.append('const char *const qapi_json_names_%s[] = {\n' % cn)
    for m in t.members:
        c.append('    "%s",\n' % m.name)
    c.append('    NULL,\n};\n\n')
    c.append('bool qapi_json_in_members_%s(JsonObject *o, '
             'const QapiJsonPath *path,\n    %s *obj, GError **errp)\n{\n'
             % (cn, cn))
    c.append(indent('\n'.join(_in_members_body(t))) + '\n}\n\n')
    extra = 'NULL'
    c.append('bool qapi_json_in_%s(JsonNode *node, const QapiJsonPath *path,'
             '\n    %s **obj, GError **errp)\n{\n'
             '    JsonObject *o;\n    %s *val;\n'
             '    const char *const *extra = NULL;\n\n'
             '    *obj = NULL;\n'
             '    o = qapi_json_in_object(node, path, errp);\n'
             '    if (!o) {\n        return false;\n    }\n'
             '    val = g_new0(%s, 1);\n'
             '    if (!qapi_json_in_members_%s(o, path, val, errp)) {\n'
             '        qapi_free_%s(val);\n        return false;\n    }\n'
             % (cn, cn, cn, cn, cn, cn))
    if isinstance(t, Union) and t.variants:
        c.append('    switch (val->%s) {\n' % t.tag.c_name())
        for case, vt in t.variants:
            c.append('    case %s:\n        extra = qapi_json_names_%s;\n'
                     '        break;\n' % (t.tag.type.c_const(case),
                                           vt.c_name()))
        c.append('    default:\n        break;\n    }\n')
    c.append('    if (!qapi_json_check_unexpected(o, path, '
             'qapi_json_names_%s, extra,\n'
             '                                    errp)) {\n'
             '        qapi_free_%s(val);\n        return false;\n    }\n'
             '    *obj = val;\n    return true;\n}\n\n' % (cn, cn))
    del extra
    c.append('void qapi_json_out_members_%s(JsonObject *o, const %s *obj)\n'
             '{\n' % (cn, cn))
    c.append(indent('\n'.join(_out_members_body(t))) + '\n}\n\n')
    c.append('JsonNode *qapi_to_json_%s(const %s *obj)\n{\n'
             '    JsonObject *o = json_object_new();\n\n'
             '    if (obj) {\n        qapi_json_out_members_%s(o, obj);\n'
             '    }\n    return qapi_json_out_object(o);\n}\n\n'
             % (cn, cn, cn))
    return c


def _alternate_funcs(t):
    cn = t.c_name()
    c = []
    c.append('bool qapi_json_in_%s(JsonNode *node, const QapiJsonPath *path,'
             '\n    %s **obj, GError **errp)\n{\n'
             '    %s *val;\n\n    *obj = NULL;\n'
             '    if (!node) {\n'
             '        g_autofree char *full = qapi_json_path_str(path);\n\n'
             '        qapi_error_setg(errp, "Parameter \'%%s\' is missing", '
             'full);\n        return false;\n    }\n'
             '    val = g_new0(%s, 1);\n'
             '    switch (qapi_json_qtype(node)) {\n' % (cn, cn, cn, cn))
    for vname, vt in t.variants:
        qt = qtype_of(vt)
        c.append('    case %s:\n        val->type = %s;\n' % (qt, qt))
        conv = in_stmt(vt, 'node', 'path', 'val->u.%s' % c_name(vname),
                       'qapi_free_%s(val);\n    return false;' % cn)
        c.append(indent(conv, 2) + '\n        break;\n')
    c.append('    default:\n'
             '        qapi_error_setg(errp, "Invalid parameter type for '
             '\'%%s\', expected: %s",\n'
             '                        qapi_json_path_bare(path));\n'
             '        qapi_free_%s(val);\n        return false;\n    }\n'
             '    *obj = val;\n    return true;\n}\n\n' % (t.name, cn))
    c.append('JsonNode *qapi_to_json_%s(const %s *obj)\n{\n'
             '    if (!obj) {\n        return qapi_json_out_null();\n    }\n'
             '    switch (obj->type) {\n' % (cn, cn))
    for vname, vt in t.variants:
        c.append('    case %s:\n        return %s;\n'
                 % (qtype_of(vt), out_expr(vt, 'obj->u.%s' % c_name(vname))))
    c.append('    default:\n        return qapi_json_out_null();\n'
             '    }\n}\n\n')
    return c


def _list_funcs(arr):
    el = arr.element
    ln = arr.c_name()
    c = []
    c.append('bool qapi_json_in_%s(JsonNode *node, const QapiJsonPath *path,'
             '\n    %s **obj, GError **errp)\n{\n'
             '    JsonArray *a;\n    %s *head = NULL;\n    %s **tail = &head;'
             '\n    guint i, len;\n\n    *obj = NULL;\n'
             '    a = qapi_json_in_array(node, path, errp);\n'
             '    if (!a) {\n        return false;\n    }\n'
             '    len = json_array_get_length(a);\n'
             '    for (i = 0; i < len; i++) {\n'
             '        QapiJsonPath p_ = { path, NULL, (int)i };\n'
             '        JsonNode *n_ = json_array_get_element(a, i);\n'
             '        %s *elem = g_new0(%s, 1);\n\n'
             '        *tail = elem;\n        tail = &elem->next;\n'
             % (ln, ln, ln, ln, ln, ln))
    c.append(indent(in_stmt(el, 'n_', '&p_', 'elem->value',
                            'qapi_free_%s(head);\n    return false;' % ln),
                    2) + '\n')
    c.append('    }\n    *obj = head;\n    return true;\n}\n\n')
    c.append('JsonNode *qapi_to_json_%s(const %s *obj)\n{\n'
             '    JsonArray *a = json_array_new();\n'
             '    JsonNode *n = json_node_new(JSON_NODE_ARRAY);\n\n'
             '    for (; obj; obj = obj->next) {\n'
             '        json_array_add_element(a, %s);\n    }\n'
             '    json_node_take_array(n, a);\n    return n;\n}\n\n'
             % (ln, ln, out_expr(el, 'obj->value')))
    return c


def _public_funcs(cn, by_value):
    star = '' if by_value else '*'
    return ('bool qapi_from_json_%s(JsonNode *node, const char *name,\n'
            '    %s *%sobj, GError **errp)\n{\n'
            '    QapiJsonPath root = { NULL, name, -1 };\n\n'
            '    return qapi_json_in_%s(node, &root, obj, errp);\n}\n\n'
            % (cn, cn, star, cn))


def _converted(schema):
    types = [t for t in schema.user_types()]
    return types, schema.arrays()


def gen_header(schema):
    h = [file_header('qapi-json.h', 'QAPI types <-> json-glib nodes')]
    g = guard('qapi-json.h')
    h.append('#ifndef %s\n#define %s\n\n' % (g, g))
    h.append('#include "qapi/json-util.h"\n#include "qapi/qapi-types.h"\n\n')
    h.append('/*\n * Public API, for a type Foo:\n'
             ' *   bool qapi_from_json_Foo(JsonNode *node, const char *name,\n'
             ' *                           Foo **obj, GError **errp);\n'
             ' *       @node is untrusted input (NULL counts as missing);\n'
             ' *       @name is how error messages call it (NULL: anonymous,\n'
             ' *       members are then named alone, like command arguments).\n'
             ' *       On success *obj is new (free with qapi_free_Foo()).\n'
             ' *   JsonNode *qapi_to_json_Foo(const Foo *obj);   (transfer full)\n'
             ' * Enums take/return the value: Foo *obj / Foo val.\n'
             ' * The qapi_json_in_* / _members_ / _names_ symbols are for\n'
             ' * generated code only.\n */\n\n')
    types, arrays = _converted(schema)
    for t in types:
        cn = t.c_name()
        if isinstance(t, Enum):
            h.append('bool qapi_json_in_%s(JsonNode *node, '
                     'const QapiJsonPath *path,\n    %s *obj, '
                     'GError **errp);\n' % (cn, cn))
            h.append('bool qapi_from_json_%s(JsonNode *node, '
                     'const char *name,\n    %s *obj, GError **errp);\n'
                     % (cn, cn))
            h.append('JsonNode *qapi_to_json_%s(%s val);\n\n' % (cn, cn))
            continue
        if isinstance(t, (Struct, Union)):
            h.append('extern const char *const qapi_json_names_%s[];\n' % cn)
            h.append('bool qapi_json_in_members_%s(JsonObject *o, '
                     'const QapiJsonPath *path,\n    %s *obj, '
                     'GError **errp);\n' % (cn, cn))
            h.append('void qapi_json_out_members_%s(JsonObject *o, '
                     'const %s *obj);\n' % (cn, cn))
        h.append('bool qapi_json_in_%s(JsonNode *node, '
                 'const QapiJsonPath *path,\n    %s **obj, GError **errp);\n'
                 % (cn, cn))
        if not getattr(t, 'implicit', False):
            h.append('bool qapi_from_json_%s(JsonNode *node, '
                     'const char *name,\n    %s **obj, GError **errp);\n'
                     % (cn, cn))
        h.append('JsonNode *qapi_to_json_%s(const %s *obj);\n\n' % (cn, cn))
    for a in arrays:
        ln = a.c_name()
        h.append('bool qapi_json_in_%s(JsonNode *node, '
                 'const QapiJsonPath *path,\n    %s **obj, GError **errp);\n'
                 % (ln, ln))
        h.append('bool qapi_from_json_%s(JsonNode *node, const char *name,\n'
                 '    %s **obj, GError **errp);\n' % (ln, ln))
        h.append('JsonNode *qapi_to_json_%s(const %s *obj);\n\n' % (ln, ln))
    h.append('#endif /* %s */\n' % g)
    return ''.join(h)


def gen_source(schema):
    c = [file_header('qapi-json.c', 'QAPI types <-> json-glib nodes')]
    c.append('#include "qapi/qapi-json.h"\n#include "qapi/error.h"\n\n')
    types, arrays = _converted(schema)
    for t in types:
        cn = t.c_name()
        if isinstance(t, Enum):
            c.append('bool qapi_json_in_%s(JsonNode *node, '
                     'const QapiJsonPath *path,\n    %s *obj, GError **errp)'
                     '\n{\n' % (cn, cn))
            c.append(indent(in_stmt(t, 'node', 'path', '*obj',
                                    'return false;')) + '\n')
            c.append('    return true;\n}\n\n')
            c.append(_public_funcs(cn, True))
            c.append('JsonNode *qapi_to_json_%s(%s val)\n{\n    return %s;\n'
                     '}\n\n' % (cn, cn, out_expr(t, 'val')))
            continue
        if isinstance(t, (Struct, Union)):
            c.extend(_object_funcs(t))
        else:
            c.extend(_alternate_funcs(t))
        if not getattr(t, 'implicit', False):
            c.append(_public_funcs(cn, False))
    for a in arrays:
        c.extend(_list_funcs(a))
        c.append(_public_funcs(a.c_name(), False))
    return ''.join(c)

# SPDX-License-Identifier: GPL-2.0-or-later
"""qapi-types.h / qapi-types.c: C types, enum tables, free functions."""

from .schema import Builtin, Enum, Array, Struct, Union, Alternate
from .common import file_header, guard, free_stmt, indent, qtype_of

BUILTIN_LISTS = ['str', 'number', 'int', 'int8', 'int16', 'int32', 'int64',
                 'uint8', 'uint16', 'uint32', 'uint64', 'size', 'bool',
                 'any']


def _members_c(members):
    out = []
    for m in members:
        if m.optional:
            out.append('bool has_%s;' % m.c_name())
        ctype = m.type.c_type()
        sep = '' if ctype.endswith('*') else ' '
        out.append('%s%s%s;' % (ctype, sep, m.c_name()))
    return out


def _struct_body(typ):
    lines = _members_c(getattr(typ, 'members', []))
    if isinstance(typ, Union):
        lines.append('union { /* union tag is @%s */' % typ.tag.c_name())
        for case, vt in typ.variants:
            lines.append('    %s %s;' % (vt.c_name(), _case_name(case)))
        lines.append('} u;')
    if isinstance(typ, Alternate):
        lines.append('QType type;')
        lines.append('union { /* selected by @type */')
        for vname, vt in typ.variants:
            if isinstance(vt, Builtin) and vt.name == 'null':
                continue
            ctype = vt.c_type()
            sep = '' if ctype.endswith('*') else ' '
            lines.append('    %s%s%s;' % (ctype, sep, _case_name(vname)))
        lines.append('} u;')
    if not lines:
        lines.append('char qapi_dummy_for_empty_struct;')
    return lines


def _case_name(case):
    from .schema import c_name
    return c_name(case)


def _listable(types):
    return [t for t in types if not getattr(t, 'implicit', False)]


def _order_structs(types):
    """Order so that types embedded by value (union variants) come first."""
    done = set()
    out = []

    def visit(t):
        if t.name in done:
            return
        done.add(t.name)
        if isinstance(t, Union):
            for _, vt in t.variants:
                visit(vt)
        out.append(t)

    for t in types:
        visit(t)
    return out


def gen_header(schema):
    h = [file_header('qapi-types.h', 'QAPI types: structs, enums, lists')]
    g = guard('qapi-types.h')
    h.append('#ifndef %s\n#define %s\n\n' % (g, g))
    h.append('#include <glib.h>\n#include <json-glib/json-glib.h>\n'
             '#include <stdbool.h>\n#include <stdint.h>\n\n'
             '#include "qapi/util.h"\n\n')
    h.append('/* JSON value kinds; selects the member of an alternate. */\n'
             'typedef enum QType {\n'
             '    QTYPE_NONE,\n    QTYPE_QNULL,\n    QTYPE_QNUM,\n'
             '    QTYPE_QSTRING,\n    QTYPE_QDICT,\n    QTYPE_QLIST,\n'
             '    QTYPE_QBOOL,\n    QTYPE__MAX,\n} QType;\n\n')
    h.append('/* Lists of built-in types */\n')
    for b in BUILTIN_LISTS:
        ctype = Builtin.TABLE[b][0]
        sep = '' if ctype.endswith('*') else ' '
        h.append('typedef struct %sList {\n    struct %sList *next;\n'
                 '    %s%svalue;\n} %sList;\n\n' % (b, b, ctype, sep, b))
    for b in BUILTIN_LISTS:
        h.append('void qapi_free_%sList(%sList *obj);\n' % (b, b))
        h.append('G_DEFINE_AUTOPTR_CLEANUP_FUNC(%sList, qapi_free_%sList)\n'
                 % (b, b))
    h.append('\n')

    types = schema.user_types()
    enums = [t for t in types if isinstance(t, Enum)]
    others = [t for t in types if not isinstance(t, Enum)]

    h.append('/* Enumerations */\n\n')
    for e in enums:
        h.append('typedef enum %s {\n' % e.c_name())
        for val, _ in e.members:
            h.append('    %s,\n' % e.c_const(val))
        h.append('    %s,\n} %s;\n\n' % (e.c_max(), e.c_name()))
        h.append('#define %s_str(val) \\\n'
                 '    qapi_enum_lookup(&%s_lookup, (val))\n'
                 % (e.c_name(), e.c_name()))
        h.append('extern const QEnumLookup %s_lookup;\n\n' % e.c_name())

    h.append('/* Forward declarations */\n\n')
    for t in others:
        h.append('typedef struct %s %s;\n' % (t.c_name(), t.c_name()))
    for t in _listable(types):
        h.append('typedef struct %s %s;\n'
                 % (t.c_list_name(), t.c_list_name()))
    h.append('\n/* Lists */\n\n')
    for t in _listable(types):
        ctype = t.c_type()
        sep = '' if ctype.endswith('*') else ' '
        h.append('struct %s {\n    %s *next;\n    %s%svalue;\n};\n\n'
                 % (t.c_list_name(), t.c_list_name(), ctype, sep))

    h.append('/* Structs, unions and alternates */\n\n')
    for t in _order_structs(others):
        h.append('struct %s {\n' % t.c_name())
        h.append(indent('\n'.join(_struct_body(t))) + '\n};\n\n')

    h.append('/* Destructors (all accept NULL) */\n\n')
    for t in types:
        if not isinstance(t, Enum):
            h.append('void qapi_free_%s(%s *obj);\n' % (t.c_name(),
                                                        t.c_name()))
            h.append('G_DEFINE_AUTOPTR_CLEANUP_FUNC(%s, qapi_free_%s)\n'
                     % (t.c_name(), t.c_name()))
        if getattr(t, 'implicit', False):
            continue
        h.append('void qapi_free_%s(%s *obj);\n' % (t.c_list_name(),
                                                    t.c_list_name()))
        h.append('G_DEFINE_AUTOPTR_CLEANUP_FUNC(%s, qapi_free_%s)\n'
                 % (t.c_list_name(), t.c_list_name()))
    h.append('\n#endif /* %s */\n' % g)
    return ''.join(h)


def _free_members_body(t):
    out = []
    for m in getattr(t, 'members', []):
        st = free_stmt(m.type, 'obj->%s' % m.c_name())
        if st:
            out.append(st)
    if isinstance(t, Union) and t.variants:
        out.append('switch (obj->%s) {' % t.tag.c_name())
        for case, vt in t.variants:
            out.append('case %s:' % t.tag.type.c_const(case))
            out.append('    qapi_free_members_%s(&obj->u.%s);'
                       % (vt.c_name(), _case_name(case)))
            out.append('    break;')
        out.append('default:\n    break;\n}')
    if isinstance(t, Alternate):
        out.append('switch (obj->type) {')
        for vname, vt in t.variants:
            st = free_stmt(vt, 'obj->u.%s' % _case_name(vname))
            if st:
                out.append('case %s:' % qtype_of(vt))
                out.append(indent(st))
                out.append('    break;')
        out.append('default:\n    break;\n}')
    return out


def gen_source(schema):
    c = [file_header('qapi-types.c', 'QAPI types: enum tables, destructors')]
    c.append('#include "qapi/qapi-types.h"\n\n')
    for b in BUILTIN_LISTS:
        st = free_stmt(Builtin(b), 'obj->value')
        c.append('void qapi_free_%sList(%sList *obj)\n{\n'
                 '    while (obj) {\n        %sList *next = obj->next;\n\n'
                 % (b, b, b))
        if st:
            c.append(indent(st, 2) + '\n')
        c.append('        g_free(obj);\n        obj = next;\n    }\n}\n\n')

    types = schema.user_types()
    for e in [t for t in types if isinstance(t, Enum)]:
        c.append('const QEnumLookup %s_lookup = {\n'
                 '    .array = (const char *const[]) {\n' % e.c_name())
        for val, _ in e.members:
            c.append('        [%s] = "%s",\n' % (e.c_const(val), val))
        c.append('    },\n    .size = %s,\n};\n\n' % e.c_max())

    others = [t for t in types if not isinstance(t, Enum)]
    for t in others:
        c.append('static void qapi_free_members_%s(%s *obj);\n'
                 % (t.c_name(), t.c_name()))
    c.append('\n')
    for t in others:
        body = _free_members_body(t)
        c.append('static void qapi_free_members_%s(%s *obj)\n{\n'
                 % (t.c_name(), t.c_name()))
        if body:
            c.append(indent('\n'.join(body)) + '\n')
        else:
            c.append('    (void)obj;\n')
        c.append('}\n\n')
        c.append('void qapi_free_%s(%s *obj)\n{\n    if (!obj) {\n'
                 '        return;\n    }\n    qapi_free_members_%s(obj);\n'
                 '    g_free(obj);\n}\n\n'
                 % (t.c_name(), t.c_name(), t.c_name()))
    for t in _listable(types):
        st = free_stmt(t, 'obj->value')
        c.append('void qapi_free_%s(%s *obj)\n{\n'
                 '    while (obj) {\n        %s *next = obj->next;\n\n'
                 % (t.c_list_name(), t.c_list_name(), t.c_list_name()))
        if st:
            c.append(indent(st, 2) + '\n')
        c.append('        g_free(obj);\n        obj = next;\n    }\n}\n\n')
    return ''.join(c)

# SPDX-License-Identifier: GPL-2.0-or-later
"""qapi-introspect.h / qapi-introspect.c: the query-qmp-schema result.

The SchemaInfo list is computed here and embedded as a JSON string,
qmp_schema_json[].  As in QEMU, every type reachable from a command or
event is listed once; names of non-builtin types are replaced by
numbers (unless masking is turned off), every integer type is reported
as 'int', and commands or events without data refer to an empty object
type.
"""

import json

from .schema import Builtin, Enum, Array, Struct, Union, Alternate
from .common import file_header, guard


class _Introspector:
    def __init__(self, schema, mask):
        self.schema = schema
        self.mask = mask
        self.names = {}         # type key -> wire name
        self.entries = []
        self.queue = []
        self.empty = Struct('q_empty', None, [], implicit=True)

    def name_of(self, typ):
        """Wire name of @typ; queues it for output on first use."""
        if isinstance(typ, Builtin) and typ.json_type() == 'int':
            typ = self.schema.types['int']
        if isinstance(typ, Array):
            el = typ.element
            if isinstance(el, Builtin) and el.json_type() == 'int':
                el = self.schema.types['int']
            key = '[' + self.name_of(el) + ']'
            if key not in self.names:
                self.names[key] = key
                self.queue.append((key, typ, el))
            return key
        key = id(typ)
        if key not in self.names:
            if isinstance(typ, Builtin) or not self.mask:
                self.names[key] = typ.name
            else:
                self.names[key] = str(len([n for n in self.names.values()
                                           if n.isdigit()]))
            self.queue.append((self.names[key], typ, None))
        return self.names[key]

    def _member(self, m):
        d = {'name': m.name, 'type': self.name_of(m.type)}
        if m.optional:
            d['default'] = None
        if m.features:
            d['features'] = list(m.features)
        return d

    def _entry(self, name, typ, elem):
        if isinstance(typ, Array):
            return {'name': name, 'meta-type': 'array',
                    'element-type': self.name_of(elem)}
        if isinstance(typ, Builtin):
            return {'name': name, 'meta-type': 'builtin',
                    'json-type': typ.json_type()}
        if isinstance(typ, Enum):
            members = []
            for v, feats in typ.members:
                d = {'name': v}
                if feats:
                    d['features'] = list(feats)
                members.append(d)
            return {'name': name, 'meta-type': 'enum',
                    'members': members,
                    'values': [v for v, _ in typ.members]}
        if isinstance(typ, Alternate):
            return {'name': name, 'meta-type': 'alternate',
                    'members': [{'type': self.name_of(vt)}
                                for _, vt in typ.variants]}
        d = {'name': name, 'meta-type': 'object',
             'members': [self._member(m) for m in typ.members]}
        if isinstance(typ, Union):
            d['tag'] = typ.tag.name
            d['variants'] = [{'case': case, 'type': self.name_of(vt)}
                             for case, vt in typ.variants]
        return d

    def run(self):
        out = []
        for cmd in self.schema.commands:
            d = {'name': cmd.name, 'meta-type': 'command',
                 'arg-type': self.name_of(cmd.arg_type or self.empty),
                 'ret-type': self.name_of(cmd.ret_type or self.empty)}
            if cmd.flags.get('allow-oob'):
                d['allow-oob'] = True
            if cmd.features:
                d['features'] = list(cmd.features)
            out.append(d)
        for ev in self.schema.events:
            out.append({'name': ev.name, 'meta-type': 'event',
                        'arg-type': self.name_of(ev.arg_type or self.empty)})
        while self.queue:
            name, typ, elem = self.queue.pop(0)
            out.append(self._entry(name, typ, elem))
        return out


def schema_info(schema, mask=True):
    return _Introspector(schema, mask).run()


def gen_header(schema):
    h = [file_header('qapi-introspect.h', 'QMP introspection data')]
    g = guard('qapi-introspect.h')
    h.append('#ifndef %s\n#define %s\n\n' % (g, g))
    h.append('/* The query-qmp-schema result: a JSON array of SchemaInfo. */\n'
             'extern const char qmp_schema_json[];\n\n')
    h.append('#endif /* %s */\n' % g)
    return ''.join(h)


def gen_source(schema, mask=True):
    c = [file_header('qapi-introspect.c', 'QMP introspection data')]
    c.append('#include "qapi/qapi-introspect.h"\n\n')
    c.append('const char qmp_schema_json[] =\n')
    entries = schema_info(schema, mask)
    lines = []
    for i, e in enumerate(entries):
        text = json.dumps(e, separators=(', ', ': '))
        text = ('[' if i == 0 else ' ') + text + \
            (']' if i == len(entries) - 1 else ',')
        lines.append('    %s' % json.dumps(text))
    c.append('\n'.join(lines) + ';\n')
    return ''.join(c)

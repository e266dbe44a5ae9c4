# SPDX-License-Identifier: GPL-2.0-or-later
"""The QAPI schema as a checked model with C names."""

import re

from .parser import QAPIError

# C words that cannot be used as identifiers, plus a few that system
# headers define as macros.
_POLLUTED = set('''
auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed
sizeof static struct switch typedef union unsigned void volatile while
_Bool _Complex _Imaginary asm typeof bool true false
unix errno linux
'''.split())


def c_name(name, protect=True):
    """QAPI name -> C identifier: '-' and '.' become '_'."""
    out = re.sub(r'[^A-Za-z0-9_]', '_', name)
    if protect and (out in _POLLUTED or out[0].isdigit()):
        return 'q_' + out
    return out


def camel_to_upper(name):
    """'MigrationStatus' -> 'MIGRATION_STATUS', 'QMPCapability' ->
    'QMP_CAPABILITY', 'MultiFDCompression' -> 'MULTIFD_COMPRESSION'."""
    s = c_name(name, False)
    if s.isupper():
        return s
    out = []
    for i, ch in enumerate(s):
        if ch.isupper() and i > 0 and s[i - 1] != '_':
            nxt_lower = i + 1 < len(s) and s[i + 1].islower()
            if nxt_lower or s[i - 1].isdigit():
                out.append('_')
        out.append(ch)
    return ''.join(out).lstrip('_').upper()


class Type:
    """Base of every type.  @name is the schema name."""
    meta = None

    def __init__(self, name, info=None):
        self.name = name
        self.info = info        # Expr it came from (None for built-ins)
        self.features = []

    def c_name(self):
        return c_name(self.name, False)

    def c_type(self):
        """C type of a member/argument of this type."""
        return self.c_name() + ' *'

    def c_param_type(self):
        """C type of a command/event parameter of this type."""
        return self.c_type()

    def is_pointer(self):
        return True

    def c_list_name(self):
        return self.c_name() + 'List'

    def json_type(self):
        return 'object'


class Builtin(Type):
    meta = 'builtin'
    # name: (C type, JSON type for introspection, min, max, C type name
    # used in range error messages)
    TABLE = {
        'str': ('char *', 'string'),
        'number': ('double', 'number'),
        'int': ('int64_t', 'int'),
        'int8': ('int8_t', 'int'),
        'int16': ('int16_t', 'int'),
        'int32': ('int32_t', 'int'),
        'int64': ('int64_t', 'int'),
        'uint8': ('uint8_t', 'int'),
        'uint16': ('uint16_t', 'int'),
        'uint32': ('uint32_t', 'int'),
        'uint64': ('uint64_t', 'int'),
        'size': ('uint64_t', 'int'),
        'bool': ('bool', 'boolean'),
        'null': ('QNull *', 'null'),
        'any': ('JsonNode *', 'value'),
    }

    def c_type(self):
        return self.TABLE[self.name][0]

    def c_param_type(self):
        if self.name == 'str':
            return 'const char *'
        return self.c_type()

    def is_pointer(self):
        return self.name in ('str', 'any', 'null')

    def c_list_name(self):
        return self.name + 'List'

    def json_type(self):
        return self.TABLE[self.name][1]


class Enum(Type):
    meta = 'enum'

    def __init__(self, name, info, members, prefix=None):
        super().__init__(name, info)
        self.members = members      # list of (name, features)
        self.prefix = prefix

    def c_type(self):
        return self.c_name()

    def is_pointer(self):
        return False

    def json_type(self):
        return 'string'

    def c_const(self, value):
        prefix = self.prefix or camel_to_upper(self.name)
        return prefix + '_' + c_name(value, False).upper()

    def c_max(self):
        prefix = self.prefix or camel_to_upper(self.name)
        return prefix + '__MAX'


class Array(Type):
    meta = 'array'

    def __init__(self, element):
        super().__init__('[%s]' % element.name)
        self.element = element

    def c_name(self):
        return self.element.c_list_name()

    def json_type(self):
        return 'array'


class Member:
    def __init__(self, name, typ, optional, features=None):
        self.name = name
        self.type = typ
        self.optional = optional
        self.features = features or []

    def c_name(self):
        return c_name(self.name)


class Struct(Type):
    """A struct, or the implicit argument type of a command or event.
    Base members are flattened into @members (base first)."""
    meta = 'object'

    def __init__(self, name, info, members, implicit=False):
        super().__init__(name, info)
        self.members = members
        self.implicit = implicit


class Union(Type):
    """A flat union: common members (one of them, @tag, an enum) and
    per-tag-value variant structs whose members sit beside them."""
    meta = 'object'

    def __init__(self, name, info, members, tag, variants):
        super().__init__(name, info)
        self.members = members      # base members
        self.tag = tag              # Member
        self.variants = variants    # list of (value, Struct)


class Alternate(Type):
    """One of several types, told apart by the JSON type."""
    meta = 'alternate'

    def __init__(self, name, info, variants):
        super().__init__(name, info)
        self.variants = variants    # list of (name, Type)

    def json_type(self):
        return 'value'


class Command:
    def __init__(self, name, info, arg_type, ret_type, boxed, gen, flags):
        self.name = name
        self.info = info
        self.arg_type = arg_type    # Struct or None
        self.ret_type = ret_type    # Type or None
        self.boxed = boxed
        self.gen = gen
        self.flags = flags          # dict: allow-oob, allow-preconfig
        self.features = []

    def c_name(self):
        return c_name(self.name, False)


class Event:
    def __init__(self, name, info, arg_type):
        self.name = name
        self.info = info
        self.arg_type = arg_type    # Struct or None
        self.features = []

    def c_name(self):
        return c_name(self.name.lower(), False)


_KEYS = {
    'enum': {'enum', 'data', 'prefix'},
    'struct': {'struct', 'data', 'base'},
    'union': {'union', 'data', 'base', 'discriminator'},
    'alternate': {'alternate', 'data'},
    'command': {'command', 'data', 'returns', 'boxed', 'gen',
                'allow-oob', 'allow-preconfig', 'features'},
    'event': {'event', 'data'},
}


class Schema:
    def __init__(self, exprs):
        self.types = {}
        self.commands = []
        self.events = []
        self._exprs = exprs
        for name in Builtin.TABLE:
            self.types[name] = Builtin(name)
        self._arrays = {}
        self.entity_order = []      # user-defined named types, in order
        # First pass: register names so that forward references work.
        pending = []
        for expr in exprs:
            meta = self._meta(expr)
            name = expr.data[meta]
            self._check_doc(expr, name)
            unknown = set(expr.data) - _KEYS[meta]
            if unknown:
                raise expr.error("unknown key(s) %s" % sorted(unknown))
            if meta in ('command', 'event'):
                pending.append((meta, expr))
                continue
            if name in self.types:
                raise expr.error("'%s' is already defined" % name)
            if not re.match(r'^[A-Za-z][A-Za-z0-9_]*$', name):
                raise expr.error("bad type name '%s'" % name)
            self.types[name] = None
            pending.append((meta, expr))
        for meta, expr in pending:
            getattr(self, '_def_' + meta)(expr)
        self._check_commands()

    @staticmethod
    def _meta(expr):
        for meta in _KEYS:
            if meta in expr.data:
                return meta
        raise expr.error('expression of unknown kind')

    @staticmethod
    def _check_doc(expr, name):
        doc = expr.doc
        if not doc or not doc[0].startswith('@%s:' % name):
            raise expr.error("'%s' needs a doc block starting with '@%s:'"
                             % (name, name))
        if not any(line.startswith('Since:') for line in doc):
            raise expr.error("doc of '%s' lacks 'Since:'" % name)

    # -- type references --------------------------------------------

    def lookup(self, ref, expr):
        """Resolve 'Name' or ['Name'] to a Type (the named type must be
        defined by now)."""
        if isinstance(ref, list):
            if len(ref) != 1 or not isinstance(ref[0], str):
                raise expr.error('array type must have one element type')
            elem = self.lookup(ref[0], expr)
            if elem.name not in self._arrays:
                self._arrays[elem.name] = Array(elem)
            return self._arrays[elem.name]
        if not isinstance(ref, str):
            raise expr.error('bad type reference %r' % (ref,))
        if ref not in self.types:
            raise expr.error("unknown type '%s'" % ref)
        typ = self.types[ref]
        if typ is None:
            # Defined later in the schema: define it now.
            for other in self._exprs:
                meta = self._meta(other)
                if meta not in ('command', 'event') \
                        and other.data[meta] == ref:
                    getattr(self, '_def_' + meta)(other)
                    break
            typ = self.types[ref]
        return typ

    def _members(self, data, expr):
        if not isinstance(data, dict):
            raise expr.error("'data' must be an object")
        members = []
        for key, val in data.items():
            optional = key.startswith('*')
            name = key[1:] if optional else key
            features = []
            if isinstance(val, dict):
                if set(val) - {'type', 'features'} or 'type' not in val:
                    raise expr.error("bad member '%s'" % name)
                features = val.get('features', [])
                val = val['type']
            if not re.match(r'^[A-Za-z][A-Za-z0-9_-]*$', name):
                raise expr.error("bad member name '%s'" % name)
            if name.startswith('has_') or name == 'u':
                raise expr.error("member name '%s' clashes with generated "
                                 "C" % name)
            members.append(Member(name, None, optional, features))
            members[-1]._ref = val
        return members

    def _resolve(self, members, expr):
        for m in members:
            m.type = self.lookup(m._ref, expr)
        seen = {}
        for m in members:
            if m.c_name() in seen:
                raise expr.error("member '%s' clashes with '%s'"
                                 % (m.name, seen[m.c_name()]))
            seen[m.c_name()] = m.name
        return members

    # -- definitions ---------------------------------------------------

    def _register(self, typ):
        if self.types.get(typ.name) is not None:
            return False
        self.types[typ.name] = typ
        self.entity_order.append(typ)
        return True

    def _def_enum(self, expr):
        name = expr.data['enum']
        if self.types.get(name) is not None:
            return
        members = []
        for m in expr.data.get('data', []):
            features = []
            if isinstance(m, dict):
                features = m.get('features', [])
                m = m['name']
            members.append((m, features))
        self._register(Enum(name, expr, members, expr.data.get('prefix')))

    def _def_struct(self, expr):
        name = expr.data['struct']
        if self.types.get(name) is not None:
            return
        # Register before resolving so that recursive types work.
        st = Struct(name, expr, [])
        self.types[name] = st
        members = []
        if 'base' in expr.data:
            base = self.lookup(expr.data['base'], expr)
            if not isinstance(base, Struct):
                raise expr.error("base of '%s' must be a struct" % name)
            members.extend(base.members)
        members.extend(self._members(expr.data.get('data', {}), expr))
        st.members = members
        self._resolve([m for m in members if m.type is None], expr)
        self.entity_order.append(st)

    def _def_union(self, expr):
        name = expr.data['union']
        if self.types.get(name) is not None:
            return
        base = expr.data.get('base')
        if isinstance(base, dict):
            members = self._resolve(self._members(base, expr), expr)
        elif isinstance(base, str):
            members = list(self.lookup(base, expr).members)
        else:
            raise expr.error("union '%s' needs a 'base'" % name)
        tagname = expr.data.get('discriminator')
        tag = [m for m in members if m.name == tagname]
        if not tag or not isinstance(tag[0].type, Enum) or tag[0].optional:
            raise expr.error("discriminator of '%s' must be a mandatory "
                             "enum member of its base" % name)
        tag = tag[0]
        variants = []
        values = [v for v, _ in tag.type.members]
        for case, ref in expr.data.get('data', {}).items():
            if case not in values:
                raise expr.error("'%s' is not a value of '%s'"
                                 % (case, tag.type.name))
            vt = self.lookup(ref, expr)
            if not isinstance(vt, Struct):
                raise expr.error("variant '%s' must be a struct" % case)
            variants.append((case, vt))
        self._register(Union(name, expr, members, tag, variants))

    def _def_alternate(self, expr):
        name = expr.data['alternate']
        if self.types.get(name) is not None:
            return
        variants = []
        seen = {}
        for vname, ref in expr.data['data'].items():
            vt = self.lookup(ref, expr)
            jt = _alt_json_kind(vt)
            if jt in seen:
                raise expr.error("alternate '%s': '%s' and '%s' are "
                                 "ambiguous" % (name, vname, seen[jt]))
            seen[jt] = vname
            variants.append((vname, vt))
        self._register(Alternate(name, expr, variants))

    def _implicit(self, data, owner, expr):
        """Argument type of a command or event."""
        if data is None:
            return None
        if isinstance(data, str):
            typ = self.lookup(data, expr)
            if not isinstance(typ, (Struct, Union)):
                raise expr.error("'data' of '%s' must be a struct" % owner)
            return typ
        st = Struct('q_obj_%s-arg' % owner, expr, [], implicit=True)
        st.members = self._resolve(self._members(data, expr), expr)
        self.types[st.name] = st
        self.entity_order.append(st)
        return st

    def _def_command(self, expr):
        d = expr.data
        name = d['command']
        boxed = d.get('boxed', False)
        if boxed and not isinstance(d.get('data'), str):
            raise expr.error("'boxed' needs 'data' naming a type")
        if not boxed and isinstance(d.get('data'), str):
            raise expr.error("'data' naming a type needs 'boxed': true")
        arg = self._implicit(d.get('data'), c_name(name, False), expr)
        ret = self.lookup(d['returns'], expr) if 'returns' in d else None
        cmd = Command(name, expr, arg, ret, boxed, d.get('gen', True),
                      {'allow-oob': d.get('allow-oob', False),
                       'allow-preconfig': d.get('allow-preconfig', False)})
        cmd.features = d.get('features', [])
        self.commands.append(cmd)

    def _def_event(self, expr):
        name = expr.data['event']
        if not re.match(r'^[A-Z][A-Z0-9_]*$', name):
            raise expr.error("event name '%s' must be upper case" % name)
        arg = self._implicit(expr.data.get('data'), name, expr)
        self.events.append(Event(name, expr, arg))

    def _check_commands(self):
        names = set()
        for cmd in self.commands:
            if cmd.name in names:
                raise cmd.info.error("command '%s' defined twice" % cmd.name)
            names.add(cmd.name)

    # -- helpers for the generators -------------------------------------

    def arrays(self):
        return list(self._arrays.values())

    def user_types(self):
        return list(self.entity_order)


def _alt_json_kind(typ):
    if isinstance(typ, Builtin):
        return {'str': 'string', 'bool': 'boolean', 'null': 'null',
                'number': 'number', 'any': 'any'}.get(typ.name, 'number')
    if isinstance(typ, Enum):
        return 'string'
    if isinstance(typ, Array):
        return 'array'
    return 'object'


def alt_json_kind(typ):
    return _alt_json_kind(typ)


__all__ = ['Schema', 'QAPIError', 'c_name', 'camel_to_upper', 'Builtin',
           'Enum', 'Array', 'Struct', 'Union', 'Alternate', 'Command',
           'Event', 'Member', 'alt_json_kind']

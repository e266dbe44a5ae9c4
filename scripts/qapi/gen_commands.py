# SPDX-License-Identifier: GPL-2.0-or-later
"""qapi-commands.h / qapi-commands.c / qapi-commands-unimpl.c.

For every command 'foo-bar':
  - the handler prototype, implemented by hand elsewhere:
        RET qmp_foo_bar(MachineState *ms, ARGS, GError **errp);
    ARGS: "bool has_x, T x" per optional member, "T x" per mandatory one,
    or "ArgType *arg" when the command is 'boxed'; nothing without data.
  - a marshaller qmp_marshal_foo_bar() converting JSON arguments, calling
    the handler and converting its result (not for 'gen': false commands,
    whose marshaller is written by hand);
  - an entry of the table qmp_commands[];
  - in qapi-commands-unimpl.c, a weak handler that fails with
    "Command 'foo-bar' is not available yet".
"""

from .schema import Builtin, Enum
from .common import file_header, guard, free_stmt, indent
from .gen_json import out_expr


def handler_params(cmd):
    params = ['MachineState *ms']
    if cmd.arg_type and cmd.boxed:
        params.append('%s *arg' % cmd.arg_type.c_name())
    elif cmd.arg_type:
        for m in cmd.arg_type.members:
            if m.optional:
                params.append('bool has_%s' % m.c_name())
            ptype = m.type.c_param_type()
            sep = '' if ptype.endswith('*') else ' '
            params.append('%s%s%s' % (ptype, sep, m.c_name()))
    params.append('GError **errp')
    return params


def ret_ctype(cmd):
    if not cmd.ret_type:
        return 'void'
    return cmd.ret_type.c_type()


def _decl(ret, name, params):
    sep = '' if ret.endswith('*') else ' '
    head = '%s%s%s(' % (ret, sep, name)
    out = head
    line = head
    for i, p in enumerate(params):
        piece = p + (', ' if i < len(params) - 1 else ')')
        if len(line) + len(piece) > 79:
            out = out.rstrip() + '\n' + ' ' * len(head)
            line = ' ' * len(head)
        out += piece
        line += piece
    return out


def handler_decl(cmd):
    return _decl(ret_ctype(cmd), 'qmp_' + cmd.c_name(), handler_params(cmd))


def _flags(cmd):
    flags = []
    if cmd.flags.get('allow-oob'):
        flags.append('QMP_CMD_ALLOW_OOB')
    if cmd.flags.get('allow-preconfig'):
        flags.append('QMP_CMD_ALLOW_PRECONFIG')
    return ' | '.join(flags) or '0'


def gen_header(schema):
    h = [file_header('qapi-commands.h', 'QMP command handlers and table')]
    g = guard('qapi-commands.h')
    h.append('#ifndef %s\n#define %s\n\n' % (g, g))
    h.append('#include "qapi/qapi-types.h"\n#include "qapi/qmp-dispatch.h"'
             '\n\ntypedef struct MachineState MachineState;\n\n')
    h.append('/*\n * Handlers: implemented by hand (system/, monitor/, '
             'migration/, qapi/).\n * On failure they set @errp and return '
             'NULL/0/false; the returned\n * value (transfer full) is '
             'ignored then.  Arguments are borrowed.\n */\n\n')
    for cmd in schema.commands:
        if not cmd.gen:
            # 'gen': false: the marshaller is hand-written, no handler.
            continue
        h.append('/* %s */\n%s;\n\n' % (cmd.name, handler_decl(cmd)))
    h.append('/* Marshallers: JSON arguments in, JSON result out. */\n')
    for cmd in schema.commands:
        h.append('void qmp_marshal_%s(MachineState *ms, JsonNode *args,\n'
                 '    JsonNode **ret, GError **errp);\n' % cmd.c_name())
    h.append('\n/* Every command, in schema order, ended by { NULL }. */\n'
             'extern const QmpCommand qmp_commands[];\n\n')
    h.append('#endif /* %s */\n' % g)
    return ''.join(h)


def _marshal(cmd):
    cn = cmd.c_name()
    c = ['void qmp_marshal_%s(MachineState *ms, JsonNode *args,\n'
         '    JsonNode **ret, GError **errp)\n{\n' % cn]
    c.append('    const QapiJsonPath root = { NULL, NULL, -1 };\n')
    c.append('    GError *err = NULL;\n')
    at = cmd.arg_type
    if at:
        c.append('    %s *arg = NULL;\n' % at.c_name())
    rt = cmd.ret_type
    if rt:
        ctype = rt.c_type()
        sep = '' if ctype.endswith('*') else ' '
        init = 'NULL' if ctype.endswith('*') else '0'
        if isinstance(rt, Enum):
            init = '0'
        c.append('    %s%sretval = %s;\n' % (ctype, sep, init))
    c.append('\n')
    if at:
        c.append('    if (!qapi_json_in_%s(args, &root, &arg, errp)) {\n'
                 '        return;\n    }\n' % at.c_name())
    else:
        c.append('    JsonObject *o = qapi_json_in_object(args, &root, errp);'
                 '\n\n    if (!o || !qapi_json_check_unexpected(o, &root, '
                 'NULL, NULL, errp)) {\n        return;\n    }\n')
    if at and cmd.boxed:
        call_args = ['ms', 'arg']
    elif at:
        call_args = ['ms']
        for m in at.members:
            if m.optional:
                call_args.append('arg->has_%s' % m.c_name())
            call_args.append('arg->%s' % m.c_name())
    else:
        call_args = ['ms']
    call_args.append('&err')
    call = 'qmp_%s(%s);' % (cn, ', '.join(call_args))
    if rt:
        call = 'retval = ' + call
    c.append(indent(_wrap_call(call)) + '\n')
    free_ret = free_stmt(rt, 'retval') if rt else None
    c.append('    if (err) {\n        g_propagate_error(errp, err);\n')
    if free_ret:
        c.append(indent(free_ret, 2) + '\n')
    c.append('    } else {\n')
    if rt:
        c.append('        *ret = %s;\n' % out_expr(rt, 'retval'))
        if free_ret:
            c.append(indent(free_ret, 2) + '\n')
    else:
        c.append('        *ret = NULL;\n')
    c.append('    }\n')
    if at:
        c.append('    qapi_free_%s(arg);\n' % at.c_name())
    c.append('}\n\n')
    return ''.join(c)


def _wrap_call(call):
    if len(call) <= 75:
        return call
    head, rest = call.split('(', 1)
    args = rest[:-2].split(', ')
    out = head + '('
    line = out
    pad = ' ' * len(out)
    for i, a in enumerate(args):
        piece = a + (', ' if i < len(args) - 1 else ');')
        if len(line) + len(piece) > 75:
            out = out.rstrip() + '\n' + pad
            line = pad
        out += piece
        line += piece
    return out


def gen_source(schema):
    c = [file_header('qapi-commands.c', 'QMP marshallers and command table')]
    c.append('#include "qapi/qapi-commands.h"\n#include "qapi/qapi-json.h"'
             '\n#include "qapi/error.h"\n\n')
    for cmd in schema.commands:
        if cmd.gen:
            c.append(_marshal(cmd))
    c.append('const QmpCommand qmp_commands[] = {\n')
    for cmd in schema.commands:
        c.append('    { "%s", qmp_marshal_%s, %s },\n'
                 % (cmd.name, cmd.c_name(), _flags(cmd)))
    c.append('    { NULL, NULL, 0 },\n};\n')
    return ''.join(c)


def gen_unimpl(schema, enabled):
    c = [file_header('qapi-commands-unimpl.c',
                     'Weak fallback handlers for commands that have no '
                     'handler')]
    c.append('/*\n * Each definition here is weak: a real handler anywhere '
             'in the program\n * replaces it.  Built into its own library '
             'that is linked after\n * libzcmig.a, so that real handlers are '
             'always preferred.  Generate\n * with --no-weak-fallbacks to '
             'make missing handlers a link error.\n */\n\n')
    if not enabled:
        c.append('/* Weak fallbacks disabled. */\n'
                 'typedef int qapi_commands_unimpl_empty_unit;\n')
        return ''.join(c)
    c.append('#include "qapi/qapi-commands.h"\n\n')
    c.append('/* Same quark as QAPI_ERROR, without linking qapi/error.c. */\n'
             '#define UNIMPL_ERROR g_quark_from_static_string('
             '"qapi-error-quark")\n\n')
    for cmd in schema.commands:
        if not cmd.gen:
            continue
        rt = ret_ctype(cmd)
        c.append('__attribute__((weak))\n%s\n{\n' % handler_decl(cmd))
        c.append('    g_set_error(errp, UNIMPL_ERROR, 0,\n'
                 '                "Command \'%%s\' is not available yet", '
                 '"%s");\n' % cmd.name)
        if rt != 'void':
            if rt.endswith('*'):
                c.append('    return NULL;\n')
            elif isinstance(cmd.ret_type, Builtin) \
                    and cmd.ret_type.name == 'bool':
                c.append('    return false;\n')
            else:
                c.append('    return 0;\n')
        c.append('}\n\n')
    return ''.join(c)

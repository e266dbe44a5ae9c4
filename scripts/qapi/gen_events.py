# SPDX-License-Identifier: GPL-2.0-or-later
"""qapi-events.h / qapi-events.c: one sender per event.

    void qapi_event_send_migration(QAPIEventEmitter *em,
                                   MigrationStatus status);

builds the event's data object and hands it to em->emit(); does nothing
when @em is NULL.  Optional members take "bool has_x, T x".
"""

from .common import file_header, guard, indent


def _params(ev):
    params = ['QAPIEventEmitter *em']
    if ev.arg_type:
        for m in ev.arg_type.members:
            if m.optional:
                params.append('bool has_%s' % m.c_name())
            ptype = m.type.c_param_type()
            sep = '' if ptype.endswith('*') else ' '
            params.append('%s%s%s' % (ptype, sep, m.c_name()))
    return params


def _decl(ev):
    from .gen_commands import _decl as decl
    return decl('void', 'qapi_event_send_' + ev.c_name(), _params(ev))


def gen_header(schema):
    h = [file_header('qapi-events.h', 'QAPI event senders')]
    g = guard('qapi-events.h')
    h.append('#ifndef %s\n#define %s\n\n' % (g, g))
    h.append('#include "qapi/event-emitter.h"\n#include "qapi/qapi-types.h"'
             '\n\n')
    h.append('/*\n * Each sender builds the event data and calls em->emit() '
             'with it;\n * nothing happens when @em is NULL.  Arguments are '
             'borrowed.\n * Callable from any thread if em->emit is.\n */\n\n')
    for ev in schema.events:
        h.append('/* %s */\n%s;\n\n' % (ev.name, _decl(ev)))
    h.append('#endif /* %s */\n' % g)
    return ''.join(h)


def gen_source(schema):
    c = [file_header('qapi-events.c', 'QAPI event senders')]
    c.append('#include "qapi/qapi-events.h"\n#include "qapi/qapi-json.h"'
             '\n\n')
    for ev in schema.events:
        c.append('%s\n{\n' % _decl(ev))
        at = ev.arg_type
        if at:
            inits = []
            for m in at.members:
                if m.optional:
                    inits.append('.has_%s = has_%s,' % (m.c_name(),
                                                        m.c_name()))
                cast = ''
                if m.type.c_param_type() != m.type.c_type():
                    cast = '(%s)' % m.type.c_type().rstrip()
                inits.append('.%s = %s%s,' % (m.c_name(), cast, m.c_name()))
            c.append('    %s param = {\n%s\n    };\n'
                     % (at.c_name(), indent('\n'.join(inits), 2)))
            c.append('    JsonObject *data;\n\n')
        c.append('    if (!em) {\n        return;\n    }\n')
        if at:
            c.append('    data = json_object_new();\n'
                     '    qapi_json_out_members_%s(data, &param);\n'
                     '    em->emit(em, "%s", data);\n' % (at.c_name(),
                                                          ev.name))
        else:
            c.append('    em->emit(em, "%s", NULL);\n' % ev.name)
        c.append('}\n\n')
    return ''.join(c)

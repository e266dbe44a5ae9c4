#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of scripts/qapi-gen.py (TAP output).

Runs the generator on tests/unit/qapi-schema/good.json and checks the
generated C and introspection data, then feeds it broken schemas and
checks the error messages.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, '..', '..', 'scripts', 'qapi-gen.py')

results = []


def check(name, cond, detail=''):
    results.append((name, bool(cond), detail))


def run_gen(schema, outdir, *extra):
    return subprocess.run([sys.executable, GEN, '-o', outdir, *extra, schema],
                          capture_output=True, text=True)


def read(outdir, name):
    with open(os.path.join(outdir, name), encoding='utf-8') as f:
        return f.read()


def compile_generated(out):
    """The generated C for the test schema compiles warning-free."""
    cc = os.environ.get('CC', 'cc')
    if not shutil.which(cc.split()[0]) or not shutil.which('pkg-config'):
        results.append(('generated C compiles # SKIP no compiler', True, ''))
        return
    flags = subprocess.run(['pkg-config', '--cflags', 'glib-2.0',
                            'json-glib-1.0'], capture_output=True,
                           text=True).stdout.split()
    # The generated files include "qapi/qapi-types.h": make OUT/qapi.
    root = os.path.dirname(out)
    inc = os.path.join(HERE, '..', '..', 'include')
    for src in ('qapi-types.c', 'qapi-json.c', 'qapi-commands.c',
                'qapi-events.c', 'qapi-introspect.c',
                'qapi-commands-unimpl.c'):
        r = subprocess.run(cc.split() + ['-std=gnu11', '-fsyntax-only',
                                         '-Wall', '-Wextra', '-Werror',
                                         '-Wno-unused-parameter',
                                         '-Wno-missing-field-initializers',
                                         '-I', root, '-I', inc] + flags +
                           [os.path.join(out, src)],
                           capture_output=True, text=True)
        check('generated %s compiles' % src, r.returncode == 0, r.stderr)


def test_good():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'qapi')
        r = run_gen(os.path.join(HERE, 'qapi-schema', 'good.json'), out)
        check('good schema generates', r.returncode == 0, r.stderr)
        if r.returncode:
            return
        h = read(out, 'qapi-types.h')
        check('enum constants', 'COLOUR_LIGHT_BLUE,' in h and
              'COLOUR__MAX' in h)
        check('enum _str macro', '#define Colour_str(val)' in h)
        check('base members flattened',
              re.search(r'struct Thing \{\s*Colour kind;', h))
        check('has_ for optional scalar',
              'bool has_size;\n    uint16_t size;' in h)
        check('has_ for optional pointer',
              'bool has_tags;\n    strList *tags;' in h)
        check('C keyword protected', 'char *q_default;' in h)
        check('union embeds variant', 'Sub red;' in h)
        check('alternate', 'QType type;' in h and 'int64_t n;' in h)
        check('autoptr', 'G_DEFINE_AUTOPTR_CLEANUP_FUNC(Thing, '
              'qapi_free_Thing)' in h)
        ch = read(out, 'qapi-commands.h')
        check('boxed handler prototype',
              'ShapeList *qmp_do_it(MachineState *ms, Thing *arg, '
              'GError **errp);' in ch)
        eh = read(out, 'qapi-events.h')
        check('event sender prototype',
              re.search(r'void qapi_event_send_happened\(QAPIEventEmitter '
                        r'\*em, Colour what,\s+bool has_when, '
                        r'int64_t when\);', eh))
        un = read(out, 'qapi-commands-unimpl.c')
        check('weak fallback', '__attribute__((weak))' in un and
              "Command '%s' is not available yet" in un)
        intro = read(out, 'qapi-introspect.c')
        text = ''.join(json.loads(s) for s in
                       re.findall(r'^    (".*")', intro, re.M))
        info = json.loads(text)
        names = {e['name']: e for e in info}
        check('introspection lists command and event',
              'do-it' in names and 'HAPPENED' in names)
        arg = names[names['do-it']['arg-type']]
        check('type names masked', names['do-it']['arg-type'].isdigit())
        size = [m for m in arg['members'] if m['name'] == 'size'][0]
        check('integers shown as int, optional has default',
              size['type'] == 'int' and size['default'] is None)
        enum = names[[m for m in arg['members']
                      if m['name'] == 'kind'][0]['type']]
        check('enum features', enum['members'][1] ==
              {'name': 'light-blue', 'features': ['unstable']})
        shape = names[names['do-it']['ret-type']]
        check('array of union', shape['meta-type'] == 'array')
        union = names[shape['element-type']]
        check('union tag and variants', union.get('tag') == 'kind' and
              union['variants'][0]['case'] == 'red')
        compile_generated(out)
        r = run_gen(os.path.join(HERE, 'qapi-schema', 'good.json'), out,
                    '--no-weak-fallbacks')
        un = read(out, 'qapi-commands-unimpl.c')
        check('--no-weak-fallbacks', r.returncode == 0 and
              '__attribute__((weak))' not in un)


DOC = "##\n# @%s:\n#\n# x\n#\n# Since: 1.0\n##\n"

BAD = [
    ('missing doc', "{ 'enum': 'E', 'data': [ 'a' ] }\n",
     "'E' needs a doc block starting with '@E:'"),
    ('missing Since', "##\n# @E:\n#\n# x\n##\n{ 'enum': 'E', 'data': [] }\n",
     "doc of 'E' lacks 'Since:'"),
    ('unknown type', DOC % 'S' + "{ 'struct': 'S', 'data': { 'a': 'Nope' } }\n",
     "unknown type 'Nope'"),
    ('duplicate type', DOC % 'S' + "{ 'struct': 'S', 'data': {} }\n" +
     DOC % 'S' + "{ 'struct': 'S', 'data': {} }\n",
     "'S' is already defined"),
    ('unknown key', DOC % 'c' + "{ 'command': 'c', 'bogus': true }\n",
     "unknown key(s) ['bogus']"),
    ('boxed without type', DOC % 'c' +
     "{ 'command': 'c', 'boxed': true, 'data': { 'a': 'int' } }\n",
     "'boxed' needs 'data' naming a type"),
    ('member clash', DOC % 'S' +
     "{ 'struct': 'S', 'data': { 'a-b': 'int', 'a_b': 'int' } }\n",
     "member 'a_b' clashes with 'a-b'"),
    ('lower-case event', DOC % 'ev' + "{ 'event': 'ev' }\n",
     "event name 'ev' must be upper case"),
    ('syntax', DOC % 'S' + "{ 'struct': 'S', 'data': { 'a': 'int' }\n",
     "expected '}'"),
    ('double quotes', DOC % 'S' + '{ "struct": "S" }\n',
     'expected string key'),
]


def test_bad():
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, want in BAD:
            path = os.path.join(tmp, 'bad.json')
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
            r = run_gen(path, os.path.join(tmp, 'out'))
            check('rejects: ' + name,
                  r.returncode == 1 and want in r.stderr, r.stderr.strip())


def main():
    test_good()
    test_bad()
    print('1..%d' % len(results))
    for i, (name, ok, detail) in enumerate(results, 1):
        print('%s %d %s' % ('ok' if ok else 'not ok', i, name))
        if not ok and detail:
            for line in detail.splitlines():
                print('# ' + line)
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())

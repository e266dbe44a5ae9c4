#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compile the QAPI schema to C.

Usage: qapi-gen.py [-o OUTDIR] [--no-weak-fallbacks] [--deps] SCHEMA

Writes into OUTDIR (default "."): qapi-types.h/.c, qapi-json.h/.c,
qapi-commands.h/.c, qapi-commands-unimpl.c, qapi-events.h/.c,
qapi-introspect.h/.c; see
docs/devel/qapi.rst for every output and its contents.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qapi.parser import parse_schema, all_files, QAPIError  # noqa: E402
from qapi.schema import Schema  # noqa: E402
from qapi import gen_types, gen_json, gen_commands  # noqa: E402
from qapi import gen_events, gen_introspect  # noqa: E402


def outputs(schema, weak_fallbacks):
    return {
        'qapi-types.h': gen_types.gen_header(schema),
        'qapi-types.c': gen_types.gen_source(schema),
        'qapi-json.h': gen_json.gen_header(schema),
        'qapi-json.c': gen_json.gen_source(schema),
        'qapi-commands.h': gen_commands.gen_header(schema),
        'qapi-commands.c': gen_commands.gen_source(schema),
        'qapi-commands-unimpl.c': gen_commands.gen_unimpl(schema,
                                                          weak_fallbacks),
        'qapi-events.h': gen_events.gen_header(schema),
        'qapi-events.c': gen_events.gen_source(schema),
        'qapi-introspect.h': gen_introspect.gen_header(schema),
        'qapi-introspect.c': gen_introspect.gen_source(schema),
    }


def write_output(path, text):
    """Write @path atomically.  Always (re)written, so that its time
    stamp is newer than the schema's: the build system reruns us when
    the schema changes and expects fresh outputs."""
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-o', '--output-dir', default='.')
    ap.add_argument('--no-weak-fallbacks', action='store_true',
                    help='emit an empty qapi-commands-unimpl.c: every '
                         'command handler must then be implemented')
    ap.add_argument('--deps', action='store_true',
                    help='print the schema files and exit')
    ap.add_argument('schema')
    args = ap.parse_args()
    try:
        if args.deps:
            print('\n'.join(all_files(args.schema)))
            return 0
        schema = Schema(parse_schema(args.schema))
    except QAPIError as e:
        print('qapi-gen: %s' % e, file=sys.stderr)
        return 1
    os.makedirs(args.output_dir, exist_ok=True)
    for name, text in outputs(schema, not args.no_weak_fallbacks).items():
        write_output(os.path.join(args.output_dir, name), text)
    return 0


if __name__ == '__main__':
    sys.exit(main())

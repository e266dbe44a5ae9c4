#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Count test cases in meson testlog.json files.

Our GTest programs run with --tap; every "ok"/"not ok" line is one case,
"# SKIP" marks a skipped one.  A test program that failed without any TAP
line (crash before the first case) counts as one failed case.
Prints "N passed, N failed[, N skipped]".
"""
import json
import os
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b[^#]*(#\s*(SKIP|TODO)\b)?', re.I)


def count(path, totals):
    if not os.path.exists(path):
        # A suite that never ran (e.g. the build failed) is one failure.
        print(f'test-summary: {path} is missing', file=sys.stderr)
        totals['failed'] += 1
        return
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            seen = 0
            bad = 0
            for out in (entry.get('stdout') or '').splitlines():
                m = TAP.match(out.strip())
                if not m:
                    continue
                seen += 1
                if m.group(3) and m.group(3).upper() == 'SKIP':
                    totals['skipped'] += 1
                elif m.group(1) == 'ok':
                    totals['passed'] += 1
                else:
                    totals['failed'] += 1
                    bad += 1
            if seen == 0:
                res = entry.get('result', '')
                if res == 'OK':
                    totals['passed'] += 1
                elif res == 'SKIP':
                    totals['skipped'] += 1
                else:
                    totals['failed'] += 1
            elif entry.get('result') not in ('OK', 'SKIP') and bad == 0:
                # All cases passed but the program still failed (e.g. a
                # leak report at exit): that is a failure too.
                totals['failed'] += 1


def main():
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    for path in sys.argv[1:]:
        count(path, totals)
    line = f"{totals['passed']} passed, {totals['failed']} failed"
    if totals['skipped']:
        line += f", {totals['skipped']} skipped"
    print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())

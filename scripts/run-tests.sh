#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the meson test suites of a build directory and print a one-line
# summary of the individual test cases ("N passed, N failed, N skipped").
# usage: run-tests.sh BUILDDIR [SUITE]
set -u
build=${1:?usage: run-tests.sh BUILDDIR [SUITE]}
suite=${2:-}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "$suite" ]; then
    meson test -C "$build" --print-errorlogs --suite "$suite"
else
    meson test -C "$build" --print-errorlogs
fi
rc=$?
python3 "$srcdir/scripts/test-summary.py" "$build/meson-logs/testlog.json"
exit $rc

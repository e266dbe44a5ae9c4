#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench [FULL=1]: the zcmig / QEMU 7.2 / copy-limit benchmark.
# usage: scripts/bench.sh BUILDDIR [--full] [more bench/run-bench.sh options]
srcdir=$(cd "$(dirname "$0")/.." && pwd)
exec "$srcdir/bench/run-bench.sh" "$@"

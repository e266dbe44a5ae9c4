#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# zcmig demo: live-migrate a 1 GiB RAM-only VM between two zcmig
# processes over TCP loopback with multifd (4 channels) and zero-copy
# send, verify the destination's RAM against the source's, and show the
# throughput, the downtime and the zero-copy counters.
#
# Usage: scripts/demo.sh BUILDDIR [RAM_MIB]
set -euo pipefail

BUILDDIR=${1:?usage: $0 BUILDDIR [RAM_MIB]}
RAM_MIB=${2:-1024}
ZCMIG=$BUILDDIR/zcmig
[ -x "$ZCMIG" ] || { echo "demo: $ZCMIG not found; run make first" >&2; exit 1; }

TMP=$(mktemp -d /tmp/zcmig-demo.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# Zero copy pins the pages in flight: they count against RLIMIT_MEMLOCK
# (libvirt raises it to the guest size; we ask for it and live with less).
ulimit -l unlimited 2>/dev/null || ulimit -l $((RAM_MIB * 1024)) 2>/dev/null || true

start() {
    local name=$1; shift
    # Shared memfd RAM, as libvirt sets up for vhost-user guests: the
    # destination then splices page data into the RAM file.
    "$ZCMIG" -nodefaults -display none -M none -m "$RAM_MIB" \
        -object "memory-backend-memfd,id=mem0,size=${RAM_MIB}M" \
        -machine memory-backend=mem0 \
        -qmp "unix:$TMP/$name.sock,server=on,wait=off" "$@" \
        >"$TMP/$name.log" 2>&1 &
    PIDS+=($!)
}

echo "== zcmig demo: ${RAM_MIB} MiB guest (memfd RAM), multifd x4, zero-copy send, TCP loopback"
start dst -S -incoming defer
start src

# The QMP conversation (settings, migrate, progress, checksums, counters)
# is driven by bench/zcmig-migrate, a small C client.
"$BUILDDIR/bench/zcmig-migrate" --channels 4 --zero-copy-if-available \
    --fill-seed "$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')" \
    --progress --verify-checksum --cont \
    --src-pid "${PIDS[1]}" --dst-pid "${PIDS[0]}" \
    "$TMP/src.sock" "$TMP/dst.sock"
echo "== demo finished"

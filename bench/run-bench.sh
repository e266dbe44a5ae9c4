#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Side-by-side migration benchmark: zcmig vs Debian's QEMU 7.2 vs the
# plain TCP copy limit (bench/copy-tool), on this machine, over loopback.
#
# Both VMs are RAM-only ("-M none -nodefaults -display none") with the
# same file-backed RAM in /dev/shm (random contents, generated once per
# size); the destination gets a fresh file each run.  Runs of the
# different implementations alternate (A/B/C, rotating order) so that
# machine noise hits all of them alike; medians are reported.
#
# usage: bench/run-bench.sh BUILDDIR [--full] [--reps N] [--sizes "256M 2G"]
#            [--channels "1 2"] [--impls "zcmig qemu copy"] [--out DIR]
#            [--zero-copy "0 1"] [--alt ZCMIG_BINARY]
#   --alt adds implementation "alt": another zcmig binary (A/B of a change)
#   impl "splice": the copy tool receiving with splice() into the file
#   (copy-tool --splice-recv), the limit for receivers that write through
#   the file as zcmig's multifd destination does
#   short (default): 2 GiB, 2 channels, zero copy off/on, 5 repetitions
#   --full: sizes 256M..8G at 2 channels, channels 1/2/4/8 at 2 GiB, 3 reps
# Results: bench/results/<timestamp>/ (raw.txt, summary.md, *.png)
set -euo pipefail

die() { echo "run-bench: $*" >&2; exit 1; }

BUILD=${1:?usage: $0 BUILDDIR [--full] [options]}
shift
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
FULL=0
REPS=
SIZES=
CHANNELS=
IMPLS="zcmig qemu copy splice"
ZCS="0 1"
OUT=
ALT=
QEMU=${QEMU:-qemu-system-x86_64}
SHM=${BENCH_SHM:-/dev/shm}
while [ $# -gt 0 ]; do
    case $1 in
    --full) FULL=1 ;;
    --reps) REPS=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    --channels) CHANNELS=$2; shift ;;
    --impls) IMPLS=$2; shift ;;
    --zero-copy) ZCS=$2; shift ;;
    --out) OUT=$2; shift ;;
    --alt) ALT=$2; IMPLS="$IMPLS alt"; shift ;;
    *) die "unknown option $1" ;;
    esac
    shift
done

ZCMIG=$BUILD/zcmig
MIGRATE=$BUILD/bench/zcmig-migrate
COPY=$BUILD/bench/copy-tool
for f in "$ZCMIG" "$MIGRATE" "$COPY"; do
    [ -x "$f" ] || die "$f missing: build $BUILD first (ninja -C $BUILD)"
done
case " $IMPLS " in
*" qemu "*) command -v "$QEMU" >/dev/null || die "$QEMU not found" ;;
esac

if [ "$FULL" = 1 ]; then
    : "${REPS:=3}"
    # Size sweep at 2 channels, channel sweep at 2 GiB.
    PLAN=""
    for s in ${SIZES:-256M 512M 1G 2G 4G 8G}; do PLAN+="$s:2 "; done
    for c in ${CHANNELS:-1 4 8}; do PLAN+="2G:$c "; done
else
    : "${REPS:=5}"
    PLAN=""
    for s in ${SIZES:-2G}; do
        for c in ${CHANNELS:-2}; do PLAN+="$s:$c "; done
    done
fi

# gnuplot for the plots (Debian package), if we may install it.
if ! command -v gnuplot >/dev/null && [ "$(id -u)" = 0 ] &&
   command -v apt-get >/dev/null; then
    echo "run-bench: installing gnuplot-nox for the plots"
    apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 ||
        echo "run-bench: gnuplot-nox could not be installed; no plots"
fi

# Zero copy pins pages in flight: they count against RLIMIT_MEMLOCK.
ulimit -l unlimited 2>/dev/null || true

STAMP=$(date +%Y%m%d-%H%M%S)
OUT=${OUT:-$SRCDIR/bench/results/$STAMP}
mkdir -p "$OUT"
RAW=$OUT/raw.txt
: >"$RAW"
TMP=$(mktemp -d /tmp/zcmig-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
    rm -f "$SHM"/zcmig-bench-dst.$$ "$SHM"/zcmig-bench-ram.$$.*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
    echo "date: $(date -Is)"
    echo "host: $(uname -srm)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)" \
         "x $(nproc)"
    echo "mem: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "zcmig: $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null)" \
         "$(grep -m1 buildtype "$BUILD/meson-info/intro-buildoptions.json" \
            >/dev/null 2>&1 && sed -n 's/.*"name": "buildtype", "value": "\([a-z]*\)".*/\1/p' \
            "$BUILD/meson-info/intro-buildoptions.json")"
    echo "qemu: $("$QEMU" --version 2>/dev/null | head -1)"
    echo "plan: $PLAN reps=$REPS impls=$IMPLS zero-copy=$ZCS"
} >"$OUT/env.txt"
cat "$OUT/env.txt"

bytes_of() {
    local n=${1%[KMG]}
    case $1 in
    *K) echo $((n << 10)) ;; *M) echo $((n << 20)) ;;
    *G) echo $((n << 30)) ;; *) echo "$1" ;;
    esac
}

# vm BINARY NAME SIZE MEMPATH [extra args...] -> sets VMPID
vm() {
    local bin=$1 name=$2 size=$3 path=$4
    shift 4
    "$bin" -M none -nodefaults -display none -m $(( $(bytes_of "$size") >> 20 )) \
        -object "memory-backend-file,id=mem0,size=$size,mem-path=$path,share=on" \
        -machine memory-backend=mem0 \
        -qmp "unix:$TMP/$name.sock,server=on,wait=off" "$@" \
        >"$TMP/$name.log" 2>&1 &
    VMPID=$!
    PIDS+=("$VMPID")
}

# one_run IMPL SIZE CHANNELS ZC REP
one_run() {
    local impl=$1 size=$2 ch=$3 zc=$4 rep=$5 src=$SHM/zcmig-bench-ram.$$.$2
    local dst=$SHM/zcmig-bench-dst.$$ line bin sp dp zcopt=
    rm -f "$dst" "$TMP"/*.sock
    if [ "$impl" = copy ] || [ "$impl" = splice ]; then
        local how=
        [ "$impl" = splice ] && how=--splice-recv
        line=$("$COPY" run --src "$src" --dst "$dst" -n "$ch" $how) || line="RESULT status=failed"
    else
        bin=$ZCMIG
        [ "$impl" = qemu ] && bin=$QEMU
        [ "$impl" = alt ] && bin=$ALT
        [ "$zc" = 1 ] && zcopt=--zero-copy
        vm "$bin" src "$size" "$src"; sp=$VMPID
        vm "$bin" dst "$size" "$dst" -incoming defer; dp=$VMPID
        line=$("$MIGRATE" -q -n "$ch" $zcopt --src-pid "$sp" --dst-pid "$dp" \
               "$TMP/src.sock" "$TMP/dst.sock" 2>"$TMP/migrate.err" |
               grep '^RESULT' | tail -1) || true
        [ -n "$line" ] || line="RESULT status=failed"
        if ! grep -q 'status=completed' <<<"$line"; then
            echo "run-bench: $impl failed:" >&2
            cat "$TMP/migrate.err" "$TMP"/src.log "$TMP"/dst.log >&2 || true
        fi
        kill "$sp" "$dp" 2>/dev/null || true
        wait "$sp" 2>/dev/null || true
        wait "$dp" 2>/dev/null || true
    fi
    rm -f "$dst"
    echo "impl=$impl size=$size channels=$ch zc=$zc rep=$rep ${line#RESULT }" |
        tee -a "$RAW"
}

for item in $PLAN; do
    size=${item%%:*}
    ch=${item##*:}
    bytes=$(bytes_of "$size")
    src=$SHM/zcmig-bench-ram.$$.$size
    avail=$(awk '/MemAvailable/ {printf "%.0f", $2 * 1024}' /proc/meminfo)
    if [ ! -f "$src" ] && [ $((bytes * 2 + (1 << 30))) -gt "$avail" ]; then
        echo "run-bench: skipping $size: needs 2 x $size + 1 GiB of" \
             "memory, $((avail >> 20)) MiB available" | tee -a "$OUT/env.txt"
        continue
    fi
    [ -f "$src" ] || "$COPY" gen --src "$src" --size "$size"
    # Configurations of this point, run in rotating order per repetition.
    configs=()
    for impl in $IMPLS; do
        if [ "$impl" = copy ] || [ "$impl" = splice ]; then
            configs+=("$impl:0")
        else
            for zc in $ZCS; do configs+=("$impl:$zc"); done
        fi
    done
    # One discarded warm-up (first touch of memory is slower).
    "$COPY" run --src "$src" --dst "$SHM/zcmig-bench-dst.$$" -n "$ch" >/dev/null
    for rep in $(seq 1 "$REPS"); do
        n=${#configs[@]}
        for k in $(seq 0 $((n - 1))); do
            c=${configs[$(( (k + rep) % n ))]}
            one_run "${c%%:*}" "$size" "$ch" "${c##*:}" "$rep"
        done
    done
    # Keep the largest file only as long as needed.
    rm -f "$src"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env.txt"

"$SRCDIR/bench/summarize.sh" "$OUT"
echo "run-bench: results in $OUT"

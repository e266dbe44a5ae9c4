#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Turn a run-bench.sh result directory (raw.txt) into medians, a
# markdown summary (summary.md) and PNG plots (gnuplot, when installed).
#
# usage: bench/summarize.sh RESULTDIR [HEADLINE_SIZE] [HEADLINE_CHANNELS]
set -euo pipefail

DIR=${1:?usage: $0 RESULTDIR [SIZE] [CHANNELS]}
HSIZE=${2:-2G}
HCH=${3:-2}
RAW=$DIR/raw.txt
[ -s "$RAW" ] || { echo "summarize: $RAW is empty" >&2; exit 1; }

# medians.txt: one line per configuration, key=value fields.
awk '
function val(k,   i, kv) {
    for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == k) return kv[2]
    }
    return ""
}
function bytes(s,   n) {
    n = s + 0
    if (s ~ /K$/) return n * 1024
    if (s ~ /M$/) return n * 1048576
    if (s ~ /G$/) return n * 1073741824
    return n
}
function add(key, m, v) {
    cnt[key, m]++
    vals[key, m, cnt[key, m]] = v
}
function median(key, m,   n, i, j, t, a) {
    n = cnt[key, m]
    if (!n) return -1
    for (i = 1; i <= n; i++) a[i] = vals[key, m, i]
    for (i = 2; i <= n; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
val("status") != "completed" && !(val("status") == "" && val("wall_ms") != "") {
    key = val("impl") " " val("zc") " " val("size") " " val("channels")
    failed[key]++
    keys[key] = 1
    next
}
{
    key = val("impl") " " val("zc") " " val("size") " " val("channels")
    keys[key] = 1
    b = val("ram_bytes"); if (b == "") b = val("bytes")
    if (b == "" || b <= 0) b = bytes(val("size"))
    gib = b / 1073741824
    w = val("wall_ms")
    cpu = val("src_cpu_s") + val("dst_cpu_s")
    add(key, "wall", w)
    add(key, "mibs", b / 1048576 / (w / 1000))
    add(key, "src_cpu", val("src_cpu_s"))
    add(key, "dst_cpu", val("dst_cpu_s"))
    add(key, "cpu_gib", cpu / gib)
    add(key, "ms_gib", w / gib)
    d = val("downtime_ms"); add(key, "downtime", d == "" ? -1 : d)
    z = val("zc_disabled"); add(key, "zc_disabled", z == "" ? 0 : z)
    gibs[key] = gib
}
END {
    for (key in keys) {
        split(key, k, " ")
        printf "impl=%s zc=%s size=%s channels=%s gib=%g runs=%d failed=%d",
               k[1], k[2], k[3], k[4], gibs[key], cnt[key, "wall"],
               failed[key] + 0
        n = split("wall mibs src_cpu dst_cpu cpu_gib ms_gib downtime zc_disabled", ms, " ")
        for (i = 1; i <= n; i++) printf " %s=%.3f", ms[i], median(key, ms[i])
        printf "\n"
    }
}' "$RAW" | sort -t= -k2 >"$DIR/medians.txt"

# summary.md from the medians.
awk -v HSIZE="$HSIZE" -v HCH="$HCH" '
function val(str, k,   i, n, f, kv) {
    n = split(str, f, " ")
    for (i = 1; i <= n; i++) {
        split(f[i], kv, "=")
        if (kv[1] == k) return kv[2]
    }
    return ""
}
function label(impl, zc) {
    if (impl == "copy") return "copy tool"
    if (impl == "splice") return "copy tool, splice recv"
    if (impl == "alt") return "alt zcmig" (zc == 1 ? " zero-copy" : "")
    return impl (zc == 1 ? " zero-copy" : "")
}
{
    impl = val($0, "impl"); zc = val($0, "zc")
    size = val($0, "size"); ch = val($0, "channels")
    L[impl, zc, size, ch] = $0
    if (!(size in seen_size)) { seen_size[size] = 1; sizes[++ns] = size; gib[size] = val($0, "gib") }
    if (!(ch in seen_ch)) { seen_ch[ch] = 1; chans[++nc] = ch }
    present[impl ":" zc] = 1
}
END {
    # sort sizes by GiB, channels numerically
    for (i = 2; i <= ns; i++) { t = sizes[i]; for (j = i - 1; j >= 1 && gib[sizes[j]] > gib[t]; j--) sizes[j + 1] = sizes[j]; sizes[j + 1] = t }
    for (i = 2; i <= nc; i++) { t = chans[i]; for (j = i - 1; j >= 1 && chans[j] + 0 > t + 0; j--) chans[j + 1] = chans[j]; chans[j + 1] = t }
    na = split("zcmig:0 zcmig:1 alt:0 alt:1 qemu:0 qemu:1 copy:0 splice:0", all, " ")
    ni = 0
    for (i = 1; i <= na; i++) if (all[i] in present) impls[++ni] = all[i]

    printf "## %s, %s channels (medians)\n\n", HSIZE, HCH
    printf "| | runs | wall ms | MiB/s | src CPU s | dst CPU s | CPU s/GiB | downtime ms | MiB/s vs QEMU | CPU/GiB vs QEMU | wall vs copy tool |\n"
    printf "|---|---|---|---|---|---|---|---|---|---|---|\n"
    q = L["qemu", 0, HSIZE, HCH]; c = L["copy", 0, HSIZE, HCH]
    for (i = 1; i <= ni; i++) {
        split(impls[i], p, ":")
        l = L[p[1], p[2], HSIZE, HCH]
        if (l == "") continue
        qz = L["qemu", p[2], HSIZE, HCH]; if (qz == "") qz = q
        printf "| %s | %d%s | %.0f | %.0f | %.2f | %.2f | %.2f | %s | %s | %s | %s |\n",
            label(p[1], p[2]), val(l, "runs"),
            (val(l, "failed") > 0 ? " (+" val(l, "failed") " failed)" : ""),
            val(l, "wall"), val(l, "mibs"), val(l, "src_cpu"), val(l, "dst_cpu"),
            val(l, "cpu_gib"),
            (val(l, "downtime") < 0 ? "-" : sprintf("%.0f", val(l, "downtime"))),
            (qz == "" || p[1] == "qemu" ? "-" : sprintf("%.2fx", val(l, "mibs") / val(qz, "mibs"))),
            (q == "" || p[1] == "qemu" ? "-" : sprintf("%.2fx", val(l, "cpu_gib") / val(q, "cpu_gib"))),
            (c == "" || p[1] == "copy" ? "-" : sprintf("%.2fx", val(l, "wall") / val(c, "wall")))
    }
    z0 = L["zcmig", 0, HSIZE, HCH]; z1 = L["zcmig", 1, HSIZE, HCH]
    if (z0 != "" && z1 != "")
        printf "\nzcmig zero-copy vs copy mode: wall %.3fx (%+.1f%%)\n",
            val(z1, "wall") / val(z0, "wall"), (val(z1, "wall") / val(z0, "wall") - 1) * 100

    if (ns > 1) {
        printf "\n## Time per GiB vs RAM size (%s channels, medians, ms/GiB)\n\n", HCH
        printf "| size |"
        for (i = 1; i <= ni; i++) { split(impls[i], p, ":"); printf " %s |", label(p[1], p[2]) }
        printf "\n|---|"
        for (i = 1; i <= ni; i++) printf "---|"
        printf "\n"
        for (s = 1; s <= ns; s++) {
            printf "| %s |", sizes[s]
            for (i = 1; i <= ni; i++) {
                split(impls[i], p, ":")
                l = L[p[1], p[2], sizes[s], HCH]
                printf " %s |", (l == "" ? "-" : sprintf("%.0f", val(l, "ms_gib")))
                if (l != "") {
                    v = val(l, "ms_gib") + 0
                    if (!(impls[i] in lo) || v < lo[impls[i]]) lo[impls[i]] = v
                    if (!(impls[i] in hi) || v > hi[impls[i]]) hi[impls[i]] = v
                }
            }
            printf "\n"
        }
        printf "| max/min |"
        for (i = 1; i <= ni; i++) printf " %s |", (((impls[i] in lo) && lo[impls[i]] > 0) ? sprintf("%.2f", hi[impls[i]] / lo[impls[i]]) : "-")
        printf "\n"
    }
    if (nc > 1) {
        printf "\n## Throughput vs channels (%s, medians, MiB/s)\n\n", HSIZE
        printf "| channels |"
        for (i = 1; i <= ni; i++) { split(impls[i], p, ":"); printf " %s |", label(p[1], p[2]) }
        printf "\n|---|"
        for (i = 1; i <= ni; i++) printf "---|"
        printf "\n"
        for (k = 1; k <= nc; k++) {
            printf "| %s |", chans[k]
            for (i = 1; i <= ni; i++) {
                split(impls[i], p, ":")
                l = L[p[1], p[2], HSIZE, chans[k]]
                printf " %s |", (l == "" ? "-" : sprintf("%.0f", val(l, "mibs")))
            }
            printf "\n"
        }
    }
    printf "\n## All configurations (medians)\n\n"
    printf "| size | ch | | runs | wall ms | MiB/s | CPU s/GiB (src+dst) | downtime ms |\n|---|---|---|---|---|---|---|---|\n"
    for (s = 1; s <= ns; s++) for (k = 1; k <= nc; k++) for (i = 1; i <= ni; i++) {
        split(impls[i], p, ":")
        l = L[p[1], p[2], sizes[s], chans[k]]
        if (l == "") continue
        printf "| %s | %s | %s | %d | %.0f | %.0f | %.2f | %s |\n", sizes[s], chans[k],
            label(p[1], p[2]), val(l, "runs"), val(l, "wall"), val(l, "mibs"),
            val(l, "cpu_gib"), (val(l, "downtime") < 0 ? "-" : sprintf("%.0f", val(l, "downtime")))
    }
}' "$DIR/medians.txt" >"$DIR/summary.md"
cat "$DIR/summary.md"

command -v gnuplot >/dev/null || { echo "summarize: no gnuplot, no plots"; exit 0; }

# Data files for gnuplot: one block per implementation.
plotdata() {   # $1 = x field (gib|channels), $2 = filter field, $3 = value
    local x=$1 f=$2 v=$3 cfg
    for cfg in zcmig:0 zcmig:1 qemu:0 qemu:1 copy:0 splice:0; do
        awk -v I="${cfg%%:*}" -v Z="${cfg##*:}" -v X="$x" -v F="$f" -v V="$v" '
            function val(k,  i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
            val("impl") == I && val("zc") == Z && val(F) == V {
                print val(X), val("wall") / 1000, val("mibs") }' \
            "$DIR/medians.txt" | sort -g
        printf '\n\n'
    done
}
plotdata channels size "$HSIZE" >"$DIR/by-channels.dat"
plotdata gib channels "$HCH" >"$DIR/by-size.dat"

gnuplot <<EOF
set terminal pngcairo size 900,560 font "sans,11" noenhanced
set grid
set key outside right top
titles = "zcmig zcmig_zero-copy qemu-7.2 qemu-7.2_zero-copy copy-tool copy-tool_splice-recv"
set output "$DIR/throughput-vs-channels.png"
set title "Throughput vs multifd channels ($HSIZE RAM, loopback, medians)"
set xlabel "channels (TCP streams for the copy tool)"
set ylabel "MiB/s (RAM size / wall time)"
set logscale x 2
set xrange [0.8:10]
set xtics ("1" 1, "2" 2, "4" 4, "8" 8)
set yrange [0:*]
plot for [i=0:5] "$DIR/by-channels.dat" index i using 1:3 with linespoints lw 2 title word(titles, i+1)
set output "$DIR/time-vs-size.png"
set title "Migration time vs RAM size ($HCH channels, loopback, medians)"
set xlabel "RAM (GiB)"
set ylabel "wall time (s)"
set logscale xy 2
set xrange [0.2:10]
set xtics ("0.25" 0.25, "0.5" 0.5, "1" 1, "2" 2, "4" 4, "8" 8)
set yrange [*:*]
plot for [i=0:5] "$DIR/by-size.dat" index i using 1:2 with linespoints lw 2 title word(titles, i+1)
set output "$DIR/time-per-gib-vs-size.png"
set title "Time per GiB vs RAM size ($HCH channels, loopback, medians; flat = scales linearly)"
set ylabel "ms per GiB"
unset logscale y
set yrange [0:*]
plot for [i=0:5] "$DIR/by-size.dat" index i using 1:(\$2 * 1000 / \$1) with linespoints lw 2 title word(titles, i+1)
EOF
echo "summarize: plots in $DIR"

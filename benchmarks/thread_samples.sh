#!/bin/bash
# Where a replay's processor time goes, by thread and by part of the work: samples of
# `perf record` at 999 Hz (each about a millisecond of one processor's time), counted for the
# calling thread (the life-cycle check) and by function: the life-cycle check, the decoders, the
# projections' fold, the kernel, the rest. Unlike wall time, these counts do not include waiting,
# so two builds can be compared one part at a time in a few runs; run the builds alternately.
#
#   benchmarks/thread_samples.sh ROUNDS LOG PERIOD BIN [BIN …]
#   benchmarks/thread_samples.sh 3 /tmp/q16/prov.jsonl 2024-06 OLD/ledger-cli .build/release/ledger-cli
#
# Needs `perf` (Debian: linux-perf) allowed to sample the process (perf_event_paranoid ≤ 2 for
# one's own processes). The output of each replay is discarded.
set -euo pipefail
if [ $# -lt 4 ]; then sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 64; fi
rounds=$1 log=$2 period=$3
shift 3
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
printf '%-40s %7s %7s %9s %7s %8s %7s %7s\n' build all calling lifecycle decode projfold kernel other
for _ in $(seq "$rounds"); do
    for bin in "$@"; do
        perf record -q -F 999 -o "$data/perf.data" "$bin" replay "$log" -p "$period" --format json > /dev/null 2> "$data/err" \
            || { echo "$bin failed:"; cat "$data/err"; exit 1; }
        perf script -i "$data/perf.data" -F pid,tid,ip,sym 2> /dev/null | awk -v bin="$bin" '
            { split($1, t, "/"); all++; if (t[1] == t[2]) calling++
              if ($3 ~ /LifecycleValidator|ByteInterner/) life++
              else if ($3 ~ /FlatLineDecoder|decodeLines|ledger_cjk/) decode++
              else if ($3 ~ /Projection.*fold/) fold++
              else if ($2 ~ /^ffffffff/) kernel++
              else other++ }
            END { printf "%-40s %7d %7d %9d %7d %8d %7d %7d\n", bin, all, calling, life, decode, fold, kernel, other }'
    done
done

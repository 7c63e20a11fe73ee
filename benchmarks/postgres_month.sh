#!/usr/bin/env bash
# A month's replay of a log from the file and from PostgreSQL, alternating, each output compared
# with the file's byte for byte.
#
#   benchmarks/postgres_month.sh LOG UNIX_URI [TCP_URI] [ROUNDS] [OTHER_BUILD]
#
# LOG is a file log (say `ledger-bench generate --tickets 500000 --seed 1 > /tmp/year.jsonl`),
# UNIX_URI a ledger holding the same lines (`ledger-cli copy LOG URI`, then `VACUUM ANALYZE`)
# reached over a Unix socket, TCP_URI the same ledger over TCP (optional: pass "" to skip).
# OTHER_BUILD, when given, is another ledger-cli replaying UNIX_URI in the same rounds (a build to
# compare with). LEDGER_CLI names the build measured (default: the Postgres-trait release build,
# `swift build -c release --traits Postgres --scratch-path .build-pg-rel`).
# Prints each round's wall times and their ratios to the file's, then the machine's load.
set -euo pipefail
LOG=${1:?usage: postgres_month.sh LOG UNIX_URI [TCP_URI] [ROUNDS] [OTHER_BUILD]}
UNIX_URI=${2:?usage: postgres_month.sh LOG UNIX_URI [TCP_URI] [ROUNDS] [OTHER_BUILD]}
TCP_URI=${3:-}
ROUNDS=${4:-10}
OTHER=${5:-}
CLI=${LEDGER_CLI:-.build-pg-rel/release/ledger-cli}
PERIOD=${PERIOD:-2024-06}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Wall seconds of one replay; its output goes to $WORK/$1.json.
timed() {
    local name=$1; shift
    /usr/bin/time -f "%e" -o "$WORK/time" "$@" replay "$SOURCE" -p "$PERIOD" --format json > "$WORK/$name.json"
    cat "$WORK/time"
}

same() {
    cmp -s "$WORK/file.json" "$WORK/$1.json" || { echo "the output from $1 differs from the file's" >&2; exit 1; }
}

for round in $(seq 1 "$ROUNDS"); do
    SOURCE=$LOG; file=$(timed file "$CLI")
    SOURCE=$UNIX_URI; unix=$(timed unix "$CLI"); same unix
    line=$(awk -v r="$round" -v f="$file" -v u="$unix" 'BEGIN { printf "round %2d  file %.2f s  unix socket %.2f s (%.2f ×)", r, f, u, u / f }')
    if [ -n "$TCP_URI" ]; then
        SOURCE=$TCP_URI; tcp=$(timed tcp "$CLI"); same tcp
        line+=$(awk -v f="$file" -v t="$tcp" 'BEGIN { printf "  tcp %.2f s (%.2f ×)", t, t / f }')
    fi
    if [ -n "$OTHER" ]; then
        SOURCE=$UNIX_URI; other=$(timed other "$OTHER"); same other
        line+=$(awk -v f="$file" -v o="$other" 'BEGIN { printf "  other build, unix socket %.2f s (%.2f ×)", o, o / f }')
    fi
    echo "$line"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

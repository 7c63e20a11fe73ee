#!/usr/bin/env bash
# The checkpointed tail of two builds, alternating: for each build, a copy of LOG with a
# checkpoint of it (made by that build), then TAIL appended; each round restores each build's
# checkpoint (cp -r, as `ledger-bench run --tail` does) and times one checkpointed replay of the
# grown log with each build in turn. Prints every round, then the median, fastest and slowest
# wall time and the median CPU (user + system) of each build, and fails if an output differs from
# the other build's or from a full replay's.
#
#   benchmarks/checkpoint_tail.sh OLD/ledger-cli NEW/ledger-cli YEAR.jsonl DAY.jsonl [ROUNDS] [PERIOD]
#
# Wall and CPU time are the shell's `time` of the command alone.
set -euo pipefail
TIMEFORMAT='%3R %3U %3S'
if [ $# -lt 4 ]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
old=$1 new=$2 log=$3 tail=$4 rounds=${5:-20} period=${6:-2024-06}
for bin in "$old" "$new"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }
done
[ -r "$log" ] && [ -r "$tail" ] || { echo "cannot read $log or $tail" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/checkpoint-tail.XXXXXX")
trap 'rm -rf "$work"' EXIT

for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    mkdir -p "$work/$side"
    cp "$log" "$work/$side/log.jsonl"
    "$bin" replay "$work/$side/log.jsonl" --period "$period" --format json --checkpoint "$work/$side/cp" > /dev/null
    cat "$tail" >> "$work/$side/log.jsonl"
    cp -r "$work/$side/cp" "$work/$side/cp.saved"
done
"$new" replay "$work/new/log.jsonl" --period "$period" --format json > "$work/full.json"

for round in $(seq 1 "$rounds"); do
    for side in old new; do
        bin=$old; [ $side = new ] && bin=$new
        dir=$work/$side
        rm -rf "$dir/cp" && cp -r "$dir/cp.saved" "$dir/cp"
        { time "$bin" replay "$dir/log.jsonl" --period "$period" --format json --checkpoint "$dir/cp" \
            > "$dir/out.json" 2> "$dir/err"; } 2> "$dir/time"
        if ! cmp -s "$dir/out.json" "$work/full.json"; then
            echo "round $round: the $side build's output differs from a full replay's" >&2
            cat "$dir/err" >&2
            exit 1
        fi
        read -r real user system < "$dir/time"
        echo "$round $side $real $user $system"
    done
done | tee "$work/rounds" | awk '{ printf "round %s %s: %.1f ms\n", $1, $2, $3 * 1000 }'

python3 - "$work/rounds" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for side in ("old", "new"):
    wall = [float(r[2]) * 1000 for r in rows if r[1] == side]
    cpu = [(float(r[3]) + float(r[4])) * 1000 for r in rows if r[1] == side]
    print(f"{side}: wall median {statistics.median(wall):.1f} ms (fastest {min(wall):.1f}, slowest {max(wall):.1f}), "
          f"CPU median {statistics.median(cpu):.0f} ms, {len(wall)} rounds")
EOF

#!/usr/bin/env bash
# Runs ledger-cli over the shipped samples (replay, explain, whatif, deadlines, bulletin, verify,
# digest, import --dry-run) and writes each command's stdout, stderr and exit status to a folder,
# so that two builds can be compared byte for byte:
#   scripts/compare-outputs.sh OLD/ledger-cli /tmp/out-old
#   scripts/compare-outputs.sh .build/release/ledger-cli /tmp/out-new
#   diff -r /tmp/out-old /tmp/out-new && echo identical
set -uo pipefail
cd "$(dirname "$0")/.."
cli=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
n=0
run() {
    n=$((n + 1))
    local name
    name=$(printf '%03d' "$n")
    printf '%s\n' "$*" > "$out/$name.cmd"
    "$cli" "$@" > "$out/$name.out" 2> "$out/$name.err"
    echo $? > "$out/$name.rc"
}
q=samples/quyuan-2023-09.jsonl
y=samples/yueyang-2024-02.jsonl
x=samples/xiangtan-2019-11.jsonl
for f in table json csv markdown; do
    run replay $q --period 2023-09 --units samples/quyuan-units.csv --format $f
    run replay $y -p 2024-02 --units samples/yueyang-hotline-units.csv --format $f
    run replay $y -p 2024-02 --units samples/yueyang-mailbox-units.csv --rules yueyang-mailbox --format $f
done
run replay $q --period 2023-09 --units samples/quyuan-units.csv --lang en
run replay $q --period 2023-09 --channel all
run replay $q --period 2023-09 --channel mailbox --units samples/quyuan-mailbox-units.csv
run replay $q -p 2023-09 --units samples/quyuan-units.csv --as-of 2023-10-01T00:00:00+08:00
run replay $q -p 2023-09 --units samples/quyuan-units.csv --as-of 2023-10-12T00:00:00+08:00
run replay $x -p 2019-11 --units samples/xiangtan-units.csv
run replay samples/events.jsonl -p 2024-02
for f in table json; do
    run explain $q --period 2023-09 --unit 营田镇 --format $f
    run explain $y -p 2024-02 --unit 市国资委 --format $f
    run explain $q --period 2023-09 --unit 营田镇 --channel all --as-of 2023-10-05T00:00:00+08:00 --format $f
    run whatif $q -p 2023-09 --units samples/quyuan-units.csv --alt samples/rules/rework-heavy.json --format $f
    run whatif $q -p 2023-09 --units samples/quyuan-units.csv --alt samples/rules/deadlines-3-workdays.json --alt samples/rules/closure-attribution.json --format $f
    run deadlines $q -p 2023-09 --rules samples/rules/deadlines-3-workdays.json --format $f
    run digest samples/chained.jsonl --as-of 2024-03-01T00:00:00+08:00 --format $(test $f = table && echo text || echo json)
done
for f in markdown html json; do
    run bulletin $q --period 2023-09 --units samples/quyuan-units.csv --format $f
    run bulletin $y --period 2024-02 --units samples/yueyang-hotline-units.csv --mailbox-units samples/yueyang-mailbox-units.csv --format $f
    run bulletin $x --period 2019-11 --scheme xiangtan --units samples/xiangtan-units.csv --format $f
    run bulletin $y --period 2024-02 --units samples/yueyang-hotline-units.csv --rules samples/rules/policy-hotline.json --order volume --no-subtotals --format $f
done
for log in samples/*.jsonl; do
    run verify "$log"
    run digest "$log"
done
run import samples/exports/quyuan-2023-09-actions.csv --map samples/exports/actions-map.json --dry-run
run import samples/exports/quyuan-2023-09-tickets.csv --map samples/exports/tickets-map.json --dry-run
echo "$n commands; outputs in $out"

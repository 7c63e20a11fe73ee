#!/usr/bin/env bash
# Smoke test of hotline-service on 127.0.0.1 with curl: append a batch, read the report, receive
# the subscription (stored events, then one appended while it is open), see a bad batch refused
# with 422, stop the service. Run from anywhere after
#   swift build --package-path Examples/hotline-service
# HOTLINE_BIN names another binary; LEDGER_CLI (default: the root package's .build/debug/ledger-cli,
# when built) is used to check that /report prints exactly what `ledger-cli replay --format json` does.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${HOTLINE_BIN:-$(swift build --package-path "$here" --show-bin-path)/hotline-service}"
[ -x "$bin" ] || { echo "smoke-test: $bin not built; run: swift build --package-path Examples/hotline-service" >&2; exit 1; }
command -v curl >/dev/null || { echo "smoke-test: curl is needed" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/hotline-smoke.XXXXXX")"
log="$work/events.jsonl"
service_pid=""
sse_pid=""
small_disk=""
cleanup() {
    [ -n "$sse_pid" ] && kill "$sse_pid" 2>/dev/null || true
    [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    [ -n "$small_disk" ] && umount "$small_disk" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "smoke-test: FAILED: $*" >&2
    echo "--- service output:" >&2; cat "$work/service.out" >&2 || true
    exit 1
}
step() { echo "smoke-test: $*"; }
# A number in the report: python3 reads the JSON.
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"; }

# 1. Start on a free port (--port 0: the service prints the port it bound) with a new, empty log.
"$bin" --log "$log" --host 127.0.0.1 --port 0 --roster "$root/samples/yueyang-hotline-units.csv" >"$work/service.out" 2>&1 &
service_pid=$!
url=""
for _ in $(seq 1 300); do
    url="$(sed -n 's/^hotline-service listening on \(http:[^ ]*\).*/\1/p' "$work/service.out" | head -n 1)"
    [ -n "$url" ] && break
    kill -0 "$service_pid" 2>/dev/null || fail "the service exited at start"
    sleep 0.1
done
[ -n "$url" ] || fail "the service did not say it was listening within 30 s"
step "service up at $url (pid $service_pid)"

# 2. Append a batch: 200, and the lines as written (one per event, each with its recorded stamp).
status="$(curl -sS -o "$work/appended.jsonl" -w '%{http_code}' --data-binary @"$root/samples/events.jsonl" \
          -H 'Content-Type: application/x-ndjson' "$url/events")"
[ "$status" = 200 ] || fail "POST /events answered $status: $(cat "$work/appended.jsonl")"
lines="$(wc -l <"$work/appended.jsonl")"
[ "$lines" -eq 38 ] || fail "POST /events returned $lines lines, expected 38"
grep -q '"recorded"' "$work/appended.jsonl" || fail "the lines as written carry no recorded stamp"
step "appended samples/events.jsonl: 200, $lines lines as written"

# 3. The report, read from the live projection right after the append (read-your-writes).
status="$(curl -sS -o "$work/report.json" -w '%{http_code}' "$url/report?period=2024-02")"
[ "$status" = 200 ] || fail "GET /report answered $status: $(cat "$work/report.json")"
# samples/events.jsonl assigns 6 hotline tickets in 2024-02 (the mailbox ones are another channel).
ACCEPTED=6
accepted="$(field "$work/report.json" 'd["total"]["accepted"]')"
[ "$accepted" = "$ACCEPTED" ] || fail "report total accepted is $accepted, expected $ACCEPTED (the hotline assignments of samples/events.jsonl)"
step "report 2024-02: total accepted $accepted (expected $ACCEPTED)"
cli="${LEDGER_CLI:-$root/.build/debug/ledger-cli}"
if [ -x "$cli" ]; then
    "$cli" replay "$log" --period 2024-02 --format json >"$work/replay.json"
    cmp -s "$work/report.json" "$work/replay.json" || fail "/report differs from 'ledger-cli replay --format json': $(diff "$work/replay.json" "$work/report.json" | head -n 20)"
    step "report is byte for byte what 'ledger-cli replay --period 2024-02 --format json' prints"
fi
status="$(curl -sS -o "$work/roster-report.json" -w '%{http_code}' "$url/report?period=2024-02&units=yueyang-hotline-units")"
[ "$status" = 200 ] || fail "GET /report with units answered $status"

# 4. Explain and bulletin answer too.
status="$(curl -sS -o "$work/explain.json" -w '%{http_code}' -G "$url/explain" --data-urlencode period=2024-02 --data-urlencode 'unit=市城管局')"
[ "$status" = 200 ] || fail "GET /explain answered $status: $(cat "$work/explain.json")"
status="$(curl -sS -o "$work/bulletin.html" -w '%{http_code}' "$url/bulletin?period=2024-02")"
[ "$status" = 200 ] && grep -qi '<html' "$work/bulletin.html" || fail "GET /bulletin answered $status without HTML"
step "explain 市城管局: 200; bulletin: 200, $(wc -c <"$work/bulletin.html") bytes of HTML"
if [ -x "$cli" ]; then
    "$cli" explain "$log" --period 2024-02 --unit 市城管局 --format json >"$work/cli-explain.json"
    cmp -s "$work/explain.json" "$work/cli-explain.json" || fail "/explain differs from 'ledger-cli explain --format json'"
    "$cli" bulletin "$log" --period 2024-02 --format html >"$work/cli-bulletin.html"
    cmp -s "$work/bulletin.html" "$work/cli-bulletin.html" || fail "/bulletin differs from 'ledger-cli bulletin --format html'"
    step "explain and bulletin are byte for byte what 'ledger-cli explain --format json' and 'bulletin --format html' print"
    # As of an instant inside the month: the same as the command line's --as-of.
    mid=2024-02-10T12:00:00+08:00
    curl -sS -o "$work/explain-mid.json" -G "$url/explain" --data-urlencode period=2024-02 --data-urlencode 'unit=市城管局' --data-urlencode "asOf=$mid"
    "$cli" explain "$log" --period 2024-02 --unit 市城管局 --format json --as-of "$mid" >"$work/cli-explain-mid.json"
    cmp -s "$work/explain-mid.json" "$work/cli-explain-mid.json" || fail "/explain?asOf=$mid differs from 'ledger-cli explain --as-of $mid': $(diff "$work/cli-explain-mid.json" "$work/explain-mid.json" | head -n 10)"
    curl -sS -o "$work/bulletin-mid.html" -G "$url/bulletin" --data-urlencode period=2024-02 --data-urlencode "asOf=$mid"
    "$cli" bulletin "$log" --period 2024-02 --format html --as-of "$mid" >"$work/cli-bulletin-mid.html"
    cmp -s "$work/bulletin-mid.html" "$work/cli-bulletin-mid.html" || fail "/bulletin?asOf=$mid differs from 'ledger-cli bulletin --as-of $mid'"
    step "as of $mid, explain and bulletin are what 'ledger-cli … --as-of $mid' prints"
fi
status="$(curl -sS -o "$work/bad-asof.txt" -w '%{http_code}' "$url/explain?period=2024-02&unit=x&asOf=yesterday")"
[ "$status" = 400 ] && grep -q "invalid asOf 'yesterday'" "$work/bad-asof.txt" || fail "GET /explain?asOf=yesterday answered $status: $(cat "$work/bad-asof.txt")"
step "asOf=yesterday: 400, $(cat "$work/bad-asof.txt")"

# 5. Subscribe from position 1 in the background, then append one more event while it is open.
curl -sS -N --max-time 60 "$url/events?from=1" >"$work/sse.txt" 2>"$work/sse.err" &
sse_pid=$!
for _ in $(seq 1 100); do grep -q '^id: 38$' "$work/sse.txt" 2>/dev/null && break; sleep 0.1; done
grep -q '^id: 38$' "$work/sse.txt" || fail "the subscription did not deliver the 38 stored events: $(head -c 300 "$work/sse.txt")"
new='{"id":"S001","ticket":"T2402-0901","type":"accepted","at":"2024-02-27T09:00:00+08:00","channel":"hotline","category":"城市管理","topic":"smoke test"}
{"id":"S002","ticket":"T2402-0901","type":"assigned","at":"2024-02-27T09:30:00+08:00","unit":"市城管局","due":"2024-03-05T18:00:00+08:00"}'
status="$(curl -sS -o "$work/appended2.jsonl" -w '%{http_code}' --data-binary "$new" "$url/events")"
[ "$status" = 200 ] || fail "second POST /events answered $status: $(cat "$work/appended2.jsonl")"
for _ in $(seq 1 100); do grep -q '^id: 40$' "$work/sse.txt" && break; sleep 0.1; done
grep -q '^id: 40$' "$work/sse.txt" || fail "the open subscription did not receive the appended events: $(tail -c 300 "$work/sse.txt")"
grep -A1 '^id: 40$' "$work/sse.txt" | tail -n 1 | grep -q '^data: {"id":"S002"' || fail "event 40's data is not the appended line"
[ "$(grep -A1 '^id: 40$' "$work/sse.txt" | tail -n 1)" = "data: $(tail -n 1 "$work/appended2.jsonl")" ] \
    || fail "event 40's data differs from the line POST /events returned"
step "subscription: $(grep -c '^id: ' "$work/sse.txt") events, the last two (ids 39, 40) appended while it was open"
accepted="$(curl -sS "$url/report?period=2024-02" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["accepted"])')"
[ "$accepted" = $((ACCEPTED + 1)) ] || fail "after the second append the report says accepted $accepted, expected $((ACCEPTED + 1))"
step "report after it: total accepted $accepted"

# 6. A bad batch: 422 with the problems as batch:LINE: message lines, and the log unchanged.
status="$(curl -sS -o "$work/rejected.txt" -w '%{http_code}' --data-binary @"$root/samples/bad-events.jsonl" "$url/events")"
[ "$status" = 422 ] || fail "a bad batch answered $status, expected 422: $(cat "$work/rejected.txt")"
grep -q '^batch:[0-9]*: ' "$work/rejected.txt" || fail "the 422 body has no batch:LINE: lines"
status="$(curl -sS -o "$work/rejected.json" -w '%{http_code}' -H 'Accept: application/json' \
          --data-binary @"$root/samples/bad-events.jsonl" "$url/events")"
[ "$status" = 422 ] && field "$work/rejected.json" 'd["problems"][0]["line"]' >/dev/null || fail "no JSON problems with Accept: application/json"
count="$(curl -sS "$url/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')"
[ "$count" = 40 ] || fail "the log holds $count events after a rejected batch, expected 40"
step "bad batch: 422, $(grep -c '^batch:' "$work/rejected.txt") problems, e.g. $(head -n 1 "$work/rejected.txt"); log still 40 events"

# A Last-Event-ID no position can follow (the largest integer): 400, and the service goes on.
status="$(curl -sS -o "$work/last-id.txt" -w '%{http_code}' -m 5 -H 'Last-Event-ID: 9223372036854775807' "$url/events")"
[ "$status" = 400 ] || fail "Last-Event-ID 9223372036854775807 answered $status, expected 400: $(cat "$work/last-id.txt")"
curl -sS -o /dev/null "$url/health" || fail "the service stopped answering after an invalid Last-Event-ID"
step "Last-Event-ID 9223372036854775807: 400, service still up"

# 7. Stop: SIGTERM shuts down gracefully, ending the open subscription.
kill -TERM "$service_pid"
for _ in $(seq 1 100); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$service_pid" 2>/dev/null && fail "the service did not stop within 10 s of SIGTERM"
wait "$service_pid" || fail "the service exited with status $?"
service_pid=""
for _ in $(seq 1 50); do kill -0 "$sse_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$sse_pid" 2>/dev/null && fail "the subscription stayed open after the service stopped"
sse_pid=""
step "service stopped on SIGTERM; the subscription ended"

# 8. A full disk: 507, nothing of the batch in the log, and the next batch that fits is taken.
# Needs a small tmpfs of its own (root, and mounts allowed); skipped, saying so, otherwise.
mkdir -p "$work/small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$work/small" 2>/dev/null; then
    small_disk="$work/small"
    "$bin" --log "$small_disk/events.jsonl" --host 127.0.0.1 --port 0 >"$work/service.out" 2>&1 &
    service_pid=$!
    url=""
    for _ in $(seq 1 300); do
        url="$(sed -n 's/^hotline-service listening on \(http:[^ ]*\).*/\1/p' "$work/service.out" | head -n 1)"
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || fail "the service on the small disk did not start"
    python3 -c '
for i in range(1, 1001):
    print("{\"id\":\"F%04d\",\"ticket\":\"TF%04d\",\"type\":\"accepted\",\"at\":\"2024-02-27T09:00:00+08:00\",\"channel\":\"hotline\",\"topic\":\"a batch larger than the disk\"}" % (i, i))' >"$work/big.jsonl"
    status="$(curl -sS -o "$work/full.json" -w '%{http_code}' -H 'Accept: application/json' --data-binary @"$work/big.jsonl" "$url/events")"
    [ "$status" = 507 ] || fail "a batch larger than the disk answered $status, expected 507: $(cat "$work/full.json")"
    grep -q 'No space left on device' "$work/full.json" || fail "the 507 body does not say the disk is full: $(cat "$work/full.json")"
    count="$(curl -sS "$url/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')"
    [ "$count" = 0 ] || fail "the log holds $count events after a batch the disk refused, expected 0"
    status="$(curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$root/samples/events.jsonl" "$url/events")"
    [ "$status" = 200 ] || fail "a batch that fits answered $status after the full disk"
    if [ -x "$cli" ]; then
        "$cli" verify "$small_disk/events.jsonl" | grep -q '^38 events' || fail "the log does not verify with 38 events after the full disk"
    fi
    kill -TERM "$service_pid"; wait "$service_pid" || true; service_pid=""
    step "full disk: 507 ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$work/full.json")); log unchanged, then the next batch taken"
else
    step "full disk: skipped (needs root and a tmpfs mount)"
fi
echo "smoke-test: OK"

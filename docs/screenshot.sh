#!/bin/sh
# Reproduces docs/bulletin-screenshot.png: the HTML bulletin of the Quyuan 2023-09 sample, from the
# title down to the end of the proposal (政协微建议) section, rendered by headless Chromium.
#
# The sample log has no channel beyond the hotline and the mailbox, no `source` and no `ratingText`,
# so this appends four constructed `proposal` tickets (P2309-01 … 04, below) to a copy of it: the
# section every channel gets, its sources, its 非常满意 counts and its 延期与退单 table. The hotline
# and mailbox figures are the sample's own. The rule set is samples/rules/policy-hotline.json
# (Yueyang's, with the extension and return policy and no overdue deductions).
#
# Needs Swift, Debian's chromium and a CJK font:
#   apt-get install -y chromium fonts-noto-cjk
# Set LEDGER_CLI to use a ledger-cli binary you have already built (else this builds one).
set -eu
cd "$(dirname "$0")/.."
if [ -z "${LEDGER_CLI:-}" ]; then
  swift build -c release --product ledger-cli
  LEDGER_CLI=.build/release/ledger-cli
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp samples/quyuan-2023-09.jsonl "$work/log.jsonl"
cat >> "$work/log.jsonl" <<'EOF'
{"id":"s01","ticket":"P2309-01","type":"accepted","at":"2023-09-04T09:00:00+08:00","channel":"proposal","category":"建议","topic":"城乡建设","source":"政协委员微建议"}
{"id":"s02","ticket":"P2309-01","type":"assigned","at":"2023-09-04T10:00:00+08:00","unit":"屈原住建局","due":"2023-09-11T18:00:00+08:00"}
{"id":"s03","ticket":"P2309-01","type":"extended","at":"2023-09-08T10:00:00+08:00","unit":"屈原住建局","due":"2023-09-15T18:00:00+08:00","reason":"需现场踏勘"}
{"id":"s04","ticket":"P2309-01","type":"extended","at":"2023-09-14T10:00:00+08:00","unit":"屈原住建局","due":"2023-09-20T18:00:00+08:00","reason":"需协调多部门"}
{"id":"s05","ticket":"P2309-01","type":"closed","at":"2023-09-19T16:00:00+08:00","unit":"屈原住建局"}
{"id":"s06","ticket":"P2309-01","type":"callback-rated","at":"2023-09-22T10:00:00+08:00","unit":"屈原住建局","rating":"satisfied","ratingText":"非常满意"}
{"id":"s07","ticket":"P2309-02","type":"accepted","at":"2023-09-05T09:00:00+08:00","channel":"proposal","category":"建议","topic":"交通出行","source":"政协委员微建议"}
{"id":"s08","ticket":"P2309-02","type":"assigned","at":"2023-09-05T10:00:00+08:00","unit":"屈原交通局","due":"2023-09-12T18:00:00+08:00"}
{"id":"s09","ticket":"P2309-02","type":"extended","at":"2023-09-13T09:00:00+08:00","unit":"屈原交通局","due":"2023-09-19T18:00:00+08:00","reason":"补报延期"}
{"id":"s10","ticket":"P2309-02","type":"closed","at":"2023-09-18T16:00:00+08:00","unit":"屈原交通局"}
{"id":"s11","ticket":"P2309-02","type":"callback-rated","at":"2023-09-21T10:00:00+08:00","unit":"屈原交通局","rating":"satisfied","ratingText":"基本满意"}
{"id":"s12","ticket":"P2309-03","type":"accepted","at":"2023-09-06T09:00:00+08:00","channel":"proposal","category":"求助","topic":"农村道路","source":"红网领导留言"}
{"id":"s13","ticket":"P2309-03","type":"assigned","at":"2023-09-06T10:00:00+08:00","unit":"凤凰乡","due":"2023-09-13T18:00:00+08:00"}
{"id":"s14","ticket":"P2309-03","type":"returned","at":"2023-09-07T09:00:00+08:00","unit":"凤凰乡","by":"unit","reason":"不属本乡辖区"}
{"id":"s15","ticket":"P2309-03","type":"assigned","at":"2023-09-07T10:00:00+08:00","unit":"营田镇","due":"2023-09-14T18:00:00+08:00"}
{"id":"s16","ticket":"P2309-03","type":"returned","at":"2023-09-08T09:00:00+08:00","unit":"营田镇","by":"unit","reason":"应由住建局办理"}
{"id":"s17","ticket":"P2309-03","type":"assigned","at":"2023-09-08T10:00:00+08:00","unit":"屈原住建局","due":"2023-09-15T18:00:00+08:00"}
{"id":"s18","ticket":"P2309-03","type":"closed","at":"2023-09-14T16:00:00+08:00","unit":"屈原住建局"}
{"id":"s19","ticket":"P2309-03","type":"callback-rated","at":"2023-09-18T10:00:00+08:00","unit":"屈原住建局","rating":"satisfied","ratingText":"非常满意"}
{"id":"s20","ticket":"P2309-04","type":"accepted","at":"2023-09-07T09:00:00+08:00","channel":"proposal","category":"投诉","topic":"劳动保障","source":"微信公众号"}
{"id":"s21","ticket":"P2309-04","type":"assigned","at":"2023-09-07T10:00:00+08:00","unit":"屈原人社局","due":"2023-09-14T18:00:00+08:00"}
{"id":"s22","ticket":"P2309-04","type":"closed","at":"2023-09-20T16:00:00+08:00","unit":"屈原人社局"}
{"id":"s23","ticket":"P2309-04","type":"callback-rated","at":"2023-09-25T10:00:00+08:00","unit":"屈原人社局","rating":"unsatisfied","ratingText":"不满意"}
EOF
"$LEDGER_CLI" verify "$work/log.jsonl" >/dev/null
"$LEDGER_CLI" bulletin "$work/log.jsonl" --period 2023-09 --rules samples/rules/policy-hotline.json \
  --units samples/quyuan-units.csv --mailbox-units samples/quyuan-mailbox-units.csv \
  --format html --output "$work/bulletin.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,"${HEIGHT:-3210}" \
  --screenshot="$work/bulletin.png" "file://$work/bulletin.html" 2>/dev/null
cp "$work/bulletin.png" docs/bulletin-screenshot.png
echo "docs/bulletin-screenshot.png: $(wc -c < docs/bulletin-screenshot.png) bytes"

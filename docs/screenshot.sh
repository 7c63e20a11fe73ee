#!/bin/sh
# Reproduces docs/bulletin-screenshot.png: the top of the Yueyang 2024-02 sample bulletin as HTML
# (summary, categories, grades per group, the ten lowest scores), rendered by headless Chromium.
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
"$LEDGER_CLI" bulletin samples/yueyang-2024-02.jsonl --period 2024-02 \
  --units samples/yueyang-hotline-units.csv --mailbox-units samples/yueyang-mailbox-units.csv \
  --format html --output "$work/bulletin.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1500 \
  --screenshot="$work/bulletin.png" "file://$work/bulletin.html" 2>/dev/null
cp "$work/bulletin.png" docs/bulletin-screenshot.png
echo "docs/bulletin-screenshot.png: $(wc -c < docs/bulletin-screenshot.png) bytes"

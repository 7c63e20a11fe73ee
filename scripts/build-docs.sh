#!/usr/bin/env bash
# Builds the DocC documentation of the libraries with the toolchain's own docc and
# swift-symbolgraph-extract (no package plugin, so no package dependency). Warnings are errors,
# so a broken symbol link fails the build.
#   scripts/build-docs.sh [OUTPUT]   (default .build/docs; one folder per module)
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-.build/docs}
modules=(Events Projections Reports)

swift build
bin=$(swift build --show-bin-path)
triple=$(swift -print-target-info | sed -n 's/^ *"triple": "\(.*\)",*$/\1/p' | head -n 1)
# The C targets' module maps (SwiftPM generates them beside the build products): a module that
# imports one (Events imports CSHA256) cannot be loaded without it.
cmodules=()
for map in "$bin"/*.build/module.modulemap; do
    [ -e "$map" ] && cmodules+=(-Xcc "-fmodule-map-file=$map")
done
symbols=$(mktemp -d)
trap 'rm -rf "$symbols"' EXIT
for module in "${modules[@]}"; do
    mkdir -p "$symbols/$module" "$output"
    swift-symbolgraph-extract -module-name "$module" -I "$bin/Modules" -target "$triple" "${cmodules[@]}" \
        -minimum-access-level public -output-dir "$symbols/$module"
    docc convert "Sources/$module/$module.docc" --additional-symbol-graph-dir "$symbols/$module" \
        --fallback-display-name "$module" --fallback-bundle-identifier "org.ticket-ledger.$module" \
        --output-path "$output/$module.doccarchive" --warnings-as-errors
    echo "documentation of $module: $output/$module.doccarchive"
done

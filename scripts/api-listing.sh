#!/usr/bin/env bash
# Writes the public surface of the libraries, one sorted declaration a line, to api/MODULE.txt,
# from the toolchain's swift-symbolgraph-extract (public only: `package`, internal and SPI
# declarations are left out). CLITests' APIListingTests runs it and fails when the surface no longer
# equals the checked-in listing, so a change to the public API is always deliberate:
#   scripts/api-listing.sh                  # builds, then rewrites api/*.txt
#   scripts/api-listing.sh --check          # builds, then exits 1 (with a diff) when api/*.txt differ
#   scripts/api-listing.sh --modules DIR --output DIR   # no build: DIR holds the built .swiftmodule files
set -euo pipefail
cd "$(dirname "$0")/.."
modules_dir=""
output=api
check=false
while [ $# -gt 0 ]; do
    case $1 in
        --modules) modules_dir=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        --check) check=true; shift ;;
        *) echo "usage: scripts/api-listing.sh [--check] [--modules DIR] [--output DIR]" >&2; exit 64 ;;
    esac
done
if [ -z "$modules_dir" ]; then
    swift build >&2
    modules_dir="$(swift build --show-bin-path)/Modules"
fi
extract=$(command -v swift-symbolgraph-extract || xcrun --find swift-symbolgraph-extract)
triple=$(swift -print-target-info | sed -n 's/^ *"triple": "\(.*\)",*$/\1/p' | head -n 1)
sdk=()
[ "$(uname)" = Darwin ] && sdk=(-sdk "$(xcrun --show-sdk-path)")
# The C targets' module maps (SwiftPM generates them beside the build products): a module that
# imports one (Events imports CSHA256) cannot be loaded without it.
cmodules=()
for map in "$modules_dir"/../*.build/module.modulemap; do
    [ -e "$map" ] && cmodules+=(-Xcc "-fmodule-map-file=$map")
done
graphs=$(mktemp -d)
fresh=$(mktemp -d)
trap 'rm -rf "$graphs" "$fresh"' EXIT
for module in Events Projections Reports Ingest; do
    mkdir -p "$graphs/$module"
    "$extract" -module-name "$module" -I "$modules_dir" -target "$triple" "${sdk[@]}" "${cmodules[@]}" \
        -minimum-access-level public -output-dir "$graphs/$module" >&2
    python3 - "$graphs/$module" > "$fresh/$module.txt" <<'PY'
import json, os, sys
folder = sys.argv[1]
lines = set()
for name in sorted(os.listdir(folder)):
    graph = json.load(open(os.path.join(folder, name)))
    # Events@Swift.symbols.json: extensions of another module's types.
    extended = name.split("@")[1].split(".")[0] + "." if "@" in name else ""
    names = {}
    for symbol in graph["symbols"]:
        path = ".".join(symbol["pathComponents"])
        names[symbol["identifier"]["precise"]] = path
        declaration = "".join(f["spelling"] for f in symbol.get("declarationFragments", []))
        declaration = " ".join(declaration.split())
        lines.add(f"{extended}{path}: {declaration}")
    for relation in graph.get("relationships", []):
        if relation["kind"] != "conformsTo" or relation["target"].endswith(("SendableMetatype", "Copyable", "Escapable")) or relation.get("targetFallback", "").endswith(("SendableMetatype", "Copyable", "Escapable")):
            continue
        source = names.get(relation["source"])
        if source is None:
            continue
        target = names.get(relation["target"]) or relation.get("targetFallback") or relation["target"]
        lines.add(f"{extended}{source}: conforms to {target}")
print("\n".join(sorted(lines)))
PY
done
if $check; then
    status=0
    for file in "$fresh"/*.txt; do
        diff -u "$output/$(basename "$file")" "$file" || status=1
    done
    [ $status = 0 ] || echo "the public API changed: run scripts/api-listing.sh and commit api/ if that is meant" >&2
    exit $status
fi
mkdir -p "$output"
cp "$fresh"/*.txt "$output"/

#!/usr/bin/env bash
# The embedding example built against the installed package, not the build tree: cmake --install
# into a fresh prefix, examples/embed configured with only that prefix, built, and run on a tiny
# generated model over two built-in tasks; its output must name both tasks' headline metrics.
#   embed_example.sh BUILD_DIR SOURCE_DIR FIXTURE_BINARY DATA_DIR
set -euo pipefail
build=$1 src=$2 fixture=$3 data=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/examples/embed" -B "$work/embed" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/embed" >/dev/null
"$fixture" model "$work/tiny.gguf" >/dev/null
out=$(cd "$work" && "$work/embed/embed" "$work/tiny.gguf" "$data" 3 2>/dev/null)
echo "$out"
grep -q '^arc_easy acc,none = ' <<<"$out"
grep -q '^boolq acc,none = ' <<<"$out"
echo "embed example: built against $work/prefix and ran"

#!/usr/bin/env bash
# Shows that a change to rightsize changed no result: the same fixed run (both real models ×
# arc_easy, hellaswag, gsm8k, charcomp, personality, --limit 20) by two builds, every output file
# compared with timing, memory, energy, dates and ids taken out (bench/output_digest.cpp says
# exactly which fields).
#
#   bench/run_outputs_identical.sh run BINARY OUT_DIR   # the fixed run with that rightsize binary
#                                                       # (LIMIT=N for a shorter one; default 20)
#   bench/run_outputs_identical.sh compare DIR_A DIR_B  # digests both, prints the differences
#
# Typical use: build the old commit in a git worktree, `run` it into before/, build the new one,
# `run` it into after/, then `compare before after`. Exit 0 when every file is identical.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${RIGHTSIZE_DATA:-$root/../shared/data}
digest=${RIGHTSIZE_DIGEST:-$root/build/bin/rightsize-output-digest}

case "${1:-}" in
  run)
    [ $# -eq 3 ] || { echo "usage: $0 run BINARY OUT_DIR" >&2; exit 2; }
    rm -rf "$3"
    "$2" run -m "$root/models/smollm2-135m-instruct-q4_1.gguf" -m "$root/models/gemma-3-270m-q4_k_m.gguf" \
      --tasks arc_easy,hellaswag,gsm8k,charcomp,personality --limit "${LIMIT:-20}" --data-dir "$data" -t 2 -o "$3"
    ;;
  compare)
    [ $# -eq 3 ] || { echo "usage: $0 compare DIR_A DIR_B" >&2; exit 2; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    "$digest" "$2" "$tmp/a" >/dev/null
    "$digest" "$3" "$tmp/b" >/dev/null
    files=$(cd "$tmp/a" && find . -type f | sort)
    if diff -r "$tmp/a" "$tmp/b" > "$tmp/diff"; then
      echo "identical: $(echo "$files" | wc -l) files (timing, memory, energy, dates and ids aside)"
      echo "$files" | sed 's/^/  /'
    else
      echo "DIFFERENT (first 200 lines of diff -r):"
      head -200 "$tmp/diff"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 run BINARY OUT_DIR | compare DIR_A DIR_B" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# How much llama.cpp's batch shape moves rightsize's scores (docs/tasks.md, "Batch shape").
#
# Runs every built-in multiple-choice task (as listed by `rightsize tasks`, or --tasks) twice on
# the same model, threads and -fa: as `rightsize run` scores by default (documents batched, -np 8,
# shared prefixes) and with --exact (every request alone), then compares the two runs document by
# document with rightsize-compare-samples: the share of documents whose prediction changes (raw and
# per-character argmax), which per-document metrics moved, and the largest change of one choice's
# log-likelihood.
#
#   bench/batch_shape.sh [-m MODEL]... [-N 40] [-t THREADS] [--tasks T1,T2] [--work DIR] [--data DIR] [--list]
# --work keeps both runs (and reuses finished ones: run resumes); --list prints every moved document.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
models=() N=40 t=$(nproc) tasks="" work="" data="$root/../shared/data" list=""
while [ $# -gt 0 ]; do
  case "$1" in
    -m) models+=("$2"); shift 2 ;;
    -N) N=$2; shift 2 ;;
    -t) t=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --list) list=--list; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#models[@]} -gt 0 ] || models=("$root/models/smollm2-135m-instruct-q4_1.gguf")
for b in rightsize rightsize-compare-samples; do
  [ -x "$bin/$b" ] || { echo "error: $bin/$b missing; run scripts/setup.sh" >&2; exit 1; }
done
[ -n "$tasks" ] || tasks=$("$bin/rightsize" tasks | awk '$2 == "multiple_choice" {print $1}' | paste -sd, -)
if [ -z "$work" ]; then work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
margs=()
for m in "${models[@]}"; do margs+=(-m "$m"); done
for mode in default exact; do
  extra=()
  [ "$mode" = exact ] && extra=(--exact)
  echo "scoring $N documents of each task: $mode" >&2
  "$bin/rightsize" run "${margs[@]}" --tasks "$tasks" --limit "$N" --data-dir "$data" -t "$t" -fa off \
    -o "$work/$mode" "${extra[@]}" >/dev/null 2>"$work/$mode.log" || { tail -5 "$work/$mode.log" >&2; exit 1; }
done
"$bin/rightsize-compare-samples" "$work/default" "$work/exact" $list
echo "default (batched, -np 8) against --exact (each request alone); -t $t, -fa off, first $N documents per task"

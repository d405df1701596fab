#!/usr/bin/env bash
# Which HellaSwag items rightsize and llama-perplexity score differently, and which side's batch
# shape each difference comes from (docs/bench.md, "Where the two tools differ, item by item").
#
# Four scorings of the first N items with the same model, threads and -fa off:
#   rs-default  `rightsize run --tasks hellaswag` (documents batched, -np 8)
#   rs-exact    the same with --exact (every ending scored alone: the reference)
#   lp-np4      `llama-perplexity --hellaswag` as it runs by default (-np 4: one item per decode)
#   lp-np128    the same with -np 128 -c 256 (up to 32 items packed in one decode)
# llama-perplexity prints only its running accuracy, in its own shuffled order; each item's result
# is the step of that running count, mapped back to the item by rightsize-hellaswag-to-llama's
# ORDER file (the same std::mt19937 draw). The metric compared is acc_norm_tokens, which is
# llama-perplexity's score (see docs/bench.md).
#
#   bench/hellaswag_flips.sh [-m MODEL] [-N 400] [-t THREADS] [--work DIR] [--data DIR]
# --work keeps the four scorings (and reuses those already there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
model="$root/models/smollm2-135m-instruct-q4_1.gguf" N=400 t=$(nproc) work="" data="$root/../shared/data"
while [ $# -gt 0 ]; do
  case "$1" in
    -m) model=$2; shift 2 ;;
    -N) N=$2; shift 2 ;;
    -t) t=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for b in rightsize llama-perplexity rightsize-hellaswag-to-llama; do
  [ -x "$bin/$b" ] || { echo "error: $bin/$b missing; run scripts/setup.sh" >&2; exit 1; }
done
command -v jq >/dev/null || { apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }; }
if [ -z "$work" ]; then work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work"

"$bin/rightsize-hellaswag-to-llama" "$data/hellaswag/hellaswag.jsonl" "$work/hs.txt" "$N" "$work/order.txt" 2>/dev/null
rs() {  # rs NAME [extra options]
  local name=$1; shift
  [ -d "$work/$name" ] && ls "$work/$name"/*/samples_hellaswag.jsonl >/dev/null 2>&1 && return
  echo "scoring $N items: $name" >&2
  "$bin/rightsize" run -m "$model" --tasks hellaswag --limit "$N" --data-dir "$data" -t "$t" -fa off -o "$work/$name" --fresh "$@" >/dev/null 2>&1
}
lp() {  # lp NAME [extra options]
  local name=$1; shift
  [ -s "$work/$name.log" ] && grep -qE "^$N[[:space:]]" "$work/$name.log" && return
  echo "scoring $N items: $name" >&2
  "$bin/llama-perplexity" -m "$model" -f "$work/hs.txt" --hellaswag --hellaswag-tasks "$N" -t "$t" -fa off "$@" > "$work/$name.log" 2>&1
}
rs rs-default
rs rs-exact --exact
lp lp-np4 -c 2048 -b 2048
lp lp-np128 -c 256 -b 2048 -np 128

# item → 1/0 per scoring, one file each.
for name in rs-default rs-exact; do
  jq -r '[.doc_id, (.metrics.none.acc_norm_tokens | floor)] | @tsv' "$work/$name"/*/samples_hellaswag.jsonl | sort -n > "$work/$name.items"
done
for name in lp-np4 lp-np128; do
  grep -E "^[0-9]+[[:space:]]+[0-9.]+%" "$work/$name.log" |
    awk '{gsub("%", "", $2); c = int($2 * $1 / 100 + 0.5); print $1, c - prev; prev = c}' |
    awk 'NR == FNR {item[FNR] = $1; next} {print item[$1] "\t" $2}' "$work/order.txt" - | sort -n > "$work/$name.items"
done
paste "$work/rs-default.items" "$work/rs-exact.items" "$work/lp-np4.items" "$work/lp-np128.items" |
  awk -v N="$N" '
    BEGIN { print "| item | rightsize | rightsize --exact | llama-perplexity (-np 4) | llama-perplexity (-np 128) | differs from --exact |"
            print "| ---: | :---: | :---: | :---: | :---: | --- |" }
    { if ($1 != $3 || $1 != $5 || $1 != $7) { print "error: item order differs between scorings" > "/dev/stderr"; exit 1 }
      s[1] += $2; s[2] += $4; s[3] += $6; s[4] += $8
      if ($2 != $4 || $2 != $6 || $2 != $8) {
        who = ""
        if ($2 != $4) who = who "rightsize "
        if ($6 != $4) who = who "llama-perplexity(-np 4) "
        if ($8 != $4) who = who "llama-perplexity(-np 128)"
        printf "| %d | %s | %s | %s | %s | %s |\n", $1, ($2 ? "right" : "wrong"), ($4 ? "right" : "wrong"), ($6 ? "right" : "wrong"), ($8 ? "right" : "wrong"), who
      } }
    END { printf "| accuracy (%d items) | %.2f %% | %.2f %% | %.2f %% | %.2f %% | |\n", N, 100*s[1]/N, 100*s[2]/N, 100*s[3]/N, 100*s[4]/N }'

#!/usr/bin/env bash
# Compares `rightsize run --tasks hellaswag` with `llama-perplexity --hellaswag` (built from the
# same llama.cpp source) on the same model, the same items and the same threads.
#
# Items: the first N of ../shared/data/hellaswag (original schema), converted to llama-perplexity's
# 6-line format with lm-eval's preprocessing (rightsize-hellaswag-to-llama), and given to it with
# --hellaswag-tasks N so it scores exactly those N. Agreement: rightsize's acc_norm_tokens (the
# per-token mean over each ending's tokens after the shared prefix) against llama-perplexity's
# final accuracy, in points. Speed: items per second of whole-process wall time (model load
# included for both), alternating A B / B A over --rounds; the median ratio rightsize/llama-perplexity.
# Both run with the same -fa (default off: llama.cpp's CPU flash attention rounds through F16,
# which makes scores depend on batch composition).
#
#   bench/compare_llama_perplexity_hellaswag.sh [-m MODEL]... [-N 200] [-t THREADS] [--rounds 3] [--data DIR] [-fa off|on]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
models=() N=200 t=$(nproc) rounds=3 data="$root/../shared/data" fa=off
while [ $# -gt 0 ]; do
  case "$1" in
    -m) models+=("$2"); shift 2 ;;
    -N) N=$2; shift 2 ;;
    -t) t=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -fa) fa=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#models[@]} -gt 0 ] || models=("$root/models/smollm2-135m-instruct-q4_1.gguf" "$root/models/gemma-3-270m-q4_k_m.gguf")
for b in rightsize llama-perplexity rightsize-hellaswag-to-llama; do
  [ -x "$bin/$b" ] || { echo "error: $bin/$b missing; run scripts/setup.sh" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "installing jq for JSON parsing"; apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/rightsize-hellaswag-to-llama" "$data/hellaswag/hellaswag.jsonl" "$work/hs.txt" "$N" 2>/dev/null

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

# Prints "accuracy_percent seconds".
run_lp() {
  local s e acc
  s=$(now)
  acc=$("$bin/llama-perplexity" -m "$1" -f "$work/hs.txt" --hellaswag --hellaswag-tasks "$N" -t "$t" -c 2048 -b 2048 -fa "$fa" 2>&1 |
        grep -E "^[0-9]+[[:space:]]+[0-9.]+%?" | tail -1 | awk '{gsub("%","",$2); print $2}')
  e=$(now)
  echo "$acc $(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')"
}
run_rs() {
  local s e out="$work/rs" acc
  rm -rf "$out"
  s=$(now)
  "$bin/rightsize" run -m "$1" --tasks hellaswag --limit "$N" --data-dir "$data" -t "$t" -fa "$fa" -o "$out" --fresh >/dev/null 2>&1
  e=$(now)
  acc=$(jq -r '.results.hellaswag["acc_norm_tokens,none"] * 100' "$out"/*/results.json)
  echo "$acc $(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')"
}

printf '%-34s %5s %10s %10s %7s %10s %10s %16s\n' model N "lp acc %" "rs acc %" "Δ pts" "lp it/s" "rs it/s" "speed rs/lp"
for m in "${models[@]}"; do
  ratios=() lp_rates=() rs_rates=()
  for ((i = 1; i <= rounds; i++)); do
    if ((i % 2)); then a=$(run_rs "$m"); b=$(run_lp "$m"); else b=$(run_lp "$m"); a=$(run_rs "$m"); fi
    read -r rs_acc rs_s <<< "$a"
    read -r lp_acc lp_s <<< "$b"
    rs_rates+=("$(awk -v n="$N" -v s="$rs_s" 'BEGIN{print n/s}')")
    lp_rates+=("$(awk -v n="$N" -v s="$lp_s" 'BEGIN{print n/s}')")
    ratios+=("$(awk -v x="$lp_s" -v y="$rs_s" 'BEGIN{print x/y}')")
    echo "  round $i/$rounds $(basename "$m"): rightsize $rs_acc% in ${rs_s}s | llama-perplexity $lp_acc% in ${lp_s}s" >&2
  done
  printf '%-34s %5d %10.2f %10.2f %7.2f %10.2f %10.2f %16.3f\n' "$(basename "$m")" "$N" "$lp_acc" "$rs_acc" \
    "$(awk -v a="$rs_acc" -v b="$lp_acc" 'BEGIN{print a-b}')" \
    "$(printf '%s\n' "${lp_rates[@]}" | median)" "$(printf '%s\n' "${rs_rates[@]}" | median)" \
    "$(printf '%s\n' "${ratios[@]}" | median)"
done
echo "items/s from whole-process wall time (model load included); speed ratio: median of $rounds alternating rounds; t=$t, -fa $fa"

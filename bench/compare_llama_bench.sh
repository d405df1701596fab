#!/usr/bin/env bash
# Compares `rightsize bench` with llama-bench built from the same llama.cpp source, on the same
# model, prompt/generation sizes and threads. The two alternate round by round (A B, B A, …) so
# drift of a shared machine hits both; each round gives a ratio rightsize/llama-bench for pp and
# tg, and the median ratio (with min–max) is reported. Within ±5% means the definitions match.
#
#   bench/compare_llama_bench.sh [-m MODEL]... [-p 512] [-n 128] [-r 5] [-t THREADS] [--rounds 5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
models=() p=512 n=128 r=5 t=$(nproc) rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    -m) models+=("$2"); shift 2 ;;
    -p) p=$2; shift 2 ;;
    -n) n=$2; shift 2 ;;
    -r) r=$2; shift 2 ;;
    -t) t=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#models[@]} -gt 0 ] || models=("$root/models/smollm2-135m-instruct-q4_1.gguf" "$root/models/gemma-3-270m-q4_k_m.gguf")
for b in rightsize llama-bench; do
  [ -x "$bin/$b" ] || { echo "error: $bin/$b missing; run scripts/setup.sh" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "installing jq for JSON parsing"; apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR==1{mn=$1} {mx=$1} END {printf "%.3f–%.3f", mn, mx}'; }

run_rs() {
  "$bin/rightsize" bench -m "$1" -p "$p" -n "$n" -r "$r" -t "$t" --latency-requests 1 -o json 2>/dev/null |
    jq -r '.[0] | "\(.pp_tokens_per_s) \(.tg_tokens_per_s)"'
}
run_lb() {
  "$bin/llama-bench" -m "$1" -p "$p" -n "$n" -r "$r" -t "$t" -o json 2>/dev/null |
    jq -r '[.[] | select(.n_gen == 0) | .avg_ts][0], [.[] | select(.n_prompt == 0) | .avg_ts][0]' | paste -sd' '
}

printf '%-34s %9s %9s %18s %9s %9s %18s\n' model "lb pp" "rs pp" "pp ratio (range)" "lb tg" "rs tg" "tg ratio (range)"
for m in "${models[@]}"; do
  rs_pp=() rs_tg=() lb_pp=() lb_tg=() pp_ratio=() tg_ratio=()
  for ((i = 1; i <= rounds; i++)); do
    if ((i % 2)); then a=$(run_rs "$m"); b=$(run_lb "$m"); else b=$(run_lb "$m"); a=$(run_rs "$m"); fi
    read -r app atg <<< "$a"
    read -r bpp btg <<< "$b"
    rs_pp+=("$app") rs_tg+=("$atg") lb_pp+=("$bpp") lb_tg+=("$btg")
    pp_ratio+=("$(awk -v x="$app" -v y="$bpp" 'BEGIN{print x/y}')")
    tg_ratio+=("$(awk -v x="$atg" -v y="$btg" 'BEGIN{print x/y}')")
    echo "  round $i/$rounds $(basename "$m"): rightsize pp $app tg $atg | llama-bench pp $bpp tg $btg" >&2
  done
  printf '%-34s %9.1f %9.1f %7.3f (%s) %9.1f %9.1f %7.3f (%s)\n' "$(basename "$m")" \
    "$(printf '%s\n' "${lb_pp[@]}" | median)" "$(printf '%s\n' "${rs_pp[@]}" | median)" \
    "$(printf '%s\n' "${pp_ratio[@]}" | median)" "$(printf '%s\n' "${pp_ratio[@]}" | minmax)" \
    "$(printf '%s\n' "${lb_tg[@]}" | median)" "$(printf '%s\n' "${rs_tg[@]}" | median)" \
    "$(printf '%s\n' "${tg_ratio[@]}" | median)" "$(printf '%s\n' "${tg_ratio[@]}" | minmax)"
done
echo "ratios are rightsize / llama-bench, median of $rounds alternating rounds; p=$p n=$n r=$r t=$t"

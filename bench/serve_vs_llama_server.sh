#!/usr/bin/env bash
# rightsize serve against llama.cpp's llama-server on the same GGUF, threads, window and parallel
# sequences: `rightsize load` sends both the same random prompts at each concurrency, and the script
# prints request and output-token throughput and TTFT/TPOT p50 and p99 side by side (docs/serve.md).
# Each concurrency level gets its own prompts (--seed): llama-server keeps the prompts it has seen
# in a RAM cache, and the same prompts again would measure its cache, not its serving.
#   bench/serve_vs_llama_server.sh [-m MODEL] [-t N] [-np N] [-fa on|off] [--num-prompts N]
#                                  [--input-len N] [--output-len N] [--concurrency 1,4] [--servers rightsize,llama-server] OUT
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=$root/models/smollm2-135m-instruct-q4_1.gguf
threads=2 np=4 fa=on prompts=32 input=256 output=64 concurrency=1,4 servers="rightsize llama-server" out=""
while [ $# -gt 0 ]; do
  case $1 in
    -m) model=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -np) np=$2; shift 2 ;;
    -fa) fa=$2; shift 2 ;;
    --num-prompts) prompts=$2; shift 2 ;;
    --input-len) input=$2; shift 2 ;;
    --output-len) output=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --servers) servers=${2//,/ }; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) out=$1; shift ;;
  esac
done
[ -n "$out" ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
rs=${RIGHTSIZE_BIN:-$root/build/bin/rightsize}
llama_server=${LLAMA_SERVER_BIN:-$root/build/bin/llama-server}
mkdir -p "$out"
out=$(cd "$out" && pwd)
common=(-m "$model" -t "$threads" -c 8192 -np "$np" -fa "$fa")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_health() {
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/health" > /dev/null && return 0; sleep 0.2; done
  echo "server on port $1 did not come up" >&2; return 1
}

printf 'server\tconcurrency\trequests_per_s\toutput_tokens_per_s\tttft_p50_ms\tttft_p99_ms\ttpot_p50_ms\ttpot_p99_ms\n' > "$out/summary.tsv"
for server in $servers; do
  port=$(free_port)
  if [ "$server" = rightsize ]; then
    "$rs" serve "${common[@]}" --port "$port" > "$out/$server.log" 2>&1 &
  else
    "$llama_server" "${common[@]}" --host 127.0.0.1 --port "$port" > "$out/$server.log" 2>&1 &
  fi
  pid=$!
  wait_health "$port"
  IFS=, read -r -a levels <<< "$concurrency"
  for c in "${levels[@]}"; do
    "$rs" load -m "http://127.0.0.1:$port/v1" --num-prompts "$prompts" --input-len "$input" --output-len "$output" \
      --max-concurrency "$c" --seed "$c" --format json -o "$out/$server-c$c" > "$out/$server-c$c.json" 2> "$out/$server-c$c.err"
    jq -r --arg s "$server" --arg c "$c" '.runs[0] | [$s, $c, .request_throughput, .output_throughput, .median_ttft_ms, .p99_ttft_ms,
      .median_tpot_ms, .p99_tpot_ms] | map(if type == "number" then (. * 100 | round / 100) else . end) | @tsv' \
      "$out/$server-c$c/load.json" >> "$out/summary.tsv"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
cat "$out/summary.tsv"

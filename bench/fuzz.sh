#!/usr/bin/env bash
# Fuzzes rightsize's parsers with libFuzzer (fuzz/README.md): builds build-fuzz/ if needed (clang,
# ASan + UBSan, no llama.cpp), fills the corpora from real files (fuzz/make-corpus.sh) and runs each
# target in turn, one process each, niced. Prints per target its executions, exec/s, corpus size and
# findings; exits 1 on any finding, which is kept under build-fuzz/findings/<target>/.
#   bench/fuzz.sh [SECONDS]                 every target for SECONDS each (default 30)
#   bench/fuzz.sh -t jinja -t csv 60        only those targets
#   bench/fuzz.sh -r 1000000 1800           stop each at 1,000,000 executions (or 1800 s)
# A finding reproduces with: build-fuzz/bin/fuzz_<target> build-fuzz/findings/<target>/<file>
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${RIGHTSIZE_FUZZ_BUILD:-$src/build-fuzz}
all=(task_yaml jinja jsonl json csv tsv per_csv results sse openai_reply serve_request)
targets=() runs=() seconds=30
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -t) [ $# -ge 2 ] || usage; [[ " ${all[*]} " == *" $2 "* ]] || { echo "fuzz.sh: unknown target '$2' (${all[*]})" >&2; exit 2; }
        targets+=("$2"); shift 2 ;;
    -r) [[ ${2:-} =~ ^[0-9]+$ ]] || usage; runs=(-runs="$2"); shift 2 ;;
    -h|--help) usage ;;
    *) [[ $1 =~ ^[0-9]+$ ]] || usage; seconds=$1; shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ ! -f "$build/build.ninja" ]; then
  nice -n 10 cmake -S "$src" -B "$build" -G Ninja -DRIGHTSIZE_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ > /dev/null
fi
nice -n 10 cmake --build "$build" -j "${RIGHTSIZE_FUZZ_JOBS:-2}" > "$build/build.log" 2>&1 || { tail -n 30 "$build/build.log"; exit 2; }
"$src/fuzz/make-corpus.sh" "$build" > /dev/null

# Each process has its own temporary folder; one left by a crash is removed with the rest.
export TMPDIR=$build/tmp
mkdir -p "$TMPDIR" "$build/logs"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
printf '%-10s %12s %10s %8s %8s  %s\n' target executions exec/s seconds corpus findings
for t in "${targets[@]}"; do
  findings=$build/findings/$t
  mkdir -p "$findings"
  dict=()
  [ -f "$src/fuzz/$t.dict" ] && dict=(-dict="$src/fuzz/$t.dict")
  log=$build/logs/$t.log
  start=$(date +%s)
  rc=0
  nice -n 10 "$build/bin/fuzz_$t" "$build/corpus/$t" "${dict[@]}" "${runs[@]}" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" > "$log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  corpus=$(find "$build/corpus/$t" -type f | wc -l)
  if [ "$rc" -ne 0 ]; then  # libFuzzer exits non-zero on a crash, leak, timeout or out-of-memory
    failed=1
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    printf '%-10s %12s %10s %8s %8s  FINDING: %s (log %s)\n' "$t" "${execs:-?}" "${speed:-?}" "$elapsed" "$corpus" \
      "${crash:-exit $rc}" "$log"
    grep -a -m 3 -E 'FINDING:|ERROR: |runtime error:|SUMMARY:' "$log" | sed 's/^/           /'
  else
    printf '%-10s %12s %10s %8s %8s  none\n' "$t" "$execs" "$speed" "$elapsed" "$corpus"
  fi
done
rm -rf "$TMPDIR"
if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: findings above; reproduce one with $build/bin/fuzz_<target> <file>" >&2
  exit 1
fi

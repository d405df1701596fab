#!/usr/bin/env bash
# lm-evaluation-harness scores a GGUF model through `rightsize serve`, with lm-eval's own task
# definitions, and `rightsize run` scores the same documents in-process; the script prints both
# accuracies, their wall times and how many documents' scores agree (docs/serve.md).
#   bench/lm_eval_serve.sh [-m MODEL] [--tasks arc_easy,hellaswag,gsm8k] [--limit N] [--limit-gsm8k N] [-t N] [-fa on|off] [-ub N] [-np N] OUT
# lm-eval runs its local-completions model with the remote tokenizer (the server's /tokenize and
# /tokenizer_info) on its unchanged task YAML, each included from lm-eval's package by an override
# file in OUT/tasks that points the dataset at ../shared/data (and, for gsm8k, whose train split is
# not there, takes the few-shot examples from test as rightsize's own gsm8k does). ARC's original
# release nests the choices under "question": jq rewrites it in the schema lm-eval's YAML reads.
# -fa, -ub and -np go to both rightsize serve and rightsize run: with -fa on -ub 32 llama.cpp's CPU
# kernels give SmolLM2's scores independent of how requests are batched (docs/serve.md), so the two
# tools' numbers can be compared to float precision.
# Writes OUT/lm-eval (lm-eval's results and samples), OUT/rightsize (rightsize run's folder),
# OUT/serve.log and OUT/summary.tsv (task, documents, lm-eval's and rightsize's accuracy, seconds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=$root/models/smollm2-135m-instruct-q4_1.gguf
tasks=arc_easy,gsm8k limit=20 limit_gsm8k=5 threads=2 out="" fa=""
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -m) model=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --limit-gsm8k) limit_gsm8k=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -fa) fa="$fa -fa $2"; shift 2 ;;
    -ub) fa="$fa -ub $2"; shift 2 ;;
    -np) fa="$fa -np $2"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "lm_eval_serve.sh: unknown option $1" >&2; usage ;;
    *) out=$1; shift ;;
  esac
done
[ -n "$out" ] || usage
rs=${RIGHTSIZE_BIN:-$root/build/bin/rightsize}
data=$(cd "$root/../shared/data" && pwd)
lm_eval=$("$root/scripts/fetch-lm-eval.sh")
pkg=$("$(dirname "$lm_eval")/python" -c 'import lm_eval, os; print(os.path.dirname(lm_eval.__file__))')/tasks
rm -rf "$out"
mkdir -p "$out/tasks"
out=$(cd "$out" && pwd)

# lm-eval's task files, each included whole; only the data location (and gsm8k's few-shot split) set here.
jq -c '{id, question: .question.stem, choices: {text: [.question.choices[].text], label: [.question.choices[].label]}, answerKey}' \
  "$data/arc/ARC-Easy/ARC-Easy-Test.jsonl" > "$out/tasks/arc_easy_test.jsonl"
cat > "$out/tasks/arc_easy.yaml" <<YAML
include: $pkg/arc/arc_easy.yaml
task: rs_arc_easy
tag: []
dataset_path: json
dataset_name: null
dataset_kwargs: {data_files: {test: $out/tasks/arc_easy_test.jsonl}}
training_split: null
validation_split: null
YAML
cat > "$out/tasks/hellaswag.yaml" <<YAML
include: $pkg/hellaswag/hellaswag.yaml
task: rs_hellaswag
tag: []
dataset_path: json
dataset_kwargs: {data_files: {validation: $data/hellaswag/hellaswag.jsonl}}
training_split: null
YAML
cat > "$out/tasks/gsm8k.yaml" <<YAML
include: $pkg/gsm8k/gsm8k.yaml
task: rs_gsm8k
tag: []
dataset_path: json
dataset_name: null
dataset_kwargs: {data_files: {test: $data/gsm8k/test.jsonl}}
training_split: null
fewshot_split: test
YAML

# The server, on a free port, until the script ends.
"$rs" serve -m "$model" --port 0 --port-file "$out/port" -t "$threads" $fa > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  [ -s "$out/port" ] && curl -sf "http://127.0.0.1:$(cat "$out/port")/health" > /dev/null && break
  kill -0 $server 2>/dev/null || { cat "$out/serve.log" >&2; exit 1; }
  sleep 0.2
done
port=$(cat "$out/port")
name=$(basename "$model" .gguf)

export HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 HF_DATASETS_CACHE=$out/hf-cache HF_HOME=$out/hf-home TOKENIZERS_PARALLELISM=false
printf 'task\tdocuments\tmetric\tlm_eval_via_serve\trightsize_run\tlm_eval_s\trightsize_s\n' > "$out/summary.tsv"
IFS=, read -r -a list <<< "$tasks"
for task in "${list[@]}"; do
  n=$limit metric=acc,none
  [ "$task" = gsm8k ] && n=$limit_gsm8k metric=exact_match,strict-match
  t0=$(date +%s.%N)
  "$lm_eval" --model local-completions --tasks "rs_$task" --include_path "$out/tasks" --limit "$n" --log_samples \
    --model_args "base_url=http://127.0.0.1:$port/v1/completions,model=$name,tokenizer_backend=remote,num_concurrent=4,max_retries=2,timeout=600" \
    --output_path "$out/lm-eval" > "$out/lm-eval-$task.log" 2>&1 || { tail -n 30 "$out/lm-eval-$task.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  "$rs" run -m "$model" --tasks "$task" --limit "$n" -t "$threads" $fa --data-dir "$data" -o "$out/rightsize" \
    > "$out/rightsize-$task.log" 2>&1 || { tail -n 30 "$out/rightsize-$task.log" >&2; exit 1; }
  t2=$(date +%s.%N)
  lm=$(jq -r --arg t "rs_$task" --arg m "$metric" '.results[$t][$m]' "$(ls -t "$out"/lm-eval/*/results_*.json | head -n 1)")
  ours=$(jq -r --arg t "$task" --arg m "$metric" '.results[$t][$m]' "$out/rightsize/$name/results.json")
  printf '%s\t%s\t%s\t%s\t%s\t%.1f\t%.1f\n' "$task" "$n" "$metric" "$lm" "$ours" "$(awk "BEGIN{print $t1 - $t0}")" "$(awk "BEGIN{print $t2 - $t1}")" >> "$out/summary.tsv"
done
cat "$out/summary.tsv"

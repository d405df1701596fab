#!/usr/bin/env bash
# Writes the version-1 results store the migration test opens (tests/data/store_v1/rightsize.sqlite):
# two tiny generated models on a multiple-choice and a generation task of project-written
# documents, and a model judge's votes, by the rightsize binary given (the one committed before
# schema version 2: e.g. commit 2f6fdb5 built in a git worktree). Kept so the fixture can be
# written again from the source it came from.
#   tests/data/store_v1/make-store.sh RIGHTSIZE_BINARY FIXTURE_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rightsize=$1
fixture=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fixture" model "$work/tiny-a.gguf" --seed 1 >/dev/null
"$fixture" model "$work/tiny-b.gguf" --seed 2 >/dev/null
mkdir -p "$work/tasks/data"
for i in 0 1 2 3; do
  words=(red blue green black)
  printf '{"prompt": "Say a colour, number %d.", "choices": ["%s", "%s"], "answer": %d}\n' \
    "$i" "${words[$i]}" "${words[$(( (i + 1) % 4 ))]}" $(( i % 2 ))
done > "$work/tasks/data/colours.jsonl"
cat > "$work/tasks/pick_colour.yaml" <<'YAML'
task: pick_colour
dataset_path: json
dataset_kwargs:
  data_files:
    test: data/colours.jsonl
test_split: test
output_type: multiple_choice
doc_to_text: "Q: {{prompt}}\nA:"
doc_to_choice: "{{choices}}"
doc_to_target: answer
metric_list:
  - metric: acc
YAML
cat > "$work/tasks/say_colour.yaml" <<'YAML'
task: say_colour
dataset_path: json
dataset_kwargs:
  data_files:
    test: data/colours.jsonl
test_split: test
output_type: generate_until
doc_to_text: "Q: {{prompt}}\nA:"
doc_to_target: "{{choices[0]}}"
generation_kwargs:
  until: ["\n"]
  max_gen_toks: 6
metric_list:
  - metric: exact_match
YAML
"$rightsize" run -m "$work/tiny-a.gguf" -m "$work/tiny-b.gguf" --include-path "$work/tasks" \
  --tasks pick_colour,say_colour -o "$work/out" -t 2 -c 512 --energy estimate >/dev/null
"$rightsize" vote --input "$work/out" --task say_colour --judge "$work/tiny-a.gguf" -t 2 -c 2048 >/dev/null
sqlite3 "$work/out/rightsize.sqlite" "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;" >/dev/null 2>&1 || true
cp "$work/out/rightsize.sqlite" "$here/rightsize.sqlite"
echo "wrote $here/rightsize.sqlite"

#!/usr/bin/env bash
# The main job on its embedded default: set-up, then a real comparison of the two real models
# (SmolLM2-135M-Instruct Q4_1 vs Gemma 3 270M Q4_K_M) on four built-in tasks, 40 questions each:
# quality, efficiency, energy (labelled measured or estimated) and CO2e per task in the terminal,
# PER, the Pareto sets and the recommendation; results.json / samples / SQLite / emissions.csv and
# the self-contained report.html under demo-results/. Extra arguments go to `rightsize run`
# (e.g. --limit 100, --country FRA, --tasks gsm8k).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
data="${RIGHTSIZE_DATA:-$root/../shared/data}"
[ -d "$data" ] || data=""  # no local copy: the cache, filled from the Hugging Face hub
exec build/bin/rightsize run -m models/smollm2-135m-instruct-q4_1.gguf -m models/gemma-3-270m-q4_k_m.gguf \
  --tasks arc_easy,hellaswag,boolq,truthfulqa_mc1 --limit 40 ${data:+--data-dir "$data"} -o demo-results --fresh "$@"

#!/usr/bin/env bash
# The main job on its embedded default: set-up, then `rightsize bench` over the two real models.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
exec build/bin/rightsize bench -m models/smollm2-135m-instruct-q4_1.gguf -m models/gemma-3-270m-q4_k_m.gguf \
  -p 256 -n 64 -r 3 "$@"

#!/usr/bin/env bash
# Installs lm-evaluation-harness (PyPI, lm-eval[api]) into deps/lm-eval/, a virtual environment:
# the reference client that scores rightsize serve with its own local-completions model and task
# definitions (bench/lm_eval_serve.sh, its test). No torch: the [api] extra talks HTTP only. Idempotent.
#   scripts/fetch-lm-eval.sh        prints the lm_eval command to run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/deps/lm-eval
version=0.4.13
if "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('lm_eval') != '$version')" 2>/dev/null; then
  echo "$venv/bin/lm_eval"
  exit 0
fi
echo "lm-eval: installing $version into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip >&2
"$venv/bin/pip" install -q "lm-eval[api]==$version" >&2
"$venv/bin/python" -c "import lm_eval.models.openai_completions" >&2
echo "$venv/bin/lm_eval"

#!/usr/bin/env bash
# The whole test suite from nothing: set-up (idempotent), llama-cpp-python's server and
# lm-evaluation-harness for the served-model tests, then every test with ctest.
# Tests run one at a time: llama.cpp's threads spin-wait, and two test processes sharing
# two cores slow each other down by two orders of magnitude.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
# The served-model tests also need llama-cpp-python's server (PyPI ships its source: the first time,
# pip compiles it for several minutes); configure again so the tests find it, then build them.
scripts/fetch-llama-cpp-python.sh >/dev/null
# lm-eval scores rightsize serve in LmEvalThroughServe (PyPI, no torch; a minute or two the first time).
scripts/fetch-lm-eval.sh >/dev/null
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default "$@"

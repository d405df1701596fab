#!/usr/bin/env bash
# The whole test suite from nothing: set-up (idempotent), then every test with ctest.
# Tests run one at a time: llama.cpp's threads spin-wait, and two test processes sharing
# two cores slow each other down by two orders of magnitude.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
ctest --preset default "$@"

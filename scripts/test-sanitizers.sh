#!/usr/bin/env bash
# The unit, tiny-model and CLI suites under AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer: the `asan` preset (build-asan/; rightsize's code instrumented,
# llama.cpp not; docs/reliability.md). The sanitizer options come from the test preset.
#   scripts/test-sanitizers.sh [extra ctest arguments]
# Set-up first (idempotent, as scripts/test.sh): system packages, llama.cpp's source, the models.
# Tests run one at a time: llama.cpp's threads spin-wait.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
scripts/fetch-llama.sh
scripts/fetch-models.sh

t0=$(date +%s)
if [ ! -f build-asan/build.ninja ]; then
  cmake --preset asan >/dev/null
fi
echo "sanitizers: building the asan preset in build-asan/ (first build compiles llama.cpp)"
cmake --build --preset asan
t1=$(date +%s)

rc=0
ctest --preset asan -L 'unit|tiny|cli' "$@" || rc=$?
t2=$(date +%s)
echo "sanitizers: configure+build $((t1 - t0)) s, tests $((t2 - t1)) s, ctest exit $rc"
exit "$rc"

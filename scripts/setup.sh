#!/usr/bin/env bash
# Everything from nothing: system packages, the pinned llama.cpp source, the real models, and
# the build (rightsize, its tests, and llama.cpp's comparison tools) in build/.
# A second run on the same machine downloads nothing and rebuilds nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
scripts/fetch-llama.sh
scripts/fetch-models.sh
if [ ! -f build/build.ninja ]; then
  cmake --preset default >/dev/null
fi
echo "build: cmake --build --preset default (first build compiles llama.cpp: several minutes on 2 cores)"
cmake --build --preset default
echo "setup: done; the CLI is build/bin/rightsize"

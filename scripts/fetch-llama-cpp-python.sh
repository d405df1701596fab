#!/usr/bin/env bash
# Installs llama-cpp-python's OpenAI-compatible server (PyPI, llama-cpp-python[server]) into
# deps/llama-cpp-python/, a virtual environment: a real server that echoes prompt log-probabilities
# ("echo": true with "logprobs"), for the served-model tests of the echo route. PyPI carries only its
# source, so pip compiles its own llama.cpp (about 5-10 minutes on 2 cores). Idempotent.
#   scripts/fetch-llama-cpp-python.sh        prints the server's python to run: PY -m llama_cpp.server
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/deps/llama-cpp-python
version=0.3.36
if "$venv/bin/python" -c "import llama_cpp, llama_cpp.server, sys; sys.exit(llama_cpp.__version__ != '$version')" 2>/dev/null; then
  echo "$venv/bin/python"
  exit 0
fi
echo "llama-cpp-python: building $version into $venv (pip compiles its llama.cpp; several minutes)" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip >&2
# CPU only, no OpenMP/BLAS probing surprises; the build uses every core.
CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
  "$venv/bin/pip" install -q "llama-cpp-python[server]==$version" >&2
"$venv/bin/python" -c "import llama_cpp.server" >&2
echo "$venv/bin/python"

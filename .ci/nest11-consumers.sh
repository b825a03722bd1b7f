#!/usr/bin/env bash
# A Nest 11 app in the folder $1 (outside the repository): npm installs the packed tarball with the Nest 11 packages
# of NEST11_PACKAGES (.ci/matrix.env) by a plain `npm install`, no --legacy-peer-deps, so the peer ranges must
# admit them. Then, in it: the TypeScript consumer (TypeScript 5.9 and 6.0, CommonJS and ESM), and the
# package-consumer tests, whose CommonJS and ESM apps call through the pool and serve /health on terminus 11.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/matrix.env
app="$1"
read -r -a nest11 <<< "$NEST11_PACKAGES"

bash .ci/consumer-app.sh "$app" "${nest11[@]}"
# npm could have kept another version for a name; the run must be on the ones pinned.
for spec in "${nest11[@]}"; do
  name="${spec%@*}"
  installed="$(node -p "require('$app/node_modules/$name/package.json').version")"
  if [ "$name@$installed" != "$spec" ]; then
    echo "nest11-consumers: $app has $name@$installed, .ci/matrix.env pins $spec" >&2
    exit 1
  fi
done
echo "nest11-consumers: $app has ${nest11[*]}"

bash .ci/typecheck-consumer.sh "$app"
jest=(node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js)
GRPC_POOL_CONSUMER_APP="$app" \
  timeout --kill-after=30 "$JEST_HANG_GUARD_S" "${jest[@]}" --verbose test/package/package-consumers.e2e-spec.ts

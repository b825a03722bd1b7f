#!/usr/bin/env bash
# The platform matrix: the packed package as users install it, on the lowest @grpc/grpc-js of the peer range and
# with TypeScript 5.9 and 6.0 as CommonJS and ESM, linted as a package; the examples/ apps installed from it and run;
# the same consumers in a Nest 11 app; and Jest on each Node of NODE_VERSIONS.
# Versions are pinned in .ci/matrix.env. Needs `npm ci` and `npm run build` first (.ci/run does them).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/matrix.env
source .ci/parts.sh

# The app lives outside the repository, so nothing in it resolves from the repository's node_modules.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"; report_parts "platform matrix"' EXIT
app="$scratch/consumer-app"

part "consumer app: npm installs the packed tarball with @grpc/grpc-js $LOWEST_GRPC_JS" bash .ci/consumer-app.sh "$app"
part "package lint: publint, attw --profile esm-only" bash .ci/lint-package.sh "$app"
part "examples: the quick starts (ESM, CommonJS) installed from the packed tarball and run" bash .ci/examples.sh
part "TypeScript 5.9 and 6.0 consumer, CommonJS and ESM" bash .ci/typecheck-consumer.sh "$app"
part "package consumers on @grpc/grpc-js $LOWEST_GRPC_JS" bash .ci/consumers-on-lowest-grpc.sh "$app"
part "Nest 11 app: plain npm install of the packed tarball, TypeScript, CommonJS and ESM consumers, /health" \
  bash .ci/nest11-consumers.sh "$scratch/nest11-app"
for version in $NODE_VERSIONS; do
  part "Node $version: package consumers and e2e subset" bash .ci/test-on-node.sh "$version"
done

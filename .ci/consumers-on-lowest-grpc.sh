#!/usr/bin/env bash
# Runs the package-consumer tests in the app folder $1 made by .ci/consumer-app.sh: the consumer apps load the
# packed package with the lowest @grpc/grpc-js of the peer range, and one of them confirms the pool ran on it.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/matrix.env
app="$1"
echo "package consumers on @grpc/grpc-js $LOWEST_GRPC_JS, installed in $app"
jest=(node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js)
GRPC_POOL_CONSUMER_APP="$app" GRPC_POOL_EXPECT_GRPC_JS="$LOWEST_GRPC_JS" \
  timeout --kill-after=30 "$JEST_HANG_GUARD_S" "${jest[@]}" --verbose test/package/package-consumers.e2e-spec.ts

#!/usr/bin/env bash
# Runs the package-consumer tests and a representative e2e subset with Jest under the Node binary of version $1.
# package-consumers spawns its apps with process.execPath, so they run on that Node too. async-context and
# opentelemetry-tracing are here because AsyncLocalStorage changed under them (Node 24: AsyncContextFrame).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/matrix.env
node="$(bash .ci/node-binary.sh "$1")"
echo "Jest on $("$node" --version): $node"
jest=("$node" --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js)
timeout --kill-after=30 "$JEST_HANG_GUARD_S" "${jest[@]}" \
  test/package/package-consumers.e2e-spec.ts \
  test/facades/call-kinds.e2e-spec.ts \
  test/facades/async-service.e2e-spec.ts \
  test/context/deadline-propagation.e2e-spec.ts \
  test/client/shutdown-drain.e2e-spec.ts \
  test/module/module.e2e-spec.ts \
  test/call/response-metadata.e2e-spec.ts \
  test/call/stream-failures.e2e-spec.ts \
  test/health/health.e2e-spec.ts \
  test/context/async-context.e2e-spec.ts \
  test/telemetry/opentelemetry-tracing.e2e-spec.ts

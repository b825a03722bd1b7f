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
  test/package-consumers.e2e-spec.ts \
  test/call-kinds.e2e-spec.ts \
  test/async-service.e2e-spec.ts \
  test/deadline-propagation.e2e-spec.ts \
  test/shutdown-drain.e2e-spec.ts \
  test/module.e2e-spec.ts \
  test/response-metadata.e2e-spec.ts \
  test/stream-failures.e2e-spec.ts \
  test/health.e2e-spec.ts \
  test/async-context.e2e-spec.ts \
  test/opentelemetry-tracing.e2e-spec.ts

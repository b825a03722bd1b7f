#!/usr/bin/env bash
# Lints the packed package (the tarball npm would publish, from .ci/consumer-app.sh's app folder $1):
# publint (package.json fields against the files, warnings fail too) and arethetypeswrong with the esm-only
# profile: types must resolve for ESM and bundler consumers. The profile ignores attw's "node16 from CJS: dynamic
# import only" note, which predates require(esm); .ci/typecheck-consumer.sh checks CommonJS consumers for real.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball="$(ls "$1"/nestjs-grpc-pool-*.tgz)"
npx publint run --strict "$tarball"
npx attw --profile esm-only --format table-flipped --no-color "$tarball"

#!/usr/bin/env bash
# Makes an app folder $1 (outside the repository) the way a user's app gets the package: npm installs the packed
# tarball (npm pack of the current build) with the LOWEST @grpc/grpc-js of the peer range, and the other peers and
# what the consumer fixtures use at the versions of this repository's lockfile, so the app differs from the repo
# only where we mean it to. The consumer tests and the TypeScript consumer check run in it. Needs `npm run build`.
# Any further arguments (name@version) replace the lockfile's version of those packages: .ci/nest11-consumers.sh
# makes a Nest 11 app this way.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/matrix.env
app="$1"
shift
overrides=("$@")

# The pinned lowest version must be the peer range's floor, or this would test some other version.
range="$(node -p "require('./package.json').peerDependencies['@grpc/grpc-js']")"
if [ "$range" != "^$LOWEST_GRPC_JS" ]; then
  echo "consumer-app: the peer range of @grpc/grpc-js is $range, .ci/matrix.env says LOWEST_GRPC_JS=$LOWEST_GRPC_JS" >&2
  exit 1
fi

packages=("@grpc/grpc-js@$LOWEST_GRPC_JS")
for name in @grpc/proto-loader @nestjs/common @nestjs/core @nestjs/microservices @nestjs/platform-express \
  @nestjs/terminus reflect-metadata rxjs prom-client @opentelemetry/api @opentelemetry/context-async-hooks @opentelemetry/core \
  @opentelemetry/instrumentation @opentelemetry/instrumentation-grpc @opentelemetry/sdk-metrics \
  @opentelemetry/sdk-trace-base @types/node; do
  override=""
  for spec in "${overrides[@]}"; do [ "${spec%@*}" = "$name" ] && override="$spec"; done
  packages+=("${override:-$name@$(node -p "require('./node_modules/$name/package.json').version")}")
done

rm -rf "$app" && mkdir -p "$app"
tarball="$app/$(npm pack --pack-destination "$app" --silent)"
echo '{ "name": "grpc-pool-consumer-app", "private": true, "version": "0.0.0" }' > "$app/package.json"
(cd "$app" && npm install --no-audit --no-fund --loglevel=error "$tarball" "${packages[@]}")
echo "consumer-app: $app has $(basename "$tarball") and @grpc/grpc-js" \
  "$(node -p "require('$app/node_modules/@grpc/grpc-js/package.json').version")"

#!/usr/bin/env bash
# Runs the Quick start as a user would, three times: examples/quick-start-esm and examples/quick-start-cjs, each
# copied into an empty folder outside the repository and installed with a plain `npm install` of the packed tarball
# (npm pack of the current build), which also installs the example's own package.json, then `npm run build`; and
# the README's Quick start, its files and steps taken from README.md by .ci/readme-quick-start.mjs (which also fails
# when examples/ and the README differ), with the tarball in place of the package name. Each app and
# its backend start from another working directory on free ports; GET /orders/1 must answer 200 with the order,
# /orders/99 404 (the HTTP filter), /health 200 with status "ok" (the remote grpc.health.v1 check). Everything
# started is stopped on exit. Needs `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
# A hang guard: how long an app may take to answer its first request; it answers in seconds.
START_HANG_GUARD_S=60
export npm_config_audit=false npm_config_fund=false npm_config_loglevel=error

scratch="$(mktemp -d)"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop; rm -rf "$scratch"' EXIT
# Interrupted (Ctrl-C, a CI timeout), exit through the EXIT trap, so no backend or app outlives the script.
trap 'exit 130' INT TERM

free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

# expect NAME URL STATUS BODY_PART: fails, printing what came back, unless the answer has that status and body.
expect() {
  local got body
  got="$(curl -s -o "$scratch/body" -w '%{http_code}' "$2")" || true
  body="$(cat "$scratch/body" 2>/dev/null || true)"
  if [ "$got" != "$3" ] || [[ "$body" != *"$4"* ]]; then
    echo "examples: $1: GET $2 answered $got $body (expected $3 with $4)" >&2
    return 1
  fi
  echo "examples: $1: GET $2 -> $got ${body:0:120}"
}

# run NAME DIR: starts DIR's built backend and app, checks their answers, stops both.
run() {
  local name="$1" dir="$2" orders_url http_port base waited
  orders_url="127.0.0.1:$(free_port)"
  http_port="$(free_port)"
  # From / , so a protoPath that depended on the working directory would fail.
  (cd / && ORDERS_URL="$orders_url" exec node "$dir/dist/backend.js") >"$scratch/$name-backend.log" 2>&1 &
  pids+=($!)
  (cd / && ORDERS_URL="$orders_url" PORT="$http_port" exec node "$dir/dist/main.js") >"$scratch/$name-app.log" 2>&1 &
  pids+=($!)

  base="http://127.0.0.1:$http_port"
  for ((waited = 0; ; waited++)); do
    if curl -s -o /dev/null "$base/health"; then break; fi
    if ((waited >= START_HANG_GUARD_S)) || ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "examples: $name: the app did not answer" >&2
      cat "$scratch/$name-backend.log" "$scratch/$name-app.log" >&2
      return 1
    fi
    sleep 1
  done
  if ! { expect "$name" "$base/orders/1" 200 '{"id":1,"item":"coffee beans"}' &&
    expect "$name" "$base/orders/99" 404 'order 99 not found' &&
    expect "$name" "$base/health" 200 '"status":"ok"'; }; then
    cat "$scratch/$name-backend.log" "$scratch/$name-app.log" >&2
    return 1
  fi
  stop
}

tarball="$scratch/$(npm pack --pack-destination "$scratch" --silent)"

for example in examples/quick-start-*/; do
  name="$(basename "$example")"
  dir="$scratch/$name"
  mkdir "$dir"
  tar -C "$example" --exclude=node_modules --exclude=dist -cf - . | tar -C "$dir" -xf -
  echo "examples: $name: npm install $(basename "$tarball"), npm run build"
  (cd "$dir" && npm install "$tarball" && npm run build --silent)
  run "$name" "$dir"
done

dir="$scratch/readme-quick-start"
mkdir "$dir"
node .ci/readme-quick-start.mjs "$dir"
sed -E -i "s#(^| )nestjs-grpc-pool( |\$)#\1$tarball\2#" "$dir/setup.sh"
echo "examples: readme-quick-start: the README's steps"
(cd "$dir" && bash setup.sh)
run readme-quick-start "$dir"

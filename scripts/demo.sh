#!/usr/bin/env bash
# The main job: builds the browser package, assembles the demo site (build/site) and serves it on
# 127.0.0.1 next to the local AWS IoT Core stand-in, prefilled to connect to it. Ctrl-C stops
# everything.
#
#   scripts/demo.sh                       # http://127.0.0.1:8080/ (a free port if 8080 is busy)
#   IOTLITE_DEMO_PORT=9000 scripts/demo.sh
#   IOTLITE_DEMO_SKIP_INSTALL=1 scripts/demo.sh   # skip scripts/install.sh (already installed)
#   IOTLITE_DEMO_BUILD_DIR / IOTLITE_DEMO_SITE: the wasm build tree (build/wasm) and the site (build/site)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

PORT=${IOTLITE_DEMO_PORT:-8080}
SITE=${IOTLITE_DEMO_SITE:-build/site}
BUILD=${IOTLITE_DEMO_BUILD_DIR:-build/wasm}   # the wasm preset's tree
PACKAGE=$BUILD/wasm/package
if ! [[ $PORT =~ ^[0-9]+$ ]] || (( PORT > 65535 )); then
  echo "demo: IOTLITE_DEMO_PORT must be a port number (0..65535), got '$PORT'" >&2
  exit 2
fi

if [[ ${IOTLITE_DEMO_SKIP_INSTALL:-0} != 1 ]]; then
  scripts/install.sh
fi
echo "demo: building the browser package (wasm preset)"
cmake --preset wasm -B "$BUILD" >/dev/null
cmake --build "$BUILD" --target iotlite_wasm_package

RUN=$(mktemp -d "${TMPDIR:-/tmp}/iotlite-demo.XXXXXX")
PIDS=()
cleanup() {
  trap - EXIT INT TERM HUP
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM HUP

# Waits (at most 30 s) until $1 has a line, while process $2 lives.
wait_for_line() {
  local file=$1 pid=$2 what=$3
  for _ in $(seq 300); do
    [[ -s $file ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "demo: the $what exited before it was ready:" >&2
      cat "$RUN"/*.log >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  echo "demo: the $what was not ready within 30 s" >&2
  exit 1
}

# setsid: Ctrl-C reaches only this script, which then stops the servers in order (they also stop
# by themselves if this script dies: they watch their parent).
setsid node standin/standin.mjs >"$RUN/standin.json" 2>"$RUN/standin.log" </dev/null &
PIDS+=($!)
wait_for_line "$RUN/standin.json" "${PIDS[-1]}" "stand-in"

node scripts/demo_server.mjs assemble --package "$PACKAGE" --out "$SITE" --standin "$RUN/standin.json"

setsid node scripts/demo_server.mjs serve --root "$SITE" --port "$PORT" --quiet >"$RUN/server.json" 2>"$RUN/server.log" </dev/null &
PIDS+=($!)
wait_for_line "$RUN/server.json" "${PIDS[-1]}" "static server"

node -e '
  const [standin, server] = process.argv.slice(1, 3).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
  const busy = server.port !== Number(process.argv[3]) && Number(process.argv[3]) !== 0;
  console.log(`
  iotlite demo:   ${server.url}${busy ? "   (port " + process.argv[3] + " was busy)" : ""}

  local AWS IoT Core stand-in (prefilled in the page):
    WebSocket     ${standin.wsUrl}
    Cognito       ${standin.cognitoUrl}  pool ${standin.identityPools.unauthenticated}
    admin         ${standin.adminUrl}  (fault controls, e.g. curl -X POST ${standin.adminUrl}/drop)
    MQTT (TCP)    127.0.0.1:${standin.brokerTcpPort}  e.g. mosquitto_sub -p ${standin.brokerTcpPort} -t "demo/#" -v

  Press Ctrl-C to stop.`);
' "$RUN/standin.json" "$RUN/server.json" "$PORT"

# Runs until Ctrl-C, or until one of the two exits (then the other is stopped too).
set +e
wait -n "${PIDS[@]}"
status=$?
set -e
echo "demo: a server exited (status $status); stopping" >&2
cat "$RUN"/*.log >&2 || true
exit 1

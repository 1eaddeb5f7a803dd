#!/usr/bin/env bash
# Browser-package benchmarks (not tests): bundle size of a minimal app vs MQTT.js + aws4fetch,
# QoS 0 throughput and QoS 1 round trip through the stand-in vs MQTT.js, presigns/s vs aws4, and
# both clients' QoS 0 rate without a broker's ceiling (an in-process echo broker).
# Usage: tests/bench/wasm/run.sh [package dir]   (default: build/wasm/wasm/package, from
#        cmake --preset wasm && cmake --build --preset wasm --target iotlite_wasm_package)
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/env.sh
pkg=${1:-build/wasm/wasm/package}
if [[ ! -f "$pkg/iotlite.wasm" ]]; then
  echo "no wasm package in $pkg: build it with cmake --preset wasm && cmake --build --preset wasm" >&2
  exit 1
fi
echo "== bundle size (esbuild --minify, gzip -9)"
node tests/bench/wasm/size.mjs "$pkg"
echo "== bundle size of an app using the device shadow (iotlite/shadow)"
node tests/bench/wasm/shadow_size.mjs "$pkg"
echo "== bundle size of the minimal app on one connection for all tabs (iotlite/tabs)"
node tests/bench/wasm/tabs_size.mjs "$pkg"
echo "== presigned URLs per second"
node tests/bench/wasm/presign.mjs "$pkg"
echo "== throughput and round trip through the stand-in"
node tests/bench/wasm/throughput.mjs "$pkg" "${IOTLITE_BENCH_N:-20000}" "${IOTLITE_BENCH_M:-500}"
echo "== the clients alone (an in-process echo broker instead of the stand-in)"
node tests/bench/wasm/client_cpu.mjs "$pkg" "${IOTLITE_BENCH_N:-20000}"

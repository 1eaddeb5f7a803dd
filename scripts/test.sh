#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the host (ASan + UBSan, clang), wasm and
# Cortex-M4 trees, then one ctest run that covers the GoogleTest suites, the Node suites
# (stand-in, differential signer, wasm package), interop with Mosquitto + Paho, short fuzz runs,
# the browser tests and the core's scenario on an emulated Cortex-M4 (QEMU, tests/mcu).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/install.sh
jobs=$(nproc)
for preset in wasm firmware-arm host-asan; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done
ctest --preset host-asan -j "$jobs"

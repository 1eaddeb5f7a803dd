#!/usr/bin/env bash
# .wasm bytes (raw and gzip -9) that the MQTT engine + codec (core/src/mqtt) add to a minimal
# Emscripten program: tests/size/engine_image.cpp linked twice with em++ -Os (-fno-exceptions
# -fno-rtti), as a baseline (std::string / std::vector work only) and driving a Client through its
# API. Only the .wasm files are compared (the JS glue is the same for both).
#
#   source scripts/env.sh; tests/size/engine_wasm.sh [out-dir]     (default: build/mqtt-size-wasm)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/mqtt-size-wasm}
mkdir -p "$out"
cd "$root"
flags="-Os -fno-exceptions -fno-rtti -std=c++17 -DNDEBUG -I base/include -I core/include -I sigv4/include -sWASM_ASYNC_COMPILATION=0"
srcs=$(sed -n 's|^  \(src/mqtt/[a-z_]*\.cpp\)$|core/\1|p' core/CMakeLists.txt)
# shellcheck disable=SC2086
em++ $flags tests/size/engine_image.cpp $srcs -o "$out/engine.js"
# shellcheck disable=SC2086
em++ $flags -DIOTLITE_SIZE_BASELINE tests/size/engine_image.cpp -o "$out/baseline.js"
raw() { stat -c %s "$1"; }
gz() { gzip -9c "$1" | wc -c; }
e=$(raw "$out/engine.wasm"); b=$(raw "$out/baseline.wasm")
eg=$(gz "$out/engine.wasm"); bg=$(gz "$out/baseline.wasm")
echo "baseline .wasm: $b bytes ($bg gzip)"
echo "engine .wasm:   $e bytes ($eg gzip)"
echo "MQTT engine + codec: $((e - b)) bytes raw, $((eg - bg)) bytes gzip"

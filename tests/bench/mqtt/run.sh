#!/usr/bin/env bash
# MQTT over TCP benchmark: iotlite engine vs Paho MQTT C vs mosquitto_pub, through one private
# Mosquitto on 127.0.0.1. Release build (preset `host`, g++) in build/interop-rel.
# Usage: tests/bench/mqtt/run.sh [--messages N] [--size S] [--samples K] [--rounds R]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
. scripts/env.sh
cmake --preset host -B build/interop-rel >/dev/null
cmake --build build/interop-rel --target iotlite_bench_mqtt -j2
exec build/interop-rel/tests/bench/mqtt/iotlite_bench_mqtt "$@"

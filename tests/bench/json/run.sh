#!/usr/bin/env bash
# core's JSON (iotlite::json::Value) vs nlohmann/json: parse, compact dump, and a shadow merge +
# delta on AWS-shaped documents, both in the same process, medians of interleaved samples.
# Release build (preset `host`, g++) in build/bench-rel.
# Usage: tests/bench/json/run.sh [--samples K] [--iterations N]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
. scripts/env.sh
cmake --preset host -B build/bench-rel >/dev/null
cmake --build build/bench-rel --target iotlite_bench_json -j2
exec build/bench-rel/tests/bench/json/iotlite_bench_json "$@"

#!/usr/bin/env bash
# Builds the native benchmark (release, `host` preset, in build/sigv4-rel) and runs it and the JS
# signers in one run; prints each rate and the ratio against the fastest JS signer.
# The machine is shared, so it runs ROUNDS rounds (native, then JS) and keeps each signer's best rate.
# Usage: tests/bench/sigv4/run.sh [seconds per signer and round, default 1] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/env.sh
seconds=${1:-1}
rounds=${2:-3}
build=build/sigv4-rel
cmake --preset host -B "$build" >/dev/null
cmake --build "$build" --target sigv4_bench -j2 >/dev/null
bench="$build/tests/sigv4/bench/sigv4_bench"
sample=$("$bench" 0 --sample)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), node $(node --version), $(date -u +%Y-%m-%dT%H:%MZ)"
for round in $(seq "$rounds"); do
  echo "round $round/$rounds"
  "$bench" "$seconds" | tee -a "$out"
  node tests/bench/sigv4/bench_js.mjs "$seconds" "$sample" | tee -a "$out"
done
node -e '
  const all = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  const best = new Map();  // best rate of each signer over the rounds
  for (const r of all) if (!best.has(r.signer) || r.urls_per_second > best.get(r.signer).urls_per_second) best.set(r.signer, r);
  const rows = [...best.values()];
  const native = rows.filter((r) => r.signer.startsWith("iotlite"));
  const js = rows.filter((r) => !r.signer.startsWith("iotlite"));
  const fastest = js.reduce((a, b) => (b.urls_per_second > a.urls_per_second ? b : a));
  console.log("");
  console.log("best of " + process.argv[2] + " rounds");
  console.log("| signer | URLs/s | us/URL | vs fastest JS (" + fastest.signer + ") |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.signer} | ${r.urls_per_second.toLocaleString("en-US")} | ${(1e6 / r.urls_per_second).toFixed(2)} | ${(r.urls_per_second / fastest.urls_per_second).toFixed(1)}x |`);
  }
' "$out" "$rounds"

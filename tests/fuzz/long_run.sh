#!/bin/sh
# Long libFuzzer runs, one target at a time (bounded: -runs, not open-ended).
#
#   tests/fuzz/long_run.sh [-B build-dir] [-n runs] [-r] [-x "extra libFuzzer flags"] [target ...]
#
#   -B  build tree configured with the host-asan preset (default: build/host-asan)
#   -n  executions per target (default: 10000000)
#   -r  resume: keep the corpus a previous run grew (a long run split into bounded parts on the
#       same code; record the sum of the parts' executions)
#   -x  extra flags passed to every target (e.g. "-max_len=8192")
#   target  iotlite_fuzz_* names; default: every fuzz target built in the build tree
#
# For each target: a fresh copy of its committed seeds (the folder its ctest entry copies) in
# <build>/long_run/corpus-<target>, crash files in <build>/long_run/artifacts-<target>/, the full
# libFuzzer output in <build>/long_run/<target>.log, then one summary line:
#
#   <target> executions=<n> seconds=<s> exec/s=<r> crashes=<c> exit=<code>
#
# crashes counts the crash-/leak-/timeout-/oom- files libFuzzer left (it stops at the first one).
# Exit status: 0 when every target ran clean, 1 otherwise.
set -u

build=build/host-asan
runs=10000000
extra=""
resume=0
while getopts "B:n:rx:" opt; do
  case $opt in
    B) build=$OPTARG ;;
    n) runs=$OPTARG ;;
    r) resume=1 ;;
    x) extra=$OPTARG ;;
    *) echo "usage: $0 [-B build-dir] [-n runs] [-r] [-x flags] [target ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

case $runs in
  ''|*[!0-9]*) echo "long_run.sh: -n wants a number of executions, got '$runs'" >&2; exit 2 ;;
esac
fuzzdir="$build/tests/fuzz"
if [ ! -d "$fuzzdir" ]; then
  echo "long_run.sh: no $fuzzdir (configure with the host-asan preset and build the targets)" >&2
  exit 2
fi

if [ $# -eq 0 ]; then
  # Target names are [a-z0-9_] only: splitting the list on whitespace is what is wanted.
  # shellcheck disable=SC2046
  set -- $(cd "$fuzzdir" && for f in iotlite_fuzz_*; do [ -f "$f" ] && [ -x "$f" ] && echo "$f"; done)
  if [ $# -eq 0 ]; then echo "long_run.sh: no iotlite_fuzz_* built in $fuzzdir" >&2; exit 2; fi
fi

out="$build/long_run"
mkdir -p "$out"
status=0
for target in "$@"; do
  bin="$fuzzdir/$target"
  if [ ! -x "$bin" ]; then
    echo "$target executions=0 seconds=0 exec/s=0 crashes=0 exit=not-built"
    status=1
    continue
  fi
  # The seed folder is the one the target's ctest entry copies ("cp '<seeds>'/* ...").
  seeds=$(ctest --test-dir "$build" -N -V -R "^fuzz\\.$target\$" 2>/dev/null |
          sed -n "s/.*cp '\\([^']*\\)'\\/\\*.*/\\1/p" | head -n 1)
  if [ -z "$seeds" ] || [ ! -d "$seeds" ]; then
    echo "$target executions=0 seconds=0 exec/s=0 crashes=0 exit=no-seeds"
    status=1
    continue
  fi
  corpus="$out/corpus-$target"
  artifacts="$out/artifacts-$target"
  log="$out/$target.log"
  if [ "$resume" -eq 0 ] || [ ! -d "$corpus" ]; then
    rm -rf "$corpus" "$artifacts"
    mkdir -p "$corpus" "$artifacts"
    cp "$seeds"/* "$corpus/"
  fi
  start=$(date +%s)
  # shellcheck disable=SC2086  # $extra is a list of flags
  "$bin" -runs="$runs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" $extra "$corpus" >"$log" 2>&1
  code=$?
  end=$(date +%s)
  seconds=$((end - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
            -o -name 'oom-*' \) | wc -l)
  echo "$target executions=${execs:-?} seconds=$seconds exec/s=${rate:-?} crashes=$crashes exit=$code"
  if [ "$code" -ne 0 ] || [ "$crashes" -ne 0 ]; then status=1; fi
done
exit $status

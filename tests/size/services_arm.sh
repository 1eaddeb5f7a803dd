#!/usr/bin/env bash
# What each service client costs in .text on the Cortex-M4 build: links probe programs against the
# firmware-arm libraries (newlib-nano, --gc-sections) and prints each size and its difference from
# the MQTT-only program: core's JSON (json::Value) alone as the services use it (parse, typed reads,
# building, merge, dump), the shadow client, the Jobs client, the Fleet Provisioning client, and all three
# together (their shared request/response layer and JSON code counted once).
# Usage: tests/size/services_arm.sh [build-dir]   (default: build/firmware-arm)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build/firmware-arm}
[ -d "$build" ] || cmake --preset firmware-arm -B "$build" >/dev/null
cmake --build "$build" --target iotlite_core iotlite_sigv4 -j2 >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffunction-sections -fdata-sections -Os
       -fno-exceptions -fno-rtti -std=c++17 -DNDEBUG -Wno-psabi
       -I"$root/base/include" -I"$root/core/include" -I"$root/sigv4/include")
link() {  # link <name> <probe sources...>
  local name=$1; shift
  arm-none-eabi-g++ "${flags[@]}" "$@" "$build/core/libiotlite_core.a" "$build/sigv4/libiotlite_sigv4.a" \
    --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections -o "$out/$name.elf" \
    2> >(grep -v "is not implemented and will always fail" >&2 || true)
}
text() { arm-none-eabi-size "$out/$1.elf" | awk 'NR==2{print $1}'; }
probe=$root/tests/size
link mqtt_only "$probe/shadow_probe_mqtt_only.cpp"
link with_shadow "$probe/shadow_probe_with_shadow.cpp"
link with_jobs "$probe/services_probe_jobs.cpp"
link with_provisioning "$probe/services_probe_provisioning.cpp"
link with_json "$probe/services_probe_json.cpp"
# All three in one program: each probe's main() renamed, one main calling them.
for p in shadow_probe_with_shadow services_probe_jobs services_probe_provisioning; do
  sed "s/^int main()/int ${p}_main()/" "$probe/$p.cpp" > "$out/$p.cpp"
done
printf 'int shadow_probe_with_shadow_main(); int services_probe_jobs_main(); int services_probe_provisioning_main();\nint main() { return shadow_probe_with_shadow_main() + services_probe_jobs_main() + services_probe_provisioning_main(); }\n' > "$out/all_main.cpp"
link with_all "$out/shadow_probe_with_shadow.cpp" "$out/services_probe_jobs.cpp" "$out/services_probe_provisioning.cpp" "$out/all_main.cpp"
base=$(text mqtt_only)
echo "program                                   .text   added to mqtt-only"
printf '%-40s %7d\n' "mqtt-only" "$base"
for name in with_json with_shadow with_jobs with_provisioning with_all; do
  t=$(text "$name")
  printf '%-40s %7d   +%d\n' "$name" "$t" "$((t - base))"
done

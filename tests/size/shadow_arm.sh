#!/usr/bin/env bash
# What the shadow client costs in .text on the Cortex-M4 build: links two probe programs against
# the firmware-arm libraries (newlib-nano, --gc-sections) and prints both sizes and the difference.
# Usage: tests/size/shadow_arm.sh [build-dir]   (default: build/firmware-arm)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build/firmware-arm}
[ -d "$build" ] || cmake --preset firmware-arm -B "$build" >/dev/null
cmake --build "$build" --target iotlite_core iotlite_sigv4 -j2 >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffunction-sections -fdata-sections -Os
       -fno-exceptions -fno-rtti -std=c++17 -DJSON_NOEXCEPTION -DNDEBUG
       -I"$root/base/include" -I"$root/core/include" -I"$root/sigv4/include" -isystem "$build/core/json-include")
for probe in mqtt_only with_shadow; do
  arm-none-eabi-g++ "${flags[@]}" "$root/tests/size/shadow_probe_$probe.cpp" "$build/core/libiotlite_core.a" \
    "$build/sigv4/libiotlite_sigv4.a" --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections \
    -o "$out/$probe.elf" 2> >(grep -v "is not implemented and will always fail" >&2 || true)
done
arm-none-eabi-size "$out/mqtt_only.elf" "$out/with_shadow.elf"
a=$(arm-none-eabi-size "$out/mqtt_only.elf" | awk 'NR==2{print $1}')
b=$(arm-none-eabi-size "$out/with_shadow.elf" | awk 'NR==2{print $1}')
echo "shadow client adds $((b - a)) bytes of .text (mqtt-only $a, with shadow $b)"

#!/usr/bin/env bash
# .text that the MQTT engine + codec (core/src/mqtt) add to a Cortex-M4 image.
#
#   tests/size/engine_arm.sh [build-dir] [--symbols N] [--texts-out | --config FILE]
#     default build-dir: build/firmware-arm (the preset's dir), build/firmware-arm-textsout with
#     --texts-out: the library and the probe built with tests/size/texts_out_config.h
#     (IOTLITE_ERROR_TEXTS 0, -DIOTLITE_CONFIG_FILE; see base/include/iotlite/config.hpp);
#     --config FILE: the same with any device configuration header (e.g.
#     tests/size/mqtt311_only_config.h, MQTT 5 compiled out; give a build-dir of its own).
#
# Builds iotlite_core with the firmware-arm preset (arm-none-eabi-g++ -Os, -fno-exceptions
# -fno-rtti, newlib-nano; flags from cmake/arm-none-eabi.cmake), then links
# tests/size/engine_image.cpp twice with --gc-sections:
#   baseline: main() with the std::string / std::vector / new work an application does anyway;
#   engine:   the same main() driving a Client through its whole API.
# Prints text (= .text + .rodata + .ARM.exidx..., the `size` "text" column) of both and the
# difference, then the biggest symbols the engine image adds (--symbols N, default 25).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=
nsyms=25
config=
while [ $# -gt 0 ]; do
  case "$1" in
    --symbols) nsyms=$2; shift 2 ;;
    --texts-out) config=$root/tests/size/texts_out_config.h; shift ;;
    --config) config=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    *) build=$1; shift ;;
  esac
done
[ -n "$build" ] || build=$root/build/firmware-arm${config:+-textsout}
case "$build" in /*) ;; *) build=$root/$build ;; esac
cd "$root"
if [ ! -f "$build/build.ninja" ]; then
  cmake --preset firmware-arm -B "$build" -DIOTLITE_CONFIG_FILE="$config" >/dev/null
fi
# The tree's config header must be the one asked for (the probe below is compiled with it too).
tree_config=$(sed -n 's/^IOTLITE_CONFIG_FILE:FILEPATH=//p' "$build/CMakeCache.txt")
if [ "$tree_config" != "$config" ]; then
  echo "$build is configured with IOTLITE_CONFIG_FILE='$tree_config', not '$config'" >&2
  exit 1
fi
if ! cmake --build "$build" --target iotlite_core -j2 >"$build/mqtt-size.log" 2>&1; then
  cat "$build/mqtt-size.log" >&2
  exit 1
fi

arch_flags=$(sed -n 's/^set(IOTLITE_ARM_FLAGS "\(.*\)")$/\1/p' cmake/arm-none-eabi.cmake)
[ -n "$arch_flags" ] || { echo "could not read IOTLITE_ARM_FLAGS from cmake/arm-none-eabi.cmake" >&2; exit 1; }
cxx_flags="$arch_flags -fno-exceptions -fno-rtti -Os -DNDEBUG -std=c++17 -Wall -Wextra -Werror"
[ -z "$config" ] || cxx_flags="$cxx_flags -DIOTLITE_CONFIG_FILE=\"$config\""
out=$build/mqtt-size
mkdir -p "$out"
lib=$build/core/libiotlite_core.a
src=tests/size/engine_image.cpp
incs="-I base/include -I core/include -I sigv4/include"

# shellcheck disable=SC2086
arm-none-eabi-g++ $cxx_flags $incs -DIOTLITE_SIZE_BASELINE -c "$src" -o "$out/baseline.o"
# shellcheck disable=SC2086
arm-none-eabi-g++ $cxx_flags $incs -c "$src" -o "$out/engine.o"
for v in baseline engine; do
  # shellcheck disable=SC2086
  arm-none-eabi-g++ $arch_flags -Wl,--gc-sections --specs=nosys.specs "$out/$v.o" "$lib" \
    -Wl,-Map="$out/$v.map" -o "$out/$v.elf"
done

text_of() { arm-none-eabi-size -B "$1" | awk 'NR==2 {print $1}'; }
base=$(text_of "$out/baseline.elf")
eng=$(text_of "$out/engine.elf")
echo "baseline image text: $base bytes"
echo "engine image text:   $eng bytes"
echo "MQTT engine + codec: $((eng - base)) bytes ($(awk -v d=$((eng - base)) 'BEGIN{printf "%.1f", d/1024}') KB)"

# Symbols (text and rodata) present in the engine image and absent from the baseline, biggest first.
if [ "$nsyms" -gt 0 ]; then
  python3 - "$out/baseline.elf" "$out/engine.elf" "$nsyms" <<'PY'
import subprocess, sys
def syms(elf):
    res, seen = {}, set()
    out = subprocess.run(['arm-none-eabi-nm', '--size-sort', '-C', '-S', elf], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(' ', 3)
        # Aliases (complete/base-object constructors and destructors) share one address: count once.
        if len(parts) == 4 and parts[2] in 'tTrRwW' and parts[0] not in seen:
            seen.add(parts[0])
            res[parts[3]] = res.get(parts[3], 0) + int(parts[1], 16)
    return res
base, eng, n = syms(sys.argv[1]), syms(sys.argv[2]), int(sys.argv[3])
added = sorted(((s, name) for name, s in eng.items() if name not in base), reverse=True)
total = sum(s for s, _ in added)
def qualified(name):
    # The function's own qualified name: before the parameter list, after any return type.
    depth, start = 0, 0
    for i, c in enumerate(name):
        if c == '<': depth += 1
        elif c == '>': depth -= 1
        elif c == '(' and depth == 0: return name[start:i]
        elif c == ' ' and depth == 0: start = i + 1
    return name[start:]
own = sum(s for s, name in added if qualified(name).startswith('iotlite::'))
print(f'added symbols: {total} bytes; iotlite:: code {own} bytes, std::/libc code (templates instantiated for us) {total - own} bytes; the rest of the delta is rodata without symbols (mostly message texts)')
print('biggest added symbols (bytes):')
for s, name in added[:n]:
    print(f'{s:6d}  {name[:150]}')
PY
fi

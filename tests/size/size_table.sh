#!/usr/bin/env bash
# Per-component code size on Cortex-M4 (arm-none-eabi-gcc -Os, -fno-exceptions -fno-rtti,
# newlib-nano), written into docs/firmware.md between the size-table markers.
#
#   tests/size/size_table.sh [build-dir] [--texts-out]      (default: build/firmware-armx)
#
# --texts-out also builds the MQTT-only image in <build-dir>-textsout, a tree configured with
# tests/size/texts_out_config.h (IOTLITE_ERROR_TEXTS 0, see base/include/iotlite/config.hpp), and
# adds its figures next to the default ones.
#
# Two views:
#   1. "linked": two images of tests/size/ linked with --gc-sections (nosys.specs); every kept
#      input section of the linker map is charged to its object file, objects are grouped into
#      components. device_image.cpp is what a device using the engine, the shadow client, SigV4
#      and the Session carries; session_mqtt_image.cpp an MQTT-only device on the Session.
#   2. "archive": every object of each static library as compiled (no gc), from arm-none-eabi-size;
#      covers the TLS / WebSocket transports, which the image cannot link without an ARM mbedTLS.
# .text here = everything `size` counts as text (.text + .rodata + .ARM.exidx ...).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=
texts_out=
for arg in "$@"; do
  case "$arg" in
    --texts-out) texts_out=1 ;;
    *) build=$arg ;;
  esac
done
build=${build:-$root/build/firmware-armx}
case "$build" in /*) ;; *) build=$root/$build ;; esac
cd "$root"
if [ ! -f "$build/build.ninja" ]; then
  cmake --preset firmware-arm -B "$build" >/dev/null
fi
cmake --build "$build" --target iotlite_size_image iotlite_size_session_mqtt -j2 >/dev/null
tout_image=
if [ -n "$texts_out" ]; then
  tout=$build-textsout
  if [ ! -f "$tout/build.ninja" ]; then
    cmake --preset firmware-arm -B "$tout" -DIOTLITE_CONFIG_FILE="$root/tests/size/texts_out_config.h" >/dev/null
  fi
  cmake --build "$tout" --target iotlite_size_session_mqtt -j2 >/dev/null
  tout_image=$tout/tests/size/iotlite_size_session_mqtt
fi

python3 - "$build" "$root/docs/firmware.md" "$tout_image" <<'PY'
import os, re, subprocess, sys
build, doc, tout_image = sys.argv[1], sys.argv[2], sys.argv[3]
images = os.path.join(build, 'tests', 'size')

# Which core objects are the engine and which the shadow: core/CMakeLists.txt's two source lists.
core_cmake = open(os.path.join(os.path.dirname(doc), '..', 'core', 'CMakeLists.txt')).read()
def listed(var):
    m = re.search(r'set\(' + var + r'\s+([^)]*)\)', core_cmake)
    return {os.path.splitext(os.path.basename(f))[0] for f in (m.group(1).split() if m else [])}
ENGINE = listed('IOTLITE_MQTT_SOURCES')
SHADOW = listed('IOTLITE_SHADOW_SOURCES')

def component(path):
    m = re.search(r'([^/]+\.a)\(([^)]+)\)$', path)
    lib, obj = (m.group(1), m.group(2)) if m else (os.path.basename(path), os.path.basename(path))
    if lib == 'libiotlite_core.a':
        obj = re.sub(r'\.cpp\.o(bj)?$', '', obj)
        if obj in ENGINE: return 'MQTT engine + codec (core/src/mqtt)'
        if obj in SHADOW: return 'device shadow + request/response layer (core/src/services)'
        return 'core, other'
    if lib == 'libiotlite_sigv4.a': return 'SigV4 (sigv4/)'
    if lib == 'libiotlite_mbedcrypto.a': return 'mbedTLS SHA-256 + md (for SigV4)'
    if lib == 'libiotlite_firmware.a': return 'firmware layer (Session + poll loop)'
    if re.match(r'\w+_image\.cpp\.o', obj): return 'size image main()'
    if lib.startswith('libstdc++') or lib.startswith('libsupc++'): return 'libstdc++ (nano)'
    return 'newlib-nano, libgcc, crt'

DATA = {'.data', '.init_array', '.fini_array', '.preinit_array', '.tdata'}
BSS = {'.bss', '.tbss', '.noinit'}
NONALLOC = re.compile(r'^\.(debug|comment|stab|ARM\.attributes|note|gnu)')

def linked(mapfile):
    sizes = {}
    engine_syms = []
    out_sec = None
    in_map = False
    pending = None
    with open(mapfile) as f:
        for line in f:
            if line.startswith('Linker script and memory map'):
                in_map = True
                continue
            if not in_map: continue
            if line.startswith('OUTPUT(') : break
            m = re.match(r'^(\.[^\s]+)', line)
            if m:
                out_sec = m.group(1)
                continue
            if out_sec is None or NONALLOC.match(out_sec): continue
            # input section: " .name  0xADDR 0xSIZE file" (possibly wrapped after the name)
            m = re.match(r'^ (\S+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$', line)
            if m and not m.group(1).startswith('*'):
                name, size, path = m.group(1), int(m.group(2), 16), m.group(3).strip()
            else:
                m1 = re.match(r'^ (\S+)\s*$', line)
                if m1:
                    pending = m1.group(1)
                    continue
                m2 = re.match(r'^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$', line)
                if not (m2 and pending): 
                    pending = None
                    continue
                name, size, path = pending, int(m2.group(1), 16), m2.group(2).strip()
                pending = None
            if name.startswith('COMMON'): kind = 'bss'
            elif out_sec in DATA: kind = 'data'
            elif out_sec in BSS: kind = 'bss'
            else: kind = 'text'
            c = component(path)
            if c == 'MQTT engine + codec (core/src/mqtt)' and kind == 'text':
                engine_syms.append((size, name))
            sizes.setdefault(c, {'text': 0, 'data': 0, 'bss': 0})[kind] += size
    return sizes, engine_syms

def size_of(image):
    return subprocess.run(['arm-none-eabi-size', image], capture_output=True, text=True, check=True).stdout.split('\n')[1].split()

order = ['MQTT engine + codec (core/src/mqtt)', 'device shadow + request/response layer (core/src/services)', 'core, other', 'SigV4 (sigv4/)',
         'mbedTLS SHA-256 + md (for SigV4)', 'firmware layer (Session + poll loop)', 'size image main()',
         'libstdc++ (nano)', 'newlib-nano, libgcc, crt']
lines = []
def component_table(title, image):
    sizes, syms = linked(image + '.map')
    total = size_of(image)
    sums = {k: sum(v[k] for v in sizes.values()) for k in ('text', 'data', 'bss')}
    lines.append(title)
    lines.append('')
    lines.append('| component | .text | .data | .bss |')
    lines.append('|---|---:|---:|---:|')
    for c in order:
        if c in sizes:
            v = sizes[c]
            lines.append(f'| {c} | {v["text"]} | {v["data"]} | {v["bss"]} |')
    lines.append(f'| **sum of the rows** | {sums["text"]} | {sums["data"]} | {sums["bss"]} |')
    lines.append(f'| `arm-none-eabi-size` of the image | {total[0]} | {total[1]} | {total[2]} |')
    return sizes, syms, int(total[0])

sizes, engine_syms, _ = component_table('Linked image of a device with the shadow (`tests/size/device_image.cpp`: engine, shadow client '
                                        'attached to the Session, SigV4, Session; `-Os`, `--gc-sections`, newlib-nano + nosys), bytes:',
                                        os.path.join(images, 'iotlite_size_image'))
ours = sum(sizes.get(c, {}).get('text', 0) for c in order[:5])
eng = sizes.get(order[0], {}).get('text', 0)
lines.append('')
lines.append(f'- MQTT engine + codec: **{eng} B .text** (target ≤ 8192; coreMQTT: 5.7 KB). '
             + ('within target.' if eng <= 8192 else 'OVER the target.'))
lines.append(f'- core + SigV4 + shadow (+ the SHA-256 they use), excluding the TLS part of mbedTLS: **{ours} B .text** '
             '(target ≤ 98304). ' + ('within target.' if ours <= 98304 else 'OVER the target.'))
lines.append('')
_, _, mqtt_only = component_table('Linked image of an MQTT-only device (`tests/size/session_mqtt_image.cpp`: engine + Session + stub '
                                  'Port/Transport; no service attached, no JSON, no SigV4), bytes:',
                                  os.path.join(images, 'iotlite_size_session_mqtt'))
lines.append('')
lines.append(f'- MQTT-only device (Session): **{mqtt_only} B .text** for the whole image, C++ runtime and libc included '
             '(target ≤ 24576). ' + ('within target.' if mqtt_only <= 24576 else 'OVER the target.'))
lines.append('')
if tout_image:
    tout_sizes, _ = linked(tout_image + '.map')
    tout_total = int(size_of(tout_image)[0])
    on_engine = linked(os.path.join(images, 'iotlite_size_session_mqtt') + '.map')[0].get(order[0], {}).get('text', 0)
    tout_engine = tout_sizes.get(order[0], {}).get('text', 0)
    lines.append('The same MQTT-only image with the error texts compiled out (`IOTLITE_ERROR_TEXTS 0`, '
                 '`tests/size/texts_out_config.h`; `size_table.sh --texts-out`), bytes of .text:')
    lines.append('')
    lines.append('| | texts on (default) | texts out | change |')
    lines.append('|---|---:|---:|---:|')
    lines.append(f'| MQTT engine + codec (core/src/mqtt) | {on_engine} | {tout_engine} | {tout_engine - on_engine} |')
    lines.append(f'| `arm-none-eabi-size` of the image | {mqtt_only} | {tout_total} | {tout_total - mqtt_only} |')
    lines.append('')
demangled = subprocess.run(['arm-none-eabi-c++filt'], input='\n'.join(re.sub(r'^\.(text|rodata)\.', '', n) for _, n in sorted(engine_syms, reverse=True)[:12]),
                           capture_output=True, text=True).stdout.splitlines()
lines.append('Largest input sections charged to the engine + codec (templates instantiated there included):')
lines.append('')
for (size, _), name in zip(sorted(engine_syms, reverse=True)[:12], demangled):
    lines.append(f'- {size} B `{name[:110]}`')
lines.append('')

# Archive view
lines.append('Static libraries as compiled (no gc; every function counted), bytes of .text per object:')
lines.append('')
lines.append('| library | object | .text | .data | .bss |')
lines.append('|---|---|---:|---:|---:|')
libs = [('firmware', os.path.join(build, 'firmware', 'libiotlite_firmware.a')),
        ('core', os.path.join(build, 'core', 'libiotlite_core.a')),
        ('sigv4', os.path.join(build, 'sigv4', 'libiotlite_sigv4.a'))]
for name, path in libs:
    if not os.path.exists(path): continue
    out = subprocess.run(['arm-none-eabi-size', path], capture_output=True, text=True, check=True).stdout
    tot = [0, 0, 0]
    for row in out.splitlines()[1:]:
        p = row.split()
        if len(p) < 6: continue
        t, d, b = int(p[0]), int(p[1]), int(p[2])
        obj = re.sub(r'\s*\(ex .*\)$', '', ' '.join(p[5:]))
        tot[0] += t; tot[1] += d; tot[2] += b
        lines.append(f'| {name} | {obj} | {t} | {d} | {b} |')
    lines.append(f'| **{name} total** | | **{tot[0]}** | {tot[1]} | {tot[2]} |')
table = '\n'.join(lines) + '\n'

begin, end = '<!-- size-table:begin -->', '<!-- size-table:end -->'
text = open(doc).read() if os.path.exists(doc) else ''
if begin in text and end in text:
    text = text[:text.index(begin) + len(begin)] + '\n' + table + text[text.index(end):]
else:
    text += f'\n{begin}\n{table}{end}\n'
open(doc, 'w').write(text)
print(table)
PY

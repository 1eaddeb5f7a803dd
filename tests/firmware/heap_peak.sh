#!/usr/bin/env bash
# Peak heap of the example device from TLS connect through an accepted shadow update
# (iotlite_device --once), under valgrind massif, against the local stand-in.
#
#   tests/firmware/heap_peak.sh <iotlite_device binary> [tls|alpn|wss] [extra device flags...]
#
# Prints two figures:
#   raw        massif's peak of the whole process
#   device     the same snapshot series without what only a Linux host allocates: libstdc++'s
#              emergency exception pool (allocated when libstdc++.so loads; 71 KB, not present in
#              an -fno-exceptions firmware image), stdio buffers, glibc's NSS (getaddrinfo) and
#              timezone data. Every snapshot is detailed (--detailed-freq=1) so the peak of the
#              device figure is exact, not sampled from the raw peak.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dev=$1; mode=${2:-tls}; shift; shift || true
work=$(mktemp -d /tmp/iotlite-heap-XXXXXX)
mkfifo "$work/stdin"
node "$root/standin/standin.mjs" --quiet < "$work/stdin" > "$work/standin.json" 2>/dev/null &
standin=$!
exec 7> "$work/stdin"   # closing it stops the stand-in
cleanup() { exec 7>&-; kill "$standin" 2>/dev/null || true; wait "$standin" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$work/standin.json" ] && break; sleep 0.1; done
field() { node -e "const j=JSON.parse(require('fs').readFileSync('$work/standin.json','utf8'));console.log(j.$1)"; }
admin=$(field adminUrl)
curl -s -X POST -H 'content-type: application/json' -d '{"thing":"heap-device"}' "$admin/certs" > "$work/cert.json"
cert=$(node -e "console.log(require('$work/cert.json').certPath)")
key=$(node -e "console.log(require('$work/cert.json').keyPath)")
case $mode in
  tls) port=$(field mqttTlsPort); creds=(--cert "$cert" --key "$key") ;;
  alpn) port=$(field alpnPort); creds=(--cert "$cert" --key "$key") ;;
  wss) port=$(field wssPort); creds=(--region "$(field region)")
       export AWS_ACCESS_KEY_ID=$(field testCredentials.accessKeyId) AWS_SECRET_ACCESS_KEY=$(field testCredentials.secretAccessKey) ;;
esac
valgrind --tool=massif --stacks=no --detailed-freq=1 --threshold=0.1 --massif-out-file="$work/massif.out" \
  "$dev" --endpoint localhost --mode "$mode" --port "$port" --ca "$(field caCertPath)" "${creds[@]}" \
  --thing heap-device --once "$@" < /dev/null > "$work/device.log" 2> "$work/valgrind.log" || {
  echo "device run failed:"; cat "$work/device.log"; exit 1; }
grep -q "shadow: update accepted" "$work/device.log" || { echo "no accepted shadow update:"; cat "$work/device.log"; exit 1; }
python3 - "$work/massif.out" <<'PY'
import re, sys
HOST_ONLY = re.compile(r'call_init|_dl_init|_IO_file_doallocate|__nss_|nss_|__tzfile|tzset|_IO_|getaddrinfo|gaih_|__res_|__libc_')
raw_peak = dev_peak = 0
dev_detail = []
snap = None
def finish(s):
    global raw_peak, dev_peak, dev_detail
    if s is None: return
    total = s['heap'] + s['extra']
    raw_peak = max(raw_peak, total)
    # Top-level allocation sites (depth 1) with the frames below them; a site is host-only when
    # any frame of its subtree is.
    sites = []
    for depth, size, text in s['nodes']:
        if depth == 1: sites.append([size, text, bool(HOST_ONLY.search(text))])
        elif depth > 1 and sites and HOST_ONLY.search(text): sites[-1][2] = True
    host = sum(size for size, _, h in sites if h)
    dev = s['heap'] - host
    if dev > dev_peak:
        dev_peak = dev
        dev_detail = [(size, text) for size, text, h in sites if not h]
for line in open(sys.argv[1]):
    if line.startswith('snapshot='):
        finish(snap); snap = {'heap': 0, 'extra': 0, 'nodes': []}
    elif line.startswith('mem_heap_B='): snap['heap'] = int(line.split('=')[1])
    elif line.startswith('mem_heap_extra_B='): snap['extra'] = int(line.split('=')[1])
    else:
        m = re.match(r'^( *)n\d+: (\d+) (.*)$', line)
        if m and snap is not None: snap['nodes'].append((len(m.group(1)), int(m.group(2)), m.group(3)))
finish(snap)
print(f'raw peak (whole process, heap + allocator overhead): {raw_peak} B')
print(f'device peak (heap without host-only allocations):    {dev_peak} B')
print('largest top-level allocation sites at the device peak:')
for size, text in sorted(dev_detail, reverse=True)[:8]:
    print(f'  {size:7d} B  {text[:150]}')
PY

#!/usr/bin/env bash
# Installs everything iotlite needs on Debian 12, idempotently. Quick (≈1 s) when all is present.
#   Debian packages (apt-get), the mbedTLS source package (for the Emscripten and ARM builds),
#   and the JS tooling from the committed package-lock.json (npm ci).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

APT_PACKAGES=(
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config git
  libmbedtls-dev nlohmann-json3-dev libgtest-dev libgmock-dev
  libpaho-mqtt-dev mosquitto mosquitto-clients openssl libwslay-dev
  emscripten node-acorn
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
  chromium valgrind dpkg-dev
)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" -eq 0 ]; then sudo_if_needed apt-get update -qq; apt_updated=1; fi
}

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install: apt-get install ${missing[*]}"
  apt_update_once
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# mbedTLS sources for the Emscripten and arm-none-eabi builds (the host links Debian's library).
mbed_dir="$repo/.deps/mbedtls"
if [ ! -f "$mbed_dir/library/sha256.c" ]; then
  if ! apt-cache showsrc mbedtls 2>/dev/null | grep -q '^Package: mbedtls'; then
    echo "install: adding a deb-src entry for Debian bookworm (apt-get source mbedtls)"
    sudo_if_needed tee /etc/apt/sources.list.d/iotlite-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt_updated=0
    apt_update_once
  fi
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get source -qq mbedtls >/dev/null 2>&1)
  src=$(find "$tmp" -maxdepth 1 -type d -name 'mbedtls-*' | head -n 1)
  [ -n "$src" ] && [ -f "$src/library/sha256.c" ] || { echo "install: apt-get source mbedtls failed" >&2; exit 1; }
  mkdir -p "$repo/.deps"
  rm -rf "$mbed_dir"
  mv "$src" "$mbed_dir"
  rm -rf "$tmp"
fi

# JS tooling: npm ci from the lockfile, skipped when node_modules matches it.
stamp="$repo/node_modules/.iotlite-lock.sha256"
want=$(sha256sum "$repo/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "install: npm ci"
  (cd "$repo" && npm ci --no-fund --no-audit --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
fi

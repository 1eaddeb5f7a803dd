#!/bin/sh
# Runs a Cortex-M4 scenario image (tests/mcu) under QEMU (machine mps2-an386, semihosting): the image's
# printf goes to stdout and its exit(code) becomes QEMU's exit code. Passes only when QEMU exits 0
# AND the runner printed its "all N checks passed" line. A missing image or QEMU is a failure
# that says how to get it, never a skip. The run is bounded (timeout here, TIMEOUT in ctest).
#   run_qemu.sh <image.elf>
set -u
image=$1
if ! command -v qemu-system-arm >/dev/null 2>&1; then
  echo "error: qemu-system-arm not found; install Debian's qemu-system-arm (scripts/install.sh does)" >&2
  exit 1
fi
if [ ! -f "$image" ]; then
  echo "error: the Cortex-M4 image $image is missing. Build it with" >&2
  echo "  source scripts/env.sh && cmake --preset firmware-arm && cmake --build --preset firmware-arm --target $(basename "$image" .elf)" >&2
  echo "(or point IOTLITE_ARM_BUILD_DIR of this tree at your firmware-arm build directory; scripts/test.sh builds it)" >&2
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The run takes well under a second; 50 s (inside ctest's TIMEOUT of 60) ends a hung image here,
# with its output so far, rather than leaving QEMU to ctest.
timeout --kill-after=5 50 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none \
  -serial none -semihosting-config enable=on,target=native -kernel "$image" >"$out" 2>&1
rc=$?
cat "$out"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "error: the image did not finish within 50 s (hung); QEMU was stopped" >&2
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "error: QEMU exited with $rc (the image's exit code: 1 a check failed, 2 stack overflow, 3 CPU fault)" >&2
  exit 1
fi
if ! grep -q '^scenario: all [0-9]* checks passed$' "$out"; then
  echo "error: QEMU exited 0 but the scenario did not report that all checks passed" >&2
  exit 1
fi

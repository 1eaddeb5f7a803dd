#!/usr/bin/env bash
# Builds mbedTLS 2.28 from the source package (.deps/mbedtls) for the host with smaller TLS
# record buffers, to measure what the device's heap would be with a tuned mbedTLS (Debian's
# libmbedtls fixes both buffers at 16 KB). Output: <out>/<variant>/{include-config,lib}/
#   out4k     MBEDTLS_SSL_OUT_CONTENT_LEN 4096 (works with any server)
#   inout4k   IN and OUT 4096 + MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH (needs the server to accept
#             the max_fragment_length extension; the device requests 4096)
#   minimal   the shipped device configuration, firmware/mbedtls/iotlite_mbedtls_config.h, as
#             the whole config (MBEDTLS_CONFIG_FILE; every file compiled with it): TLS 1.2
#             client, ECDHE-ECDSA/RSA AES-128-GCM, RSA + P-256, OUT 4096 / IN 16384
#   tests/firmware/build_small_mbedtls.sh [out-dir]    (default build/firmware-mbedtls)
# Use: configure a host tree with -DMBEDTLS_INCLUDE_DIR=.deps/mbedtls/include,
# -DMBEDTLS_LIBRARY=-DMBEDX509_LIBRARY=-DMBEDCRYPTO_LIBRARY=<out>/<variant>/lib/libmbedall.a and
# -DMBEDTLS_USER_CONFIG_FILE='"<out>/<variant>/include-config/user_config.h"' in CMAKE_C_FLAGS and
# CMAKE_CXX_FLAGS (the struct layouts depend on the config), see docs/firmware.md. For `minimal`
# the flag is -DMBEDTLS_CONFIG_FILE='"<root>/firmware/mbedtls/iotlite_mbedtls_config.h"' instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/.deps/mbedtls
out=${1:-$root/build/firmware-mbedtls}
mkdir -p "$out/common"
compile() {  # dir cflags files...
  local dir=$1 flags=$2; shift 2
  printf '%s\n' "$@" | xargs -P2 -I{} sh -c 'f={}; o='"$dir"'/$(basename ${f%.c}).o; [ -f "$o" ] || gcc -O2 -fPIC '"$flags"' -I'"$src"'/include -I'"$src"'/library -c "$f" -o "$o"'
}
ssl_files=$(ls "$src"/library/ssl_*.c "$src"/library/debug.c "$src"/library/net_sockets.c)
other=$(ls "$src"/library/*.c | grep -v -F "$ssl_files")
compile "$out/common" "" $other
for variant in out4k inout4k; do
  d=$out/$variant
  mkdir -p "$d/obj" "$d/lib" "$d/include-config"
  case $variant in
    out4k) printf '#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096\n' > "$d/include-config/user_config.h" ;;
    inout4k) printf '#define MBEDTLS_SSL_IN_CONTENT_LEN 4096\n#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096\n#define MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH\n' > "$d/include-config/user_config.h" ;;
  esac
  compile "$d/obj" "-DMBEDTLS_USER_CONFIG_FILE=\\\"$d/include-config/user_config.h\\\"" $ssl_files
  rm -f "$d/lib/"*.a
  ar rcs "$d/lib/libmbedtls.a" "$d"/obj/*.o
  ar rcs "$d/lib/libmbedx509.a" "$out"/common/x509*.o "$out"/common/pkcs7.o 2>/dev/null || ar rcs "$d/lib/libmbedx509.a" "$out"/common/x509*.o
  ar rcs "$d/lib/libmbedcrypto.a" $(ls "$out"/common/*.o | grep -v '/x509')
  # One archive with everything: static link order then cannot matter.
  ar rcs "$d/lib/libmbedall.a" "$d"/obj/*.o "$out"/common/*.o
done
# minimal: the config replaces mbedTLS's config.h, so every file is compiled with it (modules it
# leaves out compile to empty objects).
d=$out/minimal
mkdir -p "$d/obj" "$d/lib"
compile "$d/obj" "-DMBEDTLS_CONFIG_FILE=\\\"$root/firmware/mbedtls/iotlite_mbedtls_config.h\\\"" $(ls "$src"/library/*.c)
rm -f "$d/lib/"*.a
ar rcs "$d/lib/libmbedall.a" "$d"/obj/*.o
echo "built in $out"

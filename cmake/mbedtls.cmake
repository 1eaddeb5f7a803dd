# mbedTLS: Debian's libmbedtls-dev on the host; compiled from Debian's mbedtls source
# package (fetched by scripts/install.sh into .deps/) for Emscripten and the ARM build.
# Either way the result is the target iotlite::mbedcrypto (and iotlite::mbedtls on the host).
set(IOTLITE_MBEDTLS_SOURCE_DIR "${CMAKE_SOURCE_DIR}/.deps/mbedtls" CACHE PATH "mbedTLS source tree (Emscripten / ARM builds)")

if(IOTLITE_IS_HOST)
  find_path(MBEDTLS_INCLUDE_DIR mbedtls/sha256.h REQUIRED)
  find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
  find_library(MBEDX509_LIBRARY mbedx509 REQUIRED)
  find_library(MBEDTLS_LIBRARY mbedtls REQUIRED)
  add_library(iotlite_mbedcrypto INTERFACE)
  target_include_directories(iotlite_mbedcrypto SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
  target_link_libraries(iotlite_mbedcrypto INTERFACE ${MBEDCRYPTO_LIBRARY})
  add_library(iotlite_mbedtls INTERFACE)
  target_link_libraries(iotlite_mbedtls INTERFACE ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} iotlite_mbedcrypto)
  add_library(iotlite::mbedtls ALIAS iotlite_mbedtls)
else()
  if(NOT EXISTS "${IOTLITE_MBEDTLS_SOURCE_DIR}/library/sha256.c")
    message(FATAL_ERROR "mbedTLS sources not found in ${IOTLITE_MBEDTLS_SOURCE_DIR}; run scripts/install.sh")
  endif()
  # Only what SigV4 needs: SHA-256 and HMAC (through the md layer).
  add_library(iotlite_mbedcrypto STATIC
    ${IOTLITE_MBEDTLS_SOURCE_DIR}/library/sha256.c
    ${IOTLITE_MBEDTLS_SOURCE_DIR}/library/md.c
    ${IOTLITE_MBEDTLS_SOURCE_DIR}/library/platform_util.c)
  target_include_directories(iotlite_mbedcrypto SYSTEM PUBLIC ${IOTLITE_MBEDTLS_SOURCE_DIR}/include)
  target_compile_options(iotlite_mbedcrypto PRIVATE -Os)
endif()
add_library(iotlite::mbedcrypto ALIAS iotlite_mbedcrypto)

# mbedTLS: Debian's libmbedtls-dev on the host; compiled from Debian's mbedtls source
# package (fetched by scripts/install.sh into .deps/) for Emscripten and the ARM build.
# Either way the result is the target iotlite::mbedcrypto (and iotlite::mbedtls on the host).
set(IOTLITE_MBEDTLS_SOURCE_DIR "${PROJECT_SOURCE_DIR}/.deps/mbedtls" CACHE PATH "mbedTLS source tree (Emscripten / ARM builds; host SHA-256 with the x86 ALT hook)")
option(IOTLITE_SHA256_X86_ALT "x86-64 host: mbedTLS SHA-256 with MBEDTLS_SHA256_PROCESS_ALT backed by the SHA extensions" ON)

if(IOTLITE_IS_HOST)
  # cmake/FindMbedTLS.cmake (also installed with the package, for iotliteConfig.cmake).
  find_package(MbedTLS REQUIRED)
  add_library(iotlite_mbedcrypto INTERFACE)

  # SHA-256 with the SHA extensions, still through mbedTLS: our own copy of library/sha256.c
  # (same version as the installed headers, compiled against them) with mbedTLS's documented
  # hook MBEDTLS_SHA256_PROCESS_ALT, whose block function is sigv4/src/sha256_block_x86.cpp.
  # Every public symbol of that copy is renamed mbedtls_* -> iotlite_mbedtls_*, and the same -D
  # macros are given (PRIVATE) to its one caller, sigv4/src/sha256.cpp, through
  # IOTLITE_SHA256_RENAMES: no public header calls an mbedtls_sha256_* function (sha256.hpp only
  # names the context type), so users of the libraries never see the renames. Not renaming would
  # make the executable's copy interpose the one inside Debian's libmbedcrypto.so (which calls its own
  # SHA-256 through the PLT), silently swapping the hash under TLS, X.509 and the DRBGs too.
  set(iotlite_sha256_alt OFF)
  set(IOTLITE_SHA256_RENAMES "")
  if(IOTLITE_SHA256_X86_ALT AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(iotlite_src_version "")
    if(EXISTS "${IOTLITE_MBEDTLS_SOURCE_DIR}/library/sha256.c")
      file(STRINGS "${IOTLITE_MBEDTLS_SOURCE_DIR}/include/mbedtls/version.h" iotlite_src_version
           REGEX "^#define MBEDTLS_VERSION_STRING ")
    endif()
    file(STRINGS "${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h" iotlite_sys_version REGEX "^#define MBEDTLS_VERSION_STRING ")
    string(REGEX REPLACE "^[^\"]*\"([^\"]*)\".*$" "\\1" iotlite_src_version "${iotlite_src_version}")
    string(REGEX REPLACE "^[^\"]*\"([^\"]*)\".*$" "\\1" iotlite_sys_version "${iotlite_sys_version}")
    if(iotlite_src_version AND iotlite_src_version STREQUAL iotlite_sys_version)
      set(iotlite_sha256_alt ON)
    else()
      message(WARNING "SHA-256 uses Debian's portable mbedTLS code: ${IOTLITE_MBEDTLS_SOURCE_DIR} is missing or is not "
                      "the installed version ${iotlite_sys_version}; run scripts/install.sh")
    endif()
  endif()

  if(iotlite_sha256_alt)
    set(iotlite_sha256_symbols
      mbedtls_sha256_init mbedtls_sha256_free mbedtls_sha256_clone
      mbedtls_sha256_starts_ret mbedtls_sha256_update_ret mbedtls_sha256_finish_ret
      mbedtls_sha256_starts mbedtls_sha256_update mbedtls_sha256_finish
      mbedtls_internal_sha256_process mbedtls_sha256_process
      mbedtls_sha256_ret mbedtls_sha256 mbedtls_sha256_self_test)
    set(iotlite_sha256_renames "")
    foreach(symbol IN LISTS iotlite_sha256_symbols)
      list(APPEND iotlite_sha256_renames "${symbol}=iotlite_${symbol}")
    endforeach()

    add_library(iotlite_sha256_block_x86 STATIC ${PROJECT_SOURCE_DIR}/sigv4/src/sha256_block_x86.cpp)
    target_include_directories(iotlite_sha256_block_x86 PRIVATE ${PROJECT_SOURCE_DIR}/sigv4/include)
    target_include_directories(iotlite_sha256_block_x86 SYSTEM PRIVATE ${MBEDTLS_INCLUDE_DIR})
    target_compile_definitions(iotlite_sha256_block_x86 PRIVATE ${iotlite_sha256_renames})
    iotlite_strict(iotlite_sha256_block_x86)
    iotlite_no_exceptions(iotlite_sha256_block_x86)

    # Third-party C: not under iotlite_strict. Its includes resolve to the installed headers
    # (library/common.h includes "mbedtls/config.h", Debian's config), plus our user config.
    add_library(iotlite_mbedtls_sha256 STATIC ${IOTLITE_MBEDTLS_SOURCE_DIR}/library/sha256.c)
    target_include_directories(iotlite_mbedtls_sha256 SYSTEM PRIVATE ${MBEDTLS_INCLUDE_DIR})
    target_compile_definitions(iotlite_mbedtls_sha256 PRIVATE ${iotlite_sha256_renames}
      "MBEDTLS_USER_CONFIG_FILE=\"${PROJECT_SOURCE_DIR}/sigv4/src/mbedtls_sha256_alt_config.h\"")
    # The block function; mbedtls_platform_zeroize comes from Debian's libmbedcrypto.
    target_link_libraries(iotlite_mbedtls_sha256 PUBLIC iotlite_sha256_block_x86 MbedTLS::mbedcrypto)

    set(IOTLITE_SHA256_RENAMES ${iotlite_sha256_renames})
    target_link_libraries(iotlite_mbedcrypto INTERFACE iotlite_mbedtls_sha256)
  endif()
  target_link_libraries(iotlite_mbedcrypto INTERFACE MbedTLS::mbedcrypto)
  add_library(iotlite_mbedtls INTERFACE)
  target_link_libraries(iotlite_mbedtls INTERFACE MbedTLS::mbedtls iotlite_mbedcrypto)
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

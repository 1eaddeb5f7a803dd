# FindMbedTLS: the installed mbedTLS as MbedTLS::mbedcrypto, MbedTLS::mbedx509 and MbedTLS::mbedtls,
# the target names of mbedTLS 3's own CMake package. Debian 12's libmbedtls-dev (2.28) ships
# neither a CMake package nor .pc files, so iotlite's build and its installed iotliteConfig.cmake
# (which installs this file next to itself) both find it here.
#
# Cache variables (set them to use another build, e.g. tests/firmware/build_small_mbedtls.sh):
#   MBEDTLS_INCLUDE_DIR, MBEDCRYPTO_LIBRARY, MBEDX509_LIBRARY, MBEDTLS_LIBRARY
# Result: MbedTLS_FOUND, MbedTLS_VERSION.

find_path(MBEDTLS_INCLUDE_DIR mbedtls/sha256.h)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto)
find_library(MBEDX509_LIBRARY mbedx509)
find_library(MBEDTLS_LIBRARY mbedtls)

set(MbedTLS_VERSION "")
foreach(header mbedtls/build_info.h mbedtls/version.h)  # 3.x, 2.x
  if(NOT MbedTLS_VERSION AND MBEDTLS_INCLUDE_DIR AND EXISTS "${MBEDTLS_INCLUDE_DIR}/${header}")
    file(STRINGS "${MBEDTLS_INCLUDE_DIR}/${header}" mbedtls_version_line REGEX "^#define MBEDTLS_VERSION_STRING ")
    string(REGEX REPLACE "^[^\"]*\"([^\"]*)\".*$" "\\1" MbedTLS_VERSION "${mbedtls_version_line}")
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
  REQUIRED_VARS MBEDTLS_INCLUDE_DIR MBEDCRYPTO_LIBRARY MBEDX509_LIBRARY MBEDTLS_LIBRARY
  VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND)
  # mbedtls needs mbedx509, which needs mbedcrypto.
  set(mbedtls_dependency "")
  foreach(name mbedcrypto mbedx509 mbedtls)
    string(TOUPPER "${name}" upper)
    if(NOT TARGET MbedTLS::${name})
      add_library(MbedTLS::${name} UNKNOWN IMPORTED)
      set_target_properties(MbedTLS::${name} PROPERTIES
        IMPORTED_LOCATION "${${upper}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES "${mbedtls_dependency}")
    endif()
    set(mbedtls_dependency MbedTLS::${name})
  endforeach()
endif()

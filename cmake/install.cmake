# Install rules and the package files (host builds; included by the top-level CMakeLists.txt when
# IOTLITE_INSTALL is on). What `cmake --install` writes:
#   include/iotlite/...                 the public headers (only the include/iotlite/ trees) + version.hpp
#   lib/libiotlite_*.a                  the libraries (static)
#   lib/cmake/iotlite/                  iotliteConfig.cmake, its version file, the exported targets,
#                                       FindMbedTLS.cmake
#   lib/pkgconfig/iotlite.pc
#   bin/iotlite                         the CLI (when IOTLITE_BUILD_PROGRAMS)
# Never tests, fuzzers, benchmarks or the stand-in.
include(CMakePackageConfigHelpers)

set(iotlite_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/iotlite")

# Exported as iotlite::<name>. mbedcrypto / mbedtls (and, on x86-64, the renamed SHA-256 copy with
# its block function) are the internal links of sigv4 and firmware; users link the first four.
set_target_properties(iotlite_base PROPERTIES EXPORT_NAME base)
set_target_properties(iotlite_sigv4 PROPERTIES EXPORT_NAME sigv4)
set_target_properties(iotlite_core PROPERTIES EXPORT_NAME core)
set_target_properties(iotlite_firmware PROPERTIES EXPORT_NAME firmware)
set_target_properties(iotlite_mbedcrypto PROPERTIES EXPORT_NAME mbedcrypto)
set_target_properties(iotlite_mbedtls PROPERTIES EXPORT_NAME mbedtls)
set(iotlite_export_targets iotlite_base iotlite_sigv4 iotlite_core iotlite_firmware iotlite_mbedcrypto iotlite_mbedtls)
# The pkg-config link line, in link order.
set(IOTLITE_PC_LIBS "-liotlite_firmware -liotlite_core -liotlite_sigv4")
if(TARGET iotlite_mbedtls_sha256)
  set_target_properties(iotlite_mbedtls_sha256 PROPERTIES EXPORT_NAME mbedtls_sha256)
  set_target_properties(iotlite_sha256_block_x86 PROPERTIES EXPORT_NAME sha256_block_x86)
  list(APPEND iotlite_export_targets iotlite_mbedtls_sha256 iotlite_sha256_block_x86)
  string(APPEND IOTLITE_PC_LIBS " -liotlite_mbedtls_sha256 -liotlite_sha256_block_x86")
endif()
# mbedTLS and wslay: -L only when they are not in a directory the linker searches anyway.
set(iotlite_pc_dirs "")
foreach(lib "${MBEDTLS_LIBRARY}" "${MBEDX509_LIBRARY}" "${MBEDCRYPTO_LIBRARY}" "${WSLAY_LIBRARY}")
  get_filename_component(dir "${lib}" DIRECTORY)
  if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES AND NOT dir IN_LIST iotlite_pc_dirs)
    list(APPEND iotlite_pc_dirs "${dir}")
    string(APPEND IOTLITE_PC_LIBS " -L${dir}")
  endif()
endforeach()
string(APPEND IOTLITE_PC_LIBS " -lmbedtls -lmbedx509 -lmbedcrypto -lwslay")

install(TARGETS ${iotlite_export_targets} EXPORT iotliteTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# Only the include/iotlite/ trees of the layers (no trailing slash: each installs as include/iotlite).
install(DIRECTORY base/include/iotlite sigv4/include/iotlite core/include/iotlite firmware/include/iotlite
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(FILES "${IOTLITE_GENERATED_INCLUDE_DIR}/iotlite/version.hpp" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/iotlite)
install(EXPORT iotliteTargets NAMESPACE iotlite:: DESTINATION ${iotlite_cmake_dir})

configure_package_config_file(cmake/iotliteConfig.cmake.in "${PROJECT_BINARY_DIR}/package/iotliteConfig.cmake"
  INSTALL_DESTINATION ${iotlite_cmake_dir})
# 0.x: a minor release may break the API (SemVer's rule for 0.y.z), so 0.1 asks for 0.1.z only.
# SameMajorVersion would let a request for 0.1 accept 0.2. Switch to SameMajorVersion at 1.0.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/iotliteConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/package/iotliteConfig.cmake" "${PROJECT_BINARY_DIR}/package/iotliteConfigVersion.cmake"
              cmake/FindMbedTLS.cmake
        DESTINATION ${iotlite_cmake_dir})

file(RELATIVE_PATH IOTLITE_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" IOTLITE_PC_TO_PREFIX "${IOTLITE_PC_TO_PREFIX}")
configure_file(cmake/iotlite.pc.in "${PROJECT_BINARY_DIR}/package/iotlite.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/package/iotlite.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(TARGET iotlite_cli)
  install(TARGETS iotlite_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

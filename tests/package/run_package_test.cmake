# The steps of the package tests (tests/package/CMakeLists.txt), run as cmake -DSTEP=<step> ... -P.
# Each fails (FATAL_ERROR, naming what broke) when the package is broken.
cmake_minimum_required(VERSION 3.25)

set(prefix "${WORK}/prefix")
find_program(NICE nice)
set(nice "")
if(NICE)
  set(nice ${NICE} -n 10)  # the machine is shared: builds yield to interactive work
endif()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "package: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# configure + build a CMake project with g++ (a fresh cache each time, objects reused).
function(build_project what source binary)
  file(REMOVE "${binary}/CMakeCache.txt")
  run("${what}: configure" ${CMAKE_COMMAND} -S "${source}" -B "${binary}" -G "${GENERATOR}"
      "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}" "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_C_COMPILER=${CC}" ${ARGN})
  run("${what}: build" ${nice} ${CMAKE_COMMAND} --build "${binary}" -j 2)
endfunction()

# Files under <dir>, relative to it, sorted.
function(list_tree out dir)
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${dir}" "${dir}/*")
  list(SORT files)
  set(${out} "${files}" PARENT_SCOPE)
endfunction()

# The public headers of the checkout, as installed: include/iotlite/... from each layer.
function(source_headers out)
  set(all "")
  foreach(layer base sigv4 core firmware)
    file(GLOB_RECURSE headers RELATIVE "${SOURCE_DIR}/${layer}/include" "${SOURCE_DIR}/${layer}/include/iotlite/*.hpp"
         "${SOURCE_DIR}/${layer}/include/iotlite/*.h")
    foreach(header IN LISTS headers)
      list(APPEND all "include/${header}")
    endforeach()
  endforeach()
  list(APPEND all include/iotlite/version.hpp)
  list(SORT all)
  set(${out} "${all}" PARENT_SCOPE)
endfunction()

# Checks an install tree: every public header and the package files are there, and nothing else
# but <extra> (regexes on relative paths).
function(check_installed dir libdir)
  list_tree(installed "${dir}")
  source_headers(want_headers)
  set(want ${want_headers}
    ${libdir}/cmake/iotlite/iotliteConfig.cmake ${libdir}/cmake/iotlite/iotliteConfigVersion.cmake
    ${libdir}/cmake/iotlite/iotliteTargets.cmake ${libdir}/cmake/iotlite/FindMbedTLS.cmake
    ${libdir}/pkgconfig/iotlite.pc
    ${libdir}/libiotlite_sigv4.a ${libdir}/libiotlite_core.a ${libdir}/libiotlite_firmware.a ${ARGN})
  foreach(file IN LISTS want)
    if(NOT file IN_LIST installed)
      message(FATAL_ERROR "package: ${file} was not installed into ${dir}")
    endif()
  endforeach()
  foreach(file IN LISTS installed)
    if(file MATCHES "^include/" AND NOT file IN_LIST want_headers)
      message(FATAL_ERROR "package: ${file} is installed but is no public header (include/iotlite/ of a layer)")
    elseif(NOT file MATCHES "^include/"
           AND NOT file MATCHES "^${libdir}/(libiotlite_[a-z0-9_]+\\.a|cmake/iotlite/iotlite[A-Za-z-]*\\.cmake|cmake/iotlite/FindMbedTLS\\.cmake|pkgconfig/iotlite\\.pc)$"
           AND NOT file STREQUAL "bin/iotlite")
      message(FATAL_ERROR "package: ${file} should not be installed (only libraries, headers, package files and bin/iotlite)")
    endif()
  endforeach()
endfunction()

if(STEP STREQUAL "install")
  set(build "${WORK}/iotlite-build")
  build_project("iotlite release build" "${SOURCE_DIR}" "${build}"
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG"
    -DIOTLITE_BUILD_TESTS=OFF -DIOTLITE_BUILD_PROGRAMS=OFF -DIOTLITE_INSTALL=ON -DCMAKE_INSTALL_LIBDIR=lib)
  file(REMOVE_RECURSE "${prefix}")
  run("cmake --install" ${CMAKE_COMMAND} --install "${build}" --prefix "${prefix}")
  check_installed("${prefix}" lib)
elseif(STEP STREQUAL "find_package")
  build_project("find_package consumer" "${TESTS_DIR}/find_package" "${WORK}/find_package-build"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DIOTLITE_EXPECTED_PREFIX=${prefix}")
  run("find_package consumer: run" "${WORK}/find_package-build/iotlite_consumer")
  message(STATUS "${run_output}")
elseif(STEP STREQUAL "pkg_config")
  set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
  run("pkg-config --modversion iotlite" ${PKG_CONFIG} --modversion iotlite)
  if(NOT run_output STREQUAL "${VERSION}\n")
    message(FATAL_ERROR "package: iotlite.pc says version '${run_output}', the project is ${VERSION}")
  endif()
  run("pkg-config --cflags --libs iotlite" ${PKG_CONFIG} --cflags --libs iotlite)
  separate_arguments(flags UNIX_COMMAND "${run_output}")
  set(program "${WORK}/pkg_config-consumer")
  file(REMOVE "${program}")
  run("pkg-config consumer: build" ${nice} ${CXX} -std=c++17 -Wall -Wextra -Werror -DIOTLITE_CONSUMER_FIRMWARE
      "-DIOTLITE_EXPECTED_VERSION=\"${VERSION}\"" "${TESTS_DIR}/find_package/main.cpp" ${flags} -o "${program}")
  run("pkg-config consumer: run" "${program}")
  message(STATUS "${run_output}")
elseif(STEP STREQUAL "add_subdirectory")
  build_project("add_subdirectory consumer" "${TESTS_DIR}/add_subdirectory" "${WORK}/add_subdirectory-build"
    "-DIOTLITE_SOURCE_DIR=${SOURCE_DIR}")
  run("add_subdirectory consumer: run" "${WORK}/add_subdirectory-build/iotlite_consumer")
  message(STATUS "${run_output}")
elseif(STEP STREQUAL "install_tree")
  # This build tree as built (nothing is compiled here), into a fresh prefix.
  set(tree_prefix "${WORK}/install-tree")
  file(REMOVE_RECURSE "${tree_prefix}")
  run("cmake --install of ${BUILD_TREE}" ${CMAKE_COMMAND} --install "${BUILD_TREE}" --prefix "${tree_prefix}")
  check_installed("${tree_prefix}" "${INSTALL_LIBDIR}" bin/iotlite)
  run("installed iotlite --version" "${tree_prefix}/bin/iotlite" --version)
  if(NOT run_output STREQUAL "iotlite ${VERSION}\n")
    message(FATAL_ERROR "package: installed iotlite --version printed '${run_output}'")
  endif()
else()
  message(FATAL_ERROR "package: unknown STEP '${STEP}'")
endif()

# `iotlite --version` prints "iotlite <project version>" and one newline on stdout, nothing on
# stderr, and exits 0.  cmake -DCLI=<iotlite> -DVERSION=<x.y.z> -P check_version.cmake
execute_process(COMMAND "${CLI}" --version RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 10)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "iotlite --version exited ${rc} (want 0); stderr: ${err}")
endif()
if(NOT out STREQUAL "iotlite ${VERSION}\n")
  message(FATAL_ERROR "iotlite --version printed '${out}' (want 'iotlite ${VERSION}' and a newline)")
endif()
if(NOT err STREQUAL "")
  message(FATAL_ERROR "iotlite --version wrote to stderr: ${err}")
endif()

# Runs the Emscripten-built vector runner in Node; fails (never skips) when it has not been built.
if(NOT EXISTS "${RUNNER}")
  message(FATAL_ERROR "wasm vector runner not found at ${RUNNER}: build the wasm preset first "
                      "(cmake --preset wasm && cmake --build --preset wasm --target sigv4_wasm_vectors)")
endif()
execute_process(COMMAND "${NODE}" "${RUNNER}" "${TESTDATA}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "wasm vector runner failed (exit ${rc})")
endif()

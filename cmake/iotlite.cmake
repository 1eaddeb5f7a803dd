# Shared compile settings for iotlite targets.

# -Wall -Wextra -Werror for every target we write.
function(iotlite_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()

# core/, sigv4/ and firmware/ never throw: Result<T> carries every error.
function(iotlite_no_exceptions target)
  target_compile_options(${target} PRIVATE -fno-exceptions)
endfunction()

// Device configuration of the "texts out" size measurements (tests/size/engine_arm.sh
// --texts-out, tests/size/size_table.sh --texts-out): error texts compiled out, everything else
// at its default. Passed as -DIOTLITE_CONFIG_FILE (see base/include/iotlite/config.hpp).
#pragma once
#define IOTLITE_ERROR_TEXTS 0

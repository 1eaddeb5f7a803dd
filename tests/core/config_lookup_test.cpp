// How iotlite/config.hpp finds the user's configuration: an iotlite_config.h on the include path
// is used (this file; tests/core/config_on_path/ is on its include path), and
// IOTLITE_DO_NOT_USE_CUSTOM_CONFIG ignores it (config_opt_out_test.cpp, same include path).
// Only the macros are compared: no iotlite type is used, so the two files cannot disagree on one.
#include <gtest/gtest.h>

#include "iotlite/config.hpp"

int opted_out_max_inflight();  // config_opt_out_test.cpp

TEST(DeviceConfigLookup, IotliteConfigOnIncludePath_IsUsed) { EXPECT_EQ(IOTLITE_MAX_INFLIGHT, 7); }

TEST(DeviceConfigLookup, DoNotUseCustomConfig_IgnoresTheHeaderOnThePath) { EXPECT_EQ(opted_out_max_inflight(), 32); }

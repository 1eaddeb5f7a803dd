// Compiled with IOTLITE_DO_NOT_USE_CUSTOM_CONFIG and tests/core/config_on_path/ on the include
// path: the defaults apply (see config_lookup_test.cpp).
#ifndef IOTLITE_DO_NOT_USE_CUSTOM_CONFIG
#error "built with IOTLITE_DO_NOT_USE_CUSTOM_CONFIG"
#endif
#include "iotlite/config.hpp"

int opted_out_max_inflight() { return IOTLITE_MAX_INFLIGHT; }

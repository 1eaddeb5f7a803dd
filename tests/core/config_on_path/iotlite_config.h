// Found by iotlite/config.hpp through __has_include(<iotlite_config.h>): this directory is on the
// include path of tests/core/config_lookup_test.cpp only.
#pragma once
#define IOTLITE_MAX_INFLIGHT 7

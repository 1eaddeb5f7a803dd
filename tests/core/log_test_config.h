// Device configuration of tests/core/config_log_test.cpp: log level WARN, a sink that records.
#pragma once
namespace iotlite_test {
void log_sink(int level, const char* format, ...);
}
#define IOTLITE_LOG_LEVEL IOTLITE_LOG_LEVEL_WARN
#define IOTLITE_LOG_SINK(level, ...) ::iotlite_test::log_sink(level, __VA_ARGS__)
#define IOTLITE_MAX_SUBSCRIPTIONS 8
#define IOTLITE_KEEP_ALIVE_S 300

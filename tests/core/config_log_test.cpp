// The device configuration header (iotlite/config.hpp) with a user config
// (tests/core/log_test_config.h, given as IOTLITE_CONFIG_FILE): log levels filter at compile
// time (a filtered call does not evaluate its arguments), the sink gets the level and the
// printf-style text, and capacities reach mqtt::Config's defaults.
#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "iotlite/mqtt/client.hpp"

namespace iotlite_test {
struct Line {
    int level;
    std::string text;
};
std::vector<Line> g_lines;

void log_sink(int level, const char* format, ...) {
    char buf[256];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    g_lines.push_back({level, buf});
}
}  // namespace iotlite_test

namespace {

int g_evaluated = 0;
int counted(int v) {
    ++g_evaluated;
    return v;
}

TEST(DeviceConfig, LogLevelWarn_ErrorAndWarnReachTheSinkInfoAndDebugCompileOut) {
    iotlite_test::g_lines.clear();
    g_evaluated = 0;
    IOTLITE_LOG_ERROR("error %d", counted(1));
    IOTLITE_LOG_WARN("warn %s %d", "x", counted(2));
    IOTLITE_LOG_INFO("info %d", counted(3));
    IOTLITE_LOG_DEBUG("debug %d", counted(4));
    ASSERT_EQ(iotlite_test::g_lines.size(), 2u);
    EXPECT_EQ(iotlite_test::g_lines[0].level, IOTLITE_LOG_LEVEL_ERROR);
    EXPECT_EQ(iotlite_test::g_lines[0].text, "error 1");
    EXPECT_EQ(iotlite_test::g_lines[1].level, IOTLITE_LOG_LEVEL_WARN);
    EXPECT_EQ(iotlite_test::g_lines[1].text, "warn x 2");
    EXPECT_EQ(g_evaluated, 2) << "the arguments of a compiled-out level are not evaluated";
}

TEST(DeviceConfig, UserCapacities_BecomeConfigDefaultsOthersKeepTheirs) {
    iotlite::mqtt::Config c;
    EXPECT_EQ(c.max_subscriptions, 8u);
    EXPECT_EQ(c.keep_alive_s, 300);
    EXPECT_EQ(c.max_inflight, 32u);  // not set by the user config: the default
    EXPECT_EQ(IOTLITE_ERROR_TEXTS, 1);
    // Still checked at run time against the same rules.
    c.client_id = "d";
    EXPECT_TRUE(iotlite::mqtt::Client::create(c).ok());
}

}  // namespace

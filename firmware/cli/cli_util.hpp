// Small helpers shared by the CLI commands: flag parsing, one-line errors, file reading.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace iotlite::cli {

// Exit codes: 0 success, 1 the operation failed at run time, 2 bad input (usage).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints "iotlite <command>: <message>" as ONE line on stderr and returns `code`.
// Never pass a secret in `message`.
int fail(std::string_view command, std::string_view message, int code = kExitUsage);

struct FlagSpec {
    const char* name;  // "--endpoint"
    bool takes_value;
};

struct ParsedFlags {
    std::vector<std::pair<std::string, std::string>> values;  // flag -> value ("" for switches)
    const std::string* get(std::string_view name) const;
    bool has(std::string_view name) const { return get(name) != nullptr; }
};

// Parses "--flag value", "--flag=value" and switches. On error returns false with a one-line
// message in `error` that names the flag but never echoes a value.
bool parse_flags(int argc, char** argv, const std::vector<FlagSpec>& specs, ParsedFlags& out, std::string& error);

bool read_file(const std::string& path, std::string& out);

}  // namespace iotlite::cli

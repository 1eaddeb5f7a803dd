// Small helpers shared by the CLI commands: flag parsing, one-line errors. Files are read with
// read_bounded_file (bounded_file.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace iotlite::cli {

// Exit codes: 0 success, 1 the operation failed at run time, 2 bad input (usage), 27 a -W
// timeout passed (mosquitto_sub's code for it, MOSQ_ERR_TIMEOUT).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitTimeout = 27;

// Prints "iotlite <command>: <message>" as ONE line on stderr and returns `code`; nothing is
// printed after set_quiet(true) (--quiet, as mosquitto's). Never pass a secret in `message`.
int fail(std::string_view command, std::string_view message, int code = kExitUsage);
void set_quiet(bool quiet);
// Writes `text` and a newline to stdout; kExitOk, or kExitFailure when stdout cannot take it.
int print_line(std::string_view text);

struct OptionSpec {
    const char* short_name;  // "-t", or nullptr
    const char* long_name;   // "--topic": the key under which the value is stored
    bool takes_value;
    // mosquitto's -D: the value is COMMAND IDENTIFIER VALUE, or COMMAND user-property NAME VALUE
    // (the identifier, compared without case, decides), stored joined by '\0'.
    bool property_words = false;
};

struct ParsedFlags {
    std::vector<std::pair<std::string, std::string>> values;  // flag -> value ("" for switches)
    const std::string* get(std::string_view name) const;
    bool has(std::string_view name) const { return get(name) != nullptr; }
};

// Parses "-t value", "--topic value", "--topic=value" and switches into `out` (keyed by the long
// name; repeated flags are all kept, in order). Anything else is an error. On error returns
// false with a one-line message naming the flag, never a value (a value could be a secret).
bool parse_options(int argc, char** argv, const std::vector<OptionSpec>& specs, ParsedFlags& out, std::string& error);

// The same for commands without short flags: every argument must start with "--" (the specs'
// short names are not used).
bool parse_flags(int argc, char** argv, const std::vector<OptionSpec>& specs, ParsedFlags& out, std::string& error);

// The value of environment variable `name`; "" when it is not set.
std::string env_or_empty(const char* name);

}  // namespace iotlite::cli

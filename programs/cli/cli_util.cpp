#include "cli_util.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace iotlite::cli {

namespace {
bool g_quiet = false;
}  // namespace

void set_quiet(bool quiet) { g_quiet = quiet; }

int print_line(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

int fail(std::string_view command, std::string_view message, int code) {
    if (g_quiet) return code;
    std::fprintf(stderr, "iotlite %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
                 static_cast<int>(message.size()), message.data());
    return code;
}

const std::string* ParsedFlags::get(std::string_view name) const {
    for (auto it = values.rbegin(); it != values.rend(); ++it) {  // the last occurrence wins
        if (it->first == name) return &it->second;
    }
    return nullptr;
}

namespace {

// "-mSECRET" must not be echoed: show a single-dash argument by its first two characters only.
std::string flag_name_for_message(const std::string& arg) {
    if (arg.rfind("--", 0) == 0) return arg.substr(0, 40);
    return arg.size() > 2 ? arg.substr(0, 2) + "..." : arg;
}

// parse_options (short_flags) and parse_flags (long flags only).
bool parse_arguments(int argc, char** argv, const std::vector<OptionSpec>& specs, bool short_flags, ParsedFlags& out,
                     std::string& error) {
    for (int i = 0; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool inline_value = false;
        const bool flag = short_flags ? arg.size() >= 2 && arg[0] == '-' : arg.rfind("--", 0) == 0;
        if (!flag) {
            // Not echoed: a misplaced value could be a secret.
            error = "unexpected argument at position " + std::to_string(i + 1) +
                    (short_flags ? " (flags start with - or --)" : " (flags start with --)");
            return false;
        }
        if (arg.rfind("--", 0) == 0) {
            const auto eq = arg.find('=');
            if (eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg.resize(eq);
                inline_value = true;
            }
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs) {
            if (arg == s.long_name || (short_flags && s.short_name != nullptr && arg == s.short_name)) spec = &s;
        }
        if (spec == nullptr) {
            error = "unknown flag '" + flag_name_for_message(arg) + "'";
            return false;
        }
        if (spec->property_words) {
            if (inline_value) {
                error = arg + " takes its words as separate arguments (" + arg + " COMMAND IDENTIFIER VALUE)";
                return false;
            }
            std::size_t words = 3;
            if (i + 2 < argc) {
                std::string identifier = argv[i + 2];
                for (char& c : identifier) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (identifier == "user-property") words = 4;
            }
            if (i + static_cast<int>(words) >= argc) {
                error = arg + " needs COMMAND IDENTIFIER VALUE (user-property: COMMAND user-property NAME VALUE)";
                return false;
            }
            for (std::size_t w = 0; w < words; ++w) {
                if (w > 0) value += '\0';
                value += argv[++i];
            }
        } else if (spec->takes_value && !inline_value) {
            if (i + 1 >= argc) {
                error = arg + " needs a value";
                return false;
            }
            value = argv[++i];
        } else if (!spec->takes_value && inline_value) {
            error = arg + " takes no value";
            return false;
        }
        out.values.emplace_back(spec->long_name, value);
    }
    return true;
}

}  // namespace

bool parse_options(int argc, char** argv, const std::vector<OptionSpec>& specs, ParsedFlags& out, std::string& error) {
    return parse_arguments(argc, argv, specs, true, out, error);
}

bool parse_flags(int argc, char** argv, const std::vector<OptionSpec>& specs, ParsedFlags& out, std::string& error) {
    return parse_arguments(argc, argv, specs, false, out, error);
}

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

}  // namespace iotlite::cli

#include "cli_util.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace iotlite::cli {

int fail(std::string_view command, std::string_view message, int code) {
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

bool parse_flags(int argc, char** argv, const std::vector<FlagSpec>& specs, ParsedFlags& out, std::string& error) {
    for (int i = 0; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool inline_value = false;
        if (arg.rfind("--", 0) == 0) {
            const auto eq = arg.find('=');
            if (eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg.resize(eq);
                inline_value = true;
            }
        } else {
            // Not echoed: a misplaced value could be a secret.
            error = "unexpected argument at position " + std::to_string(i + 1) + " (flags start with --)";
            return false;
        }
        const FlagSpec* spec = nullptr;
        for (const auto& s : specs) {
            if (arg == s.name) spec = &s;
        }
        if (spec == nullptr) {
            error = "unknown flag '" + arg.substr(0, 40) + "'";  // name only: a value could be a secret
            return false;
        }
        if (spec->takes_value && !inline_value) {
            if (i + 1 >= argc) {
                error = arg + " needs a value";
                return false;
            }
            value = argv[++i];
        } else if (!spec->takes_value && inline_value) {
            error = arg + " takes no value";
            return false;
        }
        out.values.emplace_back(arg, value);
    }
    return true;
}

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return !in.bad();
}

}  // namespace iotlite::cli

// iotlite: the host command-line tool. Each command lives in its own cmd_<name>.cpp.
#include <cstdio>
#include <cstring>

#include "cli_util.hpp"
#include "iotlite/version.hpp"

namespace iotlite::cli {
int run_sigv4(int argc, char** argv);
int run_sign_url(int argc, char** argv);
int run_pub(int argc, char** argv);
int run_sub(int argc, char** argv);
int run_shadow(int argc, char** argv);
int run_jobs(int argc, char** argv);
int run_provision(int argc, char** argv);
}  // namespace iotlite::cli

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(int argc, char** argv);  // receives the arguments after the command name
};

// Add new commands here (one line each).
constexpr Command kCommands[] = {
    {"pub", "publish MQTT messages (like mosquitto_pub: same flags)", iotlite::cli::run_pub},
    {"sub", "subscribe and print messages (like mosquitto_sub: same flags)", iotlite::cli::run_sub},
    {"shadow", "get, update or delete a Device Shadow", iotlite::cli::run_shadow},
    {"jobs", "AWS IoT Jobs: list, next, describe, update; agent runs a command per job", iotlite::cli::run_jobs},
    {"provision", "Fleet Provisioning by claim: a new certificate and thing", iotlite::cli::run_provision},
    {"sign-url", "print a SigV4-presigned AWS IoT MQTT-over-WebSocket URL", iotlite::cli::run_sign_url},
    {"sigv4", "print one SigV4 stage for a request in AWS's test-suite format", iotlite::cli::run_sigv4},
};

void print_usage(std::FILE* out) {
    std::fprintf(out, "usage: iotlite <command> [flags]   (iotlite <command> --help for its flags)\n\ncommands:\n");
    for (const auto& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "iotlite: missing command (try iotlite --help)\n");
        return iotlite::cli::kExitUsage;
    }
    if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return iotlite::cli::kExitOk;
    }
    if (std::strcmp(argv[1], "--version") == 0) {
        std::printf("iotlite %s\n", IOTLITE_VERSION_STRING);
        return iotlite::cli::kExitOk;
    }
    for (const auto& c : kCommands) {
        if (std::strcmp(argv[1], c.name) == 0) return c.run(argc - 2, argv + 2);
    }
    std::fprintf(stderr, "iotlite: unknown command '%.40s' (try iotlite --help)\n", argv[1]);
    return iotlite::cli::kExitUsage;
}

// core's json::Value against nlohmann/json (the library it replaced, the anchor) on documents
// shaped like the services' traffic: a shadow /get/accepted answer (state + metadata, 3.1 KB) and a
// Jobs DescribeJobExecution answer with a 6 KB job document. For each library, in the same
// process, interleaved: parse (text to DOM), compact dump, and a copy of the DOM; plus the heap a
// parsed document holds (blocks and bytes, counted by tests/support/counting_heap).
// Usage: iotlite_bench_json [--samples K] [--iterations N]   (prints a Markdown table)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "counting_heap.hpp"
#include "iotlite/json/value.hpp"

namespace {

// {"state":{"desired":{...},"reported":{...}},"metadata":{...},"version":..,"timestamp":..,"clientToken":..}
std::string shadow_answer() {
    auto section = [](const char* prefix, bool metadata) {
        std::string s = "{";
        for (int k = 0; k < 24; ++k) {
            if (k) s += ',';
            s += "\"" + std::string(prefix) + std::to_string(k) + "\":";
            if (metadata) s += "{\"timestamp\":" + std::to_string(1733300000 + k) + "}";
            else if (k % 4 == 0) s += "{\"r\":" + std::to_string(k * 7) + ",\"g\":12,\"b\":255,\"name\":\"lamp colour " + std::to_string(k) + "\"}";
            else if (k % 4 == 1) s += "[1,2,3," + std::to_string(k) + ",\"mode\"]";
            else if (k % 4 == 2) s += std::to_string(k) + ".25";
            else s += "\"value number " + std::to_string(k) + " with some text\"";
        }
        return s + "}";
    };
    return "{\"state\":{\"desired\":" + section("d", false) + ",\"reported\":" + section("r", false) +
           "},\"metadata\":{\"desired\":" + section("d", true) + ",\"reported\":" + section("r", true) +
           "},\"version\":4711,\"timestamp\":1733300123,\"clientToken\":\"iotlite-5f3c2a-17\"}";
}

std::string jobs_answer() {
    std::string doc = "{\"operation\":\"download\",\"files\":[";
    for (int k = 0; k < 40; ++k) {
        if (k) doc += ',';
        doc += "{\"url\":\"https://example-bucket.s3.amazonaws.com/firmware/part-" + std::to_string(k) +
               ".bin\",\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"size\":" +
               std::to_string(65536 + k) + "}";
    }
    doc += "],\"reboot\":true}";
    return "{\"execution\":{\"jobId\":\"fw-update-2026-12\",\"thingName\":\"lamp-1\",\"status\":\"QUEUED\","
           "\"statusDetails\":{\"step\":\"queued\"},\"queuedAt\":1733300000,\"lastUpdatedAt\":1733300001,"
           "\"versionNumber\":1,\"executionNumber\":1,\"jobDocument\":" + doc + "},\"timestamp\":1733300002,"
           "\"clientToken\":\"iotlite-5f3c2a-18\"}";
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// ns per call of `op`, median of `samples` samples of `iterations` calls.
struct Timer {
    int samples;
    int iterations;
    double time(const std::function<void()>& op) const {
        std::vector<double> ns;
        for (int s = 0; s < samples; ++s) {
            const auto start = std::chrono::steady_clock::now();
            for (int i = 0; i < iterations; ++i) op();
            const auto end = std::chrono::steady_clock::now();
            ns.push_back(std::chrono::duration<double, std::nano>(end - start).count() / iterations);
        }
        return median(ns);
    }
};

volatile std::size_t g_sink = 0;  // keeps the measured work from being optimised away

struct Row {
    std::string what;
    double ours;
    double anchor;
};

void bench(const char* name, const std::string& text, const Timer& timer, std::vector<Row>& rows) {
    auto ours_doc = iotlite::json::parse(text, 32);
    const nlohmann::json anchor_doc = nlohmann::json::parse(text, nullptr, false);
    if (!ours_doc.ok() || anchor_doc.is_discarded()) {
        std::fprintf(stderr, "%s: a library refused the document\n", name);
        std::exit(1);
    }
    const iotlite::json::Value& ours = ours_doc.value();

    // Interleaved: ours, anchor, ours, anchor... so drift on a noisy machine hits both alike.
    std::vector<double> parse_ours, parse_anchor, dump_ours, dump_anchor, copy_ours, copy_anchor;
    const Timer one{1, timer.iterations};
    for (int s = 0; s < timer.samples; ++s) {
        parse_ours.push_back(one.time([&] { g_sink = g_sink + iotlite::json::parse(text, 32).value().size(); }));
        parse_anchor.push_back(one.time([&] { g_sink = g_sink + nlohmann::json::parse(text, nullptr, false).size(); }));
        dump_ours.push_back(one.time([&] { g_sink = g_sink + ours.dump().size(); }));
        dump_anchor.push_back(one.time([&] { g_sink = g_sink + anchor_doc.dump().size(); }));
        copy_ours.push_back(one.time([&] { iotlite::json::Value c = ours; g_sink = g_sink + c.size(); }));
        copy_anchor.push_back(one.time([&] { nlohmann::json c = anchor_doc; g_sink = g_sink + c.size(); }));
    }
    rows.push_back({std::string(name) + ": parse, µs", median(parse_ours) / 1000, median(parse_anchor) / 1000});
    rows.push_back({std::string(name) + ": compact dump, µs", median(dump_ours) / 1000, median(dump_anchor) / 1000});
    rows.push_back({std::string(name) + ": copy of the DOM, µs", median(copy_ours) / 1000, median(copy_anchor) / 1000});

    long long ours_bytes = 0, anchor_bytes = 0;
    std::size_t ours_blocks = 0, anchor_blocks = 0;
    {
        iotlite::test::HeapCounter heap;
        auto held = iotlite::json::parse(text, 32);
        ours_bytes = iotlite::test::g_heap.live_bytes;
        ours_blocks = static_cast<std::size_t>(iotlite::test::g_heap.live_blocks);
    }
    {
        iotlite::test::HeapCounter heap;
        nlohmann::json held = nlohmann::json::parse(text, nullptr, false);
        anchor_bytes = iotlite::test::g_heap.live_bytes;
        anchor_blocks = static_cast<std::size_t>(iotlite::test::g_heap.live_blocks);
    }
    rows.push_back({std::string(name) + ": heap held by the parsed DOM, bytes", static_cast<double>(ours_bytes),
                    static_cast<double>(anchor_bytes)});
    rows.push_back({std::string(name) + ": heap blocks held", static_cast<double>(ours_blocks),
                    static_cast<double>(anchor_blocks)});
}

}  // namespace

int main(int argc, char** argv) {
    Timer timer{15, 400};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--samples") == 0) timer.samples = std::atoi(argv[i + 1]);
        else if (std::strcmp(argv[i], "--iterations") == 0) timer.iterations = std::atoi(argv[i + 1]);
    }
    if (timer.samples < 1 || timer.iterations < 1) {
        std::fprintf(stderr, "usage: iotlite_bench_json [--samples K] [--iterations N]\n");
        return 2;
    }
    const std::string shadow = shadow_answer(), jobs = jobs_answer();
    std::vector<Row> rows;
    bench(("shadow /get/accepted (" + std::to_string(shadow.size()) + " B)").c_str(), shadow, timer, rows);
    bench(("Jobs describe answer (" + std::to_string(jobs.size()) + " B)").c_str(), jobs, timer, rows);
    std::printf("| %d samples x %d calls, medians | iotlite json::Value | nlohmann/json %d.%d.%d | nlohmann / ours |\n",
                timer.samples, timer.iterations, NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                NLOHMANN_JSON_VERSION_PATCH);
    std::printf("|---|---:|---:|---:|\n");
    for (const Row& r : rows) {
        const bool integer = r.what.find("heap") != std::string::npos;
        std::printf(integer ? "| %s | %.0f | %.0f | %.2f |\n" : "| %s | %.1f | %.1f | %.2f |\n", r.what.c_str(), r.ours,
                    r.anchor, r.anchor / r.ours);
    }
    return static_cast<int>(g_sink & 0);
}

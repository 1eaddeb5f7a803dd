// libFuzzer target: the CLI's JSON inputs (programs/cli), read by core's json::parse: the nesting
// guard (parse_json_input), `shadow update`'s --desired / --reported /
// --document (parse_shadow_update_input) and `sigv4`'s --context / --request
// (parse_sigv4_inputs, then sigv4_stage_text).
//
// Input: byte 0 = selector: bits 0-1 the command (0 shadow --document, 1 shadow --desired and
// --reported, 2 sigv4 header mode, 3 sigv4 query mode), bits 2-3 the sigv4 stage, bit 4
// "--client-token given". The rest is the text; a line "----" splits it in two (--desired |
// --reported, or --context | --request; without it the sigv4 request is a fixed GET).
// Checked properties (a violation traps, so libFuzzer reports it):
//   1. No crash, no UB, no stack overflow (ASan + UBSan), whatever the nesting.
//   2. Core's reader agrees with nlohmann/json (an independent parser): a text is accepted exactly
//      when nlohmann accepts it and its real nesting (measured with nlohmann's SAX parser, which
//      does not recurse) is within kMaxJsonInputDepth; an accepted text builds the document
//      nlohmann builds (numbers compared by value, a repeated key keeping its last value), its
//      DOM is no deeper than the text, and its compact dump reads back as the same document.
//   3. An accepted shadow state is an object within the bound, and core's checks (validate_state,
//      to_compact) run on it without trouble, as `iotlite shadow update` does.
//   4. sigv4: the context's credentials are replaced by marker secrets; no error message (parse
//      or signing) ever contains either marker. Inputs holding a marker elsewhere are skipped.
//   5. Every error is one line, of bounded length.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "iotlite/services/shadow/document.hpp"
#include "json_input.hpp"
#include "json_oracle.hpp"
#include "shadow_input.hpp"
#include "sigv4_input.hpp"

using iotlite::Result;
using iotlite::json::Value;
using iotlite::test::as_oracle;
using nlohmann::json;  // the oracle
namespace cli = iotlite::cli;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFUZZSECRETKEY";
constexpr std::string_view kToken = "IQoJb3JpZ2luX2VjEFUZZSESSIONTOKEN/+=";
constexpr std::string_view kSplit = "\n----\n";
constexpr std::string_view kDefaultRequest = "GET / HTTP/1.1\nHost:example.amazonaws.com\n\n";

void check_error(const iotlite::Error& e) {
    check(!e.message.empty() && e.message.size() < 1024);
    check(e.message.find('\n') == std::string::npos);
}

// Maximum nesting of valid JSON, without building it and without recursion; -1 when invalid.
struct DepthSax {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool open() {
        if (++depth > deepest) deepest = depth;
        return true;
    }
    bool close() {
        --depth;
        return true;
    }
    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const std::string&) { return true; }
    bool string(std::string&) { return true; }
    bool binary(json::binary_t&) { return true; }
    bool start_object(std::size_t) { return open(); }
    bool key(std::string&) { return true; }
    bool end_object() { return close(); }
    bool start_array(std::size_t) { return open(); }
    bool end_array() { return close(); }
    // Also a number beyond a double (out_of_range.406), which core refuses too (I-JSON).
    template <typename E>
    bool parse_error(std::size_t, const std::string&, const E&) {
        return false;
    }
};

constexpr long kInvalid = -1;

long real_depth(std::string_view text) {
    // nlohmann's lexer ends the input at a NUL byte; JSON text never holds one (refused whole).
    if (text.find('\0') != std::string_view::npos) return kInvalid;
    DepthSax sax;
    if (!json::sax_parse(text, &sax, json::input_format_t::json, true)) return kInvalid;
    return static_cast<long>(sax.deepest);
}

// DOM depth with an explicit stack (the harness must not recurse either).
std::size_t dom_depth(const Value& root) {
    std::vector<std::pair<const Value*, std::size_t>> stack{{&root, 0}};
    std::size_t deepest = 0;
    while (!stack.empty()) {
        auto [value, depth] = stack.back();
        stack.pop_back();
        if (!value->is_structured()) continue;
        if (depth + 1 > deepest) deepest = depth + 1;
        for (const Value& child : *value) stack.emplace_back(&child, depth + 1);
    }
    return deepest;
}

// True when a marker appears in any key or string of `root` outside the credential slots.
bool marker_elsewhere(const Value& root) {
    std::vector<const Value*> stack{&root};
    while (!stack.empty()) {
        const Value* v = stack.back();
        stack.pop_back();
        if (v->is_string()) {
            const auto& s = v->str();
            if (s.find(kSecret) != std::string::npos || s.find(kToken) != std::string::npos) return true;
        } else if (v->is_object()) {
            for (auto it = v->begin(); it != v->end(); ++it) {
                if (it.key().find(kSecret) != std::string::npos || it.key().find(kToken) != std::string::npos) return true;
                stack.push_back(&it.value());
            }
        } else if (v->is_array()) {
            for (const Value& child : *v) stack.push_back(&child);
        }
    }
    return false;
}

// Property 2 for one text given to parse_json_input.
void check_guard(std::string_view text) {
    const long real = real_depth(text);
    Result<Value> parsed = cli::parse_json_input(text, "--fuzz");
    if (parsed.ok()) {
        check(real >= 0 && static_cast<std::size_t>(real) <= cli::kMaxJsonInputDepth);
        check(as_oracle(parsed.value()) == json::parse(text, nullptr, false));
        // A repeated key keeps its last value only, so the DOM can be shallower than the text.
        check(dom_depth(parsed.value()) <= static_cast<std::size_t>(real));
        Result<Value> again = iotlite::json::parse(parsed.value().dump(), cli::kMaxJsonInputDepth);
        check(again.ok() && again.value() == parsed.value());
    } else {
        check_error(parsed.error());
        if (parsed.error().code == iotlite::Errc::limit_exceeded) {
            check(real < 0 || static_cast<std::size_t>(real) > cli::kMaxJsonInputDepth);
        } else {
            check(real == kInvalid);
        }
    }
}

void fuzz_shadow(bool split_sections, bool token_given, std::string_view text) {
    std::string first(text), second;
    const std::size_t at = text.find(kSplit);
    if (at != std::string_view::npos) {
        first = std::string(text.substr(0, at));
        second = std::string(text.substr(at + kSplit.size()));
    }
    check_guard(first);
    Result<cli::ShadowUpdateInput> r =
        split_sections ? cli::parse_shadow_update_input(&first, at != std::string_view::npos ? &second : nullptr,
                                                        nullptr, token_given)
                       : cli::parse_shadow_update_input(nullptr, nullptr, &first, token_given);
    if (!r.ok()) {
        check_error(r.error());
        return;
    }
    const iotlite::shadow::Json& state = r.value().state;
    check(state.is_object());
    check(dom_depth(state) <= cli::kMaxJsonInputDepth);
    if (token_given) check(r.value().client_token.empty());
    // What `shadow update` does with it next (core): its checks and its serialisation.
    Result<void> valid = iotlite::shadow::validate_state(state, iotlite::shadow::Limits{});
    if (!valid.ok()) check_error(valid.error());
    const std::string compact = iotlite::shadow::to_compact(state);
    check(!compact.empty());
}

void fuzz_sigv4(bool query, unsigned stage, std::string_view text) {
    std::string_view context = text, request = kDefaultRequest;
    const std::size_t at = text.find(kSplit);
    if (at != std::string_view::npos) {
        context = text.substr(0, at);
        request = text.substr(at + kSplit.size());
    }
    if (text.find(kSecret) != std::string_view::npos || text.find(kToken) != std::string_view::npos) return;
    check_guard(context);
    const auto type = query ? iotlite::sigv4::SignatureType::query : iotlite::sigv4::SignatureType::headers;
    const auto which = static_cast<cli::Sigv4Stage>(stage);

    // As given (crash / UB properties).
    Result<cli::Sigv4Inputs> raw = cli::parse_sigv4_inputs(context, request, type);
    if (!raw.ok()) check_error(raw.error());

    // With marker secrets in the credential slots: no message may show them.
    Result<Value> parsed = cli::parse_json_input(context, "x");
    if (!parsed.ok() || !parsed.value().is_object() || marker_elsewhere(parsed.value())) return;
    Value doc = std::move(parsed).value();
    Value& creds = doc["credentials"];
    if (!creds.is_object()) return;
    creds["secret_access_key"] = kSecret;
    creds["token"] = kToken;
    const std::string marked = doc.dump();
    Result<cli::Sigv4Inputs> in = cli::parse_sigv4_inputs(marked, request, type);
    if (!in.ok()) {
        check_error(in.error());
        check(in.error().message.find(kSecret) == std::string::npos);
        check(in.error().message.find(kToken) == std::string::npos);
        return;
    }
    check(in.value().credentials.secret_access_key == kSecret);
    Result<std::string> out = cli::sigv4_stage_text(in.value(), which);
    if (!out.ok()) {
        check_error(out.error());
        check(out.error().message.find(kSecret) == std::string::npos);
        check(out.error().message.find(kToken) == std::string::npos);
        return;
    }
    // The secret key is never part of any stage's text (the token may be: it is sent).
    check(out.value().find(kSecret) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 64 * 1024) return 0;
    const std::uint8_t selector = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (selector & 3) {
        case 0: fuzz_shadow(false, (selector & 16) != 0, text); break;
        case 1: fuzz_shadow(true, (selector & 16) != 0, text); break;
        default: fuzz_sigv4((selector & 3) == 3, (selector >> 2) & 3, text); break;
    }
    return 0;
}

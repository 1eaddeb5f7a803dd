// The one RFC 8259 reader of core: grammar, UTF-8 in strings, bounded nesting. Two users:
//   - Reader<false>: connection/json_scan (Cognito's answers; the plain .wasm) validates a document
//     and collects the top-level members as views, building nothing;
//   - Reader<true>: json::parse builds a json::Value as it reads (the services).
// A template so the plain .wasm carries no DOM code. Internal to iotlite_core, not a public header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "iotlite/json/value.hpp"
#include "iotlite/result.hpp"

namespace iotlite::json::detail {

enum class Kind : std::uint8_t { string, number, object, array, literal };  // literal: true, false, null

// A top-level member of a scanned object: its unescaped name, its kind and its text.
struct RawMember {
    std::string name;
    Kind kind = Kind::literal;
    std::string_view raw;  // the value's text in the document (a string with its quotes)
};

inline constexpr std::size_t kMaxTopMembers = 64;  // top-level members Reader<false> collects

std::uint32_t clamp32(std::size_t n);
// Errc::protocol_error "JSON: <why> (at byte <at>)" with the rule, limit and offset.
Error refused(const char* rule, const std::string& why, std::size_t at, std::uint32_t limit = 0);
// Length of the well-formed UTF-8 sequence at s[i], 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i);
// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values over U+10FFFF).
bool valid_utf8(std::string_view text);
// The end of the run from s[i] that a JSON string holds as it is, read or written: ASCII other
// than '"', '\\' and the controls, and well-formed UTF-8 sequences. It stops at the first byte
// that is none of these (to escape, or to refuse when it is a byte >= 0x80).
std::size_t verbatim_run(std::string_view s, std::size_t i);
// The string token at t[i] (a '"'): checks it, leaves i after the closing quote and appends the
// unescaped text to *out when out is not null. Refusals: "json.string".
bool read_string(std::string_view t, std::size_t& i, std::string* out, Error& error);

template <bool kBuild>
class Reader {
public:
    // What a value is read into: a Value when building, nothing otherwise.
    using Out = std::conditional_t<kBuild, Value, std::nullptr_t>;

    Reader(std::string_view text, std::size_t max_depth) : t_(text), max_depth_(max_depth) {}

    // Exactly one value, white space around it allowed. `members` (Reader<false> only) receives
    // the top-level members; the root must then be an object.
    bool document(Out* out, std::vector<RawMember>* members) {
        skip_ws();
        if (members != nullptr && (i_ >= t_.size() || t_[i_] != '{')) return syntax("the text must be one JSON object");
        Kind kind = Kind::literal;
        if (members != nullptr ? !object(1, out, members) : !value(0, kind, out)) return false;
        skip_ws();
        return i_ == t_.size() || syntax(members != nullptr ? "text after the object" : "text after the value");
    }
    const Error& error() const { return error_; }

private:
    // The refusals and the string reader are kept out of line: value(), array() and object()
    // recurse once per nesting level, so their frames stay small (a string temporary or a Value
    // in each would multiply by the depth; on a Cortex-M this is the parser's stack).
    [[gnu::noinline]] bool syntax(const char* why) {
        error_ = refused("json.syntax", why, i_);
        return false;
    }
    [[gnu::noinline]] bool string(Out* out) {
        if constexpr (kBuild) {
            std::string text;
            if (!read_string(t_, i_, &text, error_)) return false;
            out->become_string(std::move(text));
            return true;
        } else {
            return read_string(t_, i_, nullptr, error_);
        }
    }
    void skip_ws() {
        while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
    }
    bool digits() {  // one or more
        const std::size_t start = i_;
        while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
        return i_ > start || syntax("a digit is expected");
    }
    [[gnu::noinline]] bool number(Out* out) {
        const std::size_t start = i_;
        if (t_[i_] == '-') ++i_;
        if (i_ < t_.size() && t_[i_] == '0') {
            ++i_;
        } else if (!digits()) {
            return false;
        }
        if (i_ < t_.size() && t_[i_] == '.') {
            ++i_;
            if (!digits()) return false;
        }
        if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
            ++i_;
            if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
            if (!digits()) return false;
        }
        if constexpr (kBuild) {
            // I-JSON (RFC 7493): numbers stay within IEEE 754 double range; nlohmann refused these too.
            if (Value::number_beyond_double(t_.substr(start, i_ - start))) {
                error_ = refused("json.number", "a number beyond the range of a double", start);
                return false;
            }
            *out = Value::from_number_text(t_.substr(start, i_ - start));
        }
        return true;
    }
    [[gnu::noinline]] bool literal(Out* out) {
        static constexpr std::string_view kWords[] = {"true", "false", "null"};
        for (std::size_t k = 0; k < 3; ++k) {
            if (t_.substr(i_, kWords[k].size()) == kWords[k]) {
                i_ += kWords[k].size();
                if constexpr (kBuild) {
                    if (k < 2) *out = Value(k == 0);
                }
                return true;
            }
        }
        return syntax("unexpected character");
    }
    bool value(std::size_t depth, Kind& kind, Out* out) {
        skip_ws();
        if (i_ >= t_.size()) return syntax("a value is missing");
        const char c = t_[i_];
        if (c == '{') {
            kind = Kind::object;
            return object(depth + 1, out, nullptr);
        }
        if (c == '[') {
            kind = Kind::array;
            return array(depth + 1, out);
        }
        if (c == '"') {
            kind = Kind::string;
            return string(out);
        }
        kind = c == '-' || (c >= '0' && c <= '9') ? Kind::number : Kind::literal;
        return kind == Kind::number ? number(out) : literal(out);
    }
    bool too_deep(std::size_t depth) { return depth > max_depth_ && refuse_depth(); }
    [[gnu::noinline]] bool refuse_depth() {
        error_ = refused("json.depth", "nesting deeper than " + std::to_string(max_depth_) + " levels", i_,
                         clamp32(max_depth_));
        return true;
    }
    bool array(std::size_t depth, Out* out) {
        if (too_deep(depth)) return false;
        if constexpr (kBuild) out->become(Value::Type::array);
        ++i_;
        skip_ws();
        if (i_ < t_.size() && t_[i_] == ']') {
            ++i_;
            return true;
        }
        for (;;) {
            Kind kind = Kind::literal;
            Out* slot = nullptr;
            if constexpr (kBuild) {
                out->push_back(Value());
                slot = &out->back();  // the array grows no further while its element is read
            }
            if (!value(depth, kind, slot)) return false;
            skip_ws();
            if (i_ < t_.size() && t_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < t_.size() && t_[i_] == ']') {
                ++i_;
                return true;
            }
            return syntax("',' or ']' is expected in an array");
        }
    }
    bool object(std::size_t depth, Out* out, std::vector<RawMember>* members) {
        if (too_deep(depth)) return false;
        if constexpr (kBuild) out->become(Value::Type::object);
        ++i_;
        skip_ws();
        if (i_ < t_.size() && t_[i_] == '}') {
            ++i_;
            return true;
        }
        for (;;) {
            skip_ws();
            if (i_ >= t_.size() || t_[i_] != '"') return syntax("a member name (a string) is expected");
            std::string name;
            if (!read_string(t_, i_, (kBuild || members != nullptr) ? &name : nullptr, error_)) return false;
            skip_ws();
            if (i_ >= t_.size() || t_[i_] != ':') return syntax("':' is expected after a member name");
            ++i_;
            skip_ws();
            const std::size_t start = i_;
            Kind kind = Kind::literal;
            Out* slot = nullptr;
            if constexpr (kBuild) slot = &out->append_member(std::move(name));  // no other member is added while it is read
            if (!value(depth, kind, slot)) return false;
            if (members != nullptr && !collect(*members, std::move(name), kind, start)) return false;
            skip_ws();
            if (i_ < t_.size() && t_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < t_.size() && t_[i_] == '}') {
                ++i_;
                if constexpr (kBuild) out->sort_members();  // a repeated name: the last one wins
                return true;
            }
            return syntax("',' or '}' is expected in an object");
        }
    }
    [[gnu::noinline]] bool collect(std::vector<RawMember>& members, std::string&& name, Kind kind, std::size_t start) {
        if (members.size() == kMaxTopMembers) {
            error_ = refused("json.members", "more than " + std::to_string(kMaxTopMembers) + " members", start,
                             static_cast<std::uint32_t>(kMaxTopMembers));
            return false;
        }
        for (const RawMember& m : members) {
            if (m.name == name) {
                // The name is not quoted: text from the peer may echo what it was sent.
                error_ = refused("json.duplicate", "a member name appears twice", start);
                return false;
            }
        }
        members.push_back(RawMember{std::move(name), kind, t_.substr(start, i_ - start)});
        return true;
    }

    std::string_view t_;
    std::size_t max_depth_;
    std::size_t i_ = 0;
    Error error_;
};

}  // namespace iotlite::json::detail

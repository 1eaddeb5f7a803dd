// iotlite::json::Value — the JSON document type of the services (shadow, Jobs, Fleet
// Provisioning), of the firmware's stored identity and of the CLI's JSON inputs.
//
// Why our own: the services need a DOM (merge, delta, validation), and nlohmann/json's costs
// ≈ 30 KB of wasm code and a red-black tree per object. This one is a value with a sorted vector of
// members, parsed by core's one RFC 8259 reader (src/json/reader.hpp, shared with the Cognito
// scanner) and written compactly, as AWS counts document sizes.
//
// Semantics (chosen to be those of nlohmann/json, which it replaced):
//   - object members are kept sorted by name (bytewise), so dump() writes them in that order;
//     a name given twice in parsed text keeps the last value;
//   - a number is an integer (negative, int64), an unsigned integer (non-negative, uint64) or a
//     floating number; integers out of those ranges are floating numbers; a floating number
//     parsed from text is written back as that text ("1.50" stays "1.50"); numbers compare by
//     their exact decimal value (1 == 1.0 == 10e-1);
//   - iterating an object or an array visits its values; an iterator also has key() (objects);
//     scalars and null have no elements;
//   - operator[](name) on null makes an object, push_back() on null makes an array.
// Never throws and never aborts: a read of the wrong type gives the type's empty value
// (get<std::string>() of a number is "", get<int>() of 2.5 is 0), so callers check types first.
// Only get<double>() and Value(double) use the C library's strtod/snprintf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::json {

namespace detail {
template <bool kBuild>
class Reader;
}

class Value {
public:
    enum class Type : std::uint8_t { null, boolean, integer, unsigned_integer, floating, string, array, object };
    struct Member;

    template <bool kConst>
    class Iter {
    public:
        using M = std::conditional_t<kConst, const Member, Member>;
        using V = std::conditional_t<kConst, const Value, Value>;
        explicit Iter(M* at = nullptr) : at_(at) {}
        V& operator*() const { return at_->value; }
        V* operator->() const { return &at_->value; }
        V& value() const { return at_->value; }
        const std::string& key() const { return at_->key; }  // "" for an array element
        Iter& operator++() {
            ++at_;
            return *this;
        }
        bool operator==(const Iter& other) const { return at_ == other.at_; }
        bool operator!=(const Iter& other) const { return at_ != other.at_; }

    private:
        M* at_;
    };
    using iterator = Iter<false>;
    using const_iterator = Iter<true>;

    Value() = default;
    Value(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): JSON literals read naturally
    Value(bool b) : type_(Type::boolean) { n_.b = b; }  // NOLINT
    template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
    Value(T n) {  // NOLINT
        if constexpr (std::is_signed_v<T>) {
            if (n < 0) {
                type_ = Type::integer;
                n_.i = n;
                return;
            }
        }
        type_ = Type::unsigned_integer;
        n_.u = static_cast<std::uint64_t>(n);
    }
    Value(double d);  // NOLINT; not finite: null
    Value(std::string s) : type_(Type::string), text_(std::move(s)) {}  // NOLINT
    Value(std::string_view s) : Value(std::string(s)) {}                 // NOLINT
    Value(const char* s) : Value(std::string(s)) {}                      // NOLINT

    Value(const Value&);
    Value(Value&&) noexcept;
    Value& operator=(const Value&);
    Value& operator=(Value&&) noexcept;
    ~Value();

    static Value object();
    static Value array();

    Type type() const { return type_; }
    bool is_null() const { return type_ == Type::null; }
    bool is_boolean() const { return type_ == Type::boolean; }
    bool is_number() const { return type_ >= Type::integer && type_ <= Type::floating; }
    bool is_number_integer() const { return type_ == Type::integer || type_ == Type::unsigned_integer; }
    bool is_number_unsigned() const { return type_ == Type::unsigned_integer; }
    bool is_number_float() const { return type_ == Type::floating; }
    bool is_string() const { return type_ == Type::string; }
    bool is_array() const { return type_ == Type::array; }
    bool is_object() const { return type_ == Type::object; }
    bool is_structured() const { return is_array() || is_object(); }

    // The string's text ("" when not a string), without a copy.
    std::string_view str() const { return type_ == Type::string ? std::string_view(text_) : std::string_view(); }
    // The value as T: std::string, bool, an integer type or a floating type (see the top).
    template <typename T>
    T get() const {
        if constexpr (std::is_same_v<T, std::string>) {
            return std::string(str());
        } else if constexpr (std::is_same_v<T, bool>) {
            return type_ == Type::boolean && n_.b;
        } else if constexpr (std::is_floating_point_v<T>) {
            return static_cast<T>(as_double());
        } else {
            static_assert(std::is_integral_v<T>, "get<T>: T is std::string, bool or a number type");
            if (type_ == Type::unsigned_integer) return static_cast<T>(n_.u);
            if (type_ == Type::integer) return static_cast<T>(n_.i);
            return T{};  // not an integer (a floating number included)
        }
    }

    // Elements of an array or members of an object; 0 for null, 1 for a scalar.
    std::size_t size() const;
    bool empty() const { return size() == 0; }
    iterator begin();
    iterator end();
    const_iterator begin() const;
    const_iterator end() const;

    // Objects: the member called `name` (end() when absent or not an object).
    iterator find(std::string_view name);
    const_iterator find(std::string_view name) const;
    bool contains(std::string_view name) const { return find(name) != end(); }
    // The member called `name`, added as null when absent (null becomes an object first; any
    // other non-object is replaced by an empty object).
    Value& operator[](std::string_view name);
    // The member called `name`; a null value when absent or not an object.
    const Value& operator[](std::string_view name) const;
    // Removes the member called `name`; how many were removed (0 or 1).
    std::size_t erase(std::string_view name);

    // Arrays (null becomes an array first; any other non-array is replaced by an empty array).
    void push_back(Value value);
    Value& back();
    const Value& back() const;
    const Value& operator[](std::size_t index) const;

    // Compact JSON (no white space), members in name order. Strings are written as valid UTF-8:
    // a byte that is not (only an application-built string can hold one) becomes U+FFFD.
    std::string dump() const;

    friend bool operator==(const Value& a, const Value& b);
    friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

private:
    template <bool>
    friend class detail::Reader;
    // A number token the reader has checked against the grammar.
    static Value from_number_text(std::string_view text);
    // True when such a token rounds to infinity as a double (I-JSON, RFC 7493, refuses it).
    static bool number_beyond_double(std::string_view text);

    // The reader appends an object's members as they come and sorts them once at its end
    // (O(n log n) whatever the order; a repeated name keeps its last value).
    Value& append_member(std::string key);
    void sort_members();
    // An empty array or object, or a string, in place (no temporary in the reader's frames).
    void become(Type type) { type_ = type; }
    void become_string(std::string text) {
        type_ = Type::string;
        text_ = std::move(text);
    }
    // The text of a number (an integer written out).
    std::string number_text() const;
    double as_double() const;
    void write(std::string& out) const;

    Type type_ = Type::null;
    union {
        bool b;
        std::int64_t i;
        std::uint64_t u;
    } n_{};
    std::string text_;              // a string, or a floating number's JSON text
    std::vector<Member> members_;  // array elements (no key) or object members (sorted by key)
};

struct Value::Member {
    std::string key;
    Value value;
};

inline Value::iterator Value::begin() { return iterator(members_.data()); }
inline Value::iterator Value::end() { return iterator(members_.data() + members_.size()); }
inline Value::const_iterator Value::begin() const { return const_iterator(members_.data()); }
inline Value::const_iterator Value::end() const { return const_iterator(members_.data() + members_.size()); }
inline Value& Value::back() { return members_.back().value; }
inline const Value& Value::back() const { return members_.back().value; }
inline const Value& Value::operator[](std::size_t index) const { return members_[index].value; }

// Parses one JSON text (RFC 8259; white space around it allowed) nesting at most `max_depth`
// objects and arrays. Errc::protocol_error with the rule ("json.syntax", "json.string" with the
// byte offset; "json.depth" with the limit; "json.number" for a number beyond the range of a
// double, refused as I-JSON, RFC 7493, asks) and a message that quotes none of the text.
Result<Value> parse(std::string_view text, std::size_t max_depth);

}  // namespace iotlite::json

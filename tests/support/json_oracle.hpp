// core's json::Value as an nlohmann::json, so that a test compares what core read with what
// nlohmann/json (an independent parser) reads from the same text. Recursive: for documents whose
// depth is already bounded (core's parse refuses deeper ones).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "iotlite/json/value.hpp"

namespace iotlite::test {

inline nlohmann::json as_oracle(const json::Value& v) {
    if (v.is_null()) return nullptr;
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) return v.get<double>();
    if (v.is_string()) return v.get<std::string>();
    nlohmann::json out = v.is_object() ? nlohmann::json::object() : nlohmann::json::array();
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (v.is_object()) out[it.key()] = as_oracle(it.value());
        else out.push_back(as_oracle(it.value()));
    }
    return out;
}

}  // namespace iotlite::test

#include "iotlite/services/shadow/mirror.hpp"

namespace iotlite::shadow {
namespace {

// The section's object, or nullptr (no function-local static: no guard or atexit on firmware).
const Json* section(const Json& state, const char* key) {
    if (!state.is_object()) return nullptr;
    const auto it = state.find(key);
    return it == state.end() || !it->is_object() ? nullptr : &*it;
}

// Merges one section of an update into the mirror's copy. A null section clears it (AWS:
// "desired": null removes the whole desired state).
void merge_section(Json& target, const Json& state, const char* key) {
    if (!state.is_object()) return;
    const auto it = state.find(key);
    if (it == state.end()) return;
    if (it->is_null()) target = Json::object();
    else merge_state(target, *it);
    if (!target.is_object()) target = Json::object();
}

}  // namespace

bool Mirror::newer(const Document& doc, bool allow_equal) const {
    if (!version_) return true;
    if (!doc.version) return false;
    return allow_equal ? *doc.version >= *version_ : *doc.version > *version_;
}

void Mirror::replace(const Document& doc) {
    const Json* d = section(doc.state, "desired");
    const Json* r = section(doc.state, "reported");
    desired_ = d != nullptr ? *d : Json::object();
    reported_ = r != nullptr ? *r : Json::object();
    if (doc.version) version_ = doc.version;
    exists_ = true;
}

bool Mirror::apply_get(const Document& doc) {
    if (!newer(doc, false)) return false;
    replace(doc);
    return true;
}

bool Mirror::apply_update(const Document& doc) {
    if (!newer(doc, false)) return false;
    merge_section(desired_, doc.state, "desired");
    merge_section(reported_, doc.state, "reported");
    if (doc.version) version_ = doc.version;
    exists_ = true;
    return true;
}

bool Mirror::apply_delta(const Document& doc) {
    if (!newer(doc, false)) return false;
    if (doc.state.is_object()) merge_state(desired_, doc.state);
    if (doc.version) version_ = doc.version;
    exists_ = true;
    return true;
}

bool Mirror::apply_current(const Document& current) {
    if (!newer(current, true)) return false;
    replace(current);
    return true;
}

bool Mirror::apply_delete(const Document& doc) {
    if (version_ && doc.version && *doc.version < *version_) return false;
    clear();
    return true;
}

void Mirror::clear() {
    desired_ = Json::object();
    reported_ = Json::object();
    version_.reset();
    exists_ = false;
}

}  // namespace iotlite::shadow

// iotlite::shadow::Mirror — the device-side copy of one shadow.
//
// Fed with what the service publishes (get/update/delete accepted, delta, documents), applied in
// version order: a message whose version is not newer than the mirror's is stale and ignored
// (messages arrive on several topics and can be reordered or repeated). One exception: a
// /documents "current" with the mirror's own version is applied, because it is the complete
// state at that version while an /update/accepted or /delta of that version is only a part.
// Messages without a version are applied only while the mirror has no version yet.
#pragma once

#include <cstdint>
#include <optional>

#include "iotlite/services/shadow/document.hpp"

namespace iotlite::shadow {

class Mirror {
public:
    // What the mirror holds. desired/reported are objects (possibly empty).
    const Json& desired() const { return desired_; }
    const Json& reported() const { return reported_; }
    // desired members that reported does not match (compute_delta), i.e. work left for the device.
    Json delta() const { return compute_delta(desired_, reported_); }
    std::optional<std::uint64_t> version() const { return version_; }
    // True once a document was applied and the shadow was not deleted since.
    bool exists() const { return exists_; }
    // Bytes counted against the 8 KB limit (state_size of desired and reported).
    std::size_t size() const { return state_size(desired_, reported_); }

    // Each returns true when applied, false when stale (and ignored).
    // get/accepted: replaces everything.
    bool apply_get(const Document& doc);
    // update/accepted: merges desired/reported (null removes a key).
    bool apply_update(const Document& doc);
    // update/delta: merges the delta into desired.
    bool apply_delta(const Document& doc);
    // update/documents "current": replaces everything (also at an equal version).
    bool apply_current(const Document& current);
    // delete/accepted: clears the state; the version is forgotten so that a re-created shadow,
    // whatever version it restarts at, is applied.
    bool apply_delete(const Document& doc);

    void clear();

private:
    bool newer(const Document& doc, bool allow_equal) const;
    void replace(const Document& doc);

    Json desired_ = Json::object();
    Json reported_ = Json::object();
    std::optional<std::uint64_t> version_;
    bool exists_ = false;
};

}  // namespace iotlite::shadow

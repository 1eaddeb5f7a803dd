#include "iotlite/firmware/device_identity.hpp"

#include "iotlite/firmware/device_key.hpp"

namespace iotlite::firmware {
namespace {

constexpr const char* kKey = "private.key";
constexpr const char* kCertificate = "certificate.pem";
constexpr const char* kThing = "thing.json";

Error corrupt([[maybe_unused]] const std::string& what) {
    return make_error(Errc::protocol_error, IOTLITE_TEXT("stored identity: " + what));
}

// A string member of thing.json ("" when absent).
Result<std::string> member(const shadow::Json& doc, const char* name, bool required) {
    const auto it = doc.find(name);
    if (it == doc.end() || it->is_null()) {
        if (required) return corrupt(std::string("thing.json has no \"") + name + "\"");
        return std::string();
    }
    if (!it->is_string()) return corrupt(std::string("thing.json's \"") + name + "\" is not a string");
    return it->get<std::string>();
}

}  // namespace

DeviceIdentity::~DeviceIdentity() { wipe_secret(private_key_pem); }

std::string DeviceIdentity::thing_json() const {
    shadow::Json doc = shadow::Json::object();
    doc["thingName"] = thing_name;
    doc["certificateId"] = certificate_id;
    doc["template"] = template_name;
    doc["deviceConfiguration"] = device_configuration.is_object() ? device_configuration : shadow::Json::object();
    return shadow::to_compact(doc);
}

Result<void> save_identity(Storage& storage, const DeviceIdentity& identity) {
    if (identity.thing_name.empty() || identity.certificate_pem.empty() || identity.private_key_pem.empty())
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("save_identity: the thing name, certificate and key are all needed"));
    Result<void> ok = storage.write(kKey, identity.private_key_pem, true);
    if (ok) ok = storage.write(kCertificate, identity.certificate_pem, false);
    if (ok) ok = storage.write(kThing, identity.thing_json() + "\n", false);
    return ok;
}

Result<std::optional<DeviceIdentity>> load_identity(Storage& storage) {
    Result<std::string> thing = storage.read(kThing);
    if (!thing) {
        if (thing.error().code == Errc::invalid_state) return std::optional<DeviceIdentity>();
        return thing.error();
    }
    auto doc = shadow::parse_json(thing.value());
    if (!doc || !doc.value().is_object()) return corrupt("thing.json is not a JSON object");
    std::optional<DeviceIdentity> out(std::in_place);
    auto name = member(doc.value(), "thingName", true);
    if (!name) return name.error();
    if (name.value().empty()) return corrupt("thing.json's \"thingName\" is empty");
    out->thing_name = std::move(name.value());
    auto id = member(doc.value(), "certificateId", false);
    if (!id) return id.error();
    out->certificate_id = std::move(id.value());
    auto tmpl = member(doc.value(), "template", false);
    if (!tmpl) return tmpl.error();
    out->template_name = std::move(tmpl.value());
    const auto config = doc.value().find("deviceConfiguration");
    if (config != doc.value().end() && config->is_object()) out->device_configuration = *config;
    Result<std::string> certificate = storage.read(kCertificate);
    if (!certificate) return certificate.error().code == Errc::invalid_state ? corrupt("certificate.pem is missing") : certificate.error();
    out->certificate_pem = std::move(certificate.value());
    Result<std::string> key = storage.read(kKey);
    if (!key) return key.error().code == Errc::invalid_state ? corrupt("private.key is missing") : key.error();
    out->private_key_pem = std::move(key.value());
    wipe_secret(key.value());
    return out;
}

}  // namespace iotlite::firmware

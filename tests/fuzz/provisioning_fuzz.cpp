// libFuzzer target: the Fleet Provisioning client fed hostile answers.
//
// A real mqtt::Client is driven to `connected` (CONNACK), a ProvisioningClient sits on top of it
// and every engine event is forwarded to its on_event() as a driver would. The input is a program
// of commands that interleaves the application's requests with the broker's side:
//
//   command = opcode byte, argument byte[, length byte L, L bytes of data]
//   opcode % 11:
//     0 create_keys_and_certificate()
//     1 create_certificate_from_csr(a valid CSR, or the data)
//     2 register_thing(template, ownership token, parameters): template "fleet", "other", or the
//       data (maybe invalid); token from an accepted answer, fixed, or the data
//     3 SUBACK for a SUBSCRIBE the engine sent (all granted, one 0x80, or a wrong count)
//     4 PUBACK for a QoS 1 PUBLISH the engine sent
//     5 an answer from the broker on one of the API's response topics (create, create-from-csr,
//       provision for "fleet", "other" or a template the data names x accepted/rejected) whose
//       payload is the data raw, or a document built around it: a certificate answer whose
//       fields carry a planted marker (certificatePem up to ~70 KB, past AWS's 64 KB bound), a
//       registration, or a rejection; field kinds and lengths picked by the data
//     6 a PUBLISH on a hostile topic under $aws/certificates/ or $aws/provisioning-templates/
//     7 the clock advances (0..~20 s), on_tick() on both
//     8 the transport drops (the engine reconnects; CONNACK with session present or not)
//     9 a forged engine event straight to on_event() (subscribed / published / publish_failed /
//       error with a small op id)
//    10 a long pause (~20 s: timeouts, keep-alive)
//   At the end the client disconnects for good, which must fail every request still pending.
//
// Properties (a violation traps), besides no crash / UB / leak (ASan, UBSan, LeakSanitizer):
//   - every request id returned completes exactly once (accepted, rejected or failed) with the op
//     (and template) it was made for; none is left when the engine is closed; a refused call does
//     not change in_flight(), which equals the requests not completed;
//   - no error message carries the bytes of a private key, certificate or ownership token: the
//     hostile answers plant the marker kMarker in those fields (and in raw payloads), and a
//     failed event's message must not contain it; a rejection's message only where AWS's own
//     errorCode/errorMessage (which it quotes) contains it;
//   - an accepted certificate respects the API's bounds: certificateId 64 hex digits, PEM a
//     certificate of <= 64 KB, ownership token 1..8 KB, private key (CreateKeysAndCertificate
//     only) a PEM key of <= 8 KB; a registration's thing name is empty or a valid thing name and
//     its deviceConfiguration an object;
//   - a rejection is Errc::server_error with AWS's errorCode;
//   - after on_tick(now) no deadline is <= now (a driver ticking at next_deadline_ms() cannot spin).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/provisioning/provisioning_client.hpp"
#include "service_broker.hpp"

namespace mqtt = iotlite::mqtt;
namespace pv = iotlite::provisioning;

namespace {

using iotlite_fuzz::check;

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
// '.' is outside template and thing names: the marker can only reach a message as field bytes.
constexpr std::string_view kMarker = "S3CR3T.KEY.BYTES";
const char* const kTemplates[] = {"fleet", "other"};

// A CSR as generate_device_key makes them (validate_csr only reads its PEM armour and size).
constexpr const char* kCsr =
    "-----BEGIN CERTIFICATE REQUEST-----\n"
    "MIHUMHwCAQAwGjEYMBYGA1UEAwwPZnV6ei1kZXZpY2UtMDAxMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD\n"
    "-----END CERTIFICATE REQUEST-----\n";

struct Pending {
    pv::Operation op;
    std::string template_name;
};

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

// A JSON string literal of `text` (quotes and control bytes escaped).
std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

class Harness {
public:
    Harness() {
        mqtt::Config config;
        config.client_id = "fuzz-provisioning";
        config.keep_alive_s = 30;
        config.reconnect.min_delay_ms = 1000;
        config.reconnect.max_delay_ms = 4000;
        config.max_inbound_packet = 128 * 1024;  // room for a certificatePem past its 64 KB bound
        auto client = mqtt::Client::create(config);
        check(client.ok());
        client_ = std::move(client.value());
        pv::ProvisioningConfig pc;
        pc.request_timeout_ms = 5000;
        auto created = pv::ProvisioningClient::create(*client_, pc);
        check(created.ok());
        prov_ = std::move(created.value());
        iotlite_fuzz::ServiceBroker::Hooks hooks;
        hooks.event = [this](const mqtt::Event& ev) {
            (void)prov_->on_event(ev, now_);
            drain();
        };
        hooks.settled = [this] {
            drain();
            check(prov_->in_flight() == pending_.size());
        };
        broker_ = std::make_unique<iotlite_fuzz::ServiceBroker>(*client_, now_, std::move(hooks));
        check(client_->connect(now_).ok());
        pump();
    }

    void request(std::uint8_t opcode, std::uint8_t arg, std::string_view data) {
        const std::size_t before = prov_->in_flight();
        iotlite::Result<std::uint32_t> id = iotlite::make_error(iotlite::Errc::invalid_argument, "unset");
        Pending p{pv::Operation::create_keys, ""};
        if (opcode == 0) {
            id = prov_->create_keys_and_certificate(now_);
        } else if (opcode == 1) {
            p.op = pv::Operation::create_from_csr;
            id = prov_->create_certificate_from_csr((arg & 1) != 0 ? std::string_view(kCsr) : data, now_);
        } else {
            p.op = pv::Operation::register_thing;
            p.template_name = (arg & 3) < 2 ? kTemplates[arg & 1] : std::string(data.substr(0, 40));
            std::string token;
            switch ((arg >> 2) & 3) {
                case 0: token = tokens_.empty() ? "token" : tokens_.back(); break;
                case 1: token = "token-1"; break;
                case 2: token = std::string(data); break;  // maybe empty
                default: token = std::string(kMarker); break;
            }
            pv::Parameters parameters;
            if ((arg & 0x10) != 0) parameters["SerialNumber"] = std::to_string(arg);
            if ((arg & 0x20) != 0) parameters[std::string(data.substr(0, 8))] = std::string(data.substr(std::min<std::size_t>(8, data.size())));
            id = prov_->register_thing(p.template_name, token, parameters, now_);
        }
        if (id) {
            check(pending_.count(id.value()) == 0);
            pending_[id.value()] = p;
        } else {
            check(!id.error().message.empty());
            check(prov_->in_flight() == before);
        }
        pump();
    }

    void suback(std::uint8_t arg) { broker_->suback(arg); }
    void puback(std::uint8_t arg) { broker_->puback(arg); }

    // arg: bits 0-1 the operation (create, create-from-csr, provision x2), bit 2 accepted,
    // bit 3 the template for provision, bits 4-5 the payload kind, bit 6 QoS 1, bit 7 big PEM.
    void answer(std::uint8_t arg, std::string_view data) {
        const unsigned which = arg & 3;
        const pv::Operation op = which == 0 ? pv::Operation::create_keys
                                 : which == 1 ? pv::Operation::create_from_csr
                                              : pv::Operation::register_thing;
        std::string template_name = which == 3 ? std::string(data.substr(0, 12)) : kTemplates[(arg >> 3) & 1];
        const bool accepted = (arg & 4) != 0;
        const std::string topic =
            pv::request_topic(op, template_name.empty() ? std::string_view("fleet") : std::string_view(template_name)) +
            (accepted ? "/accepted" : "/rejected");
        std::string payload;
        const std::uint8_t d0 = data.empty() ? 0 : static_cast<std::uint8_t>(data[0]);
        switch ((arg >> 4) & 3) {
            case 0: payload = std::string(data) + std::string(kMarker); break;  // raw, with the marker
            case 1: payload = certificate_answer(d0, data, (arg & 0x80) != 0); break;
            case 2: payload = registration_answer(d0, data); break;
            default: payload = rejection_answer(d0, data); break;
        }
        publish(topic, payload, (arg & 0x40) != 0);
    }

    void hostile_topic(std::uint8_t arg, std::string_view data) {
        std::string topic = (arg & 1) != 0 ? "$aws/certificates/" : "$aws/provisioning-templates/";
        topic.append(data.substr(0, 300));
        publish(topic, "{\"certificateId\":\"" + std::string(64, 'a') + "\",\"privateKey\":\"" + std::string(kMarker) + "\"}",
                (arg & 2) != 0);
    }

    void tick(std::uint8_t arg) {
        broker_->advance(arg);
        prov_->on_tick(now_);
        pump();
        const std::uint64_t next = prov_->next_deadline_ms();
        check(next == kNever || next > now_);
    }

    void drop(std::uint8_t arg) { broker_->drop(arg); }

    void forged(std::uint8_t arg) {
        (void)prov_->on_event(iotlite_fuzz::forged_event(arg, false), now_);
        drain();
    }

    // Closes the engine for good; every request still pending must fail now.
    void finish() {
        client_->disconnect(now_);
        broker_->close_transport();
        pump();
        check(client_->state() == mqtt::State::closed);
        check(prov_->in_flight() == 0);
        check(pending_.empty());
        check(prov_->next_deadline_ms() == kNever);
    }

private:
    // A field value picked by `kind`: the marker alone, the marker in a PEM, the data, a number,
    // null, or a value of `n` bytes.
    static std::string field(std::uint8_t kind, std::string_view armour, std::string_view data, std::size_t n) {
        switch (kind % 6) {
            case 0: return json_string(std::string("-----BEGIN ") + std::string(armour) + "-----\n" + std::string(kMarker) +
                                  "\n-----END " + std::string(armour) + "-----\n");
            case 1: return json_string(std::string(kMarker) + std::string(data));
            case 2: return "12345";
            case 3: return "null";
            case 4: {
                std::string body(n, 'A');
                body.replace(0, std::min(body.size(), kMarker.size()), kMarker.substr(0, std::min(body.size(), kMarker.size())));
                return json_string("-----BEGIN " + std::string(armour) + "-----\n" + body + "\n-----END " + std::string(armour) + "-----\n");
            }
            default: return "{\"x\":" + json_string(kMarker) + "}";
        }
    }

    std::string certificate_answer(std::uint8_t d0, std::string_view data, bool big) {
        // certificateId: 64 hex digits, 63/65 of them, a non-hex one, or the marker.
        std::string id(64, 'a');
        switch (d0 & 3) {
            case 0: break;
            case 1: id.resize(63 + (d0 >> 7) * 2, 'b'); break;
            case 2: id[d0 % 64] = 'g'; break;
            default: id = std::string(kMarker) + std::string(50, '0'); break;
        }
        // A PEM around the 64 KB bound when `big` (65,400..~66,300 bytes with its armour).
        const std::size_t pem_body = big ? 65400 + static_cast<std::size_t>(data.size()) * 4 : 40 + data.size();
        std::string doc = "{\"certificateId\":" + json_string(id);
        if ((d0 & 0x04) == 0) doc += ",\"certificatePem\":" + field((d0 & 0x08) != 0 ? 4 : d0 >> 4, "CERTIFICATE", data, pem_body);
        if ((d0 & 0x10) == 0) doc += ",\"privateKey\":" + field((d0 >> 5) % 2 == 0 ? 0 : d0 >> 3, "EC PRIVATE KEY", data, 9000);
        if ((d0 & 0x20) == 0) doc += ",\"certificateOwnershipToken\":" + ((d0 & 0x40) != 0 ? json_string(std::string(kMarker) + std::string(data))
                                                                                                 : field(d0 >> 2, "TOKEN", data, 8200));
        return doc + "}";
    }

    std::string registration_answer(std::uint8_t d0, std::string_view data) {
        std::string doc = "{";
        switch (d0 & 3) {
            case 0: doc += "\"thingName\":\"device-1\""; break;
            case 1: doc += "\"thingName\":" + json_string(std::string(data) + std::string(kMarker)); break;
            case 2: doc += "\"thingName\":null"; break;
            default: doc += "\"thingName\":7"; break;
        }
        switch ((d0 >> 2) & 3) {
            case 0: doc += ",\"deviceConfiguration\":{\"k\":" + json_string(data) + "}"; break;
            case 1: doc += ",\"deviceConfiguration\":" + json_string(kMarker); break;
            case 2: doc += ",\"deviceConfiguration\":null"; break;
            default: break;
        }
        return doc + "}";
    }

    std::string rejection_answer(std::uint8_t d0, std::string_view data) {
        std::string doc = "{";
        switch (d0 & 3) {
            case 0: doc += "\"statusCode\":400"; break;
            case 1: doc += "\"statusCode\":\"400\""; break;
            case 2: doc += "\"statusCode\":-9223372036854775808"; break;
            default: doc += "\"statusCode\":1e300"; break;
        }
        if ((d0 & 4) == 0) doc += ",\"errorCode\":" + ((d0 & 8) != 0 ? json_string(data) : std::string("\"InvalidParameters\""));
        if ((d0 & 16) == 0) doc += ",\"errorMessage\":" + ((d0 & 32) != 0 ? json_string(data) : std::string("7"));
        // A private key where no rejection carries one: never quoted into the error.
        if ((d0 & 64) != 0) doc += ",\"privateKey\":" + json_string(kMarker);
        return doc + "}";
    }

    void publish(const std::string& topic, const std::string& payload, bool qos1) { broker_->publish(topic, payload, qos1); }
    void pump() { broker_->pump(); }

    void drain() {
        pv::ProvisioningEvent ev;
        while (prov_->poll_event(ev)) {
            const auto it = pending_.find(ev.request_id);
            check(it != pending_.end());  // completes once, and only ids we were given
            check(it->second.op == ev.op);
            if (ev.op == pv::Operation::register_thing) check(ev.template_name == it->second.template_name);
            switch (ev.type) {
                case pv::ProvisioningEvent::Type::accepted:
                    if (ev.op == pv::Operation::register_thing) check_registration(ev.registration);
                    else check_certificate(ev.op, ev.certificate);
                    break;
                case pv::ProvisioningEvent::Type::rejected:
                    check(ev.error.code == iotlite::Errc::server_error);
                    if (contains(ev.error.message, kMarker))  // only as AWS's own words, quoted
                        check(contains(ev.rejection.error_code, kMarker) || contains(ev.rejection.error_message, kMarker));
                    break;
                case pv::ProvisioningEvent::Type::failed:
                    check(ev.error.code != iotlite::Errc::ok);
                    check(!ev.error.message.empty());
                    check(!contains(ev.error.message, kMarker));
                    break;
            }
            pending_.erase(it);
            ev = pv::ProvisioningEvent{};
        }
    }

    void check_certificate(pv::Operation op, const pv::Certificate& c) {
        check(c.certificate_id.size() == pv::limits::certificate_id_chars);
        for (char ch : c.certificate_id)
            check((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'));
        check(!c.certificate_pem.empty() && c.certificate_pem.size() <= pv::limits::max_certificate_pem_bytes);
        check(contains(c.certificate_pem, "-----BEGIN CERTIFICATE-----"));
        check(!c.ownership_token.empty() && c.ownership_token.size() <= pv::limits::max_ownership_token_bytes);
        if (op == pv::Operation::create_keys) {
            check(contains(c.private_key, "PRIVATE KEY-----") && c.private_key.size() <= pv::limits::max_private_key_bytes);
        } else {
            check(c.private_key.empty());  // CreateCertificateFromCsr: the key stays on the device
        }
        if (tokens_.size() >= 4) tokens_.pop_front();
        tokens_.push_back(c.ownership_token);
    }

    static void check_registration(const pv::Registration& r) {
        check(r.device_configuration.is_object());
        if (r.thing_name.empty()) return;
        check(r.thing_name.size() <= 128);
        for (char ch : r.thing_name)
            check((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == ':' || ch == '_' || ch == '-');
    }

    std::unique_ptr<mqtt::Client> client_;
    std::unique_ptr<pv::ProvisioningClient> prov_;
    std::unique_ptr<iotlite_fuzz::ServiceBroker> broker_;
    std::uint64_t now_ = 1000;
    std::deque<std::string> tokens_;
    std::map<std::uint32_t, Pending> pending_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Harness h;
    std::size_t pos = 0;
    int commands = 0;
    while (pos + 2 <= size && commands++ < 256) {
        const std::uint8_t opcode = data[pos] % 11;
        const std::uint8_t arg = data[pos + 1];
        pos += 2;
        std::string_view chunk;
        const bool with_data = opcode <= 2 || opcode == 5 || opcode == 6;
        if (with_data && pos < size) {
            const std::size_t n = std::min<std::size_t>(data[pos], size - pos - 1);
            chunk = std::string_view(reinterpret_cast<const char*>(data + pos + 1), n);
            pos += 1 + n;
        }
        switch (opcode) {
            case 0:
            case 1:
            case 2: h.request(opcode, arg, chunk); break;
            case 3: h.suback(arg); break;
            case 4: h.puback(arg); break;
            case 5: h.answer(arg, chunk); break;
            case 6: h.hostile_topic(arg, chunk); break;
            case 7: h.tick(arg); break;
            case 8: h.drop(arg); break;
            case 9: h.forged(arg); break;
            default: h.tick(0xff); break;
        }
    }
    h.finish();
    return 0;
}

#include "sts_response.hpp"

#include "iotlite/connection/http_status.hpp"

namespace iotlite::cli {

namespace {

// The text inside the first <name>...</name> (or <name attr="...">) in `xml`; `found` false when
// there is none. A self-closing <name/> is found with an empty text.
std::string_view element(std::string_view xml, std::string_view name, bool& found) {
    found = false;
    std::size_t from = 0;
    while (from < xml.size()) {
        const std::size_t lt = xml.find('<', from);
        if (lt == std::string_view::npos || lt + 1 + name.size() > xml.size()) return {};
        from = lt + 1;
        if (xml.compare(lt + 1, name.size(), name) != 0) continue;
        const std::size_t after = lt + 1 + name.size();
        if (after >= xml.size()) return {};
        const char c = xml[after];
        if (c != '>' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '/') continue;
        const std::size_t gt = xml.find('>', after);
        if (gt == std::string_view::npos) return {};
        if (xml[gt - 1] == '/') {
            found = true;
            return {};
        }
        const std::string close = "</" + std::string(name) + ">";
        const std::size_t end = xml.find(close, gt + 1);
        if (end == std::string_view::npos) return {};
        found = true;
        return xml.substr(gt + 1, end - gt - 1);
    }
    return {};
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// Decodes &amp; &lt; &gt; &quot; &apos; &#NN; &#xNN; (ASCII only). false on anything else
// (an unknown entity, markup inside the value, a control character).
bool decode_text(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '<') return false;
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
        if (c != '&') {
            out += c;
            continue;
        }
        const std::size_t semi = in.find(';', i);
        if (semi == std::string_view::npos || semi - i > 8) return false;
        const std::string_view entity = in.substr(i + 1, semi - i - 1);
        if (entity == "amp") out += '&';
        else if (entity == "lt") out += '<';
        else if (entity == "gt") out += '>';
        else if (entity == "quot") out += '"';
        else if (entity == "apos") out += '\'';
        else if (entity.size() >= 2 && entity[0] == '#') {
            const bool hex = entity[1] == 'x' || entity[1] == 'X';
            const std::string_view digits = entity.substr(hex ? 2 : 1);
            if (digits.empty()) return false;
            unsigned value = 0;
            for (char d : digits) {
                unsigned v = 0;
                if (d >= '0' && d <= '9') v = static_cast<unsigned>(d - '0');
                else if (hex && d >= 'a' && d <= 'f') v = static_cast<unsigned>(d - 'a' + 10);
                else if (hex && d >= 'A' && d <= 'F') v = static_cast<unsigned>(d - 'A' + 10);
                else return false;
                value = value * (hex ? 16 : 10) + v;
            }
            if (value < 0x20 || value > 0x7e) return false;
            out += static_cast<char>(value);
        } else {
            return false;
        }
        i = semi;
    }
    return true;
}

// Printable ASCII of an error text, at most `max_bytes` (+ "..."), with every `redact` string
// removed. Code and Message together stay well inside one line of an error (< 512 bytes).
std::string shown(std::string_view raw, const std::vector<std::string>& redact, std::size_t max_bytes) {
    std::string decoded;
    if (!decode_text(trim(raw), decoded)) decoded = "(unreadable)";
    for (const std::string& secret : redact) {
        if (secret.empty()) continue;
        for (std::size_t at = decoded.find(secret); at != std::string::npos; at = decoded.find(secret, at)) {
            decoded.replace(at, secret.size(), "<redacted>");
        }
    }
    std::string out;
    for (char c : decoded) {
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return out;
}

Error shape_error(const char* what) {
    return make_error(Errc::protocol_error, std::string("STS AssumeRole: the answer has no ") + what);
}

}  // namespace

Result<connection::TimedCredentials> parse_assume_role_response(int status, std::string_view body,
                                                                 const std::vector<std::string>& redact) {
    if (body.size() > kStsMaxAnswerBytes) {
        return make_error(Errc::limit_exceeded, "STS AssumeRole: the answer is over " +
                                                    std::to_string(kStsMaxAnswerBytes) + " bytes (iotlite's bound)");
    }
    if (status < 200 || status > 299) {
        std::string text = "STS AssumeRole: HTTP " + std::to_string(status);
        bool found = false;
        const std::string_view error_xml = element(body, "Error", found);
        if (found) {
            bool has_code = false;
            bool has_message = false;
            const std::string_view code = element(error_xml, "Code", has_code);
            const std::string_view message = element(error_xml, "Message", has_message);
            if (has_code) text += " " + shown(code, redact, kStsMaxErrorCodeBytes);
            if (has_message) text += ": " + shown(message, redact, kStsMaxErrorTextBytes);
        }
        const auto http = static_cast<std::uint16_t>(status >= 100 && status <= 599 ? status : 500);
        return make_error(connection::errc_for_http_status(http), text, http);
    }
    bool found = false;
    const std::string_view result = element(body, "AssumeRoleResult", found);
    if (!found) return shape_error("<AssumeRoleResult>");
    const std::string_view credentials = element(result, "Credentials", found);
    if (!found) return shape_error("<Credentials> in <AssumeRoleResult>");

    connection::TimedCredentials out;
    struct Field {
        const char* name;
        std::string* into;
        std::size_t max;
    };
    std::string expiration;
    const Field fields[] = {{"AccessKeyId", &out.credentials.access_key_id, kStsMaxKeyIdBytes},
                            {"SecretAccessKey", &out.credentials.secret_access_key, kStsMaxSecretBytes},
                            {"SessionToken", &out.credentials.session_token, kStsMaxTokenBytes},
                            {"Expiration", &expiration, 64}};
    for (const Field& f : fields) {
        const std::string_view raw = trim(element(credentials, f.name, found));
        const std::string label = std::string("<") + f.name + ">";
        if (!found || raw.empty()) return shape_error((label + " in <Credentials>").c_str());
        if (raw.size() > f.max * 6) {  // an entity is at most 6 bytes per character decoded
            return make_error(Errc::limit_exceeded, "STS AssumeRole: " + label + " is over " + std::to_string(f.max) +
                                                        " bytes (iotlite's bound)");
        }
        if (!decode_text(raw, *f.into)) {
            return make_error(Errc::protocol_error, "STS AssumeRole: " + label + " holds markup, a control character or an unknown entity");
        }
        if (f.into->size() > f.max) {
            return make_error(Errc::limit_exceeded, "STS AssumeRole: " + label + " is over " + std::to_string(f.max) +
                                                        " bytes (iotlite's bound)");
        }
        for (char c : *f.into) {
            if (c == ' ') {
                return make_error(Errc::protocol_error, "STS AssumeRole: " + label + " contains a space");
            }
        }
    }
    Result<std::int64_t> at = connection::parse_expiration(expiration);
    if (!at.ok()) {
        return make_error(Errc::protocol_error, "STS AssumeRole: <Expiration>: not ISO 8601 (2026-01-01T00:00:00Z)");
    }
    out.expiration_ms = at.value();
    return out;
}

}  // namespace iotlite::cli

// libFuzzer target: the CLI's text parsers of mosquitto's habits (programs/cli): sub's -F format
// (MessageFormat, applied to received messages, whose topic and payload are the peer's bytes),
// pub's -l line splitter (stdin, any bytes) and the -L URL (parse_mqtt_url).
//
// Input: byte 0 = selector: bits 0-1 the parser (0 -F, 1 -l, 2 -L; 3 is -F too), bits 2-7 the
// -l line bound (1..64 bytes) and how stdin is cut into reads. The rest is the text; for -F a
// line "----" splits it into format | topic | payload.
// Checked properties (a violation traps, so libFuzzer reports it):
//   1. No crash, no UB (ASan + UBSan), no unbounded output.
//   2. -F: a refused format gets one line, under 1024 bytes, naming the option ("-F: ..."); an
//      accepted one formats the same message the same way twice, a format without specifiers
//      prints itself, and "%x" / "%X" / "%t" / "%p" print exactly the hex payload / topic /
//      payload; "%C" / "%D" / "%P" exactly the MQTT 5 content type / correlation data / user
//      property ("name:value") when the message has them, nothing otherwise.
//   3. -l: cut into any reads, the lines are the input split at '\n' (a last partial line is a
//      line); no line is over the bound; the splitter fails exactly when a line is over it.
//   4. -L: a refused URL gets one line under 1024 bytes that never holds the URL's password (a
//      password holding the marker S3CR3T: the marker never shows in the error); an
//      accepted URL's host, topic and password are pieces of it.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/properties.hpp"
#include "line_splitter.hpp"
#include "message_format.hpp"
#include "mqtt_url.hpp"

namespace cli = iotlite::cli;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

constexpr std::string_view kSplit = "\n----\n";
constexpr std::string_view kMarker = "S3CR3T";  // in the seeds' passwords

void check_error(const iotlite::Error& e) {
    check(!e.message.empty() && e.message.size() < 1024);
    check(e.message.find('\n') == std::string::npos);
}

// `text` cut at the first `count` kSplit lines (the last part takes the rest).
std::vector<std::string_view> parts(std::string_view text, std::size_t count) {
    std::vector<std::string_view> out;
    while (out.size() + 1 < count) {
        const std::size_t at = text.find(kSplit);
        if (at == std::string_view::npos) break;
        out.push_back(text.substr(0, at));
        text.remove_prefix(at + kSplit.size());
    }
    out.push_back(text);
    while (out.size() < count) out.emplace_back();
    return out;
}

std::string hex(const std::vector<std::uint8_t>& bytes, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    for (std::uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

void fuzz_format(std::string_view text) {
    const auto p = parts(text, 3);
    auto parsed = cli::MessageFormat::parse(p[0]);
    if (!parsed) {
        check_error(parsed.error());
        check(parsed.error().message.rfind("-F: ", 0) == 0);
        return;
    }
    iotlite::mqtt::Message message;
    message.topic = std::string(p[1]);
    message.payload.assign(p[2].begin(), p[2].end());
    message.qos = p[2].size() % 2 ? iotlite::mqtt::QoS::at_least_once : iotlite::mqtt::QoS::at_most_once;
    message.retain = p[1].size() % 2 == 1;
    // MQTT 5 properties (peer bytes too) on every other message: content type = the topic, one user
    // property topic:payload, correlation data = the payload.
    const bool with_properties = p[2].size() % 3 != 0;
    if (with_properties) {
        iotlite::mqtt::Properties props;
        props.set(iotlite::mqtt::PropertyId::content_type, p[1]);
        props.set(iotlite::mqtt::PropertyId::correlation_data, p[2]);
        props.user_properties.push_back({std::string(p[1]), std::string(p[2])});
        message.properties = iotlite::mqtt::PropertiesPtr(props);
    }
    const std::timespec now{1764763200, 123456789};
    std::string once;
    std::string twice;
    parsed.value().append(message, now, once);
    parsed.value().append(message, now, twice);
    check(once == twice);
    // Each format character prints at most its piece: a topic, a payload as hex, a time.
    const std::size_t per_char = message.topic.size() + 2 * message.payload.size() + 256;
    check(once.size() <= (p[0].size() + 1) * per_char);
    if (p[0].find_first_of("%@\\") == std::string_view::npos) check(once == p[0]);
    if (p[0] == "%x") check(once == hex(message.payload, false));
    if (p[0] == "%X") check(once == hex(message.payload, true));
    if (p[0] == "%t") check(once == message.topic);
    if (p[0] == "%p") check(once == std::string(p[2]));
    if (p[0] == "%C") check(once == (with_properties ? std::string(p[1]) : std::string()));
    if (p[0] == "%D") check(once == (with_properties ? std::string(p[2]) : std::string()));
    if (p[0] == "%P") check(once == (with_properties ? std::string(p[1]) + ":" + std::string(p[2]) : std::string()));
}

void fuzz_lines(std::uint8_t selector, std::string_view input) {
    const std::size_t max_line = 1 + (selector >> 2);  // 1..64
    cli::LineSplitter splitter(max_line);
    std::vector<std::string> lines;
    bool failed = false;
    // Reads of 1..8 bytes, the sizes cycling from the selector: any cut must give the same lines.
    std::size_t read = 1 + (selector >> 5);
    for (std::size_t at = 0; at < input.size() && !failed; at += read, read = 1 + (read * 5 + 3) % 8) {
        auto fed = splitter.feed(input.substr(at, read), lines);
        if (!fed) {
            check_error(fed.error());
            failed = true;
        }
    }
    // The truth: the input's lines and whether one is over the bound.
    std::vector<std::string_view> expected;
    bool over = false;
    std::string_view rest = input;
    while (true) {
        const std::size_t nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        if (line.size() > max_line) over = true;
        if (nl == std::string_view::npos) {
            if (!line.empty()) expected.push_back(line);
            break;
        }
        expected.push_back(line);
        rest.remove_prefix(nl + 1);
    }
    check(failed == over);
    for (const auto& l : lines) check(l.size() <= max_line);
    if (failed) return;
    splitter.finish(lines);
    check(lines.size() == expected.size());
    for (std::size_t i = 0; i < lines.size(); ++i) check(lines[i] == expected[i]);
    check(splitter.lines_seen() == lines.size());
}

// How many times `what` stands in `text` (the marker does not overlap itself).
std::size_t occurrences(std::string_view text, std::string_view what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

void fuzz_url(std::string_view url) {
    auto parsed = cli::parse_mqtt_url(url);
    // The password, as the URL writes it: between the ':' after the user and the '@'.
    std::string_view password;
    const std::size_t scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        const std::string_view rest = url.substr(scheme_end + 3);
        const std::size_t at = rest.find('@');
        const std::size_t slash = rest.find('/');
        if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
            const std::string_view userinfo = rest.substr(0, at);
            const std::size_t colon = userinfo.find(':');
            if (colon != std::string_view::npos) password = userinfo.substr(colon + 1);
        }
    }
    if (!parsed) {
        check_error(parsed.error());
        // A marker, not the password itself: any text may by chance repeat a fixed part of the
        // error's own wording. No error text contains the marker, so finding it means the URL's
        // password leaked, when the marker stands nowhere else in the URL (an error may quote the
        // scheme: "unsupported scheme 'mS3CR3T://'" quotes no password).
        if (password.find(kMarker) != std::string_view::npos && occurrences(url, kMarker) == occurrences(password, kMarker))
            check(parsed.error().message.find(kMarker) == std::string::npos);
        return;
    }
    const cli::MqttUrl& u = parsed.value();
    check(!u.host_port.empty());
    check(url.find(u.host_port) != std::string_view::npos);
    check(url.find(u.topic) != std::string_view::npos);
    if (u.has_password) check(url.find(u.password) != std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t selector = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (selector & 3) {
        case 1: fuzz_lines(selector, text); break;
        case 2: fuzz_url(text); break;
        default: fuzz_format(text); break;
    }
    return 0;
}

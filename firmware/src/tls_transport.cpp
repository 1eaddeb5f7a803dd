#include "iotlite/firmware/tls_transport.hpp"

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "mbedtls_error.hpp"

namespace iotlite::firmware {

namespace {

const char* alert_name(unsigned char code) {
    switch (code) {
        case 40: return "handshake_failure";
        case 42: return "bad_certificate";
        case 43: return "unsupported_certificate";
        case 44: return "certificate_revoked";
        case 45: return "certificate_expired";
        case 46: return "certificate_unknown";
        case 47: return "illegal_parameter";
        case 48: return "unknown_ca";
        case 49: return "access_denied";
        case 51: return "decrypt_error";
        case 70: return "protocol_version";
        case 80: return "internal_error";
        case 112: return "unrecognized_name";
        case 116: return "certificate_required";
        case 120: return "no_application_protocol";
        default: return "alert";
    }
}

}  // namespace

struct TlsTransport::Impl {
    std::unique_ptr<Transport> lower;
    std::shared_ptr<TlsContext> context;
    std::string hostname;
    mbedtls_ssl_context ssl;
    bool lower_open = false;
    bool handshake_done = false;
    bool failed = false;
    std::size_t pending_write = 0;  // length of a record mbedTLS still holds after WANT_WRITE
    Error error;
    bool lower_failed = false;  // the BIO saw a fatal lower-layer result; error holds it

    Impl() { mbedtls_ssl_init(&ssl); }
    ~Impl() { mbedtls_ssl_free(&ssl); }

    static int bio_send(void* ctx, const unsigned char* buf, size_t len) {
        auto* im = static_cast<Impl*>(ctx);
        std::int32_t n = im->lower->send(buf, len);
        if (n > 0) return n;
        if (n == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
        im->lower_failed = true;
        im->error = im->lower->last_error();
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    static int bio_recv(void* ctx, unsigned char* buf, size_t len) {
        auto* im = static_cast<Impl*>(ctx);
        std::int32_t n = im->lower->recv(buf, len);
        if (n > 0) return n;
        if (n == 0) return MBEDTLS_ERR_SSL_WANT_READ;
        im->lower_failed = true;
        im->error = im->lower->last_error();
        return im->error.code == Errc::closed ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
    }

    std::int32_t fail(Errc code, std::string message) {
        failed = true;
        error = make_error(code, std::move(message));
        return -1;
    }

    // Turns a fatal handshake result into an error that names the cause.
    Error handshake_error(int rc) {
        const std::string where = IOTLITE_TEXT("TLS handshake with " + hostname);
        if (lower_failed) {
            // The server may have sent an alert and closed while we were still writing our
            // Certificate/Finished flight (EPIPE on send): look for that alert record.
            unsigned char alert[7];
            std::int32_t n = lower->recv(alert, sizeof alert);
            if (n == 7 && alert[0] == 21 && alert[3] == 0 && alert[4] == 2 && alert[5] == 2)
                return alert_error(alert[6]);
            return make_error(error.code, IOTLITE_TEXT(where + ": " + error.message));
        }
        if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
            char info[512];
            const std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
            int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
            std::string text = n > 0 ? std::string(info, static_cast<std::size_t>(n)) : std::string("unknown reason");
            while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
            for (char& c : text) if (c == '\n') c = ';';
            return make_error(Errc::crypto_error, IOTLITE_TEXT(where + ": server certificate verification failed: " + text))
                .with_tls(rc, 0, flags);
        }
        if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
            // mbedTLS 2.x keeps the received alert in in_msg[0..1] (level, description).
            return alert_error((ssl.in_msg != nullptr && ssl.in_msglen >= 2) ? ssl.in_msg[1] : 0);
        }
        const std::uint16_t mfl = context->settings().max_fragment_len;
        if (rc == MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE && mfl != 0)
            return make_error(Errc::invalid_argument,
                              IOTLITE_TEXT(where + ": max_fragment_len " + std::to_string(mfl) +
                                  " is smaller than a handshake message we must send (e.g. our certificate); "
                                  "mbedTLS 2.28 cannot fragment handshake messages, use a larger value"));
        return make_error(Errc::crypto_error, IOTLITE_TEXT(where + " failed: " + mbedtls_error_text(rc))).with_tls(rc);
    }

    Error alert_error(unsigned char code) {
        const std::string where = IOTLITE_TEXT("TLS handshake with " + hostname);
        {
            const std::string alert = std::string("TLS alert ") + std::to_string(code) + " " + alert_name(code);
            constexpr int kFatalAlert = MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
            if (code == 120)
                return make_error(Errc::connection_refused,
                                  IOTLITE_TEXT(where + ": the server accepted none of our ALPN protocols ('" +
                                      context->settings().alpn + "'): " + alert))
                    .with_tls(kFatalAlert, code);
            if ((code >= 41 && code <= 49) || code == 116)
                return make_error(Errc::auth_failed, IOTLITE_TEXT(where + ": the server rejected our client certificate: " + alert))
                    .with_tls(kFatalAlert, code);
            return make_error(Errc::crypto_error, IOTLITE_TEXT(where + ": the server aborted the handshake: " + alert))
                .with_tls(kFatalAlert, code);
        }
    }
};

TlsTransport::TlsTransport() : impl_(new Impl) {}
TlsTransport::~TlsTransport() { close(); }

Result<std::unique_ptr<TlsTransport>> TlsTransport::create(std::unique_ptr<Transport> lower,
                                                           std::shared_ptr<TlsContext> context,
                                                           const std::string& hostname) {
    if (!lower || !context) return make_error(Errc::invalid_argument, IOTLITE_TEXT("TLS transport needs a lower transport and a context"));
    if (hostname.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("TLS needs the server host name (SNI and certificate check)"));
    std::unique_ptr<TlsTransport> t(new TlsTransport);
    Impl& im = *t->impl_;
    im.lower = std::move(lower);
    im.context = std::move(context);
    im.hostname = hostname;
    int rc = mbedtls_ssl_setup(&im.ssl, static_cast<const mbedtls_ssl_config*>(im.context->ssl_config()));
    if (rc != 0) return make_error(Errc::crypto_error, IOTLITE_TEXT("mbedtls_ssl_setup failed: " + mbedtls_error_text(rc)));
    // Sets SNI and the name the certificate must carry.
    rc = mbedtls_ssl_set_hostname(&im.ssl, im.hostname.c_str());
    if (rc != 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("bad TLS host name: " + mbedtls_error_text(rc)));
    mbedtls_ssl_set_bio(&im.ssl, &im, &Impl::bio_send, &Impl::bio_recv, nullptr);
    return t;
}

Result<bool> TlsTransport::connect(std::uint64_t now_ms) {
    Impl& im = *impl_;
    if (im.failed) return im.error;
    if (im.handshake_done) return true;
    if (!im.lower_open) {
        Result<bool> r = im.lower->connect(now_ms);
        if (!r.ok()) {
            im.failed = true;
            im.error = r.error();
            return r.error();
        }
        if (!r.value()) return false;
        im.lower_open = true;
    }
    int rc = mbedtls_ssl_handshake(&im.ssl);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return false;
    if (rc != 0) {
        im.error = im.handshake_error(rc);
        im.failed = true;
        return im.error;
    }
    const std::string& wanted = im.context->settings().alpn;
    if (!wanted.empty()) {
        const char* got = mbedtls_ssl_get_alpn_protocol(&im.ssl);
        if (got == nullptr || wanted != got) {
            im.failed = true;
            im.error = make_error(Errc::connection_refused, IOTLITE_TEXT("TLS handshake with " + im.hostname +
                                                                ": the server did not select ALPN protocol '" + wanted + "'"));
            return im.error;
        }
    }
    im.handshake_done = true;
    return true;
}

std::int32_t TlsTransport::send(const std::uint8_t* data, std::size_t size) {
    Impl& im = *impl_;
    if (im.failed) return -1;
    if (!im.handshake_done) return im.fail(Errc::invalid_state, "TLS transport is not open");
    if (size == 0) return 0;
    // After WANT_WRITE mbedTLS must be called again with the same buffer; the caller's buffer
    // keeps its unsent prefix, so re-offer exactly the length it holds.
    std::size_t len = im.pending_write != 0 ? im.pending_write : size;
    if (len > size) return im.fail(Errc::invalid_state, "TLS send retried with less data than the pending record");
    int rc = mbedtls_ssl_write(&im.ssl, data, len);
    if (rc >= 0) {
        im.pending_write = 0;
        return rc;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
        im.pending_write = len;
        return 0;
    }
    if (im.lower_failed) {
        im.failed = true;
        return -1;
    }
    return im.fail(Errc::crypto_error, "TLS write failed: " + mbedtls_error_text(rc));
}

std::int32_t TlsTransport::recv(std::uint8_t* data, std::size_t size) {
    Impl& im = *impl_;
    if (im.failed) return -1;
    if (!im.handshake_done) return im.fail(Errc::invalid_state, "TLS transport is not open");
    if (size == 0) return 0;
    int rc = mbedtls_ssl_read(&im.ssl, data, size);
    if (rc > 0) return rc;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return im.fail(Errc::closed, "the server closed the TLS connection");
    if (im.lower_failed) {
        im.failed = true;
        return -1;
    }
    return im.fail(Errc::crypto_error, "TLS read failed: " + mbedtls_error_text(rc));
}

void TlsTransport::close() {
    Impl& im = *impl_;
    if (im.handshake_done && !im.failed) mbedtls_ssl_close_notify(&im.ssl);  // best effort, non-blocking
    im.handshake_done = false;
    im.failed = true;
    if (im.error.message.empty()) im.error = make_error(Errc::closed, IOTLITE_TEXT("TLS transport closed"));
    if (im.lower) im.lower->close();
}

IoWait TlsTransport::io_wait() const {
    IoWait w = impl_->lower->io_wait();
    w.read = true;
    if (impl_->handshake_done && mbedtls_ssl_get_bytes_avail(&impl_->ssl) > 0) w.ready_now = true;
    return w;
}

const Error& TlsTransport::last_error() const { return impl_->error; }

std::string TlsTransport::alpn_selected() const {
    const char* p = mbedtls_ssl_get_alpn_protocol(&impl_->ssl);
    return p ? std::string(p) : std::string();
}

}  // namespace iotlite::firmware

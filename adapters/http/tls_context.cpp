#include "adapters/http/tls_context.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hindsight::http {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2: forward secrecy (ECDHE) and AEAD ciphers only, the server's order
// first. TLS 1.3 keeps OpenSSL's defaults, which are all of that already.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string read_whole(const std::string& what, const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw TlsError(what + " " + path + ": cannot read: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TlsError(what + " " + path + ": cannot read: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw TlsError(what + " " + path + ": cannot read: read error");
    return text.str();
}

// OpenSSL's reason for a failure ("no start line"); never file content.
std::string reason(const boost::system::error_code& ec) {
    ERR_clear_error();
    return ec.message();
}

// The same for a call that left its error in OpenSSL's queue.
std::string openssl_reason() {
    unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    return reason != nullptr ? reason : "unknown OpenSSL error";
}

// The private key's bytes do not linger in freed memory.
struct Wiped {
    std::string text;
    ~Wiped() { OPENSSL_cleanse(text.data(), text.size()); }
};

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const TlsFiles& files) {
    auto cert_pem = read_whole("listen.tls.cert", files.cert_file);
    Wiped key{read_whole("listen.tls.key", files.key_file)};

    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                         ssl::context::single_dh_use);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // Client-initiated renegotiation costs the server a handshake per request of a hostile client.
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
        throw TlsError("TLS cipher list refused: " + openssl_reason());

    ERR_clear_error();
    boost::system::error_code ec;
    context->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
    if (ec) throw TlsError("listen.tls.cert " + files.cert_file + ": not a usable PEM certificate: " + reason(ec));
    auto mismatch = [&] {
        ERR_clear_error();
        return TlsError("listen.tls.key " + files.key_file + ": does not match the certificate in " + files.cert_file);
    };
    context->use_private_key(boost::asio::buffer(key.text), ssl::context::pem, ec);
    if (ec) {
        // OpenSSL compares the key with the certificate already loaded.
        if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) throw mismatch();
        throw TlsError("listen.tls.key " + files.key_file + ": not a usable PEM private key: " + reason(ec));
    }
    if (SSL_CTX_check_private_key(native) != 1) throw mismatch();
    return context;
}

void check_tls_files(const TlsFiles& files) { make_tls_context(files); }

}  // namespace hindsight::http

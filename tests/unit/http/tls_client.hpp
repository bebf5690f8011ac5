// A blocking TLS client on OpenSSL for the TLS server tests: the versions and
// ciphers it offers are set per test (to play an outdated client), it trusts
// exactly the CA it is given and checks the name 127.0.0.1, and every socket
// read and write is bounded by a timeout, so a stuck server fails a test
// instead of hanging it.
#pragma once

#include "tests/unit/http/raw_client.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/time.h>

namespace hindsight::http::test {

struct TlsClientOptions {
    std::string ca_pem;  // the one trusted certificate
    int min_version = TLS1_2_VERSION;
    int max_version = 0;  // 0: the newest OpenSSL has
    std::string ciphers;  // TLS 1.2 cipher list; empty: OpenSSL's default
    std::chrono::milliseconds timeout = 5s;
};

class TlsClient {
public:
    TlsClient(std::uint16_t port, const TlsClientOptions& options) : timeout_(options.timeout) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new");
        SSL_CTX_set_min_proto_version(ctx_, options.min_version);
        if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
        if (options.min_version < TLS1_2_VERSION) {
            // OpenSSL 3 refuses TLS 1.1 at its default security level: the
            // client must be willing, so that only the server can say no.
            SSL_CTX_set_security_level(ctx_, 0);
        }
        if (!options.ciphers.empty() && SSL_CTX_set_cipher_list(ctx_, options.ciphers.c_str()) != 1)
            throw std::runtime_error("cipher list");
        trust(options.ca_pem);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);

        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error(std::string("connect: ") + std::strerror(errno));

        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        SSL_set_tlsext_host_name(ssl_, "localhost");
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
    }
    ~TlsClient() {
        if (ssl_ != nullptr) SSL_free(ssl_);
        if (fd_ >= 0) ::close(fd_);
        if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    // True when the handshake completed and the certificate verified;
    // otherwise error() says why.
    bool handshake() {
        ERR_clear_error();
        if (SSL_connect(ssl_) == 1) return true;
        unsigned long code = ERR_get_error();
        error_ = code != 0 ? ERR_error_string(code, nullptr) : "handshake failed (connection closed)";
        ERR_clear_error();
        return false;
    }
    const std::string& error() const { return error_; }

    std::string version() const { return SSL_get_version(ssl_); }
    std::string cipher() const { return SSL_get_cipher_name(ssl_); }

    // The CN of the certificate the server presented ("" before the handshake).
    std::string peer_common_name() const {
        X509* cert = SSL_get1_peer_certificate(ssl_);
        if (cert == nullptr) return {};
        char name[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
        X509_free(cert);
        return name;
    }

    // Asks for a new handshake on this connection (TLS 1.2); true when the
    // server went along with it.
    bool renegotiate() {
        ERR_clear_error();
        if (SSL_renegotiate(ssl_) != 1) return false;
        bool ok = SSL_do_handshake(ssl_) == 1;
        ERR_clear_error();
        return ok;
    }

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
            if (n <= 0) throw std::runtime_error("SSL_write failed");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // One response; nullopt when the connection closes or a read times out.
    std::optional<RawResponse> read_response() {
        for (;;) {
            bool complete = false;
            auto r = take_response(buffer_, complete);
            if (complete) return r;
            if (!fill()) return std::nullopt;
        }
    }

    // True when the server ends the connection (close_notify or TCP close)
    // before a read times out.
    bool wait_closed() {
        char chunk[4096];
        for (;;) {
            int n = SSL_read(ssl_, chunk, sizeof chunk);
            if (n > 0) continue;
            int err = SSL_get_error(ssl_, n);
            ERR_clear_error();
            bool timed_out = err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK);
            return !timed_out && (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL || err == SSL_ERROR_SSL);
        }
    }

private:
    void trust(const std::string& pem) {
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        if (cert == nullptr) throw std::runtime_error("CA certificate does not parse");
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), cert);
        X509_free(cert);
    }

    bool fill() {
        char chunk[4096];
        int n = SSL_read(ssl_, chunk, sizeof chunk);
        if (n <= 0) {
            ERR_clear_error();
            return false;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    std::chrono::milliseconds timeout_;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    int fd_ = -1;
    std::string buffer_;
    std::string error_;
};

}  // namespace hindsight::http::test

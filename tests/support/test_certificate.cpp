#include "tests/support/test_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hindsight::test {

namespace {

template <class T, void (*Free)(T*)>
struct OsslDeleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO, BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* step) {
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + step);
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

TestCertificate make_test_certificate(const CertificateOptions& options) {
    PkeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "key generation");

    X509Ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    // Random serials: two certificates made in one test differ in serial too.
    std::random_device rd;
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(rd() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "set pubkey");

    std::string cn = !options.common_name.empty() ? options.common_name
                     : options.dns_names.empty()  ? "hindsight test"
                                                  : options.dns_names[0];
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);

    std::vector<std::string> names;
    for (const auto& dns : options.dns_names) names.push_back("DNS:" + dns);
    if (options.loopback_ip) names.emplace_back("IP:127.0.0.1");
    std::string san;
    for (const auto& entry : names) {
        if (!san.empty()) san.push_back(',');
        san.append(entry);
    }

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    std::vector<std::pair<int, std::string>> extensions = {
        {NID_basic_constraints, "critical,CA:TRUE"},
        {NID_key_usage, "critical,digitalSignature,keyCertSign"},
        {NID_ext_key_usage, "serverAuth"},
        {NID_subject_key_identifier, "hash"},
    };
    if (!san.empty()) extensions.emplace_back(NID_subject_alt_name, san);
    for (const auto& [nid, value] : extensions) {
        ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
        check(ext != nullptr, "extension");
        check(X509_add_ext(cert.get(), ext.get(), -1) == 1, "add extension");
    }
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign");

    TestCertificate out;
    BioPtr cert_bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "write certificate");
    out.cert_pem = bio_text(cert_bio.get());
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
    out.key_pem = bio_text(key_bio.get());
    return out;
}

}  // namespace hindsight::test

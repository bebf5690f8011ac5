// Certificates made at test time with OpenSSL: a fresh P-256 key and a
// self-signed certificate that is its own trust anchor (CA:TRUE), so a
// client trusts exactly this one via a CA file. No key material is kept
// anywhere but in the returned strings and the files a test writes itself.
#pragma once

#include <string>
#include <vector>

namespace hindsight::test {

struct CertificateOptions {
    // subjectAltName DNS entries; the first is also the CN unless common_name is set.
    std::vector<std::string> dns_names{"localhost"};
    bool loopback_ip = true;  // also covers IP 127.0.0.1
    std::string common_name;  // empty: the first DNS name, or "hindsight test"
};

struct TestCertificate {
    std::string cert_pem;
    std::string key_pem;
};

// Throws std::runtime_error naming the OpenSSL step that failed.
TestCertificate make_test_certificate(const CertificateOptions& options = {});

}  // namespace hindsight::test

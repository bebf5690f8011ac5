// Internal: the server side TLS settings, built from the certificate and key
// files. Includes Asio's OpenSSL wrapper; never include it from a public header.
#pragma once

#include "adapters/http/server.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace hindsight::http {

// Reads both files and checks that they belong together. Throws TlsError
// naming the file at fault; the key's content never appears in a message.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const TlsFiles& files);

}  // namespace hindsight::http

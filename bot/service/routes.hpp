// The service's own routes: health, readiness, metrics and the incidents API.
#pragma once

#include "adapters/http/message.hpp"
#include "config/config.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <memory>
#include <string>
#include <vector>
#include <mutex>

namespace hindsight {
class Clock;
class IncidentStore;
}  // namespace hindsight
namespace hindsight::storage {
class Database;
}
namespace hindsight::http {
class Router;
class Metrics;
}  // namespace hindsight::http

namespace hindsight::service {

// Whether the request's Accept asks for HTML over JSON (a browser does;
// scripts sending */* or nothing get JSON).
bool wants_html(const http::Request& request);
// An HTML answer with the pages' security headers (CSP without script,
// nosniff, no referrer, no framing, no caching).
http::Response html_response(int status, std::string body);

class ApiRoutes {
public:
    ApiRoutes(const config::Config& config, storage::Database& db, http::Metrics& metrics, const Clock& clock);
    ~ApiRoutes();
    void add_routes(http::Router& router);
    // /readyz answers 503 with the check's words while it returns any.
    void add_readiness_check(std::function<std::string()> check);

    // Request in, response out (also used directly by tests).
    http::Response healthz(const http::Request&);
    http::Response readyz(const http::Request&);
    http::Response metrics(const http::Request&);
    http::Response incidents(const http::Request&);           // JSON, or the index page (Accept: text/html)
    http::Response incident_resource(const http::Request&);  // /incidents/{id}, /incidents/{id}/postmortem.md

private:
    bool authorized(const http::Request& request) const;

    // The web pages (web_routes.cpp): opened by the API token or a signed link.
    struct Access {
        bool granted = false;
        std::string secret;                  // the link secret, when a signed link opened it
        std::optional<std::int64_t> expires;  // that link's expiry: links on the page share it
        // The query that opens `path` as long as this link ("" with the API token).
        std::string sign(std::string_view path) const;
    };
    Access page_access(const http::Request& request, std::string_view path);
    http::Response unauthorized_page();
    http::Response incident_page(const http::Request& request, std::int64_t id);
    http::Response index_page(const http::Request& request);

    const config::Config& config_;
    storage::Database& db_;
    http::Metrics& metrics_;
    const Clock& clock_;
    std::mutex reader_mutex_;  // one read connection, shared by the API routes
    std::unique_ptr<IncidentStore> reader_;
    std::vector<std::function<std::string()>> readiness_checks_;
};

}  // namespace hindsight::service

// The service's own routes: health, readiness, metrics and the incidents API.
#pragma once

#include "adapters/http/message.hpp"
#include "config/config.hpp"

#include <functional>
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
    http::Response incidents(const http::Request&);
    http::Response incident_resource(const http::Request&);  // /incidents/{id}/postmortem.md

private:
    bool authorized(const http::Request& request) const;

    const config::Config& config_;
    storage::Database& db_;
    http::Metrics& metrics_;
    const Clock& clock_;
    std::mutex reader_mutex_;  // one read connection, shared by the API routes
    std::unique_ptr<IncidentStore> reader_;
    std::vector<std::function<std::string()>> readiness_checks_;
};

}  // namespace hindsight::service

#include "bot/service/routes.hpp"

#include "adapters/http/metrics.hpp"
#include "adapters/http/router.hpp"
#include "bot/core/bot.hpp"
#include "storage/database.hpp"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <charconv>

namespace hindsight::service {

ApiRoutes::ApiRoutes(const config::Config& config, storage::Database& db, http::Metrics& metrics,
                     const Clock& clock)
    : config_(config), db_(db), metrics_(metrics), clock_(clock), reader_(db.open_reader()) {}

ApiRoutes::~ApiRoutes() = default;

void ApiRoutes::add_routes(http::Router& router) {
    auto sync = [this](http::Response (ApiRoutes::*fn)(const http::Request&)) {
        return [this, fn](const http::Request& request, http::Responder respond) { respond((this->*fn)(request)); };
    };
    router.add("GET", "/healthz", sync(&ApiRoutes::healthz));
    router.add("GET", "/readyz", sync(&ApiRoutes::readyz));
    router.add("GET", "/metrics", sync(&ApiRoutes::metrics));
    router.add("GET", "/incidents", sync(&ApiRoutes::incidents));
    router.add_prefix("GET", "/incidents/", sync(&ApiRoutes::incident_resource));
}

http::Response ApiRoutes::healthz(const http::Request&) { return http::Response::text(200, "ok\n"); }

void ApiRoutes::add_readiness_check(std::function<std::string()> check) {
    readiness_checks_.push_back(std::move(check));
}

http::Response ApiRoutes::readyz(const http::Request&) {
    if (!db_.writable()) {
        spdlog::warn("readyz: database {} is not writable", db_.path());
        return http::Response::text(503, "database not writable\n");
    }
    for (const auto& check : readiness_checks_) {
        auto problem = check();
        if (!problem.empty()) return http::Response::text(503, problem + "\n");
    }
    return http::Response::text(200, "ready\n");
}

http::Response ApiRoutes::metrics(const http::Request&) {
    auto response = http::Response::text(200, metrics_.render());
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
}

bool ApiRoutes::authorized(const http::Request& request) const {
    if (config_.api_token.empty()) return false;  // API disabled without a token
    auto header = request.header("Authorization");
    if (!header) return false;
    constexpr std::string_view prefix = "Bearer ";
    if (header->size() <= prefix.size() || header->substr(0, prefix.size()) != prefix) return false;
    auto token = header->substr(prefix.size());
    const auto& expected = config_.api_token;
    return token.size() == expected.size() && CRYPTO_memcmp(token.data(), expected.data(), expected.size()) == 0;
}

namespace {

http::Response unauthorized(const http::Request& request) {
    spdlog::warn("api: unauthenticated {} {} from {}", request.method, request.path(), request.remote);
    auto response = http::Response::json(401, R"({"error":"unauthorized"})");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
}

}  // namespace

http::Response ApiRoutes::incidents(const http::Request& request) {
    if (wants_html(request)) return index_page(request);
    if (!authorized(request)) return unauthorized(request);
    std::lock_guard lock(reader_mutex_);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& i : reader_->incident_summaries()) {
        list.push_back({
            {"id", i.id},
            {"title", i.title},
            {"severity", i.severity == 0 ? nlohmann::json(nullptr) : nlohmann::json(i.severity)},
            {"state", std::string(to_string(i.state))},
            {"platform", std::string(to_string(i.where.platform))},
            {"team", i.where.team},
            {"channel", i.where.channel},
            {"commander", i.commander_name.empty() ? i.commander_id : i.commander_name},
            {"opened_at", format_rfc3339(i.opened_at)},
            {"closed_at", i.closed_at ? nlohmann::json(format_rfc3339(*i.closed_at)) : nlohmann::json(nullptr)},
            {"action_items_open", i.open_actions},
        });
    }
    // Titles are what people typed, any bytes: replaced where not UTF-8
    // rather than failing the whole list.
    return http::Response::json(
        200, nlohmann::json{{"incidents", list}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response ApiRoutes::incident_resource(const http::Request& request) {
    // /incidents/{id} (the page) or /incidents/{id}/postmortem.md
    auto rest = request.path().substr(std::string_view("/incidents/").size());
    auto slash = rest.find('/');
    const bool page = slash == std::string_view::npos;
    if (!page && rest.substr(slash) != "/postmortem.md") return http::Response::json(404, R"({"error":"not found"})");
    std::int64_t id = 0;
    auto digits = rest.substr(0, slash);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || digits.empty())
        return http::Response::json(404, R"({"error":"not found"})");
    if (page) return incident_page(request, id);
    if (!page_access(request, request.path()).granted) return unauthorized(request);
    std::lock_guard lock(reader_mutex_);
    auto incident = reader_->find_incident(id);
    if (!incident) return http::Response::json(404, R"({"error":"no such incident"})");
    auto document = draft_postmortem_document(*reader_, config_.bot, *incident, clock_.now());
    auto response = http::Response::text(200, std::move(document));
    response.content_type = "text/markdown; charset=utf-8";
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"postmortem-" + std::to_string(id) + ".md\"");
    return response;
}

}  // namespace hindsight::service

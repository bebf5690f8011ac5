#include "adapters/http/router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace hindsight::http {

namespace {
// Exact routes sort before prefixes; longer prefixes before shorter ones so
// the most specific handler wins.
bool before(const auto& a, const auto& b) {
    if (a.prefix != b.prefix) return !a.prefix;
    return a.pattern.size() > b.pattern.size();
}

bool path_matches(std::string_view path, std::string_view pattern, bool prefix) {
    return prefix ? path.starts_with(pattern) : path == pattern;
}
}  // namespace

void Router::add(std::string method, std::string path, Handler handler) {
    Route route{std::move(method), std::move(path), false, std::move(handler)};
    routes_.insert(std::upper_bound(routes_.begin(), routes_.end(), route, [](const Route& a, const Route& b) {
                       return before(a, b);
                   }),
                   std::move(route));
}

void Router::add_prefix(std::string method, std::string prefix, Handler handler) {
    Route route{std::move(method), std::move(prefix), true, std::move(handler)};
    routes_.insert(std::upper_bound(routes_.begin(), routes_.end(), route, [](const Route& a, const Route& b) {
                       return before(a, b);
                   }),
                   std::move(route));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    Match m;
    for (const auto& route : routes_) {
        if (!path_matches(path, route.pattern, route.prefix)) continue;
        // The most specific pattern that matches the path decides between
        // 405 and a handler; a shorter prefix does not take over a path that
        // a longer one owns.
        if (m.path_match && (m.path_match->pattern != route.pattern || m.path_match->prefix != route.prefix))
            break;
        if (!m.path_match) m.path_match = &route;
        if (route.method == method) {
            m.route = &route;
            break;
        }
    }
    return m;
}

std::string Router::allowed_methods(std::string_view pattern, bool prefix) const {
    std::string allow;
    for (const auto& route : routes_) {
        if (route.prefix != prefix || route.pattern != pattern) continue;
        if (!allow.empty()) allow += ", ";
        allow += route.method;
    }
    return allow;
}

void Router::handle(const Request& request, Responder respond) const {
    auto m = match(request.method, request.path());
    if (!m.path_match) {
        respond(Response::text(404, "not found\n"));
        return;
    }
    if (!m.route) {
        auto response = Response::text(405, "method not allowed\n");
        response.headers.emplace_back("Allow", allowed_methods(m.path_match->pattern, m.path_match->prefix));
        respond(std::move(response));
        return;
    }
    // A throwing handler must not take the connection down with it. If it
    // already answered, the server ignores this second answer.
    try {
        m.route->handler(request, respond);
    } catch (const std::exception& e) {
        spdlog::error("http handler {} {}: {}", m.route->method, m.route->pattern, e.what());
        respond(Response::text(500, "internal error\n"));
    } catch (...) {
        spdlog::error("http handler {} {}: unknown exception", m.route->method, m.route->pattern);
        respond(Response::text(500, "internal error\n"));
    }
}

std::string_view Router::route_label_view(const Request& request) const {
    auto m = match(request.method, request.path());
    return m.path_match ? std::string_view(m.path_match->pattern) : std::string_view("unmatched");
}

std::string Router::route_label(const Request& request) const { return std::string(route_label_view(request)); }

}  // namespace hindsight::http

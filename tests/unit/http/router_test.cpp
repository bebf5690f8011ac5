#include "adapters/http/router.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>

using namespace hindsight::http;

namespace {
Request make(std::string method, std::string target) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    return r;
}

Response call(const Router& router, const Request& request) {
    std::optional<Response> out;
    router.handle(request, [&](Response r) { out = std::move(r); });
    REQUIRE(out.has_value());
    return *out;
}

Handler answer(std::string text) {
    return [text](const Request&, Responder respond) { respond(Response::text(200, text)); };
}

std::optional<std::string> header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return std::nullopt;
}
}  // namespace

TEST_CASE("router: exact path runs its handler, the query string is ignored") {
    Router router;
    router.add("GET", "/healthz", answer("ok"));
    auto r = call(router, make("GET", "/healthz?verbose=1"));
    CHECK(r.status == 200);
    CHECK(r.body == "ok");
}

TEST_CASE("router: unknown path is 404") {
    Router router;
    router.add("GET", "/healthz", answer("ok"));
    CHECK(call(router, make("GET", "/nope")).status == 404);
    CHECK(call(router, make("GET", "/healthz/extra")).status == 404);
    CHECK(call(router, make("GET", "/health")).status == 404);
}

TEST_CASE("router: known path with another method is 405 with Allow listing the methods") {
    Router router;
    router.add("POST", "/slack/events", answer("event"));
    router.add("PUT", "/slack/events", answer("put"));
    auto r = call(router, make("GET", "/slack/events"));
    CHECK(r.status == 405);
    auto allow = header(r, "Allow");
    REQUIRE(allow.has_value());
    CHECK(*allow == "POST, PUT");
}

TEST_CASE("router: prefix routes get the whole path — exact routes and longer prefixes win") {
    Router router;
    std::string seen;
    router.add_prefix("GET", "/incidents/", [&](const Request& req, Responder respond) {
        seen = std::string(req.path());
        respond(Response::text(200, "prefix"));
    });
    router.add_prefix("GET", "/incidents/special/", answer("longer"));
    router.add("GET", "/incidents/exact", answer("exact"));

    CHECK(call(router, make("GET", "/incidents/42/postmortem.md")).body == "prefix");
    CHECK(seen == "/incidents/42/postmortem.md");
    CHECK(call(router, make("GET", "/incidents/special/1")).body == "longer");
    CHECK(call(router, make("GET", "/incidents/exact")).body == "exact");
    CHECK(call(router, make("GET", "/incidents")).status == 404);

    auto wrong = call(router, make("DELETE", "/incidents/42"));
    CHECK(wrong.status == 405);
    CHECK(header(wrong, "Allow") == "GET");
}

TEST_CASE("router: the most specific path decides 405 rather than falling back to a shorter prefix") {
    Router router;
    router.add_prefix("GET", "/a/", answer("short"));
    router.add_prefix("POST", "/a/b/", answer("long"));
    auto r = call(router, make("GET", "/a/b/c"));
    CHECK(r.status == 405);
    CHECK(header(r, "Allow") == "POST");
}

TEST_CASE("router: a throwing handler gets a 500 answer") {
    Router router;
    router.add("GET", "/boom", [](const Request&, Responder) { throw std::runtime_error("boom"); });
    auto r = call(router, make("GET", "/boom"));
    CHECK(r.status == 500);
}

TEST_CASE("router: a handler may keep the responder and answer later") {
    Router router;
    Responder kept;
    router.add("POST", "/later", [&](const Request&, Responder respond) { kept = std::move(respond); });
    std::optional<Response> out;
    router.handle(make("POST", "/later"), [&](Response r) { out = std::move(r); });
    CHECK_FALSE(out.has_value());
    REQUIRE(kept);
    kept(Response::empty(204));
    REQUIRE(out.has_value());
    CHECK(out->status == 204);
}

TEST_CASE("router: route labels are the registered patterns or 'unmatched'") {
    Router router;
    router.add("POST", "/slack/events", answer("x"));
    router.add_prefix("GET", "/incidents/", answer("x"));
    CHECK(router.route_label(make("POST", "/slack/events")) == "/slack/events");
    CHECK(router.route_label(make("GET", "/slack/events")) == "/slack/events");  // 405 still names the route
    CHECK(router.route_label(make("GET", "/incidents/7/postmortem.md")) == "/incidents/");
    CHECK(router.route_label(make("GET", "/random/path")) == "unmatched");
}

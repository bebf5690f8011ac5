#include "adapters/http/message.hpp"

#include <doctest/doctest.h>

using namespace hindsight::http;

TEST_CASE("request: header lookup ignores case and returns the first match") {
    Request r;
    r.headers = {{"X-Slack-Signature", "v0=abc"}, {"content-type", "a"}, {"Content-Type", "b"}};
    CHECK(r.header("x-slack-signature") == "v0=abc");
    CHECK(r.header("CONTENT-TYPE") == "a");
    CHECK_FALSE(r.header("Authorization").has_value());
    CHECK_FALSE(r.header("X-Slack").has_value());
}

TEST_CASE("request: path and query split at the first '?'") {
    Request r;
    r.target = "/incidents/3/postmortem.md?a=1&b=2?c";
    CHECK(r.path() == "/incidents/3/postmortem.md");
    CHECK(r.query() == "a=1&b=2?c");
    r.target = "/healthz";
    CHECK(r.path() == "/healthz");
    CHECK(r.query().empty());
    r.target = "/x?";
    CHECK(r.path() == "/x");
    CHECK(r.query().empty());
}

TEST_CASE("request: content_type is the lower-cased media type without parameters") {
    Request r;
    CHECK(r.content_type().empty());
    r.headers = {{"Content-Type", " Application/X-WWW-Form-URLencoded ; charset=UTF-8"}};
    CHECK(r.content_type() == "application/x-www-form-urlencoded");
    r.headers = {{"content-type", "application/json"}};
    CHECK(r.content_type() == "application/json");
}

TEST_CASE("response helpers set status, media type and body") {
    auto t = Response::text(400, "bad");
    CHECK(t.status == 400);
    CHECK(t.content_type == "text/plain; charset=utf-8");
    CHECK(t.body == "bad");
    auto j = Response::json(200, R"({"ok":true})");
    CHECK(j.status == 200);
    CHECK(j.content_type == "application/json");
    CHECK(j.body == R"({"ok":true})");
    auto e = Response::empty(204);
    CHECK(e.status == 204);
    CHECK(e.content_type.empty());
    CHECK(e.body.empty());
}

#include "adapters/mattermost/verifier.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::mattermost;

namespace {

http::Request form_post(std::string body) {
    http::Request r;
    r.method = "POST";
    r.target = "/mattermost/commands";
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    r.body = std::move(body);
    return r;
}

}  // namespace

TEST_CASE("constant_time_equal compares contents and lengths") {
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "abcd"));
    CHECK_FALSE(constant_time_equal("", "a"));
    CHECK(constant_time_equal("", ""));
}

TEST_CASE("token verifier accepts any configured token, nothing else") {
    TokenVerifier v({"slashtoken00000000000000aa", "hooktoken000000000000000bb"});
    CHECK(v.matches("slashtoken00000000000000aa"));
    CHECK(v.matches("hooktoken000000000000000bb"));
    CHECK_FALSE(v.matches("slashtoken00000000000000ab"));
    CHECK_FALSE(v.matches("slashtoken00000000000000a"));
    CHECK_FALSE(v.matches(""));
}

TEST_CASE("an empty configured token never matches an absent one") {
    TokenVerifier v({"", "real"});
    CHECK_FALSE(v.matches(""));
    CHECK(v.matches("real"));
    CHECK(TokenVerifier({""}).empty());
    CHECK_FALSE(TokenVerifier({""}).verify(form_post("text=x")));
}

TEST_CASE("token from the form body") {
    TokenVerifier v({"tok1"});
    CHECK(v.verify(form_post("team_id=t&token=tok1&text=hi")));
    CHECK_FALSE(v.verify(form_post("team_id=t&token=tok2&text=hi")));
    CHECK_FALSE(v.verify(form_post("team_id=t&text=hi")));
    CHECK_FALSE(v.verify(form_post("token=%zz")));  // malformed form: no token
}

TEST_CASE("token from the Authorization: Token header") {
    TokenVerifier v({"tok1"});
    auto r = form_post("text=hi");
    r.headers.emplace_back("Authorization", "Token tok1");
    CHECK(v.verify(r));
    r.headers.back().second = "Token tok9";
    CHECK_FALSE(v.verify(r));
    r.headers.back().second = "Bearer tok1";  // not the slash-command scheme
    CHECK_FALSE(v.verify(r));
}

TEST_CASE("token from a JSON body and from a GET query") {
    TokenVerifier v({"tok1"});
    auto json = form_post(R"({"token":"tok1","post_id":"p"})");
    json.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    CHECK(v.verify(json));
    json.body = R"({"token":"nope"})";
    CHECK_FALSE(v.verify(json));
    json.body = R"({"token":5})";
    CHECK_FALSE(v.verify(json));
    json.body = "not json";
    CHECK_FALSE(v.verify(json));

    http::Request get;
    get.method = "GET";
    get.target = "/mattermost/commands?token=tok1&text=status";
    CHECK(v.verify(get));
    get.target = "/mattermost/commands?token=bad&text=status";
    CHECK_FALSE(v.verify(get));
}

TEST_CASE("action tokens bind action, value and team to the secret") {
    auto t = action_token("secret", "done", "A-12", "tm1");
    CHECK(t.size() == 64);
    CHECK(verify_action_token("secret", "done", "A-12", "tm1", t));
    CHECK_FALSE(verify_action_token("secret", "done", "A-13", "tm1", t));
    CHECK_FALSE(verify_action_token("secret", "snooze", "A-12", "tm1", t));
    CHECK_FALSE(verify_action_token("secret", "done", "A-12", "tm2", t));
    CHECK_FALSE(verify_action_token("other", "done", "A-12", "tm1", t));
    CHECK_FALSE(verify_action_token("", "done", "A-12", "", action_token("", "done", "A-12")));
    CHECK_FALSE(verify_action_token("secret", "done", "A-12", "tm1", ""));
    // Independent oracle: Python hmac.new(b"secret", b"done\nA-12\ntm1", sha256).
    CHECK(t == "671a44973e2af2d93de3f01f5456e0fca9dac9b6a9847e79e2bb4fc54dad440d");
}

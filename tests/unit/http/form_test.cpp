#include "adapters/http/form.hpp"

#include <doctest/doctest.h>

using namespace hindsight::http;

TEST_CASE("url_decode: percent escapes and '+' as space") {
    CHECK(url_decode("a+b%20c%2Fd") == "a b c/d");
    CHECK(url_decode("%e2%9c%93") == "\xe2\x9c\x93");
    CHECK(url_decode("%00") == std::string(1, '\0'));
    CHECK(url_decode("") == "");
}

TEST_CASE("url_decode: malformed escapes are rejected") {
    CHECK_FALSE(url_decode("%").has_value());
    CHECK_FALSE(url_decode("%4").has_value());
    CHECK_FALSE(url_decode("abc%").has_value());
    CHECK_FALSE(url_decode("%zz").has_value());
    CHECK_FALSE(url_decode("%4g").has_value());
    CHECK_FALSE(url_decode("ok%2").has_value());
}

TEST_CASE("url_encode: unreserved characters stay, everything else is escaped, round trip holds") {
    CHECK(url_encode("aZ09-_.~") == "aZ09-_.~");
    CHECK(url_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    CHECK(url_decode(url_encode(all)) == all);
}

TEST_CASE("form: pairs in order, repeated keys kept") {
    auto form = Form::parse("user_mentions=alice&text=hello+world&user_mentions=bob&empty=&flag");
    REQUIRE(form.has_value());
    CHECK(form->get("text") == "hello world");
    CHECK(form->value("user_mentions") == "alice");
    CHECK(form->all("user_mentions") == std::vector<std::string>{"alice", "bob"});
    CHECK(form->get("empty") == "");
    CHECK(form->get("flag") == "");
    CHECK_FALSE(form->get("missing").has_value());
    CHECK(form->value("missing") == "");
    CHECK(form->all("missing").empty());
    REQUIRE(form->pairs().size() == 5);
    CHECK(form->pairs()[2].second == "bob");
}

TEST_CASE("form: escaped separators stay inside values — empty pairs are skipped") {
    auto form = Form::parse("&&text=a%26b%3Dc&&command=%2Fincident&");
    REQUIRE(form.has_value());
    CHECK(form->pairs().size() == 2);
    CHECK(form->get("text") == "a&b=c");
    CHECK(form->get("command") == "/incident");
    auto empty = Form::parse("");
    REQUIRE(empty.has_value());
    CHECK(empty->pairs().empty());
}

TEST_CASE("form: a malformed escape anywhere rejects the whole body") {
    CHECK_FALSE(Form::parse("a=1&b=%zz").has_value());
    CHECK_FALSE(Form::parse("a%=1").has_value());
    CHECK_FALSE(Form::parse("text=100%").has_value());
}

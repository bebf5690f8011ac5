#include "bot/core/connection_url.hpp"
#include "tests/unit/config/support.hpp"

#include <cstdlib>
#include <filesystem>

using namespace hindsight::config;
using config_test::error_of;
using nlohmann::json;

TEST_CASE("storage defaults to SQLite at hindsight.db") {
    auto c = parse("{}", {});
    CHECK(c.storage.backend == "sqlite");
    CHECK_FALSE(c.storage.postgres());
    CHECK(c.storage_path == "hindsight.db");
    CHECK(c.storage.url.empty());
    CHECK(c.storage.pool_size == 4);
    CHECK(c.storage.lease == std::chrono::seconds(60));
    CHECK(c.storage.statement_timeout == std::chrono::seconds(30));
    CHECK(c.storage.lock_timeout == std::chrono::seconds(5));
}

TEST_CASE("storage.backend postgres with a URL, pool size and lease") {
    auto c = parse(R"({"storage": {"backend": "postgres", "url": "postgresql://hs@db:5432/hindsight",
                                   "pool_size": 8, "lease_s": 45, "statement_timeout_s": 2.5,
                                   "lock_timeout_s": 0.25}})",
                   {});
    CHECK(c.storage.postgres());
    CHECK(c.storage.url == "postgresql://hs@db:5432/hindsight");
    CHECK(c.storage.pool_size == 8);
    CHECK(c.storage.lease == std::chrono::seconds(45));
    CHECK(c.storage.statement_timeout == std::chrono::milliseconds(2500));
    CHECK(c.storage.lock_timeout == std::chrono::milliseconds(250));
}

TEST_CASE("storage: invalid values name the key and never echo the URL") {
    CHECK(error_of(R"({"storage": {"backend": "mysql"}})") == "storage.backend: must be \"sqlite\" or \"postgres\"");
    CHECK(error_of(R"({"storage": {"backend": "postgres"}})").starts_with("storage.url: required"));
    const auto bad = error_of(R"({"storage": {"backend": "postgres", "url": "mysql://u:TOPSECRET@h/db"}})");
    CHECK(bad.starts_with("storage.url: must be a PostgreSQL connection URI"));
    CHECK(bad.find("TOPSECRET") == std::string::npos);
    CHECK(error_of(R"({"storage": {"pool_size": 0}})") == "storage.pool_size: must be an integer between 1 and 1000");
    CHECK(error_of(R"({"storage": {"lease_s": 0.5}})") == "storage.lease_s: must be at least 1 second");
    CHECK(error_of(R"({"storage": {"statement_timeout_s": 0.0001}})") ==
          "storage.statement_timeout_s: must be at least 0.001 seconds");
    CHECK(error_of(R"({"storage": {"lock_timeout_s": 0}})").starts_with("storage.lock_timeout_s: must be a positive"));
    CHECK(error_of(R"({"storage": {"user": "x"}})") == "unknown key: storage.user");
    CHECK(error_of(R"({"storage": {"backend": "postgres", "url": "postgresql://h/db", "lease_s": 30},
                       "outbound": {"timeout_s": 15}})")
              .starts_with("storage.lease_s: must be more than twice outbound.timeout_s"));
}

TEST_CASE("HINDSIGHT_DATABASE_URL supplies or overrides storage.url") {
    auto from_env = parse(R"({"storage": {"backend": "postgres"}})",
                          {{"HINDSIGHT_DATABASE_URL", " postgresql://hs:envpw@db/hs \n"}});
    CHECK(from_env.storage.url == "postgresql://hs:envpw@db/hs");
    auto overridden = parse(R"({"storage": {"backend": "postgres", "url": "postgresql://file@db/hs"}})",
                            {{"HINDSIGHT_DATABASE_URL", "postgresql://env@db/hs"}});
    CHECK(overridden.storage.url == "postgresql://env@db/hs");
}

TEST_CASE("check-config output shows the URL with its password redacted") {
    auto c = parse(R"({"storage": {"backend": "postgres", "url": "postgresql://hs@db/hs"}})",
                   {{"HINDSIGHT_DATABASE_URL", "postgresql://hs:Pa55-SECRET@db.internal:5432/hs?sslmode=require"}});
    const auto text = redacted_json(c);
    CHECK(text.find("Pa55-SECRET") == std::string::npos);
    auto j = json::parse(text);
    CHECK(j["storage"]["backend"] == "postgres");
    CHECK(j["storage"]["url"] == "postgresql://hs:<redacted>@db.internal:5432/hs?sslmode=require");
    CHECK(j["storage"]["pool_size"] == 4);
    CHECK(j["storage"]["lease_s"] == 60);
    CHECK(j["storage"]["statement_timeout_s"] == 30);
    CHECK(j["storage"]["lock_timeout_s"] == 5);
}

TEST_CASE("a URL with the SQLite backend is unused, and says so") {
    auto c = parse(R"({"storage": {"url": "postgresql://hs@db/hs"}})", {});
    bool warned = false;
    for (const auto& w : warnings(c)) warned = warned || w.find("storage.url is set") != std::string::npos;
    CHECK(warned);
}

TEST_CASE("redact_connection_url hides every form of password") {
    using hindsight::redact_connection_url;
    CHECK(redact_connection_url("postgresql://app:s3cret@db/hs") == "postgresql://app:<redacted>@db/hs");
    CHECK(redact_connection_url("postgres://app:p@ss@db:5432/hs") == "postgres://app:<redacted>@db:5432/hs");
    CHECK(redact_connection_url("postgresql://app@db/hs") == "postgresql://app@db/hs");
    CHECK(redact_connection_url("postgresql:///hs?host=/tmp&password=qq&sslmode=disable") ==
          "postgresql:///hs?host=/tmp&password=<redacted>&sslmode=disable");
    CHECK(redact_connection_url("host=db password=hunter2 dbname=hs") == "host=db password=<redacted> dbname=hs");
    CHECK(redact_connection_url("host=db password = 'a b' dbname=hs") == "host=db password = <redacted> dbname=hs");
    CHECK(redact_connection_url("") == "");
}

TEST_CASE("scrub_password removes the password from a message that quotes it") {
    const std::string url = "postgresql://app:s3cret@db/hs";
    CHECK(hindsight::scrub_password("cannot connect to " + url + " (s3cret)", url) ==
          "cannot connect to postgresql://app:<redacted>@db/hs (<redacted>)");
}

TEST_CASE("deploy/compose/config.json is a valid replica configuration once the URL comes from the environment") {
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    REQUIRE_MESSAGE(data != nullptr, "HINDSIGHT_TEST_DATA is not set; run through ctest");
    const auto file = std::filesystem::path(data) / ".." / ".." / "deploy" / "compose" / "config.json";
    CHECK_THROWS_WITH_AS(load(file.string(), {}), doctest::Contains("storage.url: required"), ConfigError);
    auto c = load(file.string(), {{"HINDSIGHT_DATABASE_URL", "postgresql://hindsight:pw@postgres:5432/hindsight"}});
    CHECK(c.storage.postgres());
    CHECK(c.listen.address == "0.0.0.0");
}

// `hindsight backup` and `hindsight restore` as an operator runs them, against
// a database the running service has open.
#include "storage/database.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>

using namespace std::chrono_literals;
using namespace hindsight;

namespace {

const std::string binary = HINDSIGHT_BINARY;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

void write_config(const test::TempDir& dir) {
    std::ofstream(dir.path() / "c.json") << R"({"listen": {"port": 0}, "storage": {"path": ")" << dir.file("h.db")
                                         << R"("}})";
}

int run(const test::TempDir& dir, const std::vector<std::string>& args, std::string* err = nullptr) {
    auto sub = dir.path() / ("run-" + std::to_string(std::rand()));
    std::filesystem::create_directories(sub);
    test::ChildProcess p(binary, args, sub);
    auto rc = p.wait(30s);
    REQUIRE(rc.has_value());
    if (err) *err = p.err();
    return *rc;
}

Incident sample_incident() {
    Incident i;
    i.where = ChannelRef{Platform::slack, "T1", "C1"};
    i.title = "API down";
    i.severity = 2;
    i.commander_id = "U1";
    i.commander_name = "alice";
    i.opened_at = from_micros(1'772'366'400'000'000LL);
    return i;
}

}  // namespace

TEST_CASE("cli: backup copies the database a running service has open — restore refuses until it stops") {
    test::TempDir dir;
    write_config(dir);
    std::int64_t id = 0;
    {
        storage::Database db(dir.file("h.db"));
        db.writes().run([&] { id = db.store().create_incident(sample_incident()); });
    }
    test::ChildProcess serve(binary, {"serve", "--config", dir.file("c.json")}, dir.path());
    REQUIRE(test::wait_until([&] { return contains(serve.err(), "listening on"); }, 10s));

    std::string err;
    CHECK(run(dir, {"backup", dir.file("copy.db"), "--config", dir.file("c.json")}, &err) == 0);
    CHECK(std::filesystem::exists(dir.file("copy.db")));
    {
        storage::Database copy(dir.file("copy.db"));
        CHECK(copy.open_reader()->find_incident(id).has_value());
    }

    CHECK(run(dir, {"restore", dir.file("copy.db"), "--config", dir.file("c.json")}, &err) == 1);
    CHECK(contains(err, "is in use"));

    serve.signal(SIGTERM);
    auto rc = serve.wait(10s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    CHECK(run(dir, {"restore", dir.file("copy.db"), "--config", dir.file("c.json")}, &err) == 0);
}

TEST_CASE("cli: backup and restore exit 2 on usage errors and 1 without a database") {
    test::TempDir dir;
    write_config(dir);
    std::string err;
    CHECK(run(dir, {"backup"}, &err) == 2);
    CHECK(contains(err, "Usage: hindsight backup <file>"));
    CHECK(run(dir, {"backup", "a.db", "b.db"}) == 2);
    CHECK(run(dir, {"restore", "a.db", "--bogus"}, &err) == 2);
    CHECK(contains(err, "unknown option --bogus"));
    CHECK(run(dir, {"backup", dir.file("copy.db"), "--config", dir.file("c.json")}, &err) == 1);
    CHECK(contains(err, "no database at " + dir.file("h.db")));
    CHECK_FALSE(std::filesystem::exists(dir.file("copy.db")));
}

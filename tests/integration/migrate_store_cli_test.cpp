// `hindsight migrate-store` as an operator runs it: the URL (with a password)
// from the environment, the counts printed, a second run refused.
#include "storage/database.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace hindsight;

namespace {

struct Run {
    int code = -1;
    std::string out, err;
};

Run migrate(const test::TempDir& dir, const std::vector<std::string>& args, const std::vector<std::string>& env) {
    test::ChildProcess p(HINDSIGHT_BINARY, args, dir.path(), env);
    auto rc = p.wait(60s);
    REQUIRE(rc.has_value());
    return {*rc, p.out(), p.err()};
}

}  // namespace

TEST_CASE("migrate-store CLI: copies, prints counts with the URL redacted, refuses a second copy without --force") {
    auto url = test::postgres_database();
    if (!url) return;
    const std::string password = "Cli-Pg-SECRET-77";
    test::TempDir dir;
    {
        storage::Database sqlite(dir.file("h.db"));
        Incident i;
        i.where = ChannelRef{Platform::slack, "T1", "C1"};
        i.title = "Checkout down";
        i.opened_at = from_micros(1'772'366'400'000'000LL);
        sqlite.store().create_incident(i);
    }
    const std::vector<std::string> env = {"HINDSIGHT_DATABASE_URL=" + *url + "&password=" + password};
    const std::vector<std::string> args = {"migrate-store", "--from", "sqlite:" + dir.file("h.db"), "--to",
                                           "postgres:"};

    auto first = migrate(dir, args, env);
    CHECK_MESSAGE(first.code == 0, first.err);
    CHECK(first.out.find("  incidents: 1\n") != std::string::npos);
    CHECK(first.out.find("counts verified") != std::string::npos);
    CHECK(first.out.find("password=<redacted>") != std::string::npos);
    CHECK((first.out + first.err).find(password) == std::string::npos);

    auto second = migrate(dir, args, env);
    CHECK(second.code == 1);
    CHECK(second.err.find("not empty (1 incidents)") != std::string::npos);
    CHECK((second.out + second.err).find(password) == std::string::npos);

    auto forced = args;
    forced.push_back("--force");
    CHECK(migrate(dir, forced, env).code == 0);

    auto bad = migrate(dir, {"migrate-store", "--from", dir.file("h.db"), "--to", "postgres:"}, env);
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--from must be sqlite:PATH") != std::string::npos);
}

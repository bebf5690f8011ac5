#include "bot/service/cli.hpp"
#include "storage/lsan_suppressions.hpp"

int main(int argc, char** argv) { return hindsight::service::run_cli(argc, argv); }

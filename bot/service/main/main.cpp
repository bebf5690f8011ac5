#include "bot/service/cli.hpp"

int main(int argc, char** argv) { return hindsight::service::run_cli(argc, argv); }

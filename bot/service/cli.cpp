#include "bot/service/cli.hpp"

#include <iostream>

namespace hindsight::service {

int run_cli(int, char**) {
    std::cerr << "hindsight: no commands yet\n";
    return 2;
}

}  // namespace hindsight::service

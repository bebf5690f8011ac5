// Reads a fixture from tests/data/slack (HINDSIGHT_TEST_DATA is set by ctest;
// the source path is the fallback when the binary is run by hand).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hindsight::slack::test {

inline std::string fixture(const std::string& name) {
    const char* dir = std::getenv("HINDSIGHT_TEST_DATA");
    std::string here = __FILE__;
    std::string base = dir ? std::string(dir) : here.substr(0, here.rfind('/')) + "/../../data";
    std::ifstream in(base + "/slack/" + name, std::ios::binary);
    if (!in) throw std::runtime_error("missing fixture " + name);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace hindsight::slack::test

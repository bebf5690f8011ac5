// Reads the recorded Mattermost payloads in tests/data/mattermost.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hindsight::mattermost::test {

inline std::string fixture(const std::string& name) {
    const char* root = std::getenv("HINDSIGHT_TEST_DATA");
    // ctest sets HINDSIGHT_TEST_DATA; run by hand, find the data beside this file.
    std::string here = __FILE__;
    std::string data = root ? root : here.substr(0, here.rfind("/unit/")) + "/data";
    std::string path = data + "/mattermost/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("missing fixture " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace hindsight::mattermost::test

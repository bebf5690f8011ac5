// Internal to config/: reading trackers.* (config.cpp calls these).
#pragma once

#include "config/config.hpp"
#include "config/fields.hpp"

namespace hindsight::config {

void read_trackers(const detail::Section& root, Config& out);
// The tokens and webhook secrets, from HINDSIGHT_TRACKER_<NAME>_*.
void apply_tracker_environment(Config& config, const Environment& env);
// Every tracker has its token.
void check_trackers(const Config& config);

}  // namespace hindsight::config

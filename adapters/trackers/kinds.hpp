// The three clients, made by make_client (kinds.cpp). Internal to adapters/trackers.
#pragma once

#include "adapters/trackers/client.hpp"
#include "bot/core/time.hpp"
#include "config/config.hpp"

#include <memory>

namespace hindsight::trackers {

std::unique_ptr<TrackerClient> make_github(const config::TrackerConfig& c, const outbound::ClientOptions& options,
                                           const Clock& clock);
std::unique_ptr<TrackerClient> make_gitlab(const config::TrackerConfig& c, const outbound::ClientOptions& options,
                                           const Clock& clock);
std::unique_ptr<TrackerClient> make_jira(const config::TrackerConfig& c, const outbound::ClientOptions& options,
                                         const Clock& clock);

}  // namespace hindsight::trackers

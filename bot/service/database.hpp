// The service's database, as the configuration says: the SQLite file
// (storage.path) or the shared PostgreSQL database (storage.url).
#pragma once

#include "bot/core/time.hpp"
#include "config/config.hpp"
#include "storage/database.hpp"

namespace hindsight::service {

// Throws std::runtime_error naming the database (a PostgreSQL URL with its
// password redacted). `clock` must outlive the result.
storage::Database open_database(const config::Config& config, const Clock& clock);

}  // namespace hindsight::service

#include "bot/service/database.hpp"

namespace hindsight::service {

storage::Database open_database(const config::Config& config, const Clock& clock) {
    if (!config.storage.postgres()) return storage::Database(config.storage_path);
    storage::Database::PostgresOptions options;
    options.url = config.storage.url;
    options.pool_size = static_cast<std::size_t>(config.storage.pool_size);
    options.lease = config.storage.lease;
    options.statement_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.storage.statement_timeout);
    options.lock_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.storage.lock_timeout);
    return storage::Database(options, clock);
}

}  // namespace hindsight::service

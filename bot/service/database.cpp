#include "bot/service/database.hpp"

namespace hindsight::service {

storage::Database open_database(const config::Config& config, const Clock& clock) {
    if (!config.storage.postgres()) return storage::Database(config.storage_path);
    storage::Database::PostgresOptions options;
    options.url = config.storage.url;
    options.pool_size = static_cast<std::size_t>(config.storage.pool_size);
    options.lease = config.storage.lease;
    return storage::Database(options, clock);
}

}  // namespace hindsight::service

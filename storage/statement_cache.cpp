#include "storage/statement_cache.hpp"

namespace hindsight::storage {

StatementCache::Use StatementCache::get(const char* sql) {
    auto& slot = cache_[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, sql);
    return Use(*slot);
}

}  // namespace hindsight::storage

#include "cli/existing_store.h"

#include "cli/state_dir.h"
#include "store/sqlite_store.h"

#include <iostream>

namespace sluice {

std::unique_ptr<SqliteStore> OpenExistingStore(const std::filesystem::path& state) {
  std::error_code error;
  // An unreadable state directory is reported by the store's open below.
  if (!std::filesystem::exists(DatabasePath(state), error) && !error) {
    std::cerr << "sluice: " << state.string() << ": no executions here (no sluice.db)\n";
    return nullptr;
  }
  auto store = SqliteStore::Open(DatabasePath(state));
  if (!store) {
    std::cerr << "sluice: " << store.error().ToString() << "\n";
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace sluice

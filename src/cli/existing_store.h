// The metadata store of a state directory that commands reading past executions open: one that
// does not exist yet is an error for them, not something to create.
#pragma once

#include <filesystem>
#include <memory>

namespace sluice {

class SqliteStore;

// Nothing, with the reason on stderr, when the directory holds no store or it cannot be opened.
std::unique_ptr<SqliteStore> OpenExistingStore(const std::filesystem::path& state);

}  // namespace sluice

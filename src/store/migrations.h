// The SQL schema migrations of the metadata store, oldest first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

const std::vector<std::string_view>& Migrations();

// One transaction that applies every migration after the first `applied` and records the
// schema version: a store is never left between two versions.
std::string MigrationScript(size_t applied);

}  // namespace sluice

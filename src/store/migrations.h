// The SQL schema migrations of the metadata store, oldest first.
#pragma once

#include <string_view>
#include <vector>

namespace sluice {

const std::vector<std::string_view>& Migrations();

}  // namespace sluice

#include "base/durability.h"

namespace sluice {

std::string_view DurabilityName(Durability durability) {
  switch (durability) {
    case Durability::kProcessCrash:
      return "process";
    case Durability::kMachineCrash:
      return "machine";
  }
  return "machine";
}

std::optional<Durability> DurabilityFromName(std::string_view name) {
  if (name == "process") return Durability::kProcessCrash;
  if (name == "machine") return Durability::kMachineCrash;
  return std::nullopt;
}

}  // namespace sluice

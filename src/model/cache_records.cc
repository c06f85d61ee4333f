#include "model/cache_records.h"

namespace sluice {

std::string_view CacheOutcomeName(CacheOutcome outcome) {
  switch (outcome) {
    case CacheOutcome::kHit:
      return "hit";
    case CacheOutcome::kMissed:
      return "missed";
    case CacheOutcome::kNotCached:
      return "not cached";
  }
  return "";
}

std::optional<CacheOutcome> CacheOutcomeFromName(std::string_view name) {
  for (CacheOutcome outcome :
       {CacheOutcome::kHit, CacheOutcome::kMissed, CacheOutcome::kNotCached}) {
    if (CacheOutcomeName(outcome) == name) return outcome;
  }
  return std::nullopt;
}

}  // namespace sluice

// Step-cache records shared by the engine and the stores: an entry for every step run that
// succeeded by doing its work (what it was keyed on and what it left behind), and the decision
// made for every attempt of a cacheable step, with its reason. Plain data; safe to copy between
// threads. What the key material holds and how decisions are made: engine/step_cache.h.
#pragma once

#include "model/records.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct CacheEntry {
  std::string pipeline_name;
  std::string step_name;
  std::string cache_key;      // hex SHA-256 of the canonical key material
  std::string material_json;  // the key material, canonical JSON
  std::string execution_id;   // the run that did the work
  int64_t attempt = 1;
  TimePoint created;         // when that run started: ExpireAfter counts from here
  std::string outputs_json;  // JSON list of the output URIs that held objects when it ended

  // Read from the run's own step record by the store's queries; not written with the entry.
  std::string job_name;
  std::string properties_json;
  std::string metadata_json;
  std::string log_file;
};

// The newest entries of one (pipeline, step): the one with the key asked about, which a new run
// may reuse, and the newest of any key, which a miss is explained against.
struct CacheCandidates {
  std::optional<CacheEntry> same_key;
  std::optional<CacheEntry> latest;
};

enum class CacheOutcome { kHit, kMissed, kNotCached };

std::string_view CacheOutcomeName(CacheOutcome outcome);  // "hit", "missed", "not cached"
std::optional<CacheOutcome> CacheOutcomeFromName(std::string_view name);

struct CacheDecisionRecord {
  std::string execution_id;
  std::string step_name;
  int64_t attempt = 1;
  CacheOutcome outcome = CacheOutcome::kNotCached;
  // One line: "hit: execution … step … attempt 1", "missed: HyperParameters.max_depth "5" ->
  // "6"", "not cached: --no-cache".
  std::string reason;
  std::string cache_key;  // empty when no key was built
  // The earlier run the decision was made against: a hit's source, or the run a miss was
  // compared with; empty when there was none.
  std::string compared_execution_id;
  int64_t compared_attempt = 0;
  std::vector<std::string> differences;  // a miss: every difference from the compared run
  TimePoint decided;
};

}  // namespace sluice

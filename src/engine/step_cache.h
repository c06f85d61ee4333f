// Step caching (compat spec §5.1) as pure functions: what a run of a step is keyed on, how two
// keys differ, and whether an earlier run stands in for a new one, always with the reason.
//
// The key material of a run is a Value document, kept canonical (map keys sorted):
//   {"Arguments": {the spec's key attributes of the resolved arguments},
//    "Inputs": {input URI: {object URI: hex SHA-256 of its content}},
//    "KeyVersion": 1, "Type": "Training"}
// so output locations never matter, an identical re-upload behind the same URI matches, and a
// changed file behind the same URI does not. The cache key is the SHA-256 of its JSON text.
//
// Nothing here does I/O or reads a clock: engine/cache_lookup.h digests the inputs and reads the
// earlier runs, and the engine performs the decision. Stateless and thread-safe.
#pragma once

#include "definition/pipeline_definition.h"
#include "definition/value.h"
#include "model/cache_records.h"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The Arguments attributes that key a step type, from the spec's table; nullptr for types the
// cache does not cover here. Only the types that run locally are listed; Tuning, AutoML, EMR,
// the checks, Lambda and Callback join with their handlers, each with its row of the table.
const std::vector<std::string_view>* KeyAttributesOf(StepType type);

// How a step is treated in one run.
struct CachePlan {
  bool is_keyed = false;      // its key material is built, and recorded if it succeeds by running
  bool is_looked_up = false;  // an earlier run may stand in for it
  // Why it is not looked up ("not cached: --no-cache"); empty for step types the cache does not
  // cover, which get no decision at all.
  std::string reason;
  std::optional<std::chrono::seconds> expire_after;
  std::string expire_after_text;  // as written ("PT1H"), for reasons
};
CachePlan PlanCache(const StepSpec& spec, bool is_cache_disabled);

// The artifacts a run reads, as its resolved arguments name them: ProcessingInputs (code inputs
// are processing inputs too), InputDataConfig channels and the script-mode code archive
// (HyperParameters.sagemaker_submit_directory, a JSON-encoded string; local paths become
// file:// URIs), and TransformInput. A Transform's model data is named only through its model;
// the step's handler adds it (StepHandler::IndirectInputs).
std::vector<std::string> InputUrisOf(StepType type, const Value& arguments);

// What a run left behind that reusing it needs, from its property document: the processing
// outputs, the training model artifact, the transform output path.
std::vector<std::string> OutputUrisOf(StepType type, const Value& properties);

struct ObjectDigest {
  std::string uri;
  std::string sha256;
};
// Every object an input URI names: the object itself, or each object under a prefix.
struct InputDigests {
  std::string uri;
  std::vector<ObjectDigest> objects;
};

Value BuildKeyMaterial(StepType type, const Value& arguments,
                       const std::vector<InputDigests>& inputs);
// JSON text with every map's keys sorted, so equal documents have equal text.
std::string CanonicalJson(const Value& value);
// Hex SHA-256 of the material's canonical JSON.
std::string CacheKeyOf(const Value& material);

// Every difference between an earlier run's material and this one's, in a stable order, one
// line each: `HyperParameters.max_depth "5" -> "6"`, `input s3://b/train.csv changed: sha256
// ab12… -> 9f3c…`, `input s3://b/data changed: s3://b/data/part-3 added`.
std::vector<std::string> DifferencesBetween(const Value& earlier, const Value& current);

struct CacheDecision {
  CacheOutcome outcome = CacheOutcome::kNotCached;
  std::string reason;
  std::vector<std::string> differences;
  // A hit: the run to reuse. A miss: the run it was compared with, when there was one.
  std::optional<CacheEntry> source;
};

CacheDecision NotCached(std::string why);

// Whether `entry` is too old to reuse: ExpireAfter counts from when its run started; without
// ExpireAfter entries never expire.
bool HasExpired(const CacheEntry& entry, TimePoint now,
                const std::optional<std::chrono::seconds>& expire_after);

// The newest entry of every (step, key) of one pipeline, read once for an execution: where its
// steps' candidates come from. Immutable once built, so workers share it read-only.
class CacheIndex {
 public:
  CacheIndex() = default;
  // Entries in any order; of two with the same creation time the earlier one in `entries` counts
  // as the newer, as the store lists them.
  explicit CacheIndex(std::vector<CacheEntry> entries);
  // No entries, because the store could not be read: lookups say so.
  static CacheIndex Unreadable(std::string why);

  CacheCandidates CandidatesFor(std::string_view step_name, std::string_view cache_key) const;
  const std::string& unreadable_reason() const { return unreadable_reason_; }

 private:
  std::map<std::string, std::vector<CacheEntry>, std::less<>> newest_first_;  // by step name
  std::string unreadable_reason_;
};

// What the lookup found, for Decide().
struct CacheQuestion {
  std::string cache_key;
  Value material;
  CacheCandidates candidates;
  // The outputs of `candidates.same_key` that held objects when its run ended and hold none now.
  std::vector<std::string> missing_outputs;
  TimePoint now;
  std::optional<std::chrono::seconds> expire_after;
  std::string expire_after_text;  // as written, for the reason
};

// A hit reuses the newest earlier run with the same key if it has not expired and its outputs
// are all still there. Otherwise a miss, whose reason names what differs from the newest earlier
// run, or that there was none, or that the matching one expired or lost its outputs.
CacheDecision Decide(const CacheQuestion& question);

// The decision as it is stored for the attempt.
CacheDecisionRecord DecisionRecordOf(const CacheDecision& decision, std::string execution_id,
                                     std::string step_name, int64_t attempt, std::string cache_key,
                                     TimePoint now);

}  // namespace sluice

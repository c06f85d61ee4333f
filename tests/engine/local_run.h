// Runs pipeline definitions through the real engine for the cross-module suites: a SQLite file,
// the local object store and real child processes, all under a temporary state directory.
#pragma once

#include "base/clock.h"
#include "model/cache_records.h"
#include "model/records.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::testing {

struct RunOutcome {
  std::string start_errors;  // non-empty when the execution did not start
  ExecutionRecord execution;
  std::vector<StepRun> steps;                        // every attempt, as stored
  std::vector<Event> events;                         // every event, as stored
  std::vector<CacheDecisionRecord> cache_decisions;  // as stored

  const StepRun* Step(std::string_view name) const;
  // The cache decision of the step's last attempt that has one.
  const CacheDecisionRecord* CacheDecision(std::string_view step) const;
};

class LocalRun {
 public:
  LocalRun();
  ~LocalRun();

  const std::filesystem::path& state_dir() const { return state_dir_; }
  bool IsBubblewrapUsable() const;
  // The clock the engine reads (the system clock when not set); must outlive Run().
  void UseClock(const Clock* clock) { clock_ = clock; }
  // Runs as `sluice run --no-cache` does.
  void DisableCache(bool is_disabled) { is_cache_disabled_ = is_disabled; }

  RunOutcome Run(const std::string& definition,
                 std::vector<std::pair<std::string, std::string>> parameters = {},
                 int64_t max_parallel_steps = 0, bool is_isolated = false);

  std::string ReadObject(const std::string& uri) const;
  void WriteObject(const std::string& uri, const std::string& contents) const;

 private:
  std::filesystem::path state_dir_;
  const Clock* clock_ = nullptr;
  bool is_cache_disabled_ = false;
};

}  // namespace sluice::testing

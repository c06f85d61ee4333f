// What the SageMaker API keeps beside executions: pipelines with every version of their
// definition, what an API call added to an execution it started (its version, description,
// selective-execution configuration), idempotency tokens, tags, and the query shape the List*
// operations share. Plain data; safe to copy between threads.
#pragma once

#include "model/records.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sluice {

struct PipelineRecord {
  std::string name;
  std::string arn;
  std::string display_name;
  std::string description;
  std::string role_arn;
  int64_t max_parallel_steps = 0;  // ParallelismConfiguration; 0: none given
  int64_t latest_version = 1;
  TimePoint created;
  TimePoint last_modified;
  std::optional<TimePoint> last_execution;  // filled in by queries
};

struct PipelineVersionRecord {
  std::string pipeline_name;
  int64_t version_id = 1;  // 1, 2, ... per pipeline
  std::string definition;
  std::string display_name;
  std::string description;
  TimePoint created;
  std::string last_execution_id;  // filled in by queries; empty when none ran it
};

// An execution as the API shows it: the engine's record and what StartPipelineExecution or
// UpdatePipelineExecution added to it.
struct ExecutionDetails {
  std::string execution_id;
  int64_t pipeline_version_id = 0;  // 0: started outside the API
  std::string description;
  std::string display_name;              // empty: the engine record's
  std::string selective_execution_json;  // the SelectiveExecutionConfig given, or empty
  int64_t max_parallel_steps = 0;        // the ParallelismConfiguration given; 0: none
};

enum class ListOrder { kAscending, kDescending };
enum class ListSortKey { kCreationTime, kName };

// A page of a List* operation. Names are matched by prefix; times bound the creation time.
struct ListQuery {
  std::string name_prefix;
  std::optional<TimePoint> created_after;
  std::optional<TimePoint> created_before;
  ListSortKey sort_key = ListSortKey::kCreationTime;
  ListOrder order = ListOrder::kDescending;
  int64_t offset = 0;
  int64_t limit = 100;
};

struct Tag {
  std::string key;
  std::string value;
};

}  // namespace sluice

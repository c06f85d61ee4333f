// Stored events rendered as what SageMaker publishes to EventBridge for pipeline executions:
// "SageMaker Model Building Pipeline Execution Status Change" for an execution's status and
// "... Execution Step Status Change" for a step's. The rendering is pure: everything it needs
// beyond the stored Event comes in EventFacts (event_facts.h gathers them from the store).
#pragma once

#include "model/records.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace sluice {

inline constexpr char kExecutionStatusChange[] =
    "SageMaker Model Building Pipeline Execution Status Change";
inline constexpr char kStepStatusChange[] =
    "SageMaker Model Building Pipeline Execution Step Status Change";

struct EventFacts {
  std::string region;
  std::string account;
  std::string pipeline_name;
  std::string execution_display_name;
  std::string execution_description;
  TimePoint execution_start;
  std::optional<TimePoint> execution_end;  // set on the event that ended it
  // The status before this event, of the execution or of the step; empty for the first one.
  std::string previous_status;
  // Steps only: from the step's attempt this event belongs to, when it has one yet.
  std::string step_type;
  std::optional<TimePoint> step_start;
  std::optional<TimePoint> step_end;
  std::string job_name;       // the job (or model, or package) the step created
  std::string metadata_json;  // ListPipelineExecutionSteps Metadata, "" when none
};

// "SageMaker Model Building Pipeline Execution (Step) Status Change".
std::string DetailType(const Event& event);

// A UUID-shaped id derived from the execution and the event's sequence, so that the same stored
// event always has the same id (a receiver can drop repeated deliveries by it).
std::string EventId(const Event& event);

nlohmann::json EventBridgeDocument(const Event& event, const EventFacts& facts);

}  // namespace sluice

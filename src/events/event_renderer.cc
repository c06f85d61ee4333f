#include "events/event_renderer.h"

#include "store/metadata_store.h"

#include "events/event_document.h"
#include <map>
#include <optional>

namespace sluice {
namespace {

bool IsTerminalStatus(const std::string& status) {
  return status == "Succeeded" || status == "Failed" || status == "Stopped";
}

// What an execution's whole event history says about each of its events: the status before it
// and, for a step, which attempt it belongs to (each "Starting" begins the next attempt).
struct History {
  std::map<int64_t, std::string> previous_status;
  std::map<int64_t, int64_t> attempt;
};

History ReadHistory(const std::vector<Event>& all) {
  History history;
  std::map<std::string, std::string> last_status;
  std::map<std::string, int64_t> attempts;
  for (const Event& event : all) {
    history.previous_status[event.sequence] = last_status[event.step_name];
    last_status[event.step_name] = event.status;
    if (event.step_name.empty()) continue;
    if (event.status == "Starting") ++attempts[event.step_name];
    history.attempt[event.sequence] = std::max<int64_t>(1, attempts[event.step_name]);
  }
  return history;
}

struct ExecutionFacts {
  ExecutionRecord record;
  std::optional<ExecutionDetails> details;
  std::vector<StepRun> runs;
  History history;
};

}  // namespace

Result<std::vector<RenderedEvent>> EventRenderer::Render(const std::vector<Event>& events) {
  std::map<std::string, std::optional<ExecutionFacts>> executions;
  std::vector<RenderedEvent> rendered;
  for (const Event& event : events) {
    auto [entry, is_new] = executions.try_emplace(event.execution_id);
    if (is_new) {
      auto record = store_.FindExecution(event.execution_id);
      if (!record) return record.error();
      if (*record) {
        ExecutionFacts facts;
        facts.record = std::move(**record);
        auto details = store_.FindExecutionDetails(event.execution_id);
        if (!details) return details.error();
        facts.details = std::move(*details);
        auto runs = store_.ListStepRuns(event.execution_id);
        if (!runs) return runs.error();
        facts.runs = std::move(*runs);
        auto all = store_.ListEvents(event.execution_id, 0);
        if (!all) return all.error();
        facts.history = ReadHistory(*all);
        entry->second = std::move(facts);
      }
    }
    if (!entry->second) continue;
    const ExecutionFacts& execution = *entry->second;
    EventFacts facts;
    facts.region = region_;
    facts.account = account_;
    facts.pipeline_name = execution.record.pipeline_name;
    facts.execution_display_name = execution.record.display_name;
    if (execution.details) {
      if (!execution.details->display_name.empty()) {
        facts.execution_display_name = execution.details->display_name;
      }
      facts.execution_description = execution.details->description;
    }
    facts.execution_start = execution.record.created;
    if (auto previous = execution.history.previous_status.find(event.sequence);
        previous != execution.history.previous_status.end()) {
      facts.previous_status = previous->second;
    }
    if (event.step_name.empty()) {
      if (IsTerminalStatus(event.status)) facts.execution_end = event.time;
    } else {
      const auto attempt = execution.history.attempt.find(event.sequence);
      for (const StepRun& run : execution.runs) {
        if (run.step_name != event.step_name) continue;
        if (attempt != execution.history.attempt.end() && run.attempt != attempt->second) continue;
        facts.step_type = run.step_type;
        facts.step_start = run.started;
        if (IsTerminalStatus(event.status)) facts.step_end = run.ended ? run.ended : event.time;
        facts.job_name = run.job_name;
        if (IsTerminalStatus(event.status)) facts.metadata_json = run.metadata_json;
      }
    }
    rendered.push_back(
        RenderedEvent{event, facts.pipeline_name, EventBridgeDocument(event, facts)});
  }
  return rendered;
}

}  // namespace sluice

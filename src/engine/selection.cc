#include "engine/selection.h"

#include "base/text.h"
#include "definition/json.h"
#include "definition/property_path.h"
#include "graph/compiled_pipeline.h"

#include <algorithm>
#include <deque>
#include <map>

namespace sluice {
namespace {

constexpr size_t kMaxSelectedSteps = 50;

std::vector<bool> Reachable(const Dag& dag, const std::vector<bool>& from, bool downstream) {
  std::vector<bool> reached(dag.size(), false);
  std::deque<size_t> queue;
  for (size_t step = 0; step < from.size(); ++step) {
    if (from[step]) queue.push_back(step);
  }
  while (!queue.empty()) {
    const size_t step = queue.front();
    queue.pop_front();
    for (const Edge& edge : downstream ? dag.Downstream(step) : dag.Upstream(step)) {
      const size_t next = downstream ? edge.to : edge.from;
      if (!reached[next]) {
        reached[next] = true;
        queue.push_back(next);
      }
    }
  }
  return reached;
}

// Sets `path` inside `document` to `value`, creating maps as needed. Lists are indexed by
// position or, for ['key'], by the element's name member, as property paths read them.
Result<void> SetAtPath(Value& document, const PropertyPath& path, size_t position, Value value) {
  if (position == path.size()) {
    document = std::move(value);
    return {};
  }
  const PathSegment& segment = path[position];
  if (segment.kind == PathSegment::Kind::kIndex) {
    if (!document.is_list() || segment.index < 0 ||
        static_cast<size_t>(segment.index) >= document.as_list().size()) {
      return InvalidArgument(FormatPropertyPath(path),
                             "has no element [" + std::to_string(segment.index) + "]");
    }
    return SetAtPath(document.as_list()[static_cast<size_t>(segment.index)], path, position + 1,
                     std::move(value));
  }
  if (document.is_list()) {
    for (Value& element : document.as_list()) {
      if (!element.is_map()) continue;
      for (const Member& member : element.as_map()) {
        if (member.value.is_string() && member.value.as_string() == segment.name &&
            member.key.size() > 4 && member.key.substr(member.key.size() - 4) == "Name") {
          return SetAtPath(element, path, position + 1, std::move(value));
        }
      }
    }
    return InvalidArgument(FormatPropertyPath(path), "has no element named " + Quote(segment.name));
  }
  if (document.is_null()) document = Value::EmptyMap();
  if (!document.is_map()) {
    return InvalidArgument(FormatPropertyPath(path),
                           "cannot set " + Quote(segment.name) + " inside " + document.Describe());
  }
  if (document.Find(segment.name) == nullptr) document.Set(segment.name, Value());
  return SetAtPath(*document.Find(segment.name), path, position + 1, std::move(value));
}

}  // namespace

Result<SelectionPlan, Errors> PlanSelection(const CompiledPipeline& pipeline,
                                            const SelectionRequest& request,
                                            const std::string& source_execution_arn,
                                            const std::vector<StepRun>& source_runs) {
  const PipelineDefinition& definition = pipeline.definition;
  const Dag& dag = pipeline.dag;
  Errors errors;
  if (request.selected_steps.empty() || request.selected_steps.size() > kMaxSelectedSteps) {
    errors.push_back(InvalidArgument("--steps", "expected 1 to 50 step names, got " +
                                                    std::to_string(request.selected_steps.size())));
    return errors;
  }
  std::vector<bool> is_selected(dag.size(), false);
  for (const std::string& name : request.selected_steps) {
    auto step = definition.FindStep(name);
    if (!step) {
      errors.push_back(InvalidArgument("--steps", Quote(name) + " is not a step of this pipeline" +
                                                      DidYouMean(name, definition.StepNames())));
      continue;
    }
    is_selected[*step] = true;
  }
  if (!errors.empty()) return errors;
  if (request.with_downstream) {
    const std::vector<bool> below = Reachable(dag, is_selected, /*downstream=*/true);
    for (size_t step = 0; step < dag.size(); ++step)
      is_selected[step] = is_selected[step] || below[step];
  }
  const std::vector<bool> above = Reachable(dag, is_selected, /*downstream=*/false);
  const std::vector<bool> below = Reachable(dag, is_selected, /*downstream=*/true);
  for (size_t step = 0; step < dag.size(); ++step) {
    if (!is_selected[step] && above[step] && below[step]) {
      errors.push_back(InvalidArgument(
          "--steps", "step " + Quote(definition.steps[step].name) +
                         " lies between selected steps, so it must be selected too"));
    }
  }
  if (!errors.empty()) return errors;

  std::map<std::string, const StepRun*, std::less<>> last_run;
  for (const StepRun& run : source_runs) {
    const StepRun*& last = last_run[run.step_name];
    if (last == nullptr || run.attempt > last->attempt) last = &run;
  }
  SelectionPlan plan;
  std::vector<std::string> needed;
  for (size_t step = 0; step < dag.size(); ++step) {
    const std::string& name = definition.steps[step].name;
    if (is_selected[step]) {
      plan.selected.push_back(name);
      continue;
    }
    if (!above[step]) {
      plan.excluded.push_back(name);
      continue;
    }
    needed.push_back(name);
  }
  if (!needed.empty() && request.source_execution.empty()) {
    errors.push_back(InvalidArgument(
        "--from-execution", "the selected steps [" + Join(plan.selected, ", ") + "] depend on [" +
                                Join(needed, ", ") +
                                "], so an execution to take their results from is needed"));
    return errors;
  }
  std::map<std::string, size_t> reused_index;
  for (const std::string& name : needed) {
    auto found = last_run.find(name);
    if (found == last_run.end() || found->second->status != StepStatus::kSucceeded) {
      errors.push_back(
          InvalidArgument("--from-execution",
                          "step " + Quote(name) + " is needed by the selection but " +
                              (found == last_run.end()
                                   ? "did not run in execution " + request.source_execution
                                   : "ended " + std::string(StepStatusName(found->second->status)) +
                                         " in execution " + request.source_execution)));
      continue;
    }
    StepRun reused = *found->second;
    auto metadata = ParseJson(reused.metadata_json);
    Value marked = metadata && metadata->is_map() ? *metadata : Value::EmptyMap();
    Value source = Value::EmptyMap();
    source.Set("SourcePipelineExecutionArn", source_execution_arn);
    marked.Set("SelectiveExecutionResult", std::move(source));
    reused.metadata_json = WriteJson(marked);
    reused_index[name] = plan.reused.size();
    plan.reused.push_back(std::move(reused));
  }
  for (const std::string& text : request.overrides) {
    const size_t equals = text.find('=');
    const std::string reference = text.substr(0, equals);
    const std::string prefix = "Steps.";
    if (equals == std::string::npos || reference.rfind(prefix, 0) != 0) {
      errors.push_back(
          InvalidArgument("--set " + text, "expected Steps.<Step>.<property path>=<value>"));
      continue;
    }
    const std::string rest = reference.substr(prefix.size());
    const size_t dot = rest.find('.');
    const std::string step = rest.substr(0, dot);
    auto index = reused_index.find(step);
    if (index == reused_index.end() || dot == std::string::npos) {
      errors.push_back(InvalidArgument(
          "--set " + text, "expected a property of a step taken from the source execution (" +
                               Join(needed, ", ") + ")"));
      continue;
    }
    auto path = ParsePropertyPath(rest.substr(dot + 1));
    if (!path) {
      errors.push_back(InvalidArgument("--set " + text, path.error().message));
      continue;
    }
    const std::string value_text = text.substr(equals + 1);
    auto parsed = ParseJson(value_text);
    StepRun& run = plan.reused[index->second];
    auto properties = ParseJson(run.properties_json);
    Value document = properties ? *properties : Value::EmptyMap();
    if (auto set = SetAtPath(document, *path, 0, parsed ? *parsed : Value(value_text)); !set) {
      errors.push_back(InvalidArgument("--set " + text, set.error().ToString()));
      continue;
    }
    run.properties_json = WriteJson(document);
  }
  if (!errors.empty()) return errors;
  return plan;
}

}  // namespace sluice

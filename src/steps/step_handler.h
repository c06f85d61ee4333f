// One handler per SageMaker step type: it turns a step's arguments into a job to run here and
// the job's result into the step's properties (its Describe*-shaped document). Condition and
// Fail steps, and steps that only record something (Model, RegisterModel), produce no job: their
// Prepare() returns the result directly. A Callback step produces a request to wait on instead.
//
// Handlers are stateless and shared; Prepare() and Complete() may block (downloads, packing), so
// the engine calls them on its worker pool. Everything a call needs arrives in its StepContext;
// the definition it points into is immutable and shared read-only.
#pragma once

#include "base/result.h"
#include "definition/expression.h"
#include "definition/pipeline_definition.h"
#include "executors/executor.h"
#include "model/records.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

class ArtifactStore;
class RuntimeMap;

struct ExecutionIdentity {
  std::string execution_id;
  std::string execution_arn;
  std::string pipeline_name;
  std::string pipeline_arn;
  std::string region;
  std::string account;
};

struct StepContext {
  const ExecutionIdentity& execution;
  const StepSpec& spec;
  int64_t attempt = 1;
  std::string job_name;            // the SageMaker job or resource name of this attempt
  std::filesystem::path work_dir;  // this attempt's host directory; the handler fills it
  std::filesystem::path log_file;  // the step's log: handlers append what the user should see
  Isolation isolation = Isolation::kNone;
  const EvaluationScope& scope;  // parameters, execution variables, upstream properties
  ArtifactStore& artifacts;
  const RuntimeMap& runtimes;
  std::filesystem::path transform_driver;  // the sluice-transform program
  // Where models and model packages that steps create are recorded (one JSON file each).
  std::filesystem::path resources_dir;
  std::vector<std::pair<std::string, std::string>> base_environment;  // PATH, endpoints, ...
  // Where Lambda steps find their FunctionArn (steps/function_map.h); read at each invocation.
  std::filesystem::path functions_file = {};
};

// The step's Arguments with every expression in them evaluated in the context's scope.
inline Result<Value> ResolveArguments(const StepContext& context) {
  return Resolve(context.spec.arguments.Parse(), context.scope);
}

struct StepResult {
  bool is_success = true;
  FailureClass failure_class = FailureClass::kNone;
  std::string failure_reason;
  Value properties = Value::EmptyMap();  // what Steps.<name>.* resolves against
  Value metadata = Value::EmptyMap();    // ListPipelineExecutionSteps Metadata
  bool condition_outcome = true;         // Condition steps

  static StepResult Failure(FailureClass failure_class, std::string reason) {
    StepResult result;
    result.is_success = false;
    result.failure_class = failure_class;
    result.failure_reason = std::move(reason);
    return result;
  }
};

// A Callback step's request: the engine parks the step (no job, no thread) under a new token,
// sends `arguments` to the queue, and finishes the step when the token is answered.
struct CallbackRequest {
  std::string queue_url;   // SqsQueueUrl as resolved
  std::string queue_name;  // its last path segment
  Value arguments = Value::EmptyMap();
};

struct Preparation {
  std::optional<JobSpec> job;               // run this, then call Complete()
  std::optional<StepResult> result;         // or the step is already done
  std::optional<CallbackRequest> callback;  // or it waits for a callback
  Value state;  // carried to Complete(): the resolved arguments and more
};

class StepHandler {
 public:
  virtual ~StepHandler() = default;
  // An error here is the step's failure: kInvalidArgument for bad arguments (a client error,
  // never retried), kUnavailable for a launch-side fault (Step.SERVICE_FAULT, retried).
  virtual Result<Preparation> Prepare(const StepContext& context) const = 0;
  virtual StepResult Complete(const StepContext& context, const Value& state,
                              const JobResult& job) const = 0;
  // The artifacts a run reads that its resolved `arguments` name only indirectly (a Transform's
  // model data, through its ModelName), as URIs: the step cache keys a run on their content.
  virtual Result<std::vector<std::string>> IndirectInputs(const StepContext& /*context*/,
                                                          const Value& /*arguments*/) const {
    return std::vector<std::string>{};
  }
  // True when this step's Prepare and Complete stage, upload and read nothing beyond the
  // attempt's own tree, so that handing them to a worker thread would cost more than they do:
  // the engine then runs them on its own thread. False, the default, for anything that may
  // copy data or wait on the network.
  virtual bool IsQuick(const StepSpec& /*spec*/) const { return false; }
};

// True when resolving the step's expressions reads property files or objects (Std:JsonGet).
bool ResolvingReadsArtifacts(const StepSpec& spec);

// The handler for a step type, or nullptr when the type cannot run here; `why` then says
// what is missing, for the "not supported locally: ..." failure.
const StepHandler* HandlerFor(StepType type, std::string* why = nullptr);

}  // namespace sluice

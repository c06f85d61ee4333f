// A pipeline definition exactly as the user wrote it (SageMaker Pipeline Definition JSON,
// Version 2020-12-01), parsed into typed parts. Steps nested in Condition branches are
// flattened into `steps`, each once; `if_steps`/`else_steps` and `parent` keep the nesting.
// Every key is kept: what the model does not interpret is written back unchanged, so
// `WriteDefinition(ParseDefinition(text))` loses nothing but null-valued keys (which SageMaker
// treats as absent).
#pragma once

#include "base/result.h"
#include "definition/condition.h"
#include "definition/step_type.h"
#include "definition/value.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

enum class ParameterType { kString, kInteger, kFloat, kBoolean };
std::string_view ParameterTypeName(ParameterType type);

struct ParameterSpec {
  std::string name;
  ParameterType type = ParameterType::kString;
  std::optional<Value> default_value;
  std::vector<std::string> enum_values;  // String parameters only; empty when unrestricted
  Value written;                         // the parameter object as written
  std::string location;
};

struct CacheConfig {
  bool is_enabled = false;
  std::optional<std::chrono::seconds> expire_after;
};

enum class RetryExceptionType {
  kStepServiceFault,
  kStepThrottling,
  kJobInternalError,
  kCapacityError,
  kResourceLimit,
  kEmrResourceLimit,
};
std::string_view RetryExceptionTypeName(RetryExceptionType type);

struct RetryPolicySpec {
  std::vector<RetryExceptionType> exception_types;
  int64_t interval_seconds = 1;
  double backoff_rate = 2.0;
  std::optional<int64_t> max_attempts;      // retries, not runs; 0 = never retry
  std::optional<int64_t> expire_after_min;  // 0 = never retry
  std::string location;
};

struct PropertyFileSpec {
  std::string name;
  std::string output_name;
  std::string file_path;
  std::string location;
};

// A typed output of a Lambda or Callback step.
struct OutputParameterSpec {
  std::string name;
  ParameterType type = ParameterType::kString;
};

// The step keys held by typed members of StepSpec rather than in its `fields`, in the order of
// StepSpec::typed_key_positions.
inline constexpr std::array<std::string_view, 4> kTypedStepKeys = {"Name", "Type", "Arguments",
                                                                   "DependsOn"};

// The parts of a step that most steps lack, held apart so that a step without them pays one
// pointer for all of them: at 10,000 steps the empty members were about 1.7 MB.
struct StepRareParts {
  std::optional<CacheConfig> cache_config;
  std::vector<RetryPolicySpec> retry_policies;
  std::vector<PropertyFileSpec> property_files;        // Processing
  std::vector<OutputParameterSpec> output_parameters;  // Lambda, Callback
  std::vector<Condition> conditions;                   // Condition steps
  std::vector<size_t> if_steps;                        // indices into PipelineDefinition::steps
  std::vector<size_t> else_steps;
  // What the check of the Arguments against their API shape found, made by the parser while
  // their tree was at hand and reported by the validator.
  Errors argument_errors;
  Errors argument_warnings;
};

// Owns a StepRareParts, made on first write; copies copy it.
class StepRarePartsBox {
 public:
  StepRarePartsBox() = default;
  StepRarePartsBox(const StepRarePartsBox& other)
      : parts_(other.parts_ ? std::make_unique<StepRareParts>(*other.parts_) : nullptr) {}
  StepRarePartsBox& operator=(const StepRarePartsBox& other) {
    if (this != &other) *this = StepRarePartsBox(other);
    return *this;
  }
  StepRarePartsBox(StepRarePartsBox&&) noexcept = default;
  StepRarePartsBox& operator=(StepRarePartsBox&&) noexcept = default;

  const StepRareParts& get() const { return parts_ ? *parts_ : kNone; }
  StepRareParts& Mutable() {
    if (!parts_) parts_ = std::make_unique<StepRareParts>();
    return *parts_;
  }

 private:
  static const StepRareParts kNone;
  std::unique_ptr<StepRareParts> parts_;
};

// A step's Arguments, held as compact JSON text and parsed again where a step needs them (when
// it is checked, looked up in the cache, started). Their trees were most of a running engine's
// memory: at 10,000 steps the text is about a quarter of the tree's size.
class StepArguments {
 public:
  StepArguments() = default;  // no arguments: an empty object
  // `parsed` is what the parser made of the written arguments, expressions included.
  explicit StepArguments(const Value& parsed);

  // The arguments with expressions parsed, as the parser made them. The text was written from
  // arguments that parsed, so it always reads back (a failure would be a logic error, and aborts).
  Value Parse() const;
  // The compact JSON text (expressions in their written form); empty for no arguments.
  const std::string& json() const { return json_; }

 private:
  std::string json_;
};

struct StepSpec {
  std::string name;
  StepType type = StepType::kPass;
  // For Condition steps the Conditions, IfSteps and ElseSteps members hold null here; the typed
  // fields below are the truth for them.
  StepArguments arguments;
  std::vector<std::string> depends_on;
  // Cache config, retry policies, property files, output parameters, conditions and branches.
  StepRarePartsBox rare_parts;
  const StepRareParts& rare() const { return rare_parts.get(); }
  StepRareParts& mutable_rare() { return rare_parts.Mutable(); }
  // The step object's other top-level keys in written order, with expressions parsed
  // (DisplayName and Description among them, checked by the parser). Name,
  // Type, Arguments and DependsOn are written back from the members above, at the places
  // `typed_key_positions` keeps, so that most steps hold no list of their keys at all.
  Value::Map fields;
  // One of `fields` when it is a string (DisplayName, Description), else nullptr.
  const std::string* TextField(std::string_view key) const;
  // Where each of kTypedStepKeys stands among the step's keys as written (0 is the first), or
  // -1 when the step does not have it.
  std::array<int32_t, 4> typed_key_positions = {-1, -1, -1, -1};

  // Every expression of the step outside DependsOn, outermost ones only, in the order the
  // validator reports them: Arguments, the other fields, then Conditions. Filled by the parser,
  // so that the validator and the DAG find references without walking the Arguments again.
  std::vector<std::shared_ptr<const Expression>> expressions;
  std::optional<size_t> parent;  // the Condition step whose branch holds this step
  bool is_in_else_branch = false;
  // False when none of the Arguments is a member of the type's API request (FollowsApiShape).
  bool arguments_follow_api_shape = true;

  std::string location;  // JSON Pointer, e.g. "/Steps/3/Arguments/IfSteps/0"
};

struct PipelineDefinition {
  std::string version;
  std::vector<ParameterSpec> parameters;
  std::optional<Value> experiment_config;  // PipelineExperimentConfig (expressions parsed)
  std::vector<StepSpec> steps;             // flattened, top-level steps first in written order
  std::vector<size_t> top_level_steps;
  Value::Map fields;  // every top-level key in written order; "Steps"/"Parameters" hold null

  // nullopt when no step or parameter has that name.
  std::optional<size_t> FindStep(std::string_view name) const;
  const ParameterSpec* FindParameter(std::string_view name) const;
  std::vector<std::string_view> StepNames() const;
  std::vector<std::string_view> ParameterNames() const;

  // Orders `steps_by_name` for FindStep; the parser calls it once every step is in `steps`.
  void IndexStepsByName();
  // Step indices in the order of their names, a name seen twice at its first occurrence first:
  // four bytes a step where a hash map of the names took about eighty.
  std::vector<uint32_t> steps_by_name;
};

}  // namespace sluice

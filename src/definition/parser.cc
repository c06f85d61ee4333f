#include "definition/parser.h"

#include "base/duration.h"
#include "base/text.h"
#include "definition/api_shapes.h"
#include "definition/expression_parser.h"
#include "definition/json.h"
#include "definition/shape_check.h"

#include <algorithm>

namespace sluice {
namespace {

constexpr std::string_view kVersion = "2020-12-01";
constexpr size_t kMaxStepNameLength = 64;
constexpr size_t kMaxParameterNameLength = 256;
constexpr size_t kMaxDisplayNameLength = 256;
constexpr size_t kMaxDescriptionLength = 3072;
constexpr int64_t kMaxRetryAttempts = 20;
constexpr int64_t kMaxRetryExpireAfterMin = 14400;
constexpr int64_t kMaxRetryIntervalSeconds = 43200;

const std::vector<std::string_view> kCommonStepKeys = {
    "Name",        "Type",        "Arguments",     "DependsOn",    "DisplayName",
    "Description", "CacheConfig", "RetryPolicies", "PropertyFiles"};
// Keys that only some step types carry (Lambda, Callback, QualityCheck, ClarifyCheck, ...).
const std::vector<std::string_view> kTypeSpecificStepKeys = {"FunctionArn",
                                                             "OutputParameters",
                                                             "SqsQueueUrl",
                                                             "CheckType",
                                                             "ModelPackageGroupName",
                                                             "SkipCheck",
                                                             "FailOnViolation",
                                                             "RegisterNewBaseline",
                                                             "SuppliedBaselineStatistics",
                                                             "SuppliedBaselineConstraints",
                                                             "ModelName",
                                                             "JobCategory"};

bool IsNameCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// What is wrong with `name` against SageMaker's rule for step and parameter names (1 to `limit`
// letters, digits, "-" and "_"), or nullopt when nothing is. `what` is "step name", ...
std::optional<std::string> NameProblem(std::string_view what, std::string_view name, size_t limit) {
  const std::string rule =
      "; SageMaker allows 1 to " + std::to_string(limit) + " letters, digits, \"-\" and \"_\"";
  if (name.empty()) return std::string(what) + " is empty" + rule;
  const auto bad = std::find_if_not(name.begin(), name.end(), IsNameCharacter);
  if (bad != name.end()) {
    // A character outside ASCII is shown whole, not as the first byte of its UTF-8 encoding.
    auto end = bad + 1;
    while (end != name.end() && (static_cast<unsigned char>(*end) & 0xC0) == 0x80) ++end;
    const auto position = std::count_if(
        name.begin(), bad, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    return std::string(what) + " " + Quote(name) + " contains " +
           Quote(std::string_view(&*bad, static_cast<size_t>(end - bad))) + " at character " +
           std::to_string(position + 1) + rule;
  }
  if (name.size() > limit) {
    return std::string(what) + " " + Quote(name) + " is " + std::to_string(name.size()) +
           " characters long" + rule;
  }
  return std::nullopt;
}

std::optional<ParameterType> ParameterTypeFromName(std::string_view name) {
  if (name == "String") return ParameterType::kString;
  if (name == "Integer") return ParameterType::kInteger;
  if (name == "Float") return ParameterType::kFloat;
  if (name == "Boolean") return ParameterType::kBoolean;
  return std::nullopt;
}

bool MatchesParameterType(const Value& value, ParameterType type) {
  switch (type) {
    case ParameterType::kString:
      return value.is_string();
    case ParameterType::kInteger:
      return value.is_integer();
    case ParameterType::kFloat:
      return value.is_number();
    case ParameterType::kBoolean:
      return value.is_boolean();
  }
  return false;
}

bool IsCloudFormationSub(const Value& value) {
  return value.is_list() && value.as_list().size() == 2 && value.as_list()[0].is_string() &&
         value.as_list()[1].is_map() &&
         value.as_list()[0].as_string().find("${") != std::string::npos;
}

std::optional<RetryExceptionType> RetryExceptionTypeFromName(std::string_view name) {
  for (auto type : {RetryExceptionType::kStepServiceFault, RetryExceptionType::kStepThrottling,
                    RetryExceptionType::kJobInternalError, RetryExceptionType::kCapacityError,
                    RetryExceptionType::kResourceLimit, RetryExceptionType::kEmrResourceLimit}) {
    if (RetryExceptionTypeName(type) == name) return type;
  }
  return std::nullopt;
}

class DefinitionParser {
 public:
  explicit DefinitionParser(Errors& warnings) : warnings_(warnings) {}

  // Top-level steps are parsed one by one as the JSON reader reads them, so that the document's
  // tree never holds them all: without that, the tree of a large definition was the peak of a
  // run's memory.
  Result<PipelineDefinition, Errors> ParseText(std::string_view text) {
    const ListItemSink sink{"Steps", [this](Value item, size_t index) {
                              auto parsed = ParseStep(item, PointerAppend("/Steps", index),
                                                      std::nullopt, false);
                              if (parsed) definition_.top_level_steps.push_back(*parsed);
                            }};
    Result<Value> document = ParseJson(text, "", NullMembers::kLeaveOut, sink);
    if (!document) return Errors{document.error()};
    // Reported where the steps stand among the document's members, as for a parsed document.
    streamed_step_errors_ = std::move(errors_);
    errors_.clear();
    return Parse(std::move(*document));
  }

  // `document` has no null-valued members left: SageMaker treats them as absent.
  Result<PipelineDefinition, Errors> Parse(Value document) {
    if (!document.is_map()) {
      Fail("", "expected the definition to be a JSON object, got " + document.Describe());
      return errors_;
    }
    ParseVersion(document);
    for (Member& member : document.as_map()) {
      const std::string pointer = PointerAppend("", member.key);
      if (member.key == "Parameters") {
        ParseParameters(member.value, pointer);
        definition_.fields.push_back(Member{member.key, Value()});
      } else if (member.key == "Steps") {
        ParseTopLevelSteps(member.value, pointer);
        definition_.fields.push_back(Member{member.key, Value()});
      } else if (member.key == "PipelineExperimentConfig") {
        definition_.fields.push_back(
            Member{member.key, ParseExperimentConfig(member.value, pointer)});
      } else {
        if (member.key == "Metadata" && !member.value.is_map()) {
          Fail(pointer, "expected an object of string values, got " + member.value.Describe());
        }
        definition_.fields.push_back(member);
      }
    }
    if (document.Find("Steps") == nullptr) {
      Fail("", "missing \"Steps\": a pipeline needs a list of steps");
    }
    if (!errors_.empty()) return errors_;
    definition_.IndexStepsByName();
    return std::move(definition_);
  }

 private:
  void Fail(std::string where, std::string message) {
    errors_.push_back(InvalidArgument(std::move(where), std::move(message)));
  }

  void ParseVersion(const Value& document) {
    const Value* version = document.Find("Version");
    if (version == nullptr) {
      Fail("", "missing \"Version\" (expected \"2020-12-01\")");
      return;
    }
    if (!version->is_string() || version->as_string() != kVersion) {
      Fail("/Version",
           "unsupported definition version " +
               (version->is_string() ? Quote(version->as_string()) : version->Describe()) +
               " (expected \"2020-12-01\")");
      return;
    }
    definition_.version = version->as_string();
  }

  Value ParseExperimentConfig(const Value& raw, const std::string& pointer) {
    if (!raw.is_map()) {
      Fail(pointer, "expected an object with ExperimentName and TrialName, got " + raw.Describe());
      return raw;
    }
    Value parsed = ParseExpressions(raw, pointer, errors_);
    for (const Member& member : parsed.as_map()) {
      const std::string where = PointerAppend(pointer, member.key);
      if (member.key != "ExperimentName" && member.key != "TrialName") {
        Fail(where, "unknown key " + Quote(member.key) + " (expected ExperimentName or TrialName" +
                        DidYouMean(member.key, {"ExperimentName", "TrialName"}) + ")");
      } else if (!member.value.is_string() && !member.value.is_expression()) {
        Fail(where, "expected a string or a pipeline variable, got " + member.value.Describe());
      }
    }
    definition_.experiment_config = parsed;
    return parsed;
  }

  // ---- Parameters ----

  void ParseParameters(const Value& raw, const std::string& pointer) {
    if (!raw.is_list()) {
      Fail(pointer, "expected a list of parameters, got " + raw.Describe());
      return;
    }
    for (size_t i = 0; i < raw.as_list().size(); ++i) {
      ParseParameter(raw.as_list()[i], PointerAppend(pointer, i));
    }
  }

  void ParseParameter(const Value& raw, const std::string& pointer) {
    if (!raw.is_map()) {
      Fail(pointer, "expected a parameter object with Name and Type, got " + raw.Describe());
      return;
    }
    ParameterSpec parameter;
    parameter.location = pointer;
    parameter.written = raw;
    const Value* name = raw.Find("Name");
    if (name == nullptr || !name->is_string()) {
      Fail(name == nullptr ? pointer : pointer + "/Name",
           name == nullptr ? "parameter has no \"Name\""
                           : "expected a parameter name string, got " + name->Describe());
      return;
    }
    parameter.name = name->as_string();
    if (auto problem = NameProblem("parameter name", parameter.name, kMaxParameterNameLength)) {
      Fail(pointer + "/Name", *problem);
    }
    if (const Value* type = raw.Find("Type")) {
      auto parsed = type->is_string() ? ParameterTypeFromName(type->as_string()) : std::nullopt;
      if (!parsed) {
        const std::string written = type->is_string() ? Quote(type->as_string()) : type->Describe();
        Fail(pointer + "/Type",
             "parameter " + Quote(parameter.name) + " has unknown type " + written +
                 " (expected String, Integer, Float or Boolean" +
                 (type->is_string()
                      ? DidYouMean(type->as_string(), {"String", "Integer", "Float", "Boolean"})
                      : "") +
                 ")");
        return;
      }
      parameter.type = *parsed;
    }
    if (const Value* enum_values = raw.Find("EnumValues")) {
      if (parameter.type != ParameterType::kString) {
        Fail(pointer + "/EnumValues", "parameter " + Quote(parameter.name) + " is declared " +
                                          std::string(ParameterTypeName(parameter.type)) +
                                          "; EnumValues are only allowed on String parameters");
      } else if (!enum_values->is_list()) {
        Fail(pointer + "/EnumValues", "expected a list of strings, got " + enum_values->Describe());
      } else {
        for (size_t i = 0; i < enum_values->as_list().size(); ++i) {
          const Value& value = enum_values->as_list()[i];
          if (value.is_string()) {
            parameter.enum_values.push_back(value.as_string());
          } else {
            Fail(PointerAppend(pointer + "/EnumValues", i),
                 "expected a string, got " + value.Describe());
          }
        }
      }
    }
    if (const Value* default_value = raw.Find("DefaultValue")) {
      if (IsCloudFormationSub(*default_value)) {
        // Templates that embed a definition keep !Sub's [template, variables] form until
        // CloudFormation renders it; that is not a type error of the definition.
        warnings_.push_back(InvalidArgument(pointer + "/DefaultValue",
                                            "parameter " + Quote(parameter.name) +
                                                " has an unrendered CloudFormation Fn::Sub "
                                                "default; it must be rendered to a " +
                                                std::string(ParameterTypeName(parameter.type)) +
                                                " before the pipeline runs"));
      } else if (!MatchesParameterType(*default_value, parameter.type)) {
        Fail(pointer + "/DefaultValue", "parameter " + Quote(parameter.name) + " is declared " +
                                            std::string(ParameterTypeName(parameter.type)) +
                                            ", but its default value is " +
                                            default_value->Describe());
      } else if (!parameter.enum_values.empty() &&
                 std::find(parameter.enum_values.begin(), parameter.enum_values.end(),
                           default_value->as_string()) == parameter.enum_values.end()) {
        Fail(pointer + "/DefaultValue", "parameter " + Quote(parameter.name) + " has default " +
                                            Quote(default_value->as_string()) +
                                            ", which is not one of its EnumValues (" +
                                            Join(parameter.enum_values, ", ") + ")");
      }
      parameter.default_value = *default_value;
    }
    if (definition_.FindParameter(parameter.name) != nullptr) {
      Fail(pointer + "/Name", "parameter " + Quote(parameter.name) +
                                  " is declared more than once (first at " +
                                  definition_.FindParameter(parameter.name)->location + ")");
      return;
    }
    definition_.parameters.push_back(std::move(parameter));
  }

  // ---- Steps ----

  // The items of a list of top-level steps were parsed as they were read (ParseText): what is
  // left is the list itself, and the steps' errors to report where it stands.
  void ParseTopLevelSteps(const Value& raw, const std::string& pointer) {
    if (!raw.is_list()) {
      Fail(pointer, "expected a list of steps, got " + raw.Describe());
      return;
    }
    if (raw.as_list().empty()) Fail(pointer, "a pipeline needs at least one step");
    for (Error& error : streamed_step_errors_) errors_.push_back(std::move(error));
    streamed_step_errors_.clear();
    definition_.steps.shrink_to_fit();
  }

  std::optional<size_t> ParseStep(Value& raw, const std::string& pointer,
                                  std::optional<size_t> parent, bool is_else_branch) {
    if (!raw.is_map()) {
      Fail(pointer, "expected a step object with Name, Type and Arguments, got " + raw.Describe());
      return std::nullopt;
    }
    StepSpec step;
    step.location = pointer;
    step.parent = parent;
    step.is_in_else_branch = is_else_branch;
    if (!ParseStepName(raw, pointer, step) || !ParseStepType(raw, pointer, step))
      return std::nullopt;
    // Before the members are moved out of `raw` below.
    CheckTypeSpecificKeys(raw, pointer, step);

    const size_t index = definition_.steps.size();
    definition_.steps.push_back(StepSpec{});
    const StepTypeInfo& info = InfoOf(step.type);
    std::vector<std::pair<std::string, Value*>> branches;
    std::vector<std::shared_ptr<const Expression>> argument_expressions, field_expressions;

    int32_t position = 0;
    for (Member& member : raw.as_map()) {
      const std::string where = PointerAppend(pointer, member.key);
      Value& value = member.value;
      const auto typed_key = std::find(kTypedStepKeys.begin(), kTypedStepKeys.end(), member.key);
      if (typed_key != kTypedStepKeys.end()) {
        step.typed_key_positions[typed_key - kTypedStepKeys.begin()] = position;
      }
      ++position;
      if (member.key == "Arguments") {
        if (!value.is_map()) {
          Fail(where, "expected an object of arguments, got " + value.Describe());
          continue;
        }
        const Value parsed =
            step.type == StepType::kCondition
                ? ParseConditionArguments(value, where, step, branches)
                : ParseExpressions(std::move(value), where, errors_, &argument_expressions);
        CheckArgumentShape(parsed, where, step);
        step.arguments = StepArguments(parsed);
        continue;
      }
      if (member.key == "Name" || member.key == "Type") continue;
      Value parsed = ParseExpressions(std::move(value), where, errors_,
                                      member.key == "DependsOn" ? nullptr : &field_expressions);
      if (member.key == "DependsOn") {
        ParseDependsOn(parsed, where, step);
        continue;
      }
      if (member.key == "DisplayName" || member.key == "Description") {
        const size_t limit =
            member.key == "DisplayName" ? kMaxDisplayNameLength : kMaxDescriptionLength;
        if (!parsed.is_string()) {
          Fail(where, "expected a string, got " + parsed.Describe());
        } else if (parsed.as_string().size() > limit) {
          Fail(where, member.key + " is " + std::to_string(parsed.as_string().size()) +
                          " characters; SageMaker allows at most " + std::to_string(limit));
        }
      } else if (member.key == "CacheConfig") {
        ParseCacheConfig(parsed, where, info, step);
      } else if (member.key == "RetryPolicies") {
        ParseRetryPolicies(parsed, where, info, step);
      } else if (member.key == "PropertyFiles") {
        ParsePropertyFiles(parsed, where, step);
      } else if (member.key == "OutputParameters") {
        ParseOutputParameters(parsed, where, step);
      } else if (std::find(kTypeSpecificStepKeys.begin(), kTypeSpecificStepKeys.end(),
                           member.key) == kTypeSpecificStepKeys.end()) {
        std::vector<std::string_view> known = kCommonStepKeys;
        known.insert(known.end(), kTypeSpecificStepKeys.begin(), kTypeSpecificStepKeys.end());
        // Unknown keys are kept for forward compatibility, unless they look like a misspelt
        // known key, whose setting would otherwise be silently lost.
        if (auto near = ClosestName(member.key, known)) {
          Fail(where,
               "unknown step key " + Quote(member.key) + " (did you mean " + Quote(*near) + "?)");
        }
      }
      step.fields.push_back(Member{member.key, std::move(parsed)});
    }
    if (raw.Find("Arguments") == nullptr) {
      Fail(pointer, "step " + Quote(step.name) +
                        " has no \"Arguments\" (expected an object, "
                        "which may be empty)");
    }
    step.expressions = std::move(argument_expressions);
    step.expressions.insert(step.expressions.end(), field_expressions.begin(),
                            field_expressions.end());
    for (const Condition& condition : step.rare().conditions) {
      ForEachOperand(condition, [&](const Value& operand) {
        if (operand.is_expression()) step.expressions.push_back(operand.expression_pointer());
      });
    }
    definition_.steps[index] = std::move(step);
    for (const auto& [key, list] : branches) {
      ParseBranch(*list, PointerAppend(PointerAppend(pointer, "Arguments"), key), index,
                  key == "ElseSteps");
    }
    return index;
  }

  // Here rather than in the validator: once the step is parsed, its Arguments are text.
  static void CheckArgumentShape(const Value& arguments, const std::string& where, StepSpec& step) {
    step.arguments_follow_api_shape = FollowsApiShape(step.type, arguments);
    const std::string_view shape_name = InfoOf(step.type).arguments_shape;
    const ApiShape* shape = shape_name.empty() ? nullptr : FindApiShape(shape_name);
    if (shape == nullptr) return;
    Errors errors, warnings;
    CheckArguments(arguments, *shape, where, errors, warnings);
    if (!errors.empty()) step.mutable_rare().argument_errors = std::move(errors);
    if (!warnings.empty()) step.mutable_rare().argument_warnings = std::move(warnings);
  }

  bool ParseStepName(const Value& raw, const std::string& pointer, StepSpec& step) {
    const Value* name = raw.Find("Name");
    if (name == nullptr) {
      Fail(pointer, "step has no \"Name\"");
      return false;
    }
    if (!name->is_string()) {
      Fail(pointer + "/Name", "expected a step name string, got " + name->Describe());
      return false;
    }
    step.name = name->as_string();
    if (auto problem = NameProblem("step name", step.name, kMaxStepNameLength)) {
      Fail(pointer + "/Name", *problem);
    }
    return true;
  }

  bool ParseStepType(const Value& raw, const std::string& pointer, StepSpec& step) {
    const Value* type = raw.Find("Type");
    if (type == nullptr) {
      Fail(pointer, "step " + Quote(step.name) + " has no \"Type\"");
      return false;
    }
    auto parsed = type->is_string() ? StepTypeFromName(type->as_string()) : std::nullopt;
    if (!parsed) {
      const std::string written = type->is_string() ? Quote(type->as_string()) : type->Describe();
      Fail(pointer + "/Type",
           "step " + Quote(step.name) + " has unknown type " + written +
               " (expected Processing, Training, Tuning, Transform, Model, "
               "RegisterModel, Condition, Fail, Lambda, Callback, EMR, "
               "QualityCheck, ClarifyCheck, AutoML or another SageMaker step type" +
               (type->is_string() ? DidYouMean(type->as_string(), StepTypeNames()) : "") + ")");
      return false;
    }
    step.type = *parsed;
    return true;
  }

  Value ParseConditionArguments(Value& raw, const std::string& pointer, StepSpec& step,
                                std::vector<std::pair<std::string, Value*>>& branches) {
    Value::Map kept;
    for (Member& member : raw.as_map()) {
      const std::string where = PointerAppend(pointer, member.key);
      if (member.key == "Conditions") {
        kept.push_back(Member{member.key, Value()});
        if (!member.value.is_list()) {
          Fail(where, "expected a list of conditions, got " + member.value.Describe());
          continue;
        }
        for (size_t i = 0; i < member.value.as_list().size(); ++i) {
          auto condition =
              ParseCondition(member.value.as_list()[i], PointerAppend(where, i), errors_);
          if (condition) step.mutable_rare().conditions.push_back(std::move(*condition));
        }
      } else if (member.key == "IfSteps" || member.key == "ElseSteps") {
        kept.push_back(Member{member.key, Value()});
        if (!member.value.is_list()) {
          Fail(where, "expected a list of step objects, got " + member.value.Describe());
          continue;
        }
        branches.emplace_back(member.key, &member.value);
      } else {
        Fail(where, "unknown key " + Quote(member.key) +
                        " in Condition arguments (expected "
                        "Conditions, IfSteps and ElseSteps" +
                        DidYouMean(member.key, {"Conditions", "IfSteps", "ElseSteps"}) + ")");
        kept.push_back(member);
      }
    }
    if (raw.Find("Conditions") == nullptr) {
      Fail(pointer, "Condition step " + Quote(step.name) + " has no \"Conditions\"");
    }
    return Value(std::move(kept));
  }

  void ParseBranch(Value& list, const std::string& pointer, size_t condition_index,
                   bool is_else_branch) {
    for (size_t i = 0; i < list.as_list().size(); ++i) {
      auto child =
          ParseStep(list.as_list()[i], PointerAppend(pointer, i), condition_index, is_else_branch);
      if (!child) continue;
      StepSpec& condition = definition_.steps[condition_index];
      (is_else_branch ? condition.mutable_rare().else_steps : condition.mutable_rare().if_steps)
          .push_back(*child);
    }
  }

  void ParseDependsOn(const Value& value, const std::string& where, StepSpec& step) {
    if (!value.is_list()) {
      Fail(where, "expected a list of step names, got " + value.Describe());
      return;
    }
    for (size_t i = 0; i < value.as_list().size(); ++i) {
      const Value& name = value.as_list()[i];
      if (!name.is_string()) {
        Fail(PointerAppend(where, i), "expected a step name string, got " + name.Describe());
        continue;
      }
      step.depends_on.push_back(name.as_string());
    }
  }

  void ParseCacheConfig(const Value& value, const std::string& where, const StepTypeInfo& info,
                        StepSpec& step) {
    if (!info.is_cacheable) {
      Fail(where,
           std::string(info.name) +
               " steps cannot be cached (CacheConfig is allowed on "
               "Processing, Training, Tuning, Transform, Lambda, Callback, EMR, QualityCheck, "
               "ClarifyCheck and AutoML steps)");
      return;
    }
    if (!value.is_map()) {
      Fail(where, "expected an object with Enabled and ExpireAfter, got " + value.Describe());
      return;
    }
    CacheConfig config;
    for (const Member& member : value.as_map()) {
      const std::string at = PointerAppend(where, member.key);
      if (member.key == "Enabled") {
        if (!member.value.is_boolean()) {
          Fail(at, "expected a boolean, got " + member.value.Describe());
        } else {
          config.is_enabled = member.value.as_boolean();
        }
      } else if (member.key == "ExpireAfter") {
        if (!member.value.is_string()) {
          Fail(at, "expected an ISO-8601 duration string such as \"PT1H\", got " +
                       member.value.Describe());
          continue;
        }
        auto duration = ParseIsoDuration(member.value.as_string());
        if (!duration) {
          Fail(at, duration.error().message);
        } else {
          config.expire_after = *duration;
        }
      } else {
        Fail(at, "unknown key " + Quote(member.key) +
                     " in CacheConfig (expected Enabled and "
                     "ExpireAfter" +
                     DidYouMean(member.key, {"Enabled", "ExpireAfter"}) + ")");
      }
    }
    if (value.Find("Enabled") == nullptr) Fail(where, "CacheConfig needs \"Enabled\"");
    step.mutable_rare().cache_config = config;
  }

  void ParseRetryPolicies(const Value& value, const std::string& where, const StepTypeInfo& info,
                          StepSpec& step) {
    if (!info.is_retryable) {
      Fail(where,
           std::string(info.name) +
               " steps cannot have retry policies (RetryPolicies are "
               "allowed on Processing, Training, Tuning, Transform, Model, RegisterModel, EMR "
               "and AutoML steps)");
      return;
    }
    if (!value.is_list()) {
      Fail(where, "expected a list of retry policies, got " + value.Describe());
      return;
    }
    for (size_t i = 0; i < value.as_list().size(); ++i) {
      ParseRetryPolicy(value.as_list()[i], PointerAppend(where, i), step);
    }
  }

  void ParseRetryPolicy(const Value& value, const std::string& where, StepSpec& step) {
    static const std::vector<std::string_view> kKeys = {
        "ExceptionType", "IntervalSeconds", "BackoffRate", "MaxAttempts", "ExpireAfterMin"};
    static const std::vector<std::string_view> kExceptionTypes = {
        "Step.SERVICE_FAULT",       "Step.THROTTLING",          "SageMaker.JOB_INTERNAL_ERROR",
        "SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT", "Emr.RESOURCE_LIMIT"};
    if (!value.is_map()) {
      Fail(where, "expected a retry policy object, got " + value.Describe());
      return;
    }
    RetryPolicySpec policy;
    policy.location = where;
    auto integer_in = [&](const Member& member, int64_t low,
                          int64_t high) -> std::optional<int64_t> {
      const std::string at = PointerAppend(where, member.key);
      if (!member.value.is_integer()) {
        Fail(at, "expected an integer, got " + member.value.Describe());
        return std::nullopt;
      }
      if (member.value.as_integer() < low || member.value.as_integer() > high) {
        Fail(at, member.key + " is " + std::to_string(member.value.as_integer()) +
                     "; SageMaker allows " + std::to_string(low) + " to " + std::to_string(high));
        return std::nullopt;
      }
      return member.value.as_integer();
    };
    for (const Member& member : value.as_map()) {
      const std::string at = PointerAppend(where, member.key);
      if (member.key == "ExceptionType") {
        std::vector<Value> names;
        if (member.value.is_string()) {
          names.push_back(member.value);
        } else if (member.value.is_list()) {
          names = member.value.as_list();
        } else {
          Fail(at, "expected a list of exception types, got " + member.value.Describe());
          continue;
        }
        for (size_t i = 0; i < names.size(); ++i) {
          const std::string item_at = member.value.is_list() ? PointerAppend(at, i) : at;
          auto type = names[i].is_string() ? RetryExceptionTypeFromName(names[i].as_string())
                                           : std::nullopt;
          if (!type) {
            Fail(item_at,
                 "unknown exception type " +
                     (names[i].is_string() ? Quote(names[i].as_string()) : names[i].Describe()) +
                     " (expected Step.SERVICE_FAULT, Step.THROTTLING, "
                     "SageMaker.JOB_INTERNAL_ERROR, SageMaker.CAPACITY_ERROR, "
                     "SageMaker.RESOURCE_LIMIT or Emr.RESOURCE_LIMIT" +
                     (names[i].is_string() ? DidYouMean(names[i].as_string(), kExceptionTypes)
                                           : "") +
                     ")");
            continue;
          }
          policy.exception_types.push_back(*type);
        }
      } else if (member.key == "IntervalSeconds") {
        if (auto v = integer_in(member, 0, kMaxRetryIntervalSeconds)) policy.interval_seconds = *v;
      } else if (member.key == "MaxAttempts") {
        if (auto v = integer_in(member, 0, kMaxRetryAttempts)) policy.max_attempts = *v;
      } else if (member.key == "ExpireAfterMin") {
        if (auto v = integer_in(member, 0, kMaxRetryExpireAfterMin)) policy.expire_after_min = *v;
      } else if (member.key == "BackoffRate") {
        if (!member.value.is_number() || member.value.as_number() < 0) {
          Fail(at, "expected a non-negative number, got " + member.value.Describe());
        } else {
          policy.backoff_rate = member.value.as_number();
        }
      } else {
        Fail(at, "unknown key " + Quote(member.key) +
                     " in a retry policy (expected ExceptionType, "
                     "IntervalSeconds, BackoffRate, MaxAttempts or ExpireAfterMin" +
                     DidYouMean(member.key, kKeys) + ")");
      }
    }
    if (value.Find("ExceptionType") == nullptr) {
      Fail(where, "retry policy needs \"ExceptionType\", the failures it applies to");
    }
    step.mutable_rare().retry_policies.push_back(std::move(policy));
  }

  void ParsePropertyFiles(const Value& value, const std::string& where, StepSpec& step) {
    if (step.type != StepType::kProcessing) {
      Fail(where, "PropertyFiles are only allowed on Processing steps, and step " +
                      Quote(step.name) + " is a " + std::string(InfoOf(step.type).name) + " step");
      return;
    }
    if (!value.is_list()) {
      Fail(where, "expected a list of property files, got " + value.Describe());
      return;
    }
    for (size_t i = 0; i < value.as_list().size(); ++i) {
      const Value& item = value.as_list()[i];
      const std::string at = PointerAppend(where, i);
      PropertyFileSpec file;
      file.location = at;
      bool ok = item.is_map();
      if (!ok) Fail(at, "expected a property file object, got " + item.Describe());
      for (auto [key, out] :
           {std::pair{"PropertyFileName", &file.name}, std::pair{"OutputName", &file.output_name},
            std::pair{"FilePath", &file.file_path}}) {
        if (!ok) break;
        const Value* field = item.Find(key);
        if (field == nullptr || !field->is_string() || field->as_string().empty()) {
          Fail(field == nullptr ? at : PointerAppend(at, key),
               field == nullptr ? "property file needs \"" + std::string(key) + "\""
                                : "expected a non-empty string, got " + field->Describe());
          ok = false;
          break;
        }
        *out = field->as_string();
      }
      if (!ok) continue;
      for (const PropertyFileSpec& other : step.rare().property_files) {
        if (other.name == file.name) {
          Fail(at + "/PropertyFileName", "property file " + Quote(file.name) +
                                             " is declared more than once in step " +
                                             Quote(step.name));
          ok = false;
        }
      }
      if (ok) step.mutable_rare().property_files.push_back(std::move(file));
    }
  }

  void ParseOutputParameters(const Value& value, const std::string& where, StepSpec& step) {
    if (step.type != StepType::kLambda && step.type != StepType::kCallback) return;
    if (!value.is_list()) {
      Fail(where, "expected a list of output parameters, got " + value.Describe());
      return;
    }
    for (size_t i = 0; i < value.as_list().size(); ++i) {
      const Value& item = value.as_list()[i];
      const std::string at = PointerAppend(where, i);
      const Value* name = item.Find("OutputName");
      if (name == nullptr || !name->is_string()) {
        Fail(name == nullptr ? at : at + "/OutputName",
             name == nullptr ? "output parameter needs \"OutputName\""
                             : "expected an output name string, got " + name->Describe());
        continue;
      }
      OutputParameterSpec output{name->as_string(), ParameterType::kString};
      if (const Value* type = item.Find("OutputType")) {
        auto parsed = type->is_string() ? ParameterTypeFromName(type->as_string()) : std::nullopt;
        if (!parsed) {
          Fail(at + "/OutputType",
               "unknown output type " +
                   (type->is_string() ? Quote(type->as_string()) : type->Describe()) +
                   " (expected String, Integer, Float or Boolean)");
          continue;
        }
        output.type = *parsed;
      }
      step.mutable_rare().output_parameters.push_back(std::move(output));
    }
  }

  void CheckTypeSpecificKeys(const Value& raw, const std::string& pointer, const StepSpec& step) {
    auto require_string = [&](std::string_view key) {
      const Value* value = raw.Find(key);
      if (value == nullptr) {
        Fail(pointer, std::string(InfoOf(step.type).name) + " step " + Quote(step.name) +
                          " needs \"" + std::string(key) + "\"");
      } else if (!value->is_string() && !(value->is_map() && value->as_map().size() == 1)) {
        Fail(PointerAppend(pointer, key), "expected a string, got " + value->Describe());
      }
    };
    if (step.type == StepType::kLambda) require_string("FunctionArn");
    if (step.type == StepType::kCallback) require_string("SqsQueueUrl");
  }

  Errors errors_;
  Errors& warnings_;
  Errors streamed_step_errors_;
  PipelineDefinition definition_;
};

}  // namespace

Result<PipelineDefinition, Errors> ParseDefinition(std::string_view text, Errors* warnings) {
  Errors ignored;
  return DefinitionParser(warnings != nullptr ? *warnings : ignored).ParseText(text);
}

}  // namespace sluice

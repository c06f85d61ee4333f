#include "definition/validator.h"

#include "base/text.h"
#include "definition/api_shapes.h"
#include "definition/expression.h"
#include "definition/shape_check.h"

namespace sluice {
namespace {

constexpr size_t kSchemaParameterNameLength = 64;

class Validator {
 public:
  explicit Validator(const PipelineDefinition& definition)
      : definition_(definition),
        step_names_(definition.StepNames()),
        parameter_names_(definition.ParameterNames()) {}

  ValidationReport Run() {
    for (const ParameterSpec& parameter : definition_.parameters) {
      if (parameter.name.size() > kSchemaParameterNameLength) {
        Warn(parameter.location + "/Name", "parameter name " + Quote(parameter.name) +
                                               " is longer than the 64 characters the definition "
                                               "schema allows");
      }
    }
    if (definition_.experiment_config) CheckReferences(*definition_.experiment_config, nullptr);
    for (size_t i = 0; i < definition_.steps.size(); ++i) CheckStep(i);
    return std::move(report_);
  }

 private:
  void Fail(std::string where, std::string message) {
    report_.errors.push_back(InvalidArgument(std::move(where), std::move(message)));
  }
  void Warn(std::string where, std::string message) {
    report_.warnings.push_back(InvalidArgument(std::move(where), std::move(message)));
  }

  void CheckStep(size_t index) {
    const StepSpec& step = definition_.steps[index];
    const size_t first = definition_.FindStep(step.name).value_or(index);
    if (first != index) {
      Fail(step.location + "/Name", "step name " + Quote(step.name) +
                                        " is used more than once (first at " +
                                        definition_.steps[first].location + ")");
    }
    CheckDependsOn(step);
    for (const auto& expression : step.expressions) CheckExpression(*expression, &step);
    CheckPropertyFileOutputs(step);
    const StepRareParts& rare = step.rare();
    report_.errors.insert(report_.errors.end(), rare.argument_errors.begin(),
                          rare.argument_errors.end());
    report_.warnings.insert(report_.warnings.end(), rare.argument_warnings.begin(),
                            rare.argument_warnings.end());
    if (step.type == StepType::kFail) {
      const Value arguments = step.arguments.Parse();
      if (const Value* message = arguments.Find("ErrorMessage");
          message != nullptr && !message->is_string() && !message->is_expression()) {
        Fail(step.location + "/Arguments/ErrorMessage",
             "expected a string or a pipeline variable, got " + message->Describe());
      }
    }
  }

  void CheckDependsOn(const StepSpec& step) {
    for (size_t i = 0; i < step.depends_on.size(); ++i) {
      const std::string& name = step.depends_on[i];
      const std::string where = PointerAppend(step.location + "/DependsOn", i);
      auto target = definition_.FindStep(name);
      if (!target) {
        Fail(where, "step " + Quote(step.name) + " depends on " + Quote(name) +
                        ", which is not a step" + DidYouMean(name, step_names_));
      } else if (definition_.steps[*target].type == StepType::kFail) {
        Fail(where, "step " + Quote(step.name) + " cannot depend on Fail step " + Quote(name));
      } else if (name == step.name) {
        Fail(where, "step " + Quote(step.name) + " depends on itself");
      }
    }
  }

  void CheckReferences(const Value& value, const StepSpec* step) {
    switch (value.kind()) {
      case Value::Kind::kList:
        for (const Value& item : value.as_list()) CheckReferences(item, step);
        return;
      case Value::Kind::kMap:
        for (const Member& member : value.as_map()) CheckReferences(member.value, step);
        return;
      case Value::Kind::kExpression:
        CheckExpression(value.as_expression(), step);
        return;
      case Value::Kind::kNull:
      case Value::Kind::kBoolean:
      case Value::Kind::kInteger:
      case Value::Kind::kFloat:
      case Value::Kind::kString:
        return;
    }
  }

  void CheckExpression(const Expression& expression, const StepSpec* step) {
    const Expression::Node& node = expression.node();
    if (const auto* reference = std::get_if<Reference>(&node)) {
      CheckReference(*reference, expression.location(), step, false);
    } else if (const auto* join = std::get_if<JoinExpression>(&node)) {
      CheckReferences(join->on, step);
      for (const Value& item : join->values) CheckReferences(item, step);
    } else {
      const auto& json_get = std::get<JsonGetExpression>(node);
      if (json_get.property_file) {
        CheckReference(*json_get.property_file,
                       expression.location() + "/Std:JsonGet/PropertyFile/Get", step, true);
      }
      if (json_get.s3_uri) CheckReferences(*json_get.s3_uri, step);
    }
  }

  void CheckReference(const Reference& reference, const std::string& where, const StepSpec* step,
                      bool is_property_file) {
    switch (reference.root) {
      case Reference::Root::kParameter:
        if (definition_.FindParameter(reference.name) == nullptr) {
          Fail(where, "parameter " + Quote(reference.name) + " is not declared in Parameters" +
                          DidYouMean(reference.name, parameter_names_));
        }
        return;
      case Reference::Root::kExecution:
      case Reference::Root::kPipelineExperimentConfig:
        return;
      case Reference::Root::kStep:
        break;
    }
    auto target_index = definition_.FindStep(reference.name);
    if (!target_index) {
      Fail(where, "reference " + Quote(reference.text) + " names step " + Quote(reference.name) +
                      ", which is not a step" + DidYouMean(reference.name, step_names_));
      return;
    }
    const StepSpec& target = definition_.steps[*target_index];
    if (step != nullptr && target.name == step->name) {
      Fail(where,
           "step " + Quote(step->name) + " refers to its own property " + Quote(reference.text));
      return;
    }
    if (target.type == StepType::kFail) {
      Fail(where, "reference " + Quote(reference.text) + " reads Fail step " + Quote(target.name) +
                      ", which has no properties");
      return;
    }
    const bool names_property_file = reference.path.front().kind == PathSegment::Kind::kMember &&
                                     reference.path.front().name == "PropertyFiles";
    if (names_property_file && !is_property_file) {
      Fail(where,
           "property files are read through Std:JsonGet, not Get (" + Quote(reference.text) + ")");
      return;
    }
    if (is_property_file) {
      CheckPropertyFileReference(reference, target, where);
      return;
    }
    if (auto problem = CheckPropertyPath(target, reference.path)) {
      Fail(where, "step " + Quote(target.name) + " (" + std::string(InfoOf(target.type).name) +
                      ") " + *problem + ", in " + Quote(reference.text));
    }
  }

  void CheckPropertyFileReference(const Reference& reference, const StepSpec& target,
                                  const std::string& where) {
    const std::string& file = reference.path.back().name;
    std::vector<std::string_view> declared;
    for (const PropertyFileSpec& spec : target.rare().property_files) declared.push_back(spec.name);
    if (std::find(declared.begin(), declared.end(), file) != declared.end()) return;
    if (target.type != StepType::kProcessing) {
      Fail(where, "step " + Quote(target.name) + " is a " + std::string(InfoOf(target.type).name) +
                      " step; only Processing steps have property files");
      return;
    }
    std::vector<std::string> names(declared.begin(), declared.end());
    Fail(where, "step " + Quote(target.name) + " declares no property file " + Quote(file) +
                    " (declared: " + (names.empty() ? std::string("none") : Join(names, ", ")) +
                    ")" + DidYouMean(file, declared));
  }

  // Each property file must name an output of its step, or there is nothing to read it from.
  void CheckPropertyFileOutputs(const StepSpec& step) {
    if (step.rare().property_files.empty()) return;
    const Value arguments = step.arguments.Parse();
    std::vector<std::string_view> outputs;
    bool all_literal = true;
    const Value* config = arguments.Find("ProcessingOutputConfig");
    const Value* list = config != nullptr ? config->Find("Outputs") : nullptr;
    if (list != nullptr && list->is_list()) {
      for (const Value& output : list->as_list()) {
        const Value* name = output.Find("OutputName");
        if (name != nullptr && name->is_string()) {
          outputs.push_back(name->as_string());
        } else {
          all_literal = false;
        }
      }
    }
    if (!all_literal) return;
    for (const PropertyFileSpec& file : step.rare().property_files) {
      if (std::find(outputs.begin(), outputs.end(), file.output_name) != outputs.end()) continue;
      std::vector<std::string> names(outputs.begin(), outputs.end());
      Fail(file.location + "/OutputName",
           "property file " + Quote(file.name) + " reads output " + Quote(file.output_name) +
               ", which step " + Quote(step.name) +
               " does not declare in "
               "ProcessingOutputConfig.Outputs (declared: " +
               (names.empty() ? std::string("none") : Join(names, ", ")) + ")" +
               DidYouMean(file.output_name, outputs));
    }
  }

  const PipelineDefinition& definition_;
  std::vector<std::string_view> step_names_;
  std::vector<std::string_view> parameter_names_;
  ValidationReport report_;
};

}  // namespace

ValidationReport Validate(const PipelineDefinition& definition) {
  return Validator(definition).Run();
}

}  // namespace sluice

#include "definition/writer.h"

#include "definition/json.h"

#include <algorithm>

namespace sluice {

namespace {

Value ArgumentsToValue(const PipelineDefinition& definition, const StepSpec& step) {
  Value written = step.arguments.Parse();
  if (step.type != StepType::kCondition) return written;
  Value arguments = Value::EmptyMap();
  for (const Member& argument : written.as_map()) {
    if (argument.key == "Conditions") {
      Value::List conditions;
      for (const Condition& condition : step.rare().conditions)
        conditions.push_back(ConditionToValue(condition));
      arguments.as_map().push_back(Member{argument.key, Value(std::move(conditions))});
    } else if (argument.key == "IfSteps" || argument.key == "ElseSteps") {
      Value::List branch;
      for (size_t child :
           argument.key == "IfSteps" ? step.rare().if_steps : step.rare().else_steps) {
        branch.push_back(StepToValue(definition, child));
      }
      arguments.as_map().push_back(Member{argument.key, Value(std::move(branch))});
    } else {
      arguments.as_map().push_back(argument);
    }
  }
  return arguments;
}

Value TypedKeyToValue(const PipelineDefinition& definition, const StepSpec& step,
                      size_t typed_key) {
  switch (typed_key) {
    case 0:
      return Value(step.name);
    case 1:
      return Value(InfoOf(step.type).name);
    case 2:
      return ArgumentsToValue(definition, step);
    default: {
      Value::List names(step.depends_on.begin(), step.depends_on.end());
      return Value(std::move(names));
    }
  }
}

}  // namespace

Value StepToValue(const PipelineDefinition& definition, size_t index) {
  const StepSpec& step = definition.steps[index];
  const auto& positions = step.typed_key_positions;
  const size_t key_count =
      step.fields.size() +
      static_cast<size_t>(std::count_if(positions.begin(), positions.end(),
                                        [](int32_t position) { return position >= 0; }));
  Value result = Value::EmptyMap();
  result.as_map().reserve(key_count);
  size_t next_field = 0;
  for (size_t position = 0; position < key_count; ++position) {
    const auto typed =
        std::find(positions.begin(), positions.end(), static_cast<int32_t>(position));
    if (typed == positions.end()) {
      if (next_field < step.fields.size()) result.as_map().push_back(step.fields[next_field++]);
      continue;
    }
    const auto typed_key = static_cast<size_t>(typed - positions.begin());
    result.as_map().push_back(Member{std::string(kTypedStepKeys[typed_key]),
                                     TypedKeyToValue(definition, step, typed_key)});
  }
  return result;
}

Value DefinitionToValue(const PipelineDefinition& definition) {
  Value result = Value::EmptyMap();
  for (const Member& field : definition.fields) {
    if (field.key == "Parameters") {
      Value::List parameters;
      for (const ParameterSpec& parameter : definition.parameters)
        parameters.push_back(parameter.written);
      result.as_map().push_back(Member{field.key, Value(std::move(parameters))});
    } else if (field.key == "Steps") {
      Value::List steps;
      for (size_t index : definition.top_level_steps)
        steps.push_back(StepToValue(definition, index));
      result.as_map().push_back(Member{field.key, Value(std::move(steps))});
    } else {
      result.as_map().push_back(field);
    }
  }
  return result;
}

std::string WriteDefinition(const PipelineDefinition& definition, int indent) {
  return WriteJson(DefinitionToValue(definition), indent);
}

}  // namespace sluice

#include "definition/writer.h"

#include "definition/json.h"

namespace sluice {

Value StepToValue(const PipelineDefinition& definition, size_t index) {
  const StepSpec& step = definition.steps[index];
  Value result = Value::EmptyMap();
  for (const Member& field : step.fields) {
    if (field.key != "Arguments") {
      result.as_map().push_back(field);
      continue;
    }
    if (step.type != StepType::kCondition) {
      result.as_map().push_back(Member{field.key, step.arguments});
      continue;
    }
    Value arguments = Value::EmptyMap();
    for (const Member& argument : step.arguments.as_map()) {
      if (argument.key == "Conditions") {
        Value::List conditions;
        for (const Condition& condition : step.conditions)
          conditions.push_back(ConditionToValue(condition));
        arguments.as_map().push_back(Member{argument.key, Value(std::move(conditions))});
      } else if (argument.key == "IfSteps" || argument.key == "ElseSteps") {
        Value::List branch;
        for (size_t child : argument.key == "IfSteps" ? step.if_steps : step.else_steps) {
          branch.push_back(StepToValue(definition, child));
        }
        arguments.as_map().push_back(Member{argument.key, Value(std::move(branch))});
      } else {
        arguments.as_map().push_back(argument);
      }
    }
    result.as_map().push_back(Member{field.key, std::move(arguments)});
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

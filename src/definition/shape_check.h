// Checks written data against the SageMaker API shapes: step Arguments against the Create*
// request they stand for, and property paths against the Describe* document of a step.
#pragma once

#include "base/result.h"
#include "definition/api_shapes.h"
#include "definition/pipeline_definition.h"
#include "definition/property_path.h"

#include <optional>
#include <string>

namespace sluice {

// Type errors (a string where an integer goes, a value outside an enumeration) are errors;
// members the shape does not know are warnings, since SDK test fixtures and newer SDKs carry
// placeholders and fields this table may not have yet. Pipeline variables are accepted anywhere.
void CheckArguments(const Value& arguments, const ApiShape& shape, const std::string& pointer,
                    Errors& errors, Errors& warnings);

// False when none of the step's Arguments is a member of the API request its type stands for
// (SDK test stand-ins and custom steps write placeholders there).
bool FollowsApiShape(StepType type, const Value& arguments);

// nullopt when `path` exists on steps of `step`'s type (or the type's document is not known);
// otherwise what is wrong, e.g. `has no property "ModelArtifact" (did you mean
// "ModelArtifacts"?)`.
std::optional<std::string> CheckPropertyPath(const StepSpec& step, const PropertyPath& path);

}  // namespace sluice

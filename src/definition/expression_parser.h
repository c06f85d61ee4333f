// Recognises pipeline variables inside plain JSON data: an object whose only key is "Get",
// "Std:Join" or "Std:JsonGet" becomes an Expression node; every other value is literal data
// and is walked recursively. Problems are appended to `errors`, each at its JSON Pointer,
// and the offending value is kept as literal data so one pass reports everything.
#pragma once

#include "base/result.h"
#include "definition/value.h"

#include <string>
#include <string_view>

namespace sluice {

Value ParseExpressions(const Value& raw, const std::string& pointer, Errors& errors);

// The execution variables SageMaker defines (Execution.<name>).
const std::vector<std::string_view>& ExecutionVariableNames();

}  // namespace sluice

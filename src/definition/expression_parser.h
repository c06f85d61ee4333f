// Recognises pipeline variables inside plain JSON data: an object whose only key is "Get",
// "Std:Join" or "Std:JsonGet" becomes an Expression node; every other value is literal data
// and is walked recursively. Problems are appended to `errors`, each at its JSON Pointer,
// and the offending value is kept as literal data so one pass reports everything. `raw` is taken
// by value: pass it with std::move when it is not needed afterwards, and nothing is copied.
#pragma once

#include "base/result.h"
#include "definition/value.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The outermost expressions found are appended to `found` in the order they are written.
Value ParseExpressions(Value raw, const std::string& pointer, Errors& errors,
                       std::vector<std::shared_ptr<const Expression>>* found = nullptr);

// The execution variables SageMaker defines (Execution.<name>).
const std::vector<std::string_view>& ExecutionVariableNames();

}  // namespace sluice

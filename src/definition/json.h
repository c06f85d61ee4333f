// JSON text <-> `Value`. The only place besides the definition writer that knows JSON syntax.
// Parsing keeps key order and the integer/float distinction, rejects duplicate keys, and
// reports syntax errors with line and column. Expression values are written in the form they
// are read in ({"Get": ...}, {"Std:Join": ...}, {"Std:JsonGet": ...}).
#pragma once

#include "base/result.h"
#include "definition/value.h"

#include <functional>
#include <string>
#include <string_view>

namespace sluice {

// What to do with an object member whose value is null. SageMaker treats such members as
// absent, so the definition parser has them left out as they are read.
enum class NullMembers { kKeep, kLeaveOut };

// Parses JSON text into plain data (no expression recognition). `where` names the source
// (a file name) in errors: "pipeline.json:3:14: ...".
Result<Value> ParseJson(std::string_view text, std::string_view where = "",
                        NullMembers null_members = NullMembers::kKeep);

// Hands each item of one list to `take` as soon as it is read, so that a large list is never
// held whole: the list is the value of the root object's member `member`, and holds null in
// place of each item taken. Items are taken in order, with their index; when the text turns out
// not to be valid JSON, the items taken so far are all there will be.
struct ListItemSink {
  std::string_view member;
  std::function<void(Value item, size_t index)> take;
};
Result<Value> ParseJson(std::string_view text, std::string_view where, NullMembers null_members,
                        const ListItemSink& sink);

// Compact JSON when indent < 0, else pretty-printed with `indent` spaces.
std::string WriteJson(const Value& value, int indent = -1);

}  // namespace sluice

#include "definition/property_path.h"

#include "base/text.h"

#include <algorithm>
#include <cctype>

namespace sluice {
namespace {

Error PathError(std::string_view text, size_t position, std::string_view expected) {
  return InvalidArgument("", "invalid property path " + Quote(text) + " at character " +
                                 std::to_string(position + 1) + ": expected " +
                                 std::string(expected));
}

// The members SageMaker's lists of structures are addressed by, in the order tried.
constexpr std::string_view kNameMembers[] = {
    "OutputName", "InputName", "ChannelName", "MetricName", "Name", "Key", "OutputParameterName"};

const Value* SelectByName(const Value::List& list, std::string_view key) {
  for (const Value& element : list) {
    if (!element.is_map()) continue;
    for (std::string_view member : kNameMembers) {
      const Value* name = element.Find(member);
      if (name != nullptr && name->is_string() && name->as_string() == key) return &element;
    }
  }
  return nullptr;
}

}  // namespace

Result<PropertyPath> ParsePropertyPath(std::string_view text) {
  PropertyPath path;
  // One segment per "." or "[" at most: reserved once instead of regrown segment by segment.
  path.reserve(1 + static_cast<size_t>(std::count_if(text.begin(), text.end(),
                                                     [](char c) { return c == '.' || c == '['; })));
  size_t i = 0;
  if (text.substr(0, 2) == "$.") {
    i = 2;
  } else if (text == "$") {
    return path;
  } else if (text.substr(0, 2) == "$[") {
    i = 1;
  }
  if (i >= text.size()) return PathError(text, i, "a name");
  bool expect_member = text[i] != '[';
  while (i < text.size()) {
    if (text[i] == '[') {
      ++i;
      if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
        const char quote = text[i++];
        const size_t end = text.find(quote, i);
        if (end == std::string_view::npos) return PathError(text, i, "a closing quote");
        PathSegment segment{PathSegment::Kind::kKey, std::string(text.substr(i, end - i)), 0};
        i = end + 1;
        if (i >= text.size() || text[i] != ']') return PathError(text, i, "\"]\"");
        ++i;
        path.push_back(std::move(segment));
      } else {
        const size_t start = i;
        int64_t index = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
          if (index > 1'000'000'000) return PathError(text, i, "a smaller index");
          index = index * 10 + (text[i++] - '0');
        }
        if (i == start) return PathError(text, i, "an index or a quoted key");
        if (i >= text.size() || text[i] != ']') return PathError(text, i, "\"]\"");
        ++i;
        path.push_back(PathSegment{PathSegment::Kind::kIndex, "", index});
      }
      expect_member = false;
      continue;
    }
    if (text[i] == '.') {
      if (expect_member) return PathError(text, i, "a name");
      ++i;
      expect_member = true;
      continue;
    }
    if (!expect_member) return PathError(text, i, "\".\" or \"[\"");
    const size_t start = i;
    while (i < text.size() && text[i] != '.' && text[i] != '[') ++i;
    if (i == start) return PathError(text, i, "a name");
    path.push_back(
        PathSegment{PathSegment::Kind::kMember, std::string(text.substr(start, i - start)), 0});
    expect_member = false;
  }
  if (expect_member) return PathError(text, i, "a name");
  return path;
}

std::string FormatPropertyPath(const PropertyPath& path) {
  std::string text;
  for (const PathSegment& segment : path) {
    switch (segment.kind) {
      case PathSegment::Kind::kMember:
        if (!text.empty()) text += '.';
        text += segment.name;
        break;
      // Appended piece by piece: GCC 12 at -O3 mistakes "[" + ... + "]" for an overlapping
      // copy (-Wrestrict), which -Werror turns into an error.
      case PathSegment::Kind::kIndex:
        text += '[';
        text += std::to_string(segment.index);
        text += ']';
        break;
      case PathSegment::Kind::kKey:
        text += "['";
        text += segment.name;
        text += "']";
        break;
    }
  }
  return text;
}

Result<Value> LookUpPath(const Value& document, const PropertyPath& path) {
  const Value* current = &document;
  PropertyPath walked;
  for (const PathSegment& segment : path) {
    walked.push_back(segment);
    const Value* next = nullptr;
    switch (segment.kind) {
      case PathSegment::Kind::kMember:
        next = current->Find(segment.name);
        break;
      case PathSegment::Kind::kIndex:
        if (current->is_list() && segment.index >= 0 &&
            static_cast<size_t>(segment.index) < current->as_list().size()) {
          next = &current->as_list()[static_cast<size_t>(segment.index)];
        }
        break;
      case PathSegment::Kind::kKey:
        if (current->is_map()) {
          next = current->Find(segment.name);
        } else if (current->is_list()) {
          next = SelectByName(current->as_list(), segment.name);
        }
        break;
    }
    if (next == nullptr) {
      return NotFound("", FormatPropertyPath(walked) + " is undefined");
    }
    current = next;
  }
  return *current;
}

}  // namespace sluice

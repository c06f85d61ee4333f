#include "definition/api_shapes.h"

#include <deque>
#include <string>
#include <unordered_map>

namespace sluice {
namespace {

class ShapeIndex {
 public:
  ShapeIndex() {
    std::string_view table = ApiShapeTable();
    std::vector<std::string_view> lines;
    while (!table.empty()) {
      const size_t end = table.find('\n');
      lines.push_back(table.substr(0, end));
      table.remove_prefix(end == std::string_view::npos ? table.size() : end + 1);
    }
    // Shapes are created first so that members can point at any of them.
    for (std::string_view line : lines) {
      ApiShape& shape = shapes_.emplace_back();
      shape.kind = line[0] == 'S' ? ApiType::Kind::kStructure
                                  : (line[0] == 'L' ? ApiType::Kind::kList : ApiType::Kind::kMap);
      const size_t name_end = line.find('\t', 2);
      shape.name = line.substr(2, name_end - 2);
      by_name_[shape.name] = &shape;
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      ApiShape& shape = shapes_[i];
      std::string_view body = lines[i].substr(lines[i].find('\t', 2) + 1);
      if (shape.kind != ApiType::Kind::kStructure) {
        shape.element = ParseType(body);
        continue;
      }
      while (!body.empty()) {
        const size_t end = body.find(';');
        std::string_view entry = body.substr(0, end);
        body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
        const size_t equals = entry.find('=');
        ApiMember member;
        member.name = entry.substr(0, equals);
        if (!member.name.empty() && member.name.back() == '!') {
          member.required = true;
          member.name.remove_suffix(1);
        }
        member.type = ParseType(entry.substr(equals + 1));
        shape.members.push_back(std::move(member));
      }
    }
  }

  const ApiShape* Find(std::string_view name) const {
    auto found = by_name_.find(name);
    return found == by_name_.end() ? nullptr : found->second;
  }

 private:
  ApiType ParseType(std::string_view code) {
    ApiType type;
    if (code.empty()) return type;
    if (code[0] == '@') {
      type.shape = Find(code.substr(1));
      type.kind = type.shape != nullptr ? type.shape->kind : ApiType::Kind::kString;
      return type;
    }
    switch (code[0]) {
      case 'i':
        type.kind = ApiType::Kind::kInteger;
        break;
      case 'f':
        type.kind = ApiType::Kind::kFloat;
        break;
      case 'b':
        type.kind = ApiType::Kind::kBoolean;
        break;
      case 't':
        type.kind = ApiType::Kind::kTimestamp;
        break;
      default:
        type.kind = ApiType::Kind::kString;
        break;
    }
    if (code.size() > 2 && code[1] == '{') {
      std::string_view values = code.substr(2, code.size() - 3);
      while (!values.empty()) {
        const size_t end = values.find('|');
        type.enum_values.push_back(values.substr(0, end));
        values.remove_prefix(end == std::string_view::npos ? values.size() : end + 1);
      }
    }
    return type;
  }

  std::deque<ApiShape> shapes_;  // stable addresses
  std::unordered_map<std::string_view, const ApiShape*> by_name_;
};

const ShapeIndex& Index() {
  static const ShapeIndex index;
  return index;
}

}  // namespace

const ApiMember* ApiShape::FindMember(std::string_view member) const {
  // Every member of every step's Arguments is looked up. Shapes are small, and names mostly
  // differ in length or first letter, so a scan that tests those first beats hashing.
  for (const ApiMember& candidate : members) {
    if (candidate.name.size() == member.size() &&
        (member.empty() || candidate.name[0] == member[0]) && candidate.name == member) {
      return &candidate;
    }
  }
  return nullptr;
}

std::vector<std::string_view> ApiShape::MemberNames() const {
  std::vector<std::string_view> names;
  for (const ApiMember& member : members) names.push_back(member.name);
  return names;
}

const ApiShape* FindApiShape(std::string_view name) { return Index().Find(name); }

std::string DescribeApiType(const ApiType& type) {
  switch (type.kind) {
    case ApiType::Kind::kStructure:
      return "an object";
    case ApiType::Kind::kList:
      return "a list";
    case ApiType::Kind::kMap:
      return "an object";
    case ApiType::Kind::kInteger:
      return "an integer";
    case ApiType::Kind::kFloat:
      return "a number";
    case ApiType::Kind::kBoolean:
      return "a boolean";
    case ApiType::Kind::kTimestamp:
      return "a timestamp";
    case ApiType::Kind::kString: {
      if (type.enum_values.empty()) return "a string";
      // Instance types run to 150 values: a message lists a few, and a near one is suggested.
      constexpr size_t kListedValues = 10;
      const size_t count = type.enum_values.size();
      const size_t listed = count > kListedValues ? 5 : count;
      std::string text =
          count > listed ? "one of " + std::to_string(count) + " values (" : "one of ";
      for (size_t i = 0; i < listed; ++i) {
        if (i > 0) text += ", ";
        text += type.enum_values[i];
      }
      if (count > listed) text += ", ...)";
      return text;
    }
  }
  return "a value";
}

}  // namespace sluice

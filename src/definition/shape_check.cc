#include "definition/shape_check.h"

#include "base/text.h"

#include <algorithm>

namespace sluice {
namespace {

bool Matches(const Value& value, const ApiType& type) {
  switch (type.kind) {
    case ApiType::Kind::kStructure:
    case ApiType::Kind::kMap:
      return value.is_map();
    case ApiType::Kind::kList:
      return value.is_list();
    case ApiType::Kind::kString:
      return value.is_string();
    case ApiType::Kind::kInteger:
      return value.is_integer();
    case ApiType::Kind::kFloat:
      return value.is_number();
    case ApiType::Kind::kBoolean:
      return value.is_boolean();
    case ApiType::Kind::kTimestamp:
      return value.is_string() || value.is_number();
  }
  return false;
}

std::string Expected(const ApiType& type) {
  const std::string described = DescribeApiType(type);
  if (!type.enum_values.empty()) return described;
  return described + " or a pipeline variable";
}

// Where the checker is below the Arguments, as member names and list indices; it becomes a JSON
// Pointer only when there is a problem to report, which is rare, while every member is visited.
class Location {
 public:
  explicit Location(const std::string& arguments) : arguments_(arguments) {}
  void Enter(std::string_view key) { parts_.push_back(Part{key, 0}); }
  void Enter(size_t index) { parts_.push_back(Part{{}, index}); }
  void Leave() { parts_.pop_back(); }
  std::string Pointer() const {
    std::string pointer = arguments_;
    for (const Part& part : parts_) {
      pointer = part.key.data() != nullptr ? PointerAppend(pointer, part.key)
                                           : PointerAppend(pointer, part.index);
    }
    return pointer;
  }

 private:
  struct Part {
    std::string_view key;  // null data for a list index
    size_t index;
  };
  const std::string& arguments_;
  std::vector<Part> parts_;
};

void CheckValue(const Value& value, const ApiType& type, Location& at, Errors& errors,
                Errors& warnings);

void CheckStructure(const Value& value, const ApiShape& shape, Location& at, Errors& errors,
                    Errors& warnings) {
  for (const Member& member : value.as_map()) {
    at.Enter(member.key);
    const ApiMember* known = shape.FindMember(member.key);
    if (known == nullptr) {
      warnings.push_back(InvalidArgument(
          at.Pointer(), "unknown member " + Quote(member.key) + " of " + std::string(shape.name) +
                            DidYouMean(member.key, shape.MemberNames())));
    } else {
      CheckValue(member.value, known->type, at, errors, warnings);
    }
    at.Leave();
  }
}

void CheckValue(const Value& value, const ApiType& type, Location& at, Errors& errors,
                Errors& warnings) {
  if (value.is_expression()) return;
  if (type.kind == ApiType::Kind::kString && type.enum_values.empty() && !value.is_string()) {
    // SageMaker's SDKs and templates put numbers and lists into string members (hyperparameter
    // values above all); they reach the job as their JSON text.
    warnings.push_back(InvalidArgument(at.Pointer(), "expected a string, got " + value.Describe() +
                                                         "; it will be passed as its JSON text"));
    return;
  }
  if (!Matches(value, type)) {
    errors.push_back(
        InvalidArgument(at.Pointer(), "expected " + Expected(type) + ", got " + value.Describe()));
    return;
  }
  if (!type.enum_values.empty() && value.is_string() &&
      std::find(type.enum_values.begin(), type.enum_values.end(), value.as_string()) ==
          type.enum_values.end()) {
    errors.push_back(InvalidArgument(
        at.Pointer(), "expected " + DescribeApiType(type) + ", got " + value.Describe() +
                          DidYouMean(value.as_string(), type.enum_values)));
    return;
  }
  if (type.shape == nullptr) return;
  switch (type.kind) {
    case ApiType::Kind::kStructure:
      CheckStructure(value, *type.shape, at, errors, warnings);
      return;
    case ApiType::Kind::kList:
      for (size_t i = 0; i < value.as_list().size(); ++i) {
        at.Enter(i);
        CheckValue(value.as_list()[i], type.shape->element, at, errors, warnings);
        at.Leave();
      }
      return;
    case ApiType::Kind::kMap:
      for (const Member& member : value.as_map()) {
        at.Enter(member.key);
        CheckValue(member.value, type.shape->element, at, errors, warnings);
        at.Leave();
      }
      return;
    case ApiType::Kind::kString:
    case ApiType::Kind::kInteger:
    case ApiType::Kind::kFloat:
    case ApiType::Kind::kBoolean:
    case ApiType::Kind::kTimestamp:
      return;
  }
}

std::string KindDescription(const ApiType& type) {
  switch (type.kind) {
    case ApiType::Kind::kStructure:
      return "an object";
    case ApiType::Kind::kList:
      return "a list";
    case ApiType::Kind::kMap:
      return "a map";
    case ApiType::Kind::kString:
      return "a string";
    case ApiType::Kind::kInteger:
      return "an integer";
    case ApiType::Kind::kFloat:
      return "a number";
    case ApiType::Kind::kBoolean:
      return "a boolean";
    case ApiType::Kind::kTimestamp:
      return "a timestamp";
  }
  return "a value";
}

// Walks `path` from `root`; nullopt when every segment exists.
std::optional<std::string> WalkPath(const ApiType& root, const PropertyPath& path) {
  const ApiType* type = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const PathSegment& segment = path[i];
    // The path before this segment, for a message: built only when there is one to write.
    const auto so_far = [&] {
      return FormatPropertyPath(
          PropertyPath(path.begin(), path.begin() + static_cast<ptrdiff_t>(i)));
    };
    const bool is_container = type->shape != nullptr;
    switch (segment.kind) {
      case PathSegment::Kind::kMember: {
        if (is_container && type->kind == ApiType::Kind::kStructure) {
          const ApiMember* member = type->shape->FindMember(segment.name);
          if (member == nullptr) {
            return "has no property " + Quote(segment.name) + (i == 0 ? "" : " under " + so_far()) +
                   DidYouMean(segment.name, type->shape->MemberNames());
          }
          type = &member->type;
        } else if (is_container && type->kind == ApiType::Kind::kMap) {
          type = &type->shape->element;
        } else {
          return so_far() + " is " + KindDescription(*type) + " and has no property " +
                 Quote(segment.name) +
                 (type->kind == ApiType::Kind::kList ? " (index it with [n] or ['name'])" : "");
        }
        break;
      }
      case PathSegment::Kind::kIndex:
        if (!is_container || type->kind != ApiType::Kind::kList) {
          return so_far() + " is " + KindDescription(*type) + " and cannot be indexed with [" +
                 std::to_string(segment.index) + "]";
        }
        type = &type->shape->element;
        break;
      case PathSegment::Kind::kKey:
        if (!is_container || type->kind == ApiType::Kind::kStructure) {
          return so_far() + " is " + KindDescription(*type) + " and cannot be looked up with ['" +
                 segment.name + "']";
        }
        type = &type->shape->element;
        break;
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckFixedMembers(const PropertyPath& path,
                                             const std::vector<std::string_view>& members) {
  if (path.front().kind == PathSegment::Kind::kMember &&
      std::find(members.begin(), members.end(), path.front().name) != members.end()) {
    if (path.size() == 1) return std::nullopt;
    return Quote(path.front().name) + " is a single value and has no properties";
  }
  const std::string name = path.front().name;
  std::vector<std::string> all(members.begin(), members.end());
  return "has no property " + Quote(name) + " (it has " + Join(all, ", ") + ")";
}

}  // namespace

void CheckArguments(const Value& arguments, const ApiShape& shape, const std::string& pointer,
                    Errors& errors, Errors& warnings) {
  if (!arguments.is_map()) return;
  Location at(pointer);
  CheckStructure(arguments, shape, at, errors, warnings);
}

bool FollowsApiShape(StepType type, const Value& arguments) {
  const std::string_view shape_name = InfoOf(type).arguments_shape;
  if (shape_name.empty()) return true;
  const ApiShape* shape = FindApiShape(shape_name);
  if (shape == nullptr || !arguments.is_map()) return true;
  for (const Member& member : arguments.as_map()) {
    if (shape->FindMember(member.key) != nullptr) return true;
  }
  return false;
}

std::optional<std::string> CheckPropertyPath(const StepSpec& step, const PropertyPath& path) {
  if (path.empty()) return "names no property";
  // A step whose Arguments are placeholders (SDK test stand-ins, custom steps) has no known
  // property document.
  if (!step.arguments_follow_api_shape) return std::nullopt;
  switch (step.type) {
    case StepType::kCondition:
      return CheckFixedMembers(path, {"Outcome"});
    case StepType::kQualityCheck:
      return CheckFixedMembers(
          path, {"CalculatedBaselineStatistics", "CalculatedBaselineConstraints",
                 "BaselineUsedForDriftCheckStatistics", "BaselineUsedForDriftCheckConstraints"});
    case StepType::kClarifyCheck:
      return CheckFixedMembers(
          path, {"CalculatedBaselineConstraints", "BaselineUsedForDriftCheckConstraints"});
    case StepType::kLambda:
    case StepType::kCallback: {
      if (path.front().kind != PathSegment::Kind::kMember ||
          path.front().name != "OutputParameters") {
        return "has no property " + Quote(path.front().name) +
               " (its outputs are read as OutputParameters['<name>'])";
      }
      if (path.size() != 2 || path[1].kind != PathSegment::Kind::kKey) {
        return "outputs are read as OutputParameters['<name>']";
      }
      std::vector<std::string_view> names;
      for (const OutputParameterSpec& output : step.rare().output_parameters)
        names.push_back(output.name);
      if (std::find(names.begin(), names.end(), path[1].name) != names.end()) return std::nullopt;
      std::vector<std::string> declared(names.begin(), names.end());
      return "declares no output parameter " + Quote(path[1].name) +
             " (declared: " + (declared.empty() ? std::string("none") : Join(declared, ", ")) +
             ")" + DidYouMean(path[1].name, names);
    }
    case StepType::kAutoMl: {
      if (path.front().kind == PathSegment::Kind::kMember &&
          path.front().name == "BestCandidateProperties") {
        return CheckFixedMembers(PropertyPath(path.begin() + 1, path.end()).empty()
                                     ? path
                                     : PropertyPath(path.begin() + 1, path.end()),
                                 {"ModelInsightsJsonReportPath", "ExplainabilityJsonReportPath"});
      }
      const ApiShape* shape = FindApiShape("DescribeAutoMLJobResponse");
      if (shape == nullptr) return std::nullopt;
      return WalkPath(ApiType{ApiType::Kind::kStructure, shape, {}}, path);
    }
    default:
      break;
  }
  const std::vector<std::string_view>& roots = InfoOf(step.type).property_shapes;
  if (roots.empty()) return std::nullopt;
  for (std::string_view root : roots) {
    const ApiShape* shape = FindApiShape(root);
    if (shape == nullptr) return std::nullopt;
    if (path.front().kind == PathSegment::Kind::kMember &&
        shape->FindMember(path.front().name) != nullptr) {
      return WalkPath(ApiType{ApiType::Kind::kStructure, shape, {}}, path);
    }
  }
  std::vector<std::string_view> all_members;
  for (std::string_view root : roots) {
    for (std::string_view name : FindApiShape(root)->MemberNames()) all_members.push_back(name);
  }
  return "has no property " + Quote(path.front().name) + DidYouMean(path.front().name, all_members);
}

}  // namespace sluice

// The SageMaker API shapes that step Arguments (Create* requests) and step properties
// (Describe* responses) follow: member names, scalar types and enumerations. Built once from a
// table generated from the project's API spec (tools/gen_api_shapes.py); immutable and
// thread-safe after the first call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct ApiShape;

struct ApiType {
  enum class Kind { kStructure, kList, kMap, kString, kInteger, kFloat, kBoolean, kTimestamp };
  Kind kind = Kind::kString;
  const ApiShape* shape = nullptr;            // structures, lists and maps
  std::vector<std::string_view> enum_values;  // strings with a fixed set of values
};

struct ApiMember {
  std::string_view name;
  ApiType type;
  bool required = false;
};

struct ApiShape {
  std::string_view name;
  ApiType::Kind kind = ApiType::Kind::kStructure;
  std::vector<ApiMember> members;  // structures
  ApiType element;                 // lists (element) and maps (value)

  const ApiMember* FindMember(std::string_view member) const;
  std::vector<std::string_view> MemberNames() const;
};

// nullptr when the table has no shape of that name.
const ApiShape* FindApiShape(std::string_view name);

// "a string", "an integer", "one of File, Pipe", "one of 151 values (ml.t3.medium, ...)", ...
std::string DescribeApiType(const ApiType& type);

// The generated table; see api_shapes_data.cc.
std::string_view ApiShapeTable();

}  // namespace sluice

#include "engine/parameters.h"

#include "definition/parser.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

PipelineDefinition Definition() {
  auto parsed = ParseDefinition(R"({"Version": "2020-12-01", "Parameters": [
      {"Name": "Count", "Type": "Integer", "DefaultValue": 1},
      {"Name": "Rate", "Type": "Float", "DefaultValue": 0.5},
      {"Name": "Enabled", "Type": "Boolean", "DefaultValue": false},
      {"Name": "Mode", "Type": "String", "DefaultValue": "fast", "EnumValues": ["fast", "slow"]},
      {"Name": "Bucket", "Type": "String"}],
    "Steps": [{"Name": "S", "Type": "Fail", "Arguments": {}}]})");
  EXPECT_TRUE(parsed);
  return std::move(*parsed);
}

std::string FirstError(const Result<ParameterValues, Errors>& result) {
  return result ? "" : result.error().front().ToString();
}

TEST(Parameters, CoercesStartStringsToTheDeclaredTypesAndFillsDefaults) {
  auto values = ResolveParameters(
      Definition(), {{"Count", "3"}, {"Enabled", "True"}, {"Bucket", "b"}, {"Rate", "1.0"}});
  ASSERT_TRUE(values) << FirstError(values);
  EXPECT_EQ(values->at("Count"), Value(int64_t{3}));
  EXPECT_EQ(values->at("Rate"), Value(1.0));
  EXPECT_EQ(values->at("Enabled"), Value(true));
  EXPECT_EQ(values->at("Mode"), Value("fast"));
}

TEST(Parameters, NamesTheParameterWhoseValueHasTheWrongType) {
  EXPECT_EQ(FirstError(ResolveParameters(Definition(), {{"Count", "ten"}, {"Bucket", "b"}})),
            "parameter \"Count\": expected an integer, got \"ten\"");
}

TEST(Parameters, RefusesAnUnknownNameWithASuggestion) {
  EXPECT_EQ(FirstError(ResolveParameters(Definition(), {{"Cuont", "1"}, {"Bucket", "b"}})),
            "parameter \"Cuont\": is not a parameter of this pipeline (did you mean \"Count\"?)");
}

TEST(Parameters, RequiresAValueForAParameterWithoutDefault) {
  EXPECT_EQ(FirstError(ResolveParameters(Definition(), {})),
            "parameter \"Bucket\": has no default value, so a value must be given");
}

TEST(Parameters, RefusesAValueOutsideEnumValues) {
  EXPECT_EQ(FirstError(ResolveParameters(Definition(), {{"Mode", "medium"}, {"Bucket", "b"}})),
            "parameter \"Mode\": expected one of fast, slow, got \"medium\"");
}

}  // namespace
}  // namespace sluice

#include "definition/parser.h"

#include "definition/json.h"
#include "definition/validator.h"
#include "definition/writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream contents;
  contents << stream.rdbuf();
  return contents.str();
}

std::vector<std::filesystem::path> Fixtures(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path directory =
      std::filesystem::path(SLUICE_SHARED_DIR) / "fixtures" / folder;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// SageMaker treats null-valued keys as absent, so the round trip drops them; conditions are
// written in one canonical key order, so members are compared in sorted order.
Value Canonical(const Value& value) {
  if (value.is_list()) {
    Value::List items;
    for (const Value& item : value.as_list()) items.push_back(Canonical(item));
    return Value(std::move(items));
  }
  if (!value.is_map()) return value;
  Value::Map members;
  for (const Member& member : value.as_map()) {
    if (!member.value.is_null()) members.push_back(Member{member.key, Canonical(member.value)});
  }
  std::sort(members.begin(), members.end(),
            [](const Member& a, const Member& b) { return a.key < b.key; });
  return Value(std::move(members));
}

void ExpectValidAndStableRoundTrip(const std::filesystem::path& file) {
  SCOPED_TRACE(file.filename().string());
  const std::string text = ReadFile(file);
  auto definition = ParseDefinition(text);
  ASSERT_TRUE(definition.has_value()) << definition.error().front().ToString();
  ValidationReport report = Validate(*definition);
  EXPECT_TRUE(report.is_valid()) << report.errors.front().ToString();
  const std::string normalized = WriteDefinition(*definition);
  EXPECT_TRUE(Canonical(*ParseJson(normalized)) == Canonical(*ParseJson(text)))
      << "the written definition differs from the one read";
  auto again = ParseDefinition(normalized);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(WriteDefinition(*again), normalized);
}

TEST(Parser, EverySdkFixtureParsesValidatesAndRoundTrips) {
  const auto files = Fixtures("sdk");
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) ExpectValidAndStableRoundTrip(file);
}

TEST(Parser, EveryRealWorldDefinitionParsesValidatesAndRoundTrips) {
  const auto files = Fixtures("external");
  ASSERT_GE(files.size(), 37u);
  for (const auto& file : files) ExpectValidAndStableRoundTrip(file);
}

TEST(Parser, FlattensConditionBranchesAndRemembersTheNesting) {
  auto definition = ParseDefinition(
      ReadFile(std::filesystem::path(SLUICE_SHARED_DIR) / "fixtures/sdk/conditions_all.json"));
  ASSERT_TRUE(definition.has_value());
  const PipelineDefinition& d = *definition;
  ASSERT_EQ(d.steps.size(), 6u);
  EXPECT_EQ(d.top_level_steps, (std::vector<size_t>{0, 1}));
  const StepSpec& outer = d.steps[*d.FindStep("OuterCheck")];
  const StepSpec& inner = d.steps[*d.FindStep("InnerCheck")];
  EXPECT_EQ(outer.rare().conditions.size(), 6u);
  EXPECT_EQ(outer.rare().if_steps, (std::vector<size_t>{*d.FindStep("InnerCheck")}));
  EXPECT_EQ(outer.rare().else_steps, (std::vector<size_t>{*d.FindStep("BelowThreshold")}));
  EXPECT_EQ(inner.parent, d.FindStep("OuterCheck"));
  EXPECT_TRUE(d.steps[*d.FindStep("Review")].is_in_else_branch);
  EXPECT_EQ(d.steps[*d.FindStep("Review")].location,
            "/Steps/1/Arguments/IfSteps/0/Arguments/ElseSteps/0");
}

TEST(Parser, ReadsTypedParametersRetryPoliciesAndCacheConfig) {
  auto definition = ParseDefinition(
      ReadFile(std::filesystem::path(SLUICE_SHARED_DIR) / "fixtures/sdk/retry_and_cache.json"));
  ASSERT_TRUE(definition.has_value());
  const StepSpec& fetch = definition->steps[*definition->FindStep("Fetch")];
  ASSERT_TRUE(fetch.rare().cache_config.has_value());
  EXPECT_TRUE(fetch.rare().cache_config->is_enabled);
  ASSERT_FALSE(fetch.rare().retry_policies.empty());
  EXPECT_FALSE(fetch.rare().retry_policies.front().exception_types.empty());

  auto params = ParseDefinition(
      ReadFile(std::filesystem::path(SLUICE_SHARED_DIR) / "fixtures/sdk/params_and_join.json"));
  ASSERT_TRUE(params.has_value());
  const ParameterSpec* epochs = params->FindParameter("Epochs");
  ASSERT_NE(epochs, nullptr);
  EXPECT_EQ(epochs->type, ParameterType::kInteger);
  const ParameterSpec* run_label = params->FindParameter("RunLabel");
  ASSERT_NE(run_label, nullptr);
  EXPECT_FALSE(run_label->default_value.has_value());
}

TEST(Parser, KeepsUnknownKeysAndDropsNullOnes) {
  const std::string text = R"({"Version": "2020-12-01", "MlflowConfig": {"X": 1},
    "PipelineExperimentConfig": null, "Steps": [{"Name": "A", "Type": "Fail",
    "Arguments": {"ErrorMessage": "stop", "Extra": null}, "FutureKey": [1, 2]}]})";
  auto definition = ParseDefinition(text);
  ASSERT_TRUE(definition.has_value());
  EXPECT_EQ(WriteDefinition(*definition, -1),
            R"({"Version":"2020-12-01","MlflowConfig":{"X":1},"Steps":[{"Name":"A","Type":"Fail",)"
            R"("Arguments":{"ErrorMessage":"stop"},"FutureKey":[1,2]}]})");
}

TEST(Parser, WritesStepKeysBackInTheOrderTheyWereWritten) {
  // Name, Type, Arguments and DependsOn are held as typed members, the other keys as written;
  // the writer puts each back where it stood, an empty DependsOn included.
  const std::string text = R"({"Version": "2020-12-01", "Steps": [
    {"FutureKey": 1, "Type": "Fail", "DependsOn": [], "Name": "A",
     "Description": "first", "Arguments": {"ErrorMessage": "stop"}},
    {"Arguments": {"ErrorMessage": "again"}, "DependsOn": ["A"], "Name": "B", "Type": "Fail"}]})";
  auto definition = ParseDefinition(text);
  ASSERT_TRUE(definition.has_value());
  EXPECT_EQ(
      WriteDefinition(*definition, -1),
      R"({"Version":"2020-12-01","Steps":[{"FutureKey":1,"Type":"Fail","DependsOn":[],)"
      R"("Name":"A","Description":"first","Arguments":{"ErrorMessage":"stop"}},)"
      R"({"Arguments":{"ErrorMessage":"again"},"DependsOn":["A"],"Name":"B","Type":"Fail"}]})");
}

TEST(Parser, ReportsEveryStructuralProblemInOnePass) {
  auto definition = ParseDefinition(R"({"Version": "2021-01-01", "Parameters": [
      {"Name": "Count", "Type": "Integer", "DefaultValue": "3"}],
    "Steps": [{"Name": "A", "Type": "Trainng", "Arguments": {}},
              {"Name": "B", "Type": "Fail", "Arguments": {}, "DependOn": ["A"]}]})");
  ASSERT_FALSE(definition.has_value());
  std::vector<std::string> messages;
  for (const Error& error : definition.error()) messages.push_back(error.ToString());
  EXPECT_EQ(messages,
            (std::vector<std::string>{
                "/Version: unsupported definition version \"2021-01-01\" (expected \"2020-12-01\")",
                "/Parameters/0/DefaultValue: parameter \"Count\" is declared Integer, but its "
                "default value is string \"3\"",
                "/Steps/0/Type: step \"A\" has unknown type \"Trainng\" (expected Processing, "
                "Training, Tuning, Transform, Model, RegisterModel, Condition, Fail, Lambda, "
                "Callback, EMR, QualityCheck, ClarifyCheck, AutoML or another SageMaker step type "
                "(did you mean \"Training\"?))",
                "/Steps/1/DependOn: unknown step key \"DependOn\" (did you mean \"DependsOn\"?)"}));
}

TEST(Parser, KeepsArgumentsAsCompactTextThatReadsBackWithTheirExpressions) {
  auto definition = ParseDefinition(R"({"Version": "2020-12-01",
    "Parameters": [{"Name": "Mode", "Type": "String"}],
    "Steps": [{"Name": "A", "Type": "Processing", "Arguments": {
      "Environment": {"MODE": {"Get": "Parameters.Mode"}, "EMPTY": null},
      "AppSpecification": {"ImageUri": "local/x", "ContainerEntrypoint": ["/bin/true"]}}}]})");
  ASSERT_TRUE(definition.has_value()) << definition.error().front().ToString();
  const StepArguments& arguments = definition->steps[0].arguments;
  EXPECT_EQ(arguments.json(),
            R"({"Environment":{"MODE":{"Get":"Parameters.Mode"}},)"
            R"("AppSpecification":{"ImageUri":"local/x","ContainerEntrypoint":["/bin/true"]}})");
  const Value parsed = arguments.Parse();
  const Value* mode = parsed.Find("Environment")->Find("MODE");
  ASSERT_NE(mode, nullptr);
  EXPECT_TRUE(mode->is_expression());
  EXPECT_EQ(definition->steps[0].expressions.size(), 1u);
}

TEST(Parser, ReportsOnlyTheSyntaxErrorOfADefinitionWhoseStepsWereAlreadyRead) {
  auto definition = ParseDefinition(R"({"Version": "2020-12-01",
    "Steps": [{"Name": "A", "Type": "Trainng", "Arguments": {}}],)");
  ASSERT_FALSE(definition.has_value());
  ASSERT_EQ(definition.error().size(), 1u);
  EXPECT_EQ(definition.error()[0].ToString(),
            "2:66: invalid JSON: expected the name of the next member in double quotes, got the "
            "end of the text");
}

TEST(Parser, WarnsAboutUnrenderedCloudFormationSubstitutions) {
  Errors warnings;
  auto definition = ParseDefinition(R"({"Version": "2020-12-01", "Parameters": [{"Name": "Input",
      "Type": "String", "DefaultValue": ["s3://${Bucket}/in", {"Bucket": "Bucket"}]}],
      "Steps": [{"Name": "A", "Type": "Fail", "Arguments": {}}]})",
                                    &warnings);
  ASSERT_TRUE(definition.has_value());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].ToString(),
            "/Parameters/0/DefaultValue: parameter \"Input\" has an unrendered CloudFormation "
            "Fn::Sub default; it must be rendered to a String before the pipeline runs");
}

}  // namespace
}  // namespace sluice

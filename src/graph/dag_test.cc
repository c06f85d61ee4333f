#include "graph/dag.h"

#include "graph/compiled_pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

namespace sluice {
namespace {

using EdgeSet = std::set<std::tuple<std::string, std::string, EdgeKind>>;

std::shared_ptr<const CompiledPipeline> CompileText(std::string_view text) {
  CompileOutcome outcome = Compile(text);
  EXPECT_TRUE(outcome.pipeline) << (outcome.errors.empty() ? ""
                                                           : outcome.errors.front().ToString());
  return outcome.pipeline;
}

std::shared_ptr<const CompiledPipeline> CompileFixture(const std::string& name) {
  std::ifstream stream(std::filesystem::path(SLUICE_SHARED_DIR) / "fixtures/sdk" /
                       (name + ".json"));
  std::ostringstream text;
  text << stream.rdbuf();
  return CompileText(text.str());
}

EdgeSet EdgesOf(const CompiledPipeline& pipeline) {
  EdgeSet edges;
  for (size_t step = 0; step < pipeline.dag.size(); ++step) {
    for (const Edge& edge : pipeline.dag.Downstream(step)) {
      edges.emplace(pipeline.definition.steps[edge.from].name,
                    pipeline.definition.steps[edge.to].name, edge.kind);
    }
  }
  return edges;
}

std::vector<std::string> Names(const CompiledPipeline& pipeline, const std::vector<size_t>& steps) {
  std::vector<std::string> names;
  for (size_t step : steps) names.push_back(pipeline.definition.steps[step].name);
  std::sort(names.begin(), names.end());
  return names;
}

constexpr auto kData = EdgeKind::kData;
constexpr auto kOrder = EdgeKind::kOrder;
constexpr auto kIf = EdgeKind::kIfBranch;
constexpr auto kElse = EdgeKind::kElseBranch;

TEST(Dag, AbaloneEdgesFollowDataReferencesAndBranches) {
  auto pipeline = CompileFixture("abalone");
  ASSERT_TRUE(pipeline);
  EXPECT_EQ(EdgesOf(*pipeline),
            (EdgeSet{{"AbaloneProcess", "AbaloneTrain", kData},
                     {"AbaloneProcess", "AbaloneEval", kData},
                     {"AbaloneTrain", "AbaloneEval", kData},
                     {"AbaloneTrain", "AbaloneRegisterModel-RegisterModel", kData},
                     {"AbaloneTrain", "AbaloneCreateModel-CreateModel", kData},
                     {"AbaloneEval", "AbaloneMSECond", kData},
                     {"AbaloneMSECond", "AbaloneRegisterModel-RegisterModel", kIf},
                     {"AbaloneMSECond", "AbaloneCreateModel-CreateModel", kIf},
                     {"AbaloneMSECond", "AbaloneTransform", kIf},
                     {"AbaloneMSECond", "AbaloneMSEFail", kElse},
                     {"AbaloneCreateModel-CreateModel", "AbaloneTransform", kData}}));
}

TEST(Dag, NestedConditionsGateTheirBranchesAndJsonGetIsADataEdge) {
  auto pipeline = CompileFixture("conditions_all");
  ASSERT_TRUE(pipeline);
  EXPECT_EQ(EdgesOf(*pipeline), (EdgeSet{{"Score", "OuterCheck", kData},
                                         {"Score", "InnerCheck", kData},
                                         {"Score", "BelowThreshold", kData},
                                         {"OuterCheck", "InnerCheck", kIf},
                                         {"OuterCheck", "BelowThreshold", kElse},
                                         {"InnerCheck", "Publish", kIf},
                                         {"InnerCheck", "Review", kElse}}));
}

TEST(Dag, FanOutJoinsThroughDataAndDependsOn) {
  auto pipeline = CompileFixture("fan_out");
  ASSERT_TRUE(pipeline);
  EdgeSet expected;
  for (int shard = 0; shard < 8; ++shard) {
    const std::string name = "Shard" + std::to_string(shard);
    expected.emplace("Split", name, kData);
    expected.emplace(name, "Merge", shard < 4 ? kData : kOrder);
  }
  EXPECT_EQ(EdgesOf(*pipeline), expected);
}

TEST(Dag, LambdaAndCallbackOutputsAreDataEdges) {
  auto pipeline = CompileFixture("lambda_and_callback");
  ASSERT_TRUE(pipeline);
  EXPECT_EQ(EdgesOf(*pipeline), (EdgeSet{{"SplitDataset", "ManualLabeling", kData},
                                         {"SplitDataset", "AgreementGate", kData},
                                         {"ManualLabeling", "AgreementGate", kData},
                                         {"ManualLabeling", "TrainOnLabels", kData},
                                         {"AgreementGate", "TrainOnLabels", kIf},
                                         {"AgreementGate", "LowAgreement", kElse}}));
}

constexpr std::string_view kChain = R"({"Version": "2020-12-01", "Steps": [
  {"Name": "C", "Type": "Fail", "Arguments": {}, "DependsOn": ["B"]},
  {"Name": "A", "Type": "Condition", "Arguments": {"Conditions": [], "IfSteps": [], "ElseSteps": []}},
  {"Name": "B", "Type": "Condition", "Arguments": {"Conditions": [], "IfSteps": [], "ElseSteps": []},
   "DependsOn": ["A"]}]})";

TEST(Dag, OrdersStepsTopologicallyWhateverTheirWrittenOrder) {
  auto pipeline = CompileText(kChain);
  ASSERT_TRUE(pipeline);
  std::vector<std::string> order;
  for (size_t step : pipeline->dag.TopologicalOrder())
    order.push_back(pipeline->definition.steps[step].name);
  EXPECT_EQ(order, (std::vector<std::string>{"A", "B", "C"}));
}

TEST(Dag, ReportsACycleAsThePathAroundIt) {
  CompileOutcome outcome = Compile(R"({"Version": "2020-12-01", "Steps": [
    {"Name": "Start", "Type": "Condition", "Arguments": {"Conditions": []}},
    {"Name": "A", "Type": "Condition", "Arguments": {"Conditions": []}, "DependsOn": ["Start", "C"]},
    {"Name": "B", "Type": "Condition", "Arguments": {"Conditions": []}, "DependsOn": ["A"]},
    {"Name": "C", "Type": "Condition", "Arguments": {"Conditions": [{"Type": "Equals",
      "LeftValue": {"Get": "Steps.B.Outcome"}, "RightValue": true}]}}]})");
  ASSERT_FALSE(outcome.pipeline);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].ToString(),
            "/Steps/1: steps depend on each other in a cycle: A -> B -> C -> A");
}

TEST(ReadySet, ReleasesStepsAsTheirUpstreamsFinish) {
  auto pipeline = CompileFixture("fan_out");
  ASSERT_TRUE(pipeline);
  ReadySet ready(pipeline->dag);
  EXPECT_EQ(Names(*pipeline, ready.Start().ready), std::vector<std::string>{"Split"});
  EXPECT_EQ(ready.Finish(*pipeline->definition.FindStep("Split")).ready.size(), 8u);
  for (int shard = 0; shard < 7; ++shard) {
    EXPECT_TRUE(ready.Finish(*pipeline->definition.FindStep("Shard" + std::to_string(shard)))
                    .ready.empty());
  }
  EXPECT_EQ(Names(*pipeline, ready.Finish(*pipeline->definition.FindStep("Shard7")).ready),
            std::vector<std::string>{"Merge"});
}

TEST(ReadySet, SkipsTheUntakenBranchAndEverythingBelowIt) {
  auto pipeline = CompileFixture("conditions_all");
  ASSERT_TRUE(pipeline);
  const PipelineDefinition& d = pipeline->definition;
  ReadySet ready(pipeline->dag);
  ready.Start();
  EXPECT_EQ(Names(*pipeline, ready.Finish(*d.FindStep("Score")).ready),
            std::vector<std::string>{"OuterCheck"});
  ReadySet::Progress outer = ready.Finish(*d.FindStep("OuterCheck"), false);
  EXPECT_EQ(Names(*pipeline, outer.ready), std::vector<std::string>{"BelowThreshold"});
  EXPECT_EQ(Names(*pipeline, outer.skipped),
            (std::vector<std::string>{"InnerCheck", "Publish", "Review"}));
}

TEST(ReadySet, RunsOnlyTheTakenBranchOfANestedCondition) {
  auto pipeline = CompileFixture("conditions_all");
  ASSERT_TRUE(pipeline);
  const PipelineDefinition& d = pipeline->definition;
  ReadySet ready(pipeline->dag);
  ready.Start();
  ready.Finish(*d.FindStep("Score"));
  ReadySet::Progress outer = ready.Finish(*d.FindStep("OuterCheck"), true);
  EXPECT_EQ(Names(*pipeline, outer.ready), std::vector<std::string>{"InnerCheck"});
  EXPECT_EQ(Names(*pipeline, outer.skipped), std::vector<std::string>{"BelowThreshold"});
  ReadySet::Progress inner = ready.Finish(*d.FindStep("InnerCheck"), false);
  EXPECT_EQ(Names(*pipeline, inner.ready), std::vector<std::string>{"Review"});
  EXPECT_EQ(Names(*pipeline, inner.skipped), std::vector<std::string>{"Publish"});
}

}  // namespace
}  // namespace sluice

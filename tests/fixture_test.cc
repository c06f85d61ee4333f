// The shared fixtures end to end: every definition the SageMaker SDK emits, and every real-world
// definition SageMaker accepted, compiles without errors, normalizes stably and means after
// writing what it meant before; the DAG of each SDK fixture has exactly the edges its
// references, DependsOn lists and Condition branches define.
#include "definition/json.h"
#include "definition/parser.h"
#include "definition/writer.h"
#include "graph/compiled_pipeline.h"

#include <gtest/gtest.h>

#include "test_files.h"
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace sluice {
namespace {

using testing::FilesIn;
using testing::ReadFile;
using testing::SharedDir;

std::vector<std::filesystem::path> SdkFixtures() {
  return FilesIn(SharedDir() / "fixtures" / "sdk", ".json");
}

std::vector<std::filesystem::path> ExternalDefinitions() {
  return FilesIn(SharedDir() / "fixtures" / "external", ".json");
}

std::string FirstProblem(const CompileOutcome& outcome) {
  return outcome.errors.empty() ? "" : outcome.errors.front().ToString();
}

// The meaning of a JSON document: SageMaker treats null-valued keys as absent and object members
// have no order, so both are taken out before comparing.
Value Meaning(const Value& value) {
  if (value.is_list()) {
    Value::List items;
    for (const Value& item : value.as_list()) items.push_back(Meaning(item));
    return Value(std::move(items));
  }
  if (!value.is_map()) return value;
  Value::Map members;
  for (const Member& member : value.as_map()) {
    if (!member.value.is_null()) members.push_back(Member{member.key, Meaning(member.value)});
  }
  std::sort(members.begin(), members.end(),
            [](const Member& a, const Member& b) { return a.key < b.key; });
  return Value(std::move(members));
}

void ExpectCompilesAndRoundTrips(const std::filesystem::path& file) {
  SCOPED_TRACE(file.filename().string());
  const std::string text = ReadFile(file);
  ASSERT_FALSE(text.empty());
  CompileOutcome outcome = Compile(text);
  ASSERT_TRUE(outcome.pipeline) << FirstProblem(outcome);
  EXPECT_TRUE(outcome.errors.empty());

  const std::string written = WriteDefinition(outcome.pipeline->definition);
  Result<Value> input = ParseJson(text);
  Result<Value> output = ParseJson(written);
  ASSERT_TRUE(input.has_value() && output.has_value());
  EXPECT_TRUE(Meaning(*output) == Meaning(*input))
      << "the normalized definition means something else than the input:\n"
      << WriteJson(Meaning(*output), 2);

  CompileOutcome again = Compile(written);
  ASSERT_TRUE(again.pipeline) << FirstProblem(again);
  EXPECT_EQ(WriteDefinition(again.pipeline->definition), written);
  EXPECT_EQ(again.pipeline->dag.edge_count(), outcome.pipeline->dag.edge_count());
}

TEST(SdkFixtures, EveryOneCompilesAndNormalizesStably) {
  const auto files = SdkFixtures();
  ASSERT_EQ(files.size(), 10u) << "the SDK fixtures are read from " << SharedDir();
  for (const auto& file : files) ExpectCompilesAndRoundTrips(file);
}

TEST(ExternalDefinitions, EveryOneCompilesAndNormalizesStably) {
  const auto files = ExternalDefinitions();
  ASSERT_GE(files.size(), 37u) << "the external definitions are read from " << SharedDir();
  for (const auto& file : files) ExpectCompilesAndRoundTrips(file);
}

const Value* FindStep(const Value& definition, std::string_view name) {
  for (const Value& step : definition.Find("Steps")->as_list()) {
    if (*step.Find("Name") == Value(name)) return &step;
  }
  return nullptr;
}

TEST(SdkFixtures, NormalizingDropsNullValuedKeysAndKeepsTheRest) {
  // The bias check of the checks fixture is written with "SuppliedBaselineConstraints": null.
  const std::string text = ReadFile(SharedDir() / "fixtures" / "sdk" / "checks.json");
  const Value input = *ParseJson(text);
  const Value* read = FindStep(input, "DataBiasCheck");
  ASSERT_TRUE(read != nullptr && read->Find("SuppliedBaselineConstraints") != nullptr);
  ASSERT_TRUE(read->Find("SuppliedBaselineConstraints")->is_null());

  CompileOutcome outcome = Compile(text);
  ASSERT_TRUE(outcome.pipeline) << FirstProblem(outcome);
  const Value written = *ParseJson(WriteDefinition(outcome.pipeline->definition));
  const Value* step = FindStep(written, "DataBiasCheck");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->Find("SuppliedBaselineConstraints"), nullptr);
  ASSERT_NE(step->Find("RegisterNewBaseline"), nullptr);
  EXPECT_EQ(*step->Find("RegisterNewBaseline"), Value(false));
  EXPECT_EQ(step->as_map().size() + 1, read->as_map().size());
}

using EdgeSet = std::set<std::tuple<std::string, std::string, EdgeKind>>;
constexpr auto kData = EdgeKind::kData;
constexpr auto kOrder = EdgeKind::kOrder;
constexpr auto kIf = EdgeKind::kIfBranch;
constexpr auto kElse = EdgeKind::kElseBranch;

std::shared_ptr<const CompiledPipeline> CompileFixture(const std::string& name) {
  CompileOutcome outcome = Compile(ReadFile(SharedDir() / "fixtures" / "sdk" / (name + ".json")));
  EXPECT_TRUE(outcome.pipeline) << name << ": " << FirstProblem(outcome);
  return outcome.pipeline;
}

// Upstream and downstream views must hold the same edges; both are collected and compared.
EdgeSet EdgesOf(const CompiledPipeline& pipeline) {
  const auto& steps = pipeline.definition.steps;
  EdgeSet downstream, upstream;
  for (size_t step = 0; step < pipeline.dag.size(); ++step) {
    for (const Edge& edge : pipeline.dag.Downstream(step)) {
      EXPECT_EQ(edge.from, step);
      downstream.emplace(steps[edge.from].name, steps[edge.to].name, edge.kind);
    }
    for (const Edge& edge : pipeline.dag.Upstream(step)) {
      EXPECT_EQ(edge.to, step);
      upstream.emplace(steps[edge.from].name, steps[edge.to].name, edge.kind);
    }
  }
  EXPECT_EQ(upstream, downstream);
  EXPECT_EQ(downstream.size(), pipeline.dag.edge_count());
  return downstream;
}

void ExpectEdges(const std::string& fixture, size_t step_count, const EdgeSet& expected) {
  SCOPED_TRACE(fixture);
  auto pipeline = CompileFixture(fixture);
  ASSERT_TRUE(pipeline);
  EXPECT_EQ(pipeline->definition.steps.size(), step_count);
  EXPECT_EQ(EdgesOf(*pipeline), expected);
}

TEST(FixtureGraph, AbaloneGatesRegistrationOnTheEvaluationAndFailsOtherwise) {
  ExpectEdges("abalone", 8,
              {{"AbaloneProcess", "AbaloneTrain", kData},
               {"AbaloneProcess", "AbaloneEval", kData},
               {"AbaloneTrain", "AbaloneEval", kData},
               {"AbaloneTrain", "AbaloneRegisterModel-RegisterModel", kData},
               {"AbaloneTrain", "AbaloneCreateModel-CreateModel", kData},
               {"AbaloneEval", "AbaloneMSECond", kData},
               {"AbaloneMSECond", "AbaloneRegisterModel-RegisterModel", kIf},
               {"AbaloneMSECond", "AbaloneCreateModel-CreateModel", kIf},
               {"AbaloneMSECond", "AbaloneTransform", kIf},
               {"AbaloneMSECond", "AbaloneMSEFail", kElse},
               {"AbaloneCreateModel-CreateModel", "AbaloneTransform", kData}});
}

TEST(FixtureGraph, NestedConditionBranchesHangBelowTheirConditionStep) {
  ExpectEdges("conditions_all", 6,
              {{"Score", "OuterCheck", kData},
               {"Score", "InnerCheck", kData},
               {"Score", "BelowThreshold", kData},
               {"OuterCheck", "InnerCheck", kIf},
               {"OuterCheck", "BelowThreshold", kElse},
               {"InnerCheck", "Publish", kIf},
               {"InnerCheck", "Review", kElse}});
}

TEST(FixtureGraph, FanOutShardsJoinThroughDataReferencesAndDependsOn) {
  EdgeSet expected;
  for (int shard = 0; shard < 8; ++shard) {
    const std::string name = "Shard" + std::to_string(shard);
    expected.emplace("Split", name, kData);
    // Merge reads the first four shards' outputs and waits for the others by DependsOn.
    expected.emplace(name, "Merge", shard < 4 ? kData : kOrder);
  }
  ExpectEdges("fan_out", 10, expected);
}

TEST(FixtureGraph, DependsOnAddsOrderEdgesThatDataEdgesOutrank) {
  // Clean both reads Fetch and depends on Audit; Report depends on Clean and Fetch by name.
  ExpectEdges("retry_and_cache", 4,
              {{"Fetch", "Clean", kData},
               {"Audit", "Clean", kOrder},
               {"Clean", "Report", kOrder},
               {"Fetch", "Report", kOrder}});
}

TEST(FixtureGraph, TuningResultsFeedTheConditionAndBothBranches) {
  ExpectEdges("tuning", 4,
              {{"Tune", "GoodEnough", kData},
               {"Tune", "BestModel", kData},
               {"Tune", "NoGoodModel", kData},
               {"GoodEnough", "BestModel", kIf},
               {"GoodEnough", "NoGoodModel", kElse}});
}

TEST(FixtureGraph, LambdaAndCallbackOutputParametersAreDataEdges) {
  ExpectEdges("lambda_and_callback", 5,
              {{"SplitDataset", "ManualLabeling", kData},
               {"SplitDataset", "AgreementGate", kData},
               {"ManualLabeling", "AgreementGate", kData},
               {"ManualLabeling", "TrainOnLabels", kData},
               {"AgreementGate", "TrainOnLabels", kIf},
               {"AgreementGate", "LowAgreement", kElse}});
}

TEST(FixtureGraph, SmallFixturesHaveTheirFewEdges) {
  ExpectEdges("emr", 2, {{"SparkFeatures", "SparkBackfill", kOrder}});
  ExpectEdges("automl", 2, {{"AbaloneAutoML", "RegisterBest-RegisterModel", kData}});
  ExpectEdges("params_and_join", 2, {{"Prepare", "Train", kData}});
  // Parameters and execution variables are not steps: the two checks are independent.
  ExpectEdges("checks", 2, {});
}

TEST(FixtureGraph, TopologicalOrderPutsEveryStepAfterAllItsUpstreamSteps) {
  for (const auto& file : SdkFixtures()) {
    SCOPED_TRACE(file.filename().string());
    CompileOutcome outcome = Compile(ReadFile(file));
    ASSERT_TRUE(outcome.pipeline) << FirstProblem(outcome);
    const Dag& dag = outcome.pipeline->dag;
    const std::vector<size_t>& order = dag.TopologicalOrder();
    ASSERT_EQ(order.size(), dag.size());
    std::vector<size_t> position(dag.size(), dag.size());
    for (size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
    for (size_t step = 0; step < dag.size(); ++step) {
      ASSERT_LT(position[step], dag.size()) << "a step is missing from the order";
      for (const Edge& edge : dag.Upstream(step)) EXPECT_LT(position[edge.from], position[step]);
      const bool is_root = dag.Upstream(step).empty();
      EXPECT_EQ(std::count(dag.Roots().begin(), dag.Roots().end(), step), is_root ? 1 : 0);
    }
  }
}

}  // namespace
}  // namespace sluice

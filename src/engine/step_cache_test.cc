#include "engine/step_cache.h"

#include "artifacts/sha256.h"
#include "definition/json.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

Value Json(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed) << parsed.error().ToString();
  return parsed ? *parsed : Value();
}

StepSpec Spec(StepType type, std::string_view cache_config) {
  StepSpec spec;
  spec.name = "Step";
  spec.type = type;
  if (!cache_config.empty()) {
    const Value written = Json(cache_config);
    CacheConfig config;
    config.is_enabled = written.Find("Enabled")->as_boolean();
    if (written.Find("ExpireAfter") != nullptr) config.expire_after = hours(1);
    spec.mutable_rare().cache_config = config;
    spec.fields.push_back(Member{"CacheConfig", written});
  }
  return spec;
}

constexpr std::string_view kTraining = R"({
  "AlgorithmSpecification": {"TrainingImage": "xgboost:1", "TrainingInputMode": "File"},
  "HyperParameters": {"max_depth": "5", "eta": "0.2",
                      "sagemaker_submit_directory": "\"s3://b/code/sourcedir.tar.gz\""},
  "InputDataConfig": [{"ChannelName": "train",
                       "DataSource": {"S3DataSource": {"S3Uri": "s3://b/train.csv"}}}],
  "OutputDataConfig": {"S3OutputPath": "s3://b/out/run-1"},
  "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large"}
})";

const std::vector<InputDigests> kTrainingInputs = {
    {"s3://b/train.csv", {{"s3://b/train.csv", std::string(64, 'a')}}},
    {"s3://b/code/sourcedir.tar.gz", {{"s3://b/code/sourcedir.tar.gz", std::string(64, 'c')}}}};

TEST(StepCache, PlansEachStepFromItsCacheConfigAndTheRunsFlag) {
  EXPECT_EQ(PlanCache(Spec(StepType::kProcessing, ""), false).reason, "not cached: no CacheConfig");
  EXPECT_EQ(PlanCache(Spec(StepType::kProcessing, R"({"Enabled": false})"), false).reason,
            "not cached: CacheConfig.Enabled is false");

  const CachePlan disabled =
      PlanCache(Spec(StepType::kTraining, R"({"Enabled": true, "ExpireAfter": "PT1H"})"), true);
  EXPECT_TRUE(disabled.is_keyed);
  EXPECT_FALSE(disabled.is_looked_up);
  EXPECT_EQ(disabled.reason, "not cached: --no-cache");

  const CachePlan enabled =
      PlanCache(Spec(StepType::kTraining, R"({"Enabled": true, "ExpireAfter": "PT1H"})"), false);
  EXPECT_TRUE(enabled.is_keyed);
  EXPECT_TRUE(enabled.is_looked_up);
  EXPECT_EQ(enabled.reason, "");
  EXPECT_EQ(enabled.expire_after, hours(1));
  EXPECT_EQ(enabled.expire_after_text, "PT1H");

  // Types the cache does not cover get no decision at all.
  const CachePlan condition = PlanCache(Spec(StepType::kCondition, R"({"Enabled": true})"), false);
  EXPECT_FALSE(condition.is_keyed);
  EXPECT_EQ(condition.reason, "");
}

TEST(StepCache, ReadsInputsCodeAndOutputsFromTheArguments) {
  EXPECT_EQ(InputUrisOf(StepType::kTraining, Json(kTraining)),
            (std::vector<std::string>{"s3://b/train.csv", "s3://b/code/sourcedir.tar.gz"}));
  EXPECT_EQ(InputUrisOf(StepType::kProcessing, Json(R"({"ProcessingInputs": [
                {"InputName": "data", "S3Input": {"S3Uri": "s3://b/data", "LocalPath": "/opt/ml/processing/data"}},
                {"InputName": "code", "S3Input": {"S3Uri": "s3://b/code/pre.py", "LocalPath": "/opt/ml/processing/input/code"}}]})")),
            (std::vector<std::string>{"s3://b/data", "s3://b/code/pre.py"}));
  EXPECT_EQ(
      InputUrisOf(StepType::kTraining,
                  Json(R"({"HyperParameters": {"sagemaker_submit_directory": "/src/code"}})")),
      (std::vector<std::string>{"file:///src/code"}));
  EXPECT_EQ(InputUrisOf(StepType::kTransform, Json(R"({"ModelName": "m",
                "TransformInput": {"DataSource": {"S3DataSource": {"S3Uri": "s3://b/batch"}}}})")),
            (std::vector<std::string>{"s3://b/batch"}));

  EXPECT_EQ(OutputUrisOf(StepType::kProcessing, Json(R"({"ProcessingOutputConfig": {"Outputs": [
                {"OutputName": "train", "S3Output": {"S3Uri": "s3://b/out/train"}}]}})")),
            (std::vector<std::string>{"s3://b/out/train"}));
  EXPECT_EQ(OutputUrisOf(StepType::kTraining,
                         Json(R"({"ModelArtifacts": {"S3ModelArtifacts": "s3://b/m.tar.gz"}})")),
            (std::vector<std::string>{"s3://b/m.tar.gz"}));
  EXPECT_EQ(OutputUrisOf(StepType::kTransform,
                         Json(R"({"TransformOutput": {"S3OutputPath": "s3://b/scored"}})")),
            (std::vector<std::string>{"s3://b/scored"}));
}

TEST(StepCache, KeysOnTheSpecAttributesAndInputContentOnly) {
  const Value material = BuildKeyMaterial(StepType::kTraining, Json(kTraining), kTrainingInputs);
  EXPECT_EQ(CanonicalJson(material),
            R"({"Arguments":{"AlgorithmSpecification":{"TrainingImage":"xgboost:1",)"
            R"("TrainingInputMode":"File"},"HyperParameters":{"eta":"0.2","max_depth":"5",)"
            R"("sagemaker_submit_directory":"\"s3://b/code/sourcedir.tar.gz\""},)"
            R"("InputDataConfig":[{"ChannelName":"train","DataSource":{"S3DataSource":)"
            R"({"S3Uri":"s3://b/train.csv"}}}]},"Inputs":{"s3://b/code/sourcedir.tar.gz":)"
            R"({"s3://b/code/sourcedir.tar.gz":")" +
                std::string(64, 'c') + R"("},"s3://b/train.csv":{"s3://b/train.csv":")" +
                std::string(64, 'a') + R"("}},"KeyVersion":1,"Type":"Training"})");
  EXPECT_EQ(CacheKeyOf(material), Sha256Hex(CanonicalJson(material)));
  // The material is built canonical, so its plain JSON is the key's input too.
  EXPECT_EQ(WriteJson(material), CanonicalJson(material));

  // Output locations and resources are not part of the key; written order is not either.
  Value elsewhere = Json(kTraining);
  elsewhere.Set("OutputDataConfig", Json(R"({"S3OutputPath": "s3://b/out/run-2"})"));
  elsewhere.Set("ResourceConfig", Json(R"({"InstanceCount": 2})"));
  EXPECT_EQ(CacheKeyOf(BuildKeyMaterial(StepType::kTraining, elsewhere, kTrainingInputs)),
            CacheKeyOf(material));
  const Value reordered = Json(R"({"HyperParameters": {"sagemaker_submit_directory":
      "\"s3://b/code/sourcedir.tar.gz\"", "eta": "0.2", "max_depth": "5"},
      "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://b/train.csv"}}}],
      "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "xgboost:1"}})");
  EXPECT_EQ(CacheKeyOf(BuildKeyMaterial(StepType::kTraining, reordered, kTrainingInputs)),
            CacheKeyOf(material));

  std::vector<InputDigests> changed = kTrainingInputs;
  changed[0].objects[0].sha256 = std::string(64, 'b');
  EXPECT_NE(CacheKeyOf(BuildKeyMaterial(StepType::kTraining, Json(kTraining), changed)),
            CacheKeyOf(material));
}

TEST(StepCache, NamesEachDifferenceWithItsOldAndNewValue) {
  const Value earlier = BuildKeyMaterial(StepType::kTraining, Json(kTraining), kTrainingInputs);
  Value arguments = Json(kTraining);
  arguments.Find("HyperParameters")->Set("max_depth", "6");
  arguments.Set("Environment", Json(R"({"MODE": "fast"})"));
  std::vector<InputDigests> inputs = kTrainingInputs;
  inputs[0].objects[0].sha256 = "9f3c" + std::string(60, '0');
  const Value current = BuildKeyMaterial(StepType::kTraining, arguments, inputs);
  EXPECT_EQ(
      DifferencesBetween(earlier, current),
      (std::vector<std::string>{
          R"(Environment (absent) -> {"MODE":"fast"})", R"(HyperParameters.max_depth "5" -> "6")",
          "input s3://b/train.csv changed: sha256 aaaaaaaaaaaa… -> 9f3c00000000…"}));
  EXPECT_EQ(DifferencesBetween(earlier, earlier), std::vector<std::string>{});
}

TEST(StepCache, NamesTheObjectsOfAPrefixThatChangedAppearedOrWentAway) {
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  const Value arguments = Json(R"({"ProcessingInputs": [{"S3Input": {"S3Uri": "s3://b/data"}}]})");
  const Value earlier =
      BuildKeyMaterial(StepType::kProcessing, arguments,
                       {{"s3://b/data", {{"s3://b/data/part-1", a}, {"s3://b/data/part-2", a}}}});
  const Value current =
      BuildKeyMaterial(StepType::kProcessing, arguments,
                       {{"s3://b/data", {{"s3://b/data/part-2", b}, {"s3://b/data/part-3", a}}}});
  EXPECT_EQ(DifferencesBetween(earlier, current),
            (std::vector<std::string>{
                "input s3://b/data changed: s3://b/data/part-1 removed",
                "input s3://b/data changed: s3://b/data/part-2 sha256 aaaaaaaaaaaa… -> "
                "bbbbbbbbbbbb…",
                "input s3://b/data changed: s3://b/data/part-3 added"}));

  const Value moved = BuildKeyMaterial(
      StepType::kProcessing, Json(R"({"ProcessingInputs": [{"S3Input": {"S3Uri": "s3://c/x"}}]})"),
      {{"s3://c/x", {{"s3://c/x", a}}}});
  EXPECT_EQ(
      DifferencesBetween(earlier, moved),
      (std::vector<std::string>{R"(ProcessingInputs[0].S3Input.S3Uri "s3://b/data" -> "s3://c/x")",
                                "input s3://b/data: no longer read",
                                "input s3://c/x: not read by the earlier run"}));
}

TEST(StepCache, RefusesToCompareMaterialOfAnotherKeyFormat) {
  Value earlier = BuildKeyMaterial(StepType::kTraining, Json(kTraining), kTrainingInputs);
  earlier.Set("KeyVersion", 0);
  EXPECT_EQ(DifferencesBetween(
                earlier, BuildKeyMaterial(StepType::kTraining, Json(kTraining), kTrainingInputs)),
            std::vector<std::string>{"the cache key format changed: version 0 -> 1"});
}

CacheEntry EntryFor(const Value& material, std::string execution, TimePoint created) {
  CacheEntry entry;
  entry.pipeline_name = "p";
  entry.step_name = "Train";
  entry.cache_key = CacheKeyOf(material);
  entry.material_json = CanonicalJson(material);
  entry.execution_id = std::move(execution);
  entry.attempt = 2;
  entry.created = created;
  return entry;
}

TEST(StepCache, DecidesAHitOnlyForAFreshMatchWhoseOutputsRemain) {
  const TimePoint start = TimePoint() + hours(1000);
  const Value material = BuildKeyMaterial(StepType::kTraining, Json(kTraining), kTrainingInputs);
  CacheQuestion question;
  question.material = material;
  question.cache_key = CacheKeyOf(material);
  question.now = start + seconds(3600);
  question.expire_after = hours(1);
  question.expire_after_text = "PT1H";

  EXPECT_EQ(Decide(question).reason, "missed: no earlier run");
  EXPECT_EQ(Decide(question).outcome, CacheOutcome::kMissed);

  question.candidates.same_key = EntryFor(material, "exec1", start);
  question.candidates.latest = question.candidates.same_key;
  const CacheDecision hit = Decide(question);
  EXPECT_EQ(hit.outcome, CacheOutcome::kHit);
  EXPECT_EQ(hit.reason, "hit: execution exec1 step Train attempt 2");
  ASSERT_TRUE(hit.source);
  EXPECT_EQ(hit.source->execution_id, "exec1");

  question.now = start + seconds(3601);
  EXPECT_EQ(Decide(question).reason, "missed: the earlier run expired (ExpireAfter PT1H)");
  question.expire_after.reset();
  EXPECT_EQ(Decide(question).outcome, CacheOutcome::kHit);

  question.missing_outputs = {"s3://b/out/model.tar.gz"};
  EXPECT_EQ(Decide(question).reason,
            "missed: outputs of the earlier run are gone: s3://b/out/model.tar.gz");
}

TEST(StepCache, ExplainsAMissAgainstTheNewestEarlierRun) {
  const TimePoint start = TimePoint() + hours(1000);
  const Value earlier = BuildKeyMaterial(StepType::kTraining, Json(kTraining), kTrainingInputs);
  Value arguments = Json(kTraining);
  arguments.Find("HyperParameters")->Set("max_depth", "6");
  const Value material = BuildKeyMaterial(StepType::kTraining, arguments, kTrainingInputs);
  CacheQuestion question;
  question.material = material;
  question.cache_key = CacheKeyOf(material);
  question.now = start;
  question.candidates.latest = EntryFor(earlier, "exec1", start);

  CacheDecision decision = Decide(question);
  EXPECT_EQ(decision.outcome, CacheOutcome::kMissed);
  EXPECT_EQ(decision.reason, R"(missed: HyperParameters.max_depth "5" -> "6")");
  EXPECT_EQ(decision.differences,
            std::vector<std::string>{R"(HyperParameters.max_depth "5" -> "6")"});
  ASSERT_TRUE(decision.source);
  EXPECT_EQ(decision.source->execution_id, "exec1");

  arguments.Find("HyperParameters")->Set("eta", "0.3");
  question.material = BuildKeyMaterial(StepType::kTraining, arguments, kTrainingInputs);
  question.cache_key = CacheKeyOf(question.material);
  decision = Decide(question);
  EXPECT_EQ(decision.reason,
            R"(missed: HyperParameters.eta "0.2" -> "0.3" (and 1 more difference))");
  EXPECT_EQ(decision.differences.size(), 2u);

  const CacheDecisionRecord record =
      DecisionRecordOf(decision, "exec2", "Train", 1, question.cache_key, start);
  EXPECT_EQ(record.outcome, CacheOutcome::kMissed);
  EXPECT_EQ(record.compared_execution_id, "exec1");
  EXPECT_EQ(record.compared_attempt, 2);
  EXPECT_EQ(record.differences, decision.differences);
}

TEST(StepCache, IndexFindsTheNewestEntryWithTheKeyAndTheNewestOfAny) {
  const TimePoint start = TimePoint() + hours(1000);
  auto entry = [&](std::string step, std::string key, std::string execution, int hour) {
    CacheEntry made;
    made.step_name = std::move(step);
    made.cache_key = std::move(key);
    made.execution_id = std::move(execution);
    made.created = start + hours(hour);
    return made;
  };
  const CacheIndex index({entry("Train", "a", "e1", 0), entry("Train", "b", "e3", 2),
                          entry("Train", "a", "e2", 1), entry("Prep", "a", "e4", 3)});
  CacheCandidates candidates = index.CandidatesFor("Train", "a");
  ASSERT_TRUE(candidates.same_key && candidates.latest);
  EXPECT_EQ(candidates.same_key->execution_id, "e2");
  EXPECT_EQ(candidates.latest->execution_id, "e3");
  candidates = index.CandidatesFor("Train", "c");
  EXPECT_FALSE(candidates.same_key);
  EXPECT_EQ(candidates.latest->execution_id, "e3");
  candidates = index.CandidatesFor("Evaluate", "a");
  EXPECT_FALSE(candidates.same_key || candidates.latest);
  EXPECT_EQ(CacheIndex::Unreadable("disk gone").unreadable_reason(), "disk gone");
}

TEST(StepCache, NotCachedReasonsSayWhy) {
  EXPECT_EQ(NotCached("--no-cache").reason, "not cached: --no-cache");
  EXPECT_EQ(NotCached("not cached: --no-cache").reason, "not cached: --no-cache");
  EXPECT_EQ(NotCached("x").outcome, CacheOutcome::kNotCached);
}

}  // namespace
}  // namespace sluice

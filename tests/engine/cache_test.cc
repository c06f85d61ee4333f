// The step cache end to end: real processes, a real SQLite file and the local object store. Each
// job appends a line to a side-effect file, so a hit is seen to run nothing, and every decision's
// reason is checked word for word, in the store and through `sluice steps` and `sluice cache
// explain`.
#include "artifacts/sha256.h"
#include "base/clock.h"

#include <gtest/gtest.h>

#include "local_run.h"
#include "run_command.h"
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

using testing::LocalRun;
using testing::RunCommand;
using testing::RunOutcome;

constexpr std::string_view kTrainData = "a,b\n1,2\n";

struct PrepOptions {
  std::string mode = "a";                // Environment.MODE
  std::string output = "s3://out/prep";  // where the copy is uploaded
  std::string cache_config = R"({"Enabled": true})";
};

// A Processing step that records that it ran, then copies its input to its output.
std::string PrepStep(const std::filesystem::path& runs_file, const PrepOptions& options = {}) {
  return R"({"Name": "Prep", "Type": "Processing", "CacheConfig": )" + options.cache_config +
         R"(, "Arguments": {
    "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
    "AppSpecification": {"ImageUri": "local/shell:latest", "ContainerEntrypoint": ["/bin/sh", "-c",
      "echo Prep >> )" +
         runs_file.string() + R"(; cp processing/input/data/train.csv processing/output/copy.csv"]},
    "RoleArn": "arn:aws:iam::000000000000:role/test",
    "Environment": {"MODE": ")" +
         options.mode + R"("},
    "ProcessingInputs": [{"InputName": "data", "S3Input": {"S3Uri": "s3://data/train.csv",
      "LocalPath": "/opt/ml/processing/input/data", "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
    "ProcessingOutputConfig": {"Outputs": [{"OutputName": "copy", "S3Output": {"S3Uri": ")" +
         options.output + R"(",
      "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"}}]}}})";
}

// A Training step that trains on Prep's output, records that it ran and writes its
// hyperparameter into the model.
std::string TrainStep(const std::filesystem::path& runs_file, const std::string& max_depth) {
  return R"({"Name": "Train", "Type": "Training", "CacheConfig": {"Enabled": true}, "Arguments": {
    "AlgorithmSpecification": {"TrainingImage": "local/shell:latest", "TrainingInputMode": "File",
      "ContainerEntrypoint": ["/bin/sh", "-c", "echo Train >> )" +
         runs_file.string() + R"(; echo $SM_HP_MAX_DEPTH > $SM_MODEL_DIR/depth.txt"]},
    "HyperParameters": {"max_depth": ")" +
         max_depth + R"(", "sagemaker_submit_directory": "\"s3://code/sourcedir.tar.gz\""},
    "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
      "S3Uri": {"Get": "Steps.Prep.ProcessingOutputConfig.Outputs['copy'].S3Output.S3Uri"}}}}],
    "OutputDataConfig": {"S3OutputPath": "s3://out/models"},
    "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1},
    "RoleArn": "arn:aws:iam::000000000000:role/test",
    "StoppingCondition": {"MaxRuntimeInSeconds": 600}}})";
}

std::string Definition(const std::vector<std::string>& steps) {
  std::string json = R"({"Version": "2020-12-01", "Parameters": [], "Steps": [)";
  for (size_t i = 0; i < steps.size(); ++i) json += (i ? "," : "") + steps[i];
  return json + "]}";
}

class StepCacheRun : public ::testing::Test {
 protected:
  void SetUp() override {
    run_.WriteObject("s3://data/train.csv", std::string(kTrainData));
    run_.WriteObject("s3://code/sourcedir.tar.gz", "code v1");
  }

  // Runs `definition` and checks that the execution succeeded.
  RunOutcome Run(const std::string& definition) {
    RunOutcome outcome = run_.Run(definition);
    EXPECT_EQ(outcome.start_errors, "");
    EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded)
        << outcome.execution.failure_reason;
    return outcome;
  }

  // The steps that ran a job, one line each, in the order they ran.
  std::string JobsRun() const {
    std::ifstream in(runs_file_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::string ReasonOf(const RunOutcome& outcome, std::string_view step) {
    const CacheDecisionRecord* decision = outcome.CacheDecision(step);
    return decision == nullptr ? "no decision" : decision->reason;
  }

  static std::string HitOf(const RunOutcome& source, std::string_view step) {
    return "hit: execution " + source.execution.id + " step " + std::string(step) + " attempt 1";
  }

  static std::string ShortDigest(std::string_view contents) {
    return Sha256Hex(contents).substr(0, 12) + "…";
  }

  LocalRun run_;
  const std::filesystem::path runs_file_ = run_.state_dir() / "jobs-run.txt";
};

TEST_F(StepCacheRun, AnIdenticalRunReusesEveryStepAndRunsNoJob) {
  const std::string definition = Definition({PrepStep(runs_file_), TrainStep(runs_file_, "5")});
  const RunOutcome first = Run(definition);
  EXPECT_EQ(ReasonOf(first, "Prep"), "missed: no earlier run");
  EXPECT_EQ(ReasonOf(first, "Train"), "missed: no earlier run");
  EXPECT_EQ(JobsRun(), "Prep\nTrain\n");

  const RunOutcome second = Run(definition);
  EXPECT_EQ(JobsRun(), "Prep\nTrain\n");
  EXPECT_EQ(ReasonOf(second, "Prep"), HitOf(first, "Prep"));
  EXPECT_EQ(ReasonOf(second, "Train"), HitOf(first, "Train"));
  for (const char* step : {"Prep", "Train"}) {
    SCOPED_TRACE(step);
    ASSERT_NE(second.Step(step), nullptr);
    EXPECT_EQ(second.Step(step)->status, StepStatus::kSucceeded);
    // The property document is the original job's, and the metadata points at it.
    EXPECT_EQ(second.Step(step)->properties_json, first.Step(step)->properties_json);
    EXPECT_EQ(second.Step(step)->job_name, first.Step(step)->job_name);
    // `sluice logs` shows what the reused run printed.
    EXPECT_EQ(second.Step(step)->log_file, first.Step(step)->log_file);
  }
  EXPECT_EQ(second.Step("Train")->metadata_json,
            R"({"TrainingJob":{"Arn":"arn:aws:sagemaker:us-east-1:000000000000:training-job/)" +
                first.Step("Train")->job_name +
                R"("},"CacheHitResult":{"SourcePipelineExecutionArn":)"
                R"("arn:aws:sagemaker:us-east-1:000000000000:pipeline/test-pipeline/execution/)" +
                first.execution.id + R"("}})");
  const CacheDecisionRecord* decision = second.CacheDecision("Train");
  ASSERT_NE(decision, nullptr);
  EXPECT_EQ(decision->outcome, CacheOutcome::kHit);
  EXPECT_EQ(decision->compared_execution_id, first.execution.id);
  EXPECT_EQ(decision->cache_key, first.CacheDecision("Train")->cache_key);
}

TEST_F(StepCacheRun, AChangedEnvironmentValueOrHyperparameterMissesAndSaysWhich) {
  Run(Definition({PrepStep(runs_file_), TrainStep(runs_file_, "5")}));
  const RunOutcome changed =
      Run(Definition({PrepStep(runs_file_, {.mode = "b"}), TrainStep(runs_file_, "6")}));
  EXPECT_EQ(JobsRun(), "Prep\nTrain\nPrep\nTrain\n");
  EXPECT_EQ(ReasonOf(changed, "Prep"), R"(missed: Environment.MODE "a" -> "b")");
  EXPECT_EQ(ReasonOf(changed, "Train"), R"(missed: HyperParameters.max_depth "5" -> "6")");
  EXPECT_EQ(changed.CacheDecision("Train")->differences,
            std::vector<std::string>{R"(HyperParameters.max_depth "5" -> "6")"});
}

TEST_F(StepCacheRun, AnotherOutputLocationStillHits) {
  const RunOutcome first = Run(Definition({PrepStep(runs_file_)}));
  const RunOutcome moved = Run(Definition({PrepStep(runs_file_, {.output = "s3://out/moved"})}));
  EXPECT_EQ(JobsRun(), "Prep\n");
  EXPECT_EQ(ReasonOf(moved, "Prep"), HitOf(first, "Prep"));
}

TEST_F(StepCacheRun, ReuploadingIdenticalContentHitsAndChangedContentMissesNamingTheDigests) {
  const std::string definition = Definition({PrepStep(runs_file_), TrainStep(runs_file_, "5")});
  const RunOutcome first = Run(definition);
  run_.WriteObject("s3://data/train.csv", std::string(kTrainData));
  run_.WriteObject("s3://code/sourcedir.tar.gz", "code v1");
  const RunOutcome reuploaded = Run(definition);
  EXPECT_EQ(ReasonOf(reuploaded, "Prep"), HitOf(first, "Prep"));
  EXPECT_EQ(ReasonOf(reuploaded, "Train"), HitOf(first, "Train"));
  EXPECT_EQ(JobsRun(), "Prep\nTrain\n");

  // New data behind the same URI: Prep runs, and its output (same URI, new content) makes Train
  // run too. New code behind the same URI alone would do as much.
  run_.WriteObject("s3://data/train.csv", "a,b\n3,4\n");
  run_.WriteObject("s3://code/sourcedir.tar.gz", "code v2");
  const RunOutcome changed = Run(definition);
  EXPECT_EQ(JobsRun(), "Prep\nTrain\nPrep\nTrain\n");
  EXPECT_EQ(ReasonOf(changed, "Prep"), "missed: input s3://data/train.csv changed: sha256 " +
                                           ShortDigest(kTrainData) + " -> " +
                                           ShortDigest("a,b\n3,4\n"));
  EXPECT_EQ(
      changed.CacheDecision("Train")->differences,
      (std::vector<std::string>{"input s3://code/sourcedir.tar.gz changed: sha256 " +
                                    ShortDigest("code v1") + " -> " + ShortDigest("code v2"),
                                "input s3://out/prep changed: s3://out/prep/copy.csv sha256 " +
                                    ShortDigest(kTrainData) + " -> " + ShortDigest("a,b\n3,4\n")}));
}

TEST_F(StepCacheRun, ARunOlderThanExpireAfterIsNotReused) {
  ManualClock clock(TimePoint(std::chrono::hours(24 * 365 * 50)));
  run_.UseClock(&clock);
  const std::string definition = Definition(
      {PrepStep(runs_file_, {.cache_config = R"({"Enabled": true, "ExpireAfter": "PT1H"})"})});
  const RunOutcome first = Run(definition);
  clock.Advance(std::chrono::minutes(59));
  // A hit does not count as a new run: the hour runs from when the job itself ran.
  EXPECT_EQ(ReasonOf(Run(definition), "Prep"), HitOf(first, "Prep"));
  clock.Advance(std::chrono::minutes(2));
  EXPECT_EQ(ReasonOf(Run(definition), "Prep"),
            "missed: the earlier run expired (ExpireAfter PT1H)");
  EXPECT_EQ(JobsRun(), "Prep\nPrep\n");
}

TEST_F(StepCacheRun, AStepWithCachingDisabledAlwaysRuns) {
  const std::string definition =
      Definition({PrepStep(runs_file_, {.cache_config = R"({"Enabled": false})"})});
  Run(definition);
  const RunOutcome again = Run(definition);
  EXPECT_EQ(JobsRun(), "Prep\nPrep\n");
  EXPECT_EQ(ReasonOf(again, "Prep"), "not cached: CacheConfig.Enabled is false");
}

TEST_F(StepCacheRun, NoCacheRunsTheJobAndLaterRunsReuseThatRun) {
  const std::string definition = Definition({PrepStep(runs_file_)});
  Run(definition);
  run_.DisableCache(true);
  const RunOutcome forced = Run(definition);
  EXPECT_EQ(ReasonOf(forced, "Prep"), "not cached: --no-cache");
  run_.DisableCache(false);
  const RunOutcome after = Run(definition);
  EXPECT_EQ(ReasonOf(after, "Prep"), HitOf(forced, "Prep"));
  EXPECT_EQ(JobsRun(), "Prep\nPrep\n");
}

TEST_F(StepCacheRun, ARunWhoseOutputsAreGoneIsNotReused) {
  const std::string definition = Definition({PrepStep(runs_file_)});
  Run(definition);
  std::filesystem::remove_all(run_.state_dir() / "objects" / "out" / "prep");
  const RunOutcome again = Run(definition);
  EXPECT_EQ(ReasonOf(again, "Prep"), "missed: outputs of the earlier run are gone: s3://out/prep");
  EXPECT_EQ(JobsRun(), "Prep\nPrep\n");
  EXPECT_EQ(run_.ReadObject("s3://out/prep/copy.csv"), kTrainData);
}

TEST_F(StepCacheRun, AnInputThatCannotBeReadIsNotCachedAndFailsTheStepItself) {
  std::string definition = Definition({PrepStep(runs_file_)});
  definition.replace(definition.find("s3://data/train.csv"), 19, "s3://data/gone.csv");
  const RunOutcome outcome = run_.Run(definition);
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  EXPECT_EQ(ReasonOf(outcome, "Prep").rfind("not cached: input s3://data/gone.csv: ", 0), 0u)
      << ReasonOf(outcome, "Prep");
  EXPECT_EQ(JobsRun(), "");
}

// `sluice steps` shows a hit's or a miss's reason, and `sluice cache explain` every difference.
TEST_F(StepCacheRun, TheBinaryShowsEachDecisionAndExplainsAMiss) {
  Run(Definition({PrepStep(runs_file_)}));
  const RunOutcome hit = Run(Definition({PrepStep(runs_file_)}));
  run_.WriteObject("s3://data/train.csv", "a,b\n3,4\n");
  const RunOutcome missed = Run(Definition({PrepStep(runs_file_, {.mode = "b"})}));
  auto sluice = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), SLUICE_BINARY);
    arguments.push_back("--state-dir");
    arguments.push_back(run_.state_dir().string());
    return RunCommand(arguments, std::chrono::seconds(60));
  };

  const auto hit_steps = sluice({"steps", hit.execution.id});
  EXPECT_EQ(hit_steps.exit_code, 0) << hit_steps.standard_error;
  EXPECT_NE(hit_steps.standard_output.find(" " + ReasonOf(hit, "Prep") + "\n"), std::string::npos)
      << hit_steps.standard_output;
  const auto missed_steps = sluice({"steps", missed.execution.id});
  EXPECT_NE(missed_steps.standard_output.find(
                R"( missed: Environment.MODE "a" -> "b" (and 1 more difference))"
                "\n"),
            std::string::npos)
      << missed_steps.standard_output;

  const auto explained = sluice({"cache", "explain", missed.execution.id, "Prep"});
  EXPECT_EQ(explained.exit_code, 0) << explained.standard_error;
  EXPECT_EQ(explained.standard_output,
            R"(Prep attempt 1: missed: Environment.MODE "a" -> "b" (and 1 more difference))"
            "\n  compared with execution " +
                hit.CacheDecision("Prep")->compared_execution_id +
                " step Prep attempt 1\n  differences:\n"
                R"(    Environment.MODE "a" -> "b")"
                "\n    input s3://data/train.csv changed: sha256 " +
                ShortDigest(kTrainData) + " -> " + ShortDigest("a,b\n3,4\n") +
                "\n  cache key: " + missed.CacheDecision("Prep")->cache_key + "\n");

  // `sluice run --no-cache` runs the job, and says so.
  const std::filesystem::path file = run_.state_dir() / "pipeline.json";
  std::ofstream(file) << Definition({PrepStep(runs_file_, {.mode = "b"})});
  const auto forced = sluice({"run", "--no-cache", "--pipeline-name", "test-pipeline",
                              "--isolation", "none", file.string()});
  EXPECT_EQ(forced.exit_code, 0) << forced.standard_error;
  const size_t id_at = forced.standard_output.find("execution ") + 10;
  const std::string forced_id = forced.standard_output.substr(id_at, 12);
  const auto forced_explained = sluice({"cache", "explain", forced_id, "Prep"});
  // The same definition and data as the missed run: the same key.
  EXPECT_EQ(forced_explained.standard_output,
            "Prep attempt 1: not cached: --no-cache\n  cache key: " +
                missed.CacheDecision("Prep")->cache_key + "\n")
      << forced_explained.standard_error;
  EXPECT_EQ(JobsRun(), "Prep\nPrep\nPrep\n");

  const auto unknown = sluice({"cache", "explain", missed.execution.id, "Nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.standard_error,
            "sluice: execution " + missed.execution.id +
                " has no cache decision for step \"Nope\" (only Processing, Training and "
                "Transform steps that started get one)\n");
}

}  // namespace
}  // namespace sluice

#include "runtimes/job_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sluice {
namespace {

using Argv = std::vector<std::string>;

const std::filesystem::path kRuntimesDir = "/opt/sluice/runtimes";

ImageRuntime Resolve(std::string_view image, std::string_view config = R"({"Runtimes": []})") {
  Result<RuntimeMap> map = RuntimeMap::Parse(config, "runtimes.json", kRuntimesDir);
  EXPECT_TRUE(map.has_value()) << map.error().ToString();
  Result<ImageRuntime> runtime = map->Resolve(image);
  EXPECT_TRUE(runtime.has_value()) << runtime.error().ToString();
  return *runtime;
}

const ImageRuntime& Xgboost() {
  static const ImageRuntime runtime =
      Resolve("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3");
  return runtime;
}

const ImageRuntime& Sklearn() {
  static const ImageRuntime runtime =
      Resolve("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3");
  return runtime;
}

const ImageRuntime& Custom() {
  static const ImageRuntime runtime = Resolve("my-registry/custom:latest", R"({"Runtimes": [
      {"Image": "my-registry/custom:*", "Kind": "command", "Command": ["/srv/custom/entry", "-v"]}
    ]})");
  return runtime;
}

JobCommand Must(Result<JobCommand> command) {
  EXPECT_TRUE(command.has_value()) << command.error().ToString();
  return command.has_value() ? *command : JobCommand{};
}

TEST(ProcessingCommand, RunsTheEntrypointWithTheHostPython) {
  const JobCommand command =
      Must(ProcessingCommand(Sklearn(), {.entrypoint = {"python3", "/opt/ml/code/pre.py"},
                                         .arguments = {"--train-test-split", "0.2"}}));
  EXPECT_EQ(command.argv,
            (Argv{"/usr/bin/python3", "/opt/ml/code/pre.py", "--train-test-split", "0.2"}));
  EXPECT_TRUE(command.read_only_paths.empty());
}

TEST(ProcessingCommand, MapsEveryPythonSpellingButNothingElse) {
  for (const char* python : {"python", "python3", "python3.9", "/usr/local/bin/python3",
                             "/miniconda3/bin/python", "/opt/conda/bin/python3.10"}) {
    EXPECT_EQ(Must(ProcessingCommand(Sklearn(), {.entrypoint = {python, "x.py"}})).argv,
              (Argv{"/usr/bin/python3", "x.py"}))
        << python;
  }
  for (const char* program : {"python3-config", "pythonista", "/bin/bash", "python3.x"}) {
    EXPECT_EQ(Must(ProcessingCommand(Sklearn(), {.entrypoint = {program, "x"}})).argv[0], program);
  }
}

TEST(ProcessingCommand, XgboostImageWithScriptProcessorCommandRunsTheScript) {
  const JobCommand command = Must(ProcessingCommand(
      Xgboost(), {.entrypoint = {"python3", "/opt/ml/processing/input/code/evaluation.py"}}));
  EXPECT_EQ(command.argv,
            (Argv{"/usr/bin/python3", "/opt/ml/processing/input/code/evaluation.py"}));
}

TEST(ProcessingCommand, ArgumentsAloneFollowTheImageEntrypointOrAreTheCommand) {
  EXPECT_EQ(Must(ProcessingCommand(Custom(), {.arguments = {"--mode", "x"}})).argv,
            (Argv{"/srv/custom/entry", "-v", "--mode", "x"}));
  EXPECT_EQ(Must(ProcessingCommand(Sklearn(), {.arguments = {"python3", "run.py"}})).argv,
            (Argv{"/usr/bin/python3", "run.py"}));
}

TEST(ProcessingCommand, HostImageWithoutEntrypointIsAnError) {
  Result<JobCommand> command = ProcessingCommand(Sklearn(), {});
  ASSERT_FALSE(command.has_value());
  EXPECT_EQ(
      command.error().ToString(),
      "processing job: image "
      "\"683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3\" "
      "(runtime \"host\", from built-in: */sagemaker-scikit-learn:*) has no entrypoint here, "
      "so the job needs a ContainerEntrypoint (for example [\"python3\", "
      "\"/opt/ml/processing/input/code/x.py\"])");
}

TEST(TrainingCommand, BuiltInXgboostRunsTheAdapterWithTrain) {
  const JobCommand command = Must(TrainingCommand(Xgboost(), {}, {{"num_round", "50"}}));
  EXPECT_EQ(command.argv, (Argv{"/usr/bin/python3", "/opt/sluice/runtimes/xgboost/container.py",
                                "--algorithm-version", "1.0-1", "train"}));
  EXPECT_EQ(command.read_only_paths, std::vector<std::filesystem::path>{kRuntimesDir});
  EXPECT_EQ(command.code_to_stage, "");
}

TEST(TrainingCommand, CommandRuntimeGetsTrainOrTheContainerArguments) {
  EXPECT_EQ(Must(TrainingCommand(Custom(), {}, {})).argv,
            (Argv{"/srv/custom/entry", "-v", "train"}));
  EXPECT_EQ(Must(TrainingCommand(Custom(), {.arguments = {"fit", "--fast"}}, {})).argv,
            (Argv{"/srv/custom/entry", "-v", "fit", "--fast"}));
}

TEST(TrainingCommand, ExplicitEntrypointWinsOverTheImage) {
  EXPECT_EQ(Must(TrainingCommand(Xgboost(), {.entrypoint = {"python3", "own.py"}}, {})).argv,
            (Argv{"/usr/bin/python3", "own.py"}));
}

TEST(TrainingCommand, FrameworkScriptModeRunsTheLauncherAndAsksForS3CodeToBeStaged) {
  const JobCommand command =
      Must(TrainingCommand(Sklearn(), {},
                           {{"sagemaker_program", "\"train.py\""},
                            {"sagemaker_submit_directory", "\"s3://bucket/job/sourcedir.tar.gz\""},
                            {"n_estimators", "10"}}));
  EXPECT_EQ(command.argv,
            (Argv{"/usr/bin/python3", "/opt/sluice/runtimes/framework/container.py", "train"}));
  EXPECT_EQ(command.code_to_stage, "s3://bucket/job/sourcedir.tar.gz");
  EXPECT_EQ(command.read_only_paths, std::vector<std::filesystem::path>{kRuntimesDir});
}

TEST(TrainingCommand, HostArgumentsAloneAreTheCommand) {
  EXPECT_EQ(Must(TrainingCommand(Sklearn(), {.arguments = {"python3", "fit.py"}},
                                 {{"sagemaker_program", "\"train.py\""}}))
                .argv,
            (Argv{"/usr/bin/python3", "fit.py"}));
}

TEST(TrainingCommand, LocalSubmitDirectoryIsLeftToTheLauncher) {
  EXPECT_EQ(Must(TrainingCommand(Sklearn(), {},
                                 {{"sagemaker_program", "train.py"},
                                  {"sagemaker_submit_directory", "file:///tmp/code.tar.gz"}}))
                .code_to_stage,
            "");
}

TEST(TrainingCommand, XgboostScriptModeAlsoStagesItsCode) {
  const JobCommand command =
      Must(TrainingCommand(Xgboost(), {},
                           {{"sagemaker_program", "\"train.py\""},
                            {"sagemaker_submit_directory", "\"s3://b/code.tar.gz\""}}));
  EXPECT_EQ(command.argv.back(), "train");
  EXPECT_EQ(command.code_to_stage, "s3://b/code.tar.gz");
}

TEST(TrainingCommand, HostImageWithoutProgramIsAnError) {
  Result<JobCommand> command = TrainingCommand(Sklearn(), {}, {{"n_estimators", "10"}});
  ASSERT_FALSE(command.has_value());
  EXPECT_EQ(command.error().where, "training job");
  EXPECT_NE(command.error().message.find(
                "runs training in framework script mode, which needs the hyperparameter "
                "sagemaker_program"),
            std::string::npos);
}

TEST(TrainingCommand, VirtualenvPythonIsBoundIntoTheSandbox) {
  const ImageRuntime runtime = Resolve("team/torch:1", R"({"Runtimes": [
      {"Image": "team/torch:*", "Kind": "host", "Python": "/opt/venvs/torch/bin/python3"}]})");
  const JobCommand command =
      Must(TrainingCommand(runtime, {}, {{"sagemaker_program", "\"train.py\""}}));
  EXPECT_EQ(command.argv[0], "/opt/venvs/torch/bin/python3");
  EXPECT_EQ(command.read_only_paths,
            (std::vector<std::filesystem::path>{kRuntimesDir, "/opt/venvs/torch"}));
}

TEST(ServingCommand, ImagesRunWithServe) {
  EXPECT_EQ(Must(ServingCommand(Xgboost())).argv,
            (Argv{"/usr/bin/python3", "/opt/sluice/runtimes/xgboost/container.py",
                  "--algorithm-version", "1.0-1", "serve"}));
  EXPECT_EQ(Must(ServingCommand(Custom())).argv, (Argv{"/srv/custom/entry", "-v", "serve"}));
}

TEST(ServingCommand, HostImagesHaveNoModelServer) {
  Result<JobCommand> command = ServingCommand(Sklearn());
  ASSERT_FALSE(command.has_value());
  EXPECT_EQ(command.error().where, "model server");
  EXPECT_NE(command.error().message.find("framework inference containers are not emulated"),
            std::string::npos);
}

TEST(FindRuntimesDir, FindsTheInstalledLayoutThenABuildTree) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / "sluice-find-runtimes-test";
  std::filesystem::remove_all(root);
  const std::filesystem::path installed = root / "prefix" / "share" / "sluice" / "runtimes";
  std::filesystem::create_directories(installed / "xgboost");
  std::ofstream(installed / "xgboost" / "container.py") << "";
  std::filesystem::create_directories(root / "prefix" / "bin");
  std::filesystem::create_directories(root / "prefix" / "src" / "cli");

  Result<std::filesystem::path> from_bin = FindRuntimesDir(root / "prefix" / "bin" / "sluice");
  Result<std::filesystem::path> from_build =
      FindRuntimesDir(root / "prefix" / "src" / "cli" / "sluice");
  std::filesystem::remove_all(root);
  ASSERT_TRUE(from_bin.has_value()) << from_bin.error().ToString();
  EXPECT_EQ(*from_bin, installed);
  ASSERT_TRUE(from_build.has_value()) << from_build.error().ToString();
  EXPECT_EQ(*from_build, installed);
}

TEST(FindRuntimesDir, FallsBackToTheSourceTree) {
  Result<std::filesystem::path> found = FindRuntimesDir("/nonexistent/bin/sluice");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_TRUE(std::filesystem::is_regular_file(*found / "xgboost" / "container.py"));
  EXPECT_EQ(found->parent_path().filename(), "runtimes");
  EXPECT_EQ(found->filename(), "python");
}

TEST(TransformDriverPath, IsInsideTheRuntimesDirectory) {
  EXPECT_EQ(TransformDriverPath(kRuntimesDir), kRuntimesDir / "bin" / "sluice-transform");
}

}  // namespace
}  // namespace sluice

#include "runtimes/runtime_map.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sluice {
namespace {

const std::filesystem::path kRuntimesDir = "/opt/sluice/share/sluice/runtimes";
constexpr std::string_view kXgboost10 =
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3";
constexpr std::string_view kSklearn =
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3";

ImageRuntime MustResolve(const RuntimeMap& map, std::string_view image) {
  Result<ImageRuntime> runtime = map.Resolve(image);
  EXPECT_TRUE(runtime.has_value()) << runtime.error().ToString();
  return runtime.has_value() ? *runtime : ImageRuntime{};
}

std::string ParseError(std::string_view text) {
  Result<RuntimeMap> map = RuntimeMap::Parse(text, "runtimes.json", kRuntimesDir);
  EXPECT_FALSE(map.has_value());
  return map.has_value() ? "" : map.error().ToString();
}

std::string EnvironmentValue(const ImageRuntime& runtime, std::string_view name) {
  for (const auto& [key, value] : runtime.environment) {
    if (key == name) return value;
  }
  return "<unset>";
}

TEST(ImagePattern, MatchesWholeUriWithStarsAndQuestionMarks) {
  EXPECT_TRUE(MatchesImagePattern("*/sagemaker-xgboost:*", kXgboost10));
  EXPECT_TRUE(MatchesImagePattern("my-registry/custom:latest", "my-registry/custom:latest"));
  EXPECT_TRUE(MatchesImagePattern("my-registry/custom:*", "my-registry/custom:"));
  EXPECT_TRUE(MatchesImagePattern("*", ""));
  EXPECT_TRUE(MatchesImagePattern("model:v?", "model:v2"));
  EXPECT_TRUE(MatchesImagePattern("*a*b*c", "xxaybbzzc"));
  EXPECT_FALSE(MatchesImagePattern("model:v?", "model:v10"));
  EXPECT_FALSE(MatchesImagePattern("my-registry/custom", "my-registry/custom:latest"));
  EXPECT_FALSE(MatchesImagePattern("custom:*", "my-registry/custom:latest"));
  EXPECT_FALSE(MatchesImagePattern("*/Custom:*", "my-registry/custom:latest"));
  EXPECT_FALSE(MatchesImagePattern("*a*b*c", "xxaybbzzcd"));
}

TEST(ImageReference, SplitsRegistryRepositoryTagAndDigest) {
  ImageReference ecr = ParseImageReference(kXgboost10);
  EXPECT_EQ(ecr.registry, "683313688378.dkr.ecr.us-east-1.amazonaws.com");
  EXPECT_EQ(ecr.repository, "sagemaker-xgboost");
  EXPECT_EQ(ecr.tag, "1.0-1-cpu-py3");
  EXPECT_EQ(ecr.name(), "sagemaker-xgboost");

  ImageReference with_port = ParseImageReference("localhost:5000/team/model@sha256:abc");
  EXPECT_EQ(with_port.registry, "localhost:5000");
  EXPECT_EQ(with_port.repository, "team/model");
  EXPECT_EQ(with_port.tag, "");
  EXPECT_EQ(with_port.digest, "sha256:abc");
  EXPECT_EQ(with_port.name(), "model");

  ImageReference docker_hub = ParseImageReference("my-registry/custom:latest");
  EXPECT_EQ(docker_hub.registry, "");
  EXPECT_EQ(docker_hub.repository, "my-registry/custom");
  EXPECT_EQ(docker_hub.tag, "latest");
}

TEST(XgboostVersion, ComesFromTheTagWithoutProcessorSuffix) {
  EXPECT_EQ(*XgboostVersionFromTag("1.0-1-cpu-py3"), "1.0-1");
  EXPECT_EQ(*XgboostVersionFromTag("1.0-1-gpu-py3"), "1.0-1");
  EXPECT_EQ(*XgboostVersionFromTag("1.2-2"), "1.2-2");
  EXPECT_EQ(*XgboostVersionFromTag("1.5-1-cpu"), "1.5-1");
  EXPECT_EQ(*XgboostVersionFromTag("1.7-1"), "1.7-1");
}

TEST(XgboostVersion, RefusesTagsItDoesNotEmulate) {
  Result<std::string> version = XgboostVersionFromTag("0.90-2-cpu-py3");
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().ToString(),
            "sagemaker-xgboost:0.90-2-cpu-py3: expected a tag naming a version the built-in "
            "XGBoost adapter emulates, one of \"1.0-1\", \"1.2-1\", \"1.2-2\", \"1.3-1\", "
            "\"1.5-1\", \"1.7-1\" (optionally with a -cpu-py3 suffix), got \"0.90-2-cpu-py3\"");
  EXPECT_FALSE(XgboostVersionFromTag("latest").has_value());
  EXPECT_FALSE(XgboostVersionFromTag("").has_value());
  EXPECT_FALSE(XgboostVersionFromTag("1.7-1-py3").has_value());
}

TEST(RuntimeMap, DefaultsRunSageMakerXgboostOnTheBuiltInAdapter) {
  const RuntimeMap map = RuntimeMap::Defaults(kRuntimesDir);
  const ImageRuntime runtime = MustResolve(map, kXgboost10);
  EXPECT_EQ(runtime.kind, RuntimeKind::kBuiltInXgboost);
  EXPECT_EQ(runtime.algorithm_version, "1.0-1");
  EXPECT_EQ(runtime.matched_pattern, "built-in: */sagemaker-xgboost:<version>");
  EXPECT_EQ(runtime.command,
            (std::vector<std::string>{"/usr/bin/python3",
                                      "/opt/sluice/share/sluice/runtimes/xgboost/container.py",
                                      "--algorithm-version", "1.0-1"}));
  EXPECT_EQ(runtime.note, "");
  EXPECT_EQ(EnvironmentValue(runtime, "PATH"), "/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin");

  const ImageRuntime other_region =
      MustResolve(map, "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1");
  EXPECT_EQ(other_region.algorithm_version, "1.7-1");
}

TEST(RuntimeMap, DefaultsRefuseAnXgboostTagTheAdapterDoesNotEmulate) {
  Result<ImageRuntime> runtime =
      RuntimeMap::Defaults(kRuntimesDir).Resolve("example.com/sagemaker-xgboost:3.0-5");
  ASSERT_FALSE(runtime.has_value());
  EXPECT_EQ(runtime.error().where, "example.com/sagemaker-xgboost:3.0-5");
  EXPECT_NE(runtime.error().message.find(
                "got \"3.0-5\"; map the image to another runtime in runtimes.json to run it"),
            std::string::npos);
}

TEST(RuntimeMap, DefaultsRunFrameworkImagesOnTheHost) {
  const RuntimeMap map = RuntimeMap::Defaults(kRuntimesDir);
  const ImageRuntime sklearn = MustResolve(map, kSklearn);
  EXPECT_EQ(sklearn.kind, RuntimeKind::kHost);
  EXPECT_TRUE(sklearn.command.empty());
  EXPECT_EQ(sklearn.python, "/usr/bin/python3");
  EXPECT_EQ(sklearn.note, "");

  const ImageRuntime pytorch = MustResolve(
      map, "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.0-cpu-py310");
  EXPECT_EQ(pytorch.kind, RuntimeKind::kHost);
  EXPECT_EQ(pytorch.note,
            "image \"763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.0-cpu-py310\" "
            "runs on the host's /usr/bin/python3, which must have the framework's packages "
            "installed (or map the image to another Python with \"Python\" in runtimes.json)");
}

TEST(RuntimeMap, DefaultsRunUnknownImagesOnTheHostWithANote) {
  const ImageRuntime runtime =
      MustResolve(RuntimeMap::Defaults(kRuntimesDir), "my-registry/custom:latest");
  EXPECT_EQ(runtime.kind, RuntimeKind::kHost);
  EXPECT_EQ(runtime.matched_pattern, "built-in: *");
  EXPECT_EQ(runtime.note,
            "image \"my-registry/custom:latest\" has no runtime mapping: its job's own command "
            "runs on the host with /usr/bin/python3 as python3; add an entry to runtimes.json to "
            "map it");
}

TEST(RuntimeMap, ConfigEntriesComeBeforeDefaultsInOrder) {
  Result<RuntimeMap> map = RuntimeMap::Parse(R"({"Runtimes": [
      {"Image": "*/sagemaker-xgboost:1.0-1*", "Kind": "command",
       "Command": ["/srv/xgb/run"], "Environment": {"MODE": "old", "PATH": "/srv/bin"}},
      {"Image": "*/sagemaker-xgboost:*", "Kind": "host"},
      {"Image": "my-registry/*", "Kind": "xgboost", "AlgorithmVersion": "1.3-1",
       "Python": "/opt/venv/bin/python3"}
    ]})",
                                             "runtimes.json", kRuntimesDir);
  ASSERT_TRUE(map.has_value()) << map.error().ToString();

  const ImageRuntime first = MustResolve(*map, kXgboost10);
  EXPECT_EQ(first.kind, RuntimeKind::kCommand);
  EXPECT_EQ(first.matched_pattern, "*/sagemaker-xgboost:1.0-1*");
  EXPECT_EQ(first.command, std::vector<std::string>{"/srv/xgb/run"});
  EXPECT_EQ(EnvironmentValue(first, "MODE"), "old");
  EXPECT_EQ(EnvironmentValue(first, "PATH"), "/srv/bin");

  const ImageRuntime second =
      MustResolve(*map, "1.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1");
  EXPECT_EQ(second.kind, RuntimeKind::kHost);

  const ImageRuntime third = MustResolve(*map, "my-registry/custom:latest");
  EXPECT_EQ(third.kind, RuntimeKind::kBuiltInXgboost);
  EXPECT_EQ(third.algorithm_version, "1.3-1");
  EXPECT_EQ(third.command[0], "/opt/venv/bin/python3");
  EXPECT_EQ(EnvironmentValue(third, "PATH"),
            "/opt/venv/bin:/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin");

  EXPECT_EQ(MustResolve(*map, kSklearn).matched_pattern, "built-in: */sagemaker-scikit-learn:*");
}

TEST(RuntimeMap, ConfigXgboostEntryWithoutVersionReadsTheTag) {
  Result<RuntimeMap> map =
      RuntimeMap::Parse(R"({"Runtimes": [{"Image": "mirror.local/xgb:*", "Kind": "xgboost"}]})",
                        "runtimes.json", kRuntimesDir);
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(MustResolve(*map, "mirror.local/xgb:1.5-1").algorithm_version, "1.5-1");

  Result<ImageRuntime> unknown = map->Resolve("mirror.local/xgb:nightly");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().where, "runtimes.json: /Runtimes/0");
  EXPECT_EQ(unknown.error().message,
            "image \"mirror.local/xgb:nightly\" matched \"mirror.local/xgb:*\": expected a tag "
            "naming a version the built-in XGBoost adapter emulates, one of \"1.0-1\", \"1.2-1\", "
            "\"1.2-2\", \"1.3-1\", \"1.5-1\", \"1.7-1\" (optionally with a -cpu-py3 suffix), got "
            "\"nightly\"; set \"AlgorithmVersion\" in this entry");
}

TEST(RuntimeMap, EmptyRuntimeListMeansDefaults) {
  Result<RuntimeMap> map = RuntimeMap::Parse(R"({"Runtimes": []})", "runtimes.json", kRuntimesDir);
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(MustResolve(*map, kXgboost10).kind, RuntimeKind::kBuiltInXgboost);
}

TEST(RuntimeMapConfig, ReportsSyntaxErrorsWithFileLineAndColumn) {
  // The wording after the location is the JSON parser's (definition/json.h), tested there.
  const std::string error =
      ParseError("{\"Runtimes\": [\n  {\"Image\": \"a\" \"Kind\": \"host\"}]}");
  EXPECT_TRUE(error.starts_with("runtimes.json:2:17: invalid JSON: ")) << error;
}

TEST(RuntimeMapConfig, ReportsWhatWasExpectedAtEachLocation) {
  EXPECT_EQ(ParseError("[]"),
            "runtimes.json: /: expected an object with a \"Runtimes\" list, got a list");
  EXPECT_EQ(ParseError("{}"),
            "runtimes.json: /: missing \"Runtimes\": a list of {\"Image\": ..., \"Kind\": ...} "
            "entries");
  EXPECT_EQ(ParseError(R"({"Runtime": []})"),
            "runtimes.json: /Runtime: unknown key (did you mean \"Runtimes\"?); expected "
            "\"Runtimes\"");
  EXPECT_EQ(ParseError(R"({"Runtimes": {}})"),
            "runtimes.json: /Runtimes: expected a list of runtime entries, got an object");
  EXPECT_EQ(ParseError(R"({"Runtimes": ["x"]})"),
            "runtimes.json: /Runtimes/0: expected an object {\"Image\": ..., \"Kind\": ...}, got "
            "string \"x\"");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Kind": "host"}]})"),
            "runtimes.json: /Runtimes/0: missing \"Image\" (a non-empty string)");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "", "Kind": "host"}]})"),
            "runtimes.json: /Runtimes/0/Image: expected a non-empty string, got string \"\"");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "hots"}]})"),
            "runtimes.json: /Runtimes/0/Kind: expected one of \"host\", \"command\", "
            "\"xgboost\", got string \"hots\" (did you mean \"host\"?)");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "host", "Comand": []}]})"),
            "runtimes.json: /Runtimes/0/Comand: unknown key (did you mean \"Command\"?); "
            "expected one of \"Image\", \"Kind\", \"Command\", \"Environment\", \"Python\", "
            "\"AlgorithmVersion\"");
}

TEST(RuntimeMapConfig, ChecksFieldsAgainstTheKind) {
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "command"}]})"),
            "runtimes.json: /Runtimes/0: a \"command\" runtime needs \"Command\", a non-empty "
            "list of strings (the argv that stands in for the image's ENTRYPOINT)");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "command", "Command": []}]})"),
            "runtimes.json: /Runtimes/0/Command: expected a non-empty list of strings, got a "
            "list");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "command", "Command": ["x", 1]}]})"),
            "runtimes.json: /Runtimes/0/Command/1: expected a string, got integer 1");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "host", "Command": ["x"]}]})"),
            "runtimes.json: /Runtimes/0/Command: only a \"command\" runtime has a Command; this "
            "entry's Kind is \"host\"");
  EXPECT_EQ(
      ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "host", "Environment": {"A": 1}}]})"),
      "runtimes.json: /Runtimes/0/Environment/A: expected a string, got integer 1");
  EXPECT_EQ(
      ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "host", "Environment": {"A=B": ""}}]})"),
      "runtimes.json: /Runtimes/0/Environment/A=B: expected a variable name without \"=\", got "
      "\"A=B\"");
  EXPECT_EQ(ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "host", "Python": "python3"}]})"),
            "runtimes.json: /Runtimes/0/Python: expected the absolute path of a Python "
            "interpreter, got string \"python3\"");
  EXPECT_EQ(
      ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "xgboost", "AlgorithmVersion": "2"}]})"),
      "runtimes.json: /Runtimes/0/AlgorithmVersion: expected one of \"1.0-1\", \"1.2-1\", "
      "\"1.2-2\", \"1.3-1\", \"1.5-1\", \"1.7-1\", got string \"2\"");
  EXPECT_EQ(
      ParseError(R"({"Runtimes": [{"Image": "a", "Kind": "host", "AlgorithmVersion": "1.0-1"}]})"),
      "runtimes.json: /Runtimes/0/AlgorithmVersion: only an \"xgboost\" runtime has an "
      "AlgorithmVersion; this entry's Kind is \"host\"");
}

TEST(RuntimeMapConfig, LoadNamesAMissingFileButLoadIfPresentFallsBackToDefaults) {
  const std::filesystem::path missing =
      std::filesystem::temp_directory_path() / "sluice-runtimes-test-missing.json";
  std::filesystem::remove(missing);
  Result<RuntimeMap> loaded = RuntimeMap::Load(missing, kRuntimesDir);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(loaded.error().ToString(),
            missing.string() + ": cannot read the runtime map: No such file or directory");

  Result<RuntimeMap> defaults = RuntimeMap::LoadIfPresent(missing, kRuntimesDir);
  ASSERT_TRUE(defaults.has_value());
  EXPECT_TRUE(defaults->rules().empty());
}

TEST(RuntimeMapConfig, LoadReadsTheFileAndNamesItInErrors) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "sluice-runtimes-test-load.json";
  std::ofstream(file) << R"({"Runtimes": [{"Image": "x:*", "Kind": "command", "Command": "run"}]})";
  Result<RuntimeMap> loaded = RuntimeMap::LoadIfPresent(file, kRuntimesDir);
  std::filesystem::remove(file);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().ToString(), file.string() +
                                           ": /Runtimes/0/Command: expected a non-empty list of "
                                           "strings, got string \"run\"");
}

}  // namespace
}  // namespace sluice

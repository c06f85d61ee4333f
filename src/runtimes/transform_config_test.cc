#include "runtimes/transform_config.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

constexpr std::string_view kMinimal = R"({
  "Server": {"Command": ["serve"]},
  "InputDirectory": "/in", "OutputDirectory": "/out", "FailureFile": "/failure"
})";

std::string ErrorOf(std::string_view text) {
  Result<TransformConfig> config = ParseTransformConfig(text, "transform.json");
  EXPECT_FALSE(config.has_value());
  return config.has_value() ? "" : config.error().ToString();
}

std::string With(std::string_view members) {
  std::string text(kMinimal);
  text.insert(text.rfind('}'), std::string(", ") + std::string(members));
  return text;
}

TEST(TransformConfig, MinimalConfigLeavesTheServerToDecideBatching) {
  Result<TransformConfig> config = ParseTransformConfig(kMinimal, "transform.json");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->server.command, std::vector<std::string>{"serve"});
  EXPECT_EQ(config->port, 0);
  EXPECT_EQ(config->split, SplitType::kNone);
  EXPECT_FALSE(config->batch_strategy.has_value());
  EXPECT_FALSE(config->max_payload_mb.has_value());
  EXPECT_FALSE(config->max_concurrent_transforms.has_value());
  EXPECT_EQ(config->assemble_with, AssembleWith::kNone);
  EXPECT_EQ(config->invocation_max_retries, 3);
}

TEST(TransformConfig, ReadsEverySetting) {
  Result<TransformConfig> config =
      ParseTransformConfig(With(R"("Port": 8080, "ContentType": "text/csv", "Accept": "text/csv",
              "CompressionType": "Gzip", "SplitType": "Line", "BatchStrategy": "SingleRecord",
              "MaxPayloadInMB": 1, "MaxConcurrentTransforms": 4, "AssembleWith": "Line",
              "DataProcessing": {"InputFilter": "$[1:]", "OutputFilter": "$[0,-1]",
                                 "JoinSource": "Input"},
              "ModelClientConfig": {"InvocationsTimeoutInSeconds": 30,
                                    "InvocationsMaxRetries": 0},
              "PingTimeoutSeconds": 5)"),
                           "transform.json");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->compression, CompressionType::kGzip);
  EXPECT_EQ(config->split, SplitType::kLine);
  EXPECT_EQ(config->batch_strategy, BatchStrategy::kSingleRecord);
  EXPECT_EQ(config->max_payload_mb, 1);
  EXPECT_EQ(config->max_concurrent_transforms, 4);
  EXPECT_EQ(config->assemble_with, AssembleWith::kLine);
  EXPECT_EQ(config->input_filter, "$[1:]");
  EXPECT_EQ(config->join_source, JoinSource::kInput);
  EXPECT_EQ(config->invocation_timeout_seconds, 30);
  EXPECT_EQ(config->invocation_max_retries, 0);
  EXPECT_EQ(config->ping_timeout_seconds, 5);
}

TEST(TransformConfig, ZeroConcurrencyMeansAskTheServer) {
  Result<TransformConfig> config =
      ParseTransformConfig(With(R"("MaxConcurrentTransforms": 0)"), "transform.json");
  ASSERT_TRUE(config.has_value());
  EXPECT_FALSE(config->max_concurrent_transforms.has_value());
}

TEST(TransformConfig, RefusesRecordIoAndTfRecordSplitting) {
  EXPECT_EQ(ErrorOf(With(R"("SplitType": "RecordIO")")),
            "transform.json: /SplitType: SplitType \"RecordIO\" is not supported locally; use "
            "\"Line\" or \"None\"");
  EXPECT_EQ(ErrorOf(With(R"("SplitType": "TFRecord")")),
            "transform.json: /SplitType: SplitType \"TFRecord\" is not supported locally; use "
            "\"Line\" or \"None\"");
}

TEST(TransformConfig, ErrorsNameTheLocationAndWhatWasExpected) {
  EXPECT_EQ(ErrorOf("[]"), "transform.json: /: expected an object, got a list");
  EXPECT_EQ(ErrorOf(R"({"InputDirectory": "/in"})"),
            "transform.json: /: missing \"Server\" ({\"Command\": [...]}, the model server to "
            "start)");
  EXPECT_EQ(ErrorOf(R"({"Server": {"Command": []}})"),
            "transform.json: /Server/Command: expected a non-empty list of strings, got a list");
  EXPECT_EQ(ErrorOf(R"({"Server": {"Command": ["a", 2]}})"),
            "transform.json: /Server/Command/1: expected a string, got integer 2");
  EXPECT_EQ(ErrorOf(R"({"Server": {"Command": ["a"], "Environment": {"A": true}}})"),
            "transform.json: /Server/Environment/A: expected a string, got boolean true");
  EXPECT_EQ(ErrorOf(R"({"Server": {"Command": ["a"]}, "OutputDirectory": "/o"})"),
            "transform.json: /: missing \"InputDirectory\" (a string)");
  EXPECT_EQ(ErrorOf(With(R"("BatchStrategy": "MULTI_RECORD")")),
            "transform.json: /BatchStrategy: expected one of \"SingleRecord\", \"MultiRecord\", "
            "got string \"MULTI_RECORD\"");
  EXPECT_EQ(ErrorOf(With(R"("MaxPayloadInMB": 101)")),
            "transform.json: /MaxPayloadInMB: expected an integer from 0 to 100, got integer 101");
  EXPECT_EQ(ErrorOf(With(R"("AssembleWith": "line")")),
            "transform.json: /AssembleWith: expected one of \"None\", \"Line\", got string "
            "\"line\"");
  EXPECT_EQ(ErrorOf(With(R"("DataProcessing": {"JoinSource": "Output"})")),
            "transform.json: /DataProcessing/JoinSource: expected one of \"None\", \"Input\", got "
            "string \"Output\"");
  EXPECT_EQ(ErrorOf(With(R"("SplitTyp": "Line")")),
            "transform.json: /SplitTyp: unknown key (did you mean \"SplitType\"?); expected one "
            "of \"Server\", \"Port\", \"InputDirectory\", \"OutputDirectory\", \"FailureFile\", "
            "\"ContentType\", \"Accept\", \"CompressionType\", \"SplitType\", \"BatchStrategy\", "
            "\"MaxPayloadInMB\", \"MaxConcurrentTransforms\", \"AssembleWith\", "
            "\"DataProcessing\", \"ModelClientConfig\", \"PingTimeoutSeconds\"");
}

TEST(TransformConfig, SyntaxErrorsCarryLineAndColumn) {
  // The wording after the location is the JSON parser's (definition/json.h), tested there.
  const std::string error = ErrorOf("{\n  \"Port\": 1,\n}");
  EXPECT_TRUE(error.starts_with("transform.json:3:1: invalid JSON: ")) << error;
}

}  // namespace
}  // namespace sluice

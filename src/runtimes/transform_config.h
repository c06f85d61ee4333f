// What one run of the batch transform driver (sluice-transform) does: the model server to start
// and the CreateTransformJob settings that govern how input files become requests and responses
// become output files. Parsed from the JSON file the driver is given; plain data after that.
//
//   {
//     "Server": {"Command": ["/usr/bin/python3", ".../xgboost/container.py", "...", "serve"],
//                "Environment": {"SAGEMAKER_PROGRAM": "..."}, "LogFile":
//                "/opt/ml/output/server.log"},
//     "Port": 0,                                    0: pick a free loopback port
//     "InputDirectory": "/opt/ml/transform/input",  files staged from TransformInput
//     "OutputDirectory": "/opt/ml/transform/output",
//     "FailureFile": "/opt/ml/output/failure",
//     "ContentType": "text/csv", "Accept": "text/csv",
//     "CompressionType": "None" | "Gzip",
//     "SplitType": "None" | "Line",                 RecordIO/TFRecord: refused
//     "BatchStrategy": "SingleRecord" | "MultiRecord",
//     "MaxPayloadInMB": 6, "MaxConcurrentTransforms": 1,
//     "AssembleWith": "None" | "Line",
//     "DataProcessing": {"InputFilter": "$[1:]", "OutputFilter": "$[0,-1]", "JoinSource": "Input"},
//     "ModelClientConfig": {"InvocationsTimeoutInSeconds": 600, "InvocationsMaxRetries": 3},
//     "PingTimeoutSeconds": 300
//   }
//
// Only Server.Command, InputDirectory, OutputDirectory and FailureFile are required. Absent
// BatchStrategy, MaxPayloadInMB and MaxConcurrentTransforms come from the server's
// GET /execution-parameters when it answers, else SageMaker's defaults (MultiRecord, 6, 1).
#pragma once

#include "base/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

enum class SplitType { kNone, kLine };
enum class BatchStrategy { kSingleRecord, kMultiRecord };
enum class AssembleWith { kNone, kLine };
enum class JoinSource { kNone, kInput };
enum class CompressionType { kNone, kGzip };

struct ServerSpec {
  std::vector<std::string> command;
  std::vector<std::pair<std::string, std::string>> environment;  // on top of the driver's own
  std::filesystem::path log_file;  // empty: the server writes to the driver's stdout/stderr
};

struct TransformConfig {
  ServerSpec server;
  int port = 0;
  std::filesystem::path input_directory;
  std::filesystem::path output_directory;
  std::filesystem::path failure_file;
  std::string content_type;  // empty: no Content-Type header
  std::string accept;        // empty: no Accept header
  CompressionType compression = CompressionType::kNone;
  SplitType split = SplitType::kNone;
  std::optional<BatchStrategy> batch_strategy;
  std::optional<int64_t> max_payload_mb;
  std::optional<int> max_concurrent_transforms;
  AssembleWith assemble_with = AssembleWith::kNone;
  std::string input_filter;   // JSONPath; empty means "$"
  std::string output_filter;  // JSONPath; empty means "$"
  JoinSource join_source = JoinSource::kNone;
  int invocation_timeout_seconds = 600;
  int invocation_max_retries = 3;
  int ping_timeout_seconds = 300;
};

// Parses the driver's config. Errors name `file_name`, the JSON Pointer and what was expected;
// RecordIO/TFRecord splitting is refused as not supported locally.
Result<TransformConfig> ParseTransformConfig(std::string_view text, std::string_view file_name);

Result<TransformConfig> LoadTransformConfig(const std::filesystem::path& file);

}  // namespace sluice

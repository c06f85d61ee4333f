#include "runtimes/batch_transform.h"

#include "base/text.h"
#include "definition/json.h"
#include "definition/value.h"
#include "runtimes/data_processing.h"
#include "runtimes/http_client.h"
#include "runtimes/model_server.h"
#include "runtimes/record_batches.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <zlib.h>

namespace sluice {
namespace {

constexpr size_t kLogTailBytes = 2000;
constexpr size_t kResponseExcerptBytes = 500;
constexpr int64_t kBytesPerMb = 1024 * 1024;

// What the job runs with once the job's settings, the server's answer and the defaults are
// combined.
struct Settings {
  BatchStrategy batch_strategy = BatchStrategy::kMultiRecord;
  int64_t max_payload_mb = 6;
  int max_concurrent_transforms = 1;
};

// The records of one file as sent and, when DataProcessing needs them, as read.
struct FileRecords {
  std::vector<std::string> sent;
  std::vector<std::string> original;  // filled only for JoinSource=Input
};

std::string Excerpt(std::string_view text, size_t bytes) {
  if (text.size() <= bytes) return std::string(text);
  return std::string(text.substr(0, bytes)) + "...";
}

Result<int> FreeLoopbackPort() {
  const int socket_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) return MakeError(ErrorCode::kIo, "model server port", "socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = -1;
  if (bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(socket_fd);
  if (port < 0) return MakeError(ErrorCode::kIo, "model server port", "no free loopback port");
  return port;
}

std::string BatchStrategyName(BatchStrategy strategy) {
  return strategy == BatchStrategy::kSingleRecord ? "SINGLE_RECORD" : "MULTI_RECORD";
}

// The variables SageMaker adds for the model container of a transform job.
std::vector<std::pair<std::string, std::string>> ServerEnvironment(const TransformConfig& config,
                                                                   int port) {
  std::vector<std::pair<std::string, std::string>> environment = config.server.environment;
  environment.emplace_back("SAGEMAKER_BIND_TO_PORT", std::to_string(port));
  environment.emplace_back("SAGEMAKER_BATCH", "true");
  if (config.batch_strategy) {
    environment.emplace_back("SAGEMAKER_BATCH_STRATEGY", BatchStrategyName(*config.batch_strategy));
  }
  if (config.max_payload_mb) {
    environment.emplace_back("SAGEMAKER_MAX_PAYLOAD_IN_MB", std::to_string(*config.max_payload_mb));
  }
  if (config.max_concurrent_transforms) {
    environment.emplace_back("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS",
                             std::to_string(*config.max_concurrent_transforms));
  }
  return environment;
}

std::string ServerLogEnding(const ModelServerProcess& server) {
  const std::string tail = server.LogTail(kLogTailBytes);
  if (tail.empty()) return "";
  return "; the server's log ends with:\n" + tail;
}

Result<void> WaitForPing(ModelServerProcess& server, const std::string& base_url,
                         std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_answer = "no answer yet";
  while (true) {
    if (std::optional<std::string> exit = server.ExitDescription()) {
      return MakeError(ErrorCode::kUnavailable, "model server",
                       *exit + " before answering GET /ping" + ServerLogEnding(server));
    }
    Result<HttpClientResponse> ping = HttpGet(base_url + "/ping", std::chrono::seconds(2));
    if (ping && ping->status == 200) return {};
    last_answer = ping ? "status " + std::to_string(ping->status) : ping.error().message;
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeError(ErrorCode::kUnavailable, "model server",
                       "GET /ping did not answer 200 within " + std::to_string(timeout.count()) +
                           " s (last: " + last_answer + ")" + ServerLogEnding(server));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The job's settings win; then what the server says it wants; then SageMaker's defaults.
Settings SettleSettings(const TransformConfig& config, const std::string& base_url) {
  Settings settings;
  if (!config.batch_strategy || !config.max_payload_mb || !config.max_concurrent_transforms) {
    Result<HttpClientResponse> answer =
        HttpGet(base_url + "/execution-parameters", std::chrono::seconds(5));
    Result<Value> parameters = answer && answer->status == 200
                                   ? ParseJson(answer->body, "GET /execution-parameters")
                                   : Result<Value>(Value());
    if (parameters && parameters->is_map()) {
      if (const Value* strategy = parameters->Find("BatchStrategy");
          strategy != nullptr && strategy->is_string()) {
        if (strategy->as_string() == "SINGLE_RECORD") {
          settings.batch_strategy = BatchStrategy::kSingleRecord;
        }
      }
      if (const Value* payload = parameters->Find("MaxPayloadInMB");
          payload != nullptr && payload->is_integer() && payload->as_integer() >= 0) {
        settings.max_payload_mb = payload->as_integer();
      }
      if (const Value* concurrency = parameters->Find("MaxConcurrentTransforms");
          concurrency != nullptr && concurrency->is_integer() && concurrency->as_integer() > 0) {
        settings.max_concurrent_transforms = static_cast<int>(concurrency->as_integer());
      }
    }
  }
  if (config.batch_strategy) settings.batch_strategy = *config.batch_strategy;
  if (config.max_payload_mb) settings.max_payload_mb = *config.max_payload_mb;
  if (config.max_concurrent_transforms) {
    settings.max_concurrent_transforms = *config.max_concurrent_transforms;
  }
  return settings;
}

Result<std::string> ReadInput(const std::filesystem::path& path, CompressionType compression,
                              const std::string& name) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) return MakeError(ErrorCode::kIo, name, "cannot read the input file");
  std::ostringstream contents;
  contents << stream.rdbuf();
  if (compression == CompressionType::kNone) return contents.str();

  const std::string compressed = contents.str();
  z_stream inflater{};
  // 15 + 32: a zlib or gzip header, detected from the data.
  if (inflateInit2(&inflater, 15 + 32) != Z_OK) {
    return MakeError(ErrorCode::kInternal, name, "cannot start gzip decompression");
  }
  inflater.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  inflater.avail_in = static_cast<uInt>(compressed.size());
  std::string inflated;
  char buffer[1 << 16];
  int status = Z_OK;
  while (status == Z_OK) {
    inflater.next_out = reinterpret_cast<Bytef*>(buffer);
    inflater.avail_out = sizeof buffer;
    status = inflate(&inflater, Z_NO_FLUSH);
    inflated.append(buffer, sizeof buffer - inflater.avail_out);
  }
  inflateEnd(&inflater);
  if (status != Z_STREAM_END) {
    return InvalidArgument(name, "CompressionType is Gzip, but the file is not valid gzip data");
  }
  return inflated;
}

Result<std::vector<std::filesystem::path>> InputFiles(const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return NotFound(directory.string(), "the transform input directory does not exist");
  }
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(directory, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file()) files.push_back(std::filesystem::relative(it->path(), directory));
  }
  if (error) return MakeError(ErrorCode::kIo, directory.string(), error.message());
  std::sort(files.begin(), files.end());
  return files;
}

class FileTransform {
 public:
  FileTransform(const TransformConfig& config, const Settings& settings,
                const ColumnFilter& input_filter, const ColumnFilter& output_filter,
                std::string base_url)
      : config_(config),
        settings_(settings),
        input_filter_(input_filter),
        output_filter_(output_filter),
        base_url_(std::move(base_url)),
        needs_alignment_(config.join_source == JoinSource::kInput ||
                         !output_filter.selects_everything()) {}

  Result<void> Run(const std::filesystem::path& relative) {
    name_ = relative.string();
    Result<std::string> contents =
        ReadInput(config_.input_directory / relative, config_.compression, name_);
    if (!contents) return contents.error();
    Result<FileRecords> records = Records(*contents);
    if (!records) return records.error();
    records_ = std::move(*records);
    Result<std::vector<RecordBatch>> batches =
        PackRecords(records_.sent, config_.split, settings_.batch_strategy,
                    settings_.max_payload_mb * kBytesPerMb, name_);
    if (!batches) return batches.error();
    batches_ = std::move(*batches);

    const std::filesystem::path output = config_.output_directory / (name_ + ".out");
    std::filesystem::create_directories(output.parent_path());
    output_.open(output, std::ios::binary | std::ios::trunc);
    if (!output_) return MakeError(ErrorCode::kIo, output.string(), "cannot write the output");
    responses_.assign(batches_.size(), std::nullopt);
    next_to_send_ = 0;
    next_to_write_ = 0;

    std::vector<std::string> headers;
    if (!config_.content_type.empty()) headers.push_back("Content-Type: " + config_.content_type);
    if (!config_.accept.empty()) headers.push_back("Accept: " + config_.accept);
    ParallelPoster poster(
        base_url_ + "/invocations", std::move(headers), settings_.max_concurrent_transforms,
        std::chrono::seconds(config_.invocation_timeout_seconds), config_.invocation_max_retries);
    Result<void> sent = poster.Run([this] { return Next(); },
                                   [this](PostOutcome outcome) { return Accept(outcome); });
    if (!sent) {
      // A failed job's output is never uploaded; a half-written file would only mislead.
      output_.close();
      std::error_code ignored;
      std::filesystem::remove(output, ignored);
      return sent;
    }
    output_.close();
    if (!output_) return MakeError(ErrorCode::kIo, output.string(), "writing the output failed");
    std::printf("%s: %zu records in %zu requests -> %s\n", name_.c_str(), records_.sent.size(),
                batches_.size(), output.string().c_str());
    return {};
  }

 private:
  Result<FileRecords> Records(std::string_view contents) const {
    FileRecords records;
    for (std::string_view record : SplitRecords(contents, config_.split)) {
      Result<std::string> filtered = input_filter_.Apply(record);
      if (!filtered) {
        return InvalidArgument(name_, "line " + std::to_string(records.sent.size() + 1) +
                                          ": DataProcessing.InputFilter " +
                                          filtered.error().ToString());
      }
      records.sent.push_back(std::move(*filtered));
      if (config_.join_source == JoinSource::kInput) records.original.emplace_back(record);
    }
    return records;
  }

  std::optional<PostRequest> Next() {
    if (next_to_send_ >= batches_.size()) return std::nullopt;
    const size_t index = next_to_send_++;
    return PostRequest{index, BatchBody(records_.sent, batches_[index], config_.split)};
  }

  Result<void> Accept(PostOutcome& outcome) {
    const RecordBatch& batch = batches_[outcome.id];
    const std::string where = name_ + ": " + DescribeRecords(batch, config_.split);
    if (!outcome.response) {
      return MakeError(ErrorCode::kUnavailable, where,
                       "POST /invocations failed: " + outcome.response.error().ToString());
    }
    HttpClientResponse& response = *outcome.response;
    if (response.status < 200 || response.status >= 300) {
      return MakeError(ErrorCode::kUnavailable, where,
                       "POST /invocations answered " + std::to_string(response.status) + ": " +
                           Excerpt(response.body, kResponseExcerptBytes));
    }
    if (needs_alignment_) {
      Result<std::string> processed = ProcessOutput(batch, response.body, where);
      if (!processed) return processed.error();
      response.body = std::move(*processed);
    }
    responses_[outcome.id] = std::move(response.body);
    // Responses arrive in any order; the file is written in input order.
    while (next_to_write_ < responses_.size() && responses_[next_to_write_]) {
      std::string& body = *responses_[next_to_write_];
      output_ << body;
      if (config_.assemble_with == AssembleWith::kLine && !body.empty() && body.back() != '\n') {
        output_ << '\n';
      }
      responses_[next_to_write_].reset();
      ++next_to_write_;
    }
    return {};
  }

  // JoinSource and OutputFilter work record by record, so the answer must have one line per
  // record sent.
  Result<std::string> ProcessOutput(const RecordBatch& batch, const std::string& body,
                                    const std::string& where) const {
    const std::vector<std::string_view> lines = SplitRecords(body, SplitType::kLine);
    if (lines.size() != batch.record_count) {
      return InvalidArgument(where, "the model answered " + std::to_string(lines.size()) +
                                        " lines for " + std::to_string(batch.record_count) +
                                        " records; JoinSource and OutputFilter need one line per "
                                        "record");
    }
    std::string processed;
    for (size_t index = 0; index < lines.size(); ++index) {
      std::string row(lines[index]);
      if (config_.join_source == JoinSource::kInput) {
        row = records_.original[batch.first_record + index] + "," + row;
      }
      Result<std::string> selected = output_filter_.Apply(row);
      if (!selected) {
        return InvalidArgument(where, "DataProcessing.OutputFilter " + selected.error().ToString());
      }
      processed += *selected;
      processed += '\n';
    }
    return processed;
  }

  const TransformConfig& config_;
  const Settings& settings_;
  const ColumnFilter& input_filter_;
  const ColumnFilter& output_filter_;
  std::string base_url_;
  bool needs_alignment_;

  std::string name_;
  FileRecords records_;
  std::vector<RecordBatch> batches_;
  std::vector<std::optional<std::string>> responses_;
  size_t next_to_send_ = 0;
  size_t next_to_write_ = 0;
  std::ofstream output_;
};

Result<void> CheckDataProcessing(const TransformConfig& config, const ColumnFilter& input_filter,
                                 const ColumnFilter& output_filter) {
  const bool processes = config.join_source == JoinSource::kInput ||
                         !input_filter.selects_everything() || !output_filter.selects_everything();
  if (!processes) return {};
  if (!IsCsvContentType(config.content_type)) {
    return InvalidArgument("DataProcessing",
                           "filters and JoinSource are supported locally for CSV records only, "
                           "and ContentType is " +
                               Quote(config.content_type));
  }
  if (config.split != SplitType::kLine) {
    return InvalidArgument("DataProcessing",
                           "filters and JoinSource work on records: they need SplitType \"Line\"");
  }
  return {};
}

}  // namespace

Result<void> RunBatchTransform(const TransformConfig& config) {
  Result<ColumnFilter> input_filter =
      ColumnFilter::Parse(config.input_filter, "DataProcessing.InputFilter");
  if (!input_filter) return input_filter.error();
  Result<ColumnFilter> output_filter =
      ColumnFilter::Parse(config.output_filter, "DataProcessing.OutputFilter");
  if (!output_filter) return output_filter.error();
  if (auto checked = CheckDataProcessing(config, *input_filter, *output_filter); !checked) {
    return checked;
  }
  Result<std::vector<std::filesystem::path>> files = InputFiles(config.input_directory);
  if (!files) return files.error();

  int port = config.port;
  if (port == 0) {
    Result<int> free_port = FreeLoopbackPort();
    if (!free_port) return free_port.error();
    port = *free_port;
  }
  const std::string base_url = "http://127.0.0.1:" + std::to_string(port);

  const CurlSession curl;
  Result<ModelServerProcess> server = ModelServerProcess::Start(
      config.server.command, ServerEnvironment(config, port), config.server.log_file);
  if (!server) return server.error();
  if (auto ready =
          WaitForPing(*server, base_url, std::chrono::seconds(config.ping_timeout_seconds));
      !ready) {
    return ready;
  }
  const Settings settings = SettleSettings(config, base_url);
  std::printf(
      "model server ready on port %d: %s, MaxPayloadInMB %lld, MaxConcurrentTransforms %d\n", port,
      settings.batch_strategy == BatchStrategy::kSingleRecord ? "SingleRecord" : "MultiRecord",
      static_cast<long long>(settings.max_payload_mb), settings.max_concurrent_transforms);

  FileTransform transform(config, settings, *input_filter, *output_filter, base_url);
  for (const std::filesystem::path& file : *files) {
    if (auto done = transform.Run(file); !done) return done;
  }
  server->Stop(std::chrono::seconds(10));
  return {};
}

}  // namespace sluice

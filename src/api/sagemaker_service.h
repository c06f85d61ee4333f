// The SageMaker operations Sluice serves (awsJson1_1: the X-Amz-Target names the operation,
// the body holds its members): pipelines and their versions, executions and their steps, the
// jobs, models and model packages steps made, the answers to Callback steps' tokens, and tags.
// Reads come from committed state in the metadata store; whatever changes state is posted to the
// engine's loop and answered once it is durable. Errors are SageMaker's: ValidationException naming
// the member and what it expected, ResourceNotFound, ConflictException, UnknownOperationException,
// SerializationException.
//
// Thread-safety: Handle() may be called from any thread, several at once. The service must
// outlive the loop's running of what it posted and every reply it handed out.
#pragma once

#include "api/http_server.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace sluice {

class Engine;
class EventLoop;
class MetadataStore;

struct ServiceOptions {
  std::filesystem::path state_dir;  // model packages live under its resources/
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // Called once a callback answer is stored, with its execution's id: wakes the engine of
  // another process (a `sluice run`) that may be running it. Unset: nothing more to wake.
  std::function<void(const std::string&)> wake_engine = {};
  // Reads an object ("s3://bucket/key") of the local object store: definitions given by
  // PipelineDefinitionS3Location. Unset: such definitions are refused.
  std::function<Result<std::string>(const std::string& uri)> read_object = {};
};

class SageMakerService {
 public:
  SageMakerService(EventLoop& loop, Engine& engine, MetadataStore& store, ServiceOptions options);
  ~SageMakerService();
  SageMakerService(const SageMakerService&) = delete;
  SageMakerService& operator=(const SageMakerService&) = delete;

  void Handle(HttpRequest request, HttpReply reply);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice

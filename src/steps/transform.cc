#include "steps/transform.h"

#include "artifacts/archive.h"
#include "artifacts/artifact_store.h"
#include "base/text.h"
#include "steps/container_contract.h"
#include "steps/control_steps.h"
#include "steps/image_command.h"

namespace sluice {
namespace {

constexpr std::string_view kInputDir = "/opt/ml/transform/input";
constexpr std::string_view kOutputDir = "/opt/ml/transform/output";
constexpr std::string_view kConfigFile = "/opt/ml/transform/config.json";

}  // namespace

Result<Preparation> TransformHandler::Prepare(const StepContext& context) const {
  auto resolved = ResolveArguments(context);
  if (!resolved) return resolved.error();
  const Value& arguments = *resolved;
  const std::string where = context.spec.location + "/Arguments";
  const MlLayout layout(context.work_dir / "ml", context.isolation);

  const std::string model_name = StringAt(arguments, {"ModelName"});
  auto model = FindModel(context.resources_dir, model_name);
  if (!model) {
    Error failure = model.error();
    failure.where = where + "/ModelName";
    return failure;
  }
  const Value* container = model->Find("PrimaryContainer");
  if (container == nullptr) {
    const Value* containers = model->Find("Containers");
    if (containers && containers->is_list() && containers->as_list().size() == 1) {
      container = &containers->as_list()[0];
    }
  }
  if (container == nullptr) {
    return InvalidArgument(where + "/ModelName",
                           "not supported locally: model " + Quote(model_name) +
                               " has no PrimaryContainer (inference pipelines of several "
                               "containers do not run here)");
  }

  std::error_code error;
  const std::filesystem::path model_dir = layout.host_root() / "model";
  std::filesystem::create_directories(model_dir, error);
  const std::string model_data = StringAt(*container, {"ModelDataUrl"});
  if (!model_data.empty()) {
    const std::filesystem::path archive_dir = context.work_dir / "model-archive";
    if (auto staged = StageInput(context.artifacts, model_data, archive_dir, where + "/ModelName");
        !staged) {
      return staged.error();
    }
    const std::filesystem::path archive =
        archive_dir / std::filesystem::path(model_data).filename();
    if (archive.extension() == ".gz" && std::filesystem::is_regular_file(archive)) {
      if (auto unpacked = UnpackTarGz(archive, model_dir); !unpacked) return unpacked.error();
    } else {
      std::filesystem::copy(archive_dir, model_dir,
                            std::filesystem::copy_options::recursive |
                                std::filesystem::copy_options::overwrite_existing,
                            error);
    }
  }
  const std::string input_uri =
      StringAt(arguments, {"TransformInput", "DataSource", "S3DataSource", "S3Uri"});
  if (input_uri.empty()) {
    return InvalidArgument(where + "/TransformInput", "expected DataSource.S3DataSource.S3Uri");
  }
  auto input_dir = layout.OnHost(kInputDir, where);
  auto output_dir = layout.OnHost(kOutputDir, where);
  if (!input_dir || !output_dir) return InvalidArgument(where, "cannot lay out the transform");
  if (auto staged = StageInput(context.artifacts, input_uri, *input_dir, where + "/TransformInput");
      !staged) {
    return staged.error();
  }
  std::filesystem::create_directories(*output_dir, error);

  auto server = CommandForImage(context.runtimes, ContainerMode::kServing,
                                StringAt(*container, {"Image"}), {}, {});
  if (!server) {
    Error failure = server.error();
    failure.where = where + "/ModelName";
    return failure;
  }
  AppendToLog(context.log_file, server->note);

  Environment environment = context.base_environment;
  for (const auto& [name, value] : server->environment) SetVariable(environment, name, value);
  for (const Value* variables : {container->Find("Environment"), arguments.Find("Environment")}) {
    if (variables == nullptr || !variables->is_map()) continue;
    for (const Member& member : variables->as_map()) {
      SetVariable(environment, member.key, layout.Remap(TextOf(member.value)));
    }
  }
  const std::string strategy = StringAt(arguments, {"BatchStrategy"}, "MultiRecord");
  SetVariable(environment, "SAGEMAKER_BATCH", "true");
  SetVariable(environment, "SAGEMAKER_BATCH_STRATEGY",
              strategy == "SingleRecord" ? "SINGLE_RECORD" : "MULTI_RECORD");
  SetVariable(environment, "SAGEMAKER_MAX_PAYLOAD_IN_MB",
              StringAt(arguments, {"MaxPayloadInMB"}, "6"));
  SetVariable(environment, "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS",
              StringAt(arguments, {"MaxConcurrentTransforms"}, "1"));
  SetVariable(environment, "TRANSFORM_JOB_NAME", context.job_name);

  Value config = Value::EmptyMap();
  Value server_argv = Value::EmptyList();
  for (const std::string& argument : server->argv) {
    server_argv.as_list().push_back(Value(layout.Remap(argument)));
  }
  Value server_spec = Value::EmptyMap();
  server_spec.Set("Command", std::move(server_argv));
  config.Set("Server", std::move(server_spec));
  config.Set("CompressionType", StringAt(arguments, {"TransformInput", "CompressionType"}, "None"));
  config.Set("InputDirectory", layout.InJob(kInputDir));
  config.Set("OutputDirectory", layout.InJob(kOutputDir));
  config.Set("FailureFile", layout.InJob("/opt/ml/output/failure"));
  config.Set("ContentType", StringAt(arguments, {"TransformInput", "ContentType"}, ""));
  config.Set("Accept", StringAt(arguments, {"TransformOutput", "Accept"}, ""));
  config.Set("SplitType", StringAt(arguments, {"TransformInput", "SplitType"}, "None"));
  config.Set("BatchStrategy", strategy);
  config.Set("AssembleWith", StringAt(arguments, {"TransformOutput", "AssembleWith"}, "None"));
  const Value* payload = arguments.Find("MaxPayloadInMB");
  config.Set("MaxPayloadInMB", payload && payload->is_integer() ? *payload : Value(6));
  const Value* concurrency = arguments.Find("MaxConcurrentTransforms");
  config.Set("MaxConcurrentTransforms",
             concurrency && concurrency->is_integer() ? *concurrency : Value(1));
  if (const Value* processing = arguments.Find("DataProcessing")) {
    config.Set("DataProcessing", *processing);
  }
  auto config_file = layout.OnHost(kConfigFile, where);
  if (!config_file) return config_file.error();
  if (auto written = WriteJsonFile(*config_file, config); !written) return written.error();
  std::filesystem::create_directories(layout.host_root() / "output", error);

  JobSpec job;
  job.name = context.job_name;
  job.command = {context.transform_driver.string(), layout.InJob(kConfigFile)};
  job.environment = std::move(environment);
  job.working_directory = layout.is_isolated() ? "/opt/ml" : layout.host_root().string();
  job.log_file = context.log_file;
  job.isolation = context.isolation;
  job.ml_root = layout.host_root();
  job.mounts = server->mounts;
  job.mounts.push_back(Mount{context.transform_driver.parent_path(),
                             context.transform_driver.parent_path().string(), true});
  Preparation preparation;
  preparation.job = std::move(job);
  preparation.state = arguments;
  return preparation;
}

StepResult TransformHandler::Complete(const StepContext& context, const Value& state,
                                      const JobResult& job) const {
  const MlLayout layout(context.work_dir / "ml", context.isolation);
  const std::string failure_text = ReadFileHead(layout.host_root() / "output/failure", 1024);
  JobFailure failure = ClassifyJobEnd(job, failure_text, "ClientError", context.log_file);
  const std::string arn = ResourceArn(context.execution, "transform-job", context.job_name);
  Value properties = state;
  properties.Set("TransformJobName", context.job_name);
  properties.Set("TransformJobArn", arn);
  properties.Set("TransformStartTime", FormatTime(job.started));
  properties.Set("TransformEndTime", FormatTime(job.ended));
  const bool is_success = job.outcome == JobResult::Outcome::kExited && job.exit_status == 0;
  if (!is_success) {
    const bool is_stopped = job.outcome == JobResult::Outcome::kStopped;
    properties.Set("TransformJobStatus", is_stopped ? "Stopped" : "Failed");
    if (!is_stopped) properties.Set("FailureReason", failure.reason);
    StepResult result = StepResult::Failure(failure.failure_class, failure.reason);
    result.properties = std::move(properties);
    return result;
  }
  const std::string output_uri = StringAt(state, {"TransformOutput", "S3OutputPath"});
  auto output_dir = layout.OnHost(kOutputDir, "");
  if (output_dir) {
    if (auto uploaded = context.artifacts.Upload(*output_dir, output_uri); !uploaded) {
      return StepResult::Failure(ClassOfArtifactError(uploaded.error()),
                                 "cannot upload the transform output to " + Quote(output_uri) +
                                     ": " + uploaded.error().message);
    }
  }
  properties.Set("TransformJobStatus", "Completed");
  StepResult result;
  result.properties = std::move(properties);
  Value metadata = Value::EmptyMap();
  metadata.Set("Arn", arn);
  result.metadata.Set("TransformJob", std::move(metadata));
  return result;
}

Result<std::vector<std::string>> TransformHandler::IndirectInputs(const StepContext& context,
                                                                  const Value& arguments) const {
  auto model = FindModel(context.resources_dir, StringAt(arguments, {"ModelName"}));
  if (!model) return model.error();
  std::vector<std::string> uris;
  if (const Value* container = model->Find("PrimaryContainer")) {
    uris.push_back(StringAt(*container, {"ModelDataUrl"}));
  } else if (const Value* containers = model->Find("Containers");
             containers && containers->is_list()) {
    for (const Value& entry : containers->as_list()) {
      uris.push_back(StringAt(entry, {"ModelDataUrl"}));
    }
  }
  std::erase(uris, "");
  return uris;
}

}  // namespace sluice

#include "steps/training.h"

#include "artifacts/archive.h"
#include "artifacts/artifact_store.h"
#include "base/text.h"
#include "definition/json.h"
#include "steps/container_contract.h"
#include "steps/host_files.h"
#include "steps/image_command.h"
#include "steps/metrics.h"

#include <cctype>
#include <thread>

namespace sluice {
namespace {

std::string UpperSnake(std::string_view name) {
  std::string result;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    result += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
  }
  return result;
}

bool IsEmptyDirectory(const std::filesystem::path& directory) {
  std::error_code error;
  return !std::filesystem::exists(directory, error) ||
         std::filesystem::directory_iterator(directory, error) ==
             std::filesystem::directory_iterator();
}

std::string TrimSlash(std::string uri) {
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  return uri;
}

}  // namespace

Result<Preparation> TrainingHandler::Prepare(const StepContext& context) const {
  auto resolved = ResolveArguments(context);
  if (!resolved) return resolved.error();
  const Value& arguments = *resolved;
  const MlLayout layout(context.work_dir / "ml", context.isolation);
  const std::string where = context.spec.location + "/Arguments";
  const std::string default_mode =
      StringAt(arguments, {"AlgorithmSpecification", "TrainingInputMode"}, "File");

  Value input_config = Value::EmptyMap();
  std::vector<std::string> channel_names;
  if (const Value* channels = arguments.Find("InputDataConfig"); channels && channels->is_list()) {
    for (size_t i = 0; i < channels->as_list().size(); ++i) {
      const Value& channel = channels->as_list()[i];
      const std::string channel_where = where + "/InputDataConfig/" + std::to_string(i);
      const std::string name = StringAt(channel, {"ChannelName"});
      if (name.empty()) return InvalidArgument(channel_where, "expected a ChannelName");
      if (channel.Find("DataSource") && channel.Find("DataSource")->Find("FileSystemDataSource")) {
        return InvalidArgument(channel_where + "/DataSource",
                               "not supported locally: FileSystemDataSource (EFS or FSx) "
                               "channels; use an S3 URI");
      }
      const std::string mode = StringAt(channel, {"InputMode"}, default_mode);
      if (mode == "Pipe") {
        return InvalidArgument(channel_where + "/InputMode",
                               "not supported locally: Pipe input mode; use File or FastFile");
      }
      const std::string uri = StringAt(channel, {"DataSource", "S3DataSource", "S3Uri"});
      if (uri.empty()) {
        return InvalidArgument(channel_where, "expected DataSource.S3DataSource.S3Uri");
      }
      auto host = layout.OnHost("/opt/ml/input/data/" + name, channel_where);
      if (!host) return host.error();
      if (auto staged = StageInput(context.artifacts, uri, *host, channel_where); !staged) {
        return staged.error();
      }
      Value entry = Value::EmptyMap();
      if (const Value* content_type = channel.Find("ContentType"); content_type) {
        entry.Set("ContentType", *content_type);
      }
      entry.Set("TrainingInputMode", mode);
      entry.Set("S3DistributionType",
                StringAt(channel, {"DataSource", "S3DataSource", "S3DataDistributionType"},
                         "FullyReplicated"));
      entry.Set("RecordWrapperType", StringAt(channel, {"RecordWrapperType"}, "None"));
      input_config.Set(name, std::move(entry));
      channel_names.push_back(name);
    }
  }

  Value hyperparameters = Value::EmptyMap();
  if (const Value* given = arguments.Find("HyperParameters"); given && given->is_map()) {
    for (const Member& member : given->as_map()) {
      hyperparameters.Set(member.key, TextOf(member.value));
    }
  }
  const std::string instance_type =
      StringAt(arguments, {"ResourceConfig", "InstanceType"}, "local");
  Value resource_config = Value::EmptyMap();
  resource_config.Set("current_host", "algo-1");
  resource_config.Set("hosts", Value(Value::List{Value("algo-1")}));
  resource_config.Set("network_interface_name", "eth0");
  resource_config.Set("current_instance_type", instance_type);
  const std::filesystem::path config_dir = layout.host_root() / "input/config";
  for (const auto& [file, value] : {std::pair{"hyperparameters.json", &hyperparameters},
                                    std::pair{"inputdataconfig.json", &input_config},
                                    std::pair{"resourceconfig.json", &resource_config}}) {
    if (auto written = WriteJsonFile(config_dir / file, *value); !written) return written.error();
  }
  for (const char* directory : {"model", "output/data", "code", "checkpoints"}) {
    if (auto made = MakeDirectories(layout.host_root() / directory); !made) return made.error();
  }
  const std::string checkpoint_uri = StringAt(arguments, {"CheckpointConfig", "S3Uri"});
  const std::string checkpoint_path =
      StringAt(arguments, {"CheckpointConfig", "LocalPath"}, "/opt/ml/checkpoints");
  if (!checkpoint_uri.empty()) {
    auto host = layout.OnHost(checkpoint_path, where + "/CheckpointConfig/LocalPath");
    if (!host) return host.error();
    // Earlier checkpoints are optional: a first run has none.
    (void)context.artifacts.Download(checkpoint_uri, *host);
  }

  auto command = CommandForImage(
      context.runtimes, ContainerMode::kTraining,
      StringAt(arguments, {"AlgorithmSpecification", "TrainingImage"}),
      TextsOf(MemberAt(arguments, {"AlgorithmSpecification", "ContainerEntrypoint"})),
      TextsOf(MemberAt(arguments, {"AlgorithmSpecification", "ContainerArguments"})), [&] {
        std::vector<std::pair<std::string, std::string>> pairs;
        for (const Member& member : hyperparameters.as_map()) {
          pairs.emplace_back(member.key, member.value.as_string());
        }
        return pairs;
      }());
  if (!command) {
    Error failure = command.error();
    failure.where = where + "/AlgorithmSpecification";
    return failure;
  }
  AppendToLog(context.log_file, command->note);
  if (!command->code_to_stage.empty()) {
    const std::filesystem::path archive = context.work_dir / "sourcedir.tar.gz";
    auto code = context.artifacts.ReadObject(command->code_to_stage);
    if (!code) return code.error();
    if (auto written = context.artifacts.WriteObject("file://" + archive.string(), *code);
        !written) {
      return written.error();
    }
    if (auto unpacked = UnpackTarGz(archive, layout.host_root() / "code"); !unpacked) {
      return unpacked.error();
    }
  }

  JobSpec job;
  job.name = context.job_name;
  for (const std::string& argument : command->argv) job.command.push_back(layout.Remap(argument));
  job.environment = context.base_environment;
  for (const auto& [name, value] : command->environment) SetVariable(job.environment, name, value);
  const std::string arn = ResourceArn(context.execution, "training-job", context.job_name);
  SetVariable(job.environment, "TRAINING_JOB_NAME", context.job_name);
  SetVariable(job.environment, "TRAINING_JOB_ARN", arn);
  // The training toolkit computes SM_* itself inside SageMaker's images; setting them here
  // serves scripts run directly, and points them at the right place when /opt/ml is remapped.
  SetVariable(job.environment, "SM_MODEL_DIR", layout.InJob("/opt/ml/model"));
  SetVariable(job.environment, "SM_INPUT_DIR", layout.InJob("/opt/ml/input"));
  SetVariable(job.environment, "SM_INPUT_CONFIG_DIR", layout.InJob("/opt/ml/input/config"));
  SetVariable(job.environment, "SM_OUTPUT_DIR", layout.InJob("/opt/ml/output"));
  SetVariable(job.environment, "SM_OUTPUT_DATA_DIR", layout.InJob("/opt/ml/output/data"));
  SetVariable(job.environment, "SM_CHECKPOINT_DIR", layout.InJob(checkpoint_path));
  SetVariable(job.environment, "SM_CURRENT_HOST", "algo-1");
  SetVariable(job.environment, "SM_HOSTS", "[\"algo-1\"]");
  SetVariable(job.environment, "SM_CURRENT_INSTANCE_TYPE", instance_type);
  SetVariable(job.environment, "SM_NUM_CPUS",
              std::to_string(std::max(1u, std::thread::hardware_concurrency())));
  SetVariable(job.environment, "SM_NUM_GPUS", "0");
  SetVariable(job.environment, "SM_HPS", WriteJson(hyperparameters));
  Value channel_list = Value::EmptyList();
  for (const std::string& name : channel_names) {
    channel_list.as_list().push_back(Value(name));
    SetVariable(job.environment, "SM_CHANNEL_" + UpperSnake(name),
                layout.InJob("/opt/ml/input/data/" + name));
  }
  SetVariable(job.environment, "SM_CHANNELS", WriteJson(channel_list));
  for (const Member& member : hyperparameters.as_map()) {
    SetVariable(job.environment, "SM_HP_" + UpperSnake(member.key), member.value.as_string());
  }
  if (const Value* environment = arguments.Find("Environment");
      environment && environment->is_map()) {
    for (const Member& member : environment->as_map()) {
      SetVariable(job.environment, member.key, layout.Remap(TextOf(member.value)));
    }
  }
  job.working_directory =
      layout.is_isolated() ? "/opt/ml/code" : (layout.host_root() / "code").string();
  job.log_file = context.log_file;
  job.isolation = context.isolation;
  job.ml_root = layout.host_root();
  job.mounts = command->mounts;
  if (const Value* max_runtime = MemberAt(arguments, {"StoppingCondition", "MaxRuntimeInSeconds"});
      max_runtime && max_runtime->is_integer()) {
    job.max_runtime = std::chrono::seconds(max_runtime->as_integer());
  }

  Preparation preparation;
  preparation.job = std::move(job);
  preparation.state = arguments;
  return preparation;
}

StepResult TrainingHandler::Complete(const StepContext& context, const Value& state,
                                     const JobResult& job) const {
  const MlLayout layout(context.work_dir / "ml", context.isolation);
  const std::string failure_text = ReadFileHead(layout.host_root() / "output/failure", 1024);
  JobFailure failure = ClassifyJobEnd(job, failure_text, "AlgorithmError", context.log_file);
  const std::string arn = ResourceArn(context.execution, "training-job", context.job_name);

  Value properties = state;
  properties.Set("TrainingJobName", context.job_name);
  properties.Set("TrainingJobArn", arn);
  properties.Set("TrainingStartTime", FormatTime(job.started));
  properties.Set("TrainingEndTime", FormatTime(job.ended));
  const Value* definitions = MemberAt(state, {"AlgorithmSpecification", "MetricDefinitions"});
  properties.Set("FinalMetricDataList",
                 FinalMetrics(definitions, context.log_file, FormatTime(job.ended)));

  const bool is_success = job.outcome == JobResult::Outcome::kExited && job.exit_status == 0;
  if (!is_success) {
    const bool is_stopped = job.outcome == JobResult::Outcome::kStopped;
    properties.Set("TrainingJobStatus", is_stopped ? "Stopped" : "Failed");
    properties.Set("SecondaryStatus",
                   is_stopped ? "Stopped"
                              : (job.outcome == JobResult::Outcome::kTimedOut ? "MaxRuntimeExceeded"
                                                                              : "Failed"));
    if (!is_stopped) properties.Set("FailureReason", failure.reason);
    StepResult result = StepResult::Failure(failure.failure_class, failure.reason);
    result.properties = std::move(properties);
    return result;
  }

  const std::string output_root = TrimSlash(StringAt(state, {"OutputDataConfig", "S3OutputPath"})) +
                                  "/" + context.job_name + "/output";
  const bool is_uncompressed = StringAt(state, {"OutputDataConfig", "CompressionType"}) == "NONE";
  const std::filesystem::path packed = context.work_dir / "model.tar.gz";
  std::string model_uri;
  if (is_uncompressed) {
    model_uri = output_root + "/model/";
    if (auto uploaded = context.artifacts.Upload(layout.host_root() / "model", model_uri);
        !uploaded) {
      return StepResult::Failure(ClassOfArtifactError(uploaded.error()),
                                 "cannot upload the model: " + uploaded.error().ToString());
    }
  } else {
    model_uri = output_root + "/model.tar.gz";
    if (auto done = PackTarGz(layout.host_root() / "model", packed); !done) {
      return StepResult::Failure(FailureClass::kServiceFault,
                                 "cannot pack /opt/ml/model: " + done.error().ToString());
    }
    if (auto uploaded = context.artifacts.Upload(packed, model_uri); !uploaded) {
      return StepResult::Failure(ClassOfArtifactError(uploaded.error()),
                                 "cannot upload the model: " + uploaded.error().ToString());
    }
  }
  if (!IsEmptyDirectory(layout.host_root() / "output/data")) {
    const std::filesystem::path output_archive = context.work_dir / "output.tar.gz";
    if (auto done = PackTarGz(layout.host_root() / "output/data", output_archive); done) {
      (void)context.artifacts.Upload(output_archive, output_root + "/output.tar.gz");
    }
  }
  const std::string checkpoint_uri = StringAt(state, {"CheckpointConfig", "S3Uri"});
  if (!checkpoint_uri.empty()) {
    auto host = layout.OnHost(
        StringAt(state, {"CheckpointConfig", "LocalPath"}, "/opt/ml/checkpoints"), "");
    if (host && !IsEmptyDirectory(*host)) (void)context.artifacts.Upload(*host, checkpoint_uri);
  }

  Value artifacts = Value::EmptyMap();
  artifacts.Set("S3ModelArtifacts", model_uri);
  properties.Set("ModelArtifacts", std::move(artifacts));
  properties.Set("TrainingJobStatus", "Completed");
  properties.Set("SecondaryStatus", "Completed");
  StepResult result;
  result.properties = std::move(properties);
  Value job_metadata = Value::EmptyMap();
  job_metadata.Set("Arn", arn);
  result.metadata.Set("TrainingJob", std::move(job_metadata));
  return result;
}

}  // namespace sluice

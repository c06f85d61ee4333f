// Processing steps: CreateProcessingJob run here. Inputs are staged under /opt/ml/processing,
// the container runs its entrypoint, and every output directory is uploaded when it exits
// (S3UploadMode EndOfJob). The property document is DescribeProcessingJobResponse-shaped.
#include "steps/processing.h"

#include "artifacts/artifact_store.h"
#include "base/text.h"
#include "steps/container_contract.h"
#include "steps/host_files.h"
#include "steps/image_command.h"

namespace sluice {
namespace {

bool IsAbsentOrEmptyList(const Value* value) {
  return value == nullptr || (value->is_list() && value->as_list().empty());
}

}  // namespace

bool ProcessingHandler::IsQuick(const StepSpec& spec) const {
  const Value arguments = spec.arguments.Parse();
  const Value* output_config = arguments.Find("ProcessingOutputConfig");
  return IsAbsentOrEmptyList(arguments.Find("ProcessingInputs")) &&
         (output_config == nullptr ||
          (output_config->is_map() && IsAbsentOrEmptyList(output_config->Find("Outputs")))) &&
         !ResolvingReadsArtifacts(spec);
}

Result<Preparation> ProcessingHandler::Prepare(const StepContext& context) const {
  auto resolved = ResolveArguments(context);
  if (!resolved) return resolved.error();
  const Value& arguments = *resolved;
  const MlLayout layout(context.work_dir / "ml", context.isolation);
  const std::string where = context.spec.location + "/Arguments";

  if (const Value* inputs = arguments.Find("ProcessingInputs"); inputs && inputs->is_list()) {
    for (size_t i = 0; i < inputs->as_list().size(); ++i) {
      const Value& input = inputs->as_list()[i];
      const std::string input_where = where + "/ProcessingInputs/" + std::to_string(i);
      if (input.Find("DatasetDefinition") != nullptr) {
        return InvalidArgument(input_where,
                               "not supported locally: DatasetDefinition inputs (Athena or "
                               "Redshift queries); stage the data to an S3 URI instead");
      }
      const std::string uri = StringAt(input, {"S3Input", "S3Uri"});
      const std::string local_path = StringAt(input, {"S3Input", "LocalPath"});
      if (uri.empty() || local_path.empty()) {
        return InvalidArgument(input_where, "expected S3Input with S3Uri and LocalPath");
      }
      auto host = layout.OnHost(local_path, input_where + "/S3Input/LocalPath");
      if (!host) return host.error();
      if (StringAt(input, {"S3Input", "S3DataType"}, "S3Prefix") == "ManifestFile") {
        return InvalidArgument(input_where + "/S3Input/S3DataType",
                               "not supported locally: ManifestFile inputs");
      }
      if (auto staged = StageInput(context.artifacts, uri, *host, input_where); !staged) {
        return staged.error();
      }
    }
  }
  // The tree's root first, so that each directory below it is one mkdir.
  if (auto made = MakeDirectories(layout.host_root()); !made) return made.error();
  if (const Value* outputs = MemberAt(arguments, {"ProcessingOutputConfig", "Outputs"});
      outputs && outputs->is_list()) {
    for (size_t i = 0; i < outputs->as_list().size(); ++i) {
      const Value& output = outputs->as_list()[i];
      const std::string output_where =
          where + "/ProcessingOutputConfig/Outputs/" + std::to_string(i) + "/S3Output/LocalPath";
      auto host = layout.OnHost(StringAt(output, {"S3Output", "LocalPath"}), output_where);
      if (!host) return host.error();
      if (auto made = MakeDirectories(*host); !made) return made.error();
    }
  }
  for (const char* directory : {"output", "config"}) {
    if (auto made = MakeDirectories(layout.host_root() / directory); !made) return made.error();
  }

  Value config = arguments;
  config.Set("ProcessingJobName", context.job_name);
  config.Set("ProcessingJobArn",
             ResourceArn(context.execution, "processing-job", context.job_name));
  if (auto written = WriteJsonFile(layout.host_root() / "config/processingjobconfig.json", config);
      !written) {
    return written.error();
  }
  const int64_t instance_count = [&] {
    const Value* count =
        MemberAt(arguments, {"ProcessingResources", "ClusterConfig", "InstanceCount"});
    return count && count->is_integer() ? count->as_integer() : 1;
  }();
  if (instance_count > 1) {
    AppendToLog(context.log_file, "InstanceCount " + std::to_string(instance_count) +
                                      " runs as one instance here (algo-1)");
  }
  Value resource_config = Value::EmptyMap();
  resource_config.Set("current_host", "algo-1");
  resource_config.Set("hosts", Value(Value::List{Value("algo-1")}));
  resource_config.Set("network_interface_name", "eth0");
  resource_config.Set(
      "current_instance_type",
      StringAt(arguments, {"ProcessingResources", "ClusterConfig", "InstanceType"}, "local"));
  if (auto written =
          WriteJsonFile(layout.host_root() / "config/resourceconfig.json", resource_config);
      !written) {
    return written.error();
  }

  auto command =
      CommandForImage(context.runtimes, ContainerMode::kProcessing,
                      StringAt(arguments, {"AppSpecification", "ImageUri"}),
                      TextsOf(MemberAt(arguments, {"AppSpecification", "ContainerEntrypoint"})),
                      TextsOf(MemberAt(arguments, {"AppSpecification", "ContainerArguments"})));
  if (!command) {
    Error failure = command.error();
    failure.where = where + "/AppSpecification";
    return failure;
  }
  std::vector<std::string> notes = {command->note};

  JobSpec job;
  job.name = context.job_name;
  for (const std::string& argument : command->argv) job.command.push_back(layout.Remap(argument));
  job.environment = context.base_environment;
  for (const auto& [name, value] : command->environment) SetVariable(job.environment, name, value);
  if (const Value* environment = arguments.Find("Environment");
      environment && environment->is_map()) {
    for (const Member& member : environment->as_map()) {
      SetVariable(job.environment, member.key, layout.Remap(TextOf(member.value)));
    }
  }
  SetVariable(job.environment, "PROCESSING_JOB_NAME", context.job_name);
  job.working_directory = layout.is_isolated() ? "/opt/ml" : layout.host_root().string();
  job.log_file = context.log_file;
  job.isolation = context.isolation;
  job.ml_root = layout.host_root();
  job.mounts = command->mounts;
  if (const Value* max_runtime = MemberAt(arguments, {"StoppingCondition", "MaxRuntimeInSeconds"});
      max_runtime && max_runtime->is_integer()) {
    job.max_runtime = std::chrono::seconds(max_runtime->as_integer());
  }
  if (!layout.is_isolated()) {
    notes.push_back(
        "no private /opt/ml here: /opt/ml in the command line and environment points to " +
        layout.host_root().string() + "; scripts that hard-code /opt/ml paths fail");
  }
  AppendToLog(context.log_file, notes);

  Preparation preparation;
  preparation.job = std::move(job);
  preparation.state = arguments;
  return preparation;
}

StepResult ProcessingHandler::Complete(const StepContext& context, const Value& state,
                                       const JobResult& job) const {
  const MlLayout layout(context.work_dir / "ml", context.isolation);
  const std::string failure_text = ReadFileHead(layout.host_root() / "output/failure", 1024);
  const std::string message = ReadFileHead(layout.host_root() / "output/message", 1024);
  JobFailure failure = ClassifyJobEnd(job, failure_text, "AlgorithmError", context.log_file);

  Value properties = state;
  properties.Set("ProcessingJobName", context.job_name);
  properties.Set("ProcessingJobArn",
                 ResourceArn(context.execution, "processing-job", context.job_name));
  properties.Set("ProcessingStartTime", FormatTime(job.started));
  properties.Set("ProcessingEndTime", FormatTime(job.ended));
  if (!message.empty()) properties.Set("ExitMessage", message);

  if (failure.failure_class == FailureClass::kNone && job.outcome == JobResult::Outcome::kExited &&
      job.exit_status == 0) {
    if (const Value* outputs = MemberAt(state, {"ProcessingOutputConfig", "Outputs"});
        outputs && outputs->is_list()) {
      for (const Value& output : outputs->as_list()) {
        auto host = layout.OnHost(StringAt(output, {"S3Output", "LocalPath"}), "");
        if (!host) continue;
        const std::string uri = StringAt(output, {"S3Output", "S3Uri"});
        if (auto uploaded = context.artifacts.Upload(*host, uri); !uploaded) {
          return StepResult::Failure(ClassOfArtifactError(uploaded.error()),
                                     "cannot upload output " +
                                         Quote(StringAt(output, {"OutputName"})) + " to " +
                                         Quote(uri) + ": " + uploaded.error().message);
        }
      }
    }
    properties.Set("ProcessingJobStatus", "Completed");
    StepResult result;
    result.properties = std::move(properties);
    Value job_metadata = Value::EmptyMap();
    job_metadata.Set("Arn", ResourceArn(context.execution, "processing-job", context.job_name));
    result.metadata.Set("ProcessingJob", std::move(job_metadata));
    return result;
  }
  if (job.outcome == JobResult::Outcome::kStopped) {
    StepResult result = StepResult::Failure(FailureClass::kNone, failure.reason);
    properties.Set("ProcessingJobStatus", "Stopped");
    result.properties = std::move(properties);
    return result;
  }
  properties.Set("ProcessingJobStatus", "Failed");
  properties.Set("FailureReason", failure.reason);
  StepResult result = StepResult::Failure(failure.failure_class, failure.reason);
  result.properties = std::move(properties);
  return result;
}

}  // namespace sluice

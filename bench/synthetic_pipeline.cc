#include "synthetic_pipeline.h"

#include <algorithm>
#include <string_view>

namespace sluice {
namespace {

constexpr std::string_view kRole = "arn:aws:iam::111122223333:role/SageMakerPipelineRole";
constexpr std::string_view kImage =
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";

// `text` with every "{key}" replaced: the step templates below read like the JSON they make.
std::string Fill(std::string_view text,
                 std::initializer_list<std::pair<std::string_view, std::string>> values) {
  std::string out;
  out.reserve(text.size() * 2);
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = std::min(text.find('{', at), text.size());
    out.append(text.substr(at, open - at));
    if (open == text.size()) break;
    at = open + 1;
    const std::string* replacement = nullptr;
    for (const auto& [key, value] : values) {
      if (text.substr(at, key.size()) == key && text.substr(at + key.size(), 1) == "}") {
        replacement = &value;
        at += key.size() + 1;
        break;
      }
    }
    if (replacement != nullptr) {
      out.append(*replacement);
    } else {
      out.push_back('{');
    }
  }
  return out;
}

std::string Output(std::string_view step, std::string_view name) {
  return Fill(
      R"({"OutputName": "{name}", "AppManaged": false, "S3Output": {"S3Uri": "s3://sluice-bench/{step}/{name}", "LocalPath": "/opt/ml/processing/{name}", "S3UploadMode": "EndOfJob"}})",
      {{"step", std::string(step)}, {"name", std::string(name)}});
}

std::string OutputUri(std::string_view step, std::string_view name) {
  return R"({"Get": "Steps.)" + std::string(step) + ".ProcessingOutputConfig.Outputs['" +
         std::string(name) + R"('].S3Output.S3Uri"})";
}

std::string Processing(const std::string& name, const std::string& inputs,
                       const std::string& outputs, const std::string& extra) {
  return Fill(
      R"({"Name": "{name}", "Type": "Processing", "Arguments": {"ProcessingResources": {"ClusterConfig": {"InstanceType": {"Get": "Parameters.ProcessingInstanceType"}, "InstanceCount": {"Get": "Parameters.ProcessingInstanceCount"}, "VolumeSizeInGB": 30}}, "AppSpecification": {"ImageUri": "{image}", "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/{name}.py"]}, "RoleArn": "{role}", "ProcessingInputs": [{inputs}{"InputName": "code", "AppManaged": false, "S3Input": {"S3Uri": "s3://sluice-bench/code/{name}.py", "LocalPath": "/opt/ml/processing/input/code", "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}}], "ProcessingOutputConfig": {"Outputs": [{outputs}]}, "Environment": {"STAGE": "{name}", "RUN": {"Get": "Execution.PipelineExecutionId"}}}{extra}})",
      {{"name", name},
       {"image", std::string(kImage)},
       {"role", std::string(kRole)},
       {"inputs", inputs},
       {"outputs", outputs},
       {"extra", extra}});
}

std::string ProcessingInput(std::string_view name, const std::string& uri) {
  return Fill(
      R"({"InputName": "{name}", "AppManaged": false, "S3Input": {"S3Uri": {uri}, "LocalPath": "/opt/ml/processing/{name}", "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}}, )",
      {{"name", std::string(name)}, {"uri", uri}});
}

std::string Training(const std::string& name, const std::string& prepare,
                     const std::string& extra) {
  return Fill(
      R"({"Name": "{name}", "Type": "Training", "Arguments": {"AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"}, "OutputDataConfig": {"S3OutputPath": "s3://sluice-bench/{name}"}, "StoppingCondition": {"MaxRuntimeInSeconds": 86400}, "ResourceConfig": {"VolumeSizeInGB": 30, "InstanceCount": 1, "InstanceType": {"Get": "Parameters.TrainingInstanceType"}}, "RoleArn": "{role}", "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": {train}, "S3DataDistributionType": "FullyReplicated"}}, "ContentType": "text/csv", "ChannelName": "train"}, {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": {validation}, "S3DataDistributionType": "FullyReplicated"}}, "ContentType": "text/csv", "ChannelName": "validation"}], "HyperParameters": {"objective": "reg:squarederror", "num_round": "50", "max_depth": "5", "eta": "0.2"}}, "CacheConfig": {"Enabled": true, "ExpireAfter": "P30D"}, "RetryPolicies": [{"ExceptionType": ["SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR"], "IntervalSeconds": 30, "BackoffRate": 2.0, "MaxAttempts": 3}]{extra}})",
      {{"name", name},
       {"role", std::string(kRole)},
       {"train", OutputUri(prepare, "train")},
       {"validation", OutputUri(prepare, "validation")},
       {"extra", extra}});
}

std::string Model(const std::string& name, const std::string& train) {
  return Fill(
      R"({"Name": "{name}", "Type": "Model", "Arguments": {"ExecutionRoleArn": "{role}", "PrimaryContainer": {"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", "Environment": {}, "ModelDataUrl": {"Get": "Steps.{train}.ModelArtifacts.S3ModelArtifacts"}}}})",
      {{"name", name}, {"role", std::string(kRole)}, {"train", train}});
}

std::string Transform(const std::string& name, const std::string& model,
                      const std::string& prepare) {
  return Fill(
      R"({"Name": "{name}", "Type": "Transform", "Arguments": {"ModelName": {"Get": "Steps.{model}.ModelName"}, "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": {test}}}, "ContentType": "text/csv"}, "TransformOutput": {"S3OutputPath": "s3://sluice-bench/{name}"}, "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge"}}})",
      {{"name", name}, {"model", model}, {"test", OutputUri(prepare, "test")}});
}

std::string Register(const std::string& name, const std::string& train) {
  return Fill(
      R"({"Name": "{name}", "Type": "RegisterModel", "Arguments": {"ModelPackageGroupName": "SluiceBench", "ModelApprovalStatus": "PendingManualApproval", "InferenceSpecification": {"Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", "ModelDataUrl": {"Get": "Steps.{train}.ModelArtifacts.S3ModelArtifacts"}}], "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}}})",
      {{"name", name}, {"train", train}});
}

std::string Check(const std::string& name, const std::string& evaluate, const std::string& if_step,
                  const std::string& else_step) {
  return Fill(
      R"({"Name": "{name}", "Type": "Condition", "Arguments": {"Conditions": [{"Type": "LessThanOrEqualTo", "LeftValue": {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.{evaluate}.PropertyFiles.EvaluationReport"}, "Path": "regression_metrics.mse.value"}}, "RightValue": {"Get": "Parameters.MseThreshold"}}], "IfSteps": [{if}], "ElseSteps": [{else}]}})",
      {{"name", name}, {"evaluate", evaluate}, {"if", if_step}, {"else", else_step}});
}

std::string Fail(const std::string& name, const std::string& evaluate) {
  return Fill(
      R"({"Name": "{name}", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:Join": {"On": " ", "Values": ["MSE of", {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.{evaluate}.PropertyFiles.EvaluationReport"}, "Path": "regression_metrics.mse.value"}}, "is above", {"Get": "Parameters.MseThreshold"}]}}}})",
      {{"name", name}, {"evaluate", evaluate}});
}

}  // namespace

std::string SyntheticDefinition(size_t step_count) {
  std::string steps;
  size_t count = 0;
  auto add = [&](const std::string& step, size_t steps_in_it) {
    if (count > 0) steps += ", ";
    steps += step;
    count += steps_in_it;
  };
  for (size_t group = 0; count < step_count; ++group) {
    const std::string id = std::to_string(group);
    const std::string prepare = "Prepare" + id, train = "Train" + id, evaluate = "Evaluate" + id;
    const std::string model = "Model" + id, transform = "Transform" + id;
    const size_t left = step_count - count;
    // A gated group: Prepare, Train, Evaluate, Check { Register | Fail }.
    const bool is_gated = group % 10 == 9 && left >= 6;
    // Every fourth group waits for the previous group's evaluation.
    const std::string depends_on =
        group % 4 == 3 ? R"(, "DependsOn": ["Evaluate)" + std::to_string(group - 1) + R"("])" : "";
    add(Processing(prepare, ProcessingInput("raw", R"({"Get": "Parameters.InputData"})"),
                   Output(prepare, "train") + ", " + Output(prepare, "validation") + ", " +
                       Output(prepare, "test"),
                   ""),
        1);
    if (count == step_count) break;
    add(Training(train, prepare, depends_on), 1);
    if (count == step_count) break;
    add(Processing(
            evaluate,
            ProcessingInput(
                "model", R"({"Get": "Steps.)" + train + R"(.ModelArtifacts.S3ModelArtifacts"})") +
                ProcessingInput("test", OutputUri(prepare, "test")),
            Output(evaluate, "evaluation"),
            R"(, "PropertyFiles": [{"PropertyFileName": "EvaluationReport", "OutputName": "evaluation", "FilePath": "evaluation.json"}])"),
        1);
    if (count == step_count) break;
    if (is_gated) {
      add(Check("Check" + id, evaluate, Register("Register" + id, train),
                Fail("Fail" + id, evaluate)),
          3);
      continue;
    }
    add(Model(model, train), 1);
    if (count == step_count) break;
    add(Transform(transform, model, prepare), 1);
  }
  return R"({"Version": "2020-12-01", "Metadata": {}, "Parameters": [{"Name": "InputData", "Type": "String", "DefaultValue": "s3://sluice-bench/raw/abalone.csv"}, {"Name": "ProcessingInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"}, {"Name": "ProcessingInstanceCount", "Type": "Integer", "DefaultValue": 1}, {"Name": "TrainingInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"}, {"Name": "MseThreshold", "Type": "Float", "DefaultValue": 6.0}], "PipelineExperimentConfig": {"ExperimentName": {"Get": "Execution.PipelineName"}, "TrialName": {"Get": "Execution.PipelineExecutionId"}}, "Steps": [)" +
         steps + "]}";
}

}  // namespace sluice

// Which step types run here, and why the others do not.
#include "steps/callback_step.h"
#include "steps/control_steps.h"
#include "steps/lambda_step.h"
#include "steps/processing.h"
#include "steps/step_handler.h"
#include "steps/training.h"
#include "steps/transform.h"

#include <algorithm>

namespace sluice {

bool ResolvingReadsArtifacts(const StepSpec& spec) {
  return std::any_of(spec.expressions.begin(), spec.expressions.end(),
                     [](const auto& expression) { return ReadsArtifacts(*expression); });
}

const StepHandler* HandlerFor(StepType type, std::string* why) {
  static const ProcessingHandler processing;
  static const TrainingHandler training;
  static const TransformHandler transform;
  static const ModelHandler model;
  static const RegisterModelHandler register_model;
  static const ConditionHandler condition;
  static const FailHandler fail;
  static const LambdaHandler lambda;
  static const CallbackHandler callback;
  auto unsupported = [&](std::string reason) -> const StepHandler* {
    if (why != nullptr) *why = std::move(reason);
    return nullptr;
  };
  switch (type) {
    case StepType::kProcessing:
      return &processing;
    case StepType::kTraining:
      return &training;
    case StepType::kTransform:
      return &transform;
    case StepType::kModel:
      return &model;
    case StepType::kRegisterModel:
      return &register_model;
    case StepType::kCondition:
      return &condition;
    case StepType::kFail:
      return &fail;
    case StepType::kTuning:
      return unsupported("Tuning steps (hyperparameter tuning jobs)");
    case StepType::kLambda:
      return &lambda;
    case StepType::kCallback:
      return &callback;
    case StepType::kEmr:
      return unsupported("EMR steps (an EMR cluster)");
    case StepType::kEmrServerless:
      return unsupported("EMRServerless steps (an EMR Serverless application)");
    case StepType::kQualityCheck:
      return unsupported("QualityCheck steps (the Model Monitor analyzer image)");
    case StepType::kClarifyCheck:
      return unsupported("ClarifyCheck steps (the Clarify processing image)");
    case StepType::kAutoMl:
      return unsupported("AutoML steps (SageMaker Autopilot)");
    case StepType::kEndpointConfig:
    case StepType::kEndpoint:
    case StepType::kInferenceComponent:
      return unsupported("endpoint steps (real-time hosting)");
    case StepType::kBedrockCustomModel:
    case StepType::kBedrockCustomModelDeployment:
    case StepType::kBedrockModelImport:
    case StepType::kBedrockProvisionedModelThroughput:
      return unsupported("Bedrock steps (Amazon Bedrock)");
    case StepType::kLineage:
      return unsupported("Lineage steps");
    case StepType::kJob:
      return unsupported("Job steps");
    case StepType::kPass:
      return unsupported("Pass steps");
  }
  return unsupported("this step type");
}

}  // namespace sluice

#include "events/event_document.h"

#include "base/crypto_library.h"
#include "base/text.h"
#include "base/time_format.h"
#include "engine/identifiers.h"

namespace sluice {

std::string DetailType(const Event& event) {
  return event.step_name.empty() ? kExecutionStatusChange : kStepStatusChange;
}

std::string EventId(const Event& event) {
  const std::string material = event.execution_id + "/" + std::to_string(event.sequence);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const CryptoLibrary& crypto = Crypto();
  crypto.EVP_Digest(material.data(), material.size(), digest, &length, crypto.EVP_sha256(),
                    nullptr);
  // The first 16 bytes, shaped as a UUID: 8-4-4-4-12 digits.
  std::string id = LowerHex(std::string_view(reinterpret_cast<const char*>(digest), 16));
  for (size_t dash : {8, 13, 18, 23}) id.insert(dash, 1, '-');
  return id;
}

nlohmann::json EventBridgeDocument(const Event& event, const EventFacts& facts) {
  const std::string pipeline_arn = PipelineArn(facts.region, facts.account, facts.pipeline_name);
  const std::string execution_arn = ExecutionArn(pipeline_arn, event.execution_id);
  nlohmann::json detail = nlohmann::json::object();
  detail["pipelineArn"] = pipeline_arn;
  detail["pipelineExecutionArn"] = execution_arn;
  detail["pipelineExecutionDisplayName"] = facts.execution_display_name;
  if (event.step_name.empty()) {
    detail["executionStartTime"] = FormatIsoTime(facts.execution_start);
    if (facts.execution_end) detail["executionEndTime"] = FormatIsoTime(*facts.execution_end);
    detail["currentPipelineExecutionStatus"] = event.status;
    if (!facts.previous_status.empty()) {
      detail["previousPipelineExecutionStatus"] = facts.previous_status;
    }
    if (!facts.execution_description.empty()) {
      detail["pipelineExecutionDescription"] = facts.execution_description;
    }
  } else {
    detail["stepName"] = event.step_name;
    if (!facts.step_type.empty()) detail["stepType"] = facts.step_type;
    detail["currentStepStatus"] = event.status;
    if (!facts.previous_status.empty()) detail["previousStepStatus"] = facts.previous_status;
    if (facts.step_start) detail["stepStartTime"] = FormatIsoTime(*facts.step_start);
    if (facts.step_end) detail["stepEndTime"] = FormatIsoTime(*facts.step_end);
    if (!facts.metadata_json.empty()) {
      nlohmann::json metadata = nlohmann::json::parse(facts.metadata_json, nullptr, false);
      if (!metadata.is_discarded() && !metadata.empty()) detail["metadata"] = metadata;
    }
    if (!facts.job_name.empty()) detail["jobDetails"] = {{"jobName", facts.job_name}};
  }
  if (!event.detail.empty() && (event.status == "Failed" || event.status == "Stopped")) {
    detail["failureReason"] = event.detail;
  }
  return nlohmann::json{{"version", "0"},
                        {"id", EventId(event)},
                        {"detail-type", DetailType(event)},
                        {"source", "aws.sagemaker"},
                        {"account", facts.account},
                        {"time", FormatIsoTime(event.time)},
                        {"region", facts.region},
                        {"resources", {pipeline_arn, execution_arn}},
                        {"detail", std::move(detail)}};
}

}  // namespace sluice

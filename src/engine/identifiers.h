// Names Sluice gives to what it creates, in SageMaker's forms: execution ids (12 characters of
// [a-z0-9]) and the ARNs of pipelines and executions.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

std::string NewExecutionId();
std::string PipelineArn(std::string_view region, std::string_view account,
                        std::string_view pipeline_name);
std::string ExecutionArn(std::string_view pipeline_arn, std::string_view execution_id);

}  // namespace sluice

#include "engine/identifiers.h"

#include <algorithm>
#include <cctype>
#include <random>

namespace sluice {

std::string NewExecutionId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string id(12, 'a');
  for (char& c : id) c = kAlphabet[pick(generator)];
  return id;
}

std::string PipelineArn(std::string_view region, std::string_view account,
                        std::string_view pipeline_name) {
  std::string name(pipeline_name);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "arn:aws:sagemaker:" + std::string(region) + ":" + std::string(account) + ":pipeline/" +
         name;
}

std::string ExecutionArn(std::string_view pipeline_arn, std::string_view execution_id) {
  return std::string(pipeline_arn) + "/execution/" + std::string(execution_id);
}

}  // namespace sluice

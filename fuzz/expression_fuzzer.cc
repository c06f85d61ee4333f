// JSON text holding pipeline variables -> ParseExpressions() and Resolve() against a small scope;
// an object with a "Type" is also read as a condition and evaluated. Whatever the input, both
// return; an expression written back out reads back the same, and so does a condition.
#include "definition/condition.h"
#include "definition/expression.h"
#include "definition/expression_parser.h"
#include "definition/json.h"
#include "definition/testing/map_scope.h"

#include "fuzz_check.h"
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice {
namespace {

Value Json(std::string_view text) { return *ParseJson(text); }

// Parameters, execution variables, step properties, a property file and an object that the
// seed corpus refers to, so that evaluation goes past the lookups.
testing::MapScope MakeScope() {
  testing::MapScope scope;
  scope.parameters = {{"InputData", Value("s3://sluice-fixtures/raw/abalone.csv")},
                      {"Threshold", Value(0.5)},
                      {"Epochs", Value(10)},
                      {"Enabled", Value(true)}};
  scope.execution = {{"PipelineExecutionId", Value("execution-1")},
                     {"PipelineName", Value("abalone")},
                     {"StartDateTime", Value("2024-01-01T00:00:00Z")}};
  scope.experiment = {{"ExperimentName", Value("abalone")}, {"TrialName", Value("trial-1")}};
  scope.steps = {
      {"Prepare", Json(R"({"ProcessingOutputConfig": {"Outputs": [
          {"OutputName": "train", "S3Output": {"S3Uri": "s3://sluice-fixtures/train"}},
          {"OutputName": "test", "S3Output": {"S3Uri": "s3://sluice-fixtures/test"}}]}})")},
      {"Train",
       Json(R"({"ModelArtifacts": {"S3ModelArtifacts": "s3://sluice-fixtures/model.tar.gz"},
          "FinalMetricDataList": [{"MetricName": "validation:auc", "Value": 0.91}]})")},
      {"Check", Json(R"({"Outcome": true})")}};
  scope.property_files = {
      {"Evaluate/EvaluationReport",
       Json(R"({"regression_metrics": {"mse": {"value": 4.2}}, "labels": ["a", "b"]})")}};
  scope.objects = {{"s3://sluice-fixtures/report.json", Json(R"({"Result": [1, 2.5, "x"]})")}};
  return scope;
}

const testing::MapScope& Scope() {
  static const testing::MapScope scope = MakeScope();
  return scope;
}

void CheckCondition(const Value& raw) {
  Errors errors;
  std::optional<Condition> condition = ParseCondition(raw, "", errors);
  SLUICE_FUZZ_CHECK(condition.has_value() == errors.empty());
  if (!condition) return;
  (void)EvaluateCondition(*condition, Scope());
  Errors again_errors;
  std::optional<Condition> again = ParseCondition(ConditionToValue(*condition), "", again_errors);
  SLUICE_FUZZ_CHECK(again.has_value() && again_errors.empty());
  SLUICE_FUZZ_CHECK(*again == *condition);
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sluice::Value;
  auto raw = sluice::ParseJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!raw) return 0;
  if (raw->is_map() && raw->Find("Type") != nullptr) sluice::CheckCondition(*raw);

  sluice::Errors errors;
  const Value parsed = sluice::ParseExpressions(*raw, "", errors);
  if (!errors.empty()) return 0;
  size_t references = 0;
  sluice::ForEachReference(parsed, [&](const sluice::Reference&) { ++references; });
  SLUICE_FUZZ_CHECK(references == 0 || parsed.ContainsExpression());
  (void)sluice::Resolve(parsed, sluice::Scope());

  auto written = sluice::ParseJson(sluice::WriteJson(parsed));
  SLUICE_FUZZ_CHECK(written.has_value());
  sluice::Errors again_errors;
  const Value again = sluice::ParseExpressions(*written, "", again_errors);
  SLUICE_FUZZ_CHECK(again_errors.empty());
  SLUICE_FUZZ_CHECK(again == parsed);
  return 0;
}

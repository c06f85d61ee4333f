// Property paths below a step, as the SageMaker SDK writes them after "Steps.<name>.":
//   ModelArtifacts.S3ModelArtifacts
//   ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri
//   TrainingJobSummaries[0].TrainingJobName
//   FinalMetricDataList['val:acc'].Value
// and JSON paths inside Std:JsonGet ("regression_metrics.mse.value", "labels[0]", "$.a").
#pragma once

#include "base/result.h"
#include "definition/value.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct PathSegment {
  enum class Kind { kMember, kIndex, kKey };
  Kind kind = Kind::kMember;
  std::string name;  // member or key
  int64_t index = 0;
  bool operator==(const PathSegment&) const = default;
};

using PropertyPath = std::vector<PathSegment>;

// Errors name the offending character; `where` is left empty for the caller to fill.
Result<PropertyPath> ParsePropertyPath(std::string_view text);
std::string FormatPropertyPath(const PropertyPath& path);

// Looks `path` up in a property document (a Describe*-shaped value). `['k']` on a map is a
// key lookup; on a list of structures it selects the element whose name member (OutputName,
// ChannelName, MetricName, Name, Key, ...) equals k.
Result<Value> LookUpPath(const Value& document, const PropertyPath& path);

}  // namespace sluice

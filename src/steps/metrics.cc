#include "steps/metrics.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <vector>

namespace sluice {

Value FinalMetrics(const Value* definitions, const std::filesystem::path& log_file,
                   const std::string& timestamp) {
  Value metrics = Value::EmptyList();
  if (definitions == nullptr || !definitions->is_list()) return metrics;
  struct Pattern {
    std::string name;
    std::regex regex;
    std::optional<double> last;
  };
  std::vector<Pattern> patterns;
  for (const Value& definition : definitions->as_list()) {
    const Value* name = definition.Find("Name");
    const Value* regex = definition.Find("Regex");
    if (name == nullptr || regex == nullptr || !name->is_string() || !regex->is_string()) continue;
    try {
      patterns.push_back({name->as_string(), std::regex(regex->as_string()), std::nullopt});
    } catch (const std::regex_error&) {
      // SageMaker refuses such a definition at CreateTrainingJob; here the metric is left out.
    }
  }
  std::ifstream log(log_file);
  std::string line;
  std::smatch match;
  while (std::getline(log, line)) {
    for (Pattern& pattern : patterns) {
      if (!std::regex_search(line, match, pattern.regex) || match.size() < 2) continue;
      const std::string text = match[1].str();
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (end != text.c_str()) pattern.last = value;
    }
  }
  for (const Pattern& pattern : patterns) {
    if (!pattern.last) continue;
    Value metric = Value::EmptyMap();
    metric.Set("MetricName", pattern.name);
    metric.Set("Value", *pattern.last);
    metric.Set("Timestamp", timestamp);
    metrics.as_list().push_back(std::move(metric));
  }
  return metrics;
}

}  // namespace sluice

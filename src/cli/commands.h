// The `sluice` subcommands. Each returns the process exit status: 0 on success, 1 when the
// work failed, 2 when the input was invalid.
#pragma once

#include <string>

namespace sluice {

enum class OutputFormat { kText, kJson };
enum class GraphFormat { kText, kDot, kMermaid };

int RunValidate(const std::string& file, OutputFormat format);
int RunGraph(const std::string& file, GraphFormat format);
int RunNormalize(const std::string& file);

}  // namespace sluice

#include "cli/commands.h"
#include "cli/graph_format.h"
#include "definition/json.h"
#include "definition/writer.h"
#include "graph/compiled_pipeline.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sluice {
namespace {

Result<std::string> ReadFile(const std::string& file) {
  std::ifstream stream;
  std::istream* input = &std::cin;
  if (file != "-") {
    stream.open(file, std::ios::binary);
    if (!stream) return MakeError(ErrorCode::kNotFound, file, "cannot open the file");
    input = &stream;
  }
  std::ostringstream contents;
  contents << input->rdbuf();
  if (input->bad()) return MakeError(ErrorCode::kIo, file, "cannot read the file");
  return contents.str();
}

Value ErrorsToValue(const Errors& errors) {
  Value::List list;
  for (const Error& error : errors) {
    Value item = Value::EmptyMap();
    item.Set("location", error.where);
    item.Set("message", error.message);
    list.push_back(std::move(item));
  }
  return Value(std::move(list));
}

void PrintDiagnostics(const std::string& file, const CompileOutcome& outcome) {
  for (const Error& error : outcome.errors)
    std::cerr << file << ": error: " << error.ToString() << "\n";
  for (const Error& error : outcome.warnings) {
    std::cerr << file << ": warning: " << error.ToString() << "\n";
  }
}

// Loads and compiles FILE, printing what went wrong; nullopt means exit with `status`.
std::shared_ptr<const CompiledPipeline> Load(const std::string& file, int& status) {
  auto text = ReadFile(file);
  if (!text) {
    std::cerr << "sluice: " << text.error().ToString() << "\n";
    status = 2;
    return nullptr;
  }
  CompileOutcome outcome = Compile(*text);
  PrintDiagnostics(file, outcome);
  if (!outcome.pipeline) status = 2;
  return outcome.pipeline;
}

}  // namespace

int RunValidate(const std::string& file, OutputFormat format) {
  auto text = ReadFile(file);
  if (!text) {
    std::cerr << "sluice: " << text.error().ToString() << "\n";
    return 2;
  }
  CompileOutcome outcome = Compile(*text);
  if (format == OutputFormat::kJson) {
    Value report = Value::EmptyMap();
    report.Set("file", file);
    report.Set("valid", outcome.pipeline != nullptr);
    report.Set("errors", ErrorsToValue(outcome.errors));
    report.Set("warnings", ErrorsToValue(outcome.warnings));
    if (outcome.pipeline) {
      report.Set("steps", static_cast<int64_t>(outcome.pipeline->definition.steps.size()));
      report.Set("edges", static_cast<int64_t>(outcome.pipeline->dag.edge_count()));
    }
    std::cout << WriteJson(report, 2) << "\n";
  } else {
    PrintDiagnostics(file, outcome);
    if (outcome.pipeline) {
      std::cout << file << ": valid (" << outcome.pipeline->definition.steps.size() << " steps, "
                << outcome.pipeline->dag.edge_count() << " edges)\n";
    } else {
      std::cerr << file << ": invalid (" << outcome.errors.size()
                << (outcome.errors.size() == 1 ? " error" : " errors") << ")\n";
    }
  }
  return outcome.pipeline ? 0 : 2;
}

int RunGraph(const std::string& file, GraphFormat format) {
  int status = 0;
  auto pipeline = Load(file, status);
  if (!pipeline) return status;
  switch (format) {
    case GraphFormat::kText:
      std::cout << FormatGraphAsText(*pipeline);
      break;
    case GraphFormat::kDot:
      std::cout << FormatGraphAsDot(*pipeline);
      break;
    case GraphFormat::kMermaid:
      std::cout << FormatGraphAsMermaid(*pipeline);
      break;
  }
  return 0;
}

int RunNormalize(const std::string& file) {
  int status = 0;
  auto pipeline = Load(file, status);
  if (!pipeline) return status;
  std::cout << WriteDefinition(pipeline->definition, 2) << "\n";
  return 0;
}

}  // namespace sluice

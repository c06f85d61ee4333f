// The `sluice` command line: the subcommand table. This is the composition root, the only
// place that names concrete implementations.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

int main(int argc, char** argv) {
  using sluice::GraphFormat;
  using sluice::OutputFormat;

  CLI::App app{"Sluice: run SageMaker pipeline definitions anywhere"};
  app.require_subcommand(1);
  int status = 0;

  std::string validate_file;
  OutputFormat validate_format = OutputFormat::kText;
  auto* validate = app.add_subcommand("validate", "Check a pipeline definition; exit 2 on errors");
  validate->add_option("FILE", validate_file, "Definition JSON file (- for standard input)")
      ->required();
  validate->add_option("--output", validate_format, "text or json")
      ->transform(CLI::CheckedTransformer(std::map<std::string, OutputFormat>{
          {"text", OutputFormat::kText}, {"json", OutputFormat::kJson}}));
  validate->callback([&] { status = sluice::RunValidate(validate_file, validate_format); });

  std::string graph_file;
  GraphFormat graph_format = GraphFormat::kText;
  auto* graph = app.add_subcommand("graph", "Show the step DAG of a pipeline definition");
  graph->add_option("FILE", graph_file, "Definition JSON file (- for standard input)")->required();
  graph->add_option("--format", graph_format, "text, dot or mermaid")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, GraphFormat>{{"text", GraphFormat::kText},
                                             {"dot", GraphFormat::kDot},
                                             {"mermaid", GraphFormat::kMermaid}}));
  graph->callback([&] { status = sluice::RunGraph(graph_file, graph_format); });

  auto* definition = app.add_subcommand("definition", "Work with pipeline definitions");
  definition->require_subcommand(1);
  std::string normalize_file;
  auto* normalize = definition->add_subcommand(
      "normalize",
      "Print the definition as Sluice reads it (stable: normalizing twice changes nothing)");
  normalize->add_option("FILE", normalize_file, "Definition JSON file (- for standard input)")
      ->required();
  normalize->callback([&] { status = sluice::RunNormalize(normalize_file); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int exit_code = app.exit(error);
    return exit_code == 0 ? 0 : 2;
  }
  return status;
}

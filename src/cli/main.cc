// The `sluice` command line: the subcommand table. This is the composition root, the only
// place that names concrete implementations.
#include "cli/cache_commands.h"
#include "cli/callback_commands.h"
#include "cli/commands.h"
#include "cli/control_commands.h"
#include "cli/events_command.h"
#include "cli/inspect_commands.h"
#include "cli/run_command.h"
#include "cli/serve_command.h"

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

  std::string state_dir;
  auto add_state_dir = [&](CLI::App* command) {
    command->add_option("--state-dir", state_dir,
                        "State directory (default: $SLUICE_HOME, else ./.sluice)");
  };

  sluice::HostOptions host;
  auto add_host_options = [&](CLI::App* command) {
    command
        ->add_option("--isolation", host.isolation,
                     "bwrap: each step sees a private /opt/ml (default, when bubblewrap works "
                     "here); none: plain processes")
        ->check(CLI::IsMember({"bwrap", "none"}));
    command->add_option("--runtimes", host.runtimes_file,
                        "Image runtime map (default: runtimes.json in the state directory)");
    command->add_flag("--quiet", host.is_quiet,
                      "Print nothing but why an execution failed, if one did");
    command
        ->add_option("--durability", host.durability,
                     "process: state survives any Sluice process being killed (default); "
                     "machine: also a power loss, syncing every write to disk")
        ->check(CLI::IsMember({"process", "machine"}));
    add_state_dir(command);
  };

  sluice::RunOptions run_options;
  auto* run = app.add_subcommand("run", "Run a pipeline definition here, to the end");
  run->add_option("FILE", run_options.file, "Definition JSON file (- for standard input)")
      ->required();
  run->add_option("--param", run_options.parameters, "A parameter value, NAME=VALUE (repeatable)");
  run->add_option("--parallelism", run_options.parallelism,
                  "Most steps of the execution running at once (default: no limit)")
      ->check(CLI::PositiveNumber);
  run->add_option("--pipeline-name", run_options.pipeline_name,
                  "Pipeline name (default: from the file name)");
  run->add_option("--from-execution", run_options.from_execution,
                  "Selective execution: take the results of unselected upstream steps from this "
                  "execution");
  run->add_option("--steps", run_options.selected_steps,
                  "Selective execution: run only these steps (comma-separated)")
      ->delimiter(',');
  run->add_flag("--with-downstream", run_options.with_downstream,
                "Selective execution: also run everything downstream of --steps");
  run->add_option("--set", run_options.overrides,
                  "Selective execution: override a property of a reused step, "
                  "Steps.<Step>.<path>=<value> (repeatable)");
  run->add_flag("--no-cache", host.is_cache_disabled,
                "Reuse no earlier step run from the step cache (runs are still recorded in it)");
  add_host_options(run);
  run->callback([&] {
    host.state_dir = state_dir;
    run_options.host = host;
    status = sluice::RunPipeline(run_options);
  });

  std::string control_id;
  bool is_not_waiting = false;
  auto* stop = app.add_subcommand("stop", "Stop a running execution");
  stop->add_option("EXECUTION", control_id, "Execution id")->required();
  stop->add_flag("--no-wait", is_not_waiting, "Return once the engine was asked to stop");
  add_state_dir(stop);
  stop->callback([&] {
    host.state_dir = state_dir;
    status = sluice::RunStop(host, control_id, !is_not_waiting);
  });

  int64_t retry_parallelism = 0;
  auto* retry = app.add_subcommand(
      "retry", "Run a failed or stopped execution again from the steps that did not succeed");
  retry->add_option("EXECUTION", control_id, "Execution id")->required();
  retry->add_option("--parallelism", retry_parallelism, "Most steps running at once")
      ->check(CLI::PositiveNumber);
  retry->add_flag("--no-cache", host.is_cache_disabled,
                  "Reuse no earlier step run from the step cache (runs are still recorded in it)");
  add_host_options(retry);
  retry->callback([&] {
    host.state_dir = state_dir;
    status = sluice::RunRetry(host, control_id, retry_parallelism);
  });

  auto* resume = app.add_subcommand(
      "resume", "Continue executions whose engine ended before they finished (all, or one)");
  resume->add_option("EXECUTION", control_id, "Execution id (default: every unfinished one)");
  add_host_options(resume);
  resume->callback([&] {
    host.state_dir = state_dir;
    status = sluice::RunResume(host, control_id);
  });

  sluice::ServeOptions serve_options;
  auto* serve = app.add_subcommand(
      "serve", "Serve the SageMaker API (boto3, the SageMaker SDK) here until SIGTERM or Ctrl-C");
  serve->add_option("--listen", serve_options.listen,
                    "ADDRESS:PORT to listen on (default 127.0.0.1:8080; port 0: any free port)");
  serve->add_option("--credentials", serve_options.credentials_file,
                    "File of access keys whose SigV4 signatures every request must carry");
  serve->add_flag("--no-cache", host.is_cache_disabled,
                  "Reuse no earlier step run from the step cache (runs are still recorded in it)");
  add_host_options(serve);
  serve->callback([&] {
    host.state_dir = state_dir;
    serve_options.host = host;
    status = sluice::RunServe(serve_options);
  });

  auto* executions = app.add_subcommand("executions", "List and describe executions");
  executions->require_subcommand(1);
  size_t list_limit = 50;
  auto* list = executions->add_subcommand("list", "The newest executions");
  list->add_option("--limit", list_limit, "How many (default 50)");
  add_state_dir(list);
  list->callback([&] { status = sluice::RunListExecutions(state_dir, list_limit); });
  std::string execution_id;
  auto* describe = executions->add_subcommand("describe", "One execution: status, parameters");
  describe->add_option("EXECUTION", execution_id, "Execution id")->required();
  add_state_dir(describe);
  describe->callback([&] { status = sluice::RunDescribeExecution(state_dir, execution_id); });

  auto* steps = app.add_subcommand("steps", "Every attempt of every step of an execution");
  steps->add_option("EXECUTION", execution_id, "Execution id")->required();
  add_state_dir(steps);
  steps->callback([&] { status = sluice::RunListSteps(state_dir, execution_id); });

  std::string log_step;
  bool is_following = false;
  auto* logs = app.add_subcommand("logs", "What the steps of an execution printed");
  logs->add_option("EXECUTION", execution_id, "Execution id")->required();
  logs->add_option("STEP", log_step, "Only this step");
  logs->add_flag("--follow,-f", is_following, "Keep printing until the step ends");
  add_state_dir(logs);
  logs->callback(
      [&] { status = sluice::RunLogs(state_dir, execution_id, log_step, is_following); });

  std::string events_execution;
  bool is_following_events = false;
  bool is_events_json = false;
  auto* events = app.add_subcommand("events", "State changes of an execution, or of all of them");
  events->add_option("EXECUTION", events_execution, "Execution id or ARN (default: all)");
  events->add_flag("--follow,-f", is_following_events, "Keep printing until the execution ends");
  events->add_flag("--json", is_events_json, "Print EventBridge JSON, one event a line");
  add_state_dir(events);
  events->callback([&] {
    status = sluice::RunEvents(state_dir, events_execution, is_following_events, is_events_json);
  });

  auto* callback = app.add_subcommand("callback", "Answer the token a Callback step waits on");
  callback->require_subcommand(1);
  sluice::CallbackAnswer answer;
  std::vector<std::string> answer_outputs;
  auto* succeed = callback->add_subcommand("succeed", "The step succeeds with these outputs");
  succeed->add_option("TOKEN", answer.token, "The callback token")->required();
  succeed->add_option("--output", answer_outputs, "NAME=VALUE, one per declared output");
  add_state_dir(succeed);
  succeed->callback([&] {
    for (const std::string& output : answer_outputs) {
      const size_t equals = output.find('=');
      if (equals == std::string::npos || equals == 0) {
        std::cerr << "sluice: --output " << output << ": expected NAME=VALUE\n";
        status = 2;
        return;
      }
      answer.outputs.emplace_back(output.substr(0, equals), output.substr(equals + 1));
    }
    status = sluice::RunCallbackAnswer(state_dir, answer);
  });
  auto* fail = callback->add_subcommand("fail", "The step fails with this reason");
  fail->add_option("TOKEN", answer.token, "The callback token")->required();
  fail->add_option("--reason", answer.failure_reason, "Why (at most 256 characters)")->required();
  add_state_dir(fail);
  fail->callback([&] {
    answer.is_success = false;
    status = sluice::RunCallbackAnswer(state_dir, answer);
  });
  std::string callback_execution;
  auto* pending = callback->add_subcommand("list", "The tokens still waiting for an answer");
  pending->add_option("EXECUTION", callback_execution, "Only this execution");
  add_state_dir(pending);
  pending->callback([&] { status = sluice::RunCallbackList(state_dir, callback_execution); });

  auto* cache = app.add_subcommand("cache", "The step cache");
  cache->require_subcommand(1);
  std::string explained_step;
  auto* explain = cache->add_subcommand(
      "explain", "Why a step was or was not taken from the step cache, difference by difference");
  explain->add_option("EXECUTION", execution_id, "Execution id")->required();
  explain->add_option("STEP", explained_step, "Step name")->required();
  add_state_dir(explain);
  explain->callback(
      [&] { status = sluice::RunCacheExplain(state_dir, execution_id, explained_step); });

  std::string copy_source;
  std::string copy_destination;
  auto* copy = app.add_subcommand(
      "cp", "Copy a local file or directory to an s3:// URI of the local object store, or back");
  copy->add_option("SOURCE", copy_source, "Local path or s3:// URI")->required();
  copy->add_option("DESTINATION", copy_destination, "s3:// URI or local path")->required();
  add_state_dir(copy);
  copy->callback([&] { status = sluice::RunCopy(state_dir, copy_source, copy_destination); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int exit_code = app.exit(error);
    return exit_code == 0 ? 0 : 2;
  }
  return status;
}

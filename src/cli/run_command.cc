#include "cli/run_command.h"

#include "artifacts/local_artifact_store.h"
#include "base/clock.h"
#include "base/event_loop.h"
#include "cli/progress_view.h"
#include "cli/state_dir.h"
#include "engine/engine.h"
#include "executors/local_executor.h"
#include "graph/compiled_pipeline.h"
#include "store/sqlite_store.h"

#include "runtimes/job_command.h"
#include "runtimes/runtime_map.h"
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace sluice {
namespace {

std::string PipelineNameFromFile(const std::string& file) {
  std::string stem = file == "-" ? "pipeline" : std::filesystem::path(file).stem().string();
  // "examples/abalone/pipeline.json" names the abalone pipeline, not one called "pipeline".
  if ((stem == "pipeline" || stem == "definition") && file != "-") {
    const std::filesystem::path parent = std::filesystem::absolute(file).parent_path();
    if (!parent.filename().empty()) stem = parent.filename().string();
  }
  std::string name;
  for (char c : stem) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  }
  while (!name.empty() && name.front() == '-') name.erase(name.begin());
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? "pipeline" : name;
}

// The environment jobs start from: the host's PATH with /usr/bin first (so `python3` is the
// interpreter the runtimes expect), HOME, locale and the temporary directory.
std::vector<std::pair<std::string, std::string>> BaseEnvironment() {
  std::vector<std::pair<std::string, std::string>> environment;
  const char* path = std::getenv("PATH");
  environment.emplace_back(
      "PATH", "/usr/local/bin:/usr/bin:/bin" + std::string(path ? ":" + std::string(path) : ""));
  for (const char* name : {"HOME", "LANG", "LC_ALL", "TZ"}) {
    if (const char* value = std::getenv(name)) environment.emplace_back(name, value);
  }
  environment.emplace_back("AWS_REGION", "us-east-1");
  environment.emplace_back("AWS_DEFAULT_REGION", "us-east-1");
  environment.emplace_back("PYTHONUNBUFFERED", "1");
  return environment;
}

}  // namespace

int RunPipeline(const RunOptions& options) {
  auto text = ReadTextFile(options.file);
  if (!text) {
    std::cerr << "sluice: " << text.error().ToString() << "\n";
    return 2;
  }
  CompileOutcome compiled = Compile(*text);
  for (const Error& error : compiled.errors) {
    std::cerr << options.file << ": error: " << error.ToString() << "\n";
  }
  if (!compiled.pipeline) return 2;

  std::vector<std::pair<std::string, std::string>> parameters;
  for (const std::string& given : options.parameters) {
    const size_t equals = given.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << "sluice: --param " << given << ": expected NAME=VALUE\n";
      return 2;
    }
    parameters.emplace_back(given.substr(0, equals), given.substr(equals + 1));
  }

  const std::filesystem::path state = ResolveStateDir(options.state_dir);
  if (auto made = EnsureStateDir(state); !made) {
    std::cerr << "sluice: " << made.error().ToString() << "\n";
    return 1;
  }
  auto store = SqliteStore::Open(DatabasePath(state));
  if (!store) {
    std::cerr << "sluice: " << store.error().ToString() << "\n";
    return 1;
  }
  auto runtimes_dir = FindRuntimesDir(CurrentExecutablePath());
  if (!runtimes_dir) {
    std::cerr << "sluice: " << runtimes_dir.error().ToString() << "\n";
    return 1;
  }
  auto runtimes = options.runtimes_file.empty()
                      ? RuntimeMap::LoadIfPresent(state / "runtimes.json", *runtimes_dir)
                      : RuntimeMap::Load(options.runtimes_file, *runtimes_dir);
  if (!runtimes) {
    std::cerr << "sluice: " << runtimes.error().ToString() << "\n";
    return 2;
  }

  EngineOptions engine_options;
  engine_options.state_dir = state;
  engine_options.transform_driver = TransformDriverPath(*runtimes_dir);
  engine_options.base_environment = BaseEnvironment();
  if (options.isolation == "bwrap") {
    if (auto usable = CheckBubblewrap(kDefaultBubblewrapPath); usable) {
      engine_options.isolation = Isolation::kBubblewrap;
    } else {
      std::cerr << "sluice: running steps without isolation (" << usable.error().message
                << "): /opt/ml paths are remapped through the command line and SM_* variables\n";
    }
  } else if (options.isolation != "none") {
    std::cerr << "sluice: --isolation " << options.isolation << ": expected bwrap or none\n";
    return 2;
  }

  // Signals arrive through a signalfd on the loop; blocked before any thread starts so that no
  // worker thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);

  SystemClock clock;
  LocalArtifactStore artifacts(ObjectsPath(state), clock);
  EventLoop loop;
  LocalExecutor executor(loop, LocalExecutorOptions{});
  Engine engine(loop, **store, artifacts, executor, *runtimes, clock, engine_options);

  const ProgressView::Mode mode = options.is_quiet             ? ProgressView::Mode::kQuiet
                                  : isatty(STDOUT_FILENO) != 0 ? ProgressView::Mode::kTerminal
                                                               : ProgressView::Mode::kLines;
  ProgressView view(mode);
  engine.AddEventListener([&](const Event& event) { view.OnEvent(event); });
  std::optional<ExecutionRecord> finished;
  engine.AddFinishListener([&](const ExecutionRecord& record) {
    finished = record;
    loop.Stop();
  });

  const std::string pipeline_name =
      options.pipeline_name.empty() ? PipelineNameFromFile(options.file) : options.pipeline_name;
  std::string execution_id;
  int exit_status = 0;
  int interrupts = 0;
  std::function<void()> watch_signals = [&] {
    loop.WatchReadable(signal_fd, [&] {
      signalfd_siginfo info{};
      while (read(signal_fd, &info, sizeof info) == sizeof info) ++interrupts;
      if (interrupts >= 2) {
        std::cerr << "\nsluice: leaving; the execution continues when the engine starts again\n";
        exit_status = 130;
        loop.Stop();
        return;
      }
      std::cerr << "\nsluice: stopping execution " << execution_id
                << " (Ctrl-C again to leave at once)\n";
      (void)engine.Stop(execution_id);
      watch_signals();
    });
  };
  std::function<void()> tick = [&] {
    view.Tick();
    loop.RunAfter(std::chrono::milliseconds(500), tick);
  };

  loop.Post([&] {
    StartRequest request;
    request.pipeline_name = pipeline_name;
    request.definition = *text;
    request.pipeline = compiled.pipeline;
    request.parameters = parameters;
    request.max_parallel_steps = options.parallelism;
    auto started = engine.Start(std::move(request));
    if (!started) {
      for (const Error& error : started.error()) {
        std::cerr << "sluice: error: " << error.ToString() << "\n";
      }
      exit_status = 2;
      loop.Stop();
      return;
    }
    execution_id = *started;
    if (mode != ProgressView::Mode::kQuiet) {
      std::printf("execution %s of pipeline %s, state in %s\n", execution_id.c_str(),
                  pipeline_name.c_str(), state.c_str());
    }
    watch_signals();
    if (mode == ProgressView::Mode::kTerminal) tick();
  });
  loop.Run();
  view.Finish();
  close(signal_fd);
  if (exit_status != 0) return exit_status;
  if (!finished) return 1;
  if (finished->status == ExecutionStatus::kSucceeded) {
    if (mode != ProgressView::Mode::kQuiet) {
      std::printf("execution %s Succeeded\n", finished->id.c_str());
    }
    return 0;
  }
  std::cerr << "execution " << finished->id << " " << ExecutionStatusName(finished->status)
            << (finished->failure_reason.empty() ? "" : ": " + finished->failure_reason) << "\n";
  return 1;
}

}  // namespace sluice

#include "cli/engine_host.h"

#include "artifacts/local_artifact_store.h"
#include "base/clock.h"
#include "base/event_loop.h"
#include "cli/progress_view.h"
#include "cli/state_dir.h"
#include "cli/webhook_host.h"
#include "engine/engine.h"
#include "executors/bubblewrap.h"
#include "executors/launcher_spawner.h"
#include "executors/local_executor.h"
#include "runtimes/job_command.h"
#include "runtimes/runtime_map.h"
#include "store/sqlite_store.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <signal.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

namespace sluice {
std::vector<std::pair<std::string, std::string>> JobEnvironment(const std::string& region) {
  std::vector<std::pair<std::string, std::string>> environment;
  const char* path = std::getenv("PATH");
  std::string search_path = "/usr/local/bin:/usr/bin:/bin";
  if (path != nullptr) {
    search_path += ':';
    search_path += path;
  }
  environment.emplace_back("PATH", std::move(search_path));
  for (const char* name : {"HOME", "LANG", "LC_ALL", "TZ"}) {
    if (const char* value = std::getenv(name)) environment.emplace_back(name, value);
  }
  environment.emplace_back("AWS_REGION", region);
  environment.emplace_back("AWS_DEFAULT_REGION", region);
  environment.emplace_back("PYTHONUNBUFFERED", "1");
  return environment;
}

Result<std::filesystem::path> FindLauncher(const std::filesystem::path& executable) {
  std::filesystem::path launcher = executable.parent_path() / "sluice-run";
  std::error_code error;
  if (!std::filesystem::is_regular_file(launcher, error)) {
    return NotFound(launcher.string(), "the job launcher is missing (it belongs beside sluice)");
  }
  return launcher;
}

std::filesystem::path ExecutionDirectory(const std::filesystem::path& state,
                                         const std::string& execution_id) {
  return state / "executions" / execution_id;
}

bool IsStopRequested(const std::filesystem::path& state, const std::string& execution_id) {
  std::error_code error;
  return std::filesystem::exists(ExecutionDirectory(state, execution_id) / "stop-requested", error);
}

std::optional<int> EngineOf(const std::filesystem::path& state, const std::string& execution_id) {
  std::ifstream file(ExecutionDirectory(state, execution_id) / "engine.pid");
  int pid = 0;
  if (!(file >> pid) || pid <= 0) return std::nullopt;
  if (kill(pid, 0) != 0 && errno == ESRCH) return std::nullopt;
  return pid;
}

int HostExecutions(const HostOptions& options, const BeginExecutions& begin) {
  const std::filesystem::path state = ResolveStateDir(options.state_dir);
  if (auto made = EnsureStateDir(state); !made) {
    std::cerr << "sluice: " << made.error().ToString() << "\n";
    return 1;
  }
  const std::optional<Durability> durability = DurabilityFromName(options.durability);
  if (!durability) {
    std::cerr << "sluice: --durability " << options.durability << ": expected process or machine\n";
    return 2;
  }
  auto launcher = FindLauncher(CurrentExecutablePath());
  if (!launcher) {
    std::cerr << "sluice: " << launcher.error().ToString() << "\n";
    return 1;
  }
  // posix_spawn holds its caller until the spawner has executed, so it starts on a thread of
  // its own while the store opens. Without the spawner, jobs start by executing sluice-run,
  // which is slower but runs them the same.
  std::unique_ptr<LauncherSpawner> spawner;
  std::jthread spawning([&] {
    if (auto started = LauncherSpawner::Start(*launcher); started) spawner = std::move(*started);
  });
  auto store = SqliteStore::Open(DatabasePath(state), *durability);
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
  engine_options.base_environment = JobEnvironment(engine_options.region);
  engine_options.is_cache_disabled = options.is_cache_disabled;
  if (options.isolation == "bwrap") {
    if (auto usable =
            CheckBubblewrapRemembered(kDefaultBubblewrapPath, BubblewrapVerdictPath(state));
        usable) {
      engine_options.isolation = Isolation::kBubblewrap;
    } else {
      std::cerr << "sluice: running steps without isolation (" << usable.error().message
                << "): /opt/ml paths are remapped through the command line and SM_* variables\n";
    }
  } else if (options.isolation != "none") {
    std::cerr << "sluice: --isolation " << options.isolation << ": expected bwrap or none\n";
    return 2;
  }

  // Signals arrive through a signalfd on the loop; they are blocked before any thread starts so
  // that no other thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);

  spawning.join();
  SystemClock clock;
  LocalArtifactStore artifacts(ObjectsPath(state), clock, *durability);
  EventLoop loop;
  LocalExecutor executor(
      loop, LocalExecutorOptions{
                .launcher_path = *launcher, .spawner = spawner.get(), .durability = *durability});
  Engine engine(loop, **store, artifacts, executor, *runtimes, clock, engine_options);
  auto webhooks = StartWebhooks(state, **store, engine, engine_options);
  if (!webhooks) {
    std::cerr << "sluice: " << webhooks.error().ToString() << "\n";
    close(signal_fd);
    return webhooks.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }

  const ProgressView::Mode mode = options.is_quiet             ? ProgressView::Mode::kQuiet
                                  : isatty(STDOUT_FILENO) != 0 ? ProgressView::Mode::kTerminal
                                                               : ProgressView::Mode::kLines;
  ProgressView view(mode);
  engine.AddEventListener([&](const Event& event) { view.OnEvent(event); });

  std::set<std::string> running;
  std::map<std::string, ExecutionRecord> finished;
  engine.AddFinishListener([&](const ExecutionRecord& record) {
    finished[record.id] = record;
    running.erase(record.id);
    std::error_code error;
    std::filesystem::remove(ExecutionDirectory(state, record.id) / "engine.pid", error);
    std::filesystem::remove(ExecutionDirectory(state, record.id) / "stop-requested", error);
    if (running.empty()) loop.Stop();
  });

  int exit_status = 0;
  int interrupts = 0;
  std::function<void()> watch_signals = [&] {
    loop.WatchReadable(signal_fd, [&] {
      signalfd_siginfo info{};
      bool is_interrupted = false;
      bool is_woken = false;
      while (read(signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGUSR1) {
          is_woken = true;
          continue;
        }
        ++interrupts;
        is_interrupted = true;
      }
      // SIGUSR1 is `sluice stop` (with stop-requested) or `sluice callback` (an answer stored).
      if (is_woken) engine.CheckCallbacks();
      if (interrupts >= 2) {
        std::cerr << "\nsluice: leaving; `sluice resume` continues the executions\n";
        exit_status = 130;
        loop.Stop();
        return;
      }
      for (const std::string& id : running) {
        const bool is_requested = IsStopRequested(state, id);
        if (!is_interrupted && !is_requested) continue;
        std::cerr << "\nsluice: stopping execution " << id
                  << (is_interrupted ? " (Ctrl-C again to leave at once)" : "") << "\n";
        (void)engine.Stop(id);
      }
      watch_signals();
    });
  };
  std::function<void()> tick = [&] {
    view.Tick();
    loop.RunAfter(std::chrono::milliseconds(500), tick);
  };

  loop.Post([&] {
    auto begun = begin(engine, **store);
    if (!begun) {
      for (const Error& error : begun.error()) {
        std::cerr << "sluice: error: " << error.ToString() << "\n";
      }
      exit_status = 2;
      loop.Stop();
      return;
    }
    for (const std::string& id : *begun) {
      if (finished.count(id) != 0) continue;
      running.insert(id);
      std::error_code error;
      std::filesystem::create_directories(ExecutionDirectory(state, id), error);
      std::ofstream(ExecutionDirectory(state, id) / "engine.pid") << getpid() << "\n";
      if (mode != ProgressView::Mode::kQuiet) {
        std::printf("execution %s, state in %s\n", id.c_str(), state.c_str());
      }
    }
    if (running.empty()) {
      loop.Stop();
      return;
    }
    watch_signals();
    if (mode == ProgressView::Mode::kTerminal) tick();
  });
  loop.Run();
  // What the executions' last events owe the webhooks goes out before the command ends, within
  // a bound; the rest goes out at the next start.
  if (webhooks->events) webhooks->events->Drain(std::chrono::seconds(10));
  view.Finish();
  close(signal_fd);
  if (exit_status != 0) return exit_status;
  int status = 0;
  for (const auto& [id, record] : finished) {
    if (record.status == ExecutionStatus::kSucceeded) {
      if (mode != ProgressView::Mode::kQuiet) std::printf("execution %s Succeeded\n", id.c_str());
      continue;
    }
    status = 1;
    std::cerr << "execution " << id << " " << ExecutionStatusName(record.status)
              << (record.failure_reason.empty() ? "" : ": " + record.failure_reason) << "\n";
  }
  return status;
}

}  // namespace sluice

#include "cli/serve_command.h"

#include "api/http_server.h"
#include "api/queue_service.h"
#include "api/sagemaker_service.h"
#include "api/sigv4_keys.h"
#include "artifacts/local_artifact_store.h"
#include "base/clock.h"
#include "base/durability.h"
#include "base/event_loop.h"
#include "base/text.h"
#include "cli/engine_host.h"
#include "cli/state_dir.h"
#include "cli/webhook_host.h"
#include "engine/engine.h"
#include "executors/bubblewrap.h"
#include "executors/launcher_spawner.h"
#include "executors/local_executor.h"
#include "graph/compiled_pipeline.h"
#include "runtimes/job_command.h"
#include "runtimes/runtime_map.h"
#include "store/sqlite_store.h"

#include "events/event_stream.h"
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace sluice {
namespace {

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return InvalidArgument("--listen", "expected ADDRESS:PORT, got " + Quote(listen));
  }
  const std::string port_text = listen.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port_text) > 65535) {
    return InvalidArgument("--listen", "expected a port from 0 to 65535, got " + Quote(port_text));
  }
  std::string address = listen.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  return std::make_pair(address, static_cast<uint16_t>(std::stoi(port_text)));
}

// Continues what an earlier engine left unfinished, as `sluice resume` does.
void ResumeUnfinished(Engine& engine, MetadataStore& store, const std::filesystem::path& state) {
  auto all = store.ListExecutions(100000);
  if (!all) {
    std::cerr << "sluice: " << all.error().ToString() << "\n";
    return;
  }
  for (const ExecutionRecord& record : *all) {
    if (IsTerminal(record.status)) continue;
    if (EngineOf(state, record.id)) continue;  // a `sluice run` elsewhere runs it
    auto runs = store.ListStepRuns(record.id);
    if (!runs) {
      std::cerr << "sluice: " << runs.error().ToString() << "\n";
      continue;
    }
    // A listed record leaves the definition out.
    auto found = store.FindExecution(record.id);
    if (!found || !*found) {
      std::cerr << "sluice: execution " << record.id << " cannot continue: "
                << (found ? std::string("it is gone") : found.error().ToString()) << "\n";
      continue;
    }
    CompileOutcome compiled = Compile((*found)->definition);
    if (!compiled.pipeline) {
      std::cerr << "sluice: execution " << record.id << " cannot continue: its definition "
                << "does not compile\n";
      continue;
    }
    const bool was_stopping = record.status == ExecutionStatus::kStopping;
    auto resumed = engine.Resume(
        ResumeRequest{record, std::move(*runs), compiled.pipeline, ResumeMode::kRecover, 0});
    if (!resumed) {
      for (const Error& error : resumed.error()) {
        std::cerr << "sluice: execution " << record.id << ": " << error.ToString() << "\n";
      }
      continue;
    }
    if (was_stopping) (void)engine.Stop(*resumed);
    std::cerr << "sluice: continuing execution " << record.id << "\n";
  }
}

}  // namespace

int RunServe(const ServeOptions& options) {
  auto listen = ParseListen(options.listen);
  if (!listen) {
    std::cerr << "sluice: " << listen.error().ToString() << "\n";
    return 2;
  }
  SigV4Keys keys;
  if (!options.credentials_file.empty()) {
    auto loaded = LoadSigV4Keys(options.credentials_file);
    if (!loaded) {
      std::cerr << "sluice: --credentials: " << loaded.error().ToString() << "\n";
      return 2;
    }
    keys = std::move(*loaded);
  }
  if (auto added = AddSigV4KeyFromEnvironment(keys); !added) {
    std::cerr << "sluice: " << added.error().ToString() << "\n";
    return 2;
  }
  const std::filesystem::path state = ResolveStateDir(options.host.state_dir);
  if (auto made = EnsureStateDir(state); !made) {
    std::cerr << "sluice: " << made.error().ToString() << "\n";
    return 1;
  }
  const std::optional<Durability> durability = DurabilityFromName(options.host.durability);
  if (!durability) {
    std::cerr << "sluice: --durability " << options.host.durability
              << ": expected process or machine\n";
    return 2;
  }
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
  auto runtimes = options.host.runtimes_file.empty()
                      ? RuntimeMap::LoadIfPresent(state / "runtimes.json", *runtimes_dir)
                      : RuntimeMap::Load(options.host.runtimes_file, *runtimes_dir);
  if (!runtimes) {
    std::cerr << "sluice: " << runtimes.error().ToString() << "\n";
    return 2;
  }
  auto launcher = FindLauncher(CurrentExecutablePath());
  if (!launcher) {
    std::cerr << "sluice: " << launcher.error().ToString() << "\n";
    return 1;
  }

  EngineOptions engine_options;
  engine_options.state_dir = state;
  engine_options.transform_driver = TransformDriverPath(*runtimes_dir);
  engine_options.base_environment = JobEnvironment(engine_options.region);
  engine_options.is_cache_disabled = options.host.is_cache_disabled;
  if (options.host.isolation == "bwrap") {
    if (auto usable =
            CheckBubblewrapRemembered(kDefaultBubblewrapPath, BubblewrapVerdictPath(state));
        usable) {
      engine_options.isolation = Isolation::kBubblewrap;
    } else {
      std::cerr << "sluice: running steps without isolation (" << usable.error().message << ")\n";
    }
  }

  // Signals arrive through a signalfd on the loop; they are blocked before any thread starts,
  // so that no other thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGPIPE);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);

  // Without the spawner, jobs start by executing sluice-run, which is slower but runs them the
  // same.
  std::unique_ptr<LauncherSpawner> spawner;
  if (auto started = LauncherSpawner::Start(*launcher); started) spawner = std::move(*started);
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
  // A callback answered here for an execution a `sluice run` elsewhere runs: that engine is
  // woken as `sluice callback` wakes it.
  auto wake_engine = [&state](const std::string& execution_id) {
    const std::optional<int> owner = EngineOf(state, execution_id);
    if (owner && *owner != getpid()) kill(*owner, SIGUSR1);
  };
  SageMakerService service(
      loop, engine, **store,
      ServiceOptions{state, engine_options.region, engine_options.account, wake_engine,
                     [&artifacts](const std::string& uri) { return artifacts.ReadObject(uri); }});
  QueueService queues(**store);
  engine.AddEventListener([&queues](const Event& event) {
    if (!event.step_name.empty() && (event.status == "Executing" || event.status == "Stopping")) {
      queues.Notify();
    }
  });

  EventStreamService event_streams(
      **store, EventStreamOptions{engine_options.region, engine_options.account});
  engine.AddEventListener([&event_streams](const Event&) { event_streams.Notify(); });

  HttpServerOptions server_options;
  server_options.address = listen->first;
  server_options.port = listen->second;
  server_options.get_handler = [&event_streams, &queues](HttpRequest request, HttpReply reply) {
    if (QueueService::IsQueueRequest(request))
      return queues.Handle(std::move(request), std::move(reply));
    event_streams.Handle(std::move(request), std::move(reply));
  };
  if (!keys.empty()) {
    server_options.authenticate = [&keys](const HttpRequest& request) {
      std::optional<HttpResponse> refusal;
      if (auto refused = VerifySigV4(request, keys, std::chrono::system_clock::now())) {
        refusal = HttpResponse{refused->status, ErrorBody(refused->code, refused->message)};
      }
      return refusal;
    };
  } else if (server_options.address != "127.0.0.1" && server_options.address != "::1" &&
             server_options.address != "localhost") {
    std::cerr << "sluice: serving " << server_options.address
              << " without --credentials: anyone who reaches it can run steps\n";
  }
  auto server =
      HttpServer::Start(server_options, [&service, &queues](HttpRequest request, HttpReply reply) {
        // SQS's JSON protocol comes as POSTs too, told apart by its X-Amz-Target.
        if (QueueService::IsQueueRequest(request))
          return queues.Handle(std::move(request), std::move(reply));
        service.Handle(std::move(request), std::move(reply));
      });
  if (!server) {
    std::cerr << "sluice: " << server.error().ToString() << "\n";
    close(signal_fd);
    return 1;
  }

  // Each running execution's directory names this engine, as `sluice run` does, so that
  // `sluice stop` reaches it (stop-requested and SIGUSR1) and `sluice resume` leaves it alone.
  std::set<std::string> running;
  engine.AddEventListener([&](const Event& event) {
    if (!event.step_name.empty() || event.status != "Executing") return;
    if (!running.insert(event.execution_id).second) return;
    std::error_code error;
    std::filesystem::create_directories(ExecutionDirectory(state, event.execution_id), error);
    std::ofstream(ExecutionDirectory(state, event.execution_id) / "engine.pid") << getpid() << "\n";
  });
  engine.AddFinishListener([&](const ExecutionRecord& record) {
    running.erase(record.id);
    std::error_code error;
    std::filesystem::remove(ExecutionDirectory(state, record.id) / "engine.pid", error);
    std::filesystem::remove(ExecutionDirectory(state, record.id) / "stop-requested", error);
  });

  bool is_shutting_down = false;
  std::function<void()> watch_signals = [&] {
    loop.WatchReadable(signal_fd, [&] {
      signalfd_siginfo info{};
      bool is_asked_to_leave = false;
      bool is_asked_to_stop = false;
      while (read(signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM) is_asked_to_leave = true;
        if (info.ssi_signo == SIGUSR1) is_asked_to_stop = true;
      }
      if (is_asked_to_stop) {
        // Or `sluice callback` stored an answer for a step parked here.
        engine.CheckCallbacks();
        const std::set<std::string> now_running = running;
        for (const std::string& id : now_running) {
          if (IsStopRequested(state, id)) {
            (void)engine.Stop(id);
          }
        }
      }
      if (is_asked_to_leave && !is_shutting_down) {
        is_shutting_down = true;
        std::cerr << "sluice: shutting down; unfinished executions continue at the next start\n";
        // Requests in flight are answered first: the loop runs until the server drained.
        (*server)->BeginShutdown([&loop] { loop.Stop(); });
      }
      watch_signals();
    });
  };
  loop.Post([&] {
    ResumeUnfinished(engine, **store, state);
    watch_signals();
    std::printf("listening on %s\n", (*server)->bound_address().c_str());
    std::fflush(stdout);
  });
  loop.Run();
  queues.Stop();
  (*server)->Join();
  event_streams.Stop();
  // What still runs continues at the next start; until then no engine runs it.
  for (const std::string& id : running) {
    std::error_code error;
    std::filesystem::remove(ExecutionDirectory(state, id) / "engine.pid", error);
  }
  close(signal_fd);
  return 0;
}

}  // namespace sluice

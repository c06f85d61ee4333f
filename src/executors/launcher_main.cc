// sluice-run: the launcher as a program (launcher.h), for executors that start it by name.
//
//   sluice-run --run-directory DIR --grace-period-ms N [--max-runtime-s N]
//              [--working-directory DIR] [--log-file FILE] [--durability process|machine]
//              [--ignore-signal NUMBER]... -- PROGRAM [ARGUMENT...]
//
//   sluice-run --serve-launchers FD     (the spawner, launcher_spawner.h)
//
// PROGRAM runs with the launcher's own environment. Exit status 0 when DIR/exit.json holds the
// job's end, 2 for a bad command line, 1 when no record could be written (the reason is on
// standard error).
#include "base/durability.h"
#include "base/result.h"
#include "base/text.h"
#include "executors/launcher.h"
#include "executors/launcher_spawner.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern char** environ;

namespace sluice {
namespace {

constexpr int kUsageError = 2;

Result<int64_t> ParseCount(std::string_view option, const char* text) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) {
    return InvalidArgument(std::string(option), "expected a count, got " + Quote(text));
  }
  return value;
}

Result<LauncherOptions> ParseOptions(int argc, char** argv) {
  LauncherOptions options;
  int index = 1;
  for (; index < argc; ++index) {
    const std::string_view option = argv[index];
    if (option == "--") {
      ++index;
      break;
    }
    if (index + 1 >= argc) return InvalidArgument(std::string(option), "needs a value");
    const char* value = argv[++index];
    if (option == "--run-directory") {
      options.run_directory = value;
    } else if (option == "--working-directory") {
      options.working_directory = value;
    } else if (option == "--log-file") {
      options.log_file = value;
    } else if (option == "--durability") {
      const std::optional<Durability> durability = DurabilityFromName(value);
      if (!durability) {
        return InvalidArgument(std::string(option),
                               "expected process or machine, got " + Quote(value));
      }
      options.durability = *durability;
    } else if (option == "--ignore-signal") {
      Result<int64_t> signal = ParseCount(option, value);
      if (!signal) return signal.error();
      options.ignored_signals.push_back(static_cast<int>(*signal));
    } else if (option == "--grace-period-ms" || option == "--max-runtime-s") {
      Result<int64_t> count = ParseCount(option, value);
      if (!count) return count.error();
      if (option == "--grace-period-ms") {
        options.grace_period = std::chrono::milliseconds(*count);
      } else {
        options.max_runtime = std::chrono::seconds(*count);
      }
    } else {
      return InvalidArgument(std::string(option), "unknown option");
    }
  }
  if (options.run_directory.empty()) return InvalidArgument("--run-directory", "is required");
  for (; index < argc; ++index) options.command.emplace_back(argv[index]);
  if (options.command.empty()) return InvalidArgument("command", "no program after --");
  return options;
}

std::vector<std::pair<std::string, std::string>> OwnEnvironment() {
  std::vector<std::pair<std::string, std::string>> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace_back(std::string(text.substr(0, equals)),
                             std::string(text.substr(equals + 1)));
  }
  return environment;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == sluice::kSpawnerModeOption) {
    sluice::ServeLaunchRequests(std::atoi(argv[2]));
  }
  sluice::Result<sluice::LauncherOptions> options = sluice::ParseOptions(argc, argv);
  if (!options) {
    std::fprintf(stderr, "sluice-run: %s\n", options.error().ToString().c_str());
    return sluice::kUsageError;
  }
  options->environment = sluice::OwnEnvironment();
  return sluice::RunLauncher(*options);
}

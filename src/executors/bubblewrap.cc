#include "executors/bubblewrap.h"

#include "base/text.h"
#include "executors/child_process.h"
#include "executors/run_directory.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice {

namespace {

// GNU env sets signal dispositions before exec'ing. bwrap is started with SIGTERM ignored
// (kBubblewrapIgnoredSignal), which it passes on to what it starts, so the job's command gets the
// default back from env inside the sandbox, where nothing else could reset it.
constexpr const char* kEnvProgram = "/usr/bin/env";
constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

using Components = std::vector<std::string>;

Components ComponentsOf(const std::filesystem::path& path) {
  Components components;
  for (const std::filesystem::path& part : path.lexically_normal().relative_path()) {
    if (!part.empty() && part != ".") components.push_back(part.string());
  }
  return components;
}

struct Bind {
  Components inside;
  std::filesystem::path host;
};

// The binds of BubblewrapCommand, in the order bwrap applies them.
std::vector<Bind> ViewOf(const JobSpec& spec) {
  std::vector<Bind> view = {
      {{"usr"}, "/usr"},
      {{"bin"}, "/usr/bin"},
      {{"lib"}, "/usr/lib"},
      {{"lib64"}, "/usr/lib64"},
      {{"sbin"}, "/usr/sbin"},
      {{"etc"}, "/etc"},
      {{"opt", "ml"}, spec.ml_root},
  };
  for (const Mount& mount : spec.mounts) view.push_back({ComponentsOf(mount.inside), mount.host});
  return view;
}

// The host path behind an absolute path of the job's view, or nothing for paths no bind backs
// (/dev, /proc, the private /tmp), where nothing can be checked beforehand.
std::optional<std::filesystem::path> HostPathOf(const std::vector<Bind>& view,
                                                const std::filesystem::path& inside) {
  const Components wanted = ComponentsOf(inside);
  const Bind* best = nullptr;
  for (const Bind& bind : view) {
    if (bind.inside.size() > wanted.size()) continue;
    if (!std::equal(bind.inside.begin(), bind.inside.end(), wanted.begin())) continue;
    // The deepest bind wins; among equals the later one, which bwrap mounted on top.
    if (best == nullptr || bind.inside.size() >= best->inside.size()) best = &bind;
  }
  if (best == nullptr) return std::nullopt;
  std::filesystem::path host = best->host;
  for (size_t index = best->inside.size(); index < wanted.size(); ++index) host /= wanted[index];
  return host;
}

// bwrap resolves relative sources against its own working directory; spelling them out makes
// the command line mean the same wherever it is run from.
std::string HostPathText(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  return error ? path.string() : absolute.string();
}

std::filesystem::path InsideWorkingDirectory(const JobSpec& spec) {
  return spec.working_directory.empty() ? std::filesystem::path("/")
                                        : std::filesystem::path(spec.working_directory);
}

// Also true for a symlink whose target only makes sense inside the view: such a program may
// well exist there, and bwrap will tell if it does not.
bool MayBeProgram(const std::filesystem::path& host) {
  struct stat status {};
  if (::stat(host.c_str(), &status) == 0) {
    return S_ISREG(status.st_mode) && ::access(host.c_str(), X_OK) == 0;
  }
  return ::lstat(host.c_str(), &status) == 0 && S_ISLNK(status.st_mode);
}

Result<void> CheckProgram(const JobSpec& spec, const std::vector<Bind>& view) {
  const std::string& program = spec.command.front();
  const std::filesystem::path working_directory = InsideWorkingDirectory(spec);
  auto inside_of = [&](const std::filesystem::path& path) {
    return path.is_absolute() ? path : working_directory / path;
  };
  if (program.find('/') != std::string::npos) {
    const std::optional<std::filesystem::path> host = HostPathOf(view, inside_of(program));
    if (!host || MayBeProgram(*host)) return {};
    return MakeError(ErrorCode::kNotFound, "program " + Quote(program),
                     "not found in the job's view (host path " + Quote(host->string()) + ")");
  }
  std::string_view search_path = kDefaultPath;
  for (const auto& [name, value] : spec.environment) {
    if (name == "PATH") search_path = value;
  }
  size_t begin = 0;
  while (begin <= search_path.size()) {
    size_t end = search_path.find(':', begin);
    if (end == std::string_view::npos) end = search_path.size();
    std::filesystem::path directory(search_path.substr(begin, end - begin));
    const std::optional<std::filesystem::path> host =
        HostPathOf(view, inside_of(directory) / program);
    if (!host || MayBeProgram(*host)) return {};
    begin = end + 1;
  }
  return MakeError(ErrorCode::kNotFound, "program " + Quote(program),
                   "not found in PATH " + Quote(search_path) + " of the job's view");
}

std::string FirstLines(const std::filesystem::path& file, size_t limit) {
  std::ifstream stream(file);
  std::string text(std::istreambuf_iterator<char>(stream), {});
  if (text.size() > limit) text.resize(limit);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::vector<std::string> BubblewrapCommand(const JobSpec& spec,
                                           const std::filesystem::path& bubblewrap_path) {
  std::vector<std::string> argv = {
      bubblewrap_path.string(),
      // The minimal root creates nothing on the host, unlike binding / and mounting over it.
      "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
      "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--ro-bind", "/etc",
      "/etc", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--dir", "/opt", "--bind",
      HostPathText(spec.ml_root), "/opt/ml"};
  for (const Mount& mount : spec.mounts) {
    argv.insert(argv.end(), {mount.is_read_only ? "--ro-bind" : "--bind", HostPathText(mount.host),
                             mount.inside});
  }
  argv.insert(argv.end(),
              {"--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "algo-1"});
  if (spec.network_isolation) argv.push_back("--unshare-net");
  // No --new-session: it would move the job out of the process group that Stop signals. The
  // executor already starts bwrap in a new session, which is what keeps the job away from the
  // engine's terminal.
  argv.insert(argv.end(), {"--die-with-parent", "--chdir", InsideWorkingDirectory(spec).string(),
                           "--", kEnvProgram, "--default-signal=TERM"});
  argv.insert(argv.end(), spec.command.begin(), spec.command.end());
  return argv;
}

Result<void> CheckSandboxedJob(const JobSpec& spec) {
  std::error_code error;
  if (!std::filesystem::is_directory(spec.ml_root, error)) {
    return MakeError(ErrorCode::kNotFound, "ml_root " + Quote(spec.ml_root.string()),
                     "not a directory");
  }
  for (const Mount& mount : spec.mounts) {
    if (!std::filesystem::exists(mount.host, error)) {
      return MakeError(ErrorCode::kNotFound, "mount source " + Quote(mount.host.string()),
                       "does not exist");
    }
  }
  const std::vector<Bind> view = ViewOf(spec);
  if (!spec.working_directory.empty()) {
    const std::optional<std::filesystem::path> host = HostPathOf(view, spec.working_directory);
    if (host && !std::filesystem::is_directory(*host, error)) {
      return MakeError(
          ErrorCode::kNotFound, "working directory " + Quote(spec.working_directory),
          "not a directory in the job's view (host path " + Quote(host->string()) + ")");
    }
  }
  return CheckProgram(spec, view);
}

Result<void> CheckBubblewrap(const std::filesystem::path& bubblewrap_path) {
  const std::string where = "bubblewrap " + Quote(bubblewrap_path.string());
  std::error_code error;
  if (!std::filesystem::exists(bubblewrap_path, error)) {
    return MakeError(ErrorCode::kNotFound, where, "not installed (the bubblewrap package)");
  }
  std::string scratch_template = "/tmp/sluice-bwrap-check-XXXXXX";
  if (::mkdtemp(scratch_template.data()) == nullptr) {
    return MakeError(ErrorCode::kIo, where, "cannot create a scratch directory under /tmp");
  }
  const std::filesystem::path scratch = scratch_template;
  JobSpec probe;
  probe.command = {"/bin/sh", "-c", "echo usable > /opt/ml/probe"};
  probe.environment = {{"PATH", "/usr/bin:/bin"}};
  probe.isolation = Isolation::kBubblewrap;
  probe.ml_root = scratch / "ml";
  std::filesystem::create_directory(probe.ml_root, error);
  const std::filesystem::path log = scratch / "log";

  Result<void> verdict;
  Result<ChildProcess> child = ChildProcess::Spawn(LaunchSpec{
      .argv = BubblewrapCommand(probe, bubblewrap_path),
      .environment = probe.environment,
      .working_directory = {},
      .log_file = log,
      .blocked_signals = {},
      .ignored_signals = {kBubblewrapIgnoredSignal},
  });
  if (!child) {
    verdict = MakeError(child.error().code, where, child.error().ToString());
  } else {
    const ProcessExit exit = child->Wait();
    const std::string output = FirstLines(log, 400);
    const std::string details = output.empty() ? "" : ": " + output;
    if (exit != ProcessExit{.exit_status = 0, .signal = 0}) {
      verdict = MakeError(ErrorCode::kUnavailable, where,
                          "a trivial sandboxed run failed (" + Describe(exit) + ")" + details);
    } else if (FirstLines(probe.ml_root / "probe", 100) != "usable") {
      verdict = MakeError(ErrorCode::kUnavailable, where,
                          "a sandboxed run could not write to /opt/ml" + details);
    }
  }
  std::filesystem::remove_all(scratch, error);
  return verdict;
}

namespace {

// What a passed probe held for: the boot, the user, the bwrap binary itself, and the settings
// that allow or forbid the namespaces it makes. Empty when bwrap cannot be looked at.
std::string VerdictKey(const std::filesystem::path& bubblewrap_path) {
  struct stat binary {};
  if (::stat(bubblewrap_path.c_str(), &binary) != 0) return "";
  std::string key = "boot " + FirstLines("/proc/sys/kernel/random/boot_id", 100) + "\n";
  key += "uid " + std::to_string(::getuid()) + "\n";
  key += "bwrap " + bubblewrap_path.string() + " " + std::to_string(binary.st_dev) + " " +
         std::to_string(binary.st_ino) + " " + std::to_string(binary.st_size) + " " +
         std::to_string(binary.st_mtim.tv_sec) + "." + std::to_string(binary.st_mtim.tv_nsec) +
         "\n";
  for (const char* setting :
       {"/proc/sys/user/max_user_namespaces", "/proc/sys/kernel/unprivileged_userns_clone",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"}) {
    std::error_code error;
    const std::string value =
        std::filesystem::exists(setting, error) ? FirstLines(setting, 100) : "absent";
    key += std::string(setting) + " " + value + "\n";
  }
  return key;
}

}  // namespace

Result<void> CheckBubblewrapRemembered(const std::filesystem::path& bubblewrap_path,
                                       const std::filesystem::path& verdict_file) {
  const std::string key = VerdictKey(bubblewrap_path);
  if (!key.empty()) {
    std::ifstream remembered(verdict_file);
    const std::string text(std::istreambuf_iterator<char>(remembered), {});
    if (text == key) return {};
  }
  Result<void> verdict = CheckBubblewrap(bubblewrap_path);
  if (verdict && !key.empty()) {
    // Not remembering only costs the next run a probe.
    (void)WriteFileAtomically(verdict_file.parent_path(), verdict_file.filename().string(), key,
                              Durability::kProcessCrash);
  }
  return verdict;
}

bool IsBubblewrapUsable() {
  static const bool is_usable = CheckBubblewrap(kDefaultBubblewrapPath).has_value();
  return is_usable;
}

}  // namespace sluice

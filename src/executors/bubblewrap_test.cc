#include "executors/bubblewrap.h"

#include "executors/testing/scratch_directory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sluice {
namespace {

using testing::ScratchDirectory;
using testing::WriteExecutable;
using Arguments = std::vector<std::string>;

bool Contains(const Arguments& argv, const Arguments& sequence) {
  return std::search(argv.begin(), argv.end(), sequence.begin(), sequence.end()) != argv.end();
}

JobSpec SandboxedJob(const std::filesystem::path& ml_root) {
  JobSpec spec;
  spec.name = "train";
  spec.command = {"python3", "train.py"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}, {"AWS_SECRET_ACCESS_KEY", "very-secret"}};
  spec.working_directory = "/opt/ml/code";
  spec.isolation = Isolation::kBubblewrap;
  spec.ml_root = ml_root;
  return spec;
}

TEST(BubblewrapCommand, ShowsTheStepDirectoryAtOptMlInAMinimalRoot) {
  const Arguments argv = BubblewrapCommand(SandboxedJob("/runs/r1/train/ml"), "/usr/bin/bwrap");
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv.front(), "/usr/bin/bwrap");
  EXPECT_TRUE(Contains(argv, {"--ro-bind", "/usr", "/usr"}));
  EXPECT_TRUE(Contains(argv, {"--symlink", "usr/bin", "/bin"}));
  EXPECT_TRUE(Contains(argv, {"--ro-bind", "/etc", "/etc"}));
  EXPECT_TRUE(Contains(argv, {"--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"}));
  EXPECT_TRUE(Contains(argv, {"--bind", "/runs/r1/train/ml", "/opt/ml"}));
  EXPECT_TRUE(Contains(argv, {"--unshare-pid", "--unshare-ipc", "--unshare-uts"}));
  EXPECT_TRUE(Contains(argv, {"--hostname", "algo-1"}));
  EXPECT_TRUE(Contains(argv, {"--die-with-parent"}));
  EXPECT_TRUE(Contains(argv, {"--chdir", "/opt/ml/code"}));
  const Arguments tail = {"--", "/usr/bin/env", "--default-signal=TERM", "python3", "train.py"};
  EXPECT_TRUE(std::equal(tail.rbegin(), tail.rend(), argv.rbegin()));
}

TEST(BubblewrapCommand, KeepsTheJobInTheProcessGroupThatStopSignals) {
  const Arguments argv = BubblewrapCommand(SandboxedJob("/ml"), "/usr/bin/bwrap");
  EXPECT_FALSE(Contains(argv, {"--new-session"}));
}

TEST(BubblewrapCommand, KeepsTheEnvironmentOffTheCommandLine) {
  const Arguments argv = BubblewrapCommand(SandboxedJob("/ml"), "/usr/bin/bwrap");
  for (const std::string& argument : argv)
    EXPECT_EQ(argument.find("very-secret"), std::string::npos);
  EXPECT_FALSE(Contains(argv, {"--clearenv"}));
}

TEST(BubblewrapCommand, SharesTheNetworkUnlessIsolationIsAsked) {
  JobSpec spec = SandboxedJob("/ml");
  EXPECT_FALSE(Contains(BubblewrapCommand(spec, "/usr/bin/bwrap"), {"--unshare-net"}));
  spec.network_isolation = true;
  EXPECT_TRUE(Contains(BubblewrapCommand(spec, "/usr/bin/bwrap"), {"--unshare-net"}));
}

TEST(BubblewrapCommand, BindsMountsAfterMlRootInTheirOrder) {
  JobSpec spec = SandboxedJob("/ml");
  spec.mounts = {{.host = "/srv/runtime", .inside = "/opt/runtime", .is_read_only = true},
                 {.host = "/ml/input", .inside = "/opt/ml/input", .is_read_only = true},
                 {.host = "/scratch", .inside = "/opt/scratch", .is_read_only = false}};
  EXPECT_TRUE(
      Contains(BubblewrapCommand(spec, "/usr/bin/bwrap"),
               {"--bind", "/ml", "/opt/ml", "--ro-bind", "/srv/runtime", "/opt/runtime",
                "--ro-bind", "/ml/input", "/opt/ml/input", "--bind", "/scratch", "/opt/scratch"}));
}

TEST(BubblewrapCommand, StartsInTheRootWithoutAWorkingDirectory) {
  JobSpec spec = SandboxedJob("/ml");
  spec.working_directory.clear();
  EXPECT_TRUE(Contains(BubblewrapCommand(spec, "/usr/bin/bwrap"), {"--chdir", "/"}));
}

TEST(CheckSandboxedJob, FindsProgramsThroughTheJobsView) {
  ScratchDirectory scratch;
  WriteExecutable(scratch / "ml" / "code" / "train.sh", "#!/bin/sh\n");
  WriteExecutable(scratch / "runtime" / "bin" / "tool", "#!/bin/sh\n");
  JobSpec spec = SandboxedJob(scratch / "ml");
  spec.mounts = {{.host = scratch / "runtime", .inside = "/opt/runtime", .is_read_only = true}};

  spec.command = {"/opt/ml/code/train.sh"};
  EXPECT_TRUE(CheckSandboxedJob(spec));
  spec.command = {"./train.sh"};  // relative to the working directory inside
  EXPECT_TRUE(CheckSandboxedJob(spec));
  spec.command = {"sh", "-c", "true"};  // /usr/bin/sh on the host
  EXPECT_TRUE(CheckSandboxedJob(spec));
  spec.environment = {{"PATH", "/opt/runtime/bin:/usr/bin"}};
  spec.command = {"tool"};
  EXPECT_TRUE(CheckSandboxedJob(spec));
}

TEST(CheckSandboxedJob, NamesAProgramMissingFromTheJobsView) {
  ScratchDirectory scratch;
  std::filesystem::create_directories(scratch / "ml" / "code");
  JobSpec spec = SandboxedJob(scratch / "ml");
  spec.command = {"sluice-no-such-program"};
  Result<void> checked = CheckSandboxedJob(spec);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().ToString(),
            "program \"sluice-no-such-program\": not found in PATH \"/usr/bin:/bin\" of the "
            "job's view");

  spec.command = {"/opt/ml/code/missing.py"};
  checked = CheckSandboxedJob(spec);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().ToString(),
            "program \"/opt/ml/code/missing.py\": not found in the job's view (host path \"" +
                (scratch / "ml" / "code" / "missing.py").string() + "\")");
}

TEST(CheckSandboxedJob, NamesAMissingWorkingDirectoryOrMlRoot) {
  ScratchDirectory scratch;
  std::filesystem::create_directories(scratch / "ml");
  JobSpec spec = SandboxedJob(scratch / "ml");
  spec.command = {"sh"};
  Result<void> checked = CheckSandboxedJob(spec);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().ToString(),
            "working directory \"/opt/ml/code\": not a directory in the job's view (host path \"" +
                (scratch / "ml" / "code").string() + "\")");

  spec.ml_root = scratch / "missing";
  checked = CheckSandboxedJob(spec);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().ToString(),
            "ml_root \"" + (scratch / "missing").string() + "\": not a directory");
}

TEST(CheckBubblewrap, NamesAMissingBubblewrap) {
  Result<void> checked = CheckBubblewrap("/nonexistent/bwrap");
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().ToString(),
            "bubblewrap \"/nonexistent/bwrap\": not installed (the bubblewrap package)");
}

TEST(CheckBubblewrap, ReallyRunsAJob) {
  // /bin/false accepts any arguments and fails, as a broken bwrap would.
  Result<void> checked = CheckBubblewrap("/bin/false");
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().ToString(),
            "bubblewrap \"/bin/false\": a trivial sandboxed run failed (exit status 1)");
}

// A stand-in for bwrap that counts its runs and, unless told to fail, writes the probe's answer
// where the real one's /opt/ml bind would put it; and the verdict file beside it.
class CheckBubblewrapRemembered : public ::testing::Test {
 protected:
  std::filesystem::path Bubblewrap(bool is_working) const {
    const std::filesystem::path program = scratch_ / "bwrap";
    WriteExecutable(program, "#!/bin/sh\necho run >> " + (scratch_ / "runs").string() + "\n" +
                                 (is_working ? "" : "exit 1\n") +
                                 "while [ $# -gt 0 ]; do\n"
                                 "  if [ \"$1\" = --bind ] && [ \"$3\" = /opt/ml ]; then\n"
                                 "    echo usable > \"$2/probe\"; fi\n"
                                 "  shift\n"
                                 "done\n");
    return program;
  }
  size_t Runs() const {
    const std::string runs = testing::ReadFile(scratch_ / "runs");
    return static_cast<size_t>(std::count(runs.begin(), runs.end(), '\n'));
  }
  Result<void> Check(const std::filesystem::path& bwrap) const {
    return sluice::CheckBubblewrapRemembered(bwrap, verdict_);
  }

  ScratchDirectory scratch_;
  std::filesystem::path verdict_ = scratch_ / "bubblewrap-usable";
};

TEST_F(CheckBubblewrapRemembered, ProbesOnceThenTrustsTheVerdictUntilBwrapChanges) {
  const std::filesystem::path bwrap = Bubblewrap(true);
  ASSERT_TRUE(Check(bwrap));
  ASSERT_TRUE(Check(bwrap));
  EXPECT_EQ(Runs(), 1u);
  EXPECT_NE(testing::ReadFile(verdict_).find("bwrap " + bwrap.string()), std::string::npos);
  // Another bwrap (an upgrade, say) is probed again.
  std::filesystem::last_write_time(bwrap,
                                   std::filesystem::last_write_time(bwrap) - std::chrono::hours(1));
  ASSERT_TRUE(Check(bwrap));
  EXPECT_EQ(Runs(), 2u);
}

TEST_F(CheckBubblewrapRemembered, NeverRemembersAFailure) {
  const std::filesystem::path bwrap = Bubblewrap(false);
  EXPECT_FALSE(Check(bwrap));
  EXPECT_FALSE(Check(bwrap));
  EXPECT_EQ(Runs(), 2u);
  EXPECT_FALSE(std::filesystem::exists(verdict_));
}

}  // namespace
}  // namespace sluice

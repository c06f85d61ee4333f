// Runs a program the way a user does, for tests of the `sluice` binary: separate standard
// output and error, the exit code, and a deadline so that a hang fails the test instead of
// stalling the suite.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace sluice::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the program did not exit by itself
  std::string standard_output;
  std::string standard_error;
  bool timed_out = false;
};

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::seconds timeout);

}  // namespace sluice::testing

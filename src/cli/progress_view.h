// The live view `sluice run` prints while an execution runs. On a terminal it redraws one line
// per step (status, attempt, elapsed time) in place; otherwise it prints one line per state
// change, so a log file reads as a history. It only shows committed events.
#pragma once

#include "model/records.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace sluice {

class ProgressView {
 public:
  enum class Mode { kTerminal, kLines, kQuiet };
  explicit ProgressView(Mode mode, std::FILE* out = stdout) : mode_(mode), out_(out) {}

  void OnEvent(const Event& event);
  // Redraws the elapsed times (terminal mode only).
  void Tick();
  void Finish();

 private:
  struct Row {
    std::string name;
    std::string status;
    int64_t attempt = 0;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point ended;
    bool is_done = false;
  };
  void Redraw();

  Mode mode_;
  std::FILE* out_;
  std::vector<Row> rows_;
  std::map<std::string, size_t> row_of_;
  size_t drawn_lines_ = 0;
};

}  // namespace sluice

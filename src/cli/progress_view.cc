#include "cli/progress_view.h"

#include <ctime>

namespace sluice {
namespace {

std::string Clock(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &local);
  return text;
}

const char* Mark(const std::string& status) {
  if (status == "Succeeded") return "ok";
  if (status == "Failed") return "!!";
  if (status == "Stopped") return "--";
  return "..";
}

}  // namespace

void ProgressView::OnEvent(const Event& event) {
  if (mode_ == Mode::kQuiet) return;
  if (mode_ == Mode::kLines) {
    const std::string who =
        event.step_name.empty() ? "execution " + event.execution_id : event.step_name;
    std::fprintf(out_, "[%s] %s: %s%s%s\n", Clock(event.time).c_str(), who.c_str(),
                 event.status.c_str(), event.detail.empty() ? "" : ": ", event.detail.c_str());
    std::fflush(out_);
    return;
  }
  if (event.step_name.empty()) return;
  auto [position, is_new] = row_of_.try_emplace(event.step_name, rows_.size());
  if (is_new) {
    Row row;
    row.name = event.step_name;
    rows_.push_back(std::move(row));
  }
  Row& row = rows_[position->second];
  const auto now = std::chrono::steady_clock::now();
  if (event.status == "Starting") {
    ++row.attempt;
    row.started = now;
    row.is_done = false;
  }
  if (event.status == "Succeeded" || event.status == "Failed" || event.status == "Stopped") {
    row.ended = now;
    row.is_done = true;
  }
  row.status = event.status;
  Redraw();
}

void ProgressView::Tick() {
  if (mode_ == Mode::kTerminal) Redraw();
}

void ProgressView::Redraw() {
  // Move to the first line drawn last time and draw every row again.
  if (drawn_lines_ > 0) std::fprintf(out_, "\x1b[%zuF", drawn_lines_);
  const auto now = std::chrono::steady_clock::now();
  for (const Row& row : rows_) {
    const double elapsed =
        std::chrono::duration<double>((row.is_done ? row.ended : now) - row.started).count();
    std::fprintf(out_, "\x1b[2K %s %-40s %-10s attempt %-3lld %8.1fs\n", Mark(row.status),
                 row.name.c_str(), row.status.c_str(), static_cast<long long>(row.attempt),
                 elapsed);
  }
  drawn_lines_ = rows_.size();
  std::fflush(out_);
}

void ProgressView::Finish() {
  if (mode_ == Mode::kTerminal) Redraw();
}

}  // namespace sluice

#include "cli/events_command.h"

#include "base/text.h"
#include "base/time_format.h"
#include "cli/existing_store.h"
#include "cli/state_dir.h"
#include "engine/engine.h"
#include "store/sqlite_store.h"

#include "events/event_renderer.h"
#include <cstdio>
#include <iostream>
#include <thread>

namespace sluice {
namespace {

constexpr size_t kPage = 1000;

// An execution id, or the ARN that ends in one.
std::string ExecutionIdOf(const std::string& given) {
  const size_t slash = given.rfind('/');
  return slash == std::string::npos ? given : given.substr(slash + 1);
}

bool IsExecutionEnd(const Event& event) {
  return event.step_name.empty() &&
         (event.status == "Succeeded" || event.status == "Failed" || event.status == "Stopped");
}

}  // namespace

int RunEvents(const std::string& state_dir, const std::string& execution, bool is_following,
              bool is_json) {
  const std::filesystem::path state = ResolveStateDir(state_dir);
  auto store = OpenExistingStore(state);
  if (!store) return 1;
  const std::string id = ExecutionIdOf(execution);
  bool is_ended = false;
  if (!id.empty()) {
    auto found = store->FindExecution(id);
    if (!found) {
      std::cerr << "sluice: " << found.error().ToString() << "\n";
      return 1;
    }
    if (!*found) {
      std::cerr << "sluice: execution " << Quote(execution) << " is not known here\n";
      return 1;
    }
  }
  const EngineOptions defaults;
  EventRenderer renderer(*store, defaults.region, defaults.account);
  int64_t after = 0;
  for (;;) {
    auto events = id.empty() ? store->ListEventsOfAll(after, kPage) : store->ListEvents(id, after);
    if (!events) {
      std::cerr << "sluice: " << events.error().ToString() << "\n";
      return 1;
    }
    if (is_json && !events->empty()) {
      auto rendered = renderer.Render(*events);
      if (!rendered) {
        std::cerr << "sluice: " << rendered.error().ToString() << "\n";
        return 1;
      }
      for (const RenderedEvent& event : *rendered) {
        std::printf(
            "%s\n",
            event.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      }
    } else {
      for (const Event& event : *events) {
        std::printf("%s  %-12s  %-24s  %-10s  %s\n", FormatIsoTime(event.time).c_str(),
                    event.execution_id.c_str(),
                    event.step_name.empty() ? "-" : event.step_name.c_str(), event.status.c_str(),
                    event.detail.c_str());
      }
    }
    std::fflush(stdout);
    for (const Event& event : *events) {
      if (!id.empty() && IsExecutionEnd(event)) is_ended = true;
    }
    if (!events->empty()) after = events->back().sequence;
    if (id.empty() && events->size() == kPage) continue;
    if (!is_following || is_ended) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace sluice

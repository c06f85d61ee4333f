// Renders stored events as EventBridge documents (event_document.h), gathering from the store
// what a stored event leaves out: the pipeline, the execution's display name and start, the
// status before each event, and the step's type, times and job. Reads committed state only, so
// it works the same beside the engine or in another process.
//
// Thread-safety: one renderer per thread (it keeps nothing between calls but its options).
#pragma once

#include "base/result.h"
#include "model/records.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sluice {

class MetadataStore;

struct RenderedEvent {
  Event event;
  std::string pipeline_name;
  nlohmann::json document;
};

class EventRenderer {
 public:
  EventRenderer(MetadataStore& store, std::string region, std::string account)
      : store_(store), region_(std::move(region)), account_(std::move(account)) {}

  // In the order given; events of an execution the store no longer has are left out.
  Result<std::vector<RenderedEvent>> Render(const std::vector<Event>& events);

 private:
  MetadataStore& store_;
  std::string region_;
  std::string account_;
};

}  // namespace sluice

#include "cli/webhook_host.h"

#include "engine/engine.h"

namespace sluice {

Result<Webhooks> StartWebhooks(const std::filesystem::path& state, MetadataStore& store,
                               Engine& engine, const EngineOptions& options) {
  Webhooks started;
  auto webhooks = LoadWebhooksIfPresent(state / "webhooks.json");
  if (!webhooks) return webhooks.error();
  auto queue_webhooks = LoadQueueWebhooksIfPresent(state / "queues.json");
  if (!queue_webhooks) return queue_webhooks.error();
  if (!webhooks->empty()) {
    started.events = std::make_unique<WebhookDispatcher>(
        store, std::move(*webhooks), DispatcherOptions{options.region, options.account});
    if (auto begun = started.events->Start(); !begun) return begun.error();
    engine.AddEventListener([raw = started.events.get()](const Event&) { raw->Notify(); });
  }
  if (!queue_webhooks->empty()) {
    started.queues = std::make_unique<QueueWebhooks>(store, std::move(*queue_webhooks));
    started.queues->Start();
    engine.AddEventListener([raw = started.queues.get()](const Event& event) {
      if (!event.step_name.empty() && (event.status == "Executing" || event.status == "Stopping")) {
        raw->Notify();
      }
    });
  }
  return started;
}

}  // namespace sluice

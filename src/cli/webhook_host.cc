#include "cli/webhook_host.h"

#include "engine/engine.h"

namespace sluice {

Result<std::unique_ptr<WebhookDispatcher>> StartWebhooks(const std::filesystem::path& state,
                                                         MetadataStore& store, Engine& engine,
                                                         const EngineOptions& options) {
  auto webhooks = LoadWebhooksIfPresent(state / "webhooks.json");
  if (!webhooks) return webhooks.error();
  if (webhooks->empty()) return std::unique_ptr<WebhookDispatcher>();
  auto dispatcher = std::make_unique<WebhookDispatcher>(
      store, std::move(*webhooks), DispatcherOptions{options.region, options.account});
  if (auto started = dispatcher->Start(); !started) return started.error();
  engine.AddEventListener([raw = dispatcher.get()](const Event&) { raw->Notify(); });
  return dispatcher;
}

}  // namespace sluice

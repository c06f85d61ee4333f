// Webhook delivery beside an engine (`sluice run` and `sluice serve`): the state directory's
// webhooks.json (events/webhook_config.h), delivered by a WebhookDispatcher that each committed
// event wakes, and its queues.json for Callback messages.
#pragma once

#include "base/result.h"

#include "events/queue_webhooks.h"
#include "events/webhook_dispatcher.h"
#include <filesystem>
#include <memory>

namespace sluice {

class Engine;
struct EngineOptions;

struct Webhooks {
  std::unique_ptr<WebhookDispatcher> events;  // nullptr when webhooks.json configures none
  // Callback messages of the queues in queues.json, pushed to their webhooks
  // (events/queue_webhooks.h), woken by each step that starts waiting or stopping; nullptr when
  // none is configured.
  std::unique_ptr<QueueWebhooks> queues;
};

// Errors: webhooks.json or queues.json (exit status 2), the store.
Result<Webhooks> StartWebhooks(const std::filesystem::path& state, MetadataStore& store,
                               Engine& engine, const EngineOptions& options);

}  // namespace sluice

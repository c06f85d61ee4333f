// Webhook delivery beside an engine (`sluice run` and `sluice serve`): the state directory's
// webhooks.json (events/webhook_config.h), delivered by a WebhookDispatcher that each committed
// event wakes.
#pragma once

#include "base/result.h"

#include "events/webhook_dispatcher.h"
#include <filesystem>
#include <memory>

namespace sluice {

class Engine;
struct EngineOptions;

// nullptr when no webhook is configured. Errors: webhooks.json (exit status 2), the store.
Result<std::unique_ptr<WebhookDispatcher>> StartWebhooks(const std::filesystem::path& state,
                                                         MetadataStore& store, Engine& engine,
                                                         const EngineOptions& options);

}  // namespace sluice

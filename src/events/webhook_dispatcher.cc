#include "events/webhook_dispatcher.h"

#include "runtimes/http_request.h"
#include "store/metadata_store.h"

#include "events/event_document.h"
#include "events/event_renderer.h"
#include "events/webhook_signature.h"
#include <iostream>

namespace sluice {
namespace {

constexpr size_t kBatch = 100;

void Complain(const std::string& webhook, const std::string& what) {
  std::cerr << "sluice: webhook " << webhook << ": " << what << "\n";
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(MetadataStore& store, std::vector<WebhookConfig> webhooks,
                                     DispatcherOptions options)
    : store_(store), webhooks_(std::move(webhooks)), options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

Result<void> WebhookDispatcher::Start() {
  if (webhooks_.empty()) return {};
  // The newest sequence, read page by page: only done once, at start.
  int64_t last = 0;
  for (;;) {
    auto page = store_.ListEventsOfAll(last, 1000);
    if (!page) return page.error();
    if (page->empty()) break;
    last = page->back().sequence;
  }
  for (const WebhookConfig& webhook : webhooks_) {
    auto position = store_.FindDeliveredSequence(webhook.id);
    if (!position) return position.error();
    if (!*position) {
      if (auto put = store_.PutDeliveredSequence(webhook.id, last); !put) return put.error();
    }
  }
  for (const WebhookConfig& webhook : webhooks_) {
    threads_.emplace_back([this, &webhook] { Deliver(webhook); });
  }
  return {};
}

void WebhookDispatcher::Notify() {
  {
    std::lock_guard lock(mutex_);
    ++notifications_;
  }
  wake_.notify_all();
}

bool WebhookDispatcher::Wait(std::chrono::milliseconds duration, bool is_woken_by_events) {
  std::unique_lock lock(mutex_);
  const uint64_t seen = notifications_;
  wake_.wait_for(lock, duration,
                 [&] { return is_stopping_ || (is_woken_by_events && notifications_ != seen); });
  return !is_stopping_;
}

void WebhookDispatcher::Drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool is_done = true;
    for (const WebhookConfig& webhook : webhooks_) {
      auto position = store_.FindDeliveredSequence(webhook.id);
      if (!position || !*position) break;
      auto left = store_.ListEventsOfAll(**position, 1);
      if (left && !left->empty()) is_done = false;
    }
    if (is_done || std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    is_stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void WebhookDispatcher::Deliver(const WebhookConfig& webhook) {
  EventRenderer renderer(store_, options_.region, options_.account);
  while (!is_stopping_) {
    auto position = store_.FindDeliveredSequence(webhook.id);
    if (!position || !*position) {
      Complain(webhook.id,
               position ? "its delivery position is gone" : position.error().ToString());
      if (!Wait(options_.poll_interval, true)) return;
      continue;
    }
    auto events = store_.ListEventsOfAll(**position, kBatch);
    auto rendered =
        events ? renderer.Render(*events) : Result<std::vector<RenderedEvent>>(events.error());
    if (!rendered) {
      Complain(webhook.id, rendered.error().ToString());
      if (!Wait(options_.poll_interval, true)) return;
      continue;
    }
    // Events whose execution is gone (deleted) are passed over with the rest.
    const int64_t batch_end = events->empty() ? **position : events->back().sequence;
    for (const RenderedEvent& event : *rendered) {
      if (!IsWanted(webhook, DetailType(event.event), event.pipeline_name)) continue;
      const std::string body =
          event.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      for (int retry = 0;; ++retry) {
        if (retry > 0 && !Wait(RetryDelay(retry), false)) return;
        const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        std::vector<std::string> headers = {
            "Content-Type: application/json",
            std::string(kSignatureHeader) + ": " + SignatureValue(webhook.secret, now, body),
            "X-Sluice-Event-Id: " + EventId(event.event)};
        auto answer = HttpPost(webhook.url, body, headers, options_.request_timeout);
        if (answer && answer->status >= 200 && answer->status < 300) break;
        if (answer && answer->status < 500) {
          Complain(webhook.id, "event " + std::to_string(event.event.sequence) + " refused (" +
                                   std::to_string(answer->status) + "); passed over");
          break;
        }
        if (is_stopping_) return;
      }
      if (auto put = store_.PutDeliveredSequence(webhook.id, event.event.sequence); !put) {
        Complain(webhook.id, put.error().ToString());
      }
    }
    if (batch_end != **position) {
      if (auto put = store_.PutDeliveredSequence(webhook.id, batch_end); !put) {
        Complain(webhook.id, put.error().ToString());
      }
      continue;
    }
    if (!Wait(options_.poll_interval, true)) return;
  }
}

}  // namespace sluice

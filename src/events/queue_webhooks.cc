#include "events/queue_webhooks.h"

#include "base/text.h"
#include "runtimes/http_request.h"
#include "store/metadata_store.h"

#include <nlohmann/json.hpp>

#include "events/webhook_signature.h"
#include <fstream>
#include <iostream>
#include <sstream>

namespace sluice {
namespace {

constexpr size_t kBatch = 10;
constexpr std::chrono::milliseconds kRequestTimeout{10000};

}  // namespace

Result<std::vector<QueueWebhook>> ParseQueueWebhooks(const std::string& text,
                                                     const std::string& where) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return InvalidArgument(where,
                           "expected a JSON object from queue name to {\"url\", \"secret\"}");
  }
  std::vector<QueueWebhook> webhooks;
  for (const auto& [queue, target] : document.items()) {
    const std::string at = where + ": /" + queue;
    if (!target.is_object()) return InvalidArgument(at, "expected {\"url\", \"secret\"}");
    auto url = target.find("url");
    if (url == target.end() || !url->is_string() ||
        !(url->get<std::string>().starts_with("http://") ||
          url->get<std::string>().starts_with("https://"))) {
      return InvalidArgument(at + "/url", "expected an http:// or https:// URL");
    }
    QueueWebhook webhook{queue, url->get<std::string>(), ""};
    if (auto secret = target.find("secret"); secret != target.end()) {
      if (!secret->is_string()) return InvalidArgument(at + "/secret", "expected a string");
      webhook.secret = secret->get<std::string>();
    }
    webhooks.push_back(std::move(webhook));
  }
  return webhooks;
}

Result<std::vector<QueueWebhook>> LoadQueueWebhooksIfPresent(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return std::vector<QueueWebhook>();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return ParseQueueWebhooks(text.str(), file.string());
}

QueueWebhooks::QueueWebhooks(MetadataStore& store, std::vector<QueueWebhook> webhooks,
                             std::chrono::milliseconds poll_interval)
    : store_(store), webhooks_(std::move(webhooks)), poll_interval_(poll_interval) {}

QueueWebhooks::~QueueWebhooks() { Stop(); }

void QueueWebhooks::Start() {
  thread_ = std::thread([this] { Run(); });
}

void QueueWebhooks::Notify() {
  std::lock_guard lock(mutex_);
  is_notified_ = true;
  woken_.notify_one();
}

void QueueWebhooks::Stop() {
  {
    std::lock_guard lock(mutex_);
    is_stopping_ = true;
    woken_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void QueueWebhooks::Run() {
  std::unique_lock lock(mutex_);
  while (!is_stopping_) {
    is_notified_ = false;
    lock.unlock();
    DeliverDue();
    lock.lock();
    woken_.wait_for(lock, poll_interval_, [this] { return is_notified_ || is_stopping_; });
  }
}

void QueueWebhooks::DeliverDue() {
  for (const QueueWebhook& webhook : webhooks_) {
    // Hidden for the first try's back-off while it is tried; a failure leaves it hidden longer.
    auto messages = store_.ReceiveQueueMessages(webhook.queue, kBatch, RetryDelay(1),
                                                std::chrono::system_clock::now());
    if (!messages) {
      std::cerr << "sluice: queue " << webhook.queue << ": " << messages.error().ToString() << "\n";
      continue;
    }
    for (const QueueMessage& message : *messages) {
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      const std::vector<std::string> headers = {
          "Content-Type: application/json",
          std::string(kSignatureHeader) + ": " + SignatureValue(webhook.secret, now, message.body),
          "X-Sluice-Queue: " + webhook.queue,
          "X-Sluice-Message-Id: " + std::to_string(message.sequence)};
      auto answer = HttpPost(webhook.url, message.body, headers, kRequestTimeout);
      if (answer && answer->status >= 200 && answer->status < 300) {
        if (auto deleted = store_.DeleteQueueMessage(webhook.queue, message.receipt_handle);
            !deleted) {
          std::cerr << "sluice: queue " << webhook.queue << ": " << deleted.error().ToString()
                    << "\n";
        }
        continue;
      }
      const std::string why =
          answer ? "HTTP " + std::to_string(answer->status) : answer.error().ToString();
      std::cerr << "sluice: queue " << webhook.queue << ": message " << message.sequence
                << " not taken by " << webhook.url << " (" << why << "); trying again in "
                << RetryDelay(static_cast<int>(message.receive_count) + 1).count() << " ms\n";
      const auto delay = RetryDelay(static_cast<int>(message.receive_count) + 1);
      if (auto hidden = store_.HideQueueMessage(webhook.queue, message.receipt_handle,
                                                std::chrono::system_clock::now() + delay);
          !hidden) {
        std::cerr << "sluice: queue " << webhook.queue << ": " << hidden.error().ToString() << "\n";
      }
    }
  }
}

}  // namespace sluice

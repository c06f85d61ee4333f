// Callback messages pushed to webhooks, for queues configured in the state directory's
// queues.json:
//   {"approvals": {"url": "http://host:port/path", "secret": "..."}}
// (queue name -> where its messages go; "secret" is optional). Each message of such a queue is
// POSTed as it is (the Callback's JSON body), signed as events are (X-Sluice-Signature,
// webhook_signature.h), with X-Sluice-Queue and X-Sluice-Message-Id; a 2xx answer deletes it.
// Any other answer, or none, leaves it in the store, hidden for a back-off that grows with each
// try (1 s doubling to 5 min), so delivery is at least once and survives restarts. A configured
// queue is for its webhook: a long-poll consumer of it would compete for the same messages.
//
// Thread-safety: Notify() from any thread; the rest from the owning thread.
#pragma once

#include "base/result.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice {

class MetadataStore;

struct QueueWebhook {
  std::string queue;
  std::string url;
  std::string secret;
};

// Reads `text` (from `where`, for errors); every mistake names its JSON position.
Result<std::vector<QueueWebhook>> ParseQueueWebhooks(const std::string& text,
                                                     const std::string& where);
// The file's queue webhooks; none when it does not exist.
Result<std::vector<QueueWebhook>> LoadQueueWebhooksIfPresent(const std::filesystem::path& file);

class QueueWebhooks {
 public:
  QueueWebhooks(MetadataStore& store, std::vector<QueueWebhook> webhooks,
                std::chrono::milliseconds poll_interval = std::chrono::seconds(1));
  ~QueueWebhooks();  // Stop()
  QueueWebhooks(const QueueWebhooks&) = delete;
  QueueWebhooks& operator=(const QueueWebhooks&) = delete;

  void Start();
  // Messages may have been sent; they are also looked for every poll interval.
  void Notify();
  void Stop();

 private:
  void Run();
  void DeliverDue();

  MetadataStore& store_;
  std::vector<QueueWebhook> webhooks_;
  std::chrono::milliseconds poll_interval_;
  std::mutex mutex_;
  std::condition_variable woken_;
  bool is_notified_ = false;  // guarded by mutex_
  bool is_stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace sluice

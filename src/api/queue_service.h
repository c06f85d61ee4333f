// The queues Callback steps send their messages to, served by `sluice serve` on its port. A
// queue is named by the last path segment of the step's SqsQueueUrl; its messages are in the
// store (durable), and a received one stays hidden for a visibility timeout and comes back
// unless it is deleted, as with SQS. Two shapes:
//
//   GET    /queues/<queue>/messages?wait=SECONDS&max=N&visibility=SECONDS
//          -> 200 {"Messages": [{"MessageId", "ReceiptHandle", "Body", "MD5OfBody",
//                                "ReceiveCount", "SentTimestamp"}]}
//          long-polls up to `wait` seconds (0 to 20, default 20) for at least one message; max
//          1 to 10 (default 1); visibility 0 to 43200 (default 30).
//   DELETE /queues/<queue>/messages/<receipt-handle>  -> 200 {}, or 404 when no message of the
//          queue has that handle
//
// and SQS's own JSON protocol (X-Amz-Target: AmazonSQS.ReceiveMessage, DeleteMessage,
// GetQueueUrl), so that a consumer written for SQS with boto3 ≥ 1.28 works with its
// endpoint_url pointed here. Errors are {"__type", "message"}.
//
// Thread-safety: Handle() and Notify() from any thread. Long polls wait on the service's own
// thread, never on the server's; Stop() answers them (empty) and ends it.
#pragma once

#include "api/http_server.h"

#include <memory>

namespace sluice {

class MetadataStore;

class QueueService {
 public:
  explicit QueueService(MetadataStore& store);
  ~QueueService();
  QueueService(const QueueService&) = delete;
  QueueService& operator=(const QueueService&) = delete;

  // True when the request is the queues' (a path under /queues/ or an AmazonSQS target); it is
  // then answered through `reply`.
  static bool IsQueueRequest(const HttpRequest& request);
  void Handle(HttpRequest request, HttpReply reply);
  // Messages may have been sent: waiting polls look again. (They also look on their own every
  // quarter second, for messages another process sent.)
  void Notify();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice

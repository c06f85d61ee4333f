#include "api/queue_service.h"

#include "base/crypto_library.h"
#include "base/text.h"
#include "store/metadata_store.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace sluice {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kRestPrefix = "/queues/";
constexpr std::string_view kSqsTarget = "AmazonSQS.";
constexpr auto kLookAgain = std::chrono::milliseconds(250);

struct Poll {
  std::string queue;
  size_t limit = 1;
  std::chrono::milliseconds visibility{30000};
  Clock::time_point deadline;
  HttpReply reply;
};

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  return HttpResponse{status, ErrorBody(code, message)};
}

bool IsQueueName(std::string_view name) {
  if (name.empty() || name.size() > 80) return false;
  std::string_view base = name.ends_with(".fifo") ? name.substr(0, name.size() - 5) : name;
  if (base.empty()) return false;
  for (char c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string Md5Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const CryptoLibrary& crypto = Crypto();
  crypto.EVP_Digest(text.data(), text.size(), digest, &length, crypto.EVP_md5(), nullptr);
  return LowerHex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Json MessagesJson(const std::vector<QueueMessage>& messages) {
  Json list = Json::array();
  for (const QueueMessage& message : messages) {
    list.push_back(Json{
        {"MessageId", std::to_string(message.sequence)},
        {"ReceiptHandle", message.receipt_handle},
        {"Body", message.body},
        {"MD5OfBody", Md5Hex(message.body)},
        {"ReceiveCount", message.receive_count},
        {"SentTimestamp",
         std::chrono::duration_cast<std::chrono::milliseconds>(message.sent.time_since_epoch())
             .count()},
    });
  }
  return Json{{"Messages", std::move(list)}};
}

// `name=value` pairs of a query string; values are letters, digits and a few marks here, so no
// percent-decoding is needed.
std::optional<std::string> QueryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    const size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return std::string(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return std::nullopt;
}

// A whole number from `minimum` to `maximum`, or the fallback when absent.
Result<int64_t> Bounded(const std::optional<std::string>& text, std::string_view name,
                        int64_t minimum, int64_t maximum, int64_t fallback) {
  if (!text) return fallback;
  const bool is_number = !text->empty() && text->size() <= 6 &&
                         text->find_first_not_of("0123456789") == std::string::npos;
  const int64_t value = is_number ? std::stoll(*text) : -1;
  if (!is_number || value < minimum || value > maximum) {
    return InvalidArgument(std::string(name),
                           "expected a whole number from " + std::to_string(minimum) + " to " +
                               std::to_string(maximum) + ", got " + Quote(*text));
  }
  return value;
}

Result<int64_t> JsonBounded(const Json& body, const char* name, int64_t minimum, int64_t maximum,
                            int64_t fallback) {
  auto found = body.find(name);
  if (found == body.end() || found->is_null()) return fallback;
  if (!found->is_number_integer() || found->get<int64_t>() < minimum ||
      found->get<int64_t>() > maximum) {
    return InvalidArgument(name, "expected an integer from " + std::to_string(minimum) + " to " +
                                     std::to_string(maximum) + ", got " + found->dump());
  }
  return found->get<int64_t>();
}

// The queue an SQS request's QueueUrl names: its last path segment, as a Callback step's
// SqsQueueUrl is read.
std::optional<std::string> QueueOfUrl(const Json& body) {
  auto found = body.find("QueueUrl");
  if (found == body.end() || !found->is_string()) return std::nullopt;
  std::string url = found->get<std::string>();
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string name = url.substr(url.rfind('/') + 1);
  if (!IsQueueName(name)) return std::nullopt;
  return name;
}

std::string HeaderOf(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace

struct QueueService::Impl {
  MetadataStore& store;
  std::mutex mutex;
  std::condition_variable woken;
  std::list<Poll> polls;  // guarded by mutex
  bool is_notified = false;
  bool is_stopping = false;
  std::thread waiter;

  explicit Impl(MetadataStore& given) : store(given) {
    waiter = std::thread([this] { Wait(); });
  }

  // Receives for `poll` once; answers it and returns true when there is something to answer.
  bool TryAnswer(Poll& poll, bool is_last_chance) {
    auto received = store.ReceiveQueueMessages(poll.queue, poll.limit, poll.visibility,
                                               std::chrono::system_clock::now());
    if (!received) {
      poll.reply(ErrorResponse(500, "InternalFailure", received.error().ToString()));
      return true;
    }
    if (received->empty() && !is_last_chance) return false;
    poll.reply(HttpResponse{200, MessagesJson(*received).dump()});
    return true;
  }

  void Begin(Poll poll) {
    if (TryAnswer(poll, poll.deadline <= Clock::now())) return;
    std::lock_guard lock(mutex);
    if (is_stopping) {
      poll.reply(HttpResponse{200, MessagesJson({}).dump()});
      return;
    }
    polls.push_back(std::move(poll));
    woken.notify_one();
  }

  void Wait() {
    std::unique_lock lock(mutex);
    while (!is_stopping) {
      woken.wait_for(lock, kLookAgain, [this] { return is_notified || is_stopping; });
      is_notified = false;
      if (is_stopping) break;
      std::list<Poll> now = std::move(polls);
      polls.clear();
      lock.unlock();
      const Clock::time_point at = Clock::now();
      for (auto poll = now.begin(); poll != now.end();) {
        poll = TryAnswer(*poll, poll->deadline <= at) ? now.erase(poll) : std::next(poll);
      }
      lock.lock();
      polls.splice(polls.end(), now);
    }
    for (Poll& poll : polls) poll.reply(HttpResponse{200, MessagesJson({}).dump()});
    polls.clear();
  }

  void HandleRest(const HttpRequest& request, HttpReply reply) {
    std::string_view path = request.path;
    std::string_view query;
    if (const size_t mark = path.find('?'); mark != std::string_view::npos) {
      query = path.substr(mark + 1);
      path = path.substr(0, mark);
    }
    path.remove_prefix(kRestPrefix.size());
    const size_t slash = path.find('/');
    const std::string queue(path.substr(0, slash));
    std::string_view rest = slash == std::string_view::npos ? "" : path.substr(slash);
    if (!IsQueueName(queue)) {
      return reply(ErrorResponse(400, "InvalidParameterValue",
                                 "expected /queues/<queue>/messages, where the queue name is 1 to "
                                 "80 letters, digits, - or _; got " +
                                     Quote(request.path)));
    }
    if (request.method == "GET" && rest == "/messages") {
      auto wait = Bounded(QueryValue(query, "wait"), "wait", 0, 20, 20);
      auto limit = Bounded(QueryValue(query, "max"), "max", 1, 10, 1);
      auto visibility = Bounded(QueryValue(query, "visibility"), "visibility", 0, 43200, 30);
      for (const auto* checked : {&wait, &limit, &visibility}) {
        if (!*checked) {
          return reply(ErrorResponse(400, "InvalidParameterValue", checked->error().ToString()));
        }
      }
      return Begin(Poll{queue, static_cast<size_t>(*limit), std::chrono::seconds(*visibility),
                        Clock::now() + std::chrono::seconds(*wait), std::move(reply)});
    }
    if (request.method == "DELETE" && rest.starts_with("/messages/") && rest.size() > 10) {
      return Delete(queue, rest.substr(10), std::move(reply));
    }
    reply(ErrorResponse(404, "UnknownOperationException",
                        "expected GET /queues/<queue>/messages or DELETE "
                        "/queues/<queue>/messages/<receipt-handle>, got " +
                            request.method + " " + Quote(request.path)));
  }

  void Delete(const std::string& queue, std::string_view receipt, HttpReply reply) {
    auto deleted = store.DeleteQueueMessage(queue, receipt);
    if (!deleted) return reply(ErrorResponse(500, "InternalFailure", deleted.error().ToString()));
    if (!*deleted) {
      return reply(ErrorResponse(404, "ReceiptHandleIsInvalid",
                                 "no message of queue " + Quote(queue) + " has receipt handle " +
                                     Quote(receipt) +
                                     " (deleted already, or received again since)"));
    }
    reply(HttpResponse{200, "{}"});
  }

  void HandleSqs(const HttpRequest& request, HttpReply reply) {
    const std::string operation = request.target.substr(kSqsTarget.size());
    Json body = Json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return reply(ErrorResponse(400, "InvalidParameterValue", "the body is not a JSON object"));
    }
    if (operation == "GetQueueUrl") {
      auto name = body.find("QueueName");
      if (name == body.end() || !name->is_string() || !IsQueueName(name->get<std::string>())) {
        return reply(ErrorResponse(400, "InvalidParameterValue",
                                   "QueueName: expected 1 to 80 letters, digits, - or _"));
      }
      const std::string host = HeaderOf(request, "host");
      return reply(HttpResponse{
          200, Json{{"QueueUrl", "http://" + host + "/000000000000/" + name->get<std::string>()}}
                   .dump()});
    }
    const std::optional<std::string> queue = QueueOfUrl(body);
    if (!queue) {
      return reply(ErrorResponse(400, "InvalidParameterValue",
                                 "QueueUrl: expected a queue URL whose last path segment is the "
                                 "queue name"));
    }
    if (operation == "ReceiveMessage") {
      auto wait = JsonBounded(body, "WaitTimeSeconds", 0, 20, 0);
      auto limit = JsonBounded(body, "MaxNumberOfMessages", 1, 10, 1);
      auto visibility = JsonBounded(body, "VisibilityTimeout", 0, 43200, 30);
      for (const auto* checked : {&wait, &limit, &visibility}) {
        if (!*checked) {
          return reply(ErrorResponse(400, "InvalidParameterValue", checked->error().ToString()));
        }
      }
      return Begin(Poll{*queue, static_cast<size_t>(*limit), std::chrono::seconds(*visibility),
                        Clock::now() + std::chrono::seconds(*wait), std::move(reply)});
    }
    if (operation == "DeleteMessage") {
      auto receipt = body.find("ReceiptHandle");
      if (receipt == body.end() || !receipt->is_string()) {
        return reply(ErrorResponse(400, "MissingParameter", "ReceiptHandle: required"));
      }
      return Delete(*queue, receipt->get<std::string>(), std::move(reply));
    }
    reply(ErrorResponse(400, "UnsupportedOperation",
                        "AmazonSQS." + operation +
                            " is not served here (ReceiveMessage, DeleteMessage and GetQueueUrl "
                            "are)"));
  }
};

QueueService::QueueService(MetadataStore& store) : impl_(std::make_unique<Impl>(store)) {}

QueueService::~QueueService() { Stop(); }

bool QueueService::IsQueueRequest(const HttpRequest& request) {
  return request.path.starts_with(kRestPrefix) || request.target.starts_with(kSqsTarget);
}

void QueueService::Handle(HttpRequest request, HttpReply reply) {
  if (request.target.starts_with(kSqsTarget)) return impl_->HandleSqs(request, std::move(reply));
  impl_->HandleRest(request, std::move(reply));
}

void QueueService::Notify() {
  std::lock_guard lock(impl_->mutex);
  impl_->is_notified = true;
  impl_->woken.notify_one();
}

void QueueService::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->is_stopping) return;
    impl_->is_stopping = true;
    impl_->woken.notify_one();
  }
  if (impl_->waiter.joinable()) impl_->waiter.join();
}

}  // namespace sluice

#include "events/event_stream.h"

#include "store/metadata_store.h"

#include "events/event_renderer.h"
#include <iostream>

namespace sluice {
namespace {

constexpr size_t kPage = 500;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecoded(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      decoded += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
               HexDigit(text[i + 2]) >= 0) {
      decoded += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

std::optional<int64_t> SequenceOf(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != text.npos) {
    return std::nullopt;
  }
  return std::stoll(text);
}

HttpResponse Refusal(int status, const std::string& code, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = ErrorBody(code, message);
  return response;
}

bool IsExecutionEnd(const Event& event) {
  return event.step_name.empty() &&
         (event.status == "Succeeded" || event.status == "Failed" || event.status == "Stopped");
}

}  // namespace

std::string QueryParameter(const std::string& target, const std::string& name) {
  const size_t question = target.find('?');
  if (question == std::string::npos) return "";
  std::string_view query(target);
  query.remove_prefix(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t equals = pair.find('=');
    if (PercentDecoded(pair.substr(0, equals)) == name) {
      return equals == std::string_view::npos ? "" : PercentDecoded(pair.substr(equals + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

EventStreamService::EventStreamService(MetadataStore& store, EventStreamOptions options)
    : store_(store), options_(std::move(options)), thread_([this] { Run(); }) {}

EventStreamService::~EventStreamService() { Stop(); }

void EventStreamService::Handle(HttpRequest request, HttpReply reply) {
  const std::string path = request.path.substr(0, request.path.find('?'));
  if (path != "/events") {
    return reply(Refusal(404, "UnknownOperationException",
                         "GET serves /events only; SageMaker operations are POST /"));
  }
  Subscriber subscriber;
  const std::string execution = QueryParameter(request.path, "execution");
  subscriber.execution_id = execution.substr(execution.rfind('/') + 1);
  std::string after = QueryParameter(request.path, "after");
  for (const auto& [name, value] : request.headers) {
    if (name == "last-event-id" && !value.empty()) after = value;
  }
  if (!after.empty()) {
    const std::optional<int64_t> sequence = SequenceOf(after);
    if (!sequence) {
      return reply(Refusal(
          400, "ValidationException",
          "after (or Last-Event-ID): expected an event sequence number, got \"" + after + "\""));
    }
    subscriber.after = *sequence;
  }
  if (!subscriber.execution_id.empty()) {
    auto found = store_.FindExecution(subscriber.execution_id);
    if (!found) return reply(Refusal(500, "InternalFailure", found.error().ToString()));
    if (!*found) {
      return reply(Refusal(404, "ResourceNotFound",
                           "execution: no execution \"" + execution + "\" is known here"));
    }
  }
  HttpResponse response;
  response.stream_content_type = "text/event-stream";
  response.stream = [this, subscriber](std::shared_ptr<HttpStream> stream) mutable {
    subscriber.stream = std::move(stream);
    subscriber.last_write = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      if (is_stopping_) return subscriber.stream->Close();
      added_.push_back(std::move(subscriber));
      ++notifications_;
    }
    wake_.notify_all();
  };
  reply(std::move(response));
}

void EventStreamService::Notify() {
  {
    std::lock_guard lock(mutex_);
    ++notifications_;
  }
  wake_.notify_all();
}

void EventStreamService::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (is_stopping_ && !thread_.joinable()) return;
    is_stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventStreamService::Run() {
  std::vector<Subscriber> subscribers;
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.poll_interval,
                     [&] { return is_stopping_ || notifications_ != seen; });
      seen = notifications_;
      for (Subscriber& added : added_) subscribers.push_back(std::move(added));
      added_.clear();
      if (is_stopping_) break;
    }
    std::vector<Subscriber> kept;
    for (Subscriber& subscriber : subscribers) {
      if (Serve(subscriber)) {
        kept.push_back(std::move(subscriber));
      } else {
        subscriber.stream->Close();
      }
    }
    subscribers = std::move(kept);
  }
  for (Subscriber& subscriber : subscribers) subscriber.stream->Close();
}

bool EventStreamService::Serve(Subscriber& subscriber) {
  if (!subscriber.stream->is_open()) return false;
  EventRenderer renderer(store_, options_.region, options_.account);
  for (;;) {
    auto events = subscriber.execution_id.empty()
                      ? store_.ListEventsOfAll(subscriber.after, kPage)
                      : store_.ListEvents(subscriber.execution_id, subscriber.after);
    if (!events) {
      std::cerr << "sluice: /events: " << events.error().ToString() << "\n";
      return true;
    }
    if (events->empty()) break;
    auto rendered = renderer.Render(*events);
    if (!rendered) {
      std::cerr << "sluice: /events: " << rendered.error().ToString() << "\n";
      return true;
    }
    for (const RenderedEvent& event : *rendered) {
      const std::string message =
          "id: " + std::to_string(event.event.sequence) + "\ndata: " +
          event.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
      if (!subscriber.stream->Write(message)) return false;
      subscriber.last_write = std::chrono::steady_clock::now();
    }
    subscriber.after = events->back().sequence;
    if (!subscriber.execution_id.empty() && IsExecutionEnd(events->back())) return false;
    if (events->size() < kPage || !subscriber.execution_id.empty()) break;
  }
  if (std::chrono::steady_clock::now() - subscriber.last_write >= options_.keep_alive) {
    if (!subscriber.stream->Write(": keep-alive\n\n")) return false;
    subscriber.last_write = std::chrono::steady_clock::now();
  }
  return true;
}

}  // namespace sluice

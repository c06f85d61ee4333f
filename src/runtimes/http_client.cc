#include "runtimes/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <deque>
#include <memory>

namespace sluice {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;
using Multi = std::unique_ptr<CURLM, MultiDeleter>;

Error TransportError(const std::string& url, CURLcode code, const char* detail) {
  std::string message = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') message += ": " + std::string(detail);
  return MakeError(ErrorCode::kUnavailable, url, message);
}

// One request in flight: its easy handle and what the handle points into.
struct Transfer {
  std::string url;
  PostRequest request;
  int attempts = 0;
  Easy easy;
  std::string response_body;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

PostOutcome Outcome(Transfer& transfer, CURLcode result, long status) {
  if (result != CURLE_OK) {
    return PostOutcome{transfer.request.id,
                       TransportError(transfer.url, result, transfer.error_buffer)};
  }
  return PostOutcome{transfer.request.id,
                     HttpClientResponse{status, std::move(transfer.response_body)}};
}

}  // namespace

CurlSession::CurlSession() { curl_global_init(CURL_GLOBAL_DEFAULT); }
CurlSession::~CurlSession() { curl_global_cleanup(); }

ParallelPoster::ParallelPoster(std::string url, std::vector<std::string> headers, int max_in_flight,
                               std::chrono::seconds timeout, int max_retries)
    : url_(std::move(url)),
      headers_(std::move(headers)),
      max_in_flight_(max_in_flight < 1 ? 1 : max_in_flight),
      timeout_(timeout),
      max_retries_(max_retries) {}

Result<void> ParallelPoster::Run(const std::function<std::optional<PostRequest>()>& next,
                                 const std::function<Result<void>(PostOutcome)>& done) {
  Multi multi(curl_multi_init());
  if (!multi) return MakeError(ErrorCode::kInternal, url_, "curl_multi_init failed");
  // Reusing connections is what keeps thousands of small requests cheap.
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(max_in_flight_));

  HeaderList header_list;
  for (const std::string& header : headers_) {
    header_list.reset(curl_slist_append(header_list.release(), header.c_str()));
  }
  // Without this curl waits for "100 Continue" before sending bodies over 1 MB.
  header_list.reset(curl_slist_append(header_list.release(), "Expect:"));

  std::deque<std::unique_ptr<Transfer>> retries;
  std::vector<std::unique_ptr<Transfer>> in_flight;
  bool has_more = true;

  auto start = [&](std::unique_ptr<Transfer> transfer) {
    transfer->attempts += 1;
    transfer->response_body.clear();
    transfer->easy.reset(curl_easy_init());
    CURL* easy = transfer->easy.get();
    curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(transfer->request.body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, static_cast<long>(timeout_.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->response_body);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error_buffer);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_multi_add_handle(multi.get(), easy);
    in_flight.push_back(std::move(transfer));
  };

  auto fill = [&] {
    while (static_cast<int>(in_flight.size()) < max_in_flight_) {
      if (!retries.empty()) {
        start(std::move(retries.front()));
        retries.pop_front();
        continue;
      }
      if (!has_more) return;
      std::optional<PostRequest> request = next();
      if (!request) {
        has_more = false;
        return;
      }
      auto transfer = std::make_unique<Transfer>();
      transfer->url = url_;
      transfer->request = std::move(*request);
      start(std::move(transfer));
    }
  };

  fill();
  while (!in_flight.empty()) {
    int running = 0;
    if (CURLMcode code = curl_multi_perform(multi.get(), &running); code != CURLM_OK) {
      return MakeError(ErrorCode::kInternal, url_, curl_multi_strerror(code));
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* finished = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &finished);
      const CURLcode result = message->data.result;
      curl_multi_remove_handle(multi.get(), message->easy_handle);
      auto owner = std::find_if(in_flight.begin(), in_flight.end(),
                                [&](const auto& transfer) { return transfer.get() == finished; });
      std::unique_ptr<Transfer> transfer = std::move(*owner);
      in_flight.erase(owner);

      long status = 0;
      if (result == CURLE_OK) {
        curl_easy_getinfo(transfer->easy.get(), CURLINFO_RESPONSE_CODE, &status);
      }
      const bool is_retryable = result != CURLE_OK || status >= 500;
      if (is_retryable && transfer->attempts <= max_retries_) {
        retries.push_back(std::move(transfer));
        continue;
      }
      if (Result<void> accepted = done(Outcome(*transfer, result, status)); !accepted) {
        for (const auto& remaining : in_flight) {
          curl_multi_remove_handle(multi.get(), remaining->easy.get());
        }
        return accepted;
      }
    }
    fill();
    if (!in_flight.empty()) curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
  }
  return {};
}

}  // namespace sluice

// A webhook receiver for the events' tests, on a loopback socket.
#pragma once

#include <arpa/inet.h>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sluice::testing {

// A webhook receiver on a loopback socket: answers the first `failures` requests 500, the rest
// 200, and keeps every request it received.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 16);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  struct Request {
    std::string head;
    std::string body;
    int answered = 0;
  };
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void Serve() {
    for (;;) {
      const int connection = accept(listener_, nullptr, nullptr);
      if (connection < 0) return;
      std::string data;
      char buffer[4096];
      size_t body_start = std::string::npos;
      size_t length = 0;
      for (;;) {
        const ssize_t got = read(connection, buffer, sizeof buffer);
        if (got <= 0) break;
        data.append(buffer, static_cast<size_t>(got));
        if (body_start == std::string::npos && (body_start = data.find("\r\n\r\n")) != data.npos) {
          body_start += 4;
          const size_t field = data.find("Content-Length: ");
          length = field == data.npos ? 0 : std::stoul(data.substr(field + 16));
        }
        if (body_start != std::string::npos && data.size() >= body_start + length) break;
      }
      Request request{data.substr(0, body_start), data.substr(body_start), 0};
      {
        std::lock_guard lock(mutex_);
        request.answered = static_cast<int>(requests_.size()) < failures_ ? 500 : 200;
        requests_.push_back(request);
      }
      const std::string answer = "HTTP/1.1 " + std::to_string(request.answered) +
                                 " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)write(connection, answer.data(), answer.size());
      close(connection);
    }
  }

  int failures_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Request> requests_;
};

inline std::string HeaderValue(const std::string& head, const std::string& name) {
  const size_t at = head.find(name + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 2;
  return head.substr(start, head.find("\r\n", start) - start);
}

}  // namespace sluice::testing

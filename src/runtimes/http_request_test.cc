#include "runtimes/http_request.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

namespace sluice {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Handler = std::function<Response(const Request&)>;

// A server on a loopback port that answers `connections` connections, one request each, with
// what `handler` returns (plain HTTP, or TLS when given a context), then stops.
class Server {
 public:
  Server(int connections, Handler handler, asio::ssl::context* tls = nullptr)
      : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    thread_ = std::thread([this, connections, handler = std::move(handler), tls] {
      for (int served = 0; served < connections; ++served) {
        tcp::socket socket(io_);
        acceptor_.accept(socket);
        boost::system::error_code ignored;
        if (tls == nullptr) {
          Answer(socket, handler);
          socket.shutdown(tcp::socket::shutdown_both, ignored);
          continue;
        }
        asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
        stream.handshake(asio::ssl::stream_base::server, ignored);
        if (!ignored) Answer(stream, handler);
      }
    });
  }
  ~Server() { thread_.join(); }

  int port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& scheme, const std::string& host,
                  const std::string& path) const {
    return scheme + "://" + host + ":" + std::to_string(port()) + path;
  }

 private:
  template <typename Stream>
  static void Answer(Stream& stream, const Handler& handler) {
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    boost::system::error_code error;
    http::read(stream, buffer, parser, error);
    if (error) return;
    Response response = handler(parser.get());
    response.prepare_payload();
    http::write(stream, response, error);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

Response Answer(http::status status, std::string body) {
  Response response(status, 11);
  response.body() = std::move(body);
  return response;
}

TEST(HttpRequestTest, GetReturnsTheStatusAndBodyOfAnyAnswer) {
  Server server(2, [](const Request& request) {
    if (request.target() == "/ping?deep=1") return Answer(http::status::ok, "pong");
    return Answer(http::status::not_found, "no such path");
  });
  auto found = HttpGet(server.url("http", "127.0.0.1", "/ping?deep=1"), std::chrono::seconds(5));
  ASSERT_TRUE(found) << found.error().ToString();
  EXPECT_EQ(found->status, 200);
  EXPECT_EQ(found->body, "pong");
  auto missing = HttpGet(server.url("http", "localhost", "/other"), std::chrono::seconds(5));
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "no such path");
}

TEST(HttpRequestTest, PostSendsTheBodyAndHeaders) {
  Request received;
  int port = 0;
  {
    Server server(1, [&](const Request& request) {
      received = request;
      return Answer(http::status::accepted, "{\"ok\": true}");
    });
    port = server.port();
    const std::string body(3 * 1024 * 1024, 'x');  // larger than one socket buffer
    auto answer = HttpPost(server.url("http", "127.0.0.1", "/invoke"), body,
                           {"Content-Type: application/json", "X-Signature:  sha256=abc"},
                           std::chrono::seconds(10));
    ASSERT_TRUE(answer) << answer.error().ToString();
    EXPECT_EQ(answer->status, 202);
    EXPECT_EQ(answer->body, "{\"ok\": true}");
  }
  EXPECT_EQ(received.method(), http::verb::post);
  EXPECT_EQ(received.target(), "/invoke");
  EXPECT_EQ(received.body().size(), 3u * 1024 * 1024);
  EXPECT_EQ(received[http::field::content_type], "application/json");
  EXPECT_EQ(received["X-Signature"], "sha256=abc");
  EXPECT_EQ(received[http::field::host], "127.0.0.1:" + std::to_string(port));
}

TEST(HttpRequestTest, ARefusedConnectionIsAnErrorNamingTheUrl) {
  int port = 0;
  {
    asio::io_context io;
    tcp::acceptor closed(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = closed.local_endpoint().port();
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  auto answer = HttpPost(url, "{}", {}, std::chrono::seconds(5));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().where, url);
  EXPECT_NE(answer.error().message.find("connecting to 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << answer.error().message;
  EXPECT_NE(answer.error().message.find("refused"), std::string::npos) << answer.error().message;
}

TEST(HttpRequestTest, AServerThatNeverAnswersTimesOut) {
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  // The connection is queued by the kernel and never read: the request waits for an answer.
  const auto started = std::chrono::steady_clock::now();
  auto answer = HttpGet(url, std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().message, "timed out after 300 ms reading the answer");
  EXPECT_LT(took, std::chrono::seconds(10));  // bounded, not hung
}

TEST(HttpRequestTest, MalformedUrlsAreRejectedWithTheReason) {
  const std::chrono::seconds timeout(1);
  EXPECT_EQ(HttpGet("ftp://example.com/x", timeout).error().message,
            "expected an http:// or https:// URL");
  EXPECT_EQ(HttpGet("http://example.com:99999/", timeout).error().message,
            "expected a port from 1 to 65535, got '99999'");
  EXPECT_EQ(HttpGet("http:///path", timeout).error().message, "the URL has no host");
  EXPECT_EQ(HttpGet("http://user:secret@example.com/", timeout).error().message,
            "user names and passwords in URLs are not supported");
  EXPECT_EQ(HttpPost("http://127.0.0.1:1/", "", {"no colon"}, timeout).error().message,
            "expected a 'Name: value' header, got 'no colon'");
}

// A self-signed certificate for "localhost" and its key, in PEM.
struct Certificate {
  std::string certificate;
  std::string key;
};

Certificate SelfSigned() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* names =
      X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "DNS:localhost");
  X509_add_ext(cert.get(), names, -1);
  X509_EXTENSION_free(names);
  X509_sign(cert.get(), key.get(), EVP_sha256());

  auto pem = [](auto write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    write(bio.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  };
  return Certificate{
      pem([&](BIO* bio) { PEM_write_bio_X509(bio, cert.get()); }), pem([&](BIO* bio) {
        PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
      })};
}

class HttpsTest : public testing::Test {
 protected:
  void SetUp() override {
    const Certificate made = SelfSigned();
    tls_.use_certificate(asio::buffer(made.certificate), asio::ssl::context::pem);
    tls_.use_private_key(asio::buffer(made.key), asio::ssl::context::pem);
    trusted_ = std::filesystem::path(testing::TempDir()) / "http_request_test_ca.pem";
    std::ofstream(trusted_) << made.certificate;
  }
  void TearDown() override {
    unsetenv("SSL_CERT_FILE");
    std::filesystem::remove(trusted_);
  }
  void Trust() { setenv("SSL_CERT_FILE", trusted_.c_str(), 1); }

  asio::ssl::context tls_{asio::ssl::context::tls_server};
  std::filesystem::path trusted_;
};

TEST_F(HttpsTest, PostsOverTlsToATrustedServer) {
  Trust();
  Server server(
      1, [](const Request& request) { return Answer(http::status::ok, request.body()); }, &tls_);
  auto answer = HttpPost(server.url("https", "localhost", "/invoke"), "{\"event\": 1}",
                         {"Content-Type: application/json"}, std::chrono::seconds(10));
  ASSERT_TRUE(answer) << answer.error().ToString();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "{\"event\": 1}");
}

TEST_F(HttpsTest, RefusesACertificateItDoesNotTrust) {
  // The system's trust store does not know this certificate.
  Server server(
      1, [](const Request&) { return Answer(http::status::ok, "secret"); }, &tls_);
  auto answer = HttpGet(server.url("https", "localhost", "/"), std::chrono::seconds(10));
  ASSERT_FALSE(answer);
  EXPECT_NE(answer.error().message.find("TLS handshake with localhost:"), std::string::npos)
      << answer.error().message;
  EXPECT_NE(answer.error().message.find("certificate verify failed"), std::string::npos)
      << answer.error().message;
}

TEST_F(HttpsTest, RefusesACertificateForAnotherHost) {
  Trust();
  // The certificate names localhost, not the address.
  Server server(
      1, [](const Request&) { return Answer(http::status::ok, "secret"); }, &tls_);
  auto answer = HttpGet(server.url("https", "127.0.0.1", "/"), std::chrono::seconds(10));
  ASSERT_FALSE(answer);
  EXPECT_NE(answer.error().message.find("certificate verify failed"), std::string::npos)
      << answer.error().message;
}

}  // namespace
}  // namespace sluice

#include "api/sigv4.h"

#include <gtest/gtest.h>

#include <ctime>

namespace sluice {
namespace {

// AWS's published SigV4 test suite: key, scope and time shared by all its cases.
constexpr char kVectorKeyId[] = "AKIDEXAMPLE";
constexpr char kVectorSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kVectorDate[] = "20150830T123600Z";
constexpr char kVectorCredential[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

std::chrono::system_clock::time_point VectorTime() {
  std::tm fields{};
  fields.tm_year = 2015 - 1900;
  fields.tm_mon = 7;
  fields.tm_mday = 30;
  fields.tm_hour = 12;
  fields.tm_min = 36;
  return std::chrono::system_clock::from_time_t(timegm(&fields));
}

const SigV4Options kVectorOptions{.service = "service"};

SigV4Keys VectorKeys() { return {{kVectorKeyId, SigV4Key{kVectorSecret, ""}}}; }

// get-vanilla: GET / with only Host and X-Amz-Date.
HttpRequest GetVanilla() {
  HttpRequest request;
  request.method = "GET";
  request.path = "/";
  request.headers = {
      {"host", "example.amazonaws.com"},
      {"x-amz-date", kVectorDate},
      {"authorization",
       std::string(kVectorCredential) +
           "SignedHeaders=host;x-amz-date, "
           "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
  };
  return request;
}

// post-x-www-form-urlencoded: a form body under a signed Content-Type.
HttpRequest PostForm() {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {
      {"content-type", "application/x-www-form-urlencoded"},
      {"host", "example.amazonaws.com"},
      {"x-amz-date", kVectorDate},
      {"authorization",
       std::string(kVectorCredential) +
           "SignedHeaders=content-type;host;x-amz-date, "
           "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
  };
  request.body = "Param1=value1";
  return request;
}

void SetHeader(HttpRequest& request, const std::string& name, const std::string& value) {
  for (auto& [header, old] : request.headers) {
    if (header == name) {
      old = value;
      return;
    }
  }
  request.headers.emplace_back(name, value);
}

std::optional<SigV4Refusal> Verify(const HttpRequest& request,
                                   std::chrono::system_clock::time_point now = VectorTime()) {
  return VerifySigV4(request, VectorKeys(), now, kVectorOptions);
}

TEST(SigV4Test, AcceptsTheGetVanillaVector) { EXPECT_EQ(Verify(GetVanilla()), std::nullopt); }

TEST(SigV4Test, AcceptsThePostFormVector) { EXPECT_EQ(Verify(PostForm()), std::nullopt); }

TEST(SigV4Test, AcceptsTheQueryOrderVectorWithItsParametersUnsorted) {
  // get-vanilla-query-order-key-case: the parameters are sorted before signing.
  HttpRequest request = GetVanilla();
  request.path = "/?Param2=value2&Param1=value1";
  SetHeader(request, "authorization",
            std::string(kVectorCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  EXPECT_EQ(Verify(request), std::nullopt);
}

TEST(SigV4Test, AcceptsTheVectorWithinTheAllowedSkewOnly) {
  using std::chrono::minutes;
  EXPECT_EQ(Verify(GetVanilla(), VectorTime() + minutes(14)), std::nullopt);
  EXPECT_EQ(Verify(GetVanilla(), VectorTime() - minutes(14)), std::nullopt);
  const auto late = Verify(GetVanilla(), VectorTime() + minutes(16));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->code, "InvalidSignatureException");
  EXPECT_EQ(late->message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T125200Z - 15 min.)");
  const auto early = Verify(GetVanilla(), VectorTime() - minutes(16));
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->code, "InvalidSignatureException");
  EXPECT_NE(early->message.find("Signature not yet current"), std::string::npos);
}

TEST(SigV4Test, RefusesATamperedBody) {
  HttpRequest request = PostForm();
  request.body = "Param1=value2";
  const auto refusal = Verify(request);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 403);
  EXPECT_EQ(refusal->code, "InvalidSignatureException");
  EXPECT_EQ(refusal->message.rfind("The request signature we calculated does not match", 0), 0u);
}

TEST(SigV4Test, RefusesTamperedSignedHeadersPathAndMethod) {
  HttpRequest header = PostForm();
  SetHeader(header, "content-type", "application/json");
  EXPECT_EQ(Verify(header)->code, "InvalidSignatureException");
  HttpRequest path = GetVanilla();
  path.path = "/other";
  EXPECT_EQ(Verify(path)->code, "InvalidSignatureException");
  HttpRequest query = GetVanilla();
  query.path = "/?a=b";
  EXPECT_EQ(Verify(query)->code, "InvalidSignatureException");
  HttpRequest method = GetVanilla();
  method.method = "POST";
  EXPECT_EQ(Verify(method)->code, "InvalidSignatureException");
}

TEST(SigV4Test, IgnoresHeadersThatAreNotSigned) {
  HttpRequest request = GetVanilla();
  request.headers.emplace_back("user-agent", "anything");
  EXPECT_EQ(Verify(request), std::nullopt);
}

TEST(SigV4Test, RefusesAWrongSecret) {
  SigV4Keys keys{{kVectorKeyId, SigV4Key{"not the secret", ""}}};
  const auto refusal = VerifySigV4(GetVanilla(), keys, VectorTime(), kVectorOptions);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, "InvalidSignatureException");
}

TEST(SigV4Test, RefusesAnUnknownKey) {
  SigV4Keys keys{{"AKIDOTHER", SigV4Key{kVectorSecret, ""}}};
  const auto refusal = VerifySigV4(GetVanilla(), keys, VectorTime(), kVectorOptions);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, "UnrecognizedClientException");
  EXPECT_EQ(refusal->message, "The security token included in the request is invalid.");
}

TEST(SigV4Test, RefusesAnotherService) {
  const auto refusal = VerifySigV4(GetVanilla(), VectorKeys(), VectorTime());  // "sagemaker"
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, "IncompleteSignatureException");
}

TEST(SigV4Test, RequiresTheConfiguredSessionToken) {
  SigV4Keys keys{{kVectorKeyId, SigV4Key{kVectorSecret, "the-token"}}};
  const auto missing = VerifySigV4(GetVanilla(), keys, VectorTime(), kVectorOptions);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->code, "UnrecognizedClientException");
  HttpRequest wrong = GetVanilla();
  wrong.headers.emplace_back("x-amz-security-token", "another-token");
  EXPECT_EQ(VerifySigV4(wrong, keys, VectorTime(), kVectorOptions)->code,
            "UnrecognizedClientException");
  HttpRequest right = GetVanilla();
  right.headers.emplace_back("x-amz-security-token", "the-token");  // not signed: still valid
  EXPECT_EQ(VerifySigV4(right, keys, VectorTime(), kVectorOptions), std::nullopt);
}

TEST(SigV4Test, RefusesAMissingHeaderAsMissingToken) {
  HttpRequest request = GetVanilla();
  request.headers.pop_back();
  const auto refusal = Verify(request);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, "MissingAuthenticationTokenException");
  EXPECT_EQ(refusal->message, "Missing Authentication Token");
}

TEST(SigV4Test, RefusesMalformedHeadersAsIncomplete) {
  for (const std::string authorization :
       {"garbage", "", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ,,,", "Bearer abc",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/other, "
        "SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-not-sent, Signature=00"}) {
    HttpRequest request = GetVanilla();
    SetHeader(request, "authorization", authorization);
    const auto refusal = Verify(request);
    ASSERT_TRUE(refusal.has_value()) << authorization;
    EXPECT_EQ(refusal->status, 403);
    EXPECT_EQ(refusal->code, "IncompleteSignatureException") << authorization;
    EXPECT_FALSE(refusal->message.empty());
  }
}

TEST(SigV4Test, RefusesAMissingOrMalformedDate) {
  HttpRequest missing = GetVanilla();
  missing.headers.erase(missing.headers.begin() + 1);
  EXPECT_EQ(Verify(missing)->code, "IncompleteSignatureException");
  HttpRequest malformed = GetVanilla();
  SetHeader(malformed, "x-amz-date", "2015-08-30T12:36:00Z");
  EXPECT_EQ(Verify(malformed)->code, "IncompleteSignatureException");
}

TEST(SigV4Test, RefusesAContentDigestThatIsNotTheBodys) {
  HttpRequest request = PostForm();
  request.headers.emplace_back("x-amz-content-sha256", std::string(64, '0'));
  EXPECT_EQ(Verify(request)->code, "InvalidSignatureException");
}

TEST(SigV4Test, CanonicalisesPathsAsBotocoreDoes) {
  EXPECT_EQ(SigV4CanonicalUri(""), "/");
  EXPECT_EQ(SigV4CanonicalUri("/?a=b"), "/");
  EXPECT_EQ(SigV4CanonicalUri("/example/.."), "/");
  EXPECT_EQ(SigV4CanonicalUri("//example//"), "/example/");
  EXPECT_EQ(SigV4CanonicalUri("/./a/../b"), "/b");
  EXPECT_EQ(SigV4CanonicalUri("/\xE1\x88\xB4"), "/%E1%88%B4");     // get-utf8
  EXPECT_EQ(SigV4CanonicalUri("/%E1%88%B4"), "/%25E1%2588%25B4");  // encoded twice
  EXPECT_EQ(SigV4CanonicalUri("/-._~0aA"), "/-._~0aA");
}

TEST(SigV4Test, CanonicalisesQueriesSortedAndEncoded) {
  EXPECT_EQ(SigV4CanonicalQuery("/"), "");
  EXPECT_EQ(SigV4CanonicalQuery("/?Param2=value2&Param1=value1"), "Param1=value1&Param2=value2");
  EXPECT_EQ(SigV4CanonicalQuery("/?Param1=value2&Param1=Value1"), "Param1=Value1&Param1=value2");
  EXPECT_EQ(SigV4CanonicalQuery("/?\xE1\x88\xB4=bar"), "%E1%88%B4=bar");
  EXPECT_EQ(SigV4CanonicalQuery("/?a=%2f&b"), "a=%2F&b=");
  EXPECT_EQ(SigV4CanonicalQuery("/?a=b c"), "a=b%20c");
}

}  // namespace
}  // namespace sluice

// Verification of AWS Signature Version 4 request signatures (AWS4-HMAC-SHA256 in the
// Authorization header), the way SageMaker checks them, so that a `sluice serve` reachable
// beyond loopback answers only clients holding a configured key. A pure function of the
// request, the keys and the time: stateless and thread-safe.
//
// What is checked, and what AWS answers (codes and messages as AWS services send them):
// - no Authorization header: MissingAuthenticationTokenException "Missing Authentication Token";
// - a header that is not AWS4-HMAC-SHA256 with Credential, SignedHeaders and Signature, a
//   credential scope that is not KEY/DATE/REGION/SERVICE/aws4_request, a missing X-Amz-Date, or
//   a signed header that was not sent: IncompleteSignatureException naming what is wrong;
// - an access key id that is not configured, or a session token other than the one configured
//   with the key: UnrecognizedClientException "The security token included in the request is
//   invalid.";
// - an X-Amz-Date more than 15 minutes from now: InvalidSignatureException "Signature expired:
//   ..." (or "Signature not yet current: ...");
// - any other mismatch (signature, scope date, x-amz-content-sha256 not the body's digest):
//   InvalidSignatureException "The request signature we calculated does not match ...".
// All refusals are HTTP 403. Any region is accepted: the signature is computed for the region
// the client named, as clients of a local endpoint pick one freely.
#pragma once

#include "api/http_server.h"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

struct SigV4Key {
  std::string secret_access_key;
  // Empty: the key has no session token, and one a client sends is covered by the signature
  // like any header but not compared. Otherwise requests must carry exactly this token.
  std::string session_token;
};

// Access key id -> key.
using SigV4Keys = std::map<std::string, SigV4Key, std::less<>>;

struct SigV4Refusal {
  int status = 403;
  std::string code;  // the "__type" of the error body
  std::string message;
};

struct SigV4Options {
  std::string service = "sagemaker";  // the service the credential scope must name
  std::chrono::seconds allowed_skew{15 * 60};
};

// nullopt when the request is signed by one of `keys`.
std::optional<SigV4Refusal> VerifySigV4(const HttpRequest& request, const SigV4Keys& keys,
                                        std::chrono::system_clock::time_point now,
                                        const SigV4Options& options = {});

// The steps of the signature, for tests that compare them with AWS's published ones.
std::string SigV4CanonicalUri(std::string_view path_and_query);
std::string SigV4CanonicalQuery(std::string_view path_and_query);

}  // namespace sluice

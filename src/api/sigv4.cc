#include "api/sigv4.h"

#include "api/sigv4_crypto.h"
#include "base/text.h"

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

namespace sluice {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

SigV4Refusal Refuse(std::string code, std::string message) {
  return SigV4Refusal{403, std::move(code), std::move(message)};
}

SigV4Refusal Incomplete(std::string message) {
  return Refuse("IncompleteSignatureException", std::move(message));
}

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void AppendEscaped(std::string& out, unsigned char c) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  out += '%';
  out += kHexDigits[c >> 4];
  out += kHexDigits[c & 0xf];
}

// Query components keep the escapes a client already made (upper-cased) and escape whatever
// it left raw, so that "%E1%88%B4" and the raw UTF-8 bytes canonicalise alike, as AWS does.
std::string EscapeQueryComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == '%' && i + 2 < text.size() && IsHexDigit(text[i + 1]) &&
               IsHexDigit(text[i + 2])) {
      out += '%';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i + 1])));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i + 2])));
      i += 2;
    } else {
      AppendEscaped(out, c);
    }
  }
  return out;
}

// "YYYYMMDDTHHMMSSZ", as X-Amz-Date carries it.
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto digits = [&](size_t at, size_t count) -> std::optional<int> {
    int value = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto year = digits(0, 4), month = digits(4, 2), day = digits(6, 2);
  const auto hour = digits(9, 2), minute = digits(11, 2), second = digits(13, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  std::tm fields{};
  fields.tm_year = *year - 1900;
  fields.tm_mon = *month - 1;
  fields.tm_mday = *day;
  fields.tm_hour = *hour;
  fields.tm_min = *minute;
  fields.tm_sec = *second;
  return std::chrono::system_clock::from_time_t(timegm(&fields));
}

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm fields{};
  gmtime_r(&seconds, &fields);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &fields);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

struct Authorization {
  std::string_view credential;
  std::string_view signed_headers;
  std::string_view signature;
};

std::optional<SigV4Refusal> ParseAuthorization(std::string_view header, Authorization& parsed) {
  const std::string quoted = "Authorization=" + std::string(header);
  const size_t space = header.find(' ');
  const std::string_view algorithm = header.substr(0, space);
  if (algorithm != kAlgorithm) {
    return Incomplete("Unsupported AWS 'algorithm': '" + std::string(algorithm) + "', expected '" +
                      std::string(kAlgorithm) + "'. " + quoted);
  }
  const std::string_view rest = space == std::string_view::npos ? "" : header.substr(space + 1);
  for (std::string_view part : Split(rest, ',')) {
    part = Trim(part);
    const size_t equals = part.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = part.substr(0, equals);
    const std::string_view value = part.substr(equals + 1);
    if (name == "Credential") parsed.credential = value;
    if (name == "SignedHeaders") parsed.signed_headers = value;
    if (name == "Signature") parsed.signature = value;
  }
  std::string missing;
  if (parsed.credential.empty())
    missing += "Authorization header requires 'Credential' parameter. ";
  if (parsed.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (parsed.signed_headers.empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!missing.empty()) return Incomplete(missing + quoted);
  return std::nullopt;
}

std::vector<std::string_view> HeaderValues(const HttpRequest& request, std::string_view name) {
  std::vector<std::string_view> values;
  for (const auto& [header, value] : request.headers) {
    if (header == name) values.push_back(value);
  }
  return values;
}

// Trimmed, runs of spaces as one; several headers of one name joined with commas.
std::string CanonicalHeaderValue(const std::vector<std::string_view>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    bool was_space = false;
    for (const char c : Trim(values[i])) {
      const bool is_space = c == ' ' || c == '\t';
      if (is_space && was_space) continue;
      out += is_space ? ' ' : c;
      was_space = is_space;
    }
  }
  return out;
}

}  // namespace

std::string SigV4CanonicalUri(std::string_view path_and_query) {
  const std::string_view path = path_and_query.substr(0, path_and_query.find('?'));
  // Dot segments and empty segments go, as botocore normalises before it signs.
  std::vector<std::string_view> segments;
  for (const std::string_view segment : Split(path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  // Every byte but unreserved ones is escaped, a client's own escapes included: services other
  // than S3 sign the path encoded twice.
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    for (const char c : segments[i]) {
      const auto byte = static_cast<unsigned char>(c);
      if (IsUnreserved(byte)) {
        out += c;
      } else {
        AppendEscaped(out, byte);
      }
    }
  }
  if (!segments.empty() && !path.empty() && path.back() == '/') out += '/';
  return out;
}

std::string SigV4CanonicalQuery(std::string_view path_and_query) {
  const size_t question = path_and_query.find('?');
  if (question == std::string_view::npos) return "";
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string_view pair : Split(path_and_query.substr(question + 1), '&')) {
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    pairs.emplace_back(EscapeQueryComponent(pair.substr(0, equals)),
                       equals == std::string_view::npos
                           ? std::string()
                           : EscapeQueryComponent(pair.substr(equals + 1)));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += '&';
    out += key + "=" + value;
  }
  return out;
}

std::optional<SigV4Refusal> VerifySigV4(const HttpRequest& request, const SigV4Keys& keys,
                                        std::chrono::system_clock::time_point now,
                                        const SigV4Options& options) {
  const std::vector<std::string_view> authorization = HeaderValues(request, "authorization");
  if (authorization.empty()) {
    return Refuse("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  Authorization parsed;
  if (auto refusal = ParseAuthorization(Trim(authorization.front()), parsed)) return refusal;

  const std::vector<std::string_view> scope = Split(parsed.credential, '/');
  if (scope.size() != 5 || scope[0].empty() || scope[1].empty() || scope[2].empty()) {
    return Incomplete("Credential should be KEY/DATE/REGION/SERVICE/aws4_request, got '" +
                      std::string(parsed.credential) + "'.");
  }
  if (scope[3] != options.service) {
    return Incomplete("Credential should be scoped to correct service: '" + options.service +
                      "'. ");
  }
  if (scope[4] != kTerminator) {
    return Incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(scope[4]) + "'. ");
  }
  const auto key = keys.find(scope[0]);
  if (key == keys.end()) {
    return Refuse("UnrecognizedClientException",
                  "The security token included in the request is invalid.");
  }
  if (!key->second.session_token.empty()) {
    const std::vector<std::string_view> tokens = HeaderValues(request, "x-amz-security-token");
    if (tokens.size() != 1 || !ConstantTimeEquals(tokens.front(), key->second.session_token)) {
      return Refuse("UnrecognizedClientException",
                    "The security token included in the request is invalid.");
    }
  }

  const std::vector<std::string_view> dates = HeaderValues(request, "x-amz-date");
  if (dates.empty()) {
    return Incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=" +
        std::string(authorization.front()));
  }
  const std::string amz_date(Trim(dates.front()));
  const auto signed_at = ParseAmzDate(amz_date);
  if (!signed_at) {
    return Incomplete(
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '" + amz_date +
        "'.");
  }
  if (*signed_at < now - options.allowed_skew) {
    return Refuse("InvalidSignatureException",
                  "Signature expired: " + amz_date + " is now earlier than " +
                      FormatAmzDate(now - options.allowed_skew) + " (" + FormatAmzDate(now) +
                      " - " + std::to_string(options.allowed_skew.count() / 60) + " min.)");
  }
  if (*signed_at > now + options.allowed_skew) {
    return Refuse("InvalidSignatureException",
                  "Signature not yet current: " + amz_date + " is still later than " +
                      FormatAmzDate(now + options.allowed_skew) + " (" + FormatAmzDate(now) +
                      " + " + std::to_string(options.allowed_skew.count() / 60) + " min.)");
  }
  if (scope[1] != std::string_view(amz_date).substr(0, 8)) {
    return Refuse("InvalidSignatureException",
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                  "from HTTP: '" +
                      std::string(scope[1]) + "' != '" + amz_date.substr(0, 8) + "', from '" +
                      amz_date + "'.");
  }

  std::string canonical_headers;
  bool is_host_signed = false;
  for (const std::string_view name : Split(parsed.signed_headers, ';')) {
    const std::vector<std::string_view> values = HeaderValues(request, name);
    if (values.empty()) {
      return Incomplete("Signed header '" + std::string(name) + "' is not in the request. ");
    }
    if (name == "host") is_host_signed = true;
    canonical_headers += std::string(name) + ":" + CanonicalHeaderValue(values) + "\n";
  }
  if (!is_host_signed) {
    return Incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  const std::string body_digest = LowerHex(Sha256(request.body));
  const std::vector<std::string_view> content_digests =
      HeaderValues(request, "x-amz-content-sha256");
  // A client may name the body's digest in a header, which is then what it signs; a digest
  // that is not the body's would let the body be replaced, so it is refused.
  if (!content_digests.empty() && Trim(content_digests.front()) != body_digest) {
    return Refuse("InvalidSignatureException",
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const std::string canonical_request = request.method + "\n" + SigV4CanonicalUri(request.path) +
                                        "\n" + SigV4CanonicalQuery(request.path) + "\n" +
                                        canonical_headers + "\n" +
                                        std::string(parsed.signed_headers) + "\n" + body_digest;
  const std::string credential_scope = std::string(scope[1]) + "/" + std::string(scope[2]) + "/" +
                                       std::string(scope[3]) + "/" + std::string(kTerminator);
  const std::string string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" +
                                     credential_scope + "\n" + LowerHex(Sha256(canonical_request));
  std::string signing_key = HmacSha256("AWS4" + key->second.secret_access_key, scope[1]);
  signing_key = HmacSha256(signing_key, scope[2]);
  signing_key = HmacSha256(signing_key, scope[3]);
  signing_key = HmacSha256(signing_key, kTerminator);
  const std::string signature = LowerHex(HmacSha256(signing_key, string_to_sign));
  if (!ConstantTimeEquals(signature, parsed.signature)) {
    return Refuse("InvalidSignatureException", std::string(kMismatch));
  }
  return std::nullopt;
}

}  // namespace sluice

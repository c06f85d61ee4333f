#include "api/sigv4_keys.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

Result<bool> AddKey(SigV4Keys& keys, std::string id, std::string secret, std::string token,
                    const std::string& where) {
  if (id.empty() || secret.empty()) {
    return InvalidArgument(where, "expected an access key id and a secret access key");
  }
  if (keys.count(id) > 0) return InvalidArgument(where, "access key id " + id + " appears twice");
  keys.emplace(std::move(id), SigV4Key{std::move(secret), std::move(token)});
  return true;
}

Result<SigV4Keys> ParseJsonKeys(std::string_view text, std::string_view where) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) return InvalidArgument(std::string(where), "is not valid JSON");
  const nlohmann::json entries = document.is_array() ? document : nlohmann::json::array({document});
  SigV4Keys keys;
  for (size_t i = 0; i < entries.size(); ++i) {
    const nlohmann::json& entry = entries[i];
    const std::string at = std::string(where) + "[" + std::to_string(i) + "]";
    auto text_of = [&](const char* name) -> std::optional<std::string> {
      if (!entry.is_object() || !entry.contains(name)) return std::string();
      if (!entry[name].is_string()) return std::nullopt;
      return entry[name].get<std::string>();
    };
    const auto id = text_of("AccessKeyId");
    const auto secret = text_of("SecretAccessKey");
    const auto token = text_of("SessionToken");
    if (!entry.is_object() || !id || !secret || !token) {
      return InvalidArgument(at,
                             "expected an object of strings AccessKeyId, SecretAccessKey "
                             "and optionally SessionToken");
    }
    if (auto added = AddKey(keys, *id, *secret, *token, at); !added) return added.error();
  }
  return keys;
}

}  // namespace

Result<SigV4Keys> ParseSigV4Keys(std::string_view text, std::string_view where) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    return ParseJsonKeys(text, where);
  }
  SigV4Keys keys;
  std::istringstream lines{std::string(text)};
  std::string line;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    std::istringstream words(line);
    std::string id, secret, token, extra;
    words >> id;
    if (id.empty() || id.front() == '#') continue;
    words >> secret >> token >> extra;
    const std::string at = std::string(where) + ":" + std::to_string(number);
    if (!extra.empty()) {
      return InvalidArgument(at, "expected ACCESS_KEY_ID SECRET_ACCESS_KEY [SESSION_TOKEN]");
    }
    if (auto added = AddKey(keys, id, secret, token, at); !added) return added.error();
  }
  return keys;
}

Result<SigV4Keys> LoadSigV4Keys(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return InvalidArgument(file.string(), "cannot read the credentials file");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseSigV4Keys(text.str(), file.string());
}

Result<bool> AddSigV4KeyFromEnvironment(SigV4Keys& keys) {
  const char* id = std::getenv("SLUICE_ACCESS_KEY_ID");
  const char* secret = std::getenv("SLUICE_SECRET_ACCESS_KEY");
  const char* token = std::getenv("SLUICE_SESSION_TOKEN");
  const bool has_id = id != nullptr && *id != '\0';
  const bool has_secret = secret != nullptr && *secret != '\0';
  if (!has_id && !has_secret) return false;
  if (!has_secret) return InvalidArgument("SLUICE_SECRET_ACCESS_KEY", "is not set");
  if (!has_id) return InvalidArgument("SLUICE_ACCESS_KEY_ID", "is not set");
  return AddKey(keys, id, secret, token != nullptr ? token : "", "SLUICE_ACCESS_KEY_ID");
}

}  // namespace sluice

#include "events/webhook_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

Result<std::vector<std::string>> StringList(const nlohmann::json& value, const std::string& where) {
  if (!value.is_array()) return InvalidArgument(where, "expected an array of strings");
  std::vector<std::string> list;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      return InvalidArgument(where + "/" + std::to_string(i), "expected a string");
    }
    list.push_back(value[i].get<std::string>());
  }
  return list;
}

}  // namespace

Result<std::vector<WebhookConfig>> ParseWebhooks(const std::string& text,
                                                 const std::string& where) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) return InvalidArgument(where, "not valid JSON");
  if (!document.is_array()) {
    return InvalidArgument(where + ": /", "expected an array of webhooks");
  }
  std::vector<WebhookConfig> webhooks;
  for (size_t i = 0; i < document.size(); ++i) {
    const std::string at = where + ": /" + std::to_string(i);
    const nlohmann::json& entry = document[i];
    if (!entry.is_object()) return InvalidArgument(at, "expected an object with \"url\"");
    for (const auto& [key, value] : entry.items()) {
      if (key != "id" && key != "url" && key != "secret" && key != "filter") {
        return InvalidArgument(at + "/" + key,
                               "unknown member; expected id, url, secret or filter");
      }
    }
    WebhookConfig webhook;
    if (!entry.contains("url") || !entry["url"].is_string()) {
      return InvalidArgument(at + "/url", "expected the URL to POST events to, a string");
    }
    webhook.url = entry["url"].get<std::string>();
    if (webhook.url.rfind("http://", 0) != 0 && webhook.url.rfind("https://", 0) != 0) {
      return InvalidArgument(at + "/url",
                             "expected an http:// or https:// URL, got \"" + webhook.url + "\"");
    }
    if (entry.contains("secret")) {
      if (!entry["secret"].is_string()) return InvalidArgument(at + "/secret", "expected a string");
      webhook.secret = entry["secret"].get<std::string>();
    }
    webhook.id = webhook.url;
    if (entry.contains("id")) {
      if (!entry["id"].is_string() || entry["id"].get<std::string>().empty()) {
        return InvalidArgument(at + "/id", "expected a non-empty string");
      }
      webhook.id = entry["id"].get<std::string>();
    }
    if (entry.contains("filter")) {
      const nlohmann::json& filter = entry["filter"];
      if (!filter.is_object()) return InvalidArgument(at + "/filter", "expected an object");
      for (const auto& [key, value] : filter.items()) {
        auto list = StringList(value, at + "/filter/" + key);
        if (!list) return list.error();
        if (key == "detail-types") {
          webhook.detail_types = std::move(*list);
        } else if (key == "pipelines") {
          webhook.pipelines = std::move(*list);
        } else {
          return InvalidArgument(at + "/filter/" + key,
                                 "unknown member; expected detail-types or pipelines");
        }
      }
    }
    for (const WebhookConfig& earlier : webhooks) {
      if (earlier.id == webhook.id) {
        return InvalidArgument(
            at, "a second webhook named \"" + webhook.id + "\"; give one of them an \"id\"");
      }
    }
    webhooks.push_back(std::move(webhook));
  }
  return webhooks;
}

Result<std::vector<WebhookConfig>> LoadWebhooksIfPresent(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return std::vector<WebhookConfig>{};
  std::ifstream input(file);
  if (!input) return MakeError(ErrorCode::kIo, file.string(), "cannot be read");
  std::stringstream text;
  text << input.rdbuf();
  return ParseWebhooks(text.str(), file.string());
}

bool IsWanted(const WebhookConfig& webhook, const std::string& detail_type,
              const std::string& pipeline_name) {
  auto allows = [](const std::vector<std::string>& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return allows(webhook.detail_types, detail_type) && allows(webhook.pipelines, pipeline_name);
}

}  // namespace sluice

// Webhooks, as configured in the state directory's webhooks.json:
//   [{"url": "http://host:port/path", "secret": "...",
//     "filter": {"detail-types": ["SageMaker Model Building Pipeline Execution Status Change"],
//                "pipelines": ["abalone"]}}]
// "filter" and each of its members are optional; an event passes when it matches every
// member given. A webhook is known by its "id", else by its URL: its delivery position is kept
// under that name.
#pragma once

#include "base/result.h"

#include <filesystem>
#include <string>
#include <vector>

namespace sluice {

struct WebhookConfig {
  std::string id;
  std::string url;
  std::string secret;
  std::vector<std::string> detail_types;  // empty: any
  std::vector<std::string> pipelines;     // empty: any
};

// Reads `text` (from `where`, for errors); every mistake names its JSON position.
Result<std::vector<WebhookConfig>> ParseWebhooks(const std::string& text, const std::string& where);
// The file's webhooks; none when it does not exist.
Result<std::vector<WebhookConfig>> LoadWebhooksIfPresent(const std::filesystem::path& file);

bool IsWanted(const WebhookConfig& webhook, const std::string& detail_type,
              const std::string& pipeline_name);

}  // namespace sluice

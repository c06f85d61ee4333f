#include "engine/step_cache.h"

#include "artifacts/sha256.h"
#include "base/text.h"
#include "definition/json.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace sluice {
namespace {

// Raised when the material's layout changes, so that no entry written before is compared field by
// field with one written after.
constexpr int64_t kKeyVersion = 1;
constexpr size_t kShownDigest = 12;
constexpr size_t kShownValue = 80;

const Value* At(const Value& document, std::initializer_list<std::string_view> path) {
  const Value* current = &document;
  for (std::string_view key : path) {
    current = current->Find(key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

std::string StringAt(const Value& document, std::initializer_list<std::string_view> path) {
  const Value* found = At(document, path);
  return found != nullptr && found->is_string() ? found->as_string() : "";
}

void AddUnique(std::vector<std::string>& uris, std::string uri) {
  if (uri.empty() || std::find(uris.begin(), uris.end(), uri) != uris.end()) return;
  uris.push_back(std::move(uri));
}

// The list at `key`, or an empty one.
const Value::List& ListAt(const Value& document, std::string_view key) {
  static const Value::List kEmpty;
  const Value* found = document.Find(key);
  return found != nullptr && found->is_list() ? found->as_list() : kEmpty;
}

// "s3://…/sourcedir.tar.gz" as the SDK writes it: a JSON-encoded string, or plain text.
std::string SubmitDirectory(const Value& arguments) {
  const Value* given = At(arguments, {"HyperParameters", "sagemaker_submit_directory"});
  if (given == nullptr || !given->is_string()) return "";
  std::string text = given->as_string();
  if (auto decoded = ParseJson(text); decoded && decoded->is_string()) text = decoded->as_string();
  if (!text.empty() && text.front() == '/') text = "file://" + text;
  return text;
}

Value Sorted(const Value& value) {
  if (value.is_list()) {
    Value::List items;
    items.reserve(value.as_list().size());
    for (const Value& item : value.as_list()) items.push_back(Sorted(item));
    return Value(std::move(items));
  }
  if (!value.is_map()) return value;
  Value::Map members;
  members.reserve(value.as_map().size());
  for (const Member& member : value.as_map()) {
    members.push_back(Member{member.key, Sorted(member.value)});
  }
  std::sort(members.begin(), members.end(),
            [](const Member& a, const Member& b) { return a.key < b.key; });
  return Value(std::move(members));
}

std::string Abbreviated(const std::string& digest) {
  return digest.size() > kShownDigest ? digest.substr(0, kShownDigest) + "…" : digest;
}

std::string Rendered(const Value* value) {
  if (value == nullptr) return "(absent)";
  std::string text = WriteJson(*value);
  if (text.size() > kShownValue) text = text.substr(0, kShownValue) + "…";
  return text;
}

bool IsPlainName(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string MemberPath(const std::string& path, const std::string& key) {
  if (!IsPlainName(key)) return path + "[" + Quote(key) + "]";
  return path.empty() ? key : path + "." + key;
}

std::vector<std::string> KeysOf(const Value* earlier, const Value* current) {
  std::set<std::string> keys;
  for (const Value* document : {earlier, current}) {
    if (document == nullptr || !document->is_map()) continue;
    for (const Member& member : document->as_map()) keys.insert(member.key);
  }
  return {keys.begin(), keys.end()};
}

void AddValueDifferences(const std::string& path, const Value* earlier, const Value* current,
                         std::vector<std::string>& differences) {
  if (earlier == nullptr && current == nullptr) return;
  if (earlier != nullptr && current != nullptr && *earlier == *current) return;
  if (earlier != nullptr && current != nullptr && earlier->is_map() && current->is_map()) {
    for (const std::string& key : KeysOf(earlier, current)) {
      AddValueDifferences(MemberPath(path, key), earlier->Find(key), current->Find(key),
                          differences);
    }
    return;
  }
  if (earlier != nullptr && current != nullptr && earlier->is_list() && current->is_list()) {
    const Value::List& before = earlier->as_list();
    const Value::List& after = current->as_list();
    for (size_t i = 0; i < std::max(before.size(), after.size()); ++i) {
      AddValueDifferences(path + "[" + std::to_string(i) + "]",
                          i < before.size() ? &before[i] : nullptr,
                          i < after.size() ? &after[i] : nullptr, differences);
    }
    return;
  }
  differences.push_back(path + " " + Rendered(earlier) + " -> " + Rendered(current));
}

std::string DigestOf(const Value* objects, const std::string& uri) {
  const Value* digest = objects != nullptr ? objects->Find(uri) : nullptr;
  return digest != nullptr && digest->is_string() ? digest->as_string() : "";
}

void AddInputDifferences(const Value* earlier, const Value* current,
                         std::vector<std::string>& differences) {
  for (const std::string& input : KeysOf(earlier, current)) {
    const Value* before = earlier != nullptr ? earlier->Find(input) : nullptr;
    const Value* after = current != nullptr ? current->Find(input) : nullptr;
    if (before == nullptr) {
      differences.push_back("input " + input + ": not read by the earlier run");
      continue;
    }
    if (after == nullptr) {
      differences.push_back("input " + input + ": no longer read");
      continue;
    }
    if (*before == *after) continue;
    for (const std::string& object : KeysOf(before, after)) {
      const std::string old_digest = DigestOf(before, object);
      const std::string new_digest = DigestOf(after, object);
      if (old_digest == new_digest) continue;
      // A single object read by its own URI is the common case: say it the short way.
      const std::string what = "input " + input + " changed: " + (object == input ? "" : object);
      const std::string separator = object == input ? "" : " ";
      if (old_digest.empty()) {
        differences.push_back(what + separator + "added");
      } else if (new_digest.empty()) {
        differences.push_back(what + separator + "removed");
      } else {
        differences.push_back(what + separator + "sha256 " + Abbreviated(old_digest) + " -> " +
                              Abbreviated(new_digest));
      }
    }
  }
}

CacheDecision Missed(std::string why, std::optional<CacheEntry> compared) {
  CacheDecision decision;
  decision.outcome = CacheOutcome::kMissed;
  decision.reason = "missed: " + why;
  decision.source = std::move(compared);
  return decision;
}

}  // namespace

const std::vector<std::string_view>* KeyAttributesOf(StepType type) {
  struct Row {
    StepType type;
    std::vector<std::string_view> attributes;
  };
  static const std::vector<Row> kTable = {
      {StepType::kProcessing, {"AppSpecification", "Environment", "ProcessingInputs"}},
      {StepType::kTraining,
       {"AlgorithmSpecification", "CheckpointConfig", "DebugHookConfig", "DebugRuleConfigurations",
        "Environment", "HyperParameters", "InputDataConfig"}},
      {StepType::kTransform, {"DataProcessing", "Environment", "ModelName", "TransformInput"}},
  };
  for (const Row& row : kTable) {
    if (row.type == type) return &row.attributes;
  }
  return nullptr;
}

CachePlan PlanCache(const StepSpec& spec, bool is_cache_disabled) {
  CachePlan plan;
  if (KeyAttributesOf(spec.type) == nullptr) return plan;
  if (!spec.rare().cache_config) {
    plan.reason = "not cached: no CacheConfig";
    return plan;
  }
  if (!spec.rare().cache_config->is_enabled) {
    plan.reason = "not cached: CacheConfig.Enabled is false";
    return plan;
  }
  plan.is_keyed = true;
  plan.expire_after = spec.rare().cache_config->expire_after;
  for (const Member& field : spec.fields) {
    if (field.key != "CacheConfig") continue;
    if (const Value* written = field.value.Find("ExpireAfter"); written && written->is_string()) {
      plan.expire_after_text = written->as_string();
    }
  }
  if (plan.expire_after && plan.expire_after_text.empty()) {
    plan.expire_after_text = "PT" + std::to_string(plan.expire_after->count()) + "S";
  }
  if (is_cache_disabled) {
    plan.reason = "not cached: --no-cache";
    return plan;
  }
  plan.is_looked_up = true;
  return plan;
}

std::vector<std::string> InputUrisOf(StepType type, const Value& arguments) {
  std::vector<std::string> uris;
  if (type == StepType::kProcessing) {
    for (const Value& input : ListAt(arguments, "ProcessingInputs")) {
      AddUnique(uris, StringAt(input, {"S3Input", "S3Uri"}));
    }
  } else if (type == StepType::kTraining) {
    for (const Value& channel : ListAt(arguments, "InputDataConfig")) {
      AddUnique(uris, StringAt(channel, {"DataSource", "S3DataSource", "S3Uri"}));
    }
    AddUnique(uris, SubmitDirectory(arguments));
  } else if (type == StepType::kTransform) {
    AddUnique(uris, StringAt(arguments, {"TransformInput", "DataSource", "S3DataSource", "S3Uri"}));
  }
  return uris;
}

std::vector<std::string> OutputUrisOf(StepType type, const Value& properties) {
  std::vector<std::string> uris;
  if (type == StepType::kProcessing) {
    if (const Value* config = properties.Find("ProcessingOutputConfig")) {
      for (const Value& output : ListAt(*config, "Outputs")) {
        AddUnique(uris, StringAt(output, {"S3Output", "S3Uri"}));
      }
    }
  } else if (type == StepType::kTraining) {
    AddUnique(uris, StringAt(properties, {"ModelArtifacts", "S3ModelArtifacts"}));
  } else if (type == StepType::kTransform) {
    AddUnique(uris, StringAt(properties, {"TransformOutput", "S3OutputPath"}));
  }
  return uris;
}

Value BuildKeyMaterial(StepType type, const Value& arguments,
                       const std::vector<InputDigests>& inputs) {
  Value selected = Value::EmptyMap();
  if (const auto* attributes = KeyAttributesOf(type)) {
    for (std::string_view attribute : *attributes) {
      if (const Value* value = arguments.Find(attribute)) {
        selected.Set(std::string(attribute), *value);
      }
    }
  }
  Value digests = Value::EmptyMap();
  for (const InputDigests& input : inputs) {
    Value objects = Value::EmptyMap();
    for (const ObjectDigest& object : input.objects) objects.Set(object.uri, object.sha256);
    digests.Set(input.uri, std::move(objects));
  }
  Value material = Value::EmptyMap();
  material.Set("Arguments", std::move(selected));
  material.Set("Inputs", std::move(digests));
  material.Set("KeyVersion", kKeyVersion);
  material.Set("Type", std::string(InfoOf(type).name));
  return Sorted(material);
}

std::string CanonicalJson(const Value& value) { return WriteJson(Sorted(value)); }

std::string CacheKeyOf(const Value& material) { return Sha256Hex(CanonicalJson(material)); }

std::vector<std::string> DifferencesBetween(const Value& earlier, const Value& current) {
  std::vector<std::string> differences;
  const Value* old_version = earlier.Find("KeyVersion");
  const Value* new_version = current.Find("KeyVersion");
  if (old_version == nullptr || new_version == nullptr || !(*old_version == *new_version)) {
    // Materials of two layouts cannot be compared field by field.
    differences.push_back("the cache key format changed: version " + Rendered(old_version) +
                          " -> " + Rendered(new_version));
    return differences;
  }
  AddValueDifferences("Type", earlier.Find("Type"), current.Find("Type"), differences);
  AddValueDifferences("", earlier.Find("Arguments"), current.Find("Arguments"), differences);
  AddInputDifferences(earlier.Find("Inputs"), current.Find("Inputs"), differences);
  return differences;
}

CacheDecision NotCached(std::string why) {
  CacheDecision decision;
  decision.outcome = CacheOutcome::kNotCached;
  decision.reason = why.rfind("not cached: ", 0) == 0 ? std::move(why) : "not cached: " + why;
  return decision;
}

CacheIndex::CacheIndex(std::vector<CacheEntry> entries) {
  for (CacheEntry& entry : entries) {
    std::string step = entry.step_name;
    newest_first_[std::move(step)].push_back(std::move(entry));
  }
  for (auto& [step, list] : newest_first_) {
    std::stable_sort(list.begin(), list.end(), [](const CacheEntry& a, const CacheEntry& b) {
      return a.created > b.created;
    });
  }
}

CacheIndex CacheIndex::Unreadable(std::string why) {
  CacheIndex index;
  index.unreadable_reason_ = std::move(why);
  return index;
}

CacheCandidates CacheIndex::CandidatesFor(std::string_view step_name,
                                          std::string_view cache_key) const {
  CacheCandidates candidates;
  auto found = newest_first_.find(step_name);
  if (found == newest_first_.end() || found->second.empty()) return candidates;
  candidates.latest = found->second.front();
  for (const CacheEntry& entry : found->second) {
    if (entry.cache_key != cache_key) continue;
    candidates.same_key = entry;
    break;
  }
  return candidates;
}

bool HasExpired(const CacheEntry& entry, TimePoint now,
                const std::optional<std::chrono::seconds>& expire_after) {
  return expire_after.has_value() && now - entry.created > *expire_after;
}

CacheDecision Decide(const CacheQuestion& question) {
  const CacheCandidates& candidates = question.candidates;
  if (candidates.same_key) {
    const CacheEntry& entry = *candidates.same_key;
    if (HasExpired(entry, question.now, question.expire_after)) {
      return Missed("the earlier run expired (ExpireAfter " + question.expire_after_text + ")",
                    entry);
    }
    if (!question.missing_outputs.empty()) {
      return Missed("outputs of the earlier run are gone: " + Join(question.missing_outputs, ", "),
                    entry);
    }
    CacheDecision decision;
    decision.outcome = CacheOutcome::kHit;
    decision.reason = "hit: execution " + entry.execution_id + " step " + entry.step_name +
                      " attempt " + std::to_string(entry.attempt);
    decision.source = entry;
    return decision;
  }
  if (!candidates.latest) return Missed("no earlier run", std::nullopt);
  const CacheEntry& latest = *candidates.latest;
  std::vector<std::string> differences;
  if (auto earlier = ParseJson(latest.material_json); earlier) {
    differences = DifferencesBetween(*earlier, question.material);
  } else {
    differences.push_back("the earlier run's key material cannot be read: " +
                          earlier.error().ToString());
  }
  if (differences.empty()) {
    differences.push_back("cache key " + Abbreviated(latest.cache_key) + " -> " +
                          Abbreviated(question.cache_key));
  }
  std::string why = differences.front();
  if (differences.size() > 1) {
    const size_t more = differences.size() - 1;
    why += " (and " + std::to_string(more) + " more difference" + (more == 1 ? "" : "s") + ")";
  }
  CacheDecision decision = Missed(std::move(why), latest);
  decision.differences = std::move(differences);
  return decision;
}

CacheDecisionRecord DecisionRecordOf(const CacheDecision& decision, std::string execution_id,
                                     std::string step_name, int64_t attempt, std::string cache_key,
                                     TimePoint now) {
  CacheDecisionRecord record;
  record.execution_id = std::move(execution_id);
  record.step_name = std::move(step_name);
  record.attempt = attempt;
  record.outcome = decision.outcome;
  record.reason = decision.reason;
  record.cache_key = std::move(cache_key);
  if (decision.source) {
    record.compared_execution_id = decision.source->execution_id;
    record.compared_attempt = decision.source->attempt;
  }
  record.differences = decision.differences;
  record.decided = now;
  return record;
}

}  // namespace sluice

#include "engine/cache_lookup.h"

#include "artifacts/artifact_store.h"
#include "artifacts/sha256.h"
#include "base/clock.h"
#include "definition/json.h"

#include <algorithm>

namespace sluice {
namespace {

Result<std::vector<InputDigests>> DigestInputs(ArtifactStore& artifacts,
                                               const std::vector<std::string>& uris) {
  std::vector<InputDigests> inputs;
  inputs.reserve(uris.size());
  for (const std::string& uri : uris) {
    auto objects = artifacts.List(uri);
    if (!objects) {
      return MakeError(objects.error().code, uri, "cannot be read: " + objects.error().message);
    }
    InputDigests input{uri, {}};
    input.objects.reserve(objects->size());
    for (const ObjectInfo& object : *objects) {
      auto digest = artifacts.Digest(object.uri);
      if (!digest) {
        return MakeError(digest.error().code, object.uri,
                         "cannot be read: " + digest.error().message);
      }
      input.objects.push_back(ObjectDigest{object.uri, std::move(*digest)});
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

std::vector<std::string> StringsOf(const std::string& json_list) {
  std::vector<std::string> strings;
  auto parsed = ParseJson(json_list);
  if (!parsed || !parsed->is_list()) return strings;
  for (const Value& item : parsed->as_list()) {
    if (item.is_string()) strings.push_back(item.as_string());
  }
  return strings;
}

}  // namespace

CacheLookup LookUpStepCache(const CachePlan& plan, const StepContext& context,
                            const StepHandler& handler, const CacheIndex& index,
                            const Clock& clock) {
  CacheLookup lookup;
  const StepType type = context.spec.type;
  auto arguments = ResolveArguments(context);
  if (!arguments) {
    lookup.decision = NotCached("the arguments do not resolve: " + arguments.error().ToString());
    return lookup;
  }
  std::vector<std::string> uris = InputUrisOf(type, *arguments);
  auto indirect = handler.IndirectInputs(context, *arguments);
  if (!indirect) {
    lookup.decision = NotCached(indirect.error().ToString());
    return lookup;
  }
  for (std::string& uri : *indirect) {
    if (std::find(uris.begin(), uris.end(), uri) == uris.end()) uris.push_back(std::move(uri));
  }
  auto inputs = DigestInputs(context.artifacts, uris);
  if (!inputs) {
    lookup.decision = NotCached("input " + inputs.error().ToString());
    return lookup;
  }

  CacheQuestion question;
  question.material = BuildKeyMaterial(type, *arguments, *inputs);
  CacheEntry& entry = lookup.entry.emplace();
  entry.pipeline_name = context.execution.pipeline_name;
  entry.step_name = context.spec.name;
  // BuildKeyMaterial's document is sorted already: its plain JSON is its canonical JSON, and
  // hashing that text is CacheKeyOf() without writing it twice.
  entry.material_json = WriteJson(question.material);
  entry.cache_key = Sha256Hex(entry.material_json);
  question.cache_key = entry.cache_key;
  if (!plan.is_looked_up) {
    lookup.decision = NotCached(plan.reason);
    return lookup;
  }

  if (!index.unreadable_reason().empty()) {
    lookup.decision = NotCached("the earlier runs cannot be read: " + index.unreadable_reason());
    return lookup;
  }
  question.candidates = index.CandidatesFor(entry.step_name, question.cache_key);
  question.now = clock.Now();
  question.expire_after = plan.expire_after;
  question.expire_after_text = plan.expire_after_text;
  if (const auto& same_key = question.candidates.same_key;
      same_key && !HasExpired(*same_key, question.now, question.expire_after)) {
    const std::vector<std::string> recorded = StringsOf(same_key->outputs_json);
    const std::vector<std::string> existing = ExistingOutputs(context.artifacts, recorded);
    for (const std::string& uri : recorded) {
      if (std::find(existing.begin(), existing.end(), uri) == existing.end()) {
        question.missing_outputs.push_back(uri);
      }
    }
  }
  lookup.decision = Decide(question);
  return lookup;
}

std::vector<std::string> ExistingOutputs(ArtifactStore& artifacts,
                                         const std::vector<std::string>& uris) {
  std::vector<std::string> existing;
  for (const std::string& uri : uris) {
    auto objects = artifacts.List(uri);
    if (objects && !objects->empty()) existing.push_back(uri);
  }
  return existing;
}

}  // namespace sluice

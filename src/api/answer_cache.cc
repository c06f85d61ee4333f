#include "api/answer_cache.h"

namespace sluice {

std::optional<std::string> AnswerCache::Find(std::string_view execution_id,
                                             std::string_view key) const {
  std::lock_guard lock(mutex_);
  auto found = answers_.find(std::string(execution_id));
  if (found == answers_.end() || found->second.key != key) return std::nullopt;
  return found->second.text;
}

uint64_t AnswerCache::BeginRead() const {
  std::lock_guard lock(mutex_);
  return changes_;
}

void AnswerCache::Fill(std::string_view execution_id, std::string key, std::string answer,
                       uint64_t read) {
  std::lock_guard lock(mutex_);
  if (read != changes_) return;
  // Dropping everything at the limit is crude, but a server asked about more executions than
  // that at once gains little from keeping any particular one.
  if (answers_.size() >= capacity_ && !answers_.contains(std::string(execution_id))) {
    answers_.clear();
  }
  answers_.insert_or_assign(std::string(execution_id), Answer{std::move(key), std::move(answer)});
}

void AnswerCache::Invalidate(std::string_view execution_id) {
  std::lock_guard lock(mutex_);
  ++changes_;
  if (execution_id.empty()) {
    answers_.clear();
  } else {
    answers_.erase(std::string(execution_id));
  }
}

}  // namespace sluice

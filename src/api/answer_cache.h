// Rendered answers about executions (DescribePipelineExecution's), kept until the store commits
// a change to that execution, so that a client polling an execution costs no store read and no
// JSON rendering. An answer is filled only if no change was reported since the read it was
// rendered from began: a read that raced a commit is not kept, so every answer served reflects
// the execution as last committed. At most `capacity` answers are kept.
//
// Thread-safety: every member may be called from any thread, several at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sluice {

class AnswerCache {
 public:
  explicit AnswerCache(size_t capacity = 10000) : capacity_(capacity) {}

  // The answer kept for the execution, if it was rendered for this same request key (the ARN
  // as the client gave it).
  std::optional<std::string> Find(std::string_view execution_id, std::string_view key) const;
  // Taken before reading the store for an answer; Fill() refuses the answer when a change was
  // reported after it.
  uint64_t BeginRead() const;
  void Fill(std::string_view execution_id, std::string key, std::string answer, uint64_t read);
  // A committed change to the execution; "" for any execution.
  void Invalidate(std::string_view execution_id);

 private:
  struct Answer {
    std::string key;
    std::string text;
  };
  const size_t capacity_;
  mutable std::mutex mutex_;  // guards what follows
  std::unordered_map<std::string, Answer> answers_;
  uint64_t changes_ = 0;  // changes reported so far
};

}  // namespace sluice

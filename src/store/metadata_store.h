// What Sluice knows about its executions, durably. Apply() is atomic and durable when it
// returns: the engine commits every state change here before memory, events or replies reflect
// it. Apply() is called from one writer thread (the engine's); the queries may be called from
// any thread and read committed state only.
#pragma once

#include "base/result.h"
#include "model/cache_records.h"
#include "model/callback_records.h"
#include "model/pipeline_records.h"
#include "model/records.h"
#include "model/transition.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Writes the transition in one transaction; fills in the events' sequence numbers.
  virtual Result<void> Apply(Transition& transition) = 0;
  // All of them in one transaction (group commit): one fsync for everything the engine changed
  // in one turn of its loop.
  virtual Result<void> ApplyAll(std::vector<Transition>& transitions) = 0;

  // `listener` is told the id of every execution whose record or details a committed write
  // changed ("" when a write may have changed any), on the writing thread, before the write
  // returns: what a reader keeps of an execution can be dropped before the change is reported.
  // Listeners are added before the store is shared between threads.
  virtual void AddExecutionChangeListener(
      std::function<void(std::string_view execution_id)> listener) = 0;
  // Tells the listeners of "" (any execution) when another connection, in this process or
  // another (a `sluice run`, `sluice retry` on the same state directory), committed since the
  // last call: what a reader keeps cannot be trusted past such a change.
  virtual void NoticeChangesElsewhere() = 0;

  virtual Result<std::optional<ExecutionRecord>> FindExecution(std::string_view id) = 0;
  // Newest first. Listed records leave the definition's text out (FindExecution has it).
  virtual Result<std::vector<ExecutionRecord>> ListExecutions(size_t limit) = 0;
  // Every attempt of every step, in the order they started.
  virtual Result<std::vector<StepRun>> ListStepRuns(std::string_view execution_id) = 0;
  virtual Result<std::vector<Event>> ListEvents(std::string_view execution_id,
                                                int64_t after_sequence) = 0;
  // Events of every execution after `after_sequence`, oldest first, at most `limit` of them.
  virtual Result<std::vector<Event>> ListEventsOfAll(int64_t after_sequence, size_t limit) = 0;
  // How far each event consumer (a webhook) got: the sequence of the last event it has been
  // handed, durably; nullopt for a consumer not seen before.
  virtual Result<std::optional<int64_t>> FindDeliveredSequence(std::string_view consumer) = 0;
  virtual Result<void> PutDeliveredSequence(std::string_view consumer, int64_t sequence) = 0;

  // Step caching, within one pipeline: the newest entry of every (step, cache key), each with
  // its run's job name, properties, metadata and log; by step name, then newest first. One read
  // serves every step of an execution.
  virtual Result<std::vector<CacheEntry>> ListNewestCacheEntries(
      std::string_view pipeline_name) = 0;
  // The cache decision of every attempt of a cacheable step of the execution.
  virtual Result<std::vector<CacheDecisionRecord>> ListCacheDecisions(
      std::string_view execution_id) = 0;

  // Pipelines (the SageMaker API's). Creating one stores its first version; kAlreadyExists
  // when the name is taken. Writes come from the engine's thread, as Apply() does.
  virtual Result<void> CreatePipeline(const PipelineRecord& pipeline,
                                      const PipelineVersionRecord& first_version) = 0;
  // Stores `pipeline` as it now is and, when `new_version` is given, the next version of its
  // definition (numbered here, returned). kNotFound for an unknown pipeline.
  virtual Result<int64_t> UpdatePipeline(const PipelineRecord& pipeline,
                                         std::optional<PipelineVersionRecord> new_version) = 0;
  // Removes the pipeline, its versions, its executions and their step runs and events.
  virtual Result<void> DeletePipeline(std::string_view name) = 0;
  // By name, or by ARN.
  virtual Result<std::optional<PipelineRecord>> FindPipeline(std::string_view name_or_arn) = 0;
  // Up to query.limit pipelines from query.offset (name_prefix matches the name).
  virtual Result<std::vector<PipelineRecord>> ListPipelines(const ListQuery& query) = 0;
  virtual Result<std::optional<PipelineVersionRecord>> FindPipelineVersion(
      std::string_view pipeline_name, int64_t version_id) = 0;
  virtual Result<std::vector<PipelineVersionRecord>> ListPipelineVersions(
      std::string_view pipeline_name, const ListQuery& query) = 0;

  // What the API added to an execution; written once it started, replaced by updates.
  virtual Result<void> PutExecutionDetails(const ExecutionDetails& details) = 0;
  virtual Result<std::optional<ExecutionDetails>> FindExecutionDetails(
      std::string_view execution_id) = 0;
  // A pipeline's executions, a page at a time (kName sorts by id, as ARNs sort), without their
  // definitions' text, as ListExecutions.
  virtual Result<std::vector<ExecutionRecord>> ListPipelineExecutions(
      std::string_view pipeline_name, const ListQuery& query) = 0;
  // The step run whose job (or model, or package) has this name, newest attempt.
  virtual Result<std::optional<StepRun>> FindStepRunByJob(std::string_view job_name) = 0;

  // Idempotency: the response first given to (operation, token), if any.
  virtual Result<std::optional<std::string>> FindIdempotentResponse(std::string_view operation,
                                                                    std::string_view token) = 0;
  // Keeps the first response given for (operation, token); a later one changes nothing.
  virtual Result<void> PutIdempotentResponse(std::string_view operation, std::string_view token,
                                             std::string_view response) = 0;

  // Callback steps (store/sqlite_callbacks.cc). Tokens and the first messages are written by
  // Apply(), with the step's Executing record.
  virtual Result<std::optional<CallbackRecord>> FindCallback(std::string_view token) = 0;
  // The tokens of one execution (all executions when empty), oldest first; only those still
  // waiting for an answer when `is_pending_only`.
  virtual Result<std::vector<CallbackRecord>> ListCallbacks(std::string_view execution_id,
                                                            bool is_pending_only) = 0;
  // Stores the answer to a pending token: `answer` holds its token, status (succeeded or failed),
  // outputs and failure reason. kNotFound for an unknown token, kConflict when it was answered
  // already (the first answer stays). Returns the record as now stored.
  virtual Result<CallbackRecord> AnswerCallback(const CallbackRecord& answer, TimePoint now) = 0;
  // Up to `limit` messages of the queue that are visible at `now`, oldest first; each becomes
  // invisible until now + visibility and gets a new receipt handle.
  virtual Result<std::vector<QueueMessage>> ReceiveQueueMessages(
      std::string_view queue_name, size_t limit, std::chrono::milliseconds visibility,
      TimePoint now) = 0;
  // Keeps the message this receipt handle was given for hidden until `until` (SQS's
  // ChangeMessageVisibility); false when no message of the queue has that handle.
  virtual Result<bool> HideQueueMessage(std::string_view queue_name,
                                        std::string_view receipt_handle, TimePoint until) = 0;
  // Deletes the message this receipt handle was given for; false when no message of the queue
  // has that handle (deleted already, or received again since).
  virtual Result<bool> DeleteQueueMessage(std::string_view queue_name,
                                          std::string_view receipt_handle) = 0;

  // Tags of any resource, by ARN; adding a key that is there replaces its value.
  virtual Result<void> AddTags(std::string_view resource_arn, const std::vector<Tag>& tags) = 0;
  virtual Result<std::vector<Tag>> ListTags(std::string_view resource_arn) = 0;
};

}  // namespace sluice

// MetadataStore in one SQLite file in WAL mode, as durable as the Durability it is opened with
// (docs/adr/0005-durability.md). One connection, guarded by a mutex: the
// engine is the only writer, and readers are short.
#pragma once

#include "base/durability.h"
#include "store/metadata_store.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace sluice {

class SqliteStore : public MetadataStore {
 public:
  // Opens or creates the database and brings its schema up to date. kProcessCrash commits
  // without waiting for the disk (WAL with synchronous=NORMAL); kMachineCrash syncs every commit
  // (synchronous=FULL).
  static Result<std::unique_ptr<SqliteStore>> Open(
      const std::filesystem::path& file, Durability durability = Durability::kMachineCrash);
  ~SqliteStore() override;

  Result<void> Apply(Transition& transition) override;
  Result<void> ApplyAll(std::vector<Transition>& transitions) override;
  void AddExecutionChangeListener(
      std::function<void(std::string_view execution_id)> listener) override;
  void NoticeChangesElsewhere() override;
  Result<std::optional<ExecutionRecord>> FindExecution(std::string_view id) override;
  Result<std::vector<ExecutionRecord>> ListExecutions(size_t limit) override;
  Result<std::vector<StepRun>> ListStepRuns(std::string_view execution_id) override;
  Result<std::vector<Event>> ListEvents(std::string_view execution_id,
                                        int64_t after_sequence) override;
  Result<std::vector<Event>> ListEventsOfAll(int64_t after_sequence, size_t limit) override;
  Result<std::optional<int64_t>> FindDeliveredSequence(std::string_view consumer) override;
  Result<void> PutDeliveredSequence(std::string_view consumer, int64_t sequence) override;
  Result<std::vector<CacheEntry>> ListNewestCacheEntries(std::string_view pipeline_name) override;
  Result<std::vector<CacheDecisionRecord>> ListCacheDecisions(
      std::string_view execution_id) override;

  // Pipelines, execution details, idempotency tokens and tags (store/sqlite_pipelines.cc).
  Result<void> CreatePipeline(const PipelineRecord& pipeline,
                              const PipelineVersionRecord& first_version) override;
  Result<int64_t> UpdatePipeline(const PipelineRecord& pipeline,
                                 std::optional<PipelineVersionRecord> new_version) override;
  Result<void> DeletePipeline(std::string_view name) override;
  Result<std::optional<PipelineRecord>> FindPipeline(std::string_view name_or_arn) override;
  Result<std::vector<PipelineRecord>> ListPipelines(const ListQuery& query) override;
  Result<std::optional<PipelineVersionRecord>> FindPipelineVersion(std::string_view pipeline_name,
                                                                   int64_t version_id) override;
  Result<std::vector<PipelineVersionRecord>> ListPipelineVersions(std::string_view pipeline_name,
                                                                  const ListQuery& query) override;
  Result<void> PutExecutionDetails(const ExecutionDetails& details) override;
  Result<std::optional<ExecutionDetails>> FindExecutionDetails(
      std::string_view execution_id) override;
  Result<std::vector<ExecutionRecord>> ListPipelineExecutions(std::string_view pipeline_name,
                                                              const ListQuery& query) override;
  Result<std::optional<StepRun>> FindStepRunByJob(std::string_view job_name) override;
  Result<std::optional<std::string>> FindIdempotentResponse(std::string_view operation,
                                                            std::string_view token) override;
  Result<void> PutIdempotentResponse(std::string_view operation, std::string_view token,
                                     std::string_view response) override;
  Result<void> AddTags(std::string_view resource_arn, const std::vector<Tag>& tags) override;
  // Callback tokens and queue messages (store/sqlite_callbacks.cc).
  Result<std::optional<CallbackRecord>> FindCallback(std::string_view token) override;
  Result<std::vector<CallbackRecord>> ListCallbacks(std::string_view execution_id,
                                                    bool is_pending_only) override;
  Result<CallbackRecord> AnswerCallback(const CallbackRecord& answer, TimePoint now) override;
  Result<std::vector<QueueMessage>> ReceiveQueueMessages(std::string_view queue_name, size_t limit,
                                                         std::chrono::milliseconds visibility,
                                                         TimePoint now) override;
  Result<bool> HideQueueMessage(std::string_view queue_name, std::string_view receipt_handle,
                                TimePoint until) override;
  Result<bool> DeleteQueueMessage(std::string_view queue_name,
                                  std::string_view receipt_handle) override;
  Result<std::vector<Tag>> ListTags(std::string_view resource_arn) override;

 private:
  explicit SqliteStore(sqlite3* database, std::filesystem::path file);
  Result<void> ApplyInOneTransaction(const std::vector<Transition*>& transitions);
  // Writes inside the caller's transaction, leaving out the step runs marked superseded.
  Result<void> Write(Transition& transition, const std::vector<bool>& is_step_run_superseded);
  // One step run's record, inside the caller's transaction.
  Result<void> WriteStepRun(const StepRun& run);
  // The callback part of Write() (store/sqlite_callbacks.cc).
  Result<void> WriteCallbacks(Transition& transition);
  // The write path's statements, compiled once per connection (most of a group commit's time
  // went into compiling them again for every row); nullptr when `sql` does not compile.
  sqlite3_stmt* Prepared(const char* sql);
  // Runs `sql`; a single statement (no ';') is kept compiled, as Prepared() keeps it.
  Result<void> Execute(const char* sql);
  // Commits the caller's transaction, or rolls it back when that fails.
  Result<void> Commit();
  void Rollback();
  void NotifyExecutionChanged(std::string_view execution_id) const;

  sqlite3* database_;
  std::filesystem::path file_;
  std::mutex mutex_;
  std::map<std::string, sqlite3_stmt*, std::less<>> prepared_;  // guarded by mutex_
  std::vector<std::function<void(std::string_view)>> change_listeners_;
  int64_t data_version_ = -1;  // SQLite's count of other connections' commits; guarded by mutex_
  // A store created by this connection runs at synchronous=OFF until its first commit.
  bool is_synchronous_deferred_ = false;  // guarded by mutex_
};

}  // namespace sluice

#include "store/sqlite_store.h"

#include "base/text.h"
#include "store/migrations.h"
#include "store/sqlite_execution_row.h"
#include "store/sqlite_statement.h"
#include "store/store_image.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

namespace sluice {
namespace {

using Statement = SqliteStatement;

// The definition an execution runs, a snapshot taken when it began: a later record never
// replaces it. The text goes into its row in pieces, since SQLite would otherwise build the
// whole row in memory first (megabytes for a large pipeline) beside the caller's copy.
Result<void> WriteDefinitionOnce(sqlite3* database, const std::string& execution_id,
                                 std::string_view text) {
  const std::string where = "writing the definition of execution " + execution_id;
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return MakeError(ErrorCode::kInvalidArgument, "metadata store",
                     where + ": the text is larger than SQLite can store");
  }
  Statement insert(database,
                   "INSERT OR IGNORE INTO execution_definitions (execution_id, definition) "
                   "VALUES (?1, zeroblob(?2))");
  insert.Bind(1, execution_id).Bind(2, static_cast<int64_t>(text.size()));
  if (insert.Step() != SQLITE_DONE) return insert.Failure(where);
  if (sqlite3_changes(database) == 0) return {};
  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(database, "main", "execution_definitions", "definition",
                        sqlite3_last_insert_rowid(database), 1, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    return insert.Failure(where);
  }
  constexpr size_t kPiece = 64 * 1024;
  for (size_t offset = 0; offset < text.size(); offset += kPiece) {
    const size_t size = std::min(kPiece, text.size() - offset);
    if (sqlite3_blob_write(blob, text.data() + offset, static_cast<int>(size),
                           static_cast<int>(offset)) != SQLITE_OK) {
      Error failure = insert.Failure(where);
      sqlite3_blob_close(blob);
      return failure;
    }
  }
  if (sqlite3_blob_close(blob) != SQLITE_OK) return insert.Failure(where);
  return {};
}

}  // namespace

SqliteStore::SqliteStore(sqlite3* database, std::filesystem::path file)
    : database_(database), file_(std::move(file)) {}

SqliteStore::~SqliteStore() {
  for (auto& [sql, statement] : prepared_) sqlite3_finalize(statement);
  sqlite3_close(database_);
}

sqlite3_stmt* SqliteStore::Prepared(const char* sql) {
  auto found = prepared_.find(std::string_view(sql));
  if (found != prepared_.end()) return found->second;
  sqlite3_stmt* statement = nullptr;
  // A failure leaves nullptr, which the statement's first step reports (SQLITE_MISUSE).
  if (sqlite3_prepare_v3(database_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
      SQLITE_OK) {
    sqlite3_finalize(statement);
    return nullptr;
  }
  prepared_.emplace(sql, statement);
  return statement;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& file,
                                                       Durability durability) {
  // A new store starts as a copy of the empty store the build made from the migrations:
  // creating the schema's tables and indexes one by one was a tenth of a short run's start.
  // When the copy cannot be made, opening reports why, or the migrations build the schema.
  std::error_code missing;
  bool is_created_here = false;
  if (!std::filesystem::exists(file, missing) && !missing) {
    auto created = CreateFromEmptyStoreImage(file, durability == Durability::kMachineCrash);
    is_created_here = created && *created;
  }
  sqlite3* database = nullptr;
  const int status =
      sqlite3_open_v2(file.c_str(), &database,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (status != SQLITE_OK) {
    std::string message = database != nullptr ? sqlite3_errmsg(database) : sqlite3_errstr(status);
    sqlite3_close(database);
    return MakeError(ErrorCode::kIo, file.string(), "cannot open the metadata store: " + message);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(database, file));
  sqlite3_busy_timeout(database, 5000);
  // The write-ahead log is as durable as the database file, and the next writer checkpoints it
  // once it grows: checkpointing at close cost every short run two syncs and removing the log.
  sqlite3_db_config(database, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // Turning a new file into a WAL database goes through a rollback journal, which syncs four
  // times: about 20 ms, most of a short run's start. Unless the store must survive a machine
  // crash, those writes are left to the operating system like every other (ADR 0005).
  const bool is_machine_durable = durability == Durability::kMachineCrash;
  // A commit touches a few pages (a step's row, its indexes, the events' tail), and pages read
  // again come from the operating system's cache: SQLite's default cache of 2 MiB held, by the
  // end of a long run, mostly pages of steps long finished, a tenth of the run's memory.
  for (const char* pragma :
       {is_machine_durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF",
        "PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-512"}) {
    if (auto done = store->Execute(pragma); !done) return done.error();
  }
  int64_t applied = 0;
  {
    // Finalized before the migrations run: a migration that drops an index fails (SQLITE_LOCKED)
    // while any statement is still active.
    Statement version(database, "PRAGMA user_version");
    if (version.Step() != SQLITE_ROW) return version.Failure("reading the schema version");
    applied = version.Integer(0);
  }
  const auto& migrations = Migrations();
  if (applied > static_cast<int64_t>(migrations.size())) {
    return MakeError(ErrorCode::kConflict, file.string(),
                     "the metadata store has schema version " + std::to_string(applied) +
                         ", newer than this sluice knows (" + std::to_string(migrations.size()) +
                         "); use a newer sluice");
  }
  // Every pending migration in one transaction: a new store is created with one commit, and a
  // store is never left between two versions.
  if (static_cast<size_t>(applied) < migrations.size()) {
    const std::string script = MigrationScript(static_cast<size_t>(applied));
    if (auto done = store->Execute(script.c_str()); !done) {
      store->Rollback();
      return done.error();
    }
  }
  if (!is_machine_durable) {
    // The first commit creates the write-ahead log, and at synchronous=NORMAL SQLite syncs the
    // log's header and its directory then: most of a millisecond of a short run's start. A log
    // that no frame was ever written to holds nothing a lost header could make SQLite misread,
    // so a store created here stays unsynced until its first commit (Commit below).
    if (is_created_here) {
      store->is_synchronous_deferred_ = true;
    } else if (auto done = store->Execute("PRAGMA synchronous=NORMAL"); !done) {
      return done.error();
    }
  }
  return store;
}

Result<void> SqliteStore::Execute(const char* sql) {
  // A kept statement: every write transaction begins and commits, and compiling BEGIN and COMMIT
  // each time cost more than running them.
  const bool is_one_statement = std::strchr(sql, ';') == nullptr;
  if (sqlite3_stmt* kept = is_one_statement ? Prepared(sql) : nullptr; kept != nullptr) {
    const int status = sqlite3_step(kept);
    sqlite3_reset(kept);
    if (status == SQLITE_DONE || status == SQLITE_ROW) return {};
    return MakeError(ErrorCode::kIo, file_.string(),
                     std::string("metadata store: ") + sqlite3_errmsg(database_));
  }
  char* message = nullptr;
  if (sqlite3_exec(database_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error =
        MakeError(ErrorCode::kIo, file_.string(),
                  std::string("metadata store: ") + (message ? message : "unknown error"));
    sqlite3_free(message);
    return error;
  }
  return {};
}

Result<void> SqliteStore::Commit() {
  if (auto committed = Execute("COMMIT"); !committed) {
    Rollback();
    return committed;
  }
  if (is_synchronous_deferred_) {
    // Before any checkpoint can run: one without syncing the log first could corrupt the store
    // in a machine crash.
    if (auto done = Execute("PRAGMA synchronous=NORMAL"); !done) return done;
    is_synchronous_deferred_ = false;
  }
  return {};
}

void SqliteStore::Rollback() {
  // A failed rollback leaves nothing more to undo: SQLite has already ended the transaction.
  sqlite3_exec(database_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<void> SqliteStore::Apply(Transition& transition) {
  std::vector<Transition*> one = {&transition};
  if (auto applied = ApplyInOneTransaction(one); !applied) return applied;
  if (transition.execution) NotifyExecutionChanged(transition.execution->id);
  return {};
}

Result<void> SqliteStore::ApplyAll(std::vector<Transition>& transitions) {
  std::vector<Transition*> all;
  all.reserve(transitions.size());
  for (Transition& transition : transitions) all.push_back(&transition);
  if (auto applied = ApplyInOneTransaction(all); !applied) return applied;
  for (const Transition& transition : transitions) {
    if (transition.execution) NotifyExecutionChanged(transition.execution->id);
  }
  return {};
}

namespace {

// For each step run of each transition: whether a later one in the batch writes the same attempt
// again. A batch often records an attempt twice (a cache hit's Starting and its end); writing only
// the last leaves the same rows and saves a replace with all its index updates.
std::vector<std::vector<bool>> SupersededStepRuns(const std::vector<Transition*>& transitions) {
  std::vector<std::vector<bool>> superseded(transitions.size());
  std::unordered_set<std::string> later;
  for (size_t t = transitions.size(); t-- > 0;) {
    const std::vector<StepRun>& runs = transitions[t]->step_runs;
    superseded[t].assign(runs.size(), false);
    for (size_t r = runs.size(); r-- > 0;) {
      std::string key =
          runs[r].execution_id + '\n' + runs[r].step_name + '\n' + std::to_string(runs[r].attempt);
      superseded[t][r] = !later.insert(std::move(key)).second;
    }
  }
  return superseded;
}

}  // namespace

Result<void> SqliteStore::ApplyInOneTransaction(const std::vector<Transition*>& transitions) {
  std::lock_guard lock(mutex_);
  const std::vector<std::vector<bool>> superseded = SupersededStepRuns(transitions);
  if (auto begun = Execute("BEGIN IMMEDIATE"); !begun) return begun;
  for (size_t t = 0; t < transitions.size(); ++t) {
    if (auto written = Write(*transitions[t], superseded[t]); !written) {
      Rollback();
      return written;
    }
  }
  return Commit();
}

void SqliteStore::AddExecutionChangeListener(
    std::function<void(std::string_view execution_id)> listener) {
  change_listeners_.push_back(std::move(listener));
}

void SqliteStore::NoticeChangesElsewhere() {
  bool is_changed = false;
  {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* statement = Prepared("PRAGMA data_version");
    if (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
      const int64_t version = sqlite3_column_int64(statement, 0);
      is_changed = version != data_version_;
      data_version_ = version;
    } else {
      is_changed = true;  // unknown: assume the worst
    }
    if (statement != nullptr) sqlite3_reset(statement);
  }
  if (is_changed) NotifyExecutionChanged("");
}

// Called without the store's lock, so that a listener may read the store.
void SqliteStore::NotifyExecutionChanged(std::string_view execution_id) const {
  for (const auto& listener : change_listeners_) listener(execution_id);
}

namespace {

// The columns a later record of an attempt changes, bound as WriteStepRun binds them. The texts
// are read where they are: `run` outlives the statement, and copying its property and state
// documents (then freeing the copies) was a large part of writing a step's record.
void BindStepRunColumns(Statement& statement, const StepRun& run) {
  statement.BindUncopied(1, run.execution_id).BindUncopied(2, run.step_name).Bind(3, run.attempt);
  statement.BindUncopied(4, run.step_type).BindUncopied(5, StepStatusName(run.status));
  statement.BindUncopied(6, run.job_name);
  statement.BindUncopied(7, FailureClassName(run.failure_class));
  statement.BindUncopied(8, run.failure_reason).BindUncopied(9, run.properties_json);
  statement.BindUncopied(10, run.metadata_json).BindUncopied(11, run.log_file);
  statement.Bind(12, ToMillis(run.started));
  if (run.ended) {
    statement.Bind(13, ToMillis(*run.ended));
  } else {
    statement.BindNull(13);
  }
  statement.BindUncopied(14, run.run_directory).Bind(15, run.job_process_id);
  statement.Bind(16, run.job_process_start_time).BindUncopied(17, run.handler_state_json);
}

}  // namespace

Result<void> SqliteStore::WriteStepRun(const StepRun& run) {
  // An attempt is recorded three times or more (Starting, Executing, its end). Updating the row
  // where it is keeps its rowid and its keys, so only the row's own page is written; a replace
  // deleted and reinserted it, rewriting an entry in each of the table's indexes too. The job
  // name is in the WHERE clause, not the SET list, so that the job-name index is left alone:
  // a record that changes it (none does today) falls through to the replace.
  {
    Statement update(
        database_,
        Prepared("UPDATE step_runs SET step_type = ?4, status = ?5, failure_class = ?7, "
                 "failure_reason = ?8, properties = ?9, metadata = ?10, log_file = ?11, "
                 "started_ms = ?12, ended_ms = ?13, run_directory = ?14, job_process_id = ?15, "
                 "job_process_start_time = ?16, handler_state = ?17 WHERE execution_id = ?1 AND "
                 "step_name = ?2 AND attempt = ?3 AND job_name = ?6"));
    BindStepRunColumns(update, run);
    if (update.Step() != SQLITE_DONE) {
      return update.Failure("writing step " + Quote(run.step_name));
    }
    if (sqlite3_changes(database_) > 0) return {};
  }
  Statement insert(
      database_,
      Prepared("INSERT OR REPLACE INTO step_runs (execution_id, step_name, attempt, step_type, "
               "status, job_name, failure_class, failure_reason, properties, metadata, "
               "log_file, started_ms, ended_ms, run_directory, job_process_id, "
               "job_process_start_time, handler_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
               "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"));
  BindStepRunColumns(insert, run);
  if (insert.Step() != SQLITE_DONE) return insert.Failure("writing step " + Quote(run.step_name));
  return {};
}

Result<void> SqliteStore::Write(Transition& transition,
                                const std::vector<bool>& is_step_run_superseded) {
  auto fail = [&](const Statement& statement, std::string_view what) -> Result<void> {
    return statement.Failure(what);
  };
  if (transition.execution) {
    const ExecutionRecord& e = *transition.execution;
    // The row's own definition column stays empty: the text is in execution_definitions,
    // written once below, so that rewriting the row with every status change stays cheap.
    Statement upsert(database_,
                     Prepared("INSERT INTO executions (id, pipeline_name, display_name, status, "
                              "failure_reason, definition, parameters, max_parallel_steps, "
                              "created_ms, last_modified_ms) VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, "
                              "?7, ?8, ?9) ON CONFLICT (id) DO UPDATE SET "
                              "pipeline_name = excluded.pipeline_name, "
                              "display_name = excluded.display_name, status = excluded.status, "
                              "failure_reason = excluded.failure_reason, "
                              "parameters = excluded.parameters, "
                              "max_parallel_steps = excluded.max_parallel_steps, "
                              "created_ms = excluded.created_ms, "
                              "last_modified_ms = excluded.last_modified_ms"));
    upsert.Bind(1, e.id).Bind(2, e.pipeline_name).Bind(3, e.display_name);
    upsert.Bind(4, ExecutionStatusName(e.status)).Bind(5, e.failure_reason);
    upsert.Bind(6, e.parameters_json).Bind(7, e.max_parallel_steps).Bind(8, ToMillis(e.created));
    upsert.Bind(9, ToMillis(e.last_modified));
    if (upsert.Step() != SQLITE_DONE) return fail(upsert, "writing execution " + e.id);
    if (!e.definition.empty()) {
      if (auto written = WriteDefinitionOnce(database_, e.id, e.definition); !written) {
        return written;
      }
    }
  }
  for (size_t r = 0; r < transition.step_runs.size(); ++r) {
    if (is_step_run_superseded[r]) continue;
    if (auto written = WriteStepRun(transition.step_runs[r]); !written) return written;
  }
  for (const CacheEntry& entry : transition.cache_entries) {
    Statement insert(database_,
                     Prepared("INSERT OR REPLACE INTO cache_entries (pipeline_name, step_name, "
                              "cache_key, material, execution_id, attempt, created_ms, outputs) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    insert.Bind(1, entry.pipeline_name).Bind(2, entry.step_name).Bind(3, entry.cache_key);
    insert.Bind(4, entry.material_json).Bind(5, entry.execution_id).Bind(6, entry.attempt);
    insert.Bind(7, ToMillis(entry.created)).Bind(8, entry.outputs_json);
    if (insert.Step() != SQLITE_DONE) {
      return fail(insert, "writing the cache entry of step " + Quote(entry.step_name));
    }
  }
  for (const CacheDecisionRecord& decision : transition.cache_decisions) {
    Statement upsert(database_,
                     Prepared("INSERT OR REPLACE INTO cache_decisions (execution_id, step_name, "
                              "attempt, outcome, reason, cache_key, compared_execution_id, "
                              "compared_attempt, differences, decided_ms) VALUES (?1, ?2, ?3, "
                              "?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    upsert.Bind(1, decision.execution_id).Bind(2, decision.step_name).Bind(3, decision.attempt);
    upsert.Bind(4, CacheOutcomeName(decision.outcome)).Bind(5, decision.reason);
    upsert.Bind(6, decision.cache_key).Bind(7, decision.compared_execution_id);
    upsert.Bind(8, decision.compared_attempt).Bind(9, Join(decision.differences, "\n"));
    upsert.Bind(10, ToMillis(decision.decided));
    if (upsert.Step() != SQLITE_DONE) {
      return fail(upsert, "writing the cache decision of step " + Quote(decision.step_name));
    }
  }
  for (Event& event : transition.events) {
    Statement insert(database_,
                     Prepared("INSERT INTO events (time_ms, execution_id, step_name, status, "
                              "detail) VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert.Bind(1, ToMillis(event.time)).BindUncopied(2, event.execution_id);
    insert.BindUncopied(3, event.step_name).BindUncopied(4, event.status);
    insert.BindUncopied(5, event.detail);
    if (insert.Step() != SQLITE_DONE) return fail(insert, "writing an event");
    event.sequence = sqlite3_last_insert_rowid(database_);
  }
  return WriteCallbacks(transition);
}

Result<std::optional<ExecutionRecord>> SqliteStore::FindExecution(std::string_view id) {
  std::lock_guard lock(mutex_);
  const std::string sql =
      std::string("SELECT ") + kExecutionColumns + " FROM executions WHERE id = ?1";
  Statement query(database_, sql.c_str());
  query.Bind(1, id);
  const int status = query.Step();
  if (status == SQLITE_DONE) return std::optional<ExecutionRecord>();
  if (status != SQLITE_ROW) return query.Failure("reading execution " + std::string(id));
  return std::optional<ExecutionRecord>(ReadExecution(query));
}

Result<std::vector<ExecutionRecord>> SqliteStore::ListExecutions(size_t limit) {
  std::lock_guard lock(mutex_);
  const std::string sql = std::string("SELECT ") + kExecutionSummaryColumns +
                          " FROM executions ORDER BY created_ms DESC, id DESC LIMIT ?1";
  Statement query(database_, sql.c_str());
  query.Bind(1, static_cast<int64_t>(limit));
  std::vector<ExecutionRecord> records;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) records.push_back(ReadExecution(query));
  if (status != SQLITE_DONE) return query.Failure("listing executions");
  return records;
}

Result<std::vector<StepRun>> SqliteStore::ListStepRuns(std::string_view execution_id) {
  std::lock_guard lock(mutex_);
  Statement query(database_,
                  "SELECT execution_id, step_name, attempt, step_type, status, job_name, "
                  "failure_class, failure_reason, properties, metadata, log_file, started_ms, "
                  "ended_ms, run_directory, job_process_id, job_process_start_time, "
                  "handler_state FROM step_runs WHERE execution_id = ?1 "
                  "ORDER BY started_ms, rowid");
  query.Bind(1, execution_id);
  std::vector<StepRun> runs;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) {
    StepRun run;
    run.execution_id = query.Text(0);
    run.step_name = query.Text(1);
    run.attempt = query.Integer(2);
    run.step_type = query.Text(3);
    run.status = StepStatusFromName(query.Text(4)).value_or(StepStatus::kFailed);
    run.job_name = query.Text(5);
    run.failure_class = FailureClassFromName(query.Text(6)).value_or(FailureClass::kNone);
    run.failure_reason = query.Text(7);
    run.properties_json = query.Text(8);
    run.metadata_json = query.Text(9);
    run.log_file = query.Text(10);
    run.started = FromMillis(query.Integer(11));
    if (!query.IsNull(12)) run.ended = FromMillis(query.Integer(12));
    run.run_directory = query.Text(13);
    run.job_process_id = query.Integer(14);
    run.job_process_start_time = query.Integer(15);
    run.handler_state_json = query.Text(16);
    runs.push_back(std::move(run));
  }
  if (status != SQLITE_DONE) return query.Failure("listing steps of " + std::string(execution_id));
  return runs;
}

Result<std::vector<Event>> SqliteStore::ListEvents(std::string_view execution_id,
                                                   int64_t after_sequence) {
  std::lock_guard lock(mutex_);
  Statement query(database_,
                  "SELECT sequence, time_ms, execution_id, step_name, status, detail FROM events "
                  "WHERE execution_id = ?1 AND sequence > ?2 ORDER BY sequence");
  query.Bind(1, execution_id).Bind(2, after_sequence);
  std::vector<Event> events;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) {
    events.push_back(Event{query.Integer(0), FromMillis(query.Integer(1)), query.Text(2),
                           query.Text(3), query.Text(4), query.Text(5)});
  }
  if (status != SQLITE_DONE) return query.Failure("listing events");
  return events;
}

namespace {

// The newest entry of every (step, key); entries written in one millisecond (a manual clock)
// keep their write order.
constexpr const char* kNewestCacheEntriesQuery =
    "SELECT c.pipeline_name, c.step_name, c.cache_key, c.material, c.execution_id, c.attempt, "
    "c.created_ms, c.outputs, s.job_name, s.properties, s.metadata, s.log_file "
    "FROM (SELECT *, rowid AS entry_row, ROW_NUMBER() OVER (PARTITION BY step_name, cache_key "
    "ORDER BY created_ms DESC, rowid DESC) AS newness FROM cache_entries "
    "WHERE pipeline_name = ?1) c "
    "JOIN step_runs s ON s.execution_id = c.execution_id AND s.step_name = c.step_name AND "
    "s.attempt = c.attempt AND s.status = 'Succeeded' "
    "WHERE c.newness = 1 ORDER BY c.step_name, c.created_ms DESC, c.entry_row DESC";

CacheEntry ReadCacheEntry(const Statement& row) {
  CacheEntry entry;
  entry.pipeline_name = row.Text(0);
  entry.step_name = row.Text(1);
  entry.cache_key = row.Text(2);
  entry.material_json = row.Text(3);
  entry.execution_id = row.Text(4);
  entry.attempt = row.Integer(5);
  entry.created = FromMillis(row.Integer(6));
  entry.outputs_json = row.Text(7);
  entry.job_name = row.Text(8);
  entry.properties_json = row.Text(9);
  entry.metadata_json = row.Text(10);
  entry.log_file = row.Text(11);
  return entry;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

Result<std::vector<CacheEntry>> SqliteStore::ListNewestCacheEntries(
    std::string_view pipeline_name) {
  std::lock_guard lock(mutex_);
  Statement query(database_, kNewestCacheEntriesQuery);
  query.Bind(1, pipeline_name);
  std::vector<CacheEntry> entries;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) entries.push_back(ReadCacheEntry(query));
  if (status != SQLITE_DONE) {
    return query.Failure("reading the cache entries of pipeline " + Quote(pipeline_name));
  }
  return entries;
}

Result<std::vector<CacheDecisionRecord>> SqliteStore::ListCacheDecisions(
    std::string_view execution_id) {
  std::lock_guard lock(mutex_);
  Statement query(database_,
                  "SELECT execution_id, step_name, attempt, outcome, reason, cache_key, "
                  "compared_execution_id, compared_attempt, differences, decided_ms "
                  "FROM cache_decisions WHERE execution_id = ?1 ORDER BY decided_ms, rowid");
  query.Bind(1, execution_id);
  std::vector<CacheDecisionRecord> decisions;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) {
    CacheDecisionRecord decision;
    decision.execution_id = query.Text(0);
    decision.step_name = query.Text(1);
    decision.attempt = query.Integer(2);
    decision.outcome = CacheOutcomeFromName(query.Text(3)).value_or(CacheOutcome::kNotCached);
    decision.reason = query.Text(4);
    decision.cache_key = query.Text(5);
    decision.compared_execution_id = query.Text(6);
    decision.compared_attempt = query.Integer(7);
    decision.differences = SplitLines(query.Text(8));
    decision.decided = FromMillis(query.Integer(9));
    decisions.push_back(std::move(decision));
  }
  if (status != SQLITE_DONE) {
    return query.Failure("listing the cache decisions of " + std::string(execution_id));
  }
  return decisions;
}

}  // namespace sluice

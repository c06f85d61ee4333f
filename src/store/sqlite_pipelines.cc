// SqliteStore's part for the SageMaker API: pipelines and their versions, execution details,
// idempotency tokens and tags. Same connection and mutex as the rest of the store.
#include "store/sqlite_execution_row.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_store.h"

#include <sqlite3.h>

namespace sluice {
namespace {

using Query = SqliteStatement;

// LIKE with the prefix's own % and _ taken literally.
std::string LikePrefix(std::string_view prefix) {
  std::string pattern;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

// The WHERE terms and ORDER BY of a ListQuery over a table whose creation time is `created` and
// whose name is `name`; parameters are bound from index `first` on by BindListQuery.
std::string ListClauses(const ListQuery& query, const char* created, const char* name) {
  std::string sql;
  sql += std::string(" AND ") + name + " LIKE ? ESCAPE '\\'";
  sql += std::string(" AND ") + created + " > ?";
  sql += std::string(" AND ") + created + " < ?";
  const char* direction = query.order == ListOrder::kAscending ? " ASC" : " DESC";
  const char* key = query.sort_key == ListSortKey::kName ? name : created;
  sql += std::string(" ORDER BY ") + key + direction + ", " + name + direction;
  sql += " LIMIT ? OFFSET ?";
  return sql;
}

void BindListQuery(Query& statement, int first, const ListQuery& query) {
  statement.Bind(first, LikePrefix(query.name_prefix));
  statement.Bind(first + 1, query.created_after ? ToMillis(*query.created_after) : INT64_MIN);
  statement.Bind(first + 2, query.created_before ? ToMillis(*query.created_before) : INT64_MAX);
  statement.Bind(first + 3, query.limit);
  statement.Bind(first + 4, query.offset);
}

constexpr const char* kPipelineColumns =
    "p.name, p.arn, p.display_name, p.description, p.role_arn, p.max_parallel_steps, "
    "p.latest_version, p.created_ms, p.last_modified_ms, "
    "(SELECT MAX(e.created_ms) FROM executions e WHERE e.pipeline_name = p.name)";

PipelineRecord ReadPipeline(const Query& row) {
  PipelineRecord record;
  record.name = row.Text(0);
  record.arn = row.Text(1);
  record.display_name = row.Text(2);
  record.description = row.Text(3);
  record.role_arn = row.Text(4);
  record.max_parallel_steps = row.Integer(5);
  record.latest_version = row.Integer(6);
  record.created = FromMillis(row.Integer(7));
  record.last_modified = FromMillis(row.Integer(8));
  if (!row.IsNull(9)) record.last_execution = FromMillis(row.Integer(9));
  return record;
}

constexpr const char* kVersionColumns =
    "v.pipeline_name, v.version_id, v.definition, v.display_name, v.description, v.created_ms, "
    "(SELECT d.execution_id FROM execution_details d JOIN executions e ON e.id = d.execution_id "
    "WHERE e.pipeline_name = v.pipeline_name AND d.pipeline_version_id = v.version_id "
    "ORDER BY e.created_ms DESC LIMIT 1)";

PipelineVersionRecord ReadVersion(const Query& row) {
  PipelineVersionRecord record;
  record.pipeline_name = row.Text(0);
  record.version_id = row.Integer(1);
  record.definition = row.Text(2);
  record.display_name = row.Text(3);
  record.description = row.Text(4);
  record.created = FromMillis(row.Integer(5));
  record.last_execution_id = row.Text(6);
  return record;
}

Result<void> InsertVersion(sqlite3* database, const PipelineVersionRecord& version) {
  Query insert(database,
               "INSERT INTO pipeline_versions (pipeline_name, version_id, definition, "
               "display_name, description, created_ms) VALUES (?, ?, ?, ?, ?, ?)");
  insert.Bind(1, version.pipeline_name)
      .Bind(2, version.version_id)
      .BindUncopied(3, version.definition)
      .Bind(4, version.display_name)
      .Bind(5, version.description)
      .Bind(6, ToMillis(version.created));
  if (insert.Step() != SQLITE_DONE) return insert.Failure("storing a pipeline version");
  return {};
}

}  // namespace

Result<void> SqliteStore::CreatePipeline(const PipelineRecord& pipeline,
                                         const PipelineVersionRecord& first_version) {
  std::lock_guard lock(mutex_);
  if (auto begun = Execute("BEGIN IMMEDIATE"); !begun) return begun;
  Query exists(database_, "SELECT 1 FROM pipelines WHERE name = ? OR arn = ?");
  exists.Bind(1, pipeline.name).Bind(2, pipeline.arn);
  if (exists.Step() == SQLITE_ROW) {
    Rollback();
    return MakeError(ErrorCode::kAlreadyExists, "PipelineName",
                     "pipeline " + pipeline.name + " already exists");
  }
  Query insert(database_,
               "INSERT INTO pipelines (name, arn, display_name, description, role_arn, "
               "max_parallel_steps, latest_version, created_ms, last_modified_ms) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, pipeline.name)
      .Bind(2, pipeline.arn)
      .Bind(3, pipeline.display_name)
      .Bind(4, pipeline.description)
      .Bind(5, pipeline.role_arn)
      .Bind(6, pipeline.max_parallel_steps)
      .Bind(7, first_version.version_id)
      .Bind(8, ToMillis(pipeline.created))
      .Bind(9, ToMillis(pipeline.last_modified));
  if (insert.Step() != SQLITE_DONE) {
    Error failure = insert.Failure("storing a pipeline");
    Rollback();
    return failure;
  }
  if (auto stored = InsertVersion(database_, first_version); !stored) {
    Rollback();
    return stored;
  }
  if (auto committed = Commit(); !committed) return committed;
  return {};
}

Result<int64_t> SqliteStore::UpdatePipeline(const PipelineRecord& pipeline,
                                            std::optional<PipelineVersionRecord> new_version) {
  std::lock_guard lock(mutex_);
  if (auto begun = Execute("BEGIN IMMEDIATE"); !begun) return begun.error();
  Query latest(database_, "SELECT latest_version FROM pipelines WHERE name = ?");
  latest.Bind(1, pipeline.name);
  if (latest.Step() != SQLITE_ROW) {
    Rollback();
    return NotFound("PipelineName", "pipeline " + pipeline.name + " does not exist");
  }
  int64_t version_id = latest.Integer(0);
  if (new_version) {
    ++version_id;
    new_version->pipeline_name = pipeline.name;
    new_version->version_id = version_id;
    if (auto stored = InsertVersion(database_, *new_version); !stored) {
      Rollback();
      return stored.error();
    }
  }
  Query update(database_,
               "UPDATE pipelines SET display_name = ?, description = ?, role_arn = ?, "
               "max_parallel_steps = ?, latest_version = ?, last_modified_ms = ? WHERE name = ?");
  update.Bind(1, pipeline.display_name)
      .Bind(2, pipeline.description)
      .Bind(3, pipeline.role_arn)
      .Bind(4, pipeline.max_parallel_steps)
      .Bind(5, version_id)
      .Bind(6, ToMillis(pipeline.last_modified))
      .Bind(7, pipeline.name);
  if (update.Step() != SQLITE_DONE) {
    Error failure = update.Failure("updating a pipeline");
    Rollback();
    return failure;
  }
  if (auto committed = Commit(); !committed) return committed.error();
  return version_id;
}

Result<void> SqliteStore::DeletePipeline(std::string_view name) {
  std::unique_lock lock(mutex_);
  if (auto begun = Execute("BEGIN IMMEDIATE"); !begun) return begun;
  static constexpr const char* kDeletes[] = {
      "DELETE FROM events WHERE execution_id IN (SELECT id FROM executions WHERE pipeline_name "
      "= ?1)",
      "DELETE FROM step_runs WHERE execution_id IN (SELECT id FROM executions WHERE "
      "pipeline_name = ?1)",
      "DELETE FROM cache_decisions WHERE execution_id IN (SELECT id FROM executions WHERE "
      "pipeline_name = ?1)",
      "DELETE FROM callback_tokens WHERE execution_id IN (SELECT id FROM executions WHERE "
      "pipeline_name = ?1)",
      "DELETE FROM execution_details WHERE execution_id IN (SELECT id FROM executions WHERE "
      "pipeline_name = ?1)",
      "DELETE FROM execution_definitions WHERE execution_id IN (SELECT id FROM executions WHERE "
      "pipeline_name = ?1)",
      "DELETE FROM executions WHERE pipeline_name = ?1",
      "DELETE FROM pipeline_versions WHERE pipeline_name = ?1",
      "DELETE FROM pipelines WHERE name = ?1",
  };
  for (const char* sql : kDeletes) {
    Query statement(database_, sql);
    statement.Bind(1, name);
    if (statement.Step() != SQLITE_DONE) {
      Error failure = statement.Failure("deleting a pipeline");
      Rollback();
      return failure;
    }
  }
  if (auto committed = Commit(); !committed) return committed;
  lock.unlock();
  NotifyExecutionChanged("");
  return {};
}

Result<std::optional<PipelineRecord>> SqliteStore::FindPipeline(std::string_view name_or_arn) {
  std::lock_guard lock(mutex_);
  Query query(database_, std::string("SELECT ") + kPipelineColumns +
                             " FROM pipelines p WHERE p.name = ?1 OR p.arn = ?1");
  query.Bind(1, name_or_arn);
  const int status = query.Step();
  if (status == SQLITE_DONE) return std::optional<PipelineRecord>();
  if (status != SQLITE_ROW) return query.Failure("reading a pipeline");
  return std::optional<PipelineRecord>(ReadPipeline(query));
}

Result<std::vector<PipelineRecord>> SqliteStore::ListPipelines(const ListQuery& list) {
  std::lock_guard lock(mutex_);
  Query query(database_, std::string("SELECT ") + kPipelineColumns + " FROM pipelines p WHERE 1" +
                             ListClauses(list, "p.created_ms", "p.name"));
  BindListQuery(query, 1, list);
  std::vector<PipelineRecord> pipelines;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) pipelines.push_back(ReadPipeline(query));
  if (status != SQLITE_DONE) return query.Failure("listing pipelines");
  return pipelines;
}

Result<std::optional<PipelineVersionRecord>> SqliteStore::FindPipelineVersion(
    std::string_view pipeline_name, int64_t version_id) {
  std::lock_guard lock(mutex_);
  Query query(database_, std::string("SELECT ") + kVersionColumns +
                             " FROM pipeline_versions v WHERE v.pipeline_name = ? AND "
                             "v.version_id = ?");
  query.Bind(1, pipeline_name).Bind(2, version_id);
  const int status = query.Step();
  if (status == SQLITE_DONE) return std::optional<PipelineVersionRecord>();
  if (status != SQLITE_ROW) return query.Failure("reading a pipeline version");
  return std::optional<PipelineVersionRecord>(ReadVersion(query));
}

Result<std::vector<PipelineVersionRecord>> SqliteStore::ListPipelineVersions(
    std::string_view pipeline_name, const ListQuery& list) {
  std::lock_guard lock(mutex_);
  // Versions have no names of their own; their number orders them within a creation time.
  ListQuery by_time = list;
  by_time.sort_key = ListSortKey::kCreationTime;
  by_time.name_prefix.clear();
  Query query(database_, std::string("SELECT ") + kVersionColumns +
                             " FROM pipeline_versions v WHERE v.pipeline_name = ?" +
                             ListClauses(by_time, "v.created_ms", "v.version_id"));
  query.Bind(1, pipeline_name);
  BindListQuery(query, 2, by_time);
  std::vector<PipelineVersionRecord> versions;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) versions.push_back(ReadVersion(query));
  if (status != SQLITE_DONE) return query.Failure("listing pipeline versions");
  return versions;
}

Result<void> SqliteStore::PutExecutionDetails(const ExecutionDetails& details) {
  std::unique_lock lock(mutex_);
  Query put(database_,
            "INSERT OR REPLACE INTO execution_details (execution_id, pipeline_version_id, "
            "description, display_name, selective_execution, max_parallel_steps) "
            "VALUES (?, ?, ?, ?, ?, ?)");
  put.Bind(1, details.execution_id)
      .Bind(2, details.pipeline_version_id)
      .Bind(3, details.description)
      .Bind(4, details.display_name)
      .Bind(5, details.selective_execution_json)
      .Bind(6, details.max_parallel_steps);
  if (put.Step() != SQLITE_DONE) return put.Failure("storing execution details");
  lock.unlock();
  NotifyExecutionChanged(details.execution_id);
  return {};
}

Result<std::optional<ExecutionDetails>> SqliteStore::FindExecutionDetails(
    std::string_view execution_id) {
  std::lock_guard lock(mutex_);
  Query query(database_,
              "SELECT execution_id, pipeline_version_id, description, display_name, "
              "selective_execution, max_parallel_steps FROM execution_details "
              "WHERE execution_id = ?");
  query.Bind(1, execution_id);
  const int status = query.Step();
  if (status == SQLITE_DONE) return std::optional<ExecutionDetails>();
  if (status != SQLITE_ROW) return query.Failure("reading execution details");
  ExecutionDetails details;
  details.execution_id = query.Text(0);
  details.pipeline_version_id = query.Integer(1);
  details.description = query.Text(2);
  details.display_name = query.Text(3);
  details.selective_execution_json = query.Text(4);
  details.max_parallel_steps = query.Integer(5);
  return std::optional<ExecutionDetails>(std::move(details));
}

Result<std::vector<ExecutionRecord>> SqliteStore::ListPipelineExecutions(
    std::string_view pipeline_name, const ListQuery& list) {
  std::lock_guard lock(mutex_);
  ListQuery all_ids = list;
  all_ids.name_prefix.clear();
  Query query(database_, std::string("SELECT ") + kExecutionSummaryColumns +
                             " FROM executions WHERE pipeline_name = ?" +
                             ListClauses(all_ids, "created_ms", "id"));
  query.Bind(1, pipeline_name);
  BindListQuery(query, 2, all_ids);
  std::vector<ExecutionRecord> executions;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) executions.push_back(ReadExecution(query));
  if (status != SQLITE_DONE) return query.Failure("listing executions");
  return executions;
}

Result<std::optional<StepRun>> SqliteStore::FindStepRunByJob(std::string_view job_name) {
  std::string execution_id;
  std::string step_name;
  int64_t attempt = 0;
  {
    std::lock_guard lock(mutex_);
    // In any case, as SageMaker matches job names: ARNs spell them in lower case.
    Query query(
        database_,
        "SELECT execution_id, step_name, attempt FROM step_runs WHERE job_name = ? COLLATE NOCASE "
        "ORDER BY started_ms DESC, attempt DESC LIMIT 1");
    query.Bind(1, job_name);
    const int status = query.Step();
    if (status == SQLITE_DONE) return std::optional<StepRun>();
    if (status != SQLITE_ROW) return query.Failure("finding a job");
    execution_id = query.Text(0);
    step_name = query.Text(1);
    attempt = query.Integer(2);
  }
  // The full row is read the way every other step-run query reads it.
  auto runs = ListStepRuns(execution_id);
  if (!runs) return runs.error();
  for (StepRun& run : *runs) {
    if (run.step_name == step_name && run.attempt == attempt) {
      return std::optional<StepRun>(std::move(run));
    }
  }
  return std::optional<StepRun>();
}

Result<std::optional<std::string>> SqliteStore::FindIdempotentResponse(std::string_view operation,
                                                                       std::string_view token) {
  std::lock_guard lock(mutex_);
  Query query(database_,
              "SELECT response FROM idempotency_tokens WHERE operation = ? AND token = ?");
  query.Bind(1, operation).Bind(2, token);
  const int status = query.Step();
  if (status == SQLITE_DONE) return std::optional<std::string>();
  if (status != SQLITE_ROW) return query.Failure("reading an idempotency token");
  return std::optional<std::string>(query.Text(0));
}

Result<void> SqliteStore::PutIdempotentResponse(std::string_view operation, std::string_view token,
                                                std::string_view response) {
  std::lock_guard lock(mutex_);
  Query put(database_,
            "INSERT OR IGNORE INTO idempotency_tokens (operation, token, response, created_ms) "
            "VALUES (?, ?, ?, ?)");
  put.Bind(1, operation)
      .Bind(2, token)
      .Bind(3, response)
      .Bind(4, ToMillis(std::chrono::system_clock::now()));
  if (put.Step() != SQLITE_DONE) return put.Failure("storing an idempotency token");
  return {};
}

Result<void> SqliteStore::AddTags(std::string_view resource_arn, const std::vector<Tag>& tags) {
  std::lock_guard lock(mutex_);
  if (auto begun = Execute("BEGIN IMMEDIATE"); !begun) return begun;
  for (const Tag& tag : tags) {
    Query put(database_, "INSERT OR REPLACE INTO tags (resource_arn, key, value) VALUES (?, ?, ?)");
    put.Bind(1, resource_arn).Bind(2, tag.key).Bind(3, tag.value);
    if (put.Step() != SQLITE_DONE) {
      Error failure = put.Failure("storing tags");
      Rollback();
      return failure;
    }
  }
  if (auto committed = Commit(); !committed) return committed;
  return {};
}

Result<std::vector<Tag>> SqliteStore::ListTags(std::string_view resource_arn) {
  std::lock_guard lock(mutex_);
  Query query(database_, "SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key");
  query.Bind(1, resource_arn);
  std::vector<Tag> tags;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) tags.push_back(Tag{query.Text(0), query.Text(1)});
  if (status != SQLITE_DONE) return query.Failure("listing tags");
  return tags;
}

}  // namespace sluice

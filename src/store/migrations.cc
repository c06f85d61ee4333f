// The schema, one entry per migration, applied in order (PRAGMA user_version counts them).
// A released migration is never edited; changes go into a new entry.
#include "store/migrations.h"

namespace sluice {

const std::vector<std::string_view>& Migrations() {
  static const std::vector<std::string_view> migrations = {
      R"sql(CREATE TABLE IF NOT EXISTS executions (
  id TEXT PRIMARY KEY,
  pipeline_name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  status TEXT NOT NULL,
  failure_reason TEXT NOT NULL,
  definition TEXT NOT NULL,
  parameters TEXT NOT NULL,
  max_parallel_steps INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  last_modified_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS step_runs (
  execution_id TEXT NOT NULL REFERENCES executions(id),
  step_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  step_type TEXT NOT NULL,
  status TEXT NOT NULL,
  job_name TEXT NOT NULL,
  failure_class TEXT NOT NULL,
  failure_reason TEXT NOT NULL,
  properties TEXT NOT NULL,
  metadata TEXT NOT NULL,
  log_file TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  PRIMARY KEY (execution_id, step_name, attempt)
);
CREATE TABLE IF NOT EXISTS events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  execution_id TEXT NOT NULL,
  step_name TEXT NOT NULL,
  status TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_execution ON events (execution_id, sequence);
)sql",
      // Step caching: an entry for every step run that succeeded by doing its work, and the
      // decision made for every attempt of a cacheable step.
      R"sql(CREATE TABLE IF NOT EXISTS cache_entries (
  pipeline_name TEXT NOT NULL,
  step_name TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  material TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  outputs TEXT NOT NULL,
  PRIMARY KEY (execution_id, step_name, attempt)
);
CREATE INDEX IF NOT EXISTS cache_entries_by_key
  ON cache_entries (pipeline_name, step_name, cache_key, created_ms);
CREATE INDEX IF NOT EXISTS cache_entries_by_step
  ON cache_entries (pipeline_name, step_name, created_ms);
CREATE TABLE IF NOT EXISTS cache_decisions (
  execution_id TEXT NOT NULL,
  step_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  compared_execution_id TEXT NOT NULL,
  compared_attempt INTEGER NOT NULL,
  differences TEXT NOT NULL, -- one per line
  decided_ms INTEGER NOT NULL,
  PRIMARY KEY (execution_id, step_name, attempt)
);
)sql",
      // Crash recovery: what a restarted engine needs to adopt a step's job rather than run it
      // again (its launcher's run directory, pid and start time) and to complete it (the step
      // handler's state).
      R"sql(ALTER TABLE step_runs ADD COLUMN run_directory TEXT NOT NULL DEFAULT '';
ALTER TABLE step_runs ADD COLUMN job_process_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE step_runs ADD COLUMN job_process_start_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE step_runs ADD COLUMN handler_state TEXT NOT NULL DEFAULT '';
)sql",
      // The SageMaker API: pipelines and every version of their definitions, what an API call
      // added to the executions it started, idempotency tokens and tags.
      R"sql(CREATE TABLE IF NOT EXISTS pipelines (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  max_parallel_steps INTEGER NOT NULL,
  latest_version INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  last_modified_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pipeline_versions (
  pipeline_name TEXT NOT NULL REFERENCES pipelines(name) ON DELETE CASCADE,
  version_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (pipeline_name, version_id)
);
CREATE TABLE IF NOT EXISTS execution_details (
  execution_id TEXT PRIMARY KEY,
  pipeline_version_id INTEGER NOT NULL,
  description TEXT NOT NULL,
  display_name TEXT NOT NULL,
  selective_execution TEXT NOT NULL,
  max_parallel_steps INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_by_pipeline ON executions (pipeline_name, created_ms);
CREATE INDEX IF NOT EXISTS step_runs_by_job ON step_runs (job_name);
CREATE TABLE IF NOT EXISTS idempotency_tokens (
  operation TEXT NOT NULL,
  token TEXT NOT NULL,
  response TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (operation, token)
);
CREATE TABLE IF NOT EXISTS tags (
  resource_arn TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (resource_arn, key)
);
)sql",
      // Event delivery: how far each webhook got through the events, so that a restarted
      // engine resumes delivery where it stopped.
      R"sql(CREATE TABLE IF NOT EXISTS event_deliveries (
  consumer TEXT PRIMARY KEY,
  delivered_sequence INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
)sql",
      // Callback steps: the token each parked attempt waits on and its answer, and the queues
      // Sluice provides, whose messages stay until a consumer deletes them.
      R"sql(CREATE TABLE IF NOT EXISTS callback_tokens (
  token TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  step_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  queue_url TEXT NOT NULL,
  queue_name TEXT NOT NULL,
  declared_outputs TEXT NOT NULL,
  status TEXT NOT NULL,
  outputs TEXT NOT NULL,
  failure_reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  completed_ms INTEGER
);
CREATE INDEX IF NOT EXISTS callback_tokens_by_execution
  ON callback_tokens (execution_id, step_name, attempt);
CREATE TABLE IF NOT EXISTS queue_messages (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  queue_name TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_ms INTEGER NOT NULL,
  visible_ms INTEGER NOT NULL,
  receipt_handle TEXT NOT NULL,
  receive_count INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_messages_by_queue
  ON queue_messages (queue_name, deleted, sequence);
)sql",
      // An execution's definition in a table of its own: SQLite rewrites a whole row on every
      // update, and an execution's row is updated with each change of its status.
      R"sql(CREATE TABLE IF NOT EXISTS execution_definitions (
  execution_id TEXT PRIMARY KEY REFERENCES executions(id),
  definition TEXT NOT NULL
);
INSERT OR IGNORE INTO execution_definitions (execution_id, definition)
  SELECT id, definition FROM executions;
UPDATE executions SET definition = '' WHERE definition != '';
)sql",
      // Describe*Job finds a step run by its job name in any case, which the index on the name
      // in binary collation could not serve: every lookup scanned step_runs, while every step's
      // first record still wrote an entry into that index.
      R"sql(DROP INDEX IF EXISTS step_runs_by_job;
CREATE INDEX IF NOT EXISTS step_runs_by_job_name ON step_runs (job_name COLLATE NOCASE);
)sql",
  };
  return migrations;
}

std::string MigrationScript(size_t applied) {
  const auto& migrations = Migrations();
  std::string script = "BEGIN IMMEDIATE;\n";
  for (size_t i = applied; i < migrations.size(); ++i) {
    script += migrations[i];
    script += "\n";
  }
  script += "PRAGMA user_version=" + std::to_string(migrations.size()) + ";\nCOMMIT;";
  return script;
}

}  // namespace sluice

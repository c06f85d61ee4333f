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
  };
  return migrations;
}

}  // namespace sluice

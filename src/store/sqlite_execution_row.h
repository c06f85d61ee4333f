// How the store's files read an execution's row: the columns to select from `executions` and
// the record built from them. Private to store/.
#pragma once

#include "model/records.h"
#include "store/sqlite_statement.h"

namespace sluice {

// The definition's text lives in a table of its own (written once, when the execution begins),
// so that the frequent updates of an execution's row do not read and rewrite megabytes of it.
inline constexpr const char* kExecutionColumns =
    "id, pipeline_name, display_name, status, failure_reason, "
    "(SELECT d.definition FROM execution_definitions d WHERE d.execution_id = executions.id), "
    "parameters, max_parallel_steps, created_ms, last_modified_ms";
// The same, with an empty definition: what a listing reads, where each text may be a megabyte.
inline constexpr const char* kExecutionSummaryColumns =
    "id, pipeline_name, display_name, status, failure_reason, '', "
    "parameters, max_parallel_steps, created_ms, last_modified_ms";

inline ExecutionRecord ReadExecution(const SqliteStatement& row) {
  ExecutionRecord record;
  record.id = row.Text(0);
  record.pipeline_name = row.Text(1);
  record.display_name = row.Text(2);
  record.status = ExecutionStatusFromName(row.Text(3)).value_or(ExecutionStatus::kFailed);
  record.failure_reason = row.Text(4);
  record.definition = row.Text(5);
  record.parameters_json = row.Text(6);
  record.max_parallel_steps = row.Integer(7);
  record.created = FromMillis(row.Integer(8));
  record.last_modified = FromMillis(row.Integer(9));
  return record;
}

}  // namespace sluice

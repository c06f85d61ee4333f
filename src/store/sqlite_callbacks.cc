// SqliteStore's part for Callback steps: the tokens parked attempts wait on, with their answers,
// and the queues Sluice provides. A queue works as SQS's standard queues do: a received message
// is hidden for a visibility timeout and comes back unless its receiver deletes it, with the
// receipt handle of that receive. Same connection and mutex as the rest.
#include "base/random_token.h"
#include "base/text.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_store.h"

namespace sluice {
namespace {

constexpr const char* kCallbackColumns =
    "token, execution_id, step_name, attempt, queue_url, queue_name, declared_outputs, status, "
    "outputs, failure_reason, created_ms, completed_ms";

CallbackRecord ReadCallback(const SqliteStatement& row) {
  CallbackRecord record;
  record.token = row.Text(0);
  record.execution_id = row.Text(1);
  record.step_name = row.Text(2);
  record.attempt = row.Integer(3);
  record.queue_url = row.Text(4);
  record.queue_name = row.Text(5);
  record.declared_outputs_json = row.Text(6);
  record.status = CallbackStatusFromName(row.Text(7)).value_or(CallbackStatus::kFailed);
  record.outputs_json = row.Text(8);
  record.failure_reason = row.Text(9);
  record.created = FromMillis(row.Integer(10));
  if (!row.IsNull(11)) record.completed = FromMillis(row.Integer(11));
  return record;
}

}  // namespace

Result<void> SqliteStore::WriteCallbacks(Transition& transition) {
  for (const CallbackRecord& callback : transition.callbacks) {
    SqliteStatement insert(
        database_, Prepared("INSERT OR IGNORE INTO callback_tokens (token, execution_id, "
                            "step_name, attempt, queue_url, queue_name, declared_outputs, status, "
                            "outputs, failure_reason, created_ms, completed_ms) VALUES (?1, ?2, "
                            "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL)"));
    insert.Bind(1, callback.token).Bind(2, callback.execution_id).Bind(3, callback.step_name);
    insert.Bind(4, callback.attempt).Bind(5, callback.queue_url).Bind(6, callback.queue_name);
    insert.Bind(7, callback.declared_outputs_json).Bind(8, CallbackStatusName(callback.status));
    insert.Bind(9, callback.outputs_json).Bind(10, callback.failure_reason);
    insert.Bind(11, ToMillis(callback.created));
    if (insert.Step() != SQLITE_DONE) {
      return insert.Failure("writing the callback token of step " + Quote(callback.step_name));
    }
  }
  for (QueueMessage& message : transition.queue_messages) {
    SqliteStatement insert(
        database_, Prepared("INSERT INTO queue_messages (queue_name, body, sent_ms, visible_ms, "
                            "receipt_handle, receive_count, deleted) VALUES (?1, ?2, ?3, ?3, '', "
                            "0, 0)"));
    insert.Bind(1, message.queue_name).Bind(2, message.body).Bind(3, ToMillis(message.sent));
    if (insert.Step() != SQLITE_DONE) {
      return insert.Failure("writing a message to queue " + Quote(message.queue_name));
    }
    message.sequence = sqlite3_last_insert_rowid(database_);
  }
  return {};
}

Result<std::optional<CallbackRecord>> SqliteStore::FindCallback(std::string_view token) {
  std::lock_guard lock(mutex_);
  const std::string sql =
      std::string("SELECT ") + kCallbackColumns + " FROM callback_tokens WHERE token = ?1";
  SqliteStatement query(database_, sql.c_str());
  query.Bind(1, token);
  const int status = query.Step();
  if (status == SQLITE_DONE) return std::optional<CallbackRecord>();
  if (status != SQLITE_ROW) return query.Failure("reading a callback token");
  return std::optional<CallbackRecord>(ReadCallback(query));
}

Result<std::vector<CallbackRecord>> SqliteStore::ListCallbacks(std::string_view execution_id,
                                                               bool is_pending_only) {
  std::lock_guard lock(mutex_);
  const std::string sql = std::string("SELECT ") + kCallbackColumns +
                          " FROM callback_tokens WHERE (?1 = '' OR execution_id = ?1) AND (?2 = "
                          "0 OR status = 'pending') ORDER BY created_ms, token";
  SqliteStatement query(database_, sql.c_str());
  query.Bind(1, execution_id).Bind(2, static_cast<int64_t>(is_pending_only ? 1 : 0));
  std::vector<CallbackRecord> records;
  int status;
  while ((status = query.Step()) == SQLITE_ROW) records.push_back(ReadCallback(query));
  if (status != SQLITE_DONE) return query.Failure("listing callback tokens");
  return records;
}

Result<CallbackRecord> SqliteStore::AnswerCallback(const CallbackRecord& answer, TimePoint now) {
  bool is_answered_now = false;
  {
    std::lock_guard lock(mutex_);
    // One statement, so that of two answers racing (the API and `sluice callback`) exactly one
    // finds the token pending.
    SqliteStatement update(database_,
                           "UPDATE callback_tokens SET status = ?2, outputs = ?3, "
                           "failure_reason = ?4, completed_ms = ?5 WHERE token = ?1 AND status = "
                           "'pending'");
    update.Bind(1, answer.token).Bind(2, CallbackStatusName(answer.status));
    update.Bind(3, answer.outputs_json).Bind(4, answer.failure_reason).Bind(5, ToMillis(now));
    if (update.Step() != SQLITE_DONE) return update.Failure("storing a callback answer");
    is_answered_now = sqlite3_changes(database_) == 1;
  }
  auto stored = FindCallback(answer.token);
  if (!stored) return stored.error();
  const std::string where = "callback token " + Quote(answer.token);
  if (!*stored) return NotFound(where, "is not known here");
  if (!is_answered_now) {
    return MakeError(
        ErrorCode::kConflict, where,
        "was answered already (" + std::string(CallbackStatusName((*stored)->status)) + ")");
  }
  return std::move(**stored);
}

Result<std::vector<QueueMessage>> SqliteStore::ReceiveQueueMessages(
    std::string_view queue_name, size_t limit, std::chrono::milliseconds visibility,
    TimePoint now) {
  std::lock_guard lock(mutex_);
  {
    // Long polls ask several times a second; most find nothing, and that need not take the
    // write lock the engine commits under.
    SqliteStatement any(database_,
                        "SELECT EXISTS (SELECT 1 FROM queue_messages WHERE queue_name = ?1 AND "
                        "deleted = 0 AND visible_ms <= ?2)");
    any.Bind(1, queue_name).Bind(2, ToMillis(now));
    if (any.Step() != SQLITE_ROW) return any.Failure("receiving from queue " + Quote(queue_name));
    if (any.Integer(0) == 0) return std::vector<QueueMessage>();
  }
  if (auto begun = Execute("BEGIN IMMEDIATE"); !begun) return begun.error();
  std::vector<QueueMessage> messages;
  auto received = [&]() -> Result<void> {
    SqliteStatement query(database_,
                          "SELECT sequence, body, sent_ms, receive_count FROM queue_messages "
                          "WHERE queue_name = ?1 AND deleted = 0 AND visible_ms <= ?2 ORDER BY "
                          "sequence LIMIT ?3");
    query.Bind(1, queue_name).Bind(2, ToMillis(now)).Bind(3, static_cast<int64_t>(limit));
    int status;
    while ((status = query.Step()) == SQLITE_ROW) {
      QueueMessage message;
      message.sequence = query.Integer(0);
      message.queue_name = std::string(queue_name);
      message.body = query.Text(1);
      message.sent = FromMillis(query.Integer(2));
      message.receive_count = query.Integer(3) + 1;
      // The sequence keeps handles of different messages apart; the random part makes a handle
      // unguessable and tells this receive from earlier ones.
      message.receipt_handle = std::to_string(message.sequence) + "-" + RandomAlphanumeric(24);
      messages.push_back(std::move(message));
    }
    if (status != SQLITE_DONE) return query.Failure("receiving from queue " + Quote(queue_name));
    for (const QueueMessage& message : messages) {
      SqliteStatement hide(database_,
                           "UPDATE queue_messages SET visible_ms = ?2, receipt_handle = ?3, "
                           "receive_count = ?4 WHERE sequence = ?1");
      hide.Bind(1, message.sequence).Bind(2, ToMillis(now + visibility));
      hide.Bind(3, message.receipt_handle).Bind(4, message.receive_count);
      if (hide.Step() != SQLITE_DONE) return hide.Failure("receiving from queue");
    }
    return {};
  }();
  if (!received) {
    Rollback();
    return received.error();
  }
  if (auto committed = Commit(); !committed) return committed.error();
  return messages;
}

Result<bool> SqliteStore::HideQueueMessage(std::string_view queue_name,
                                           std::string_view receipt_handle, TimePoint until) {
  std::lock_guard lock(mutex_);
  SqliteStatement update(database_,
                         "UPDATE queue_messages SET visible_ms = ?3 WHERE queue_name = ?1 AND "
                         "receipt_handle = ?2 AND receipt_handle != '' AND deleted = 0");
  update.Bind(1, queue_name).Bind(2, receipt_handle).Bind(3, ToMillis(until));
  if (update.Step() != SQLITE_DONE) return update.Failure("hiding a queue message");
  return sqlite3_changes(database_) == 1;
}

Result<bool> SqliteStore::DeleteQueueMessage(std::string_view queue_name,
                                             std::string_view receipt_handle) {
  std::lock_guard lock(mutex_);
  SqliteStatement update(database_,
                         "UPDATE queue_messages SET deleted = 1 WHERE queue_name = ?1 AND "
                         "receipt_handle = ?2 AND receipt_handle != '' AND deleted = 0");
  update.Bind(1, queue_name).Bind(2, receipt_handle);
  if (update.Step() != SQLITE_DONE) return update.Failure("deleting a queue message");
  return sqlite3_changes(database_) == 1;
}

}  // namespace sluice

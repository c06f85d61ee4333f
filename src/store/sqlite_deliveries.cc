// SqliteStore's part for event consumers: the events of every execution in commit order, and
// how far each consumer (a webhook) got through them. Same connection and mutex as the rest.
#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>

namespace sluice {
namespace {

Error StoreFailure(sqlite3* database, std::string_view what) {
  return MakeError(ErrorCode::kIo, "metadata store",
                   std::string(what) + ": " + sqlite3_errmsg(database));
}

std::string ColumnText(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

// A prepared statement, finalized when it goes out of scope.
struct Statement {
  Statement(sqlite3* database, const char* sql) {
    sqlite3_prepare_v2(database, sql, -1, &statement, nullptr);
  }
  ~Statement() { sqlite3_finalize(statement); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* statement = nullptr;
};

}  // namespace

Result<std::vector<Event>> SqliteStore::ListEventsOfAll(int64_t after_sequence, size_t limit) {
  std::lock_guard lock(mutex_);
  Statement query(database_,
                  "SELECT sequence, time_ms, execution_id, step_name, status, detail FROM events "
                  "WHERE sequence > ?1 ORDER BY sequence LIMIT ?2");
  if (query.statement == nullptr) return StoreFailure(database_, "listing events");
  sqlite3_bind_int64(query.statement, 1, after_sequence);
  sqlite3_bind_int64(query.statement, 2, static_cast<int64_t>(limit));
  std::vector<Event> events;
  int status;
  while ((status = sqlite3_step(query.statement)) == SQLITE_ROW) {
    Event event;
    event.sequence = sqlite3_column_int64(query.statement, 0);
    event.time = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::milliseconds(sqlite3_column_int64(query.statement, 1))));
    event.execution_id = ColumnText(query.statement, 2);
    event.step_name = ColumnText(query.statement, 3);
    event.status = ColumnText(query.statement, 4);
    event.detail = ColumnText(query.statement, 5);
    events.push_back(std::move(event));
  }
  if (status != SQLITE_DONE) return StoreFailure(database_, "listing events");
  return events;
}

Result<std::optional<int64_t>> SqliteStore::FindDeliveredSequence(std::string_view consumer) {
  std::lock_guard lock(mutex_);
  Statement query(database_, "SELECT delivered_sequence FROM event_deliveries WHERE consumer = ?1");
  if (query.statement == nullptr) return StoreFailure(database_, "reading a delivery position");
  sqlite3_bind_text(query.statement, 1, consumer.data(), static_cast<int>(consumer.size()),
                    SQLITE_TRANSIENT);
  const int status = sqlite3_step(query.statement);
  if (status == SQLITE_ROW) return std::optional<int64_t>(sqlite3_column_int64(query.statement, 0));
  if (status != SQLITE_DONE) return StoreFailure(database_, "reading a delivery position");
  return std::optional<int64_t>();
}

Result<void> SqliteStore::PutDeliveredSequence(std::string_view consumer, int64_t sequence) {
  std::lock_guard lock(mutex_);
  Statement put(
      database_,
      "INSERT INTO event_deliveries (consumer, delivered_sequence, updated_ms) "
      "VALUES (?1, ?2, ?3) ON CONFLICT (consumer) DO UPDATE SET "
      "delivered_sequence = excluded.delivered_sequence, updated_ms = excluded.updated_ms");
  if (put.statement == nullptr) return StoreFailure(database_, "storing a delivery position");
  sqlite3_bind_text(put.statement, 1, consumer.data(), static_cast<int>(consumer.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(put.statement, 2, sequence);
  sqlite3_bind_int64(put.statement, 3,
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  if (sqlite3_step(put.statement) != SQLITE_DONE) {
    return StoreFailure(database_, "storing a delivery position");
  }
  return {};
}

}  // namespace sluice

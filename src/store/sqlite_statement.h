// What the store's files share to talk to SQLite: a statement wrapper and the time columns'
// encoding. Private to store/.
#pragma once

#include "base/result.h"
#include "model/records.h"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <string_view>

namespace sluice {

inline int64_t ToMillis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

inline TimePoint FromMillis(int64_t millis) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

// A prepared statement, finalized when it goes out of scope; or one of the store's kept
// statements (SqliteStore::Prepared), only reset then, so that its next use compiles no SQL.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* database, const char* sql) : database_(database) {
    status_ = sqlite3_prepare_v2(database, sql, -1, &statement_, nullptr);
  }
  SqliteStatement(sqlite3* database, const std::string& sql)
      : SqliteStatement(database, sql.c_str()) {}
  SqliteStatement(sqlite3* database, sqlite3_stmt* kept)
      : database_(database), statement_(kept), is_kept_(true) {}
  ~SqliteStatement() {
    if (!is_kept_) {
      sqlite3_finalize(statement_);
      return;
    }
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool ok() const { return status_ == SQLITE_OK; }
  SqliteStatement& Bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  // For a large text: SQLite reads it in place instead of copying it first, so it must outlive
  // this statement (whose end resets it and clears its bindings).
  SqliteStatement& BindUncopied(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
  }
  SqliteStatement& Bind(int index, int64_t number) {
    sqlite3_bind_int64(statement_, index, number);
    return *this;
  }
  SqliteStatement& BindNull(int index) {
    sqlite3_bind_null(statement_, index);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return status_ = sqlite3_step(statement_); }
  std::string Text(int column) const {
    const auto* text = sqlite3_column_text(statement_, column);
    return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
  }
  int64_t Integer(int column) const { return sqlite3_column_int64(statement_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  Error Failure(std::string_view what) const {
    return MakeError(ErrorCode::kIo, "metadata store",
                     std::string(what) + ": " + sqlite3_errmsg(database_));
  }

 private:
  sqlite3* database_;
  sqlite3_stmt* statement_ = nullptr;
  bool is_kept_ = false;
  int status_ = SQLITE_OK;
};

}  // namespace sluice

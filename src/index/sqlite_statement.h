// One-shot SQLite statements for the index's small tables (accounts, tokens, person links):
// prepare, bind, step, finalize in one call. Internal to the index module. Why one-shot:
// these tables change rarely next to imaging queries, and this keeps them out of the
// prepared-statement cache.
#pragma once

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.h"

namespace custos::index::sql {

using Value = std::variant<std::nullptr_t, std::int64_t, std::string>;

struct Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// The error of the connection's last call: kConflict (constraint), kNoSpace, kCorruption,
// else kIoError; the message names `context` (e.g. "person links") and `what`.
inline Error db_error(sqlite3* db, std::string_view context, std::string_view what) {
  const int code = sqlite3_extended_errcode(db) & 0xFF;
  ErrorCode ec = ErrorCode::kIoError;
  if (code == SQLITE_CONSTRAINT) ec = ErrorCode::kConflict;
  if (code == SQLITE_FULL) ec = ErrorCode::kNoSpace;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ec = ErrorCode::kCorruption;
  std::string message = "index: ";
  if (!context.empty()) message += std::string(context) + ": ";
  return Error{ec, message + std::string(what) + ": " + sqlite3_errmsg(db)};
}

inline std::string col_text(sqlite3_stmt* s, int i) {
  const auto* t = sqlite3_column_text(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
           : std::string();
}

// Runs `sql` with `args`, calling on_row for each row; returns the number of rows changed.
template <class OnRow>
Result<int> run(sqlite3* db, std::string_view context, const char* sql,
                const std::vector<Value>& args, OnRow on_row) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    return fail(db_error(db, context, "cannot prepare statement"));
  }
  const std::unique_ptr<sqlite3_stmt, Finalize> stmt(raw);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const int n = static_cast<int>(i + 1);
    if (const auto* v = std::get_if<std::int64_t>(&args[i])) {
      sqlite3_bind_int64(raw, n, *v);
    } else if (const auto* t = std::get_if<std::string>(&args[i])) {
      sqlite3_bind_text(raw, n, t->data(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(raw, n);
    }
  }
  for (;;) {
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return fail(db_error(db, context, "query failed"));
    on_row(raw);
  }
  return sqlite3_changes(db);
}

}  // namespace custos::index::sql

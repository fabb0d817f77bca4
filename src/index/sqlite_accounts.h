// (internal to index/) The users and api_tokens tables of the SQLite index, kept apart from
// the imaging tables. Called by SqliteIndex inside its transactions, under its mutex.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "index/records.h"

struct sqlite3;

namespace custos::index::sqlite_accounts {

[[nodiscard]] Result<std::optional<UserRow>> user(sqlite3* db, const std::string& name);
[[nodiscard]] Result<std::vector<UserRow>> users(sqlite3* db);
[[nodiscard]] Status add_user(sqlite3* db, const UserRow& row);
[[nodiscard]] Status update_user(sqlite3* db, const UserRow& row);
[[nodiscard]] Status remove_user(sqlite3* db, const std::string& name);

[[nodiscard]] Result<std::optional<TokenRow>> token(sqlite3* db, const std::string& name);
[[nodiscard]] Result<std::optional<TokenRow>> token_by_hash(sqlite3* db, const std::string& hex);
[[nodiscard]] Result<std::vector<TokenRow>> tokens(sqlite3* db);
[[nodiscard]] Status add_token(sqlite3* db, const TokenRow& row);
[[nodiscard]] Status update_token(sqlite3* db, const TokenRow& row);

}  // namespace custos::index::sqlite_accounts

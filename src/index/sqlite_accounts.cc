// Accounts and tokens in SQLite. Statements are prepared per call: sign-ins and token checks
// are rare next to imaging queries, and this keeps these tables out of the statement cache.
#include "index/sqlite_accounts.h"


#include <memory>
#include <sstream>

#include "index/sqlite_statement.h"

namespace custos::index::sqlite_accounts {
namespace {

using sql::col_text;
using sql::Value;

template <class OnRow>
Result<int> run(sqlite3* db, const char* statement, const std::vector<Value>& args,
                OnRow on_row) {
  return sql::run(db, "", statement, args, on_row);
}

Result<int> exec(sqlite3* db, const char* sql, const std::vector<Value>& args) {
  return run(db, sql, args, [](sqlite3_stmt*) {});
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

constexpr const char* kUserSelect =
    "SELECT name, role, password_hash, totp_secret, totp_last_step, recovery_code_hashes, "
    "created, disabled FROM users";

UserRow read_user(sqlite3_stmt* s) {
  UserRow r;
  r.name = col_text(s, 0);
  r.role = col_text(s, 1);
  r.password_hash = col_text(s, 2);
  r.totp_secret = col_text(s, 3);
  r.totp_last_step = sqlite3_column_int64(s, 4);
  r.recovery_code_hashes = split(col_text(s, 5));
  r.created = sqlite3_column_int64(s, 6);
  r.disabled = sqlite3_column_int64(s, 7) != 0;
  return r;
}

constexpr const char* kTokenSelect =
    "SELECT name, user_name, sha256, read_only, created, last_used, revoked FROM api_tokens";

TokenRow read_token(sqlite3_stmt* s) {
  TokenRow r;
  r.name = col_text(s, 0);
  r.user = col_text(s, 1);
  r.sha256 = col_text(s, 2);
  r.read_only = sqlite3_column_int64(s, 3) != 0;
  r.created = sqlite3_column_int64(s, 4);
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) r.last_used = sqlite3_column_int64(s, 5);
  r.revoked = sqlite3_column_int64(s, 6) != 0;
  return r;
}

template <class Row, class Reader>
Result<std::vector<Row>> select(sqlite3* db, const std::string& sql,
                                const std::vector<Value>& args, Reader reader) {
  std::vector<Row> out;
  auto n = run(db, sql.c_str(), args, [&](sqlite3_stmt* s) { out.push_back(reader(s)); });
  if (!n) return fail(n.error());
  return out;
}

template <class Row>
Result<std::optional<Row>> first(Result<std::vector<Row>> all) {
  if (!all) return fail(all.error());
  if (all->empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(all->front()));
}

Value opt(const std::optional<std::int64_t>& v) {
  if (v) return *v;
  return nullptr;
}

}  // namespace

Result<std::optional<UserRow>> user(sqlite3* db, const std::string& name) {
  return first(select<UserRow>(db, std::string(kUserSelect) + " WHERE name = ?1", {name},
                               read_user));
}

Result<std::vector<UserRow>> users(sqlite3* db) {
  return select<UserRow>(db, std::string(kUserSelect) + " ORDER BY name", {}, read_user);
}

Status add_user(sqlite3* db, const UserRow& r) {
  auto n = exec(db,
                "INSERT INTO users(name, role, password_hash, totp_secret, totp_last_step, "
                "recovery_code_hashes, created, disabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                {r.name, r.role, r.password_hash, r.totp_secret, r.totp_last_step,
                 join(r.recovery_code_hashes), r.created, std::int64_t{r.disabled}});
  if (!n) {
    if (n.error().code == ErrorCode::kConflict) {
      return fail(ErrorCode::kConflict, "a user named " + r.name + " already exists");
    }
    return fail(n.error());
  }
  return {};
}

Status update_user(sqlite3* db, const UserRow& r) {
  auto n = exec(db,
                "UPDATE users SET role = ?2, password_hash = ?3, totp_secret = ?4, "
                "totp_last_step = ?5, recovery_code_hashes = ?6, disabled = ?7 WHERE name = ?1",
                {r.name, r.role, r.password_hash, r.totp_secret, r.totp_last_step,
                 join(r.recovery_code_hashes), std::int64_t{r.disabled}});
  if (!n) return fail(n.error());
  if (*n == 0) return fail(ErrorCode::kNotFound, "no user named " + r.name);
  return {};
}

Status remove_user(sqlite3* db, const std::string& name) {
  auto n = exec(db, "DELETE FROM users WHERE name = ?1", {name});
  if (!n) return fail(n.error());
  if (*n == 0) return fail(ErrorCode::kNotFound, "no user named " + name);
  return {};
}

Result<std::optional<TokenRow>> token(sqlite3* db, const std::string& name) {
  return first(select<TokenRow>(db, std::string(kTokenSelect) + " WHERE name = ?1", {name},
                                read_token));
}

Result<std::optional<TokenRow>> token_by_hash(sqlite3* db, const std::string& hex) {
  return first(select<TokenRow>(db, std::string(kTokenSelect) + " WHERE sha256 = ?1", {hex},
                                read_token));
}

Result<std::vector<TokenRow>> tokens(sqlite3* db) {
  return select<TokenRow>(db, std::string(kTokenSelect) + " ORDER BY name", {}, read_token);
}

Status add_token(sqlite3* db, const TokenRow& r) {
  auto n = exec(db,
                "INSERT INTO api_tokens(name, user_name, sha256, read_only, created, last_used, "
                "revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                {r.name, r.user, r.sha256, std::int64_t{r.read_only}, r.created, opt(r.last_used),
                 std::int64_t{r.revoked}});
  if (!n) {
    if (n.error().code == ErrorCode::kConflict) {
      return fail(ErrorCode::kConflict, "a token named " + r.name + " already exists");
    }
    return fail(n.error());
  }
  return {};
}

Status update_token(sqlite3* db, const TokenRow& r) {
  auto n = exec(db,
                "UPDATE api_tokens SET user_name = ?2, read_only = ?3, last_used = ?4, "
                "revoked = ?5 WHERE name = ?1",
                {r.name, r.user, std::int64_t{r.read_only}, opt(r.last_used),
                 std::int64_t{r.revoked}});
  if (!n) return fail(n.error());
  if (*n == 0) return fail(ErrorCode::kNotFound, "no token named " + r.name);
  return {};
}

}  // namespace custos::index::sqlite_accounts

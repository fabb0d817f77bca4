// Accounts and API tokens: owner-only changes, each audited in the index transaction that
// makes it, and the lookups sign-in needs. Secrets never reach the audit trail or a message.
#include <algorithm>

#include "crypto/api_token.h"
#include "crypto/secure_bytes.h"
#include "crypto/totp.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {

using std::chrono::system_clock;

std::int64_t unix_seconds(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

system_clock::time_point from_unix(std::int64_t s) {
  return system_clock::time_point(std::chrono::seconds(s));
}

UserInfo user_info(const index::UserRow& r) {
  UserInfo u;
  u.name = r.name;
  u.role = parse_role(r.role).value_or(Role::kViewer);
  u.totp_enrolled = !r.totp_secret.empty();
  u.recovery_codes_left = r.recovery_code_hashes.size();
  u.created = from_unix(r.created);
  u.disabled = r.disabled;
  return u;
}

TokenInfo token_info(const index::TokenRow& r) {
  TokenInfo t;
  t.name = r.name;
  t.user = r.user;
  t.read_only = r.read_only;
  t.created = from_unix(r.created);
  if (r.last_used) t.last_used = from_unix(*r.last_used);
  t.revoked = r.revoked;
  return t;
}

Result<index::UserRow> existing_user(index::ReadTxn& txn, const std::string& name) {
  auto u = txn.user(name);
  if (!u) return fail(u.error());
  if (!*u) return fail(ErrorCode::kNotFound, "no user named " + name + " (see custos user list)");
  return std::move(**u);
}

audit::Entry entry(const std::string& action, const std::string& detail) {
  audit::Entry e;
  e.action = action;
  e.detail = detail;
  return e;
}

}  // namespace

Status check_account_name(std::string_view what, std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
                  });
  if (ok) return {};
  return fail(ErrorCode::kInvalidArgument,
              std::string(what) + " names are 1 to 64 letters, digits or . _ - @");
}

Status Vault::require(const Caller& caller, Permission permission, std::string_view action) {
  if (permits(caller.role, caller.read_only, permission)) return {};
  const std::string who = caller.read_only ? "a read-only token"
                                           : "the " + std::string(to_string(caller.role)) + " role";
  const std::string detail = std::string(action) + " needs " + std::string(to_string(permission));
  (void)record(caller, "access.denied", {}, audit::Outcome::kFailure, detail);
  return fail(ErrorCode::kPermissionDenied,
              who + " may not do this (" + std::string(action) + " needs the " +
                  std::string(to_string(permission)) + " permission)");
}

Status Vault::write_audited(const Caller& caller, audit::Entry e,
                            const std::function<Status(index::WriteTxn&)>& fn) {
  auto s = index_->write([&](index::WriteTxn& txn) -> Status {
    if (auto done = fn(txn); !done) return done;
    auto head = append_audit(caller, std::span(&e, 1));
    if (!head) return fail(head.error());
    if (*head) return txn.set_meta(kAuditHeadKey, **head);
    return {};
  });
  if (!s) (void)record(caller, e.action, {}, audit::Outcome::kFailure, s.error().message);
  return s;
}

Status Vault::add_user(const Caller& caller, const std::string& name, Role role,
                       const std::string& password) {
  if (auto s = require(caller, Permission::kManageAccounts, "user.add"); !s) return s;
  if (auto s = check_account_name("user", name); !s) return s;
  auto hash = crypto::hash_password(password, password_params_);
  if (!hash) return fail(hash.error());
  index::UserRow row;
  row.name = name;
  row.role = std::string(to_string(role));
  row.password_hash = *hash;
  row.created = unix_seconds(clock_.now());
  return write_audited(caller, entry("user.add", name + " as " + row.role),
                       [&](index::WriteTxn& txn) { return txn.add_user(row); });
}

Status Vault::set_password(const Caller& caller, const std::string& name,
                           const std::string& password) {
  const bool self = caller.actor.kind == audit::ActorKind::kUser && caller.actor.id == name &&
                    !caller.read_only;
  if (!self) {
    if (auto s = require(caller, Permission::kManageAccounts, "user.password"); !s) return s;
  }
  auto hash = crypto::hash_password(password, password_params_);
  if (!hash) return fail(hash.error());
  return write_audited(caller, entry("user.password", name), [&](index::WriteTxn& txn) -> Status {
    auto row = existing_user(txn, name);
    if (!row) return fail(row.error());
    row->password_hash = *hash;
    return txn.update_user(*row);
  });
}

Status Vault::remove_user(const Caller& caller, const std::string& name) {
  if (auto s = require(caller, Permission::kManageAccounts, "user.remove"); !s) return s;
  return write_audited(caller, entry("user.remove", name), [&](index::WriteTxn& txn) -> Status {
    if (auto s = txn.remove_user(name); !s) return s;
    auto tokens = txn.tokens();
    if (!tokens) return fail(tokens.error());
    for (auto& t : *tokens) {
      if (t.user != name || t.revoked) continue;
      t.revoked = true;
      if (auto s = txn.update_token(t); !s) return s;
    }
    return {};
  });
}

Result<std::vector<UserInfo>> Vault::list_users(const Caller& caller) {
  if (auto s = require(caller, Permission::kManageAccounts, "user.list"); !s) return fail(s.error());
  std::vector<UserInfo> out;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto rows = txn.users();
    if (!rows) return fail(rows.error());
    for (const auto& r : *rows) out.push_back(user_info(r));
    return {};
  });
  if (!s) return fail(s.error());
  if (auto a = record(caller, "user.list", {}, audit::Outcome::kSuccess, ""); !a) {
    return fail(a.error());
  }
  return out;
}

Result<TotpEnrolment> Vault::enrol_totp(const Caller& caller, const std::string& name) {
  if (auto s = require(caller, Permission::kManageAccounts, "user.totp.enrol"); !s) {
    return fail(s.error());
  }
  TotpEnrolment out;
  out.secret_base32 = crypto::generate_totp_secret();
  out.uri = crypto::otpauth_uri("custos", name, out.secret_base32);
  out.recovery_codes = crypto::generate_recovery_codes();
  auto s = write_audited(caller, entry("user.totp.enrol", name),
                         [&](index::WriteTxn& txn) -> Status {
    auto row = existing_user(txn, name);
    if (!row) return fail(row.error());
    row->totp_secret = out.secret_base32;
    row->totp_last_step = 0;
    row->recovery_code_hashes.clear();
    for (const auto& c : out.recovery_codes) {
      row->recovery_code_hashes.push_back(crypto::recovery_code_hash(c));
    }
    return txn.update_user(*row);
  });
  if (!s) return fail(s.error());
  return out;
}

Status Vault::disable_totp(const Caller& caller, const std::string& name) {
  if (auto s = require(caller, Permission::kManageAccounts, "user.totp.disable"); !s) return s;
  return write_audited(caller, entry("user.totp.disable", name),
                       [&](index::WriteTxn& txn) -> Status {
    auto row = existing_user(txn, name);
    if (!row) return fail(row.error());
    row->totp_secret.clear();
    row->totp_last_step = 0;
    row->recovery_code_hashes.clear();
    return txn.update_user(*row);
  });
}

Result<NewToken> Vault::create_token(const Caller& caller, const std::string& name,
                                     const std::string& user, bool read_only) {
  if (auto s = require(caller, Permission::kManageAccounts, "token.create"); !s) {
    return fail(s.error());
  }
  if (auto s = check_account_name("token", name); !s) return fail(s.error());
  auto secret = crypto::generate_api_token();
  if (!secret) return fail(secret.error());
  index::TokenRow row;
  row.name = name;
  row.sha256 = to_hex(secret->sha256);
  row.read_only = read_only;
  row.created = unix_seconds(clock_.now());
  auto s = write_audited(caller, entry("token.create", name + (read_only ? " read-only" : "")),
                         [&](index::WriteTxn& txn) -> Status {
    row.user = user;
    if (row.user.empty() && caller.actor.kind == audit::ActorKind::kUser) {
      row.user = caller.actor.id;
    }
    if (row.user.empty()) {
      auto users = txn.users();
      if (!users) return fail(users.error());
      int owners = 0;
      for (const auto& u : *users) {
        if (u.role == "owner" && !u.disabled) {
          ++owners;
          row.user = u.name;
        }
      }
      if (owners != 1) {
        return fail(ErrorCode::kInvalidArgument,
                    owners == 0 ? "no owner account yet: add one first (custos user add NAME "
                                  "--role owner) or name the user with --user"
                                : "more than one owner account: name the user with --user");
      }
    }
    if (auto u = existing_user(txn, row.user); !u) return fail(u.error());
    return txn.add_token(row);
  });
  if (!s) return fail(s.error());
  NewToken out;
  out.info = token_info(row);
  out.secret = std::move(secret->text);
  return out;
}

Status Vault::revoke_token(const Caller& caller, const std::string& name) {
  if (auto s = require(caller, Permission::kManageAccounts, "token.revoke"); !s) return s;
  return write_audited(caller, entry("token.revoke", name), [&](index::WriteTxn& txn) -> Status {
    auto t = txn.token(name);
    if (!t) return fail(t.error());
    if (!*t) return fail(ErrorCode::kNotFound, "no token named " + name + " (see custos token list)");
    (*t)->revoked = true;
    return txn.update_token(**t);
  });
}

Result<std::vector<TokenInfo>> Vault::list_tokens(const Caller& caller) {
  if (auto s = require(caller, Permission::kManageAccounts, "token.list"); !s) {
    return fail(s.error());
  }
  std::vector<TokenInfo> out;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto rows = txn.tokens();
    if (!rows) return fail(rows.error());
    for (const auto& r : *rows) out.push_back(token_info(r));
    return {};
  });
  if (!s) return fail(s.error());
  if (auto a = record(caller, "token.list", {}, audit::Outcome::kSuccess, ""); !a) {
    return fail(a.error());
  }
  return out;
}

Result<std::optional<index::UserRow>> Vault::find_user(const std::string& name) {
  std::optional<index::UserRow> out;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto u = txn.user(name);
    if (!u) return fail(u.error());
    out = std::move(*u);
    return {};
  });
  if (!s) return fail(s.error());
  return out;
}

Result<std::optional<index::TokenRow>> Vault::find_token_by_hash(const Digest& sha256) {
  std::optional<index::TokenRow> out;
  const std::string hex = to_hex(sha256);
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto t = txn.token_by_hash(hex);
    if (!t) return fail(t.error());
    out = std::move(*t);
    return {};
  });
  if (!s) return fail(s.error());
  if (out) {
    Digest stored{};
    if (!from_hex(out->sha256, stored) ||
        !crypto::equal_constant_time(std::as_bytes(std::span(stored)),
                                     std::as_bytes(std::span(sha256)))) {
      return std::optional<index::TokenRow>();
    }
  }
  return out;
}

Status Vault::touch_token(const std::string& name, system_clock::time_point when) {
  return index_->write([&](index::WriteTxn& txn) -> Status {
    auto t = txn.token(name);
    if (!t) return fail(t.error());
    if (!*t) return fail(ErrorCode::kNotFound, "no token named " + name);
    (*t)->last_used = unix_seconds(when);
    return txn.update_token(**t);
  });
}

Result<bool> Vault::accept_totp_step(const std::string& name, std::int64_t step) {
  bool accepted = false;
  auto s = index_->write([&](index::WriteTxn& txn) -> Status {
    auto row = existing_user(txn, name);
    if (!row) return fail(row.error());
    if (row->totp_secret.empty() || step <= row->totp_last_step) return {};
    row->totp_last_step = step;
    accepted = true;
    return txn.update_user(*row);
  });
  if (!s) return fail(s.error());
  return accepted;
}

Result<bool> Vault::use_recovery_code(const Caller& who, const std::string& name,
                                      const std::string& code) {
  const std::string hash = crypto::recovery_code_hash(code);
  bool used = false;
  auto s = index_->write([&](index::WriteTxn& txn) -> Status {
    auto row = existing_user(txn, name);
    if (!row) return fail(row.error());
    auto& hashes = row->recovery_code_hashes;
    auto it = std::find_if(hashes.begin(), hashes.end(), [&](const std::string& h) {
      return h.size() == hash.size() &&
             crypto::equal_constant_time(std::as_bytes(std::span(h.data(), h.size())),
                                         std::as_bytes(std::span(hash.data(), hash.size())));
    });
    if (it == hashes.end()) return {};
    hashes.erase(it);
    used = true;
    if (auto u = txn.update_user(*row); !u) return u;
    audit::Entry e = entry("user.recovery_code.use",
                           std::to_string(hashes.size()) + " recovery codes left");
    auto head = append_audit(who, std::span(&e, 1));
    if (!head) return fail(head.error());
    if (*head) return txn.set_meta(kAuditHeadKey, **head);
    return {};
  });
  if (!s) return fail(s.error());
  return used;
}

Status Vault::rehash_password(const std::string& name, const std::string& old_hash,
                              const std::string& new_hash) {
  return index_->write([&](index::WriteTxn& txn) -> Status {
    auto row = existing_user(txn, name);
    if (!row) return fail(row.error());
    if (row->password_hash != old_hash) return {};  // changed meanwhile: keep the newer one
    row->password_hash = new_hash;
    return txn.update_user(*row);
  });
}

}  // namespace custos::vault

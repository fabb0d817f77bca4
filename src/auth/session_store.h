// Signed-in browser sessions, held in memory only: a restart signs everyone out, and there
// is no session table for a copy of the vault to leak (docs/adr/0007-identity-and-access.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/error.h"
#include "vault/access.h"

namespace custos::auth {

struct SessionOptions {
  std::chrono::seconds idle_timeout = std::chrono::minutes(15);
  std::chrono::seconds absolute_lifetime = std::chrono::hours(12);
  std::size_t max_sessions = 10'000;  // beyond it, the least recently seen is dropped
};

struct Session {
  std::string id;    // 256 random bits, base64url: the cookie value
  std::string csrf;  // 256 random bits, base64url: required on state-changing requests
  std::string user;
  vault::Role role = vault::Role::kViewer;
  std::chrono::system_clock::time_point created;
  std::chrono::system_clock::time_point last_seen;
  // A fingerprint of the password hash at sign-in: when the password changes (even from
  // another process), the session no longer matches and ends.
  std::string credential_stamp;
};

// Thread-safe (one mutex). Ids are looked up by their SHA-256, so the map's timing says
// nothing about stored ids.
class SessionStore {
 public:
  explicit SessionStore(const Clock& clock, SessionOptions options = {});

  // A new session for `user`, created and last seen now.
  [[nodiscard]] Session create(const std::string& user, vault::Role role,
                               const std::string& credential_stamp = {});
  // Marks the session seen at `now` and returns it. kUnauthenticated when the id is unknown,
  // idle for longer than the idle timeout, or older than the absolute lifetime (an expired
  // session is removed).
  [[nodiscard]] Result<Session> touch(const std::string& id,
                                      std::chrono::system_clock::time_point now);
  [[nodiscard]] Result<Session> touch(const std::string& id) { return touch(id, clock_.now()); }
  // Ends one session; unknown ids are ignored.
  void destroy(const std::string& id);
  // Ends every session of `user` (password changed, account removed); returns how many.
  std::size_t destroy_all_of(const std::string& user);
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] const SessionOptions& options() const { return options_; }

 private:
  [[nodiscard]] bool expired(const Session& s, std::chrono::system_clock::time_point now) const;
  void sweep(std::chrono::system_clock::time_point now);  // mutex held

  const Clock& clock_;
  const SessionOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Session> by_key_;  // key: hex SHA-256 of the id
};

}  // namespace custos::auth

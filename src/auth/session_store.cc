#include "auth/session_store.h"

#include <algorithm>

#include "base/sha256.h"
#include "crypto/api_token.h"

namespace custos::auth {
namespace {

std::string key_of(const std::string& id) {
  return to_hex(sha256_of(std::as_bytes(std::span(id.data(), id.size()))));
}

}  // namespace

SessionStore::SessionStore(const Clock& clock, SessionOptions options)
    : clock_(clock), options_(options) {}

bool SessionStore::expired(const Session& s, std::chrono::system_clock::time_point now) const {
  return now - s.last_seen > options_.idle_timeout ||
         now - s.created > options_.absolute_lifetime;
}

void SessionStore::sweep(std::chrono::system_clock::time_point now) {
  std::erase_if(by_key_, [&](const auto& kv) { return expired(kv.second, now); });
  while (by_key_.size() >= options_.max_sessions && !by_key_.empty()) {
    auto oldest = std::min_element(by_key_.begin(), by_key_.end(), [](const auto& a, const auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    by_key_.erase(oldest);
  }
}

Session SessionStore::create(const std::string& user, vault::Role role,
                             const std::string& credential_stamp) {
  Session s;
  s.id = crypto::random_id_256();
  s.csrf = crypto::random_id_256();
  s.user = user;
  s.role = role;
  s.created = s.last_seen = clock_.now();
  s.credential_stamp = credential_stamp;
  const std::lock_guard lock(mutex_);
  sweep(s.created);
  by_key_[key_of(s.id)] = s;
  return s;
}

Result<Session> SessionStore::touch(const std::string& id,
                                    std::chrono::system_clock::time_point now) {
  const std::string key = key_of(id);
  const std::lock_guard lock(mutex_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    return fail(ErrorCode::kUnauthenticated, "not signed in (unknown or ended session)");
  }
  if (expired(it->second, now)) {
    by_key_.erase(it);
    return fail(ErrorCode::kUnauthenticated, "the session has expired; sign in again");
  }
  it->second.last_seen = std::max(it->second.last_seen, now);
  return it->second;
}

void SessionStore::destroy(const std::string& id) {
  const std::string key = key_of(id);
  const std::lock_guard lock(mutex_);
  by_key_.erase(key);
}

std::size_t SessionStore::destroy_all_of(const std::string& user) {
  const std::lock_guard lock(mutex_);
  return std::erase_if(by_key_, [&](const auto& kv) { return kv.second.user == user; });
}

std::size_t SessionStore::size() const {
  const std::lock_guard lock(mutex_);
  return by_key_.size();
}

}  // namespace custos::auth

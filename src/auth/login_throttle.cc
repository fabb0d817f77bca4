#include "auth/login_throttle.h"

#include <algorithm>

namespace custos::auth {
namespace {

using std::chrono::seconds;
using time_point = std::chrono::system_clock::time_point;

void drop_older(std::deque<time_point>& q, time_point now, seconds window) {
  while (!q.empty() && now - q.front() >= window) q.pop_front();
}

seconds ceil_seconds(std::chrono::system_clock::duration d) {
  return std::max(seconds(1), std::chrono::ceil<seconds>(d));
}

}  // namespace

LoginThrottle::LoginThrottle(const Clock& clock, ThrottleOptions options)
    : clock_(clock), options_(options) {}

ThrottleDecision LoginThrottle::check(const std::string& account, const std::string& ip) {
  const auto now = clock_.now();
  const std::lock_guard lock(mutex_);
  if (auto it = ips_.find(ip); it != ips_.end()) {
    drop_older(it->second, now, options_.ip_window);
    if (static_cast<int>(it->second.size()) >= options_.ip_failures) {
      return {ThrottleVerdict::kIpThrottled,
              ceil_seconds(it->second.front() + options_.ip_window - now)};
    }
  }
  if (auto it = accounts_.find(account); it != accounts_.end() && now < it->second.locked_until) {
    return {ThrottleVerdict::kAccountLocked, ceil_seconds(it->second.locked_until - now)};
  }
  return {};
}

void LoginThrottle::record_failure(const std::string& account, const std::string& ip) {
  const auto now = clock_.now();
  const std::lock_guard lock(mutex_);
  if (accounts_.size() + ips_.size() >= options_.max_tracked) prune(now);
  auto& ipq = ips_[ip];
  drop_older(ipq, now, options_.ip_window);
  ipq.push_back(now);
  auto& a = accounts_[account];
  if (now < a.locked_until) return;  // attempts while locked are refused before they count
  drop_older(a.failures, now, options_.account_window);
  a.failures.push_back(now);
  if (static_cast<int>(a.failures.size()) >= options_.account_failures) {
    auto lockout = options_.first_lockout;
    for (int i = 0; i < a.lockouts && lockout < options_.max_lockout; ++i) lockout *= 2;
    lockout = std::min(lockout, options_.max_lockout);
    a.locked_until = now + lockout;
    ++a.lockouts;
    a.failures.clear();
  }
}

void LoginThrottle::record_success(const std::string& account) {
  const std::lock_guard lock(mutex_);
  accounts_.erase(account);
}

void LoginThrottle::prune(time_point now) {
  for (auto it = ips_.begin(); it != ips_.end();) {
    drop_older(it->second, now, options_.ip_window);
    it = it->second.empty() ? ips_.erase(it) : std::next(it);
  }
  // An account keeps its lockout history for a day after its last lock ends (so doubling
  // still applies to a slow, patient attacker), then it is forgotten.
  for (auto it = accounts_.begin(); it != accounts_.end();) {
    drop_older(it->second.failures, now, options_.account_window);
    const bool stale =
        it->second.failures.empty() && now >= it->second.locked_until + options_.max_lockout;
    it = stale ? accounts_.erase(it) : std::next(it);
  }
}

}  // namespace custos::auth

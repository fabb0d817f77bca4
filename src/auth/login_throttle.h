// Slows password guessing: per account, 5 failures within 15 minutes lock it for 15
// minutes, doubling with each further lockout up to 24 hours (a success resets both); per
// IP address, 20 failures within 15 minutes refuse further attempts from it until the
// oldest failure leaves the window.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"

namespace custos::auth {

struct ThrottleOptions {
  int account_failures = 5;
  std::chrono::seconds account_window = std::chrono::minutes(15);
  std::chrono::seconds first_lockout = std::chrono::minutes(15);
  std::chrono::seconds max_lockout = std::chrono::hours(24);
  int ip_failures = 20;
  std::chrono::seconds ip_window = std::chrono::minutes(15);
  std::size_t max_tracked = 100'000;  // accounts + addresses remembered; stale ones dropped
};

enum class ThrottleVerdict { kAllowed, kAccountLocked, kIpThrottled };

struct ThrottleDecision {
  ThrottleVerdict verdict = ThrottleVerdict::kAllowed;
  std::chrono::seconds retry_after{0};
  [[nodiscard]] bool allowed() const { return verdict == ThrottleVerdict::kAllowed; }
};

// Thread-safe (one mutex). Account names are tracked whether or not the account exists, so
// the answers do not tell which names are real.
class LoginThrottle {
 public:
  explicit LoginThrottle(const Clock& clock, ThrottleOptions options = {});

  // Whether an attempt for `account` from `ip` may go ahead now.
  [[nodiscard]] ThrottleDecision check(const std::string& account, const std::string& ip);
  void record_failure(const std::string& account, const std::string& ip);
  // Clears the account's failures and its lockout history (not the address's).
  void record_success(const std::string& account);

 private:
  struct AccountState {
    std::deque<std::chrono::system_clock::time_point> failures;
    std::chrono::system_clock::time_point locked_until{};
    int lockouts = 0;
  };
  using Failures = std::deque<std::chrono::system_clock::time_point>;
  void prune(std::chrono::system_clock::time_point now);  // mutex held

  const Clock& clock_;
  const ThrottleOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::string, AccountState> accounts_;
  std::unordered_map<std::string, Failures> ips_;
};

}  // namespace custos::auth

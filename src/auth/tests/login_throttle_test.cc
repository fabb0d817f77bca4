// The login throttle on a fake clock: account lockout after 5 failures in 15 minutes,
// doubling on repeat up to 24 hours, reset by a success; 20 failures per address.
#include "auth/login_throttle.h"

#include <gtest/gtest.h>

#include "auth/tests/fake_clock.h"

namespace custos::auth {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

void fail_n(LoginThrottle& t, const std::string& account, const std::string& ip, int n) {
  for (int i = 0; i < n; ++i) t.record_failure(account, ip);
}

TEST(LoginThrottle, FiveFailuresLockTheAccountForFifteenMinutes) {
  FakeClock clock;
  LoginThrottle t(clock);
  fail_n(t, "jane", "10.0.0.1", 4);
  EXPECT_TRUE(t.check("jane", "10.0.0.1").allowed());
  t.record_failure("jane", "10.0.0.2");
  auto d = t.check("jane", "10.0.0.3");
  EXPECT_EQ(d.verdict, ThrottleVerdict::kAccountLocked) << "whatever the address";
  EXPECT_EQ(d.retry_after, 15min);
  EXPECT_TRUE(t.check("vic", "10.0.0.1").allowed()) << "other accounts are not affected";
  clock.advance(15min - 1s);
  EXPECT_FALSE(t.check("jane", "10.0.0.1").allowed());
  clock.advance(1s);
  EXPECT_TRUE(t.check("jane", "10.0.0.1").allowed());
}

TEST(LoginThrottle, FailuresOutsideTheWindowDoNotCount) {
  FakeClock clock;
  LoginThrottle t(clock);
  fail_n(t, "jane", "ip", 4);
  clock.advance(15min);
  t.record_failure("jane", "ip");
  EXPECT_TRUE(t.check("jane", "ip").allowed());
}

TEST(LoginThrottle, RepeatedLockoutsDoubleUpToADay) {
  FakeClock clock;
  LoginThrottle t(clock, {.ip_failures = 1'000'000});
  std::chrono::seconds expected = 15min;
  for (int round = 0; round < 10; ++round) {
    fail_n(t, "jane", "ip", 5);
    auto d = t.check("jane", "ip");
    ASSERT_EQ(d.verdict, ThrottleVerdict::kAccountLocked) << round;
    EXPECT_EQ(d.retry_after, std::min<std::chrono::seconds>(expected, 24h)) << round;
    // Attempts during the lockout are refused and do not extend it.
    fail_n(t, "jane", "ip", 3);
    EXPECT_EQ(t.check("jane", "ip").retry_after, d.retry_after);
    clock.advance(d.retry_after);
    EXPECT_TRUE(t.check("jane", "ip").allowed());
    expected *= 2;
  }
}

TEST(LoginThrottle, SuccessResetsTheAccount) {
  FakeClock clock;
  LoginThrottle t(clock);
  fail_n(t, "jane", "ip", 5);
  clock.advance(15min);
  t.record_success("jane");
  fail_n(t, "jane", "ip", 4);
  EXPECT_TRUE(t.check("jane", "ip").allowed()) << "the failure count starts over";
  t.record_failure("jane", "ip");
  EXPECT_EQ(t.check("jane", "ip").retry_after, 15min) << "and the doubling too";
}

TEST(LoginThrottle, TwentyFailuresFromOneAddressRefuseIt) {
  FakeClock clock;
  LoginThrottle t(clock);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(t.check("user" + std::to_string(i), "203.0.113.9").allowed()) << i;
    t.record_failure("user" + std::to_string(i), "203.0.113.9");
    clock.advance(10s);
  }
  auto d = t.check("someone", "203.0.113.9");
  EXPECT_EQ(d.verdict, ThrottleVerdict::kIpThrottled);
  EXPECT_EQ(d.retry_after, 15min - 200s);
  EXPECT_TRUE(t.check("someone", "203.0.113.10").allowed());
  t.record_success("user1");
  EXPECT_FALSE(t.check("someone", "203.0.113.9").allowed()) << "success does not clear the IP";
  clock.advance(15min - 200s);
  EXPECT_TRUE(t.check("someone", "203.0.113.9").allowed()) << "the oldest left the window";
}

TEST(LoginThrottle, ForgetsStaleEntriesWhenFull) {
  FakeClock clock;
  LoginThrottle t(clock, {.max_tracked = 10});
  for (int i = 0; i < 50; ++i) {
    t.record_failure("u" + std::to_string(i), "ip" + std::to_string(i));
    clock.advance(16min);
  }
  fail_n(t, "jane", "ip", 5);
  EXPECT_FALSE(t.check("jane", "ip").allowed()) << "a live lockout survives pruning";
}

}  // namespace
}  // namespace custos::auth

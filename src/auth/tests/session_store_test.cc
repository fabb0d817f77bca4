// Sessions: random ids and CSRF tokens, idle and absolute timeouts on a fake clock, ending
// one or all of a user's, concurrent use.
#include "auth/session_store.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "auth/tests/fake_clock.h"

namespace custos::auth {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

TEST(SessionStore, IdsAndCsrfTokensAreRandomAndDistinct) {
  FakeClock clock;
  SessionStore store(clock);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const Session s = store.create("jane", vault::Role::kOwner);
    EXPECT_TRUE(std::regex_match(s.id, std::regex("[A-Za-z0-9_-]{43}")));
    EXPECT_TRUE(std::regex_match(s.csrf, std::regex("[A-Za-z0-9_-]{43}")));
    EXPECT_NE(s.id, s.csrf);
    EXPECT_TRUE(seen.insert(s.id).second);
    EXPECT_TRUE(seen.insert(s.csrf).second);
    EXPECT_EQ(s.created, clock.now());
  }
  EXPECT_EQ(store.size(), 50u);
}

TEST(SessionStore, IdleTimeoutEndsAndRemovesTheSession) {
  FakeClock clock;
  SessionStore store(clock);
  const Session s = store.create("jane", vault::Role::kViewer);
  clock.advance(14min);
  auto t = store.touch(s.id);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->user, "jane");
  EXPECT_EQ(t->role, vault::Role::kViewer);
  EXPECT_EQ(t->csrf, s.csrf);
  EXPECT_EQ(t->last_seen, clock.now());
  clock.advance(15min + 1s);
  auto gone = store.touch(s.id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(store.size(), 0u);
  clock.advance(-30min);  // even back in time, an expired session stays gone
  EXPECT_FALSE(store.touch(s.id));
}

TEST(SessionStore, AbsoluteLifetimeEndsAnActiveSession) {
  FakeClock clock;
  SessionStore store(clock);
  const Session s = store.create("jane", vault::Role::kOwner);
  for (int i = 0; i < 71; ++i) {  // 11 h 50 min of activity every 10 minutes
    clock.advance(10min);
    ASSERT_TRUE(store.touch(s.id)) << i;
  }
  clock.advance(10min + 1s);
  EXPECT_FALSE(store.touch(s.id));
}

TEST(SessionStore, TimeoutsAreConfigurable) {
  FakeClock clock;
  SessionStore store(clock, {.idle_timeout = 60s, .absolute_lifetime = 1h});
  const Session s = store.create("jane", vault::Role::kOwner);
  clock.advance(61s);
  EXPECT_FALSE(store.touch(s.id));
  EXPECT_EQ(store.options().idle_timeout, 60s);
}

TEST(SessionStore, UnknownIdsAndDestroy) {
  FakeClock clock;
  SessionStore store(clock);
  EXPECT_EQ(store.touch("nope").error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(store.touch(""));
  const Session a = store.create("jane", vault::Role::kOwner);
  const Session b = store.create("jane", vault::Role::kOwner);
  const Session c = store.create("vic", vault::Role::kViewer);
  EXPECT_FALSE(store.touch(a.csrf)) << "the CSRF token is not a session id";
  store.destroy(a.id);
  store.destroy(a.id);
  EXPECT_FALSE(store.touch(a.id));
  EXPECT_TRUE(store.touch(b.id));
  EXPECT_EQ(store.destroy_all_of("jane"), 1u);
  EXPECT_FALSE(store.touch(b.id));
  EXPECT_TRUE(store.touch(c.id));
}

TEST(SessionStore, BoundedNumberOfSessionsDropsTheLeastRecentlySeen) {
  FakeClock clock;
  SessionStore store(clock, {.max_sessions = 3});
  const Session first = store.create("a", vault::Role::kOwner);
  clock.advance(1s);
  const Session second = store.create("b", vault::Role::kOwner);
  clock.advance(1s);
  const Session third = store.create("c", vault::Role::kOwner);
  clock.advance(1s);
  ASSERT_TRUE(store.touch(first.id));
  const Session fourth = store.create("d", vault::Role::kOwner);
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.touch(second.id));
  EXPECT_TRUE(store.touch(first.id));
  EXPECT_TRUE(store.touch(third.id));
  EXPECT_TRUE(store.touch(fourth.id));
}

TEST(SessionStore, ConcurrentUse) {
  FakeClock clock;
  SessionStore store(clock);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Session s = store.create("u" + std::to_string(t), vault::Role::kViewer);
        if (store.touch(s.id)) ++ok;
        if (i % 2 == 0) store.destroy(s.id);
      }
      store.destroy_all_of("u" + std::to_string(t));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 800);
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace custos::auth

// Reads through the server are audited in windows: many reads by one caller of one study
// become one entry naming every instance and the number of requests; callers, addresses
// and studies stay apart; nothing pending is lost at shutdown.
#include <gtest/gtest.h>

#include <thread>

#include "api/read_audit.h"
#include "base/clock.h"
#include "source/tests/test_support.h"
#include "vault/vault.h"

namespace custos::api {
namespace {
namespace fs = std::filesystem;

vault::Caller user(const std::string& name, const std::string& ip) {
  vault::Caller c;
  c.actor = {audit::ActorKind::kUser, name};
  c.origin = {audit::OriginKind::kHttp, ip, "agent", "", ""};
  c.role = vault::Role::kViewer;
  return c;
}

audit::Uids frame(const std::string& study, int n) {
  audit::Uids u;
  u.studies = {study};
  u.series = {study + ".1"};
  u.instances = {study + ".1." + std::to_string(n)};
  return u;
}

class ReadAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault::InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(vault::Vault::init(tmp_.path() / "v", init, clock_));
    auto v = vault::Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
  }
  std::vector<audit::Entry> entries(const std::string& action) {
    audit::ListFilter f;
    f.action = action;
    return vault_->audit_entries(f).value();
  }
  source::testing::TempDir tmp_;
  SystemClock clock_;
  std::unique_ptr<vault::Vault> vault_;
};

TEST_F(ReadAuditTest, ManyReadsOfOneStudyBecomeOneEntryWithinTheWindow) {
  ReadAudit reads(*vault_, std::chrono::milliseconds(200));
  for (int i = 0; i < 50; ++i) reads.note(user("alice", "192.0.2.1"), "dicomweb.frames", frame("1.2.3", i % 40));
  for (int i = 0; i < 3; ++i) reads.note(user("bob", "192.0.2.2"), "dicomweb.frames", frame("1.2.3", i));
  reads.note(user("alice", "192.0.2.1"), "dicomweb.frames", frame("1.2.4", 0));
  EXPECT_TRUE(entries("dicomweb.frames").empty());  // not before the window ends
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const auto got = entries("dicomweb.frames");
  ASSERT_EQ(got.size(), 3u);
  bool alice_123 = false;
  for (const auto& e : got) {
    EXPECT_EQ(e.origin.kind, audit::OriginKind::kHttp);
    if (e.actor.id == "alice" && e.uids.studies == std::vector<std::string>{"1.2.3"}) {
      alice_123 = true;
      EXPECT_EQ(e.uids.instances.size(), 40u);
      EXPECT_EQ(e.detail, "50 requests");
      EXPECT_EQ(e.origin.ip, "192.0.2.1");
    }
  }
  EXPECT_TRUE(alice_123);
  EXPECT_FALSE(reads.failing());
}

TEST_F(ReadAuditTest, PendingReadsAreWrittenAtShutdown) {
  {
    ReadAudit reads(*vault_, std::chrono::seconds(60));
    reads.note(user("carol", "192.0.2.3"), "dicomweb.metadata", frame("1.2.5", 1));
  }
  const auto got = entries("dicomweb.metadata");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.front().actor.id, "carol");
  EXPECT_EQ(got.front().detail, "1 request");
}

}  // namespace
}  // namespace custos::api

// Listing entries: each filter, limits, and streaming across segments.
#include "audit/query.h"

#include <gtest/gtest.h>

#include "audit/tests/audit_test_util.h"
#include "audit/verify.h"

namespace custos::audit {
namespace {

namespace fs = std::filesystem;

using testing::FakeClock;
using testing::make_entry;

class QueryTest : public ::testing::Test {
 protected:
  // Twelve entries one second apart, spread over several segments.
  void SetUp() override {
    AuditLogOptions o;
    o.dir = tmp_.path() / "audit";
    o.clock = &clock_;
    o.sealer = std::make_shared<PlainSealer>();
    o.segment_bytes = 700;
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log) << log.error().message;
    log_ = std::move(*log);
    const char* actions[] = {"login.success", "study.list", "study.show", "export"};
    for (int i = 0; i < 12; ++i) {
      Entry e =
          make_entry(actions[i % 4], "n" + std::to_string(i + 1), {i % 2 == 0 ? "1.2.3" : "1.2.4"});
      if (i % 3 == 0) e.actor = Actor{ActorKind::kShareLink, "share-7"};
      ASSERT_TRUE(log_->append(e));
    }
    ASSERT_GT(list_segments(o.dir)->size(), 2u) << "the test must span segments";
  }
  std::vector<std::uint64_t> seqs(const ListFilter& f) {
    auto r = log_->list(f);
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::uint64_t> out;
    if (r) {
      for (const auto& e : *r) out.push_back(e.seq);
    }
    return out;
  }
  static std::chrono::system_clock::time_point second(int n) {
    return FakeClock::at(FakeClock::kStart + 1000LL * n);
  }

  testing::TempDir tmp_;
  FakeClock clock_;
  std::unique_ptr<AuditLog> log_;
};

using Seqs = std::vector<std::uint64_t>;

TEST_F(QueryTest, NoFilterListsEverythingInOrder) {
  EXPECT_EQ(seqs({}), (Seqs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
}

TEST_F(QueryTest, SinceAndUntil) {
  ListFilter f;
  f.since = second(9);  // entry 10 is at second 9
  EXPECT_EQ(seqs(f), (Seqs{10, 11, 12}));
  f.until = second(11);
  EXPECT_EQ(seqs(f), (Seqs{10, 11}));
  f.since = second(100);
  f.until.reset();
  EXPECT_TRUE(seqs(f).empty());
}

TEST_F(QueryTest, ByStudy) {
  ListFilter f;
  f.study_uid = "1.2.4";
  EXPECT_EQ(seqs(f), (Seqs{2, 4, 6, 8, 10, 12}));
  f.study_uid = "1.2.9";
  EXPECT_TRUE(seqs(f).empty());
}

TEST_F(QueryTest, ByActor) {
  ListFilter f;
  f.actor_id = "share-7";
  EXPECT_EQ(seqs(f), (Seqs{1, 4, 7, 10}));
  f = {};
  f.actor_kind = ActorKind::kLocalOwner;
  EXPECT_EQ(seqs(f), (Seqs{2, 3, 5, 6, 8, 9, 11, 12}));
}

TEST_F(QueryTest, ByActionExactOrPrefix) {
  ListFilter f;
  f.action = "export";
  EXPECT_EQ(seqs(f), (Seqs{4, 8, 12}));
  f.action = "study.";
  EXPECT_EQ(seqs(f), (Seqs{2, 3, 6, 7, 10, 11}));
  f.action = "study";
  EXPECT_TRUE(seqs(f).empty()) << "without the dot it is an exact match";
}

TEST_F(QueryTest, LimitKeepsFirstOrMostRecent) {
  ListFilter f;
  f.action = "study.";
  f.limit = 2;
  EXPECT_EQ(seqs(f), (Seqs{2, 3}));
  f.most_recent = true;
  EXPECT_EQ(seqs(f), (Seqs{10, 11}));
}

TEST_F(QueryTest, FiltersCombine) {
  ListFilter f;
  f.since = second(3);
  f.study_uid = "1.2.3";
  f.actor_kind = ActorKind::kLocalOwner;
  EXPECT_EQ(seqs(f), (Seqs{5, 9, 11}));
}

TEST_F(QueryTest, StreamingStopsWhenAsked) {
  int calls = 0;
  auto s = for_each_entry(tmp_.path() / "audit", PlainSealer(), {},
                          [&](const Entry&) { return ++calls < 3; });
  ASSERT_TRUE(s);
  EXPECT_EQ(calls, 3);
}

TEST_F(QueryTest, DamagedLineIsAnErrorNotASkip) {
  const auto file = testing::segment(tmp_.path() / "audit", 1);
  auto lines = testing::read_lines(file);
  lines[0] = "garbage";
  testing::write_lines(file, lines);
  auto r = log_->list({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorruption);
  EXPECT_NE(r.error().message.find("verification"), std::string::npos) << r.error().message;
}

TEST(QueryMissing, NoLogIsNotFound) {
  testing::TempDir tmp;
  auto r = list_entries(tmp.path() / "nothing", PlainSealer(), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  // An audit directory the vault made but nothing wrote to is no log either, not a broken one.
  auto v = verify_log(tmp.path(), PlainSealer(), {});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace custos::audit

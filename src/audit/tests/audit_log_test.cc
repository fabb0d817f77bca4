// The writer: append, reopen and continue, batches, rotation, locking, crash leftovers and
// write failures.
#include "audit/audit_log.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <thread>

#include "audit/tests/audit_test_util.h"

namespace custos::audit {
namespace {

namespace fs = std::filesystem;

using testing::FakeClock;
using testing::make_entry;
using testing::read_lines;
using testing::segment;

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogOptions options() {
    AuditLogOptions o;
    o.dir = tmp_.path() / "audit";
    o.clock = &clock_;
    o.sealer = std::make_shared<PlainSealer>();
    return o;
  }
  std::unique_ptr<AuditLog> open_log(AuditLogOptions o) {
    auto log = AuditLog::open(std::move(o));
    EXPECT_TRUE(log) << log.error().message;
    return log ? std::move(*log) : nullptr;
  }
  std::unique_ptr<AuditLog> open_log() { return open_log(options()); }
  fs::path dir() const { return tmp_.path() / "audit"; }
  void expect_intact(const AuditLog& log, std::uint64_t entries) {
    auto r = log.verify({});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->ok) << r->summary();
    EXPECT_EQ(r->entries, entries);
  }

  testing::TempDir tmp_;
  FakeClock clock_;
};

TEST_F(AuditLogTest, AppendReopenAndContinue) {
  Head after_three;
  Digest chain;
  {
    auto log = open_log();
    chain = log->chain_id();
    EXPECT_EQ(log->head(), (Head{0, chain})) << "an empty log's head is the chain id";
    for (int i = 1; i <= 3; ++i) {
      auto id = log->append(make_entry("study.show", "view " + std::to_string(i)));
      ASSERT_TRUE(id) << id.error().message;
      EXPECT_EQ(id->seq, static_cast<std::uint64_t>(i));
    }
    after_three = log->head();
    EXPECT_EQ(after_three.seq, 3u);
  }
  auto log = open_log();
  EXPECT_EQ(log->chain_id(), chain);
  EXPECT_EQ(log->head(), after_three);
  auto id = log->append(make_entry("export"));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->seq, 4u);
  const auto entries = testing::decode_all(segment(dir(), 1), PlainSealer());
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].prev, chain);
  EXPECT_EQ(entries[3].prev, after_three.hash);
  EXPECT_EQ(entries[3].hash, id->hash);
  EXPECT_EQ(entries[3].time, "2026-03-01T10:00:03.000Z");
  expect_intact(*log, 4);
}

TEST_F(AuditLogTest, EachAppendIsOneCompleteLineOnReturn) {
  auto log = open_log();
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(log->append(make_entry("study.list")));
    const std::string raw = testing::read_file(segment(dir(), 1));
    EXPECT_EQ(std::count(raw.begin(), raw.end(), '\n'), i);
    EXPECT_EQ(raw.back(), '\n');
  }
}

TEST_F(AuditLogTest, BatchIsAllOrNothing) {
  auto log = open_log();
  std::vector<Entry> batch = {make_entry("import"), make_entry("security.flag"),
                              make_entry("import")};
  auto ids = log->append_batch(batch);
  ASSERT_TRUE(ids) << ids.error().message;
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_EQ(ids->back().seq, 3u);
  EXPECT_EQ(log->head(), ids->back());

  batch[1].action = "Not Valid";
  auto bad = log->append_batch(batch);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(log->head().seq, 3u) << "nothing of a rejected batch is written";
  EXPECT_EQ(read_lines(segment(dir(), 1)).size(), 3u);
  auto none = log->append_batch({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  expect_intact(*log, 3);
}

TEST_F(AuditLogTest, OneWriterAtATime) {
  auto first = open_log();
  auto second = AuditLog::open(options());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  first.reset();
  EXPECT_TRUE(AuditLog::open(options()));
}

TEST_F(AuditLogTest, MissingLogIsNotCreatedWhenAskedNotTo) {
  auto o = options();
  o.create_if_missing = false;
  auto log = AuditLog::open(o);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kNotFound);
  auto no_clock = options();
  no_clock.clock = nullptr;
  EXPECT_EQ(AuditLog::open(no_clock).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AuditLogTest, RotatesSegmentsAndVerifiesAcrossThem) {
  auto o = options();
  o.segment_bytes = 1024;
  {
    auto log = open_log(o);
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(log->append(make_entry("study.show", "x")));
  }
  auto segments = list_segments(dir());
  ASSERT_TRUE(segments);
  EXPECT_GT(segments->size(), 5u);
  for (const auto& s : *segments) EXPECT_LE(fs::file_size(s.path), 1024u) << s.path;
  auto log = open_log(o);
  EXPECT_EQ(log->head().seq, 40u);
  ASSERT_TRUE(log->append(make_entry("export")));
  expect_intact(*log, 41);
}

TEST_F(AuditLogTest, TornLastLineIsCutOffAtOpen) {
  {
    auto log = open_log();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(make_entry("study.show")));
  }
  // A crash in the middle of the fourth append: part of a line, no '\n', never acknowledged.
  const std::string before = testing::read_file(segment(dir(), 1));
  testing::write_file(segment(dir(), 1), before + "{\"action\":\"exp");
  {
    auto verify = verify_log(dir(), PlainSealer(), {});
    ASSERT_TRUE(verify);
    EXPECT_TRUE(verify->ok) << "a torn tail is a crash leftover, not tampering";
    ASSERT_EQ(verify->notes.size(), 1u);
    EXPECT_NE(verify->notes[0].find("incomplete"), std::string::npos);
  }
  auto log = open_log();
  EXPECT_EQ(log->torn_bytes_discarded(), 14u);
  EXPECT_EQ(log->head().seq, 3u);
  EXPECT_EQ(testing::read_file(segment(dir(), 1)), before);
  ASSERT_TRUE(log->append(make_entry("export")));
  expect_intact(*log, 4);
}

TEST_F(AuditLogTest, RefusesToContinueAfterADamagedLastEntry) {
  {
    auto log = open_log();
    ASSERT_TRUE(log->append(make_entry("study.show", "abc")));
  }
  auto lines = read_lines(segment(dir(), 1));
  lines[0].replace(lines[0].find("abc"), 3, "xyz");
  testing::write_lines(segment(dir(), 1), lines);
  auto log = AuditLog::open(options());
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kCorruption);
  EXPECT_NE(log.error().message.find("altered"), std::string::npos) << log.error().message;
}

TEST_F(AuditLogTest, EntriesWithoutChainDescriptorAreRefused) {
  {
    auto log = open_log();
    ASSERT_TRUE(log->append(make_entry("study.show")));
  }
  fs::remove(dir() / "chain.json");
  auto log = AuditLog::open(options());
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kCorruption);
}

TEST_F(AuditLogTest, TimeNeverGoesBackwards) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_entry("study.show")));
  clock_.set(FakeClock::at(FakeClock::kStart - 3'600'000));  // the clock steps back an hour
  ASSERT_TRUE(log->append(make_entry("study.show")));
  const auto entries = testing::decode_all(segment(dir(), 1), PlainSealer());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].time, entries[0].time);
  expect_intact(*log, 2);
}

TEST_F(AuditLogTest, LargeImportKeepsTenThousandUidsAndCountsTheRest) {
  auto log = open_log();
  Entry e = make_entry("import", "", {"1.2.3"});
  for (int i = 0; i < 30'000; ++i) e.uids.instances.push_back("1.2.3.4.5.6." + std::to_string(i));
  ASSERT_TRUE(log->append(e));
  auto back = log->list({});
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(back->front().uids.instances.size(), kMaxUidsPerEntry - 1);
  EXPECT_EQ(back->front().uids.omitted, 30'000u - (kMaxUidsPerEntry - 1));
}

TEST_F(AuditLogTest, ConcurrentAppendsFormOneChain) {
  auto log = open_log();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_TRUE(log->append(make_entry("instance.read", "thread " + std::to_string(t))));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(log->head().seq, 100u);
  expect_intact(*log, 100);
}

// A real write failure, not a simulated one: RLIMIT_FSIZE makes write() stop at the limit
// (a short write) and then fail with EFBIG, as a full disk would with ENOSPC.
TEST_F(AuditLogTest, FailedWriteLeavesNoPartialLineAndTheLogGoesOn) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_entry("study.show")));
  const std::string before = testing::read_file(segment(dir(), 1));

  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &old), 0);
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit tight = saved;
  tight.rlim_cur = before.size() + 40;  // room for part of the next line only
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tight), 0);
  auto failed = log->append(make_entry("export", std::string(200, 'x')));
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  ASSERT_EQ(sigaction(SIGXFSZ, &old, nullptr), 0);

  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("appending to the audit log"), std::string::npos);
  EXPECT_EQ(testing::read_file(segment(dir(), 1)), before) << "the partial line was taken back";
  EXPECT_EQ(log->head().seq, 1u);
  auto next = log->append(make_entry("export"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->seq, 2u);
  expect_intact(*log, 2);
}

TEST_F(AuditLogTest, OpeningWithAnotherSealerIsRefused) {
  { auto log = open_log(); }
  auto o = options();
  o.sealer = AeadSealer::create(testing::bytes32(1)).value();
  auto log = AuditLog::open(o);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(log.error().message.find("\"none\""), std::string::npos) << log.error().message;
}

}  // namespace
}  // namespace custos::audit

// Every way of editing the log behind the writer's back must be caught, and the report must
// name the first broken entry.
#include <gtest/gtest.h>

#include "audit/tests/audit_test_util.h"
#include "audit/verify.h"

namespace custos::audit {
namespace {

namespace fs = std::filesystem;

using testing::make_entry;
using testing::read_lines;
using testing::segment;
using testing::write_lines;

class TamperTest : public ::testing::Test {
 protected:
  // Ten entries; the head after the last one is what the vault stored in its index.
  void SetUp() override {
    AuditLogOptions o;
    o.dir = dir();
    o.clock = &clock_;
    o.sealer = sealer_;
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 1; i <= 10; ++i) {
      ASSERT_TRUE((*log)->append(make_entry("study.show", "op " + std::to_string(i), {"1.2.3"})));
    }
    head_ = (*log)->head();
    chain_ = (*log)->chain_id();
  }
  fs::path dir() const { return tmp_.path() / "audit"; }
  fs::path file() const { return segment(dir(), 1); }

  VerifyResult verify(std::optional<Head> head) {
    VerifyOptions o;
    o.recorded_head = head;
    auto r = verify_log(dir(), *sealer_, o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyResult{};
  }
  // Asserts a break of `finding` at entry `seq`, reported at `line` (0: any).
  void expect_broken(const VerifyResult& r, Finding finding, std::uint64_t seq,
                     std::uint64_t line) {
    ASSERT_FALSE(r.ok) << "tampering went unnoticed";
    ASSERT_TRUE(r.first_broken) << r.summary();
    EXPECT_EQ(to_string(r.first_broken->finding), to_string(finding)) << r.summary();
    EXPECT_EQ(r.first_broken->seq, seq) << r.summary();
    if (line != 0) {
      EXPECT_EQ(r.first_broken->line, line) << r.summary();
    }
    EXPECT_NE(r.first_broken->message.find("entr"), std::string::npos) << "says which entry";
    EXPECT_EQ(r.entries, seq - 1) << "everything before the break checks out";
  }
  std::vector<Entry> entries() { return testing::decode_all(file(), *sealer_); }

  testing::TempDir tmp_;
  testing::FakeClock clock_;
  std::shared_ptr<const EntrySealer> sealer_ = std::make_shared<PlainSealer>();
  Head head_;
  Digest chain_{};
};

TEST_F(TamperTest, UntouchedLogIsIntact) {
  const auto r = verify(head_);
  EXPECT_TRUE(r.ok) << r.summary();
  EXPECT_EQ(r.entries, 10u);
  EXPECT_EQ(r.last, head_);
  EXPECT_NE(r.summary().find("intact"), std::string::npos);
}

TEST_F(TamperTest, ChangedByteInAnEntry) {
  auto lines = read_lines(file());
  lines[4].replace(lines[4].find("op 5"), 4, "op X");
  write_lines(file(), lines);
  const auto r = verify(head_);
  ASSERT_NO_FATAL_FAILURE(expect_broken(r, Finding::kHashMismatch, 5, 5));
  EXPECT_NE(r.first_broken->message.find("line 5 of log-000001.jsonl"), std::string::npos)
      << r.first_broken->message;
}

TEST_F(TamperTest, ChangedByteInAStoredHash) {
  auto lines = read_lines(file());
  const auto at = lines[6].find("\"hash\":\"") + 8;
  lines[6][at] = lines[6][at] == 'a' ? 'b' : 'a';
  write_lines(file(), lines);
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kHashMismatch, 7, 7));
}

TEST_F(TamperTest, ChangedSequenceNumber) {
  auto lines = read_lines(file());
  lines[2].replace(lines[2].find("\"seq\":3"), 7, "\"seq\":4");
  write_lines(file(), lines);
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kHashMismatch, 3, 3));
}

TEST_F(TamperTest, ByteThatBreaksTheJson) {
  auto lines = read_lines(file());
  lines[5][0] = '[';
  write_lines(file(), lines);
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kUnreadable, 6, 6));
}

TEST_F(TamperTest, WhitespaceThatKeepsTheContent) {
  auto lines = read_lines(file());
  lines[3].insert(1, " ");
  write_lines(file(), lines);
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kNotCanonical, 4, 4));
}

TEST_F(TamperTest, RemovedEntry) {
  auto lines = read_lines(file());
  lines.erase(lines.begin() + 4);
  write_lines(file(), lines);
  const auto r = verify(head_);
  ASSERT_NO_FATAL_FAILURE(expect_broken(r, Finding::kMissing, 5, 5));
  EXPECT_NE(r.first_broken->message.find("entry 5 is missing"), std::string::npos)
      << r.first_broken->message;
}

TEST_F(TamperTest, CopiedEntryInserted) {
  auto lines = read_lines(file());
  lines.insert(lines.begin() + 6, lines[2]);  // entry 3 again after entry 6
  write_lines(file(), lines);
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kOutOfOrder, 7, 7));
}

TEST_F(TamperTest, NewEntryInsertedWithoutRechaining) {
  auto all = entries();
  Entry forged = make_entry("study.show", "never happened");
  forged.seq = 7;
  forged.time = all[5].time;
  forged.prev = all[5].hash;
  forged.hash = compute_hash(forged);  // a perfectly valid entry 7 on top of entry 6 ...
  auto lines = read_lines(file());
  lines.insert(lines.begin() + 6, canonical_json(forged, true));
  write_lines(file(), lines);
  // ... is followed by the real entry 7.
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kOutOfOrder, 8, 8));
}

TEST_F(TamperTest, SwappedEntries) {
  auto lines = read_lines(file());
  std::swap(lines[3], lines[4]);
  write_lines(file(), lines);
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kMissing, 4, 4));
}

TEST_F(TamperTest, ForgedEntryWithRechainedLogIsCaughtByTheRecordedHead) {
  auto all = entries();
  Entry forged = make_entry("export", "to a stranger", {"1.2.3"});
  forged.time = all[4].time;
  all.insert(all.begin() + 5, forged);
  write_lines(file(), testing::rechain(all, chain_, *sealer_));
  // The chain alone is consistent again: only something kept outside the log can tell.
  EXPECT_TRUE(verify(std::nullopt).ok);
  const auto r = verify(head_);
  ASSERT_NO_FATAL_FAILURE(expect_broken(r, Finding::kAnchorMismatch, 10, 10));
  EXPECT_NE(r.first_broken->message.find("head recorded in the index"), std::string::npos)
      << r.first_broken->message;
  EXPECT_NE(r.first_broken->message.find("rewritten somewhere in entries 1 to 10"),
            std::string::npos);
}

TEST_F(TamperTest, ReorderedAndRechainedLog) {
  auto all = entries();
  std::swap(all[1], all[2]);
  all[1].time = all[2].time = all[1].time < all[2].time ? all[1].time : all[2].time;
  write_lines(file(), testing::rechain(all, chain_, *sealer_));
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kAnchorMismatch, 10, 10));
}

TEST_F(TamperTest, RemovedLastEntries) {
  auto lines = read_lines(file());
  lines.resize(7);
  write_lines(file(), lines);
  EXPECT_TRUE(verify(std::nullopt).ok) << "a prefix of a chain is a valid chain";
  const auto r = verify(head_);
  ASSERT_NO_FATAL_FAILURE(expect_broken(r, Finding::kTruncated, 8, 0));
  EXPECT_NE(r.first_broken->message.find("entries 8 to 10 were removed"), std::string::npos)
      << r.first_broken->message;
}

TEST_F(TamperTest, FileTruncatedMidLine) {
  const std::string raw = testing::read_file(file());
  std::size_t cut = 0;
  for (int i = 0; i < 6; ++i) cut = raw.find('\n', cut) + 1;
  testing::write_file(file(), raw.substr(0, cut + 20));  // 6 entries and a piece of the 7th
  const auto r = verify(head_);
  ASSERT_NO_FATAL_FAILURE(expect_broken(r, Finding::kTruncated, 7, 0));
  EXPECT_FALSE(r.notes.empty()) << "the torn line is mentioned";
}

TEST_F(TamperTest, TruncatedToAPrefixWithFixedUpChain) {
  auto all = entries();
  all.resize(6);
  all[5].detail = "edited too";
  write_lines(file(), testing::rechain(all, chain_, *sealer_));
  EXPECT_TRUE(verify(std::nullopt).ok);
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kTruncated, 7, 0));
}

TEST_F(TamperTest, TimeGoingBackwards) {
  auto all = entries();
  all[4].time = "2020-01-01T00:00:00.000Z";
  write_lines(file(), testing::rechain(all, chain_, *sealer_));
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(std::nullopt), Finding::kTimeBackwards, 5, 5));
}

TEST_F(TamperTest, LogOfAnotherVaultSplicedIn) {
  Digest other{};
  other.fill(0x42);
  write_lines(file(), testing::rechain(entries(), other, *sealer_));
  const auto r = verify(std::nullopt);
  ASSERT_NO_FATAL_FAILURE(expect_broken(r, Finding::kBrokenLink, 1, 1));
  EXPECT_NE(r.first_broken->message.find("chain id"), std::string::npos);
}

TEST_F(TamperTest, ReplacedChainDescriptorIsCaughtByTheRecordedChainId) {
  Digest other{};
  other.fill(0x42);
  ASSERT_TRUE(write_chain_info(dir(), ChainInfo{other, "none"}));
  write_lines(file(), testing::rechain(entries(), other, *sealer_));
  VerifyOptions o;
  o.expected_chain_id = chain_;
  auto r = verify_log(dir(), *sealer_, o);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->first_broken);
  EXPECT_EQ(r->first_broken->finding, Finding::kWrongChain);
  // And without it, the head recorded in the index still disagrees.
  ASSERT_NO_FATAL_FAILURE(expect_broken(verify(head_), Finding::kAnchorMismatch, 10, 10));
}

TEST_F(TamperTest, EntriesAfterTheRecordedHeadAreNotedNotFailed) {
  // The crash window: the entry is durable, the index transaction holding the head is not.
  const auto r = verify(Head{8, entries()[7].hash});
  EXPECT_TRUE(r.ok) << r.summary();
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("entries 9 to 10"), std::string::npos) << r.notes[0];
}

TEST_F(TamperTest, MissingChainDescriptor) {
  fs::remove(dir() / "chain.json");
  const auto r = verify(head_);
  ASSERT_FALSE(r.ok);
  ASSERT_TRUE(r.first_broken);
  EXPECT_EQ(r.first_broken->finding, Finding::kNoChain);
}

TEST(TamperSegments, RemovedMiddleSegment) {
  testing::TempDir tmp;
  testing::FakeClock clock;
  AuditLogOptions o;
  o.dir = tmp.path() / "audit";
  o.clock = &clock;
  o.sealer = std::make_shared<PlainSealer>();
  o.segment_bytes = 800;
  {
    auto log = AuditLog::open(o).value();
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(log->append(make_entry("study.show")));
  }
  const std::size_t lines_in_first = read_lines(segment(o.dir, 1)).size();
  fs::remove(segment(o.dir, 2));
  auto r = verify_log(o.dir, PlainSealer(), {});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->first_broken) << r->summary();
  EXPECT_EQ(r->first_broken->finding, Finding::kMissing);
  EXPECT_EQ(r->first_broken->seq, lines_in_first + 1);
  EXPECT_EQ(r->first_broken->file, segment_name(3));
  EXPECT_EQ(r->first_broken->line, 1u);
}

}  // namespace
}  // namespace custos::audit

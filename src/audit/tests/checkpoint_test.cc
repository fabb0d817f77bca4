// Signed checkpoints: signatures, trusted keys, periodic checkpoints, and what a checkpoint
// kept outside the vault proves about a rewritten log.
#include "audit/checkpoint.h"

#include <gtest/gtest.h>

#include "audit/tests/audit_test_util.h"

namespace custos::audit {
namespace {

namespace fs = std::filesystem;

using testing::make_entry;
using testing::read_lines;
using testing::segment;
using testing::write_lines;

std::unique_ptr<CheckpointSigner> signer_from(unsigned char fill) {
  const auto seed = testing::bytes32(fill);
  auto s = CheckpointSigner::from_seed(seed);
  EXPECT_TRUE(s);
  return std::move(*s);
}

Checkpoint sample(const CheckpointSigner& signer) {
  Digest chain{}, hash{};
  chain.fill(1);
  hash.fill(2);
  return signer.sign(chain, 12, hash, "2026-03-01T10:00:00.000Z");
}

TEST(Checkpoint, SameSeedSameKey) {
  EXPECT_EQ(signer_from(7)->public_key(), signer_from(7)->public_key());
  EXPECT_NE(signer_from(7)->public_key(), signer_from(8)->public_key());
}

TEST(Checkpoint, JsonRoundTripAndSignatureChecks) {
  auto signer = signer_from(7);
  const Checkpoint c = sample(*signer);
  const std::string json = checkpoint_json(c);
  EXPECT_NE(json.find("\"format\":\"custos-audit-checkpoint\""), std::string::npos);
  EXPECT_NE(json.find("\"public_key\":\"" + hex_of(signer->public_key()) + "\""),
            std::string::npos);
  auto back = parse_checkpoint(json);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(checkpoint_json(*back), json);
  EXPECT_TRUE(verify_checkpoint(*back, signer->public_key()));
  EXPECT_TRUE(verify_checkpoint(*back, std::nullopt));
}

TEST(Checkpoint, TamperedCheckpointIsRejected) {
  auto signer = signer_from(7);
  const std::string json = checkpoint_json(sample(*signer));
  for (auto [from, to] : {std::pair<std::string, std::string>{"\"seq\":12", "\"seq\":13"},
                          {"\"hash\":\"0202", "\"hash\":\"0302"},
                          {"2026-03-01T10", "2026-03-02T10"}}) {
    std::string edited = json;
    edited.replace(edited.find(from), from.size(), to);
    auto c = parse_checkpoint(edited);
    ASSERT_TRUE(c) << from;
    auto s = verify_checkpoint(*c, signer->public_key());
    ASSERT_FALSE(s) << from;
    EXPECT_EQ(s.error().code, ErrorCode::kUnauthenticated);
    EXPECT_NE(s.error().message.find("not valid"), std::string::npos);
  }
  Checkpoint c = sample(*signer);
  c.signature[10] ^= 0x01;
  EXPECT_FALSE(verify_checkpoint(c, signer->public_key()));
  EXPECT_FALSE(parse_checkpoint("{}"));
  EXPECT_FALSE(parse_checkpoint(json.substr(0, json.size() - 2)));
}

TEST(Checkpoint, CheckpointFromAnotherKeyIsRejected) {
  auto mine = signer_from(7);
  auto theirs = signer_from(9);
  const Checkpoint forged = sample(*theirs);
  EXPECT_TRUE(verify_checkpoint(forged, std::nullopt)) << "valid under its own key ...";
  auto s = verify_checkpoint(forged, mine->public_key());
  ASSERT_FALSE(s) << "... but not the vault's";
  EXPECT_NE(s.error().message.find("another key"), std::string::npos) << s.error().message;
}

class CheckpointLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = signer_from(7);
    AuditLogOptions o;
    o.dir = dir();
    o.clock = &clock_;
    o.sealer = std::make_shared<PlainSealer>();
    o.signer = signer_;
    o.checkpoint_every = 4;
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log) << log.error().message;
    log_ = std::move(*log);
    for (int i = 1; i <= 10; ++i) {
      ASSERT_TRUE(log_->append(make_entry("study.show", "op " + std::to_string(i))));
    }
  }
  fs::path dir() const { return tmp_.path() / "audit"; }
  VerifyResult verify(const VerifyOptions& o) {
    auto r = verify_log(dir(), PlainSealer(), o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyResult{};
  }
  VerifyOptions trusted() {
    VerifyOptions o;
    o.trusted_key = signer_->public_key();
    return o;
  }

  testing::TempDir tmp_;
  testing::FakeClock clock_;
  std::shared_ptr<CheckpointSigner> signer_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(CheckpointLogTest, CheckpointsAreWrittenPeriodicallyAndOnDemand) {
  auto lines = read_lines(dir() / "checkpoints.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(parse_checkpoint(lines[0])->seq, 4u);
  EXPECT_EQ(parse_checkpoint(lines[1])->seq, 8u);
  auto c = log_->checkpoint();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->seq, 10u);
  EXPECT_EQ(c->hash, log_->head().hash);
  EXPECT_EQ(c->chain_id, log_->chain_id());
  EXPECT_EQ(read_lines(dir() / "checkpoints.jsonl").size(), 3u);
  const auto r = verify(trusted());
  EXPECT_TRUE(r.ok) << r.summary();
  EXPECT_EQ(r.checkpoints_checked, 3u);
}

TEST_F(CheckpointLogTest, ExportedCheckpointCatchesARewriteWithoutTheIndex) {
  const Checkpoint kept = log_->checkpoint().value();  // the owner keeps this elsewhere
  log_.reset();
  fs::remove(dir() / "checkpoints.jsonl");  // the attacker removes the vault's own copies
  auto all = testing::decode_all(segment(dir(), 1), PlainSealer());
  all[2].detail = "rewritten";
  write_lines(segment(dir(), 1), testing::rechain(all, kept.chain_id, PlainSealer()));
  VerifyOptions o = trusted();
  EXPECT_TRUE(verify(o).ok) << "the chain itself is consistent";
  o.checkpoints = {kept};
  const auto r = verify(o);
  ASSERT_FALSE(r.ok);
  ASSERT_TRUE(r.first_broken);
  EXPECT_EQ(r.first_broken->finding, Finding::kAnchorMismatch);
  EXPECT_EQ(r.first_broken->seq, 10u);
  EXPECT_NE(r.first_broken->message.find("checkpoint given"), std::string::npos)
      << r.first_broken->message;
}

TEST_F(CheckpointLogTest, VaultCheckpointsNarrowDownWhereTheRewriteBegan) {
  log_.reset();
  auto all = testing::decode_all(segment(dir(), 1), PlainSealer());
  all[5].detail = "rewritten";  // entry 6: after the checkpoint at 4, before the one at 8
  write_lines(segment(dir(), 1), testing::rechain(all, all[0].prev, PlainSealer()));
  const auto r = verify(trusted());
  ASSERT_TRUE(r.first_broken) << r.summary();
  EXPECT_EQ(r.first_broken->seq, 8u);
  EXPECT_NE(r.first_broken->message.find("rewritten somewhere in entries 5 to 8"),
            std::string::npos)
      << r.first_broken->message;
}

TEST_F(CheckpointLogTest, TruncationBelowACheckpointIsCaught) {
  log_.reset();
  auto lines = read_lines(segment(dir(), 1));
  lines.resize(6);
  write_lines(segment(dir(), 1), lines);
  const auto r = verify(trusted());
  ASSERT_TRUE(r.first_broken) << r.summary();
  EXPECT_EQ(r.first_broken->finding, Finding::kTruncated);
  EXPECT_EQ(r.first_broken->seq, 7u);
}

TEST_F(CheckpointLogTest, ForgedCheckpointInTheVaultFileIsRejected) {
  auto intruder = signer_from(99);
  Digest fake{};
  fake.fill(0x55);
  const Checkpoint forged = intruder->sign(log_->chain_id(), 9, fake, "2026-03-01T11:00:00.000Z");
  std::string raw = testing::read_file(dir() / "checkpoints.jsonl");
  testing::write_file(dir() / "checkpoints.jsonl", raw + checkpoint_json(forged) + "\n");
  const auto r = verify(trusted());
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.checkpoint_problems.size(), 1u) << r.summary();
  EXPECT_EQ(r.checkpoint_problems[0].finding, Finding::kBadCheckpoint);
  EXPECT_EQ(r.checkpoint_problems[0].line, 3u);
  EXPECT_NE(r.summary().find("another key"), std::string::npos) << r.summary();
  EXPECT_FALSE(r.first_broken) << "the entries themselves are fine";
}

TEST_F(CheckpointLogTest, AlteredCheckpointLineIsRejected) {
  auto lines = read_lines(dir() / "checkpoints.jsonl");
  lines[0].replace(lines[0].find("\"seq\":4"), 7, "\"seq\":5");
  write_lines(dir() / "checkpoints.jsonl", lines);
  const auto r = verify(trusted());
  ASSERT_EQ(r.checkpoint_problems.size(), 1u) << r.summary();
  EXPECT_NE(r.checkpoint_problems[0].message.find("not valid"), std::string::npos);
}

TEST_F(CheckpointLogTest, CheckpointOfAnotherLogIsRejected) {
  Digest other{};
  other.fill(0x33);
  VerifyOptions o = trusted();
  o.checkpoints = {signer_->sign(other, 3, log_->head().hash, "2026-03-01T11:00:00.000Z")};
  const auto r = verify(o);
  ASSERT_EQ(r.checkpoint_problems.size(), 1u);
  EXPECT_NE(r.checkpoint_problems[0].message.find("another audit log"), std::string::npos);
}

TEST(CheckpointWithoutSigner, OnDemandCheckpointNeedsAKey) {
  testing::TempDir tmp;
  testing::FakeClock clock;
  AuditLogOptions o;
  o.dir = tmp.path() / "audit";
  o.clock = &clock;
  o.sealer = std::make_shared<PlainSealer>();
  auto log = AuditLog::open(o).value();
  auto c = log->checkpoint();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace custos::audit

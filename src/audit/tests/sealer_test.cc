// Sealed lines: nothing readable at rest, a wrong key fails clearly, and a sealed log is as
// tamper-evident as a plain one.
#include "audit/sealer.h"

#include <gtest/gtest.h>

#include "audit/tests/audit_test_util.h"

namespace custos::audit {
namespace {

namespace fs = std::filesystem;

using testing::make_entry;
using testing::read_lines;
using testing::segment;
using testing::write_lines;

std::shared_ptr<AeadSealer> aead(unsigned char fill) {
  auto s = AeadSealer::create(testing::bytes32(fill));
  EXPECT_TRUE(s);
  return std::shared_ptr<AeadSealer>(std::move(*s));
}

TEST(AeadSealer, RoundTripAndFreshNonces) {
  auto sealer = aead(1);
  const std::string plain = "{\"seq\":5}";
  auto a = sealer->seal(5, plain);
  auto b = sealer->seal(5, plain);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->starts_with("x1:5:"));
  EXPECT_NE(*a, *b) << "a random nonce per line";
  auto opened = sealer->open(*a);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->plaintext, plain);
  EXPECT_EQ(opened->seq, 5u);
}

TEST(AeadSealer, SequenceNumberIsBoundAsAssociatedData) {
  auto sealer = aead(1);
  std::string line = sealer->seal(5, "{}").value();
  line.replace(0, 5, "x1:6:");
  auto opened = sealer->open(line);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnauthenticated);
}

TEST(AeadSealer, RejectsWhatItDidNotSeal) {
  auto sealer = aead(1);
  EXPECT_EQ(sealer->open("{\"v\":1}").error().code, ErrorCode::kCorruption);
  EXPECT_EQ(sealer->open("x1:5:!!!").error().code, ErrorCode::kCorruption);
  EXPECT_EQ(sealer->open("x1::AAAA").error().code, ErrorCode::kCorruption);
  EXPECT_EQ(sealer->open("x1:5:AAAA").error().code, ErrorCode::kCorruption) << "too short";
  EXPECT_EQ(aead(2)->open(sealer->seal(1, "{}").value()).error().code, ErrorCode::kUnauthenticated);
  auto plain = PlainSealer().open(sealer->seal(1, "{}").value());
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("without a key"), std::string::npos);
}

TEST(Base64, RoundTrip) {
  const std::string data("\x00\x01\xfe\xff<&>", 7);
  const std::string enc = base64_encode(std::as_bytes(std::span(data.data(), data.size())));
  EXPECT_EQ(enc, "AAH+/zwmPg==");
  EXPECT_EQ(base64_decode(enc).value(), data);
  EXPECT_FALSE(base64_decode("AAH+/zwmPg=")) << "truncated";
  EXPECT_FALSE(base64_decode("AAH+/z wmPg=="));
}

class SealedLogTest : public ::testing::Test {
 protected:
  static constexpr const char* kStudy = "1.2.826.0.1.3680043.8.498.12345";
  static constexpr const char* kActor = "dr-marguerite-okonkwo";

  void SetUp() override {
    auto log = AuditLog::open(options(sealer_));
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 1; i <= 6; ++i) {
      Entry e = make_entry("study.show", "opened in the viewer", {kStudy});
      e.actor = Actor{ActorKind::kUser, kActor};
      e.origin = Origin{OriginKind::kHttp, "198.51.100.23", "FirefoxPrivateBrowser", "", ""};
      e.uids.instances = {"1.2.826.0.1.3680043.8.498.99999"};
      ASSERT_TRUE((*log)->append(e));
    }
    head_ = (*log)->head();
  }
  AuditLogOptions options(std::shared_ptr<const EntrySealer> sealer) {
    AuditLogOptions o;
    o.dir = dir();
    o.clock = &clock_;
    o.sealer = std::move(sealer);
    return o;
  }
  fs::path dir() const { return tmp_.path() / "audit"; }
  VerifyResult verify(const EntrySealer& sealer) {
    VerifyOptions o;
    o.recorded_head = head_;
    auto r = verify_log(dir(), sealer, o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyResult{};
  }
  void expect_broken_at(Finding f, std::uint64_t seq) {
    const auto r = verify(*sealer_);
    ASSERT_TRUE(r.first_broken) << r.summary();
    EXPECT_EQ(to_string(r.first_broken->finding), to_string(f)) << r.summary();
    EXPECT_EQ(r.first_broken->seq, seq) << r.summary();
  }

  testing::TempDir tmp_;
  testing::FakeClock clock_;
  std::shared_ptr<AeadSealer> sealer_ = aead(1);
  Head head_;
};

TEST_F(SealedLogTest, NoPlaintextAtRest) {
  ASSERT_TRUE(verify(*sealer_).ok);
  int files = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir())) {
    if (!f.is_regular_file()) continue;
    ++files;
    const std::string raw = testing::read_file(f.path());
    for (const char* secret : {kStudy, "99999", kActor, "198.51.100.23", "FirefoxPrivate",
                               "study.show", "viewer", "\"seq\""}) {
      EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << f.path();
    }
  }
  EXPECT_GE(files, 2);
  auto back = list_entries(dir(), *sealer_, {});
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 6u);
  EXPECT_EQ(back->front().actor.id, kActor);
}

TEST_F(SealedLogTest, WrongKeyFailsClearly) {
  auto wrong = aead(2);
  auto log = AuditLog::open(options(wrong));
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(log.error().message.find("wrong key"), std::string::npos) << log.error().message;

  const auto r = verify(*wrong);
  ASSERT_FALSE(r.ok);
  ASSERT_TRUE(r.first_broken);
  EXPECT_EQ(r.first_broken->seq, 1u);
  EXPECT_EQ(r.first_broken->finding, Finding::kUnreadable);
  EXPECT_NE(r.first_broken->message.find("key is most likely wrong"), std::string::npos)
      << r.first_broken->message;

  auto listed = list_entries(dir(), *wrong, {});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(SealedLogTest, PlainReaderOfASealedLog) {
  auto log = AuditLog::open(options(std::make_shared<PlainSealer>()));
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SealedLogTest, ChangedByteInASealedLine) {
  auto lines = read_lines(segment(dir(), 1));
  char& c = lines[3][lines[3].size() / 2];
  c = c == 'A' ? 'B' : 'A';
  write_lines(segment(dir(), 1), lines);
  expect_broken_at(Finding::kUnreadable, 4);
}

TEST_F(SealedLogTest, RemovedSealedLine) {
  auto lines = read_lines(segment(dir(), 1));
  lines.erase(lines.begin() + 2);
  write_lines(segment(dir(), 1), lines);
  expect_broken_at(Finding::kMissing, 3);
}

TEST_F(SealedLogTest, SwappedSealedLines) {
  auto lines = read_lines(segment(dir(), 1));
  std::swap(lines[1], lines[2]);
  write_lines(segment(dir(), 1), lines);
  expect_broken_at(Finding::kMissing, 2);
}

TEST_F(SealedLogTest, SealedLineRelabelledToAnotherPosition) {
  auto lines = read_lines(segment(dir(), 1));
  lines[4].replace(0, 5, "x1:4:");  // entry 5 claims to be entry 4's replacement
  lines.erase(lines.begin() + 3);
  write_lines(segment(dir(), 1), lines);
  expect_broken_at(Finding::kUnreadable, 4);
}

TEST_F(SealedLogTest, TruncatedSealedLog) {
  auto lines = read_lines(segment(dir(), 1));
  lines.resize(4);
  write_lines(segment(dir(), 1), lines);
  expect_broken_at(Finding::kTruncated, 5);
}

}  // namespace
}  // namespace custos::audit

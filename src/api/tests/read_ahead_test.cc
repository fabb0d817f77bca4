// ReadAhead over a real vault: instances come back in order, whole and checked; those larger
// than the budget come back as `streamed`; a damaged one ends the sequence with its error;
// leaving early does not hang.
#include "api/read_ahead.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "base/clock.h"
#include "base/sha256.h"
#include "source/tests/test_support.h"
#include "vault/vault.h"

namespace custos::api {
namespace {
namespace fs = std::filesystem;

const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

class ReadAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPydicom / "CT_small.dcm")) GTEST_SKIP() << "python3-pydicom not installed";
    vault::InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(vault::Vault::init(tmp_.path() / "v", init, clock_));
    auto v = vault::Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
    std::vector<fs::path> inputs;
    for (const char* name : {"CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "JPEG2000.dcm",
                             "SC_rgb_gdcm_KY.dcm", "MR_small_implicit.dcm"}) {
      inputs.push_back(kPydicom / name);
    }
    ASSERT_GE(vault_->import(inputs, {}, nullptr).value().instances_added, 5);
    const auto studies = vault_->studies();
    ASSERT_TRUE(studies) << studies.error().message;
    for (const auto& study : *studies) {
      auto shown = vault_->show(study.study_uid);
      ASSERT_TRUE(shown) << shown.error().message;
      for (const auto& series : shown->series) {
        auto in_series = vault_->show(series.series_uid);
        ASSERT_TRUE(in_series) << in_series.error().message;
        for (auto& row : in_series->instances) rows_.push_back(row);
      }
    }
    ASSERT_GE(rows_.size(), 5u);
  }

  static std::string hex_sha(std::span<const std::byte> bytes) {
    const Digest d = sha256_of(bytes);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const auto b : d) {
      out.push_back(kHex[static_cast<unsigned>(b) >> 4]);
      out.push_back(kHex[static_cast<unsigned>(b) & 15]);
    }
    return out;
  }

  source::testing::TempDir tmp_;
  SystemClock clock_;
  std::unique_ptr<vault::Vault> vault_;
  std::vector<index::InstanceRow> rows_;
  vault::Caller owner_;
};

TEST_F(ReadAheadTest, EveryInstanceComesBackInOrderWholeAndChecked) {
  ReadAhead ahead(*vault_, owner_, rows_, std::size_t{8} << 20);
  for (const auto& row : rows_) {
    auto got = ahead.next();
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_FALSE(got->streamed);
    ASSERT_EQ(got->bytes.size(), row.size);
    EXPECT_EQ(hex_sha(got->bytes), row.sha256);
  }
}

TEST_F(ReadAheadTest, InstancesLargerThanTheBudgetAreLeftToStream) {
  std::uint64_t smallest = rows_.front().size, largest = 0;
  for (const auto& r : rows_) {
    smallest = std::min(smallest, r.size);
    largest = std::max(largest, r.size);
  }
  ASSERT_LT(smallest, largest);
  const std::size_t budget = static_cast<std::size_t>(smallest);  // only the smallest fit
  ReadAhead ahead(*vault_, owner_, rows_, budget);
  for (const auto& row : rows_) {
    auto got = ahead.next();
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->streamed, row.size > budget) << row.sop_uid;
    if (!got->streamed) {
      EXPECT_EQ(hex_sha(got->bytes), row.sha256);
    }
  }
}

TEST_F(ReadAheadTest, ADamagedInstanceEndsTheSequenceWithCorruption) {
  const auto& victim = rows_[2];
  const fs::path blob =
      tmp_.path() / "v" / "blobs" / victim.sha256.substr(0, 2) / victim.sha256.substr(2, 2) / victim.sha256;
  ASSERT_TRUE(fs::exists(blob)) << blob;
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(victim.size / 2));
    f.put('\x5a');
    f.put('\xa5');
  }
  ReadAhead ahead(*vault_, owner_, rows_, std::size_t{8} << 20);
  ASSERT_TRUE(ahead.next());
  ASSERT_TRUE(ahead.next());
  auto bad = ahead.next();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kCorruption);
  EXPECT_NE(bad.error().message.find(victim.sha256), std::string::npos) << bad.error().message;
}

TEST_F(ReadAheadTest, LeavingAfterTheFirstInstanceReturnsPromptly) {
  std::vector<index::InstanceRow> many;
  for (int i = 0; i < 200; ++i) many.push_back(rows_[static_cast<std::size_t>(i) % rows_.size()]);
  const auto start = std::chrono::steady_clock::now();
  {
    // A budget of one instance: the reader is always waiting for room when we leave.
    ReadAhead ahead(*vault_, owner_, many, static_cast<std::size_t>(rows_.front().size));
    ASSERT_TRUE(ahead.next());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace custos::api

#include "dicom/isolated_header_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "dicom/header_codec.h"

namespace custos::dicom {
namespace {

ScanSummary summary_with(const std::string& marker) {
  ScanSummary s;
  s.encoding = Encoding::kExplicitLittle;
  s.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  for (const char c : marker) s.dataset_prefix.push_back(static_cast<std::byte>(c));
  return s;
}

std::string marker_of(const ScanSummary& s) {
  return std::string(reinterpret_cast<const char*>(s.dataset_prefix.data()),
                     s.dataset_prefix.size());
}

// Stands in for a parser bug: crashes, hangs or allocates without bound on chosen inputs.
Result<InstanceHeader> misbehaving_parse(const ScanSummary& s) {
  const std::string m = marker_of(s);
  if (m == "crash") std::abort();
  if (m == "hang") std::this_thread::sleep_for(std::chrono::hours(1));
  if (m == "hog") {
    std::vector<std::vector<char>> blocks;
    for (;;) blocks.emplace_back(64 << 20, 'x');
  }
  if (m == "bad") return fail(ErrorCode::kRejected, "no SOP Instance UID (0008,0018)");
  InstanceHeader h;
  h.sop_uid = "1.2." + m;
  h.study_uid = "1.2.3";
  h.series_uid = "1.2.3.4";
  h.patient_name = "Müller^Zoë";
  h.rows = 512;
  return h;
}

IsolationOptions test_options() {
  IsolationOptions o;
  o.parse = misbehaving_parse;
  o.timeout = std::chrono::milliseconds(1500);
  o.memory_limit_bytes = 512ull << 20;
  return o;
}

TEST(IsolatedHeaderReader, ReturnsWhatTheParserReturns) {
  IsolatedHeaderReader reader(test_options());
  auto h = reader.read(summary_with("7"));
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->sop_uid, "1.2.7");
  EXPECT_EQ(h->patient_name, "Müller^Zoë");
  EXPECT_EQ(h->rows, 512);
  EXPECT_EQ(h->columns, std::nullopt);
  auto bad = reader.read(summary_with("bad"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kRejected);
  EXPECT_EQ(bad.error().message, "no SOP Instance UID (0008,0018)");
  EXPECT_EQ(reader.workers_started(), 1);
}

TEST(IsolatedHeaderReader, ACrashCostsOneFileAndTheWorkerIsRestarted) {
  IsolatedHeaderReader reader(test_options());
  ASSERT_TRUE(reader.read(summary_with("1")));
  auto crashed = reader.read(summary_with("crash"));
  ASSERT_FALSE(crashed);
  EXPECT_EQ(crashed.error().code, ErrorCode::kRejected);
  EXPECT_NE(crashed.error().message.find("crashed"), std::string::npos);
  auto next = reader.read(summary_with("2"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->sop_uid, "1.2.2");
  EXPECT_EQ(reader.workers_started(), 2);
}

TEST(IsolatedHeaderReader, AHangIsCutOffByTheTimeout) {
  IsolatedHeaderReader reader(test_options());
  const auto start = std::chrono::steady_clock::now();
  auto hung = reader.read(summary_with("hang"));
  ASSERT_FALSE(hung);
  EXPECT_NE(hung.error().message.find("did not finish"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(reader.read(summary_with("3")));
}

TEST(IsolatedHeaderReader, UnboundedAllocationHitsTheMemoryLimit) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "no address-space limit under AddressSanitizer";
#endif
  IsolatedHeaderReader reader(test_options());
  auto hog = reader.read(summary_with("hog"));
  ASSERT_FALSE(hog);
  EXPECT_EQ(hog.error().code, ErrorCode::kRejected);
  EXPECT_TRUE(reader.read(summary_with("4")));
}

TEST(HeaderCodec, MalformedRepliesAreRefused) {
  const auto good = encode_reply(misbehaving_parse(summary_with("5")));
  for (std::size_t cut = 0; cut < good.size(); cut += 7) {
    auto r = decode_reply(std::span(good.data(), cut));
    EXPECT_FALSE(r);
  }
  auto full = decode_reply(good);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->sop_uid, "1.2.5");
}

}  // namespace
}  // namespace custos::dicom

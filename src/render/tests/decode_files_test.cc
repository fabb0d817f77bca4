// Every frame of pydicom's test files decodes to the values pydicom reads (native, RLE) or
// to the uncompressed original the compressed file was made from (JPEG, JPEG-LS, JPEG 2000).
#include <gtest/gtest.h>

#include <cstdlib>

#include "render/decoder.h"
#include "render/tests/test_frames.h"

namespace custos::render {
namespace {

using testing::Spans;

Decoder& shared_decoder() {
  static const std::unique_ptr<Decoder> decoder = [] {
    DecoderOptions options;
    options.workers = 2;
    auto d = Decoder::open(options);
    EXPECT_TRUE(d.has_value());
    return d ? std::move(*d) : nullptr;
  }();
  return *decoder;
}

class DecodeFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(DecodeFiles, MatchesReference) {
  if (testing::frames_dir().empty()) GTEST_SKIP() << "pydicom test files absent";
  const testing::Case c = testing::load_case(GetParam());
  for (int frame = 0; frame < c.frames; ++frame) {
    SCOPED_TRACE(c.name + " frame " + std::to_string(frame));
    const auto fragments = testing::load_fragments(c.name, frame);
    const Spans spans(fragments);
    auto decoded = shared_decoder().decode(c.description, spans.spans);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_EQ(decoded->rows, c.description.rows);
    EXPECT_EQ(decoded->columns, c.description.columns);
    EXPECT_EQ(decoded->samples, c.description.samples_per_pixel);
    if (!c.has_reference) continue;
    const auto expected = testing::load_expected(c.name, frame);
    const auto got = testing::values(*decoded);
    ASSERT_EQ(got.size(), expected.size());
    int worst = 0;
    double total = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const int diff = std::abs(got[i] - expected[i]);
      worst = std::max(worst, diff);
      total += diff;
    }
    EXPECT_LE(worst, c.tolerance) << "mean difference " << total / got.size();
    if (c.tolerance > 0) {
      EXPECT_LT(total / static_cast<double>(got.size()), 3.0);
    }
  }
}

std::vector<std::string> names() {
  if (testing::frames_dir().empty()) return {"none"};
  return testing::case_names();
}

INSTANTIATE_TEST_SUITE_P(Pydicom, DecodeFiles, ::testing::ValuesIn(names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace custos::render

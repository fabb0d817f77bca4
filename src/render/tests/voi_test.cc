// VOI functions against values computed by hand from PS3.3 C.11.2.1.2 and C.11.2.1.3, and
// the choice of window (request, file, frame range).
#include <gtest/gtest.h>

#include <cmath>

#include "render/voi.h"

namespace custos::render {
namespace {

TEST(Voi, LinearFollowsTheStandardFormula) {
  const Window w{40, 400, VoiFunction::kLinear};
  // Bounds: x <= c - 0.5 - (w-1)/2 = -160 -> 0; x > c - 0.5 + (w-1)/2 = 239 -> 255.
  EXPECT_EQ(apply_window(-160, w), 0);
  EXPECT_EQ(apply_window(239.5, w), 255);
  // ((0 - 39.5) / 399 + 0.5) * 255 = 102.2556...
  EXPECT_NEAR(apply_window(0, w), 102.2556, 1e-3);
  // ((40 - 39.5) / 399 + 0.5) * 255 = 127.8195...
  EXPECT_NEAR(apply_window(40, w), 127.8195, 1e-3);
  EXPECT_NEAR(apply_window(239, w), 255.0, 1e-9);
  // Width 1 is a threshold at c - 0.5.
  const Window step{100, 1, VoiFunction::kLinear};
  EXPECT_EQ(apply_window(99.5, step), 0);
  EXPECT_EQ(apply_window(99.6, step), 255);
}

TEST(Voi, LinearExactAndSigmoid) {
  const Window exact{40, 400, VoiFunction::kLinearExact};
  EXPECT_EQ(apply_window(-160, exact), 0);
  EXPECT_NEAR(apply_window(0, exact), 102.0, 1e-9);   // (-40/400 + 0.5) * 255
  EXPECT_NEAR(apply_window(239, exact), 254.3625, 1e-9);
  EXPECT_EQ(apply_window(240.5, exact), 255);
  const Window sigmoid{40, 400, VoiFunction::kSigmoid};
  EXPECT_NEAR(apply_window(40, sigmoid), 127.5, 1e-9);
  EXPECT_NEAR(apply_window(140, sigmoid), 255 / (1 + std::exp(-1.0)), 1e-9);  // 186.42
}

TEST(Voi, TableAppliesRescaleWindowAndMonochrome1) {
  PixelDescription d;
  d.rescale_slope = 2;
  d.rescale_intercept = -1024;
  Decoded f;
  f.rows = 1;
  f.columns = 3;
  f.bits = 16;
  f.is_signed = true;
  f.data16 = {static_cast<std::uint16_t>(-10), 512, 700};
  const Window w{0, 400, VoiFunction::kLinearExact};
  GreyTable t = make_grey_table(d, f, w);
  EXPECT_EQ(t.offset, -10);
  ASSERT_EQ(t.table.size(), 711u);
  EXPECT_EQ(t.table[0], 0);                  // -1044 HU
  EXPECT_EQ(t.table[512 + 10], 128);         // 0 HU -> 127.5 rounds to 128
  EXPECT_EQ(t.table[700 + 10], 255);         // 376 HU
  f.monochrome1 = true;
  t = make_grey_table(d, f, w);
  EXPECT_EQ(t.table[0], 255);
  EXPECT_EQ(t.table[512 + 10], 127);
}

TEST(Voi, WindowComesFromRequestThenFileThenRange) {
  PixelDescription d;
  Decoded f;
  f.rows = 1;
  f.columns = 2;
  f.bits = 8;
  f.data8 = {10, 30};
  RenderOptions o;
  Window w = choose_window(d, f, o);
  EXPECT_EQ(w.function, VoiFunction::kLinearExact);
  EXPECT_DOUBLE_EQ(w.center, 20);
  EXPECT_DOUBLE_EQ(w.width, 20);
  d.window_centers = {50, 60};
  d.window_widths = {100, 200};
  d.voi_lut_function = "SIGMOID ";
  w = choose_window(d, f, o);
  EXPECT_DOUBLE_EQ(w.center, 50);
  EXPECT_DOUBLE_EQ(w.width, 100);
  EXPECT_EQ(w.function, VoiFunction::kSigmoid);
  o.window = Window{1, 2, VoiFunction::kLinear};
  w = choose_window(d, f, o);
  EXPECT_DOUBLE_EQ(w.center, 1);
  EXPECT_EQ(w.function, VoiFunction::kLinear);
}

}  // namespace
}  // namespace custos::render

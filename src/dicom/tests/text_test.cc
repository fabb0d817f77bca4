#include "dicom/text.h"

#include <gtest/gtest.h>

namespace custos::dicom {
namespace {

TEST(Text, TrimsDicomPadding) {
  EXPECT_EQ(trim_padding(" CT "), "CT");
  EXPECT_EQ(trim_padding(std::string("1.2.3\0", 6)), "1.2.3");
}

TEST(Text, ParsesIntegerStrings) {
  EXPECT_EQ(parse_leading_int(" 12 "), 12);
  EXPECT_EQ(parse_leading_int("+7"), 7);
  EXPECT_EQ(parse_leading_int("-3"), -3);
  EXPECT_EQ(parse_leading_int("x"), std::nullopt);
}

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("Müller"));
  EXPECT_FALSE(is_valid_utf8("M\xFCller"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));  // overlong
  EXPECT_EQ(ensure_utf8("M\xFCller"), "M\xEF\xBF\xBDller");
  EXPECT_EQ(latin1_to_utf8_if_invalid("M\xFCller"), "Müller");
  EXPECT_EQ(latin1_to_utf8_if_invalid("Müller"), "Müller");
}

}  // namespace
}  // namespace custos::dicom

#include "vault/layout.h"

#include <gtest/gtest.h>

namespace custos::vault {
namespace {

TEST(Layout, FolderNameHasDateBodyPartAndModality) {
  index::StudyRow s;
  s.study_date = "20190314";
  s.body_parts = {"CHEST"};
  s.modalities = {"CT"};
  EXPECT_EQ(study_folder_name(s), "2019-03-14_CHEST_CT");
}

TEST(Layout, FolderNameStandsInForMissingValues) {
  index::StudyRow s;
  EXPECT_EQ(study_folder_name(s), "unknown-date_UnknownBodyPart_UnknownModality");
}

TEST(Layout, FolderNameIsSanitised) {
  index::StudyRow s;
  s.study_date = "2019";
  s.body_parts = {"../HEAD NECK", ""};
  s.modalities = {"PT", "CT"};
  EXPECT_EQ(study_folder_name(s), "unknown-date_HEAD-NECK_PT-CT");
}

TEST(Layout, SanitizeKeepsOnlySafeCharacters) {
  EXPECT_EQ(sanitize_component("a/b\\c..d e"), "a-b-c-d-e");
  EXPECT_EQ(sanitize_component("---"), "");
  EXPECT_EQ(sanitize_component("Knöchel"), "Kn-chel");
}

TEST(Layout, DescriptorRoundTrips) {
  Descriptor d;
  d.created_at = "2026-01-01T00:00:00.000Z";
  auto parsed = parse_descriptor(descriptor_json(d));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->format_version, 1);
  EXPECT_EQ(parsed->encryption, "none");
}

TEST(Layout, DescriptorRejectsOtherFilesAndNewerFormats) {
  EXPECT_EQ(parse_descriptor("{}").error().code, ErrorCode::kCorruption);
  EXPECT_EQ(parse_descriptor("not json").error().code, ErrorCode::kCorruption);
  EXPECT_EQ(parse_descriptor(R"({"format":"custos-vault","format_version":99})").error().code,
            ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace custos::vault

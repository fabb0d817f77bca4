// STOW-RS response JSON and status rule; WADO-RS media type choice.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dicomweb/media_types.h"
#include "dicomweb/stow.h"

namespace custos::dicomweb {
namespace {

using nlohmann::json;

StowItem stored(std::string sop, std::string study = "1.2") {
  return {"1.2.840.10008.5.1.4.1.1.2", std::move(sop), std::move(study), "1.2.3", {}, {}};
}

TEST(Stow, StatusRule) {
  EXPECT_EQ(stow_http_status({}), 400);
  const StowItem ok = stored("1");
  StowItem bad = stored("2");
  bad.failure = StowFailure::kCannotUnderstand;
  StowItem warned = stored("3");
  warned.warning = StowWarning::kCoercion;
  EXPECT_EQ(stow_http_status(std::vector{ok, ok}), 200);
  EXPECT_EQ(stow_http_status(std::vector{ok, bad}), 202);
  EXPECT_EQ(stow_http_status(std::vector{ok, warned}), 202);
  EXPECT_EQ(stow_http_status(std::vector{bad, bad}), 409);
}

TEST(Stow, ResponseDataset) {
  StowItem bad{"", "", "", "", StowFailure::kOutOfResources, {}};
  StowItem bad2 = stored("9");
  bad2.failure = StowFailure::kSopClassNotSupported;
  StowItem warned = stored("3");
  warned.warning = StowWarning::kCoercion;
  const std::vector items{stored("1"), bad, warned, bad2};
  const json j = json::parse(stow_response_json(items, "http://h/dw"));
  EXPECT_EQ(j["00081190"]["Value"][0], "http://h/dw/studies/1.2");
  const json& ok = j["00081199"]["Value"];
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0]["00081150"]["Value"][0], "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(ok[0]["00081155"]["Value"][0], "1");
  EXPECT_EQ(ok[0]["00081190"]["Value"][0], "http://h/dw/studies/1.2/series/1.2.3/instances/1");
  EXPECT_FALSE(ok[0].contains("00081196"));
  EXPECT_EQ(ok[1]["00081196"], json::parse(R"({"vr":"US","Value":[45056]})"));
  const json& failed = j["00081198"]["Value"];
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0], json::parse(R"({"00081197":{"vr":"US","Value":[42752]}})"));
  EXPECT_EQ(failed[1]["00081155"]["Value"][0], "9");
  EXPECT_EQ(failed[1]["00081197"]["Value"][0], 0x0122);

  // Two studies: no top-level RetrieveURL; all failed: no ReferencedSOPSequence.
  const json two = json::parse(stow_response_json(std::vector{stored("1", "1.2"), stored("2", "1.5")}, "h"));
  EXPECT_FALSE(two.contains("00081190"));
  EXPECT_FALSE(two.contains("00081198"));
  const json none = json::parse(stow_response_json(std::vector{bad}, "h"));
  EXPECT_FALSE(none.contains("00081199"));
  EXPECT_EQ(json::parse(stow_response_json({}, "h")), json::object());
}

MediaRange range(std::string type, std::string subtype, std::map<std::string, std::string> params = {},
                 double q = 1.0) {
  return {std::move(type), std::move(subtype), std::move(params), q};
}

constexpr char kJpeg[] = "1.2.840.10008.1.2.4.50";

TEST(MediaTypes, Instances) {
  auto c = choose_instance_media({}, kJpeg);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->content_type, "multipart/related; type=\"application/dicom\"");
  EXPECT_EQ(c->part_content_type, std::string("application/dicom; transfer-syntax=") + kJpeg);
  const std::vector star{range("multipart", "related", {{"type", "application/dicom"}, {"transfer-syntax", "*"}})};
  EXPECT_TRUE(choose_instance_media(star, kJpeg));
  const std::vector same{range("multipart", "related", {{"type", "application/dicom"}, {"transfer-syntax", kJpeg}})};
  EXPECT_TRUE(choose_instance_media(same, kJpeg));
  const std::vector other{range("multipart", "related", {{"type", "application/dicom"},
                                                         {"transfer-syntax", kExplicitVrLittleEndian}})};
  const auto r = choose_instance_media(other, kJpeg);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message.find("transcoding"), std::string::npos);
  EXPECT_TRUE(choose_instance_media(std::vector{range("*", "*")}, kJpeg));
  EXPECT_FALSE(choose_instance_media(std::vector{range("application", "json")}, kJpeg));
  EXPECT_FALSE(choose_instance_media(std::vector{range("*", "*", {}, 0)}, kJpeg));
  // The better q wins even when listed later.
  const std::vector both{other[0], range("multipart", "related", {{"type", "application/dicom"}}, 0.5)};
  EXPECT_TRUE(choose_instance_media(both, kJpeg));
}

TEST(MediaTypes, Frames) {
  EXPECT_EQ(frame_media_type(kJpeg), "image/jpeg");
  EXPECT_EQ(frame_media_type("1.2.840.10008.1.2.5"), "image/x-dicom-rle");
  EXPECT_EQ(frame_media_type("1.2.840.10008.1.2.4.90"), "image/jp2");
  EXPECT_EQ(frame_media_type(kExplicitVrLittleEndian), "application/octet-stream");
  const std::vector octet_star{range("multipart", "related", {{"type", "application/octet-stream"}, {"transfer-syntax", "*"}})};
  auto c = choose_frame_media(octet_star, kJpeg);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->part_content_type, std::string("application/octet-stream; transfer-syntax=") + kJpeg);
  const std::vector octet{range("multipart", "related", {{"type", "application/octet-stream"}})};
  EXPECT_FALSE(choose_frame_media(octet, kJpeg));  // uncompressed asked, JPEG stored
  auto n = choose_frame_media(octet, kImplicitVrLittleEndian);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->transfer_syntax_uid, kExplicitVrLittleEndian);
  const std::vector jpeg{range("multipart", "related", {{"type", "image/jpeg"}})};
  auto j = choose_frame_media(jpeg, kJpeg);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->content_type, "multipart/related; type=\"image/jpeg\"");
  const auto no = choose_frame_media(jpeg, "1.2.840.10008.1.2.4.90");
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(choose_frame_media({}, "1.2.840.10008.1.2.4.90"));
}

}  // namespace
}  // namespace custos::dicomweb

// The element reader against DCMTK's dcmdump on every pydicom test file, and on hostile
// inputs built here (deep nesting, lengths past the end, every truncation of a real file).
#include "dicom/element_reader.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "dicom/charset.h"
#include "dicom/dictionary.h"
#include "dicom/tests/stream_scanner_test_util.h"

namespace custos::dicom {
namespace {

namespace fs = std::filesystem;
using scan_test::Bytes;

std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  *status = pclose(p);
  return out;
}

fs::path pydicom_dir(const char* sub = "test_files") {
  int st = 0;
  std::string dir =
      run("/usr/bin/python3 -c 'import pydicom.data as d; print(d.__path__[0])'", &st);
  while (!dir.empty() && dir.back() == '\n') dir.pop_back();
  return fs::path(dir) / sub;
}

std::vector<std::byte> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  std::memcpy(out.data(), c.data(), c.size());
  return out;
}

std::span<const std::byte> as_span(const Bytes& b) {
  return std::as_bytes(std::span(b.data(), b.size()));
}

struct DumpLine {
  std::uint32_t tag;
  std::string vr;
  int depth;
};

// The data elements dcmdump prints (items and delimiters left out), with their depth.
std::optional<std::vector<DumpLine>> dcmdump(const fs::path& file) {
  int st = 0;
  const std::string out = run("dcmdump -q '" + file.string() + "' 2>/dev/null", &st);
  if (st != 0) return std::nullopt;
  std::vector<DumpLine> lines;
  static const std::regex re(R"(^( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\S\S) )");
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, re)) continue;
    const auto tag = static_cast<std::uint32_t>(std::stoul(m[2].str() + m[3].str(), nullptr, 16));
    if ((tag >> 16) == 0xFFFE) continue;
    lines.push_back({tag, m[4].str(), static_cast<int>(m[1].length() / 4)});
  }
  return lines;
}

TEST(ElementReader, MatchesDcmdumpOnEveryPydicomFile) {
  int compared = 0;
  for (const char* sub : {"test_files", "charset_files"}) {
    for (const auto& entry : fs::directory_iterator(pydicom_dir(sub))) {
      if (entry.path().extension() != ".dcm") continue;
      const auto bytes = read_file(entry.path());
      const auto ds = read_elements(bytes);  // must never crash, whatever dcmdump says
      const auto dump = dcmdump(entry.path());
      if (!dump) continue;
      if (!ds && ds.error().code == ErrorCode::kUnsupported) continue;  // deflated
      ASSERT_TRUE(ds) << entry.path() << ": " << ds.error().message;
      std::vector<const Element*> mine;
      for (const Element& e : ds->elements) {
        if (e.kind == NodeKind::kElement) mine.push_back(&e);
      }
      ASSERT_EQ(mine.size(), dump->size()) << entry.path();
      for (std::size_t i = 0; i < mine.size(); ++i) {
        const DumpLine& d = (*dump)[i];
        ASSERT_EQ(mine[i]->tag, d.tag) << entry.path() << " #" << i;
        ASSERT_EQ(mine[i]->depth, d.depth) << entry.path() << " " << format_tag(d.tag);
        // Explicit VRs are read as written; DCMTK prints the same except where it resolves
        // an unknown or private VR differently.
        const bool comparable = (ds->explicit_vr || (d.tag >> 16) == 2) && ((d.tag >> 16) & 1) == 0 &&
                                mine[i]->vr != vr_code("UN") && d.vr != "UN" && d.vr != "??";
        if (comparable) {
          EXPECT_EQ(vr_name(mine[i]->vr), d.vr) << entry.path() << " " << format_tag(d.tag);
        }
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 60);
}

TEST(ElementReader, ReadsValuesAndNumbers) {
  const auto bytes = read_file(pydicom_dir() / "CT_small.dcm");
  const auto ds = read_elements(bytes);
  ASSERT_TRUE(ds) << ds.error().message;
  EXPECT_EQ(ds->transfer_syntax_uid, "1.2.840.10008.1.2.1");
  EXPECT_EQ(ds->text(0x00100010), "CompressedSamples^CT1");
  EXPECT_EQ(ds->number(0x00280010), 128);
  EXPECT_EQ(ds->number(0x00280030, 1), 0.661468);
  const Element* pixels = ds->find(0x7FE00010);
  ASSERT_NE(pixels, nullptr);
  EXPECT_EQ(pixels->length, 128u * 128 * 2);
  EXPECT_LE(pixels->offset + pixels->length, bytes.size());
}

TEST(ElementReader, ImplicitVrTakesTheDictionaryVr) {
  const auto bytes = read_file(pydicom_dir() / "MR_small_implicit.dcm");
  const auto ds = read_elements(bytes);
  ASSERT_TRUE(ds) << ds.error().message;
  EXPECT_FALSE(ds->explicit_vr);
  EXPECT_EQ(ds->find(0x00100010)->vr, vr_code("PN"));
  EXPECT_EQ(ds->find(0x00280010)->vr, vr_code("US"));
  EXPECT_EQ(ds->find(0x7FE00010)->vr, vr_code("OW"));
  EXPECT_EQ(ds->number(0x00280011), 64);
}

TEST(ElementReader, BigEndianNumbers) {
  const auto bytes = read_file(pydicom_dir() / "MR_small_bigendian.dcm");
  const auto ds = read_elements(bytes);
  ASSERT_TRUE(ds) << ds.error().message;
  EXPECT_TRUE(ds->big_endian);
  EXPECT_EQ(ds->number(0x00280010), 64);
}

TEST(ElementReader, EncapsulatedPixelDataHasFragments) {
  const auto bytes = read_file(pydicom_dir() / "SC_rgb_rle_2frame.dcm");
  const auto ds = read_elements(bytes);
  ASSERT_TRUE(ds) << ds.error().message;
  const Element* pixels = ds->find(0x7FE00010);
  ASSERT_NE(pixels, nullptr);
  EXPECT_TRUE(pixels->is_encapsulated());
  const auto items = ds->children(ds->index_of(*pixels));
  ASSERT_EQ(items.size(), 3u);  // offset table + one fragment per frame
  for (auto i : items) EXPECT_EQ(ds->elements[i].kind, NodeKind::kFragment);
}

TEST(ElementReader, RefusesNestingDeeperThan64) {
  for (const bool explicit_vr : {true, false}) {
    for (const bool defined : {true, false}) {
      const Bytes ok = scan_test::part10(explicit_vr ? scan_test::kExplicitLeUid : scan_test::kImplicitLeUid,
                                         scan_test::nested(64, explicit_vr, defined));
      EXPECT_TRUE(read_elements(as_span(ok))) << explicit_vr << defined;
      const Bytes deep = scan_test::part10(explicit_vr ? scan_test::kExplicitLeUid : scan_test::kImplicitLeUid,
                                           scan_test::nested(5000, explicit_vr, defined));
      const auto r = read_elements(as_span(deep));
      if (!explicit_vr && defined) {
        // A private defined-length value in implicit VR is opaque (as dcmdump shows
        // priv_SQ.dcm): one flat element, nothing nested to refuse.
        ASSERT_TRUE(r);
        continue;
      }
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::kRejected);
      EXPECT_NE(r.error().message.find("deeper than 64"), std::string::npos) << r.error().message;
    }
  }
}

TEST(ElementReader, RefusesLengthsPastTheEnd) {
  scan_test::Writer w;
  w.element(0x00100010, "PN", "Doe^Jane");
  w.header(0x7FE00010, "OB", 0x7FFFFFF0u);
  w.out.resize(w.out.size() + 64, 0);
  const Bytes file = scan_test::part10(scan_test::kExplicitLeUid, w.out);
  const auto r = read_elements(as_span(file));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRejected);
  EXPECT_NE(r.error().message.find("(7fe0,0010)"), std::string::npos) << r.error().message;
}

TEST(ElementReader, EveryTruncationIsRefusedOrShorterNeverACrash) {
  for (const char* name : {"rtplan.dcm", "SC_rgb_rle_2frame.dcm", "MR_small_implicit.dcm",
                           "UN_sequence.dcm"}) {
    const auto bytes = read_file(pydicom_dir() / name);
    const auto whole = read_elements(bytes);
    ASSERT_TRUE(whole) << name;
    std::size_t refused = 0;
    for (std::size_t n = 0; n < bytes.size(); n += 1 + n / 512) {
      const auto r = read_elements(std::span(bytes).first(n));
      if (!r) {
        ++refused;
      } else {
        EXPECT_LE(r->elements.size(), whole->elements.size());
      }
    }
    EXPECT_GT(refused, 0u) << name;
  }
}

TEST(ElementReader, DeflatedIsUnsupported) {
  const auto bytes = read_file(pydicom_dir() / "image_dfl.dcm");
  const auto r = read_elements(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

TEST(TextDecoder, ConvertsCharacterSetsToUtf8) {
  // Expected values as pydicom decodes them. Japanese ISO 2022 (not offered by DCMTK's iconv
  // conversion on Debian 12) goes through the EUC-JP re-encoding in charset.cc.
  const std::pair<const char*, const char*> cases[] = {
      {"chrH31.dcm", "Yamada^Tarou=\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E="
                     "\xE3\x82\x84\xE3\x81\xBE\xE3\x81\xA0^\xE3\x81\x9F\xE3\x82\x8D\xE3\x81\x86"},
      {"chrH32.dcm", "\xEF\xBE\x94\xEF\xBE\x8F\xEF\xBE\x80\xEF\xBE\x9E^\xEF\xBE\x80\xEF\xBE\x9B\xEF\xBD\xB3="
                     "\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E="
                     "\xE3\x82\x84\xE3\x81\xBE\xE3\x81\xA0^\xE3\x81\x9F\xE3\x82\x8D\xE3\x81\x86"},
      {"chrRuss.dcm", "\xd0\x9b\xd1\x8e\xd0\xba" "ce\xd0\xbc\xd0\xb1" "yp\xd0\xb3"},
      {"chrGreek.dcm", "\xce\x94\xce\xb9\xce\xbf\xce\xbd\xcf\x85\xcf\x83\xce\xb9\xce\xbf\xcf\x82"},
      {"chrX1.dcm", "Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe6\x9d\xb1="}};
  for (const auto& [file, expected] : cases) {
    const auto bytes = read_file(pydicom_dir("charset_files") / file);
    const auto ds = read_elements(bytes);
    ASSERT_TRUE(ds);
    TextDecoder dec(ds->text(0x00080005));
    const Element* pn = ds->find(0x00100010);
    ASSERT_NE(pn, nullptr);
    EXPECT_EQ(dec.to_utf8(ds->text(*pn), pn->vr), expected) << file;
  }
  TextDecoder latin1("ISO_IR 100");
  EXPECT_EQ(latin1.to_utf8("Buc^J\xe9r\xf4me", vr_code("PN")), "Buc^J\xC3\xA9r\xC3\xB4me");
}

TEST(Dictionary, KeywordsAndVrs) {
  EXPECT_EQ(tag_for_keyword("PatientName"), 0x00100010u);
  EXPECT_EQ(tag_for_keyword("NoSuchKeyword"), std::nullopt);
  EXPECT_EQ(keyword_for_tag(0x0020000D), "StudyInstanceUID");
  EXPECT_EQ(dictionary_vr(0x00100010), vr_code("PN"));
  EXPECT_EQ(dictionary_vr(0x00280106), vr_code("US"));  // US or SS
  EXPECT_EQ(dictionary_vr(0x00091001), vr_code("UN"));
}

}  // namespace
}  // namespace custos::dicom

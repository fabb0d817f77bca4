// StreamScanner on streams built here: form detection, deep nesting, huge lengths, deflate
// bombs, polyglot preambles, malformed items, each fed in several chunkings; and its speed.
#include "dicom/stream_scanner.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "dicom/tests/stream_scanner_test_util.h"

namespace custos::dicom {
namespace {

using namespace custos::dicom::scan_test;  // the stream builders

// ---- form detection ----

TEST(StreamScannerDetect, ProgramsImagesAndTextAreNotDicom) {
  Bytes exe(4096, 0);
  exe[0] = 'M';
  exe[1] = 'Z';
  exe[0x3c] = 0x80;
  std::memcpy(&exe[0x80], "PE\0\0", 4);
  const std::string autorun = "[autorun]\r\nopen=setup.exe\r\nicon=setup.exe,0\r\n";
  const Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1};
  const std::string pdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
  const Bytes zip = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Lorem ipsum dolor sit amet. ";
  Bytes zeros(4096, 0);
  for (const Bytes& b :
       {exe, Bytes(autorun.begin(), autorun.end()), jpeg, Bytes(pdf.begin(), pdf.end()), zip,
        Bytes(text.begin(), text.end()), zeros, Bytes{}, Bytes{0x08, 0x00}}) {
    for (std::size_t chunk : {1, 0}) {
      const auto r = scan(b, chunk);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
    }
  }
}

TEST(StreamScannerDetect, NotDicomIsKnownAfter132Bytes) {
  StreamScanner s;
  const Bytes text(200, 'a');
  s.feed({reinterpret_cast<const std::byte*>(text.data()), 131});
  EXPECT_FALSE(s.not_dicom());
  s.feed({reinterpret_cast<const std::byte*>(text.data()), 1});
  EXPECT_TRUE(s.not_dicom());
}

TEST(StreamScannerDetect, BareDatasetsInEveryEncoding) {
  struct Case {
    bool expl, big;
    const char* uid;
    Encoding enc;
  };
  for (const Case& c : {Case{true, false, kExplicitLeUid, Encoding::kExplicitLittle},
                        Case{false, false, kImplicitLeUid, Encoding::kImplicitLittle},
                        Case{true, true, "1.2.840.10008.1.2.2", Encoding::kExplicitBig}}) {
    const Bytes data = simple_dataset(c.expl, c.big);
    const auto r = scan(data);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->transfer_syntax_uid, c.uid);
    EXPECT_EQ(r->encoding, c.enc);
    EXPECT_FALSE(r->has_preamble);
    EXPECT_TRUE(contains(r->dataset_prefix, "1.2.3.4.5.6"));
    EXPECT_FALSE(contains(r->dataset_prefix, "ZZZZ"));  // pixel data is not in the prefix
  }
  // A meta group without a preamble, then the dataset.
  Bytes bare = meta_group(kImplicitLeUid);
  const Bytes ds = simple_dataset(false);
  bare.insert(bare.end(), ds.begin(), ds.end());
  const auto r = scan(bare, 1);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->has_meta);
  EXPECT_FALSE(r->has_preamble);
  EXPECT_EQ(r->encoding, Encoding::kImplicitLittle);
  EXPECT_EQ(r->media_storage_sop_class_uid, kCtSopClass);
}

TEST(StreamScannerDetect, MetaWithoutGroupLengthOrSyntaxAndTinyDatasets) {
  const auto no_gl = scan(part10(kExplicitLeUid, simple_dataset(), {}, false), 3);
  ASSERT_TRUE(no_gl.has_value()) << no_gl.error().message;
  EXPECT_EQ(no_gl->transfer_syntax_uid, kExplicitLeUid);  // "...1.2.1\0" padding stripped
  EXPECT_EQ(no_gl->meta_bytes.size(), meta_group(kExplicitLeUid, false).size());
  const auto no_ts = scan(part10("", simple_dataset(true, true)));
  ASSERT_TRUE(no_ts.has_value()) << no_ts.error().message;
  EXPECT_EQ(no_ts->encoding, Encoding::kExplicitBig);
  // Only a meta group, and only a tiny dataset shorter than a preamble.
  EXPECT_TRUE(scan(part10(kExplicitLeUid, {})).has_value());
  Writer tiny;
  tiny.element(0x00080005, "CS", "ISO_IR 100");
  const auto t = scan(tiny.out, 1);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->dataset_prefix.size(), tiny.out.size());
}

TEST(StreamScannerDetect, ExecutablePreambleIsFlaggedTiffIsNot) {
  Bytes mz(128, 0);
  mz[0] = 'M';
  mz[1] = 'Z';
  const auto exe = scan(part10(kExplicitLeUid, simple_dataset(), mz));
  ASSERT_TRUE(exe.has_value());
  ASSERT_TRUE(exe->preamble_warning.has_value());
  EXPECT_NE(exe->preamble_warning->find("'MZ'"), std::string::npos);
  EXPECT_NE(exe->preamble_warning->find("CVE-2019-11687"), std::string::npos);
  Bytes tiff = {'I', 'I', '*', 0, 8, 0, 0, 0};
  EXPECT_FALSE(scan(part10(kExplicitLeUid, simple_dataset(), tiff))->preamble_warning);
  tiff = {'M', 'M', 0, '*', 0, 0, 0, 8};
  EXPECT_FALSE(scan(part10(kExplicitLeUid, simple_dataset(), tiff))->preamble_warning);
  EXPECT_FALSE(scan(part10(kExplicitLeUid, simple_dataset()))->preamble_warning);
  const Bytes other(128, 'x');
  const auto text = scan(part10(kExplicitLeUid, simple_dataset(), other));
  ASSERT_TRUE(text->preamble_warning.has_value());
  EXPECT_EQ(text->preamble_warning->find("xx"), std::string::npos);  // no file content echoed
}

// ---- structure ----

TEST(StreamScannerNesting, SixtyFourLevelsPassSixtyFiveAreRefused) {
  for (bool expl : {true, false}) {
    for (bool defined : {false, true}) {
      SCOPED_TRACE(std::string(expl ? "explicit" : "implicit") + (defined ? " defined" : ""));
      const auto ok = scan(nested(64, expl, defined), 5);
      ASSERT_TRUE(ok.has_value()) << ok.error().message;
      EXPECT_EQ(ok->max_depth_seen, 64u);
      const auto deep = scan(nested(65, expl, defined), 5);
      ASSERT_FALSE(deep.has_value());
      EXPECT_EQ(deep.error().code, ErrorCode::kRejected);
      EXPECT_NE(deep.error().message.find("(0009,1010) at offset "), std::string::npos)
          << deep.error().message;
      EXPECT_NE(deep.error().message.find("deeper than 64"), std::string::npos);
    }
  }
  ScanLimits three;
  three.max_depth = 3;
  EXPECT_TRUE(scan(nested(3, true), 0, three).has_value());
  EXPECT_FALSE(scan(nested(4, true), 0, three).has_value());
}

TEST(StreamScannerNesting, HundredsOfThousandsOfLevelsAreRefusedFast) {
  for (std::size_t levels : {10'000, 200'000}) {
    const Bytes data = nested(levels, false);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = scan(data, 4096);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("deeper than 64"), std::string::npos);
    EXPECT_LT(ms, 2000.0);
  }
  // Defined-length implicit nesting too (the sequences hide in a private tag).
  const auto r = scan(nested(10'000, false, true), 4096);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("deeper than 64"), std::string::npos);
}

TEST(StreamScannerLengths, HugeDeclaredLengthIsRefusedWithoutAllocating) {
  Writer w;
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.header(0x00091010, "OB", 3'000'000'000u);
  w.out.resize(w.out.size() + 1000, 1);
  const Bytes data = part10(kExplicitLeUid, w.out);
  const auto known = scan(data, 64, {}, data.size());
  ASSERT_FALSE(known.has_value());
  const std::string at = "(0009,1010) at offset " + std::to_string(data.size() - 1000 - 12);
  EXPECT_NE(known.error().message.find(at), std::string::npos) << known.error().message;
  EXPECT_NE(known.error().message.find("end of the file"), std::string::npos);
  const auto unknown = scan(data, 64);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("truncated"), std::string::npos);
  // A length that runs past the enclosing defined-length item.
  Writer s;
  s.element(0x00080005, "CS", "ISO_IR 100");
  s.header(0x00091010, "SQ", 40);
  s.item(32);
  s.element(0x00100010, "PN", std::string(40, 'A'));
  const auto over = scan(s.out);
  ASSERT_FALSE(over.has_value());
  EXPECT_NE(over.error().message.find("enclosing"), std::string::npos);
}

TEST(StreamScannerLengths, OddLengthsAndPaddingAreTolerated) {
  Writer w{false, false, {}};
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.element(0x00091001, "LO", "odd");
  w.element(0x0020000D, "UI", "1.2.3");
  w.element(0xFFFCFFFC, "OB", std::string(30, '\0'));
  Bytes data = w.out;
  const auto ok = scan(data);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  data.insert(data.end(), 3, 0);  // a few trailing zero bytes
  EXPECT_EQ(describe(scan(data, 1)).substr(0, 60), describe(ok).substr(0, 60));
  data.insert(data.end(), 300, 0);
  EXPECT_TRUE(scan(data, 7).has_value());
  data.push_back(1);
  EXPECT_FALSE(scan(data).has_value());
}

TEST(StreamScannerStructure, MalformedItemsAreRefused) {
  auto expect_rejected = [](const Bytes& b, const std::string& what) {
    for (std::size_t chunk : {1, 0}) {
      const auto r = scan(b, chunk);
      ASSERT_FALSE(r.has_value()) << what;
      EXPECT_EQ(r.error().code, ErrorCode::kRejected);
      EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    }
  };
  Writer stray;
  stray.element(0x00080005, "CS", "ISO_IR 100");
  stray.item(0);
  expect_rejected(stray.out, "item outside a sequence");
  Writer open_seq;
  open_seq.element(0x00080005, "CS", "ISO_IR 100");
  open_seq.header(0x00081115, "SQ", kUndefined);
  open_seq.item();
  open_seq.element(0x00081150, "UI", "1.2");
  expect_rejected(open_seq.out, "truncated");
  Writer not_item;
  not_item.element(0x00080005, "CS", "ISO_IR 100");
  not_item.header(0x00081115, "SQ", kUndefined);
  not_item.element(0x00081150, "UI", "1.2");
  expect_rejected(not_item.out, "expected an item");
  Writer cut_header;
  cut_header.element(0x00080005, "CS", "ISO_IR 100");
  cut_header.out.insert(cut_header.out.end(), {0x10, 0x00, 0x10});
  expect_rejected(cut_header.out, "inside an element header");
}

// DCMTK reads an item longer than its defined-length sequence up to the end of the stream
// (pydicom's DICOMDIR-nooffset). Accepted only where that sequence ends the stream.
TEST(StreamScannerStructure, ItemOverrunningItsSequenceOnlyAtTheEnd) {
  Writer record;
  record.element(0x00041430, "CS", "IMAGE ");
  record.element(0x00200013, "IS", "5 ");
  const auto size = static_cast<std::uint32_t>(record.out.size());
  Writer w;
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.header(0x00041220, "SQ", 8 + size);
  w.item(size + 24);  // declares 24 bytes more than the sequence holds
  w.raw(record.out);
  for (std::size_t chunk : {1, 0}) {
    const auto r = scan(w.out, chunk);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(scan(w.out, chunk, {}, w.out.size()).has_value());
  }
  Bytes more = w.out;
  Writer tail;
  tail.element(0x00321060, "LO", "after");
  more.insert(more.end(), tail.out.begin(), tail.out.end());
  for (const auto& r : {scan(more, 1), scan(more, 0, {}, more.size())}) {
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("(fffe,e000) at offset 30"), std::string::npos)
        << r.error().message;
  }
}

TEST(StreamScannerStructure, EncapsulatedFragmentsAndUnSequences) {
  Writer w;
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.element(0x0020000D, "UI", "1.2.3");
  // CP-246: UN of undefined length holds implicit VR little endian items.
  w.header(0x00191010, "UN", kUndefined);
  Writer inner{false, false, {}};
  inner.item();
  inner.element(0x00191001, "LO", "private");
  inner.item_delim();
  inner.seq_delim();
  w.raw(inner.out);
  w.header(0x7FE00010, "OB", kUndefined);
  w.item(0);
  // A fragment whose bytes look like a sequence delimiter must not end the pixel data.
  w.item(8);
  w.raw({0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0});
  w.seq_delim();
  const auto r = scan(part10("1.2.840.10008.1.2.4.50", w.out), 1);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->max_depth_seen, 1u);
  EXPECT_TRUE(contains(r->dataset_prefix, "private"));  // nested elements stay in the prefix
  EXPECT_EQ(r->encoding, Encoding::kExplicitLittle);
}

TEST(StreamScannerStructure, PrefixEndsAtFirstTopLevelGroupAbove0028) {
  Writer w;
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.header(0x00081115, "SQ", kUndefined);
  w.item();
  w.element(0x00400100, "LO", "nested40");  // nested: does not end the prefix
  w.item_delim();
  w.seq_delim();
  w.element(0x0020000D, "UI", "1.2.3");
  const std::size_t prefix_size = w.out.size();
  w.element(0x00321060, "LO", "after");
  w.element(0x00200011, "IS", "7");  // out of order: after the end, not kept
  const auto r = scan(w.out, 2);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->dataset_prefix.size(), prefix_size);
  EXPECT_TRUE(contains(r->dataset_prefix, "nested40"));
  EXPECT_FALSE(contains(r->dataset_prefix, "after"));
  ScanLimits small;
  small.max_header_bytes = 20;
  const auto over = scan(w.out, 0, small);
  ASSERT_FALSE(over.has_value());
  EXPECT_NE(over.error().message.find("larger than 20 bytes"), std::string::npos);
}

// ---- deflate ----

TEST(StreamScannerDeflate, DeflatedDatasetsInflateRawOrZlibWrapped) {
  const Bytes ds = simple_dataset(true, false, 4000);
  for (int bits : {-MAX_WBITS, MAX_WBITS}) {
    Bytes file = part10(kDeflateUid, deflate_bytes(ds, bits));
    file.push_back(0);  // writers pad to an even length
    const std::string whole = describe(scan(file));
    const auto r = scan(file, 1);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(describe(r), whole);
    EXPECT_EQ(r->encoding, Encoding::kDeflatedExplicitLittle);
    const std::size_t prefix = ds.size() - 4000 - 12;
    ASSERT_EQ(r->dataset_prefix.size(), prefix);
    EXPECT_EQ(std::memcmp(r->dataset_prefix.data(), ds.data(), prefix), 0);
  }
  Bytes corrupt = part10(kDeflateUid, deflate_bytes(ds));
  corrupt[corrupt.size() / 2 + 150] ^= 0xFF;
  corrupt[corrupt.size() / 2 + 151] ^= 0xFF;
  const auto bad = scan(corrupt);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kRejected);
  Bytes cut = part10(kDeflateUid, deflate_bytes(ds));
  cut.resize(cut.size() - 10);
  const auto truncated = scan(cut, 7);
  ASSERT_FALSE(truncated.has_value());
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos);
}

TEST(StreamScannerDeflate, GibibyteBombIsStoppedByTheRatioCap) {
  const Bytes& bomb = one_gib_bomb();
  ASSERT_LT(bomb.size(), 2u << 20);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = scan(bomb, 1 << 16);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kRejected);
  const std::string& m = r.error().message;
  ASSERT_NE(m.find("200 times its compressed size"), std::string::npos) << m;
  // "(<inflated> bytes from <compressed>)": stopped just past the 1 MiB grace.
  const std::uint64_t inflated = std::stoull(m.substr(m.rfind('(') + 1));
  EXPECT_LT(inflated, (1u << 20) + (128u << 10));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.0);
}

TEST(StreamScannerDeflate, BombIsStoppedByTheAbsoluteCapAndByItsDeclaredLength) {
  ScanLimits no_ratio;
  no_ratio.max_inflate_ratio = UINT64_MAX;
  no_ratio.max_inflated_bytes = 16u << 20;
  // 64 elements of 1 MiB: each length is plausible, the total is over the cap.
  const Bytes many = deflate_bomb(64, 1u << 20);
  const auto r = scan(many, 4096, no_ratio);
  ASSERT_FALSE(r.has_value());
  // The walker refuses the first element that would end past the cap, before the inflater
  // itself produces more than the cap.
  EXPECT_NE(r.error().message.find("(16777216 bytes)"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("(7fe0,001f)"), std::string::npos) << r.error().message;
  EXPECT_TRUE(scan(many, 4096, {.max_inflate_ratio = UINT64_MAX}).has_value());
  // One 1 GiB value is refused as soon as its length is read: over the absolute cap, and
  // (knowing the file size) over what the ratio allows.
  const Bytes& bomb = one_gib_bomb();
  for (const auto& early : {scan(bomb, 4096, no_ratio), scan(bomb, 4096, {}, bomb.size())}) {
    ASSERT_FALSE(early.has_value());
    EXPECT_NE(early.error().message.find("(7fe0,0010) at offset 54 of the inflated dataset"),
              std::string::npos)
        << early.error().message;
    EXPECT_NE(early.error().message.find("inflate to"), std::string::npos);
  }
}

// ---- speed ----

TEST(StreamScannerSpeed, SkipsPixelDataAtMemorySpeed) {
  constexpr std::uint32_t kMiB = 1u << 20;
  constexpr std::uint32_t kPixels = 200 * kMiB;
  Writer w;
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.element(0x0020000D, "UI", "1.2.3");
  w.header(0x7FE00010, "OW", kPixels);
  const Bytes header = part10(kExplicitLeUid, w.out);
  const Bytes chunk(kMiB, 0x33);
  StreamScanner s({}, header.size() + kPixels);
  const auto t0 = std::chrono::steady_clock::now();
  s.feed({reinterpret_cast<const std::byte*>(header.data()), header.size()});
  for (std::uint32_t i = 0; i < kPixels / kMiB; ++i) {
    s.feed({reinterpret_cast<const std::byte*>(chunk.data()), chunk.size()});
  }
  const auto r = s.finish();
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const double mbps = (header.size() + kPixels) / 1e6 / sec;
  std::cout << "[ speed    ] 200 MiB pixel data in 1 MiB chunks: " << mbps << " MB/s\n";
  EXPECT_GT(mbps, 1000.0);

  // Many small elements (after the prefix): the per-element cost.
  Writer many;
  many.element(0x0020000D, "UI", "1.2.3");
  while (many.out.size() < 20 * kMiB) many.element(0x00411001, "LO", "12345678");
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(scan(many.out, kMiB).has_value());
  const double sec1 = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::cout << "[ speed    ] 16-byte elements: " << many.out.size() / 1e6 / sec1 << " MB/s\n";
}

}  // namespace
}  // namespace custos::dicom

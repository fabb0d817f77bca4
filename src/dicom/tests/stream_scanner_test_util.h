// Builders for DICOM byte streams and a chunked scan helper, shared by the scanner tests.
// Why: hostile inputs are generated in the tests (never stored), in every encoding.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dicom/stream_scanner.h"

namespace custos::dicom::scan_test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint32_t kUndefined = 0xFFFFFFFFu;
inline constexpr char kDeflateUid[] = "1.2.840.10008.1.2.1.99";
inline constexpr char kExplicitLeUid[] = "1.2.840.10008.1.2.1";
inline constexpr char kImplicitLeUid[] = "1.2.840.10008.1.2";
inline constexpr char kCtSopClass[] = "1.2.840.10008.5.1.4.1.1.2";

// ---- building streams ----

inline bool long_vr(const std::string& vr) {
  static const std::set<std::string> kLong = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                              "UC", "UN", "UR", "UT", "SV", "UV"};
  return kLong.count(vr) > 0;
}

// Writes elements in one encoding.
struct Writer {
  bool explicit_vr = true;
  bool big = false;
  Bytes out;

  void u16(std::uint32_t v) {
    if (big) {
      out.push_back(static_cast<std::uint8_t>(v >> 8));
      out.push_back(static_cast<std::uint8_t>(v));
    } else {
      out.push_back(static_cast<std::uint8_t>(v));
      out.push_back(static_cast<std::uint8_t>(v >> 8));
    }
  }
  void u32(std::uint32_t v) {
    if (big) {
      u16(v >> 16);
      u16(v & 0xFFFF);
    } else {
      u16(v & 0xFFFF);
      u16(v >> 16);
    }
  }
  void tag(std::uint32_t t) {
    u16(t >> 16);
    u16(t & 0xFFFF);
  }
  void header(std::uint32_t t, const std::string& vr, std::uint32_t len) {
    tag(t);
    if (!explicit_vr) return u32(len);
    out.insert(out.end(), vr.begin(), vr.end());
    if (long_vr(vr)) {
      u16(0);
      u32(len);
    } else {
      u16(len);
    }
  }
  void element(std::uint32_t t, const std::string& vr, std::string value) {
    header(t, vr, static_cast<std::uint32_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
  }
  void raw(const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }
  void item(std::uint32_t len = kUndefined) {
    tag(0xFFFEE000);
    u32(len);
  }
  void item_delim() {
    tag(0xFFFEE00D);
    u32(0);
  }
  void seq_delim() {
    tag(0xFFFEE0DD);
    u32(0);
  }
};

inline std::string uid(std::string v) {
  if (v.size() % 2) v.push_back('\0');
  return v;
}

// A small CT-like dataset: identifying elements, then pixel data of `pixels` bytes.
inline Bytes simple_dataset(bool explicit_vr = true, bool big = false, std::uint32_t pixels = 16) {
  Writer w{explicit_vr, big, {}};
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.element(0x00080016, "UI", uid(kCtSopClass));
  w.element(0x00100010, "PN", "Doe^Jane");
  w.element(0x0020000D, "UI", uid("1.2.3.4.5.6"));
  w.element(0x00280010, "US", std::string("\x02\x00", 2));
  w.header(0x7FE00010, "OW", pixels);
  w.out.resize(w.out.size() + pixels, 0x5A);
  return w.out;
}

inline Bytes meta_group(const std::string& ts, bool group_length = true) {
  Writer m;
  m.element(0x00020001, "OB", std::string("\x00\x01", 2));
  m.element(0x00020002, "UI", uid(kCtSopClass));
  m.element(0x00020003, "UI", uid("1.2.3.4.5.6.7"));
  if (!ts.empty()) m.element(0x00020010, "UI", uid(ts));
  if (!group_length) return m.out;
  Writer g;
  g.element(0x00020000, "UL", std::string(4, '\0'));
  const auto len = static_cast<std::uint32_t>(m.out.size());
  std::memcpy(g.out.data() + 8, &len, 4);  // little-endian host (x86/arm64)
  g.raw(m.out);
  return g.out;
}

inline Bytes part10(const std::string& ts, const Bytes& dataset, Bytes preamble = Bytes(128, 0),
                    bool group_length = true) {
  Bytes out = std::move(preamble);
  out.resize(128, 0);
  out.insert(out.end(), {'D', 'I', 'C', 'M'});
  const Bytes meta = meta_group(ts, group_length);
  out.insert(out.end(), meta.begin(), meta.end());
  out.insert(out.end(), dataset.begin(), dataset.end());
  return out;
}

inline Bytes deflate_bytes(const Bytes& in, int window_bits = -MAX_WBITS) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&z, in.size()));
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A Part 10 file whose deflated dataset holds `count` OB elements of `size` zero bytes
// each: 1 GiB of zeros deflates to about 1 MB. Deflated streaming, never held inflated.
inline Bytes deflate_bomb(std::uint32_t count, std::uint64_t size) {
  Writer w;
  w.element(0x00080016, "UI", uid(kCtSopClass));
  w.element(0x0020000D, "UI", uid("1.2.3.4.5.6"));
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_RLE), Z_OK);
  Bytes out = part10(kDeflateUid, {});
  const Bytes block(1 << 20, 0);
  std::array<std::uint8_t, 1 << 16> buf{};
  auto pump = [&](const std::uint8_t* p, std::size_t n, int flush) {
    z.next_in = const_cast<Bytef*>(p);
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = buf.data();
      z.avail_out = buf.size();
      deflate(&z, flush);
      out.insert(out.end(), buf.data(), buf.data() + (buf.size() - z.avail_out));
    } while (z.avail_out == 0);
  };
  pump(w.out.data(), w.out.size(), Z_NO_FLUSH);
  for (std::uint32_t i = 0; i < count; ++i) {
    Writer h;
    h.header(0x7FE00010 + i, "OB", static_cast<std::uint32_t>(size));
    pump(h.out.data(), h.out.size(), Z_NO_FLUSH);
    for (std::uint64_t left = size; left > 0;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
      pump(block.data(), n, Z_NO_FLUSH);
      left -= n;
    }
  }
  pump(nullptr, 0, Z_FINISH);
  deflateEnd(&z);
  return out;
}

inline const Bytes& one_gib_bomb() {
  static const Bytes bomb = deflate_bomb(1, 1ull << 30);
  return bomb;
}

// `levels` sequences nested in one another, each with one item (undefined lengths unless
// `defined`), innermost holding one short element.
inline Bytes nested(std::size_t levels, bool explicit_vr, bool defined = false) {
  Writer leaf{explicit_vr, false, {}};
  leaf.element(0x00091001, "LO", "leaf");
  if (!defined) {
    Writer w{explicit_vr, false, {}};
    w.element(0x00080005, "CS", "ISO_IR 100");
    w.out.reserve(levels * 24 + 64);
    for (std::size_t i = 0; i < levels; ++i) {
      w.header(0x00091010, "SQ", kUndefined);
      w.item();
    }
    w.raw(leaf.out);
    for (std::size_t i = 0; i < levels; ++i) {
      w.item_delim();
      w.seq_delim();
    }
    return w.out;
  }
  // Defined lengths (each level's length known from the leaf size); implicit VR hides the
  // sequences in a private tag.
  const std::size_t per_level = (explicit_vr ? 12 : 8) + 8;
  Writer w{explicit_vr, false, {}};
  w.element(0x00080005, "CS", "ISO_IR 100");
  w.out.reserve(levels * per_level + 64);
  for (std::size_t i = 0; i < levels; ++i) {
    const auto content = static_cast<std::uint32_t>(leaf.out.size() + (levels - 1 - i) * per_level);
    w.header(0x00091010, "SQ", content + 8);
    w.item(content);
  }
  w.raw(leaf.out);
  return w.out;
}

// ---- scanning ----

inline Result<ScanSummary> scan(const Bytes& data, std::size_t chunk = 0, ScanLimits limits = {},
                                std::optional<std::uint64_t> expected = std::nullopt) {
  StreamScanner s(limits, expected);
  if (chunk == 0) chunk = std::max<std::size_t>(data.size(), 1);
  for (std::size_t i = 0; i < data.size(); i += chunk) {
    const std::size_t n = std::min(chunk, data.size() - i);
    s.feed({reinterpret_cast<const std::byte*>(data.data() + i), n});
  }
  return s.finish();
}

inline std::string describe(const Result<ScanSummary>& r) {
  if (!r)
    return "error " + std::to_string(static_cast<int>(r.error().code)) + ": " + r.error().message;
  const ScanSummary& s = *r;
  auto text = [](const std::vector<std::byte>& b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  };
  return "ok pre=" + std::to_string(s.has_preamble) + " meta=" + std::to_string(s.has_meta) +
         " ts=" + s.transfer_syntax_uid + " sop=" + s.media_storage_sop_class_uid +
         " enc=" + std::to_string(static_cast<int>(s.encoding)) +
         " depth=" + std::to_string(s.max_depth_seen) + " seen=" + std::to_string(s.bytes_seen) +
         " warn=" + s.preamble_warning.value_or("-") + " meta_bytes=" + text(s.meta_bytes) +
         " prefix=" + text(s.dataset_prefix);
}

inline bool contains(const std::vector<std::byte>& hay, const std::string& needle) {
  const auto* p = reinterpret_cast<const char*>(hay.data());
  return std::search(p, p + hay.size(), needle.begin(), needle.end()) != p + hay.size();
}

}  // namespace custos::dicom::scan_test

// DICOM JSON (PS3.18 F.2) from the flat element tree: one pass in document order with an
// explicit stack of open objects and arrays, so nesting costs no native recursion.
#include "dicomweb/dataset_json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "dicom/charset.h"
#include "dicom/text.h"

namespace custos::dicomweb {
namespace {

using dicom::Dataset;
using dicom::Element;
using dicom::NodeKind;
using dicom::vr_code;
using dicom::VrCode;

constexpr std::uint32_t kPixelDataTags[] = {0x7FE00008u, 0x7FE00009u, 0x7FE00010u};

bool is_pixel_data(const Element& e) {
  if (e.depth != 0) return false;
  for (auto t : kPixelDataTags) {
    if (e.tag == t) return true;
  }
  return false;
}

bool is_binary(VrCode vr) {
  switch (vr) {
    case vr_code("OB"): case vr_code("OD"): case vr_code("OF"): case vr_code("OL"):
    case vr_code("OV"): case vr_code("OW"): case vr_code("UN"):
      return true;
    default:
      return false;
  }
}

bool may_be_bulk(VrCode vr) {
  if (is_binary(vr)) return true;
  switch (vr) {
    case vr_code("DS"): case vr_code("FL"): case vr_code("FD"): case vr_code("IS"):
    case vr_code("LT"): case vr_code("SL"): case vr_code("SS"): case vr_code("ST"):
    case vr_code("SV"): case vr_code("UC"): case vr_code("UL"): case vr_code("UR"):
    case vr_code("US"): case vr_code("UT"): case vr_code("UV"):
      return true;
    default:
      return false;
  }
}

void hex8(char* out, std::uint32_t v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int i = 7; i >= 0; --i) {
    out[i] = kHex[v & 15];
    v >>= 4;
  }
}

std::string_view trim(std::string_view s, bool leading) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  while (leading && !s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

void base64(JsonWriter& out, std::span<const std::byte> v) {
  static constexpr char kB64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  s.reserve((v.size() + 2) / 3 * 4 + 2);
  s.push_back('"');
  std::size_t i = 0;
  const auto* b = reinterpret_cast<const std::uint8_t*>(v.data());
  for (; i + 3 <= v.size(); i += 3) {
    const std::uint32_t n = b[i] << 16 | b[i + 1] << 8 | b[i + 2];
    s += {kB64[n >> 18], kB64[(n >> 12) & 63], kB64[(n >> 6) & 63], kB64[n & 63]};
  }
  if (i + 1 == v.size()) {
    const std::uint32_t n = b[i] << 16;
    s += {kB64[n >> 18], kB64[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == v.size()) {
    const std::uint32_t n = b[i] << 16 | b[i + 1] << 8;
    s += {kB64[n >> 18], kB64[(n >> 12) & 63], kB64[(n >> 6) & 63], '='};
  }
  s.push_back('"');
  out.raw(s);
}

class Writer {
 public:
  Writer(const Dataset& ds, const JsonOptions& o, JsonWriter& out)
      : ds_(ds), o_(o), out_(out), text_(ds.text(0x00080005)), current_(&text_) {}

  void run();

 private:
  void element(std::uint32_t i);  // everything but the Value of a sequence
  void value_text(const Element& e, VrCode vr);
  void value_numbers(const Element& e);
  void bulk(std::uint32_t i) {
    out_.raw(",\"BulkDataURI\":");
    out_.string(o_.bulk_uri_prefix + "/" + bulk_tag_path(ds_, i));
  }
  bool skip(const Element& e) const {
    const std::uint16_t group = static_cast<std::uint16_t>(e.tag >> 16);
    if ((e.tag & 0xFFFFu) == 0) return true;  // group lengths (as Orthanc)
    if (e.tag == 0xFFFCFFFCu) return true;    // trailing padding
    return group == 0x0002 && !o_.include_meta_group;
  }

  const Dataset& ds_;
  const JsonOptions& o_;
  JsonWriter& out_;
  dicom::TextDecoder text_;
  dicom::TextDecoder* current_;  // of the item being written (an item may name its own set)
  std::vector<std::unique_ptr<dicom::TextDecoder>> item_decoders_;
};

struct Open {
  std::uint32_t next;
  std::uint32_t end;
  bool array;  // the items of a sequence; else the members of an object
  bool first;
  dicom::TextDecoder* decoder;
};

void Writer::run() {
  std::vector<Open> stack;
  stack.reserve(16);
  out_.raw('{');
  stack.push_back({0, static_cast<std::uint32_t>(ds_.elements.size()), false, true, &text_});
  while (!stack.empty()) {
    Open& top = stack.back();
    if (top.next >= top.end) {
      out_.raw(top.array ? "]}" : "}");
      stack.pop_back();
      continue;
    }
    const std::uint32_t i = top.next;
    const Element& e = ds_.elements[i];
    top.next = e.end;
    if (top.array) {
      if (e.kind != NodeKind::kItem) continue;
      if (!top.first) out_.raw(',');
      top.first = false;
      out_.raw('{');
      dicom::TextDecoder* decoder = top.decoder;
      if (const Element* cs = ds_.find_in_item(i, 0x00080005u)) {
        item_decoders_.push_back(std::make_unique<dicom::TextDecoder>(ds_.text(*cs)));
        decoder = item_decoders_.back().get();
      }
      stack.push_back({i + 1, e.end, false, true, decoder});
      continue;
    }
    if (e.kind != NodeKind::kElement || skip(e)) continue;
    if (!top.first) out_.raw(',');
    top.first = false;
    current_ = top.decoder;
    element(i);
    if (e.is_sequence() && e.end > i + 1) {
      out_.raw(",\"Value\":[");
      stack.push_back({i + 1, e.end, true, true, top.decoder});
    } else {
      out_.raw('}');
    }
  }
}

void Writer::element(std::uint32_t i) {
  const Element& e = ds_.elements[i];
  char head[] = "\"00000000\":{\"vr\":\"XX\"";
  hex8(head + 1, e.tag);
  // A Private Creator (gggg,0010-00FF of an odd group) is LO by definition (PS3.5 7.8.1),
  // also where the file says UN or has implicit VR (as Orthanc and pydicom report it).
  const bool private_creator = (e.tag >> 16 & 1u) && (e.tag & 0xFFFFu) >= 0x0010u &&
                               (e.tag & 0xFFFFu) <= 0x00FFu && e.kind == NodeKind::kElement;
  const VrCode vr = private_creator && (e.vr == 0 || e.vr == vr_code("UN")) ? vr_code("LO")
                    : e.vr == 0                                              ? vr_code("UN")
                                                                             : e.vr;
  head[18] = static_cast<char>(vr >> 8);
  head[19] = static_cast<char>(vr & 0xFF);
  out_.raw(std::string_view(head, sizeof head - 1));
  if (e.is_sequence()) return;
  if (is_pixel_data(e) || e.is_encapsulated()) return bulk(i);
  if (e.length == 0) return;
  if (may_be_bulk(vr) && e.length > o_.bulk_threshold) return bulk(i);
  if (is_binary(vr)) {
    if (!o_.inline_binary) return bulk(i);
    out_.raw(",\"InlineBinary\":");
    return base64(out_, ds_.value(e));
  }
  switch (vr) {
    case vr_code("US"): case vr_code("SS"): case vr_code("UL"): case vr_code("SL"):
    case vr_code("FL"): case vr_code("FD"): case vr_code("SV"): case vr_code("UV"):
    case vr_code("AT"):
      return value_numbers(e);
    default:
      return value_text(e, vr);
  }
}

void Writer::value_numbers(const Element& e) {
  const std::size_t n = e.vr == vr_code("AT") ? e.length / 4 : ds_.value_count(e);
  if (n == 0) return;
  out_.raw(",\"Value\":[");
  const auto v = ds_.value(e);
  const auto* b = reinterpret_cast<const std::uint8_t*>(v.data());
  for (std::size_t k = 0; k < n; ++k) {
    if (k) out_.raw(',');
    if (e.vr == vr_code("AT")) {
      const std::uint8_t* q = b + 4 * k;
      const auto g = static_cast<std::uint32_t>(e.big_endian ? (q[0] << 8 | q[1]) : (q[1] << 8 | q[0]));
      const auto el = static_cast<std::uint32_t>(e.big_endian ? (q[2] << 8 | q[3]) : (q[3] << 8 | q[2]));
      char t[10] = {'"'};
      hex8(t + 1, g << 16 | el);
      t[9] = '"';
      out_.raw(std::string_view(t, 10));
      continue;
    }
    const double d = *ds_.number(e, k);
    if (e.vr == vr_code("FL") || e.vr == vr_code("FD")) {
      out_.number(e.vr == vr_code("FL") ? static_cast<double>(static_cast<float>(d)) : d);
    } else if (e.vr == vr_code("UV")) {
      const std::uint8_t* q = b + 8 * k;
      std::uint64_t u = 0;
      for (int j = 0; j < 8; ++j) u = u << 8 | q[e.big_endian ? j : 7 - j];
      out_.unsigned_integer(u);
    } else if (e.vr == vr_code("SV")) {
      const std::uint8_t* q = b + 8 * k;
      std::uint64_t u = 0;
      for (int j = 0; j < 8; ++j) u = u << 8 | q[e.big_endian ? j : 7 - j];
      out_.integer(static_cast<std::int64_t>(u));
    } else {
      out_.integer(static_cast<std::int64_t>(d));
    }
  }
  out_.raw(']');
}

void Writer::value_text(const Element& e, VrCode vr) {
  const auto v = ds_.value(e);
  const std::string_view raw(reinterpret_cast<const char*>(v.data()), v.size());
  const bool single = vr == vr_code("LT") || vr == vr_code("ST") || vr == vr_code("UT") ||
                      vr == vr_code("UR");
  const std::string utf8 = current_->to_utf8(single ? trim(raw, false) : raw, vr);
  std::vector<std::string_view> values;
  if (single) {
    values.push_back(utf8);
  } else {
    std::string_view rest = utf8;
    while (true) {
      const auto bs = rest.find('\\');
      values.push_back(trim(rest.substr(0, bs), true));
      if (bs == std::string_view::npos) break;
      rest.remove_prefix(bs + 1);
    }
    // The first value of a Specific Character Set with code extensions is empty.
    if (e.tag == 0x00080005u && values.size() > 1 && values[0].empty()) values.erase(values.begin());
  }
  std::string body;
  JsonWriter tmp(string_sink(body), 1u << 30);
  std::size_t written = 0;
  for (std::string_view s : values) {
    if (vr == vr_code("IS") || vr == vr_code("DS")) {
      if (!s.empty() && s.front() == '+') s.remove_prefix(1);
      std::int64_t n = 0;
      double d = 0;
      bool ok = s.empty();
      if (!ok && vr == vr_code("IS")) {
        const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
        ok = r.ec == std::errc() && r.ptr == s.data() + s.size();
      } else if (!ok) {
        const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
        ok = r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(d);
      }
      if (!ok) continue;  // not a number: the value is dropped (Orthanc does the same)
      if (written++) tmp.raw(',');
      if (s.empty()) {
        tmp.raw("null");
      } else if (vr == vr_code("IS")) {
        tmp.integer(n);
      } else {
        tmp.number(d);
      }
      continue;
    }
    if (written++) tmp.raw(',');
    if (s.empty()) {
      tmp.raw("null");
    } else if (vr == vr_code("PN")) {
      tmp.raw('{');
      static constexpr std::string_view kGroups[] = {"Alphabetic", "Ideographic", "Phonetic"};
      std::string_view rest = s;
      bool any = false;
      for (std::size_t g = 0; g < 3; ++g) {
        const auto eq = rest.find('=');
        const std::string_view part = rest.substr(0, eq);
        if (!part.empty()) {
          if (any) tmp.raw(',');
          any = true;
          tmp.string(kGroups[g]);
          tmp.raw(':');
          tmp.string(part);
        }
        if (eq == std::string_view::npos) break;
        rest.remove_prefix(eq + 1);
      }
      tmp.raw('}');
    } else {
      tmp.string(s);
    }
  }
  (void)tmp.finish();
  if (written == 0) return;
  out_.raw(",\"Value\":[");
  out_.raw(body);
  out_.raw(']');
}

}  // namespace

std::string bulk_tag_path(const Dataset& ds, std::uint32_t index) {
  std::vector<std::string> parts;
  std::uint32_t i = index;
  while (i < ds.elements.size()) {
    const Element& e = ds.elements[i];
    char t[9];
    hex8(t, e.tag);
    parts.emplace_back(t, 8);
    if (e.parent == dicom::kNoParent) break;
    const std::uint32_t item = e.parent;
    const std::uint32_t seq = ds.elements[item].parent;
    if (seq == dicom::kNoParent) break;
    std::size_t n = 0;
    for (std::uint32_t k = seq + 1; k < item; k = ds.elements[k].end) ++n;
    parts.push_back(std::to_string(n));
    i = seq;
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out.push_back('/');
    out += *it;
  }
  return out;
}

Status write_dataset_json(const Dataset& ds, const JsonOptions& options, JsonWriter& out) {
  Writer(ds, options, out).run();
  return {};
}

Status write_dataset_json(const Dataset& ds, const JsonOptions& options, const Sink& sink) {
  JsonWriter out(sink);
  Writer(ds, options, out).run();
  return out.finish();
}

Result<std::string> instance_metadata_json(std::span<const std::byte> file,
                                           const BulkUriBase& base) {
  auto ds = dicom::read_elements(file);
  if (!ds) return fail(ds.error());
  JsonOptions options;
  options.bulk_uri_prefix = base.prefix();
  std::string out;
  out.reserve(16 * 1024);
  if (auto st = write_dataset_json(*ds, options, string_sink(out)); !st) return fail(st.error());
  return out;
}

}  // namespace custos::dicomweb

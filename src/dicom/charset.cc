// DCMTK bridge for character sets: DcmSpecificCharacterSet (iconv underneath) converts
// strings only; it does not parse datasets.
#include "dicom/charset.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcspchrs.h>
#include <iconv.h>

#include <string_view>

#include "dicom/header_reader.h"
#include "dicom/text.h"

#include <cerrno>

namespace custos::dicom {

bool vr_uses_character_set(VrCode vr) {
  switch (vr) {
    case vr_code("SH"): case vr_code("LO"): case vr_code("ST"): case vr_code("LT"):
    case vr_code("UC"): case vr_code("UT"): case vr_code("PN"):
      return true;
    default:
      return false;
  }
}

namespace {

// Japanese ISO 2022 (ISO 2022 IR 13, IR 87, IR 159), which DCMTK's iconv conversion does not
// offer on Debian 12: the escape-switched code elements are re-encoded as EUC-JP (the same
// JIS X 0201/0208/0212 characters with the high bit set) and converted by iconv.
// A delimiter in a single-byte element returns to the initial code elements (PS3.5 6.1.2.5.3).
std::string iso2022_japanese_to_euc(std::string_view raw, bool ir13_first, std::string_view delimiters) {
  enum G0 { kAscii, kJis0208, kJis0212 };
  G0 g0 = kAscii;
  bool katakana = ir13_first;
  std::string out;
  out.reserve(raw.size() * 2);
  for (std::size_t i = 0; i < raw.size();) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == 0x1B) {
      const std::string_view rest = raw.substr(i);
      if (rest.starts_with("\x1b(B") || rest.starts_with("\x1b(J")) { g0 = kAscii; i += 3; continue; }
      if (rest.starts_with("\x1b$B") || rest.starts_with("\x1b$@")) { g0 = kJis0208; i += 3; continue; }
      if (rest.starts_with("\x1b$(D")) { g0 = kJis0212; i += 4; continue; }
      if (rest.starts_with("\x1b)I")) { katakana = true; i += 3; continue; }
      ++i;  // an escape this decoder does not know: dropped
      continue;
    }
    if (g0 != kAscii && c >= 0x21 && c <= 0x7E && i + 1 < raw.size()) {
      if (g0 == kJis0212) out.push_back('\x8F');
      out.push_back(static_cast<char>(c | 0x80));
      out.push_back(static_cast<char>(static_cast<unsigned char>(raw[i + 1]) | 0x80));
      i += 2;
      continue;
    }
    if (c >= 0xA1 && c <= 0xDF && katakana) {
      out.push_back('\x8E');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      if (g0 == kAscii && delimiters.find(static_cast<char>(c)) != std::string_view::npos) {
        katakana = ir13_first;
      }
    } else {
      out += "\xA2\xA9";  // not representable: GETA MARK (U+3013) in EUC-JP
    }
    ++i;
  }
  return out;
}

bool japanese_iso2022(std::string_view charset) {
  return charset.find("IR 87") != std::string_view::npos ||
         charset.find("IR 159") != std::string_view::npos ||
         charset.find("2022 IR 13") != std::string_view::npos;
}

}  // namespace

struct TextDecoder::Impl {
  ~Impl() {
    if (euc_jp != reinterpret_cast<iconv_t>(-1)) iconv_close(euc_jp);
  }
  std::string japanese(std::string_view raw, std::string_view delimiters) {
    if (euc_jp == reinterpret_cast<iconv_t>(-1)) euc_jp = iconv_open("UTF-8", "EUC-JP");
    if (euc_jp == reinterpret_cast<iconv_t>(-1)) return latin1_to_utf8_if_invalid(raw);
    const bool ir13_first = charset.starts_with("ISO 2022 IR 13") || charset.starts_with("ISO_IR 13");
    std::string euc = iso2022_japanese_to_euc(raw, ir13_first, delimiters);
    std::string out(euc.size() * 2 + 16, '\0');
    char* in = euc.data();
    std::size_t in_left = euc.size();
    char* o = out.data();
    std::size_t out_left = out.size();
    iconv(euc_jp, nullptr, nullptr, nullptr, nullptr);
    while (in_left > 0) {
      if (iconv(euc_jp, &in, &in_left, &o, &out_left) == static_cast<std::size_t>(-1)) {
        if (errno == E2BIG) break;
        ++in;  // an invalid byte: skipped
        --in_left;
      }
    }
    out.resize(out.size() - out_left);
    return ensure_utf8(out);
  }
  iconv_t euc_jp = reinterpret_cast<iconv_t>(-1);
  std::string charset;
  bool utf8 = false;          // ISO_IR 192: nothing to convert
  bool tried = false;         // converter set up (lazily: most text is ASCII)
  bool usable = false;
  DcmSpecificCharacterSet converter;
};

TextDecoder::TextDecoder(std::string_view specific_character_set)
    : impl_(std::make_unique<Impl>()) {
  impl_->charset = trim_padding(specific_character_set);
  impl_->utf8 = impl_->charset == "ISO_IR 192";
}

TextDecoder::~TextDecoder() = default;

std::string TextDecoder::to_utf8(std::string_view raw, VrCode vr) {
  bool ascii = true;
  for (const char c : raw) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\x1b') {
      ascii = false;
      break;
    }
  }
  if (ascii || impl_->utf8 || impl_->charset.empty() || !vr_uses_character_set(vr)) {
    return impl_->charset.empty() || impl_->utf8 || ascii ? ensure_utf8(raw)
                                                         : latin1_to_utf8_if_invalid(raw);
  }
  if (!impl_->tried) {
    impl_->tried = true;
    quiet_dcmtk_logging();
    impl_->usable = impl_->converter.selectCharacterSet(impl_->charset.c_str()).good();
  }
  if (!impl_->usable && japanese_iso2022(impl_->charset)) {
    const bool single = vr == vr_code("LT") || vr == vr_code("ST") || vr == vr_code("UT");
    return impl_->japanese(raw, vr == vr_code("PN") ? "\\^=\r\n" : single ? "\r\n\t\f" : "\\");
  }
  if (impl_->usable) {
    OFString out;
    const OFString in(raw.data(), raw.size());
    const bool single = vr == vr_code("LT") || vr == vr_code("ST") || vr == vr_code("UT");
    const char* delimiters = vr == vr_code("PN") ? "\\^=" : single ? "" : "\\";
    if (impl_->converter.convertString(in, out, delimiters).good()) {
      return ensure_utf8(std::string_view(out.c_str(), out.length()));
    }
  }
  return latin1_to_utf8_if_invalid(raw);
}

}  // namespace custos::dicom

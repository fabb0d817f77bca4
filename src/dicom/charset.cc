// DCMTK bridge for character sets: DcmSpecificCharacterSet (iconv underneath) converts
// strings only; it does not parse datasets.
#include "dicom/charset.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcspchrs.h>

#include "dicom/header_reader.h"
#include "dicom/text.h"

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

struct TextDecoder::Impl {
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

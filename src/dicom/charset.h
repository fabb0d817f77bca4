// Text values to UTF-8 according to Specific Character Set (0008,0005), including ISO 2022
// code extensions (Japanese, Korean, Chinese). Why: DICOMweb JSON is UTF-8, stored text is not.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dicom/element_reader.h"

namespace custos::dicom {

// Whether text of this VR is subject to Specific Character Set (SH LO ST LT UC UT PN).
[[nodiscard]] bool vr_uses_character_set(VrCode vr);

// Converts values of one dataset. Not thread-safe (one per dataset being written).
class TextDecoder {
 public:
  // specific_character_set: the raw value of (0008,0005), backslash-separated; empty means
  // the default repertoire (ASCII).
  explicit TextDecoder(std::string_view specific_character_set);
  ~TextDecoder();
  TextDecoder(const TextDecoder&) = delete;
  TextDecoder& operator=(const TextDecoder&) = delete;

  // Never fails: ASCII passes through; when the set is unknown or the bytes do not convert,
  // valid UTF-8 is kept and anything else is read as ISO 8859-1.
  [[nodiscard]] std::string to_utf8(std::string_view raw, VrCode vr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace custos::dicom

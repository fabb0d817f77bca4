// The DICOM data dictionary (DCMTK's), for looking up tags only: the VR of a tag in an
// implicit VR dataset, and keywords such as "PatientName" for query parameters.
// DCMTK stays behind this bridge; nothing here parses data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dicom/element_reader.h"

namespace custos::dicom {

// The VR the dictionary gives `tag`. Ambiguous entries resolve as: US or SS -> US, OB or
// OW -> OW (pixel data in implicit VR is OW), US or OW -> OW; unknown and private tags -> UN;
// group lengths (gggg,0000) -> UL. Thread-safe (results are cached per thread).
[[nodiscard]] VrCode dictionary_vr(std::uint32_t tag);
// The tag of a keyword ("PatientName" -> 0x00100010); nullopt when unknown. Thread-safe.
[[nodiscard]] std::optional<std::uint32_t> tag_for_keyword(std::string_view keyword);
// The keyword of a tag ("" when unknown). Thread-safe.
[[nodiscard]] std::string keyword_for_tag(std::uint32_t tag);

}  // namespace custos::dicom

// Media types (RFC 9110 8.3.1) and Accept lists: what DICOMweb content negotiation reads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace custos::http {

struct MediaType {
  std::string type, subtype;                  // lower-case
  std::map<std::string, std::string> params;  // names lower-case, values unquoted
};

// "multipart/related; type=\"application/dicom\"; boundary=abc". kInvalidArgument when it
// is not type/subtype with well-formed parameters.
[[nodiscard]] Result<MediaType> parse_media_type(std::string_view text);

struct AcceptItem {
  MediaType media;  // without the q parameter
  double q = 1.0;
};
// Items that do not parse, or have q=0 or a bad q, are dropped; sorted by q descending,
// stable (equal q keep the client's order).
[[nodiscard]] std::vector<AcceptItem> parse_accept(std::string_view text);

}  // namespace custos::http

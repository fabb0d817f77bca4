// QIDO-RS queries (PS3.18 8.3.4, 10.6): parsing the query parameters and matching one
// attribute value (PS3.4 C.2.2.2). Execution over index rows is in qido.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "dicom/element_reader.h"

namespace custos::dicomweb {

enum class QueryLevel { kStudy, kSeries, kInstance };

// What the index can answer for an attribute, and at which level it lives.
struct AttributeInfo {
  std::uint32_t tag;
  dicom::VrCode vr;
  QueryLevel level;
  const char* keyword;
};

// The attributes the index holds (matching keys and return attributes), in tag order.
[[nodiscard]] std::span<const AttributeInfo> indexed_attributes();
[[nodiscard]] const AttributeInfo* indexed_attribute(std::uint32_t tag);

struct MatchKey {
  std::uint32_t tag = 0;
  std::string value;  // as given (already percent-decoded); empty: universal matching
};

struct QidoQuery {
  QueryLevel level = QueryLevel::kStudy;
  std::string study_uid;   // from the path: /studies/{study}/series..., /studies/{study}/instances
  std::string series_uid;  // from the path: /studies/{s}/series/{series}/instances
  std::vector<MatchKey> matches;
  std::vector<std::uint32_t> include_fields;  // beyond the defaults; held attributes only
  bool include_all = false;                   // includefield=all
  std::optional<std::size_t> limit;
  std::size_t offset = 0;
  bool fuzzy = false;  // accepted, not applied (see README)
};

// Parses the query parameters of a QIDO-RS request at `level`. Keys: a keyword
// ("PatientName") or a tag ("00100010"); "includefield" (repeatable, comma lists, "all"),
// "limit", "offset", "fuzzymatching" (true/false).
// Errors: kInvalidArgument naming the parameter for an unknown key, a bad number, a
// matching key of a lower level than the query (SOPInstanceUID in a study query), a
// repeated matching key; kUnsupported naming it for a non-empty matching key on an
// attribute the index does not hold, or a sequence path ("00400275.00321060").
[[nodiscard]] Result<QidoQuery> parse_qido_query(
    QueryLevel level, std::string study_uid, std::string series_uid,
    const std::vector<std::pair<std::string, std::string>>& params);

// Whether `value` (UTF-8, one attribute, multi-valued joined by '\') matches `key` of VR
// `vr`: universal (empty key), list of alternatives ('\'), wildcards '*' '?' (not for UI,
// dates or times), date/time/datetime ranges ("a-b", "-b", "a-"), exact otherwise.
// PN matches case-insensitively (ASCII), as Orthanc does by default.
[[nodiscard]] bool matches(std::string_view key, std::string_view value, dicom::VrCode vr);

}  // namespace custos::dicomweb

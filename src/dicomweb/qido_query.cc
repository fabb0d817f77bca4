#include "dicomweb/qido_query.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>

#include "dicom/dictionary.h"

namespace custos::dicomweb {
namespace {

using dicom::vr_code;

constexpr QueryLevel kSt = QueryLevel::kStudy;
constexpr QueryLevel kSe = QueryLevel::kSeries;
constexpr QueryLevel kIn = QueryLevel::kInstance;

constexpr AttributeInfo kAttributes[] = {
    {0x00080005u, vr_code("CS"), kSt, "SpecificCharacterSet"},
    {0x00080016u, vr_code("UI"), kIn, "SOPClassUID"},
    {0x00080018u, vr_code("UI"), kIn, "SOPInstanceUID"},
    {0x00080020u, vr_code("DA"), kSt, "StudyDate"},
    {0x00080021u, vr_code("DA"), kSe, "SeriesDate"},
    {0x00080030u, vr_code("TM"), kSt, "StudyTime"},
    {0x00080050u, vr_code("SH"), kSt, "AccessionNumber"},
    {0x00080056u, vr_code("CS"), kSt, "InstanceAvailability"},
    {0x00080060u, vr_code("CS"), kSe, "Modality"},
    {0x00080061u, vr_code("CS"), kSt, "ModalitiesInStudy"},
    {0x00080080u, vr_code("LO"), kSt, "InstitutionName"},
    {0x00080090u, vr_code("PN"), kSt, "ReferringPhysicianName"},
    {0x00080201u, vr_code("SH"), kSt, "TimezoneOffsetFromUTC"},
    {0x00081030u, vr_code("LO"), kSt, "StudyDescription"},
    {0x0008103Eu, vr_code("LO"), kSe, "SeriesDescription"},
    {0x00081190u, vr_code("UR"), kSt, "RetrieveURL"},
    {0x00083002u, vr_code("UI"), kIn, "AvailableTransferSyntaxUID"},
    {0x00100010u, vr_code("PN"), kSt, "PatientName"},
    {0x00100020u, vr_code("LO"), kSt, "PatientID"},
    {0x00100030u, vr_code("DA"), kSt, "PatientBirthDate"},
    {0x00100040u, vr_code("CS"), kSt, "PatientSex"},
    {0x00180015u, vr_code("CS"), kSe, "BodyPartExamined"},
    {0x0020000Du, vr_code("UI"), kSt, "StudyInstanceUID"},
    {0x0020000Eu, vr_code("UI"), kSe, "SeriesInstanceUID"},
    {0x00200010u, vr_code("SH"), kSt, "StudyID"},
    {0x00200011u, vr_code("IS"), kSe, "SeriesNumber"},
    {0x00200013u, vr_code("IS"), kIn, "InstanceNumber"},
    {0x00201206u, vr_code("IS"), kSt, "NumberOfStudyRelatedSeries"},
    {0x00201208u, vr_code("IS"), kSt, "NumberOfStudyRelatedInstances"},
    {0x00201209u, vr_code("IS"), kSe, "NumberOfSeriesRelatedInstances"},
    {0x00280008u, vr_code("IS"), kIn, "NumberOfFrames"},
    {0x00280010u, vr_code("US"), kIn, "Rows"},
    {0x00280011u, vr_code("US"), kIn, "Columns"},
    {0x00280100u, vr_code("US"), kIn, "BitsAllocated"},
};

std::optional<std::uint32_t> parse_tag(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  std::uint32_t tag = 0;
  const auto r = std::from_chars(s.data(), s.data() + 8, tag, 16);
  if (r.ec != std::errc() || r.ptr != s.data() + 8) return std::nullopt;
  return tag;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::uint32_t> attribute_tag(std::string_view name) {
  if (auto t = parse_tag(name)) return *t;
  if (auto t = dicom::tag_for_keyword(name)) return *t;
  return fail(ErrorCode::kInvalidArgument,
              "unknown query parameter or attribute \"" + std::string(name) + "\"");
}

Result<std::size_t> parse_count(std::string_view name, std::string_view v) {
  std::size_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "query parameter " + std::string(name) + " is not a non-negative integer: \"" +
                    std::string(v) + "\"");
  }
  return n;
}

// '*' any run, '?' one character (UTF-8 aware: a continuation byte never starts one).
bool wildcard(std::string_view pat, std::string_view s) {
  std::size_t p = 0, i = 0, star_p = std::string_view::npos, star_i = 0;
  auto next = [&](std::size_t k) {
    ++k;
    while (k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) ++k;
    return k;
  };
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '?') {
      ++p;
      i = next(i);
    } else if (p < pat.size() && pat[p] == '*') {
      star_p = p++;
      star_i = i;
    } else if (p < pat.size() && pat[p] == s[i]) {
      ++p;
      ++i;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      i = star_i = next(star_i);
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

std::string digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if ((c >= '0' && c <= '9') || c == '.' || c == '+') out.push_back(c);
  }
  // "2010.01.01" (old DA form) -> "20100101"; keep a fraction of seconds in TM/DT.
  if (out.size() == 10 && out[4] == '.' && out[7] == '.') {
    out.erase(7, 1);
    out.erase(4, 1);
  }
  return out;
}

bool in_range(std::string_view key, std::string_view value) {
  const auto dash = key.find('-');
  const std::string lo = digits(key.substr(0, dash));
  const std::string hi = digits(key.substr(dash + 1));
  const std::string v = digits(value);
  if (v.empty()) return false;
  if (!lo.empty() && v.substr(0, std::min(v.size(), lo.size())) < lo) return false;
  if (!hi.empty() && v.substr(0, std::min(v.size(), hi.size())) > hi) return false;
  return true;
}

bool match_one(std::string_view key, std::string_view value, dicom::VrCode vr) {
  const bool temporal = vr == vr_code("DA") || vr == vr_code("TM") || vr == vr_code("DT");
  if (temporal) {
    if (key.find('-') != std::string_view::npos) return in_range(key, value);
    return digits(key) == digits(value);
  }
  if (vr == vr_code("UI")) return key == value;
  if (vr == vr_code("IS")) return key == value;
  if (vr == vr_code("PN")) {
    const std::string k = lower(key), v = lower(value);
    return k.find_first_of("*?") != std::string::npos ? wildcard(k, v) : k == v;
  }
  return key.find_first_of("*?") != std::string_view::npos ? wildcard(key, value) : key == value;
}

}  // namespace

std::span<const AttributeInfo> indexed_attributes() { return kAttributes; }

const AttributeInfo* indexed_attribute(std::uint32_t tag) {
  for (const auto& a : kAttributes) {
    if (a.tag == tag) return &a;
  }
  return nullptr;
}

bool matches(std::string_view key, std::string_view value, dicom::VrCode vr) {
  if (key.empty() || key == "*") return true;
  // Every value of a multi-valued attribute, against every alternative of the key. A UID
  // list may also be separated by commas (PS3.18 8.3.4.1; Orthanc's form): a UID has none.
  const std::string_view separators = vr == vr_code("UI") ? std::string_view("\\,") : "\\";
  std::string_view keys = key;
  while (true) {
    const auto kb = keys.find_first_of(separators);
    const std::string_view k = keys.substr(0, kb);
    std::string_view values = value;
    while (true) {
      const auto vb = values.find('\\');
      if (match_one(k, values.substr(0, vb), vr)) return true;
      if (vb == std::string_view::npos) break;
      values.remove_prefix(vb + 1);
    }
    if (kb == std::string_view::npos) break;
    keys.remove_prefix(kb + 1);
  }
  return false;
}

Result<QidoQuery> parse_qido_query(QueryLevel level, std::string study_uid, std::string series_uid,
                                   const std::vector<std::pair<std::string, std::string>>& params) {
  QidoQuery q;
  q.level = level;
  q.study_uid = std::move(study_uid);
  q.series_uid = std::move(series_uid);
  for (const auto& [name, value] : params) {
    const std::string key = lower(name);
    if (key == "includefield") {
      std::string_view rest = value;
      while (true) {
        const auto comma = rest.find(',');
        const std::string_view field = rest.substr(0, comma);
        if (field == "all") {
          q.include_all = true;
        } else if (!field.empty()) {
          auto tag = attribute_tag(field);
          if (!tag) return fail(tag.error());
          q.include_fields.push_back(*tag);
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (key == "limit") {
      auto n = parse_count(name, value);
      if (!n) return fail(n.error());
      q.limit = *n;
    } else if (key == "offset") {
      auto n = parse_count(name, value);
      if (!n) return fail(n.error());
      q.offset = *n;
    } else if (key == "fuzzymatching") {
      if (value != "true" && value != "false") {
        return fail(ErrorCode::kInvalidArgument, "fuzzymatching must be true or false");
      }
      q.fuzzy = value == "true";
    } else {
      if (name.find('.') != std::string::npos) {
        return fail(ErrorCode::kUnsupported,
                    "sequence matching is not supported: \"" + name + "\"");
      }
      auto tag = attribute_tag(name);
      if (!tag) return fail(tag.error());
      const AttributeInfo* info = indexed_attribute(*tag);
      if (info && static_cast<int>(info->level) > static_cast<int>(level)) {
        return fail(ErrorCode::kInvalidArgument,
                    "\"" + name + "\" cannot be matched at this query level");
      }
      if (!info && !value.empty()) {
        return fail(ErrorCode::kUnsupported,
                    "matching on \"" + name + "\" is not supported (not indexed)");
      }
      for (const MatchKey& m : q.matches) {
        if (m.tag == *tag) {
          return fail(ErrorCode::kInvalidArgument, "matching key \"" + name + "\" given twice");
        }
      }
      if (info) q.matches.push_back({*tag, value});
    }
  }
  return q;
}

}  // namespace custos::dicomweb

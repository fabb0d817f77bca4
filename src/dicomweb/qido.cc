#include "dicomweb/qido.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "dicomweb/json_writer.h"

namespace custos::dicomweb {
namespace {

using dicom::vr_code;
using index::InstanceRow;
using index::SeriesRow;
using index::StudyRow;

constexpr std::uint32_t kStudyDefaults[] = {
    0x00080005u, 0x00080020u, 0x00080030u, 0x00080050u, 0x00080056u, 0x00080061u,
    0x00080090u, 0x00080201u, 0x00081030u, 0x00081190u, 0x00100010u, 0x00100020u, 0x00100030u,
    0x00100040u, 0x0020000Du, 0x00200010u, 0x00201206u, 0x00201208u};
constexpr std::uint32_t kSeriesDefaults[] = {0x00080021u, 0x00080060u, 0x0008103Eu, 0x00081190u,
                                             0x0020000Du, 0x0020000Eu, 0x00200011u, 0x00201209u};
constexpr std::uint32_t kInstanceDefaults[] = {0x00080016u, 0x00080018u, 0x00080056u, 0x00081190u,
                                               0x00083002u, 0x0020000Du, 0x0020000Eu, 0x00200013u,
                                               0x00280008u, 0x00280010u, 0x00280011u,
                                               0x00280100u};

struct Row {
  const StudyRow* study = nullptr;
  const SeriesRow* series = nullptr;
  const InstanceRow* instance = nullptr;
};

std::string number_text(const std::optional<long>& v) { return v ? std::to_string(*v) : ""; }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out.push_back('\\');
    out += s;
  }
  return out;
}

// The value of an indexed attribute for a row ("" when the row's level does not have it).
std::string value_of(std::uint32_t tag, const Row& r, const QidoContext& ctx) {
  const StudyRow* st = r.study;
  const SeriesRow* se = r.series;
  const InstanceRow* in = r.instance;
  switch (tag) {
    case 0x00080005u: return "ISO_IR 192";
    case 0x00080056u: return "ONLINE";
    case 0x00081190u: {
      std::string url = ctx.base_url + "/studies/" + (st ? st->study_uid : "");
      if (se) url += "/series/" + se->series_uid;
      if (se && in) url += "/instances/" + in->sop_uid;
      return url;
    }
    default: break;
  }
  if (st) {
    switch (tag) {
      case 0x00080020u: return st->study_date;
      case 0x00080030u: return st->study_time;
      case 0x00080050u: return st->accession_number;
      case 0x00080061u: return join(st->modalities);
      case 0x00080080u: return st->institution_name;
      case 0x00080090u: return st->referring_physician_name;
      case 0x00080201u: return st->timezone_offset;
      case 0x00081030u: return st->study_description;
      case 0x00100010u: return st->patient_name;
      case 0x00100020u: return st->patient_id;
      case 0x00100030u: return st->patient_birth_date;
      case 0x00100040u: return st->patient_sex;
      case 0x0020000Du: return st->study_uid;
      case 0x00200010u: return st->study_id;
      case 0x00201206u: return std::to_string(st->series_count);
      case 0x00201208u: return std::to_string(st->instance_count);
      default: break;
    }
  }
  if (se) {
    switch (tag) {
      case 0x00080021u: return se->series_date;
      case 0x00080060u: return se->modality;
      case 0x0008103Eu: return se->series_description;
      case 0x00180015u: return se->body_part_examined;
      case 0x0020000Eu: return se->series_uid;
      case 0x00200011u: return number_text(se->series_number);
      case 0x00201209u: return std::to_string(se->instance_count);
      default: break;
    }
  }
  if (in) {
    switch (tag) {
      case 0x00080016u: return in->sop_class_uid;
      case 0x00080018u: return in->sop_uid;
      case 0x00083002u: return in->transfer_syntax_uid;
      case 0x00200013u: return number_text(in->instance_number);
      case 0x00280008u: return number_text(in->number_of_frames);
      case 0x00280010u: return number_text(in->rows);
      case 0x00280011u: return number_text(in->columns);
      case 0x00280100u: return number_text(in->bits_allocated);
      default: break;
    }
  }
  return {};
}

bool row_matches(const QidoQuery& q, const Row& r, const QidoContext& ctx, QueryLevel upto) {
  for (const MatchKey& m : q.matches) {
    const AttributeInfo* info = indexed_attribute(m.tag);
    if (!info || static_cast<int>(info->level) > static_cast<int>(upto)) continue;
    if (!matches(m.value, value_of(m.tag, r, ctx), info->vr)) return false;
  }
  return true;
}

void write_attribute(JsonWriter& out, const AttributeInfo& a, const std::string& v) {
  char head[] = "\"00000000\":{\"vr\":\"XX\"";
  std::snprintf(head + 1, 9, "%08X", static_cast<unsigned>(a.tag));
  head[9] = '"';
  head[18] = static_cast<char>(a.vr >> 8);
  head[19] = static_cast<char>(a.vr & 0xFF);
  out.raw(std::string_view(head, sizeof head - 1));
  if (v.empty()) {
    out.raw('}');
    return;
  }
  out.raw(",\"Value\":[");
  std::string_view rest = v;
  bool first = true;
  while (true) {
    const auto bs = rest.find('\\');
    const std::string_view one = rest.substr(0, bs);
    if (!first) out.raw(',');
    first = false;
    if (a.vr == vr_code("IS") || a.vr == vr_code("US")) {
      long n = 0;
      const auto r = std::from_chars(one.data(), one.data() + one.size(), n);
      if (r.ec == std::errc() && r.ptr == one.data() + one.size()) {
        out.integer(n);
      } else {
        out.raw("null");
      }
    } else if (a.vr == vr_code("PN")) {
      out.raw('{');
      static constexpr std::string_view kGroups[] = {"Alphabetic", "Ideographic", "Phonetic"};
      std::string_view groups = one;
      bool any = false;
      for (std::size_t g = 0; g < 3; ++g) {
        const auto eq = groups.find('=');
        if (!groups.substr(0, eq).empty()) {
          if (any) out.raw(',');
          any = true;
          out.string(kGroups[g]);
          out.raw(':');
          out.string(groups.substr(0, eq));
        }
        if (eq == std::string_view::npos) break;
        groups.remove_prefix(eq + 1);
      }
      out.raw('}');
    } else if (one.empty()) {
      out.raw("null");
    } else {
      out.string(one);
    }
    // Only multi-valued attributes held by the index are split (ModalitiesInStudy).
    if (bs == std::string_view::npos || a.tag != 0x00080061u) break;
    rest.remove_prefix(bs + 1);
  }
  out.raw("]}");
}

template <class T>
bool number_before(const std::optional<long>& a, const std::optional<long>& b, const T& ua,
                   const T& ub) {
  if (a.has_value() != b.has_value()) return a.has_value();
  if (a && *a != *b) return *a < *b;
  return ua < ub;
}

}  // namespace

Result<QidoRows> read_qido_rows(index::ReadTxn& txn, const QidoQuery& q) {
  QidoRows rows;
  if (!q.study_uid.empty()) {
    auto st = txn.study(q.study_uid);
    if (!st) return fail(st.error());
    if (*st) rows.studies.push_back(std::move(**st));
  } else {
    auto all = txn.studies();
    if (!all) return fail(all.error());
    rows.studies = std::move(*all);
  }
  const QidoContext none;
  std::erase_if(rows.studies, [&](const StudyRow& s) {
    return !row_matches(q, Row{&s, nullptr, nullptr}, none, QueryLevel::kStudy);
  });
  if (q.level == QueryLevel::kStudy) return rows;
  for (const StudyRow& s : rows.studies) {
    auto series = txn.series_of(s.study_uid);
    if (!series) return fail(series.error());
    for (SeriesRow& se : *series) {
      if (!q.series_uid.empty() && se.series_uid != q.series_uid) continue;
      if (se.study_uid != s.study_uid) continue;
      rows.series.push_back(std::move(se));
    }
  }
  if (q.level == QueryLevel::kSeries) return rows;
  for (const SeriesRow& se : rows.series) {
    auto inst = txn.instances_in(se.study_uid, se.series_uid);
    if (!inst) return fail(inst.error());
    keep_first_versions(*inst);
    for (InstanceRow& i : *inst) rows.instances.push_back(std::move(i));
  }
  return rows;
}

void keep_first_versions(std::vector<index::InstanceRow>& rows) {
  std::unordered_set<std::string> seen;
  seen.reserve(rows.size());
  std::erase_if(rows, [&](const InstanceRow& r) {
    return !seen.insert(r.study_uid + '\n' + r.series_uid + '\n' + r.sop_uid).second;
  });
}

std::string qido_json(const QidoQuery& q, const QidoRows& rows, const QidoContext& ctx) {
  std::unordered_map<std::string_view, const StudyRow*> studies;
  studies.reserve(rows.studies.size());
  for (const StudyRow& s : rows.studies) studies.emplace(s.study_uid, &s);
  std::unordered_map<std::string, const SeriesRow*> series;
  if (q.level == QueryLevel::kInstance) {
    series.reserve(rows.series.size());
    for (const SeriesRow& s : rows.series) series.emplace(s.study_uid + '\n' + s.series_uid, &s);
  }

  std::vector<Row> hits;
  switch (q.level) {
    case QueryLevel::kStudy:
      for (const StudyRow& s : rows.studies) {
        if (!q.study_uid.empty() && s.study_uid != q.study_uid) continue;
        const Row r{&s, nullptr, nullptr};
        if (row_matches(q, r, ctx, q.level)) hits.push_back(r);
      }
      break;
    case QueryLevel::kSeries:
      for (const SeriesRow& s : rows.series) {
        const auto st = studies.find(s.study_uid);
        if (st == studies.end()) continue;
        if (!q.study_uid.empty() && s.study_uid != q.study_uid) continue;
        const Row r{st->second, &s, nullptr};
        if (row_matches(q, r, ctx, q.level)) hits.push_back(r);
      }
      break;
    case QueryLevel::kInstance:
      for (const InstanceRow& i : rows.instances) {
        const auto st = studies.find(i.study_uid);
        const auto se = series.find(i.study_uid + '\n' + i.series_uid);
        if (st == studies.end() || se == series.end()) continue;
        if (!q.study_uid.empty() && i.study_uid != q.study_uid) continue;
        if (!q.series_uid.empty() && i.series_uid != q.series_uid) continue;
        const Row r{st->second, se->second, &i};
        if (row_matches(q, r, ctx, q.level)) hits.push_back(r);
      }
      break;
  }

  std::sort(hits.begin(), hits.end(), [&](const Row& a, const Row& b) {
    if (q.level == QueryLevel::kStudy) {
      if (a.study->study_date != b.study->study_date) return a.study->study_date > b.study->study_date;
      if (a.study->study_time != b.study->study_time) return a.study->study_time > b.study->study_time;
      return a.study->study_uid < b.study->study_uid;
    }
    if (q.level == QueryLevel::kSeries) {
      return number_before(a.series->series_number, b.series->series_number, a.series->series_uid,
                           b.series->series_uid);
    }
    return number_before(a.instance->instance_number, b.instance->instance_number,
                         a.instance->sop_uid, b.instance->sop_uid);
  });

  // The attributes to return, in tag order.
  std::vector<std::uint32_t> tags;
  auto add = [&](std::span<const std::uint32_t> t) { tags.insert(tags.end(), t.begin(), t.end()); };
  const bool in_study = !q.study_uid.empty();
  if (q.level == QueryLevel::kStudy || !in_study) add(kStudyDefaults);
  if (q.level == QueryLevel::kSeries || q.level == QueryLevel::kInstance) add(kSeriesDefaults);
  if (q.level == QueryLevel::kInstance) add(kInstanceDefaults);
  for (const MatchKey& m : q.matches) tags.push_back(m.tag);
  for (const std::uint32_t t : q.include_fields) tags.push_back(t);
  if (q.include_all) {
    for (const AttributeInfo& a : indexed_attributes()) {
      if (static_cast<int>(a.level) <= static_cast<int>(q.level)) tags.push_back(a.tag);
    }
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  std::vector<const AttributeInfo*> infos;
  for (const std::uint32_t t : tags) {
    const AttributeInfo* a = indexed_attribute(t);
    if (a && static_cast<int>(a->level) <= static_cast<int>(q.level)) infos.push_back(a);
  }
  // RetrieveURL of a series/instance query names the row's own level.
  std::string out;
  out.reserve(hits.size() * 900 + 2);
  JsonWriter w(string_sink(out), 1u << 30);
  w.raw('[');
  const std::size_t begin = std::min(q.offset, hits.size());
  const std::size_t end = q.limit ? std::min(hits.size(), begin + *q.limit) : hits.size();
  for (std::size_t k = begin; k < end; ++k) {
    if (k != begin) w.raw(',');
    w.raw('{');
    bool first = true;
    for (const AttributeInfo* a : infos) {
      if (!first) w.raw(',');
      first = false;
      write_attribute(w, *a, value_of(a->tag, hits[k], ctx));
    }
    w.raw('}');
  }
  w.raw(']');
  (void)w.finish();
  return out;
}

}  // namespace custos::dicomweb

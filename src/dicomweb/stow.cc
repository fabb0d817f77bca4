#include "dicomweb/stow.h"

#include "dicomweb/json_writer.h"

namespace custos::dicomweb {
namespace {

void text(JsonWriter& w, const char* tag, const char* vr, const std::string& v) {
  w.comma();
  w.raw(std::string("\"") + tag + "\":{\"vr\":\"" + vr + "\"");
  if (!v.empty()) {
    w.raw(",\"Value\":[");
    w.string(v);
    w.raw(']');
  }
  w.raw('}');
}

void us(JsonWriter& w, const char* tag, std::uint16_t v) {
  w.comma();
  w.raw(std::string("\"") + tag + "\":{\"vr\":\"US\",\"Value\":[");
  w.integer(v);
  w.raw("]}");
}

std::string instance_url(const std::string& base, const StowItem& i) {
  return base + "/studies/" + i.study_uid + "/series/" + i.series_uid + "/instances/" +
         i.sop_instance_uid;
}

}  // namespace

int stow_http_status(std::span<const StowItem> items) {
  if (items.empty()) return 400;
  std::size_t failed = 0, warned = 0;
  for (const StowItem& i : items) {
    if (i.failure) {
      ++failed;
    } else if (i.warning) {
      ++warned;
    }
  }
  if (failed == items.size()) return 409;
  return failed == 0 && warned == 0 ? 200 : 202;
}

std::string stow_response_json(std::span<const StowItem> items, const std::string& base_url,
                               const std::string& request_study_uid) {
  std::string study = request_study_uid;
  bool one_study = true;
  for (const StowItem& i : items) {
    if (i.failure) continue;
    if (study.empty()) study = i.study_uid;
    one_study = one_study && i.study_uid == study;
  }
  std::string out;
  JsonWriter w(string_sink(out), 1u << 30);
  w.begin_object();
  bool outer_first = true;
  if (!study.empty() && (one_study || !request_study_uid.empty())) {
    text(w, "00081190", "UR", base_url + "/studies/" + study);
    outer_first = false;
  }
  // Members in ascending tag order: (0008,1190) < (0008,1198) < (0008,1199).
  for (const bool failures : {true, false}) {
    bool first = true;
    for (const StowItem& i : items) {
      if (i.failure.has_value() != failures) continue;
      if (first) {
        if (!outer_first) w.raw(',');
        outer_first = false;
        w.raw(failures ? "\"00081198\":{\"vr\":\"SQ\",\"Value\":["
                       : "\"00081199\":{\"vr\":\"SQ\",\"Value\":[");
      } else {
        w.raw(',');
      }
      first = false;
      w.begin_object();
      if (!i.sop_class_uid.empty()) text(w, "00081150", "UI", i.sop_class_uid);
      if (!i.sop_instance_uid.empty()) text(w, "00081155", "UI", i.sop_instance_uid);
      if (failures) {
        us(w, "00081197", static_cast<std::uint16_t>(*i.failure));
      } else {
        text(w, "00081190", "UR", instance_url(base_url, i));
        if (i.warning) us(w, "00081196", static_cast<std::uint16_t>(*i.warning));
      }
      w.end_object();
    }
    if (!first) w.raw("]}");
  }
  w.end_object();
  (void)w.finish();
  return out;
}

}  // namespace custos::dicomweb

#include "vault/report_json.h"

#include "vault/layout.h"

namespace custos::vault {
namespace {

using json = nlohmann::ordered_json;

json opt(const std::optional<long>& v) { return v ? json(*v) : json(nullptr); }

json path_reasons(const std::vector<PathReason>& list) {
  json a = json::array();
  for (const auto& pr : list) a.push_back({{"path", pr.path}, {"reason", pr.reason}});
  return a;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

}  // namespace

std::string dump(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json study_json(const index::StudyRow& s) {
  json j = {
      {"StudyInstanceUID", s.study_uid},
      {"StudyDate", s.study_date},
      {"StudyTime", s.study_time},
      {"PatientName", s.patient_name},
      {"PatientID", s.patient_id},
      {"PatientBirthDate", s.patient_birth_date},
      {"PatientSex", s.patient_sex},
      {"AccessionNumber", s.accession_number},
      {"StudyID", s.study_id},
      {"StudyDescription", s.study_description},
      {"ReferringPhysicianName", s.referring_physician_name},
      {"InstitutionName", s.institution_name},
      {"ModalitiesInStudy", s.modalities},
      {"BodyPartExamined", join(s.body_parts, "\\")},
      {"NumberOfStudyRelatedSeries", s.series_count},
      {"NumberOfStudyRelatedInstances", s.instance_count},
      {"StudySizeBytes", s.bytes},
      {"ExportFolder", study_folder_name(s)},
  };
  // The confirmed person its patient belongs to (docs/adr/0012-person-links.md).
  if (!s.person.empty()) j["person"] = s.person;
  return j;
}

json series_json(const index::SeriesRow& s) {
  return {
      {"StudyInstanceUID", s.study_uid},
      {"SeriesInstanceUID", s.series_uid},
      {"SeriesNumber", opt(s.series_number)},
      {"SeriesDescription", s.series_description},
      {"Modality", s.modality},
      {"SeriesDate", s.series_date},
      {"BodyPartExamined", s.body_part_examined},
      {"NumberOfSeriesRelatedInstances", s.instance_count},
  };
}

json instance_json(const index::InstanceRow& i) {
  return {
      {"StudyInstanceUID", i.study_uid},
      {"SeriesInstanceUID", i.series_uid},
      {"SOPInstanceUID", i.sop_uid},
      {"SOPClassUID", i.sop_class_uid},
      {"TransferSyntaxUID", i.transfer_syntax_uid},
      {"InstanceNumber", opt(i.instance_number)},
      {"NumberOfFrames", opt(i.number_of_frames)},
      {"Rows", opt(i.rows)},
      {"Columns", opt(i.columns)},
      {"sha256", i.sha256},
      {"size", i.size},
      {"received_at", i.received_at},
      {"source", i.source},
      {"flags", i.flags},
  };
}

json patient_json(const index::PatientRow& p) {
  return {{"PatientID", p.patient_id},
          {"PatientName", p.patient_name},
          {"PatientBirthDate", p.birth_date},
          {"PatientSex", p.sex},
          {"NumberOfPatientRelatedStudies", p.studies}};
}

json import_json(const ImportSummary& s) {
  json j = {
      {"files_seen", s.files_seen},
      {"instances_added", s.instances_added},
      {"duplicates", s.duplicates},
      {"conflicts", s.conflicts},
      {"skipped_non_dicom", s.skipped_non_dicom},
      {"rejected", path_reasons(s.rejected)},
      {"flagged", path_reasons(s.flagged)},
      {"missing", path_reasons(s.missing)},
      {"studies", s.studies},
      {"bytes_read", s.bytes_read},
      {"bytes_added", s.bytes_added},
      {"seconds", s.seconds},
  };
  if (s.error) j["error"] = *s.error;
  return j;
}

json show_json(const ShowResult& r) {
  json j = {{"level", r.level}};
  json patients = json::array(), studies = json::array(), series = json::array(),
       instances = json::array();
  for (const auto& p : r.patients) patients.push_back(patient_json(p));
  for (const auto& s : r.studies) studies.push_back(study_json(s));
  for (const auto& s : r.series) series.push_back(series_json(s));
  for (const auto& i : r.instances) instances.push_back(instance_json(i));
  if (!r.patients.empty()) j["patients"] = patients;
  if (!r.studies.empty()) j["studies"] = studies;
  if (!r.series.empty()) j["series"] = series;
  if (!r.instances.empty()) j["instances"] = instances;
  return j;
}

json verify_json(const VerifyReport& r) {
  json failures = json::array();
  for (const auto& f : r.failures) {
    failures.push_back({{"sha256", f.sha256},
                        {"SOPInstanceUID", f.sop_uid},
                        {"StudyInstanceUID", f.study_uid},
                        {"reason", f.reason}});
  }
  return {{"checked", r.checked},
          {"ok", r.ok},
          {"failed", failures},
          {"unreferenced", r.unreferenced},
          {"bytes", r.bytes}};
}

json export_json(const ExportSummary& r) {
  json studies = json::array();
  for (const auto& s : r.studies) {
    studies.push_back(
        {{"StudyInstanceUID", s.study_uid}, {"folder", s.folder}, {"instances", s.instances}});
  }
  return {{"out", r.out_dir},
          {"studies", studies},
          {"files_written", r.files_written},
          {"bytes_written", r.bytes_written},
          {"failed", path_reasons(r.failed)}};
}

json log_json(const std::vector<ScanLogEntry>& log) {
  json a = json::array();
  for (const auto& e : log) {
    a.push_back({{"date", e.date},
                 {"body_part", e.body_part},
                 {"modality", e.modality},
                 {"description", e.description},
                 {"location", e.institution},
                 {"series", e.series},
                 {"images", e.images},
                 {"folder", e.folder},
                 {"StudyInstanceUID", e.study_uid}});
  }
  return a;
}

std::string actor_text(const audit::Actor& a) {
  return std::string(audit::to_string(a.kind)) + (a.id.empty() ? "" : ":" + a.id);
}

std::string origin_text(const audit::Origin& o) {
  std::string s(audit::to_string(o.kind));
  if (!o.ip.empty()) s += " " + o.ip;
  if (!o.calling_ae.empty()) s += " AE " + o.calling_ae;
  return s;
}

json audit_entry_json(const audit::Entry& e) {
  return {{"seq", e.seq},
          {"time", e.time},
          {"actor", actor_text(e.actor)},
          {"origin", origin_text(e.origin)},
          {"user_agent", e.origin.user_agent},
          {"action", e.action},
          {"outcome", audit::to_string(e.outcome)},
          {"studies", e.uids.studies},
          {"series", e.uids.series},
          {"instances", e.uids.instances},
          {"omitted", e.uids.omitted},
          {"detail", e.detail}};
}

}  // namespace custos::vault

// DCMTK bridge: the only place the importer touches dcmdata. DCMTK types stay in here.
#include "dicom/header_reader.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>

#include <mutex>

#include "dicom/charset.h"
#include "dicom/dcmtk_prefix.h"
#include "dicom/text.h"

namespace custos::dicom {
namespace {

// Every value of the element joined by '\', DICOM padding trimmed.
std::string get(DcmDataset& ds, const DcmTagKey& key) {
  OFString value;
  if (ds.findAndGetOFStringArray(key, value).good()) return trim_padding(value.c_str());
  return {};
}

std::optional<long> get_int(DcmDataset& ds, const DcmTagKey& key) {
  const std::string text = get(ds, key);
  if (text.empty()) return std::nullopt;
  return parse_leading_int(text);
}

}  // namespace

void quiet_dcmtk_logging() {
  static std::once_flag once;
  std::call_once(once, [] { OFLog::configure(OFLogger::OFF_LOG_LEVEL); });
}

Result<InstanceHeader> read_header(const ScanSummary& scan) {
  quiet_dcmtk_logging();
  DcmDataset ds;
  if (auto st = read_prefix(scan, ds, "DICOM header cannot be parsed: "); !st) {
    return fail(st.error());
  }

  InstanceHeader h;
  h.specific_character_set = get(ds, DCM_SpecificCharacterSet);
  // Text goes to UTF-8 through the same decoder as the DICOM JSON of served metadata
  // (dicom/charset.h), so a search finds and returns what the metadata shows: DCMTK's own
  // conversion (iconv) leaves ISO 2022 Japanese escape sequences and JIS X 0201 katakana
  // unconverted. Invalid results never reach the index (the decoder keeps valid UTF-8 only).
  TextDecoder decoder(h.specific_character_set);
  auto text = [&](const DcmTagKey& key, const char (&vr)[3] = "LO") {
    return ensure_utf8(decoder.to_utf8(get(ds, key), vr_code(vr)));
  };

  h.patient_name = text(DCM_PatientName, "PN");
  h.patient_id = text(DCM_PatientID);
  h.patient_birth_date = text(DCM_PatientBirthDate);
  h.patient_sex = text(DCM_PatientSex);
  h.study_uid = text(DCM_StudyInstanceUID);
  h.study_date = text(DCM_StudyDate);
  h.study_time = text(DCM_StudyTime);
  h.accession_number = text(DCM_AccessionNumber);
  h.study_description = text(DCM_StudyDescription);
  h.referring_physician_name = text(DCM_ReferringPhysicianName, "PN");
  h.study_id = text(DCM_StudyID);
  h.institution_name = text(DCM_InstitutionName);
  h.body_part_examined = text(DCM_BodyPartExamined);
  h.timezone_offset = text(DCM_TimezoneOffsetFromUTC);
  h.series_uid = text(DCM_SeriesInstanceUID);
  h.series_number = get_int(ds, DCM_SeriesNumber);
  h.series_description = text(DCM_SeriesDescription);
  h.modality = text(DCM_Modality);
  h.series_date = text(DCM_SeriesDate);
  h.sop_uid = text(DCM_SOPInstanceUID);
  h.sop_class_uid = text(DCM_SOPClassUID);
  h.instance_number = get_int(ds, DCM_InstanceNumber);
  h.number_of_frames = get_int(ds, DCM_NumberOfFrames);
  h.rows = get_int(ds, DCM_Rows);
  h.columns = get_int(ds, DCM_Columns);
  h.bits_allocated = get_int(ds, DCM_BitsAllocated);
  h.transfer_syntax_uid = scan.transfer_syntax_uid;
  if (h.sop_class_uid.empty()) h.sop_class_uid = scan.media_storage_sop_class_uid;

  if (h.study_uid.empty()) return fail(ErrorCode::kRejected, "no Study Instance UID (0020,000D)");
  if (h.series_uid.empty()) return fail(ErrorCode::kRejected, "no Series Instance UID (0020,000E)");
  if (h.sop_uid.empty()) return fail(ErrorCode::kRejected, "no SOP Instance UID (0008,0018)");
  return h;
}

}  // namespace custos::dicom

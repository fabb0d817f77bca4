// Extracts the attributes the index needs from a scanned header prefix, with DCMTK.
// Why a prefix and not the file: the scanner keeps only the bytes before the first
// top-level group above 0x0028, so parsing is bounded whatever the file size.
#pragma once

#include <optional>
#include <string>

#include "base/error.h"
#include "dicom/stream_scanner.h"

namespace custos::dicom {

// All strings are UTF-8 (decoded from SpecificCharacterSet), trimmed of DICOM padding.
struct InstanceHeader {
  std::string specific_character_set;  // as in the file
  // Patient
  std::string patient_name;
  std::string patient_id;
  std::string patient_birth_date;
  std::string patient_sex;
  // Study
  std::string study_uid;
  std::string study_date;
  std::string study_time;
  std::string accession_number;
  std::string study_description;
  std::string referring_physician_name;
  std::string study_id;
  std::string institution_name;  // where the scan was made, for the scan log
  std::string body_part_examined;
  std::string timezone_offset;  // Timezone Offset From UTC (0008,0201), "+hhmm"
  // Series
  std::string series_uid;
  std::optional<long> series_number;
  std::string series_description;
  std::string modality;
  std::string series_date;
  // Instance
  std::string sop_uid;
  std::string sop_class_uid;
  std::string transfer_syntax_uid;
  std::optional<long> instance_number;
  std::optional<long> number_of_frames;
  std::optional<long> rows;
  std::optional<long> columns;
  std::optional<long> bits_allocated;
};

inline constexpr const char* kMediaStorageDirectoryClassUid = "1.2.840.10008.1.3.10";

// Thread-safe (each call owns its DCMTK objects).
// Errors: kRejected when DCMTK cannot parse the prefix, or Study/Series/SOP Instance UID
// is missing or empty (the message says which).
[[nodiscard]] Result<InstanceHeader> read_header(const ScanSummary& scan);

// Turns DCMTK's own console logging off (it would print warnings about the files it reads).
void quiet_dcmtk_logging();

}  // namespace custos::dicom

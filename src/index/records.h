// The rows of the index: patient -> study -> series -> instance, as plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace custos::index {

// One stored instance with every attribute the index keeps (strings are UTF-8).
struct InstanceRecord {
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
  std::string institution_name;
  std::string body_part_examined;
  std::string timezone_offset;  // Timezone Offset From UTC of the study's first instance
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
  // Custody
  std::string sha256;         // hex of the original bytes; the blob id
  std::uint64_t size = 0;
  std::string received_at;    // UTC, ISO 8601
  std::string source;         // where it came from ("import:/media/cd/DICOM/IM0001")
  std::string flags;          // warnings kept with the instance (e.g. polyglot preamble)
};

struct PatientRow {
  std::int64_t id = 0;
  std::string patient_id;
  std::string patient_name;
  std::string birth_date;
  std::string sex;
  long studies = 0;
  std::string person;  // PersonRow::id when linked to other patients; empty otherwise
};

struct StudyRow {
  std::int64_t patient_ref = 0;
  std::string patient_name;
  std::string patient_id;
  std::string patient_birth_date;
  std::string patient_sex;
  std::string study_uid;
  std::string study_date;
  std::string study_time;
  std::string accession_number;
  std::string study_description;
  std::string referring_physician_name;
  std::string study_id;
  std::string timezone_offset;
  std::string institution_name;
  std::vector<std::string> modalities;   // distinct, sorted, from its series
  std::vector<std::string> body_parts;   // distinct, sorted, from its series
  long series_count = 0;
  long instance_count = 0;  // distinct SOP Instance UIDs (a conflict's versions count once)
  std::uint64_t bytes = 0;
  std::string trashed_at;  // UTC; empty unless in the trash
  std::string trashed_by;
  std::string person;  // PersonRow::id of its patient when linked; empty otherwise
};

struct SeriesRow {
  std::string study_uid;
  std::string series_uid;
  std::optional<long> series_number;
  std::string series_description;
  std::string modality;
  std::string series_date;
  std::string body_part_examined;
  long instance_count = 0;  // distinct SOP Instance UIDs (a conflict's versions count once)
};

struct InstanceRow {
  std::string study_uid;
  std::string series_uid;
  std::string sop_uid;
  std::string sop_class_uid;
  std::string transfer_syntax_uid;
  std::optional<long> instance_number;
  std::optional<long> number_of_frames;
  std::optional<long> rows;
  std::optional<long> columns;
  std::optional<long> bits_allocated;
  std::string sha256;
  std::uint64_t size = 0;
  std::string received_at;
  std::string source;
  std::string flags;
};

// One person: patients (rows of the patients table: one Patient ID with its name and birth
// date, as a hospital recorded them) the owner confirmed are one human being
// (docs/adr/0012-person-links.md). The id is opaque and stays when persons merge.
struct PersonRow {
  std::string id;
  std::vector<std::int64_t> patient_refs;  // PatientRow::id, ascending; at least two
  std::string confirmed_by;
  std::string confirmed_at;  // UTC, ISO 8601: the last link made
};

// Two patients the owner said are not one person (patient_a < patient_b).
struct PersonDismissal {
  std::int64_t patient_a = 0;
  std::int64_t patient_b = 0;
};

enum class AddOutcome { kAdded, kDuplicate, kConflict };

// An account that can sign in to the server. Times are Unix seconds. The role is kept as
// text ("owner", "caregiver", "viewer"); the vault gives it meaning.
struct UserRow {
  std::string name;
  std::string role;
  std::string password_hash;  // Argon2id string (crypto/password.h)
  std::string totp_secret;    // base32; empty when no second factor is enrolled
  std::int64_t totp_last_step = 0;  // the last TOTP step accepted (each code works once)
  std::vector<std::string> recovery_code_hashes;  // SHA-256 hex of the unused codes
  std::int64_t created = 0;
  bool disabled = false;
};

// An API token: only the SHA-256 (hex) of the bearer text is kept.
struct TokenRow {
  std::string name;
  std::string user;
  std::string sha256;
  bool read_only = false;
  std::int64_t created = 0;
  std::optional<std::int64_t> last_used;
  bool revoked = false;
};

}  // namespace custos::index

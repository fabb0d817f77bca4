// Where things live inside a vault directory, the vault.json descriptor, and the export
// folder naming (YYYY-MM-DD_BodyPart_Modality) shared by `export` and `log`.
#pragma once

#include <filesystem>
#include <string>

#include "base/error.h"
#include "index/records.h"

namespace custos::vault {

struct Layout {
  std::filesystem::path root;
  [[nodiscard]] std::filesystem::path descriptor() const { return root / "vault.json"; }
  [[nodiscard]] std::filesystem::path index_db() const { return root / "index.db"; }
  [[nodiscard]] std::filesystem::path blobs() const { return root / "blobs"; }
  [[nodiscard]] std::filesystem::path audit() const { return root / "audit"; }
  [[nodiscard]] std::filesystem::path tmp() const { return root / "tmp"; }
};

// vault.json: format version and encryption settings. Never holds health data or a secret:
// the key block holds only wrapped keys and KDF parameters (docs/formats/encryption.md).
struct Descriptor {
  int format_version = 1;
  std::string encryption = "none";  // "none", or "envelope" with key_block set
  std::string key_block;            // the "encryption" object as JSON text, when encrypted
  std::string created_at;
  [[nodiscard]] bool encrypted() const { return !key_block.empty(); }
};

inline constexpr int kFormatVersion = 1;

[[nodiscard]] std::string descriptor_json(const Descriptor& d);
// Errors: kCorruption when the text is not a vault descriptor, kUnsupported for a newer format.
[[nodiscard]] Result<Descriptor> parse_descriptor(const std::string& text);

// "2019-03-14_CHEST_CT": the study date, body part and modalities, each reduced to
// letters, digits and '-'; "unknown-date", "UnknownBodyPart", "UnknownModality" stand in
// for missing values.
[[nodiscard]] std::string study_folder_name(const index::StudyRow& study);
// "2019-03-14" from "20190314"; empty when the value is not a date.
[[nodiscard]] std::string iso_date(const std::string& dicom_date);
// Keeps [A-Za-z0-9-], maps runs of anything else to one '-', trims '-' at both ends.
[[nodiscard]] std::string sanitize_component(const std::string& text);

}  // namespace custos::vault

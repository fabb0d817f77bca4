#include "vault/layout.h"

#include <nlohmann/json.hpp>

namespace custos::vault {

std::string descriptor_json(const Descriptor& d) {
  nlohmann::ordered_json j = {
      {"format", "custos-vault"},
      {"format_version", d.format_version},
      {"created_at", d.created_at},
  };
  if (d.encrypted()) {
    j["encryption"] = nlohmann::ordered_json::parse(d.key_block);
  } else {
    j["encryption"] = "none";
  }
  return j.dump(2) + "\n";
}

Result<Descriptor> parse_descriptor(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "custos-vault") {
    return fail(ErrorCode::kCorruption, "vault.json is not a custos vault descriptor");
  }
  Descriptor d;
  d.format_version = j.value("format_version", 0);
  d.created_at = j.value("created_at", "");
  const auto& enc = j.contains("encryption") ? j["encryption"] : nlohmann::json("none");
  if (enc.is_object()) {
    d.encryption = "envelope";
    d.key_block = enc.dump();
  } else if (enc.is_string() && enc.get<std::string>() == "none") {
    d.encryption = "none";
  } else {
    return fail(ErrorCode::kCorruption, "vault.json has an unknown encryption setting");
  }
  if (d.format_version > kFormatVersion) {
    return fail(ErrorCode::kUnsupported, "the vault was made by a newer custos (format " +
                                             std::to_string(d.format_version) + ")");
  }
  if (d.format_version < 1) return fail(ErrorCode::kCorruption, "vault.json has no format version");
  return d;
}

std::string sanitize_component(const std::string& text) {
  std::string out;
  bool dash = false;
  for (const char c : text) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      if (dash && !out.empty()) out.push_back('-');
      dash = false;
      out.push_back(c);
    } else {
      dash = true;
    }
  }
  return out;
}

std::string iso_date(const std::string& d) {
  if (d.size() < 8) return {};
  for (std::size_t i = 0; i < 8; ++i) {
    if (d[i] < '0' || d[i] > '9') return {};
  }
  return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
}

std::string study_folder_name(const index::StudyRow& study) {
  std::string date = iso_date(study.study_date);
  if (date.empty()) date = "unknown-date";
  std::string body;
  for (const auto& b : study.body_parts) {
    const std::string s = sanitize_component(b);
    if (s.empty()) continue;
    if (!body.empty()) body += "-";
    body += s;
  }
  if (body.empty()) body = "UnknownBodyPart";
  std::string modality;
  for (const auto& m : study.modalities) {
    const std::string s = sanitize_component(m);
    if (s.empty()) continue;
    if (!modality.empty()) modality += "-";
    modality += s;
  }
  if (modality.empty()) modality = "UnknownModality";
  return date + "_" + body + "_" + modality;
}

}  // namespace custos::vault

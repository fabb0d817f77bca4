// Turns the vault's reports into the JSON shapes of DESIGN.md and into readable text.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vault/reports.h"

namespace custos::cli {

[[nodiscard]] nlohmann::ordered_json study_json(const index::StudyRow& s);
[[nodiscard]] nlohmann::ordered_json series_json(const index::SeriesRow& s);
[[nodiscard]] nlohmann::ordered_json instance_json(const index::InstanceRow& i);
[[nodiscard]] nlohmann::ordered_json patient_json(const index::PatientRow& p);
[[nodiscard]] nlohmann::ordered_json import_json(const vault::ImportSummary& s);
[[nodiscard]] nlohmann::ordered_json show_json(const vault::ShowResult& r);
[[nodiscard]] nlohmann::ordered_json verify_json(const vault::VerifyReport& r);
[[nodiscard]] nlohmann::ordered_json export_json(const vault::ExportSummary& r);
[[nodiscard]] nlohmann::ordered_json log_json(const std::vector<vault::ScanLogEntry>& log);

void print_import(std::ostream& out, const vault::ImportSummary& s);
void print_studies(std::ostream& out, const std::vector<index::StudyRow>& studies,
                   const std::string& encryption);
void print_show(std::ostream& out, const vault::ShowResult& r);
void print_verify(std::ostream& out, const vault::VerifyReport& r);
void print_export(std::ostream& out, const vault::ExportSummary& r);
void print_log(std::ostream& out, const std::vector<vault::ScanLogEntry>& log);
void print_log_csv(std::ostream& out, const std::vector<vault::ScanLogEntry>& log);

// "210.4 MB"
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);
// Dumps JSON with invalid UTF-8 replaced (never throws).
[[nodiscard]] std::string dump(const nlohmann::ordered_json& j, int indent = 2);

}  // namespace custos::cli

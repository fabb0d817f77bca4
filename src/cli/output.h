// Turns the vault's reports into the JSON shapes of DESIGN.md and into readable text.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vault/report_json.h"
#include "vault/reports.h"

namespace custos::cli {

using vault::export_json;
using vault::import_json;
using vault::instance_json;
using vault::log_json;
using vault::patient_json;
using vault::series_json;
using vault::show_json;
using vault::study_json;
using vault::verify_json;
using vault::dump;

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

}  // namespace custos::cli

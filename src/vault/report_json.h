// The JSON shapes of the vault's reports (DESIGN.md): one definition shared by the command
// line's --json output and the HTTP API, so both say the same thing the same way.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/entry.h"
#include "vault/reports.h"

namespace custos::vault {

[[nodiscard]] nlohmann::ordered_json study_json(const index::StudyRow& s);
[[nodiscard]] nlohmann::ordered_json series_json(const index::SeriesRow& s);
[[nodiscard]] nlohmann::ordered_json instance_json(const index::InstanceRow& i);
[[nodiscard]] nlohmann::ordered_json patient_json(const index::PatientRow& p);
[[nodiscard]] nlohmann::ordered_json import_json(const ImportSummary& s);
[[nodiscard]] nlohmann::ordered_json show_json(const ShowResult& r);
[[nodiscard]] nlohmann::ordered_json verify_json(const VerifyReport& r);
[[nodiscard]] nlohmann::ordered_json export_json(const ExportSummary& r);
[[nodiscard]] nlohmann::ordered_json log_json(const std::vector<ScanLogEntry>& log);
[[nodiscard]] nlohmann::ordered_json audit_entry_json(const audit::Entry& e);
// "user:alice", "local_owner" (actor kind and id), for lists.
[[nodiscard]] std::string actor_text(const audit::Actor& a);
[[nodiscard]] std::string origin_text(const audit::Origin& o);

// Dumps JSON with invalid UTF-8 replaced (never throws).
[[nodiscard]] std::string dump(const nlohmann::ordered_json& j, int indent = 2);

}  // namespace custos::vault

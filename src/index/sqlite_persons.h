// (internal to index/) The person-link tables of the SQLite index (persons, person_members,
// person_dismissals; schema v6). Called by SqliteIndex inside its transactions, under its
// mutex, so a failure part way is rolled back with the rest of the transaction.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "index/records.h"

struct sqlite3;

namespace custos::index::sqlite_persons {

[[nodiscard]] Result<std::vector<PersonRow>> persons(sqlite3* db);
[[nodiscard]] Result<std::vector<PersonDismissal>> dismissals(sqlite3* db);
[[nodiscard]] Result<std::string> link(sqlite3* db, std::span<const std::int64_t> refs,
                                       const std::string& by, const std::string& at);
[[nodiscard]] Status unlink(sqlite3* db, const std::string& person_id,
                            std::optional<std::int64_t> patient_ref);
[[nodiscard]] Status dismiss(sqlite3* db, std::span<const std::int64_t> refs,
                             const std::string& by, const std::string& at);

}  // namespace custos::index::sqlite_persons

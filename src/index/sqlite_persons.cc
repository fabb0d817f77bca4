// Person links in SQLite. A person is a row of `persons` (an opaque random id, who confirmed
// it and when) and its members in `person_members` (one row per patient, so a patient is in
// at most one person). Statements are prepared per call: links change rarely.
#include "index/sqlite_persons.h"


#include <algorithm>
#include <map>
#include <memory>

#include "index/sqlite_statement.h"

namespace custos::index::sqlite_persons {
namespace {

using sql::col_text;
using sql::Value;

template <class OnRow>
Result<int> run(sqlite3* db, const char* statement, const std::vector<Value>& args,
                OnRow on_row) {
  return sql::run(db, "person links", statement, args, on_row);
}

Result<int> exec(sqlite3* db, const char* sql, const std::vector<Value>& args) {
  return run(db, sql, args, [](sqlite3_stmt*) {});
}

// The distinct refs, ascending, each naming a patient. kInvalidArgument with fewer than two.
Result<std::vector<std::int64_t>> checked(sqlite3* db, std::span<const std::int64_t> refs) {
  std::vector<std::int64_t> out(refs.begin(), refs.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() < 2) {
    return fail(ErrorCode::kInvalidArgument, "a person link needs at least two different patients");
  }
  for (const auto ref : out) {
    bool found = false;
    auto r = run(db, "SELECT 1 FROM patients WHERE id = ?1", {ref},
                 [&](sqlite3_stmt*) { found = true; });
    if (!r) return fail(r.error());
    if (!found) return fail(ErrorCode::kNotFound, "no patient #" + std::to_string(ref) + " in the index");
  }
  return out;
}

}  // namespace

Result<std::vector<PersonRow>> persons(sqlite3* db) {
  std::vector<PersonRow> out;
  std::map<std::string, std::size_t> at;
  auto r = run(db, "SELECT id, confirmed_by, confirmed_at FROM persons ORDER BY rowid", {},
               [&](sqlite3_stmt* s) {
                 PersonRow p;
                 p.id = col_text(s, 0);
                 p.confirmed_by = col_text(s, 1);
                 p.confirmed_at = col_text(s, 2);
                 at[p.id] = out.size();
                 out.push_back(std::move(p));
               });
  if (!r) return fail(r.error());
  r = run(db, "SELECT person, patient_ref FROM person_members ORDER BY patient_ref", {},
          [&](sqlite3_stmt* s) {
            if (auto it = at.find(col_text(s, 0)); it != at.end()) {
              out[it->second].patient_refs.push_back(sqlite3_column_int64(s, 1));
            }
          });
  if (!r) return fail(r.error());
  return out;
}

Result<std::vector<PersonDismissal>> dismissals(sqlite3* db) {
  std::vector<PersonDismissal> out;
  auto r = run(db, "SELECT patient_a, patient_b FROM person_dismissals ORDER BY 1, 2", {},
               [&](sqlite3_stmt* s) {
                 out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1)});
               });
  if (!r) return fail(r.error());
  return out;
}

Result<std::string> link(sqlite3* db, std::span<const std::int64_t> refs, const std::string& by,
                         const std::string& at) {
  auto members = checked(db, refs);
  if (!members) return fail(members.error());
  // The persons the members already belong to, oldest first: the oldest absorbs the rest.
  std::vector<std::string> existing;
  for (const auto ref : *members) {
    auto r = run(db,
                 "SELECT p.id FROM person_members m JOIN persons p ON p.id = m.person "
                 "WHERE m.patient_ref = ?1",
                 {ref}, [&](sqlite3_stmt* s) { existing.push_back(col_text(s, 0)); });
    if (!r) return fail(r.error());
  }
  std::string id;
  if (existing.empty()) {
    auto r = run(db, "SELECT lower(hex(randomblob(8)))", {},
                 [&](sqlite3_stmt* s) { id = col_text(s, 0); });
    if (!r) return fail(r.error());
    if (auto ins = exec(db, "INSERT INTO persons(id, confirmed_by, confirmed_at) VALUES (?1, ?2, ?3)",
                        {id, by, at});
        !ins) {
      return fail(ins.error());
    }
  } else {
    auto r = run(db, "SELECT id FROM persons ORDER BY rowid", {}, [&](sqlite3_stmt* s) {
      if (id.empty()) {
        const std::string p = col_text(s, 0);
        if (std::find(existing.begin(), existing.end(), p) != existing.end()) id = p;
      }
    });
    if (!r) return fail(r.error());
    for (const auto& other : existing) {
      if (other == id) continue;
      if (auto m = exec(db, "UPDATE person_members SET person = ?1 WHERE person = ?2", {id, other}); !m) {
        return fail(m.error());
      }
      if (auto d = exec(db, "DELETE FROM persons WHERE id = ?1", {other}); !d) return fail(d.error());
    }
    if (auto u = exec(db, "UPDATE persons SET confirmed_by = ?2, confirmed_at = ?3 WHERE id = ?1",
                      {id, by, at});
        !u) {
      return fail(u.error());
    }
  }
  for (const auto ref : *members) {
    if (auto m = exec(db, "INSERT OR REPLACE INTO person_members(patient_ref, person) VALUES (?1, ?2)",
                      {ref, id});
        !m) {
      return fail(m.error());
    }
  }
  // The owner now says they are one person: an earlier "not the same" between them is void.
  if (auto d = exec(db,
                    "DELETE FROM person_dismissals WHERE "
                    "(SELECT person FROM person_members WHERE patient_ref = patient_a) = ?1 AND "
                    "(SELECT person FROM person_members WHERE patient_ref = patient_b) = ?1",
                    {id});
      !d) {
    return fail(d.error());
  }
  return id;
}

Status unlink(sqlite3* db, const std::string& person_id, std::optional<std::int64_t> patient_ref) {
  long members = 0;
  auto r = run(db, "SELECT COUNT(*) FROM person_members WHERE person = ?1", {person_id},
               [&](sqlite3_stmt* s) { members = static_cast<long>(sqlite3_column_int64(s, 0)); });
  if (!r) return fail(r.error());
  if (members == 0) return fail(ErrorCode::kNotFound, "no person " + person_id.substr(0, 64));
  if (patient_ref && members > 2) {
    auto d = exec(db, "DELETE FROM person_members WHERE person = ?1 AND patient_ref = ?2",
                  {person_id, *patient_ref});
    if (!d) return fail(d.error());
    if (*d == 0) {
      return fail(ErrorCode::kNotFound, "patient #" + std::to_string(*patient_ref) +
                                            " is not part of person " + person_id.substr(0, 64));
    }
    return {};
  }
  if (patient_ref) {
    bool member = false;
    auto m = run(db, "SELECT 1 FROM person_members WHERE person = ?1 AND patient_ref = ?2",
                 {person_id, *patient_ref}, [&](sqlite3_stmt*) { member = true; });
    if (!m) return fail(m.error());
    if (!member) {
      return fail(ErrorCode::kNotFound, "patient #" + std::to_string(*patient_ref) +
                                            " is not part of person " + person_id.substr(0, 64));
    }
  }
  if (auto d = exec(db, "DELETE FROM person_members WHERE person = ?1", {person_id}); !d) {
    return fail(d.error());
  }
  if (auto d = exec(db, "DELETE FROM persons WHERE id = ?1", {person_id}); !d) return fail(d.error());
  return {};
}

Status dismiss(sqlite3* db, std::span<const std::int64_t> refs, const std::string& by,
               const std::string& at) {
  auto members = checked(db, refs);
  if (!members) return fail(members.error());
  for (std::size_t i = 0; i < members->size(); ++i) {
    for (std::size_t j = i + 1; j < members->size(); ++j) {
      auto r = exec(db,
                    "INSERT OR REPLACE INTO person_dismissals(patient_a, patient_b, dismissed_by, "
                    "dismissed_at) VALUES (?1, ?2, ?3, ?4)",
                    {(*members)[i], (*members)[j], by, at});
      if (!r) return fail(r.error());
    }
  }
  return {};
}

}  // namespace custos::index::sqlite_persons

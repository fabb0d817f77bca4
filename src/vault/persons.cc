// Person links: the owner confirms that patients recorded by different hospitals (different
// Patient IDs) are one person, undoes it, or says two suggested patients are not one. Only
// index rows change; the patients rows and the stored files stay as imported. Audit entries
// name the patients by their index row id and list their studies: no names, no IDs.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "vault/vault.h"

namespace custos::vault {
namespace {

std::string who(const Caller& caller) {
  return caller.actor.kind == audit::ActorKind::kLocalOwner ? "local owner" : caller.actor.id;
}

PersonPatient person_patient(const index::PatientRow& p) {
  return {{p.patient_id, p.patient_name, p.birth_date}, p.id, p.studies};
}

// The index rows of the patients named; kNotFound naming the first unknown one.
Result<std::vector<std::int64_t>> resolve(index::ReadTxn& txn, std::span<const PatientKey> keys) {
  auto all = txn.patients();
  if (!all) return fail(all.error());
  std::vector<std::int64_t> refs;
  for (const auto& k : keys) {
    auto it = std::find_if(all->begin(), all->end(), [&](const index::PatientRow& p) {
      return p.patient_id == k.patient_id && p.patient_name == k.name &&
             p.birth_date == k.birth_date;
    });
    if (it == all->end()) {
      return fail(ErrorCode::kNotFound, "no patient with ID '" + k.patient_id.substr(0, 64) +
                                            "' and that name and birth date in the vault");
    }
    refs.push_back(it->id);
  }
  return refs;
}

// The audit entry of a change: the studies of the patients concerned, and the patients by
// index row id.
Result<audit::Entry> change_entry(index::ReadTxn& txn, const std::string& action,
                                  const std::string& person, std::vector<std::int64_t> refs) {
  std::sort(refs.begin(), refs.end());
  audit::Entry e;
  e.action = action;
  auto studies = txn.studies();
  if (!studies) return fail(studies.error());
  for (const auto& s : *studies) {
    if (std::binary_search(refs.begin(), refs.end(), s.patient_ref)) e.uids.studies.push_back(s.study_uid);
  }
  e.detail = (person.empty() ? "" : "person " + person + ": ") + "patients";
  for (const auto r : refs) e.detail += " #" + std::to_string(r);
  return e;
}

Result<std::vector<Person>> read_persons(index::ReadTxn& txn) {
  auto patients = txn.patients();
  auto rows = txn.persons();
  if (!patients) return fail(patients.error());
  if (!rows) return fail(rows.error());
  std::map<std::int64_t, const index::PatientRow*> by_ref;
  for (const auto& p : *patients) by_ref[p.id] = &p;
  std::vector<Person> out;
  for (const auto& row : *rows) {
    Person person{row.id, {}, row.confirmed_by, row.confirmed_at};
    for (const auto ref : row.patient_refs) {
      if (auto it = by_ref.find(ref); it != by_ref.end()) {
        person.patients.push_back(person_patient(*it->second));
      }
    }
    out.push_back(std::move(person));
  }
  return out;
}

}  // namespace

std::string normalised_name(std::string_view dicom_name) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : dicom_name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word += static_cast<char>(std::tolower(u));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  std::sort(words.begin(), words.end());
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::vector<PersonSuggestion> suggest_person_links(
    std::span<const index::PatientRow> patients, std::span<const index::PersonRow> persons,
    std::span<const index::PersonDismissal> dismissals) {
  std::set<std::pair<std::int64_t, std::int64_t>> dismissed;
  for (const auto& d : dismissals) dismissed.insert({d.patient_a, d.patient_b});
  // A unit is one person (all its patients) or one patient on its own.
  std::map<std::int64_t, std::string> person_of;
  for (const auto& p : persons) {
    for (const auto r : p.patient_refs) person_of[r] = p.id;
  }
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::vector<const index::PatientRow*>>>
      buckets;
  for (const auto& p : patients) {
    const std::string name = normalised_name(p.patient_name);
    if (name.empty() || p.birth_date.empty()) continue;
    auto it = person_of.find(p.id);
    const std::string unit = it != person_of.end() ? "p:" + it->second : "r:" + std::to_string(p.id);
    buckets[{name, p.birth_date}][unit].push_back(&p);
  }
  auto apart = [&](const std::vector<const index::PatientRow*>& a,
                   const std::vector<const index::PatientRow*>& b) {
    for (const auto* x : a) {
      for (const auto* y : b) {
        if (dismissed.count({std::min(x->id, y->id), std::max(x->id, y->id)})) return true;
      }
    }
    return false;
  };
  std::vector<PersonSuggestion> out;
  for (auto& [identity, units] : buckets) {
    std::vector<std::vector<const index::PatientRow*>> left;
    for (auto& [unit, members] : units) left.push_back(members);
    // Greedy: gather the units none of which the owner set apart from another; repeat with
    // those left out.
    while (left.size() >= 2) {
      std::vector<std::vector<const index::PatientRow*>> taken{left.front()}, rest;
      for (std::size_t i = 1; i < left.size(); ++i) {
        const bool ok = std::none_of(taken.begin(), taken.end(),
                                     [&](const auto& t) { return apart(t, left[i]); });
        (ok ? taken : rest).push_back(left[i]);
      }
      if (taken.size() >= 2) {
        PersonSuggestion s;
        for (const auto& unit : taken) {
          for (const auto* p : unit) s.patients.push_back(person_patient(*p));
        }
        out.push_back(std::move(s));
      }
      left = std::move(rest);
    }
  }
  return out;
}

Result<PersonLinks> Vault::person_links(const Caller& caller) {
  if (auto s = require(caller, Permission::kRead, "person.list"); !s) return fail(s.error());
  PersonLinks out;
  audit::Uids uids;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto persons = read_persons(txn);
    if (!persons) return fail(persons.error());
    out.persons = std::move(*persons);
    auto patients = txn.patients();
    auto rows = txn.persons();
    auto dismissals = txn.person_dismissals();
    auto studies = txn.studies();
    if (!patients) return fail(patients.error());
    if (!rows) return fail(rows.error());
    if (!dismissals) return fail(dismissals.error());
    if (!studies) return fail(studies.error());
    out.suggestions = suggest_person_links(*patients, *rows, *dismissals);
    std::set<std::int64_t> shown;
    for (const auto& p : out.persons) {
      for (const auto& m : p.patients) shown.insert(m.ref);
    }
    for (const auto& g : out.suggestions) {
      for (const auto& m : g.patients) shown.insert(m.ref);
    }
    for (const auto& st : *studies) {
      if (shown.count(st.patient_ref)) uids.studies.push_back(st.study_uid);
    }
    return {};
  });
  if (!s) return fail(s.error());
  if (auto r = record(caller, "person.list", std::move(uids), audit::Outcome::kSuccess,
                      std::to_string(out.persons.size()) + " persons, " +
                          std::to_string(out.suggestions.size()) + " suggestions");
      !r) {
    return fail(r.error());
  }
  return out;
}

// Each change: resolve, change, and append its audit entry in one index transaction (the
// audit head stored with the change); on failure a failure entry is recorded instead.
Result<Person> Vault::link_persons(const Caller& caller, std::span<const PatientKey> patients) {
  if (auto s = require(caller, Permission::kLinkPersons, "person.link"); !s) return fail(s.error());
  const std::string at = format_utc(clock_.now());
  Person person;
  auto s = index_->write([&](index::WriteTxn& txn) -> Status {
    auto refs = resolve(txn, patients);
    if (!refs) return fail(refs.error());
    auto id = txn.link_patients(*refs, who(caller), at);
    if (!id) return fail(id.error());
    auto persons = read_persons(txn);
    if (!persons) return fail(persons.error());
    auto it = std::find_if(persons->begin(), persons->end(), [&](const Person& p) { return p.id == *id; });
    if (it == persons->end()) return fail(ErrorCode::kInternal, "person " + *id + " vanished");
    person = *it;
    std::vector<std::int64_t> members;
    for (const auto& m : person.patients) members.push_back(m.ref);
    auto e = change_entry(txn, "person.link", *id, members);
    if (!e) return fail(e.error());
    auto head = append_audit(caller, std::span(&*e, 1));
    if (!head) return fail(head.error());
    return *head ? txn.set_meta(kAuditHeadKey, **head) : Status{};
  });
  if (!s) {
    (void)record(caller, "person.link", {}, audit::Outcome::kFailure, s.error().message);
    return fail(s.error());
  }
  return person;
}

Status Vault::unlink_person(const Caller& caller, const std::string& person_id,
                            const std::optional<PatientKey>& patient) {
  if (auto s = require(caller, Permission::kLinkPersons, "person.unlink"); !s) return s;
  auto s = index_->write([&](index::WriteTxn& txn) -> Status {
    std::optional<std::int64_t> ref;
    if (patient) {
      auto r = resolve(txn, std::span(&*patient, 1));
      if (!r) return fail(r.error());
      ref = r->front();
    }
    auto persons = txn.persons();
    if (!persons) return fail(persons.error());
    std::vector<std::int64_t> concerned;
    for (const auto& p : *persons) {
      if (p.id == person_id) concerned = p.patient_refs;
    }
    if (ref) concerned = {*ref};
    if (auto u = txn.unlink_person(person_id, ref); !u) return u;
    auto e = change_entry(txn, "person.unlink", person_id.substr(0, 64), concerned);
    if (!e) return fail(e.error());
    auto head = append_audit(caller, std::span(&*e, 1));
    if (!head) return fail(head.error());
    return *head ? txn.set_meta(kAuditHeadKey, **head) : Status{};
  });
  if (!s) (void)record(caller, "person.unlink", {}, audit::Outcome::kFailure, s.error().message);
  return s;
}

Status Vault::dismiss_persons(const Caller& caller, std::span<const PatientKey> patients) {
  if (auto s = require(caller, Permission::kLinkPersons, "person.dismiss"); !s) return s;
  const std::string at = format_utc(clock_.now());
  auto s = index_->write([&](index::WriteTxn& txn) -> Status {
    auto refs = resolve(txn, patients);
    if (!refs) return fail(refs.error());
    if (auto d = txn.dismiss_patients(*refs, who(caller), at); !d) return d;
    auto e = change_entry(txn, "person.dismiss", "", *refs);
    if (!e) return fail(e.error());
    auto head = append_audit(caller, std::span(&*e, 1));
    if (!head) return fail(head.error());
    return *head ? txn.set_meta(kAuditHeadKey, **head) : Status{};
  });
  if (!s) (void)record(caller, "person.dismiss", {}, audit::Outcome::kFailure, s.error().message);
  return s;
}

}  // namespace custos::vault

// Person links as the vault hands them out: one person over several hospitals' Patient IDs,
// confirmed by the owner, and the links the vault suggests (docs/adr/0012-person-links.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "index/records.h"

namespace custos::vault {

// A patient as a hospital recorded it: the index tells patients apart by all three.
struct PatientKey {
  std::string patient_id;
  std::string name;        // DICOM PN as stored ("Doe^Jane")
  std::string birth_date;  // YYYYMMDD or empty
  friend bool operator==(const PatientKey&, const PatientKey&) = default;
};

struct PersonPatient {
  PatientKey key;
  std::int64_t ref = 0;  // the index's row id (audit entries name patients by it)
  long studies = 0;      // outside the trash
};

struct Person {
  std::string id;
  std::vector<PersonPatient> patients;
  std::string confirmed_by;
  std::string confirmed_at;  // UTC
};

// Patients that are probably one person: the same name (case, order of the name's parts,
// spaces and DICOM separators ignored) and the same birth date under different Patient IDs,
// not linked to each other and not dismissed by the owner.
struct PersonSuggestion {
  std::vector<PersonPatient> patients;
};

struct PersonLinks {
  std::vector<Person> persons;
  std::vector<PersonSuggestion> suggestions;
};

// The name as compared for suggestions: "DOE^JANE" and "jane  doe" give "doe jane".
[[nodiscard]] std::string normalised_name(std::string_view dicom_name);

// The suggestions for these patients, persons and dismissals (pure; vault/persons.cc).
[[nodiscard]] std::vector<PersonSuggestion> suggest_person_links(
    std::span<const index::PatientRow> patients, std::span<const index::PersonRow> persons,
    std::span<const index::PersonDismissal> dismissals);

}  // namespace custos::vault

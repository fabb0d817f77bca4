// The searchable index of what the vault holds. Backends: SQLite (embedded default);
// PostgreSQL later. Callers work inside transactions the index owns.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "index/records.h"

namespace custos::index {

// Read access within one consistent snapshot.
class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  [[nodiscard]] virtual Result<std::vector<StudyRow>> studies() = 0;
  [[nodiscard]] virtual Result<std::optional<StudyRow>> study(const std::string& study_uid) = 0;
  [[nodiscard]] virtual Result<std::vector<PatientRow>> patients() = 0;
  [[nodiscard]] virtual Result<std::vector<StudyRow>> studies_of_patient(
      const std::string& patient_id) = 0;
  [[nodiscard]] virtual Result<std::vector<SeriesRow>> series_of(const std::string& study_uid) = 0;
  [[nodiscard]] virtual Result<std::optional<SeriesRow>> series(const std::string& series_uid) = 0;
  [[nodiscard]] virtual Result<std::vector<InstanceRow>> instances_of(
      const std::string& series_uid) = 0;
  // The instances of one series within one study (a damaged file may reuse a Series UID
  // under another study; each study keeps its own).
  [[nodiscard]] virtual Result<std::vector<InstanceRow>> instances_in(
      const std::string& study_uid, const std::string& series_uid) = 0;
  // Every stored version of a SOP Instance UID (more than one after a conflict).
  [[nodiscard]] virtual Result<std::vector<InstanceRow>> instances_by_sop(
      const std::string& sop_uid) = 0;
  // Studies in the trash (every other listing and UID lookup leaves them out).
  [[nodiscard]] virtual Result<std::vector<StudyRow>> trashed_studies() = 0;
  // Any stored instance with these bytes, in the trash or not (deduplication, verify).
  [[nodiscard]] virtual Result<std::optional<InstanceRow>> instance_by_sha256(
      const std::string& sha256) = 0;
  // Every instance, in storage order, passed to fn one at a time.
  [[nodiscard]] virtual Status for_each_instance(
      const std::function<Status(const InstanceRow&)>& fn) = 0;
  [[nodiscard]] virtual Result<long> instance_count() = 0;
  // Small named values the vault keeps with its data (the audit chain's head and id).
  [[nodiscard]] virtual Result<std::optional<std::string>> meta(const std::string& key) = 0;

  // Accounts and API tokens (vault/accounts.cc gives them meaning).
  [[nodiscard]] virtual Result<std::optional<UserRow>> user(const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::vector<UserRow>> users() = 0;
  [[nodiscard]] virtual Result<std::optional<TokenRow>> token(const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::optional<TokenRow>> token_by_hash(
      const std::string& sha256_hex) = 0;
  [[nodiscard]] virtual Result<std::vector<TokenRow>> tokens() = 0;

  // Person links (docs/adr/0012-person-links.md): the confirmed persons, oldest first, and
  // the pairs of patients the owner said are not one person.
  [[nodiscard]] virtual Result<std::vector<PersonRow>> persons() = 0;
  [[nodiscard]] virtual Result<std::vector<PersonDismissal>> person_dismissals() = 0;
};

class WriteTxn : public ReadTxn {
 public:
  // Adds one instance, creating its patient, study and series rows when new.
  // kDuplicate: this SOP Instance UID with these bytes is already stored (nothing written).
  // kConflict: the UID is stored with other bytes; this version is added beside it.
  [[nodiscard]] virtual Result<AddOutcome> add_instance(const InstanceRecord& record) = 0;
  [[nodiscard]] virtual Status set_meta(const std::string& key, const std::string& value) = 0;
  // Moves a study into the trash (`at` a UTC time, `by` who) or, with `at` empty, out of
  // it. kNotFound when there is no such study on that side of the trash.
  [[nodiscard]] virtual Status set_trashed(const std::string& study_uid, const std::string& at,
                                           const std::string& by) = 0;

  // kConflict when the name is taken.
  [[nodiscard]] virtual Status add_user(const UserRow& row) = 0;
  // Replaces every field of the user named row.name. kNotFound when there is none.
  [[nodiscard]] virtual Status update_user(const UserRow& row) = 0;
  // kNotFound when there is none.
  [[nodiscard]] virtual Status remove_user(const std::string& name) = 0;
  // kConflict when the name (or, astronomically unlikely, the hash) is taken.
  [[nodiscard]] virtual Status add_token(const TokenRow& row) = 0;
  // Replaces user, read_only, last_used and revoked of the token named row.name. kNotFound.
  [[nodiscard]] virtual Status update_token(const TokenRow& row) = 0;

  // Links the patients (PatientRow::id, at least two distinct) into one person. A patient
  // already in a person brings that person along: they merge, the oldest keeps its id.
  // Dismissals between the members are dropped. Returns the person's id.
  // kInvalidArgument: fewer than two patients; kNotFound: a ref names no patient.
  [[nodiscard]] virtual Result<std::string> link_patients(std::span<const std::int64_t> refs,
                                                         const std::string& by,
                                                         const std::string& at) = 0;
  // Undoes a person: every member stands alone again; with `patient_ref`, only that member
  // leaves (a person left with one member is undone). kNotFound: no such person or member.
  [[nodiscard]] virtual Status unlink_person(const std::string& person_id,
                                             std::optional<std::int64_t> patient_ref) = 0;
  // Records that no two of these patients are one person (every pair). Same errors as
  // link_patients.
  [[nodiscard]] virtual Status dismiss_patients(std::span<const std::int64_t> refs,
                                                const std::string& by, const std::string& at) = 0;
};

// Thread-safe. read/write run fn inside a transaction: commit when fn succeeds (durable
// before write() returns), roll back when it fails. fn must not keep the txn reference.
class Index {
 public:
  virtual ~Index() = default;
  [[nodiscard]] virtual Status read(const std::function<Status(ReadTxn&)>& fn) = 0;
  [[nodiscard]] virtual Status write(const std::function<Status(WriteTxn&)>& fn) = 0;
};

}  // namespace custos::index

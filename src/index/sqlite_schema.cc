#include "index/sqlite_schema.h"

#include <array>

namespace custos::index {
namespace {

// Patients are told apart by ID, name and birth date together: IDs are only unique within
// one hospital, and one person has different IDs at different hospitals.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE patients (
  id          INTEGER PRIMARY KEY,
  patient_id  TEXT NOT NULL,
  name        TEXT NOT NULL,
  birth_date  TEXT NOT NULL,
  sex         TEXT NOT NULL,
  UNIQUE (patient_id, name, birth_date)
);
CREATE TABLE studies (
  id                  INTEGER PRIMARY KEY,
  study_uid           TEXT NOT NULL UNIQUE,
  patient_ref         INTEGER NOT NULL REFERENCES patients(id),
  study_date          TEXT NOT NULL,
  study_time          TEXT NOT NULL,
  accession_number    TEXT NOT NULL,
  description         TEXT NOT NULL,
  referring_physician TEXT NOT NULL,
  study_id            TEXT NOT NULL,
  institution         TEXT NOT NULL
);
CREATE INDEX studies_by_patient ON studies(patient_ref);
CREATE INDEX studies_by_date ON studies(study_date);
CREATE TABLE series (
  id             INTEGER PRIMARY KEY,
  series_uid     TEXT NOT NULL,
  study_ref      INTEGER NOT NULL REFERENCES studies(id),
  series_number  INTEGER,
  description    TEXT NOT NULL,
  modality       TEXT NOT NULL,
  series_date    TEXT NOT NULL,
  body_part      TEXT NOT NULL
);
-- A series belongs to one study; a file that names a known Series UID under another study
-- (damaged or badly made) gets its own series row there rather than joining the other study.
CREATE UNIQUE INDEX series_by_study ON series(study_ref, series_uid);
CREATE INDEX series_by_uid ON series(series_uid);
CREATE TABLE instances (
  id                  INTEGER PRIMARY KEY,
  series_ref          INTEGER NOT NULL REFERENCES series(id),
  sop_uid             TEXT NOT NULL,
  sha256              TEXT NOT NULL UNIQUE,
  sop_class_uid       TEXT NOT NULL,
  transfer_syntax_uid TEXT NOT NULL,
  instance_number     INTEGER,
  number_of_frames    INTEGER,
  rows                INTEGER,
  columns             INTEGER,
  size                INTEGER NOT NULL,
  received_at         TEXT NOT NULL,
  source              TEXT NOT NULL,
  flags               TEXT NOT NULL
);
CREATE INDEX instances_by_sop ON instances(sop_uid);
CREATE INDEX instances_by_series ON instances(series_ref);
)sql";

// Named values kept with the data, in the same transactions (the audit chain's head).
constexpr std::string_view kV2 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Accounts for the server and API tokens (docs/adr/0007-identity-and-access.md). Secrets are
// kept only as hashes, except the TOTP seed, which the (SQLCipher-encrypted) index holds.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE users (
  id                   INTEGER PRIMARY KEY,
  name                 TEXT NOT NULL UNIQUE,
  role                 TEXT NOT NULL,
  password_hash        TEXT NOT NULL,
  totp_secret          TEXT NOT NULL DEFAULT '',
  totp_last_step       INTEGER NOT NULL DEFAULT 0,
  recovery_code_hashes TEXT NOT NULL DEFAULT '',
  created              INTEGER NOT NULL,
  disabled             INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE api_tokens (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  user_name  TEXT NOT NULL,
  sha256     TEXT NOT NULL UNIQUE,
  read_only  INTEGER NOT NULL DEFAULT 0,
  created    INTEGER NOT NULL,
  last_used  INTEGER,
  revoked    INTEGER NOT NULL DEFAULT 0
);
)sql";

// The trash: a study deleted by the owner is hidden from every listing until restored; its
// rows and files stay (docs/formats/vault.md).
constexpr std::string_view kV4 = R"sql(
ALTER TABLE studies ADD COLUMN trashed_at TEXT;
ALTER TABLE studies ADD COLUMN trashed_by TEXT;
)sql";

// Attributes QIDO-RS returns (PS3.18 Tables 10.6.3-3 and -5). Rows stored before this
// migration have them empty (NULL bits allocated) until re-imported.
constexpr std::string_view kV5 = R"sql(
ALTER TABLE studies ADD COLUMN timezone_offset TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN bits_allocated INTEGER;
)sql";

// Person links (docs/adr/0012-person-links.md): the owner confirms that patients (one per
// hospital's Patient ID) are one person, or that they are not. Only these rows say so; the
// patients rows and the stored files never change.
constexpr std::string_view kV6 = R"sql(
CREATE TABLE persons (
  id           TEXT PRIMARY KEY,
  confirmed_by TEXT NOT NULL,
  confirmed_at TEXT NOT NULL
);
CREATE TABLE person_members (
  patient_ref INTEGER PRIMARY KEY REFERENCES patients(id),
  person      TEXT NOT NULL REFERENCES persons(id)
);
CREATE INDEX person_members_by_person ON person_members(person);
CREATE TABLE person_dismissals (
  patient_a    INTEGER NOT NULL REFERENCES patients(id),
  patient_b    INTEGER NOT NULL REFERENCES patients(id),
  dismissed_by TEXT NOT NULL,
  dismissed_at TEXT NOT NULL,
  PRIMARY KEY (patient_a, patient_b),
  CHECK (patient_a < patient_b)
);
)sql";

constexpr std::array<std::string_view, 6> kMigrations = {kV1, kV2, kV3, kV4, kV5, kV6};

}  // namespace

std::span<const std::string_view> sqlite_migrations() { return kMigrations; }

}  // namespace custos::index

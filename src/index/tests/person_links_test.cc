// Person links in the SQLite index: link, merge, unlink, dismiss; a failed transaction
// leaves no part of a link; an index of schema v5 upgrades with its data kept.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/fault_injection_env.h"
#include "index/sqlite_env_vfs.h"
#include "index/sqlite_index.h"
#include "index/sqlite_schema.h"

namespace custos::index {
namespace {
namespace fs = std::filesystem;

InstanceRecord record(const std::string& patient_id, const std::string& name, int n) {
  InstanceRecord r;
  r.patient_name = name;
  r.patient_id = patient_id;
  r.patient_birth_date = "19700101";
  r.study_uid = "2.25." + std::to_string(n);
  r.series_uid = r.study_uid + ".1";
  r.modality = "CT";
  r.sop_uid = r.series_uid + ".1";
  r.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  r.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  const std::string sha = std::to_string(n);
  r.sha256 = std::string(64 - sha.size(), '0') + sha;
  r.size = 10;
  r.received_at = "2026-01-01T00:00:00.000Z";
  r.source = "test";
  return r;
}

class PersonLinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custos-persons-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    index_.reset();
    fs::remove_all(dir_);
  }
  void open(const std::string& vfs = "") {
    index_.reset();
    auto idx = SqliteIndex::open({dir_ / "index.db", true, vfs});
    ASSERT_TRUE(idx) << idx.error().message;
    index_ = std::move(*idx);
  }
  // Four patients: H1 and H2 are Jane Doe at two hospitals, K9 and K10 are John Doe.
  std::vector<std::int64_t> add_patients() {
    int n = 0;
    for (const auto& [id, name] : std::vector<std::pair<std::string, std::string>>{
             {"H1", "Doe^Jane"}, {"H2", "DOE^JANE"}, {"K9", "Doe^John"}, {"K10", "Doe^John"}}) {
      EXPECT_TRUE(index_->write([&](WriteTxn& txn) -> Status {
        auto o = txn.add_instance(record(id, name, ++n));
        if (!o) return fail(o.error());
        return {};
      }));
    }
    std::vector<std::int64_t> refs;
    for (const auto& id : {"H1", "H2", "K9", "K10"}) {
      for (const auto& p : patients()) {
        if (p.patient_id == id) refs.push_back(p.id);
      }
    }
    return refs;
  }
  std::vector<PatientRow> patients() {
    std::vector<PatientRow> out;
    EXPECT_TRUE(index_->read([&](ReadTxn& txn) -> Status {
      auto r = txn.patients();
      if (!r) return fail(r.error());
      out = *r;
      return {};
    }));
    return out;
  }
  std::vector<PersonRow> persons() {
    std::vector<PersonRow> out;
    EXPECT_TRUE(index_->read([&](ReadTxn& txn) -> Status {
      auto r = txn.persons();
      if (!r) return fail(r.error());
      out = *r;
      return {};
    }));
    return out;
  }
  Result<std::string> link(std::vector<std::int64_t> refs, const std::string& by = "alice") {
    std::string id;
    auto s = index_->write([&](WriteTxn& txn) -> Status {
      auto r = txn.link_patients(refs, by, "2026-12-06T10:00:00Z");
      if (!r) return fail(r.error());
      id = *r;
      return {};
    });
    if (!s) return fail(s.error());
    return id;
  }
  Status unlink(const std::string& id, std::optional<std::int64_t> ref = std::nullopt) {
    return index_->write([&](WriteTxn& txn) { return txn.unlink_person(id, ref); });
  }

  fs::path dir_;
  std::unique_ptr<SqliteIndex> index_;
};

TEST_F(PersonLinksTest, LinksTwoPatientsAndStudiesCarryThePerson) {
  open();
  const auto refs = add_patients();
  ASSERT_EQ(refs.size(), 4u);
  auto id = link({refs[1], refs[0]});
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->size(), 16u);
  const auto all = persons();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, *id);
  EXPECT_EQ(all[0].patient_refs, (std::vector<std::int64_t>{refs[0], refs[1]}));
  EXPECT_EQ(all[0].confirmed_by, "alice");
  EXPECT_EQ(all[0].confirmed_at, "2026-12-06T10:00:00Z");
  long linked = 0;
  ASSERT_TRUE(index_->read([&](ReadTxn& txn) -> Status {
    const auto studies = txn.studies().value();
    for (const auto& s : studies) {
      if (s.patient_id == "H1" || s.patient_id == "H2") {
        EXPECT_EQ(s.person, *id);
        ++linked;
      } else {
        EXPECT_EQ(s.person, "");
      }
    }
    return {};
  }));
  EXPECT_EQ(linked, 2);
  for (const auto& p : patients()) EXPECT_EQ(p.person, p.patient_id[0] == 'H' ? *id : "");
  // The link survives a reopen.
  open();
  EXPECT_EQ(persons().size(), 1u);
}

TEST_F(PersonLinksTest, RefusesFewerThanTwoOrUnknownPatients) {
  open();
  const auto refs = add_patients();
  EXPECT_EQ(link({refs[0]}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(link({refs[0], refs[0]}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(link({refs[0], 9999}).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(persons().empty());
}

TEST_F(PersonLinksTest, LinkingAcrossPersonsMergesIntoTheOldest) {
  open();
  const auto refs = add_patients();
  auto first = link({refs[0], refs[1]});
  auto second = link({refs[2], refs[3]}, "bob");
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  auto merged = link({refs[3], refs[1]});
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, *first);
  const auto all = persons();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].patient_refs.size(), 4u);
  EXPECT_EQ(all[0].confirmed_by, "alice");
  // Adding one more patient to a person keeps its id.
  ASSERT_TRUE(unlink(*first, refs[3]));
  ASSERT_EQ(persons().at(0).patient_refs.size(), 3u);
  EXPECT_EQ(link({refs[3], refs[0]}).value(), *first);
  EXPECT_EQ(persons().at(0).patient_refs.size(), 4u);
}

TEST_F(PersonLinksTest, UnlinkUndoesThePersonOrRemovesOneMember) {
  open();
  const auto refs = add_patients();
  auto id = link({refs[0], refs[1], refs[2]});
  ASSERT_TRUE(id);
  EXPECT_EQ(unlink(*id, refs[3]).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(unlink(*id, refs[2]));
  EXPECT_EQ(persons().at(0).patient_refs, (std::vector<std::int64_t>{refs[0], refs[1]}));
  // Removing one of the last two undoes the person.
  ASSERT_TRUE(unlink(*id, refs[1]));
  EXPECT_TRUE(persons().empty());
  EXPECT_EQ(unlink(*id).error().code, ErrorCode::kNotFound);
  id = link({refs[0], refs[1]});
  ASSERT_TRUE(unlink(*id));
  EXPECT_TRUE(persons().empty());
  for (const auto& p : patients()) EXPECT_EQ(p.person, "");
  EXPECT_EQ(patients().size(), 4u);
}

TEST_F(PersonLinksTest, DismissalsAreKeptUntilALinkSaysOtherwise) {
  open();
  const auto refs = add_patients();
  ASSERT_TRUE(index_->write([&](WriteTxn& txn) {
    const std::vector<std::int64_t> pair{refs[1], refs[0]};
    return txn.dismiss_patients(pair, "alice", "2026-12-06T10:00:00Z");
  }));
  auto dismissals = [&] {
    std::vector<PersonDismissal> out;
    EXPECT_TRUE(index_->read([&](ReadTxn& txn) -> Status {
      out = txn.person_dismissals().value();
      return {};
    }));
    return out;
  };
  ASSERT_EQ(dismissals().size(), 1u);
  EXPECT_EQ(dismissals()[0].patient_a, std::min(refs[0], refs[1]));
  EXPECT_EQ(dismissals()[0].patient_b, std::max(refs[0], refs[1]));
  ASSERT_TRUE(link({refs[0], refs[1]}));
  EXPECT_TRUE(dismissals().empty());
}

// A transaction that fails after linking (here: the caller's own step fails) leaves no
// person, no member and no changed dismissal behind.
TEST_F(PersonLinksTest, FailedTransactionLeavesNoPartOfALink) {
  open();
  const auto refs = add_patients();
  auto first = link({refs[0], refs[1]});
  ASSERT_TRUE(first);
  const Status s = index_->write([&](WriteTxn& txn) -> Status {
    const std::vector<std::int64_t> all{refs[0], refs[2], refs[3]};
    if (auto r = txn.link_patients(all, "bob", "2026-12-07T00:00:00Z"); !r) return fail(r.error());
    return fail(ErrorCode::kIoError, "audit append failed");
  });
  ASSERT_FALSE(s);
  const auto after = persons();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].patient_refs, (std::vector<std::int64_t>{refs[0], refs[1]}));
  EXPECT_EQ(after[0].confirmed_by, "alice");
}

// The disk fills while the link is committed: the commit fails as kNoSpace and nothing of
// it is there afterwards, in this connection or after a reopen.
class FaultPersonLinksTest : public PersonLinksTest {};

TEST_F(FaultPersonLinksTest, DiskFullOnCommitLeavesNoPartOfALink) {
  open();
  const auto refs = add_patients();
  index_.reset();
  FaultInjectionEnv env(posix_env());
  auto vfs = EnvVfs::register_vfs("custos-fault-persons", env);
  ASSERT_TRUE(vfs) << vfs.error().message;
  open((*vfs)->name());
  env.fail_next(FaultOp::kWrite, ErrorCode::kNoSpace,
                [](const fs::path& p) { return p.filename() == "index.db-wal"; });
  auto failed = link({refs[0], refs[1], refs[2]});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kNoSpace) << failed.error().message;
  EXPECT_TRUE(persons().empty());
  ASSERT_TRUE(link({refs[0], refs[1]}));
  index_.reset();
  open();
  ASSERT_EQ(persons().size(), 1u);
  EXPECT_EQ(persons()[0].patient_refs.size(), 2u);
}

// An index written by schema v5 (before person links) upgrades in place: patients and
// studies kept, the new tables usable, user_version at the latest.
TEST_F(PersonLinksTest, MigratesAVersion5IndexKeepingItsData) {
  const auto migrations = sqlite_migrations();
  ASSERT_EQ(migrations.size(), 6u);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "index.db").c_str(), &db), SQLITE_OK);
    std::string sql;
    for (std::size_t i = 0; i < 5; ++i) sql += std::string(migrations[i]);
    sql += "INSERT INTO patients(id, patient_id, name, birth_date, sex) VALUES "
           "(1, 'H1', 'Doe^Jane', '19700101', 'F'), (2, 'H2', 'Doe^Jane', '19700101', 'F');"
           "INSERT INTO studies(study_uid, patient_ref, study_date, study_time, accession_number,"
           " description, referring_physician, study_id, institution) VALUES"
           " ('2.25.1', 1, '20190101', '', '', 'Chest', '', '', ''),"
           " ('2.25.2', 2, '20240101', '', '', 'Knee', '', '', '');"
           "INSERT INTO meta(key, value) VALUES ('audit.head', '3:abc');"
           "PRAGMA user_version = 5;";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  open();
  EXPECT_EQ(patients().size(), 2u);
  EXPECT_TRUE(persons().empty());
  ASSERT_TRUE(index_->read([](ReadTxn& txn) -> Status {
    EXPECT_EQ(txn.studies().value().size(), 2u);
    EXPECT_EQ(txn.meta("audit.head").value().value_or(""), "3:abc");
    return {};
  }));
  auto id = link({1, 2});
  ASSERT_TRUE(id) << id.error().message;
  index_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "index.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 6);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace custos::index

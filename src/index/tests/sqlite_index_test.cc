#include "index/sqlite_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace custos::index {
namespace {
namespace fs = std::filesystem;

InstanceRecord record(const std::string& study, const std::string& series, const std::string& sop,
                      const std::string& sha, const std::string& modality = "CT") {
  InstanceRecord r;
  r.patient_name = "Doe^Jane";
  r.patient_id = "P1";
  r.patient_birth_date = "19800101";
  r.patient_sex = "F";
  r.study_uid = study;
  r.study_date = "20190314";
  r.study_description = "Chest";
  r.timezone_offset = "+0100";
  r.body_part_examined = "CHEST";
  r.series_uid = series;
  r.series_number = 1;
  r.modality = modality;
  r.sop_uid = sop;
  r.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  r.bits_allocated = 16;
  r.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  r.sha256 = sha;
  r.size = 100;
  r.received_at = "2026-01-01T00:00:00.000Z";
  r.source = "test";
  return r;
}

class SqliteIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custos-index-XXXXXX";
    dir_ = mkdtemp(tmpl);
    reopen();
  }
  void TearDown() override {
    index_.reset();
    fs::remove_all(dir_);
  }
  void reopen() {
    index_.reset();
    auto idx = SqliteIndex::open({dir_ / "index.db", true});
    ASSERT_TRUE(idx) << idx.error().message;
    index_ = std::move(*idx);
  }
  AddOutcome add(const InstanceRecord& r) {
    AddOutcome out{};
    EXPECT_TRUE(index_->write([&](WriteTxn& txn) -> Status {
      auto o = txn.add_instance(r);
      if (!o) return fail(o.error());
      out = *o;
      return {};
    }));
    return out;
  }
  std::vector<StudyRow> studies() {
    std::vector<StudyRow> rows;
    EXPECT_TRUE(index_->read([&](ReadTxn& txn) -> Status {
      auto r = txn.studies();
      if (!r) return fail(r.error());
      rows = *r;
      return {};
    }));
    return rows;
  }

  fs::path dir_;
  std::unique_ptr<SqliteIndex> index_;
};

TEST_F(SqliteIndexTest, AddsTheHierarchyOnce) {
  EXPECT_EQ(add(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'a'))), AddOutcome::kAdded);
  EXPECT_EQ(add(record("1.1", "1.1.1", "1.1.1.2", std::string(64, 'b'))), AddOutcome::kAdded);
  EXPECT_EQ(add(record("1.1", "1.1.2", "1.1.2.1", std::string(64, 'c'), "PT")), AddOutcome::kAdded);
  const auto rows = studies();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].series_count, 2);
  EXPECT_EQ(rows[0].instance_count, 3);
  EXPECT_EQ(rows[0].bytes, 300u);
  EXPECT_EQ(rows[0].modalities, (std::vector<std::string>{"CT", "PT"}));
  EXPECT_EQ(rows[0].patient_name, "Doe^Jane");
  EXPECT_EQ(rows[0].timezone_offset, "+0100");
  std::vector<InstanceRow> in;
  ASSERT_TRUE(index_->read([&](ReadTxn& txn) -> Status {
    auto r = txn.instances_by_sop("1.1.1.2");
    if (!r) return fail(r.error());
    in = *r;
    return {};
  }));
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].bits_allocated, 16);
}

TEST_F(SqliteIndexTest, SameBytesAreADuplicate) {
  EXPECT_EQ(add(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'a'))), AddOutcome::kAdded);
  EXPECT_EQ(add(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'a'))), AddOutcome::kDuplicate);
  EXPECT_EQ(studies().at(0).instance_count, 1);
}

TEST_F(SqliteIndexTest, SameUidOtherBytesIsAConflictKeptBeside) {
  EXPECT_EQ(add(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'a'))), AddOutcome::kAdded);
  EXPECT_EQ(add(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'b'))), AddOutcome::kConflict);
  std::vector<InstanceRow> versions;
  ASSERT_TRUE(index_->read([&](ReadTxn& txn) -> Status {
    auto r = txn.instances_by_sop("1.1.1.1");
    if (!r) return fail(r.error());
    versions = *r;
    return {};
  }));
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].sha256, std::string(64, 'a'));
  EXPECT_EQ(versions[1].sha256, std::string(64, 'b'));
  // Counts are of instances (SOP Instance UIDs), not of stored versions; bytes are of all.
  EXPECT_EQ(studies().at(0).instance_count, 1);
  EXPECT_EQ(studies().at(0).bytes, 200u);
}

TEST_F(SqliteIndexTest, FailedTransactionLeavesNothing) {
  const Status s = index_->write([&](WriteTxn& txn) -> Status {
    auto o = txn.add_instance(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'a')));
    if (!o) return fail(o.error());
    return fail(ErrorCode::kIoError, "injected failure after the insert");
  });
  EXPECT_FALSE(s);
  EXPECT_TRUE(studies().empty());
}

TEST_F(SqliteIndexTest, CommittedRowsSurviveReopen) {
  add(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'a')));
  reopen();
  EXPECT_EQ(studies().size(), 1u);
}

TEST_F(SqliteIndexTest, UsesWalWithFullSync) {
  // WAL with synchronous=FULL is what makes a returned commit durable.
  add(record("1.1", "1.1.1", "1.1.1.1", std::string(64, 'a')));
  EXPECT_TRUE(fs::exists(dir_ / "index.db-wal"));
}

TEST_F(SqliteIndexTest, TextIsStoredAsGiven) {
  auto r = record("1.2", "1.2.1", "1.2.1.1", std::string(64, 'd'));
  r.patient_name = "Müller^Zoë=山田^太郎";
  add(r);
  EXPECT_EQ(studies().at(0).patient_name, "Müller^Zoë=山田^太郎");
}

}  // namespace
}  // namespace custos::index

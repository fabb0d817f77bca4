// SqliteIndex over EnvVfs and a FaultInjectionEnv: a returned commit survives a power cut
// at every sync point (WAL, synchronous=FULL), failures of the WAL's write or sync fail
// the commit with an error naming the index, and with fsync a no-op commits are lost.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>

#include "base/fault_injection_env.h"
#include "index/sqlite_env_vfs.h"
#include "index/sqlite_index.h"

namespace custos::index {
namespace {
namespace fs = std::filesystem;

InstanceRecord record(int n) {
  InstanceRecord r;
  r.patient_name = "Fault^Test";
  r.patient_id = "P1";
  r.study_uid = "2.25.77";
  r.series_uid = "2.25.77.1";
  r.modality = "CT";
  r.sop_uid = "2.25.77.1." + std::to_string(n);
  r.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  r.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  std::string sha = std::to_string(n);
  r.sha256 = std::string(64 - sha.size(), '0') + sha;
  r.size = 100;
  r.received_at = "2026-01-01T00:00:00.000Z";
  r.source = "test";
  return r;
}

std::string unique_vfs_name() {
  static std::atomic<int> n{0};
  return "custos-fault-index-" + std::to_string(++n);
}

class FaultSqliteIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custos-indexfault-XXXXXX";
    dir_ = mkdtemp(tmpl);
    // The empty, migrated index, made durably through the plain file system.
    auto idx = SqliteIndex::open({dir_ / "template.db", true});
    ASSERT_TRUE(idx) << idx.error().message;
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct Run {
    long acknowledged = 0;
    long sync_points = 0;
    Error last_error;
  };
  // Fresh copy of the template; `commits` transactions of one row each through the fault
  // env (power cut after `crash_after` sync points when >= 0); the index closed; the
  // power cut applied.
  Run run(int commits, long crash_after, bool noop = false) {
    // A WAL left by the last run would be replayed into the fresh copy.
    for (const char* name : {"index.db", "index.db-wal", "index.db-shm"}) fs::remove(dir_ / name);
    fs::copy_file(dir_ / "template.db", dir_ / "index.db");
    FaultInjectionEnv env(posix_env());
    env.set_real_syncs(false);
    env.set_fsync_is_noop(noop);
    auto vfs = EnvVfs::register_vfs(unique_vfs_name(), env);
    EXPECT_TRUE(vfs) << vfs.error().message;
    Run r;
    {
      if (crash_after >= 0) env.crash_after_syncs(crash_after);
      auto idx = SqliteIndex::open({dir_ / "index.db", false, (*vfs)->name()});
      if (!idx) {
        r.last_error = idx.error();
      } else {
        for (int i = 0; i < commits; ++i) {
          auto s = (*idx)->write([&](WriteTxn& txn) -> Status {
            auto o = txn.add_instance(record(i));
            if (!o) return fail(o.error());
            return {};
          });
          if (!s) {
            r.last_error = s.error();
            break;
          }
          ++r.acknowledged;
        }
      }
    }
    r.sync_points = env.sync_points();
    EXPECT_TRUE(env.drop_unsynced());
    return r;
  }
  // The rows a plain reopen finds, as record numbers in storage order.
  std::vector<int> rows_after_reopen() {
    std::vector<int> out;
    auto idx = SqliteIndex::open({dir_ / "index.db", false});
    EXPECT_TRUE(idx) << idx.error().message;
    if (!idx) return out;
    EXPECT_TRUE((*idx)->read([&](ReadTxn& txn) -> Status {
      return txn.for_each_instance([&](const InstanceRow& row) -> Status {
        out.push_back(std::stoi(row.sha256));
        return {};
      });
    }));
    return out;
  }

  fs::path dir_;
};

TEST_F(FaultSqliteIndexTest, CommitsSurviveAPowerCutAtEverySyncPoint) {
  constexpr int kCommits = 5;
  const long total = run(kCommits, -1).sync_points;
  ASSERT_GE(total, kCommits) << "every commit syncs the WAL";
  for (long k = 0; k <= total; ++k) {
    const Run r = run(kCommits, k);
    const std::vector<int> rows = rows_after_reopen();
    // Every acknowledged commit is there; at most the one in flight besides; in order.
    ASSERT_GE(static_cast<long>(rows.size()), r.acknowledged) << "k=" << k;
    ASSERT_LE(static_cast<long>(rows.size()), r.acknowledged + 1) << "k=" << k;
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i], static_cast<int>(i));
  }
}

TEST_F(FaultSqliteIndexTest, NegativeControlLosesCommitsWhenFsyncIsANoop) {
  const Run r = run(3, -1, true);
  ASSERT_EQ(r.acknowledged, 3);
  EXPECT_LT(static_cast<long>(rows_after_reopen().size()), r.acknowledged)
      << "the power-cut model is blind";
}

TEST_F(FaultSqliteIndexTest, FailedWalSyncFailsTheCommitAndARetrySucceeds) {
  fs::copy_file(dir_ / "template.db", dir_ / "index.db");
  FaultInjectionEnv env(posix_env());
  auto vfs = EnvVfs::register_vfs(unique_vfs_name(), env);
  ASSERT_TRUE(vfs);
  {
    auto idx = SqliteIndex::open({dir_ / "index.db", false, (*vfs)->name()});
    ASSERT_TRUE(idx) << idx.error().message;
    auto add = [&](int n) {
      return (*idx)->write([&](WriteTxn& txn) -> Status {
        auto o = txn.add_instance(record(n));
        if (!o) return fail(o.error());
        return {};
      });
    };
    env.fail_next(FaultOp::kSync, ErrorCode::kIoError,
                  [](const fs::path& p) { return p.filename() == "index.db-wal"; });
    const Status failed = add(0);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::kIoError);
    EXPECT_NE(failed.error().message.find("index.db"), std::string::npos) << failed.error().message;
    ASSERT_TRUE(add(1));
  }
  ASSERT_TRUE(env.drop_unsynced());
  const std::vector<int> rows = rows_after_reopen();
  EXPECT_NE(std::find(rows.begin(), rows.end(), 1), rows.end());
}

TEST_F(FaultSqliteIndexTest, DiskFullOnTheWalFailsTheCommitAsNoSpace) {
  fs::copy_file(dir_ / "template.db", dir_ / "index.db");
  FaultInjectionEnv env(posix_env());
  auto vfs = EnvVfs::register_vfs(unique_vfs_name(), env);
  ASSERT_TRUE(vfs);
  auto idx = SqliteIndex::open({dir_ / "index.db", false, (*vfs)->name()});
  ASSERT_TRUE(idx) << idx.error().message;
  env.fail_next(FaultOp::kWrite, ErrorCode::kNoSpace,
                [](const fs::path& p) { return p.filename() == "index.db-wal"; });
  const Status s = (*idx)->write([&](WriteTxn& txn) -> Status {
    auto o = txn.add_instance(record(0));
    if (!o) return fail(o.error());
    return {};
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNoSpace) << s.error().message;
  EXPECT_NE(s.error().message.find("index.db"), std::string::npos) << s.error().message;
}

TEST_F(FaultSqliteIndexTest, FaultVfsNameIsUnique) {
  FaultInjectionEnv env(posix_env());
  auto a = EnvVfs::register_vfs("custos-fault-dup", env);
  ASSERT_TRUE(a);
  auto b = EnvVfs::register_vfs("custos-fault-dup", env);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace custos::index

// The power-cut model of FaultInjectionEnv, checked on single files and directories: the
// durability tests of the blob store, index and vault are only as good as this model.
#include "base/fault_injection_env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/posix_file.h"

namespace custos {
namespace {
namespace fs = std::filesystem;

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custos-faultenv-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Creates `path` with `text` through the env, synced (data only).
  void write_synced(const fs::path& path, const std::string& text) {
    auto f = env_.new_writable_file(path);
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_TRUE((*f)->append(as_bytes(text)));
    ASSERT_TRUE((*f)->sync());
    ASSERT_TRUE((*f)->close());
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  fs::path root_;
  FaultInjectionEnv env_{posix_env()};
};

TEST_F(FaultInjectionEnvTest, FaultEnvKeepsSyncedBytesAndDropsTheRest) {
  const fs::path p = root_ / "a";
  auto f = env_.new_writable_file(p);
  ASSERT_TRUE(f);
  ASSERT_TRUE((*f)->append(as_bytes("durable")));
  ASSERT_TRUE((*f)->sync());
  ASSERT_TRUE((*f)->append(as_bytes(" and lost")));
  ASSERT_TRUE((*f)->close());
  ASSERT_TRUE(env_.sync_dir(root_));
  EXPECT_EQ(read(p), "durable and lost");
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_EQ(read(p), "durable");
}

TEST_F(FaultInjectionEnvTest, FaultEnvRemovesFilesWhoseCreationWasNotSynced) {
  write_synced(root_ / "a", "synced data, unsynced name");
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_FALSE(fs::exists(root_ / "a"));
}

TEST_F(FaultInjectionEnvTest, FaultEnvUndoesUnsyncedRenamesAndKeepsSyncedOnes) {
  fs::create_directories(root_ / "from");
  fs::create_directories(root_ / "to");
  write_synced(root_ / "from" / "x", "x");
  write_synced(root_ / "from" / "y", "y");
  ASSERT_TRUE(env_.sync_dir(root_ / "from"));
  ASSERT_TRUE(env_.rename_file(root_ / "from" / "x", root_ / "to" / "x"));
  ASSERT_TRUE(env_.sync_dir(root_ / "to"));
  ASSERT_TRUE(env_.rename_file(root_ / "from" / "y", root_ / "to" / "y"));
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_EQ(read(root_ / "to" / "x"), "x");
  EXPECT_FALSE(fs::exists(root_ / "from" / "x"));
  EXPECT_EQ(read(root_ / "from" / "y"), "y");
  EXPECT_FALSE(fs::exists(root_ / "to" / "y"));
}

TEST_F(FaultInjectionEnvTest, FaultEnvRestoresTheFileARenameReplaced) {
  write_synced(root_ / "target", "old");
  write_synced(root_ / "new", "new");
  ASSERT_TRUE(env_.sync_dir(root_));
  ASSERT_TRUE(env_.rename_file(root_ / "new", root_ / "target"));
  EXPECT_EQ(read(root_ / "target"), "new");
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_EQ(read(root_ / "target"), "old");
  EXPECT_EQ(read(root_ / "new"), "new");
}

TEST_F(FaultInjectionEnvTest, FaultEnvBringsBackUnsyncedRemovals) {
  write_synced(root_ / "kept", "content");
  ASSERT_TRUE(env_.sync_dir(root_));
  ASSERT_TRUE(env_.remove_file(root_ / "kept"));
  EXPECT_FALSE(fs::exists(root_ / "kept"));
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_EQ(read(root_ / "kept"), "content");
}

TEST_F(FaultInjectionEnvTest, FaultEnvLosesANewDirectoryWhoseParentWasNotSynced) {
  ASSERT_TRUE(env_.create_dirs(root_ / "d1" / "d2"));
  write_synced(root_ / "d1" / "d2" / "f", "f");
  ASSERT_TRUE(env_.sync_dir(root_ / "d1" / "d2"));
  ASSERT_TRUE(env_.sync_dir(root_ / "d1"));  // but not root_: d1 itself is not durable
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_FALSE(fs::exists(root_ / "d1"));
}

TEST_F(FaultInjectionEnvTest, FaultEnvUndoesOverwritesAndTruncationsOfExternalFiles) {
  write_synced(root_ / "db", "hello world");
  ASSERT_TRUE(env_.sync_dir(root_));
  auto ext = env_.track_external(root_ / "db", false);
  ASSERT_TRUE(ext);
  ASSERT_TRUE((*ext)->before_write(0, 5));
  {
    std::fstream out(root_ / "db", std::ios::in | std::ios::out | std::ios::binary);
    out.write("HELLO", 5);
  }
  ASSERT_TRUE((*ext)->before_truncate(8));
  fs::resize_file(root_ / "db", 8);
  EXPECT_EQ(read(root_ / "db"), "HELLO wo");
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_EQ(read(root_ / "db"), "hello world");
}

TEST_F(FaultInjectionEnvTest, FaultEnvKeepsExternalWritesOnceSynced) {
  write_synced(root_ / "db", "hello world");
  ASSERT_TRUE(env_.sync_dir(root_));
  auto ext = env_.track_external(root_ / "db", false);
  ASSERT_TRUE(ext);
  ASSERT_TRUE((*ext)->before_write(0, 5));
  {
    std::fstream out(root_ / "db", std::ios::in | std::ios::out | std::ios::binary);
    out.write("HELLO", 5);
  }
  ASSERT_TRUE((*ext)->sync([] { return Status{}; }));
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_EQ(read(root_ / "db"), "HELLO world");
}

TEST_F(FaultInjectionEnvTest, FaultEnvCutsThePowerAfterTheGivenSyncPoints) {
  env_.crash_after_syncs(2);
  auto f = env_.new_writable_file(root_ / "a");
  ASSERT_TRUE(f);
  ASSERT_TRUE((*f)->append(as_bytes("one")));
  ASSERT_TRUE((*f)->sync());
  EXPECT_FALSE(env_.crashed());
  ASSERT_TRUE(env_.sync_dir(root_));
  EXPECT_TRUE(env_.crashed());
  EXPECT_EQ(env_.sync_points(), 2);
  auto s = (*f)->append(as_bytes("two"));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("simulated power cut"), std::string::npos);
  EXPECT_FALSE(env_.rename_file(root_ / "a", root_ / "b"));
  EXPECT_FALSE(env_.new_writable_file(root_ / "c"));
  EXPECT_FALSE(fs::exists(root_ / "c"));
  ASSERT_TRUE((*f)->close());
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_FALSE(env_.crashed());
  EXPECT_EQ(read(root_ / "a"), "one");
}

TEST_F(FaultInjectionEnvTest, FaultEnvInjectedFailureNamesThePathAndCarriesTheCode) {
  env_.fail_next(FaultOp::kSync, ErrorCode::kNoSpace);
  auto f = env_.new_writable_file(root_ / "a");
  ASSERT_TRUE(f);
  ASSERT_TRUE((*f)->append(as_bytes("data")));
  auto s = (*f)->sync();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNoSpace);
  EXPECT_NE(s.error().message.find((root_ / "a").string()), std::string::npos);
  EXPECT_TRUE((*f)->sync()) << "one-shot";
}

TEST_F(FaultInjectionEnvTest, FaultEnvFailingWriteLeavesHalfTheBytes) {
  env_.fail_next(FaultOp::kWrite, ErrorCode::kNoSpace,
                 [](const fs::path& p) { return p.filename() == "b"; });
  write_synced(root_ / "a", "untouched");
  auto f = env_.new_writable_file(root_ / "b");
  ASSERT_TRUE(f);
  auto s = (*f)->append(as_bytes("12345678"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNoSpace);
  ASSERT_TRUE((*f)->close());
  EXPECT_EQ(read(root_ / "b"), "1234");
}

TEST_F(FaultInjectionEnvTest, FaultEnvNoopFsyncMakesNothingDurable) {
  env_.set_fsync_is_noop(true);
  write_synced(root_ / "a", "acknowledged");
  ASSERT_TRUE(env_.sync_dir(root_));
  EXPECT_EQ(env_.sync_points(), 2);
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_FALSE(fs::exists(root_ / "a"));
}

TEST_F(FaultInjectionEnvTest, FaultEnvRemovesVolatileFiles) {
  std::ofstream(root_ / "db-shm") << "wal-index";
  env_.note_volatile_file(root_ / "db-shm");
  ASSERT_TRUE(env_.drop_unsynced());
  EXPECT_FALSE(fs::exists(root_ / "db-shm"));
}

}  // namespace
}  // namespace custos

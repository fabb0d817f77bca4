// FileBlobStore under injected failures and simulated power cuts: a failed fsync is never
// retried and its staged file goes, nothing half-published stays visible, and a published
// object survives a power cut (while with fsync a no-op it does not: the control).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/fault_injection_env.h"
#include "blob/file_blob_store.h"

namespace custos::blob {
namespace {
namespace fs = std::filesystem;

std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

class FaultFileBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custos-blobfault-XXXXXX";
    root_ = mkdtemp(tmpl);
    fs::create_directories(root_ / "blobs");
    fs::create_directories(root_ / "tmp");
    open_store();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }
  void open_store() {
    store_.reset();
    auto store = FileBlobStore::open({root_ / "blobs", root_ / "tmp", 4, env_});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  struct Staged {
    std::unique_ptr<BlobWriter> writer;
    BlobId id;
  };
  Staged stage(const std::string& text) {
    auto w = store_->create();
    EXPECT_TRUE(w) << w.error().message;
    EXPECT_TRUE((*w)->write(bytes_of(text)));
    EXPECT_TRUE((*w)->finish());
    return {std::move(*w), BlobId{sha256_of(bytes_of(text))}};
  }
  Status publish(Staged& s) {
    const Publication pub{s.writer.get(), s.id};
    return store_->publish(std::span(&pub, 1)).at(0);
  }
  std::vector<fs::path> files_under(const fs::path& dir, const std::string& suffix = "") {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(e.path());
      }
    }
    return out;
  }
  std::string read_all(const BlobId& id) {
    auto r = store_->open(id);
    EXPECT_TRUE(r) << r.error().message;
    if (!r) return {};
    std::string out;
    std::vector<std::byte> buf(64);
    for (;;) {
      auto n = (*r)->read(buf);
      EXPECT_TRUE(n);
      if (!n || *n == 0) break;
      out.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    return out;
  }
  bool has(const BlobId& id) {
    auto c = store_->contains(id);
    EXPECT_TRUE(c);
    return c && *c;
  }

  fs::path root_;
  FaultInjectionEnv env_{posix_env()};
  std::unique_ptr<FileBlobStore> store_;
};

TEST_F(FaultFileBlobStoreTest, FailedFsyncIsNotRetriedAndTheStagedFileIsDiscarded) {
  Staged s = stage("bytes whose fsync fails");
  const auto staged = files_under(root_ / "tmp", ".part");
  ASSERT_EQ(staged.size(), 1u);
  env_.fail_next(FaultOp::kSync, ErrorCode::kIoError);
  const Status first = publish(s);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kIoError);
  EXPECT_NE(first.error().message.find(staged[0].string()), std::string::npos)
      << first.error().message;
  EXPECT_FALSE(fs::exists(staged[0])) << "the staged file must go at once";
  EXPECT_EQ(env_.sync_attempts(staged[0]), 1);
  // Publishing the same writer again must not fsync again: the data is gone for good.
  const Status second = publish(s);
  EXPECT_FALSE(second);
  EXPECT_EQ(env_.sync_attempts(staged[0]), 1);
  EXPECT_FALSE(has(s.id));
  EXPECT_TRUE(files_under(root_ / "blobs").empty());
}

TEST_F(FaultFileBlobStoreTest, DiskFullMidWriteDiscardsTheStagedFile) {
  auto w = store_->create();
  ASSERT_TRUE(w);
  const auto staged = files_under(root_ / "tmp", ".part");
  ASSERT_EQ(staged.size(), 1u);
  env_.fail_next(FaultOp::kWrite, ErrorCode::kNoSpace);
  const Status s = (*w)->write(bytes_of(std::string(4096, 'x')));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNoSpace);
  EXPECT_NE(s.error().message.find(staged[0].string()), std::string::npos);
  EXPECT_FALSE(fs::exists(staged[0]));
  EXPECT_FALSE((*w)->write(bytes_of("more")));
}

TEST_F(FaultFileBlobStoreTest, FailedRenameLeavesNothingVisible) {
  Staged s = stage("bytes whose rename fails");
  env_.fail_next(FaultOp::kRename, ErrorCode::kIoError);
  const Status r = publish(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(".part"), std::string::npos) << r.error().message;
  EXPECT_FALSE(has(s.id));
  EXPECT_TRUE(files_under(root_ / "tmp", ".part").empty());
}

TEST_F(FaultFileBlobStoreTest, FailedSyncOfAnyDirectoryOnThePathFailsTheObject) {
  // The leaf, its parent and blobs/ itself: each must be durable before success.
  for (int level = 0; level < 3; ++level) {
    Staged s = stage("object " + std::to_string(level));
    const fs::path leaf = store_->path_of(s.id).parent_path();
    fs::path dir = leaf;
    for (int up = 0; up < level; ++up) dir = dir.parent_path();
    env_.fail_next(FaultOp::kSyncDir, ErrorCode::kIoError,
                   [dir](const fs::path& p) { return p == dir; });
    const Status r = publish(s);
    ASSERT_FALSE(r) << "level " << level;
    EXPECT_NE(r.error().message.find(dir.string()), std::string::npos) << r.error().message;
  }
}

TEST_F(FaultFileBlobStoreTest, PublishedObjectSurvivesAPowerCut) {
  Staged a = stage("acknowledged");
  ASSERT_TRUE(publish(a));
  Staged b = stage("staged, never published");
  env_.crash_after_syncs(0);
  b.writer.reset();
  store_.reset();
  ASSERT_TRUE(env_.drop_unsynced());
  open_store();
  EXPECT_EQ(read_all(a.id), "acknowledged");
  EXPECT_FALSE(has(b.id));
  // Only the lock of the reopened store is left in tmp/.
  EXPECT_EQ(files_under(root_ / "tmp").size(), 1u);
}

TEST_F(FaultFileBlobStoreTest, PowerCutAtEachSyncPointOfAPublishLeavesAllOrNothing) {
  // Sync points of one publish: the file, then the leaf, parent and blobs/ directories.
  for (long k = 0; k <= 4; ++k) {
    const std::string text = "object for k=" + std::to_string(k);
    Staged s = stage(text);
    env_.crash_after_syncs(k);
    const bool acknowledged = static_cast<bool>(publish(s));
    EXPECT_EQ(acknowledged, k >= 4) << "k=" << k;
    s.writer.reset();
    store_.reset();
    ASSERT_TRUE(env_.drop_unsynced());
    open_store();
    if (acknowledged) {
      EXPECT_EQ(read_all(s.id), text) << "k=" << k;
    }
    EXPECT_TRUE(files_under(root_ / "tmp", ".part").empty()) << "k=" << k;
  }
}

TEST_F(FaultFileBlobStoreTest, NegativeControlLosesAPublishedObjectWhenFsyncIsANoop) {
  env_.set_fsync_is_noop(true);
  Staged s = stage("acknowledged but never synced");
  ASSERT_TRUE(publish(s));
  store_.reset();
  ASSERT_TRUE(env_.drop_unsynced());
  open_store();
  EXPECT_FALSE(has(s.id)) << "the power-cut model is blind";
}

}  // namespace
}  // namespace custos::blob

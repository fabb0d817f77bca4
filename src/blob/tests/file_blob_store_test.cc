#include "blob/file_blob_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace custos::blob {
namespace {
namespace fs = std::filesystem;

class FileBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/custos-blob-XXXXXX";
    root_ = mkdtemp(tmpl);
    auto store = FileBlobStore::open({root_ / "blobs", root_ / "tmp"});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }

  BlobId put(const std::string& text) {
    auto w = store_->create();
    EXPECT_TRUE(w);
    const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    EXPECT_TRUE((*w)->write(bytes));
    EXPECT_TRUE((*w)->finish());
    BlobId id{sha256_of(bytes)};
    const Publication pub{w->get(), id};
    const auto results = store_->publish(std::span(&pub, 1));
    EXPECT_TRUE(results.at(0));
    return id;
  }

  std::string read_all(const BlobId& id) {
    auto r = store_->open(id);
    EXPECT_TRUE(r) << r.error().message;
    std::string out;
    std::vector<std::byte> buf(7);
    for (;;) {
      auto n = (*r)->read(buf);
      EXPECT_TRUE(n);
      if (*n == 0) break;
      out.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    return out;
  }

  long files_under(const fs::path& dir) {
    long n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
    return n;
  }

  fs::path root_;
  std::unique_ptr<FileBlobStore> store_;
};

TEST_F(FileBlobStoreTest, PublishedObjectReadsBackBitExact) {
  const BlobId id = put("the original bytes");
  EXPECT_EQ(read_all(id), "the original bytes");
  auto has = store_->contains(id);
  ASSERT_TRUE(has);
  EXPECT_TRUE(*has);
  const std::string hex = id.hex();
  EXPECT_TRUE(fs::exists(root_ / "blobs" / hex.substr(0, 2) / hex.substr(2, 2) / hex));
}

TEST_F(FileBlobStoreTest, UnpublishedWriterLeavesNothing) {
  {
    auto w = store_->create();
    ASSERT_TRUE(w);
    const std::string text = "abandoned";
    ASSERT_TRUE((*w)->write(std::as_bytes(std::span(text.data(), text.size()))));
  }
  EXPECT_EQ(files_under(root_ / "blobs"), 0);
  // Only the staging lock file of this store remains in tmp/.
  EXPECT_EQ(files_under(root_ / "tmp"), 1);
}

TEST_F(FileBlobStoreTest, PublishingAnExistingIdSucceeds) {
  const BlobId a = put("same");
  const BlobId b = put("same");
  EXPECT_EQ(a, b);
  EXPECT_EQ(read_all(a), "same");
  EXPECT_EQ(files_under(root_ / "blobs"), 1);
}

TEST_F(FileBlobStoreTest, GroupCommitPublishesEveryWriter) {
  std::vector<std::unique_ptr<BlobWriter>> writers;
  std::vector<Publication> pubs;
  for (int i = 0; i < 50; ++i) {
    const std::string text = "object " + std::to_string(i);
    auto w = store_->create();
    ASSERT_TRUE(w);
    const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    ASSERT_TRUE((*w)->write(bytes));
    ASSERT_TRUE((*w)->finish());
    pubs.push_back({w->get(), BlobId{sha256_of(bytes)}});
    writers.push_back(std::move(*w));
  }
  const auto results = store_->publish(pubs);
  for (const auto& r : results) EXPECT_TRUE(r);
  long listed = 0;
  ASSERT_TRUE(store_->for_each([&](const BlobId&, std::uint64_t) -> Status {
    ++listed;
    return {};
  }));
  EXPECT_EQ(listed, 50);
  EXPECT_EQ(read_all(pubs[17].id), "object 17");
}

TEST_F(FileBlobStoreTest, OpenOfMissingObjectIsNotFound) {
  BlobId id{sha256_of(std::as_bytes(std::span("x", 1)))};
  auto r = store_->open(id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST_F(FileBlobStoreTest, StaleStagingOfADeadProcessIsRemovedAtOpen) {
  const fs::path stale = root_ / "tmp" / "stage-deadbeef";
  fs::create_directories(stale);
  std::ofstream(stale / "lock").put('x');
  std::ofstream(stale / "half.part") << "partial health data";
  auto other = FileBlobStore::open({root_ / "blobs", root_ / "tmp"});
  ASSERT_TRUE(other);
  EXPECT_FALSE(fs::exists(stale));
}

TEST_F(FileBlobStoreTest, LiveStagingOfAnotherStoreIsKept) {
  auto w = store_->create();
  ASSERT_TRUE(w);
  auto other = FileBlobStore::open({root_ / "blobs", root_ / "tmp"});
  ASSERT_TRUE(other);
  const std::string text = "still being written";
  ASSERT_TRUE((*w)->write(std::as_bytes(std::span(text.data(), text.size()))));
  BlobId id{sha256_of(std::as_bytes(std::span(text.data(), text.size())))};
  const Publication pub{w->get(), id};
  EXPECT_TRUE(store_->publish(std::span(&pub, 1)).at(0));
  EXPECT_EQ(read_all(id), text);
}

TEST_F(FileBlobStoreTest, RemoveDeletesTheObject) {
  const BlobId id = put("to be removed");
  ASSERT_TRUE(store_->remove(id));
  auto has = store_->contains(id);
  ASSERT_TRUE(has);
  EXPECT_FALSE(*has);
}

}  // namespace
}  // namespace custos::blob

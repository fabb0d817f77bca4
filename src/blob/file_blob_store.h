// BlobStore on a local file system: blobs/ab/cd/<sha256 hex>, staged in tmp/ on the same
// file system so that publishing is a rename. All I/O goes through an Env, so the fault
// tests run this very code against injected failures and simulated power cuts.
#pragma once

#include <filesystem>
#include <memory>

#include "base/env.h"
#include "blob/blob_store.h"

namespace custos::blob {

struct FileBlobStoreOptions {
  std::filesystem::path blobs_dir;  // created if missing
  std::filesystem::path tmp_dir;    // created if missing; emptied of stale staging at open
  unsigned sync_threads = 8;        // parallel fsyncs per group commit (the journal merges them)
  Env& env = posix_env();           // all file I/O; not owned, must outlive the store
};

// Thread-safe. publish() makes an object durable in this order: fsync of the staged file,
// rename into blobs/ab/cd/, fsync of cd/, ab/ and blobs/ (always the whole chain: another
// writer may have created the fan-out directory without having synced it yet). A staged
// file whose write or fsync failed is deleted at once and its writer refuses further use:
// an fsync is never retried.
class FileBlobStore final : public BlobStore {
 public:
  [[nodiscard]] static Result<std::unique_ptr<FileBlobStore>> open(const FileBlobStoreOptions&);

  Result<std::unique_ptr<BlobWriter>> create() override;
  std::vector<Status> publish(std::span<const Publication> batch) override;
  Result<std::unique_ptr<BlobReader>> open(const BlobId& id) override;
  Result<bool> contains(const BlobId& id) override;
  Status remove(const BlobId& id) override;
  Status for_each(const std::function<Status(const BlobId&, std::uint64_t)>& fn) override;

  ~FileBlobStore() override;

  [[nodiscard]] std::filesystem::path path_of(const BlobId& id) const;

 private:
  FileBlobStore(FileBlobStoreOptions options, std::filesystem::path staging_dir,
                std::unique_ptr<FileLock> staging_lock)
      : options_(std::move(options)),
        env_(options_.env),
        staging_dir_(std::move(staging_dir)),
        staging_lock_(std::move(staging_lock)) {}
  FileBlobStoreOptions options_;
  Env& env_;
  // This store's staging directory, tmp/stage-<random>/, and the flock'ed "lock" file in it
  // that tells other processes it is live; stale ones (crash leftovers) are removed at open.
  std::filesystem::path staging_dir_;
  std::unique_ptr<FileLock> staging_lock_;
};

}  // namespace custos::blob

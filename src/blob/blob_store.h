// Content-addressed, write-once object storage for the original bytes of every instance.
// Why an interface: the default stores files on the local disk; encryption, S3 and fault
// injection slot in as other implementations or decorators without the vault changing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/sha256.h"

namespace custos::blob {

// The identity of an object: the SHA-256 of its original (plaintext) bytes.
struct BlobId {
  Digest digest{};
  [[nodiscard]] std::string hex() const { return to_hex(digest); }
  friend bool operator==(const BlobId&, const BlobId&) = default;
};

// A staged object being written. Destroying it without publishing discards it.
// Not thread-safe; one writer per stream.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  [[nodiscard]] virtual Status write(std::span<const std::byte> bytes) = 0;
  // Called after the last write: the store may start writing back early.
  [[nodiscard]] virtual Status finish() = 0;
  // finish() when the id is already known (the caller hashed the bytes as they went): a
  // store that binds the id into the object (encryption) can complete it now, so its
  // write-back starts before the group commit rather than at publish.
  [[nodiscard]] virtual Status finish_as(const BlobId& id) {
    (void)id;
    return finish();
  }
};

// A stored object opened for reading, forward only. Not thread-safe.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to buf.size() bytes; 0 at the end.
  [[nodiscard]] virtual Result<std::size_t> read(std::span<std::byte> buf) = 0;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
};

// One staged writer and the id it is published under.
struct Publication {
  BlobWriter* writer = nullptr;  // not owned
  BlobId id;
};

// Thread-safe: every method may be called from any thread.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  [[nodiscard]] virtual Result<std::unique_ptr<BlobWriter>> create() = 0;

  // Group commit: makes every finished writer durable and visible under its id (data
  // synced, moved into place, directory entries synced) before returning. Returns one
  // Status per publication, in order; a failed one leaves nothing visible for it. An id
  // that already exists is success (same id, same bytes); its staged copy is dropped.
  // A sync error is never retried (the kernel may have dropped the pages).
  [[nodiscard]] virtual std::vector<Status> publish(std::span<const Publication> batch) = 0;

  // Errors: kNotFound when absent.
  [[nodiscard]] virtual Result<std::unique_ptr<BlobReader>> open(const BlobId& id) = 0;
  [[nodiscard]] virtual Result<bool> contains(const BlobId& id) = 0;
  [[nodiscard]] virtual Status remove(const BlobId& id) = 0;
  // Calls fn for every stored object with its stored size, in no particular order.
  [[nodiscard]] virtual Status for_each(
      const std::function<Status(const BlobId&, std::uint64_t)>& fn) = 0;
};

}  // namespace custos::blob

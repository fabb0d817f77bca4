// The append-only, hash-chained audit log of one vault (VAULT/audit/), written only by the
// vault service. An entry is durable (written and fsynced) when append returns, so the
// operation it records can be acknowledged after it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/entry.h"
#include "audit/query.h"
#include "audit/sealer.h"
#include "audit/verify.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/posix_file.h"

namespace custos::audit {

struct AuditLogOptions {
  std::filesystem::path dir;                       // VAULT/audit
  const Clock* clock = nullptr;                    // required; must outlive the log
  std::shared_ptr<const EntrySealer> sealer;       // required; PlainSealer or AeadSealer
  std::shared_ptr<const CheckpointSigner> signer;  // optional; no checkpoints without it
  std::uint64_t checkpoint_every = 1000;           // entries between automatic checkpoints; 0: none
  std::uint64_t segment_bytes = 64ull << 20;       // a new log-NNNNNN.jsonl past this size
  bool create_if_missing = true;
};

// Thread-safe: appends from many threads are serialised; each one is durable on return.
// One writer per vault: open() takes an exclusive lock (audit/lock) held until destruction.
class AuditLog {
 public:
  // Opens or creates the log, resumes after its last entry, and cuts off a torn last line
  // (an append interrupted by a crash, never acknowledged). Errors: kInvalidArgument (no
  // clock or sealer; a sealer of another scheme than the log's), kConflict (another process
  // is writing), kNotFound (no log and !create_if_missing), kUnauthenticated (the last
  // entry cannot be decrypted: wrong key), kCorruption (the last entry is damaged; run
  // verify), kIoError.
  [[nodiscard]] static Result<std::unique_ptr<AuditLog>> open(AuditLogOptions options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Assigns seq, time, prev and hash, writes the line and fsyncs it. Time is the clock's,
  // but never earlier than the previous entry's. Errors: kInvalidArgument (bad action),
  // kIoError/kNoSpace (nothing of this entry is in the log; the log stays usable unless the
  // fsync failed, after which every append fails until the log is reopened).
  [[nodiscard]] Result<EntryId> append(const Entry& entry);
  // As append, for several entries with one write and one fsync; all or none.
  [[nodiscard]] Result<std::vector<EntryId>> append_batch(std::span<const Entry> entries);

  // The last entry (seq 0 and the chain id for an empty log). Store it in the index in
  // the same transaction as the change the entry records.
  [[nodiscard]] Head head() const;
  [[nodiscard]] const Digest& chain_id() const { return chain_id_; }
  // Bytes of a torn last line removed by open(); the vault may record that it happened.
  [[nodiscard]] std::uint64_t torn_bytes_discarded() const { return torn_bytes_; }

  // Signs the current head, appends it to audit/checkpoints.jsonl (fsynced) and returns it
  // (checkpoint_json() gives the document to export). Errors: kUnsupported without a
  // signer; kIoError.
  [[nodiscard]] Result<Checkpoint> checkpoint();

  // Reading and verification, as list_entries() and verify_log() on this log's directory.
  [[nodiscard]] Result<std::vector<Entry>> list(const ListFilter& filter) const;
  [[nodiscard]] Result<VerifyResult> verify(const VerifyOptions& options) const;

 private:
  explicit AuditLog(AuditLogOptions options) : options_(std::move(options)) {}
  [[nodiscard]] Status resume();
  [[nodiscard]] Status open_segment(std::uint64_t number, bool create);
  [[nodiscard]] Result<Checkpoint> checkpoint_locked();

  const AuditLogOptions options_;
  UniqueFd lock_;
  Digest chain_id_{};
  std::uint64_t torn_bytes_ = 0;

  mutable std::mutex mu_;  // guards everything below
  Head head_;
  std::string last_time_;
  std::uint64_t segment_number_ = 0;  // 0: no segment yet
  UniqueFd segment_;                  // O_APPEND
  std::uint64_t segment_size_ = 0;
  std::uint64_t last_checkpoint_seq_ = 0;
  bool failed_ = false;  // an fsync failed: what is on disk is unknown
};

}  // namespace custos::audit

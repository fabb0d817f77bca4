// Reads the instances of a multi-instance WADO-RS answer ahead of the response, on a thread
// of its own: the next instance is read, decrypted and SHA-256-checked while the previous one
// is being encrypted for TLS and sent. Why: the two halves each cost about as much as the
// other, and one after the other they left a CPU idle (ADR 0011, issue 5's series target).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "base/error.h"
#include "index/records.h"
#include "vault/vault.h"

namespace custos::api {

// One instance, whole and checked; or, for an instance larger than the read-ahead budget,
// nothing read (`streamed`): the caller reads it itself, in bounded memory.
struct AheadInstance {
  std::unique_ptr<std::byte[]> storage;
  std::span<const std::byte> bytes;
  bool streamed = false;
};

// Thread safety: next() from one thread (the handler's); the reading thread is internal.
// Memory: the instances read and not yet taken, plus the one being read, stay within
// `budget_bytes`; an instance larger than that is never read ahead (`streamed`).
class ReadAhead {
 public:
  // Starts reading `rows` in order as `caller`. `budget_bytes` bounds the instances held.
  ReadAhead(vault::Vault& vault, vault::Caller caller, std::vector<index::InstanceRow> rows,
            std::size_t budget_bytes);
  // Stops the reading thread and waits for it (a read in progress finishes first).
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The next instance, in the order of the rows, once read: its bytes, `streamed`, or the
  // read's error (kCorruption for a damaged instance; nothing is read after an error).
  [[nodiscard]] Result<AheadInstance> next();

 private:
  void run(const std::stop_token& stop);

  vault::Vault& vault_;
  const vault::Caller caller_;
  const std::vector<index::InstanceRow> rows_;
  const std::size_t budget_;

  std::mutex mu_;
  std::condition_variable_any changed_;
  std::deque<Result<AheadInstance>> ready_;  // read, not yet taken
  std::size_t held_bytes_ = 0;               // bytes in ready_
  std::jthread reader_;                      // last: started when the rest is ready
};

}  // namespace custos::api

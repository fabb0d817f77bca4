// Decodes one frame's stored bytes into pixels, whatever the transfer syntax. Native and
// RLE frames are decoded in process (bounded arithmetic, fuzzed); JPEG, JPEG-LS and
// JPEG 2000 go to third-party C decoders that may crash on hostile bytes (SECURITY.md), so
// they run in a pool of resource-limited worker processes (DecodePool).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/error.h"
#include "render/pixels.h"

namespace custos::render {

class DecodePool;

struct DecoderOptions {
  int workers = 0;                                   // 0: one per hardware thread
  std::uint64_t memory_limit_bytes = 768ull << 20;   // RLIMIT_AS of each worker
  unsigned cpu_seconds_limit = 600;                  // RLIMIT_CPU of each worker (cumulative)
  std::chrono::milliseconds timeout{10000};          // per frame, then the worker is killed
  std::chrono::milliseconds wait_for_worker{10000};  // longest wait for a free worker
};

// One frame's bytes: the fragments of an encapsulated frame in order, or the native bytes
// (one span, or several that are concatenated).
using Fragments = std::span<const std::span<const std::byte>>;

// True when `uid` is a transfer syntax decode() handles.
[[nodiscard]] bool supported_transfer_syntax(std::string_view uid);

// Thread-safe: decode() may be called from many threads; compressed frames wait for a free
// worker (at most wait_for_worker). Create it before the process starts threads: the
// workers are forked from the caller (replacements later are forked too, see ADR 0009).
class Decoder {
 public:
  // Starts the worker pool. kInternal when no worker process can be started.
  [[nodiscard]] static Result<std::unique_ptr<Decoder>> open(const DecoderOptions& options = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Errors: kUnsupported naming the transfer syntax UID (or the unsupported pixel layout);
  // kCorruption when the bytes do not decode to the described image ("could not decode ..."
  // when a decoder failed, or its worker crashed or timed out); kInternal "all image
  // decoders are busy" after wait_for_worker.
  [[nodiscard]] Result<Decoded> decode(const PixelDescription& d, Fragments fragments);

  // Worker processes started so far (replacements included), for tests and figures.
  [[nodiscard]] int workers_started() const;
  // Pids of the live workers (tests kill them to prove replacement).
  [[nodiscard]] std::vector<int> worker_pids() const;

 private:
  explicit Decoder(std::unique_ptr<DecodePool> pool);
  std::unique_ptr<DecodePool> pool_;
};

// In-process decode for native and RLE syntaxes only (no pool): what the fuzzer drives.
[[nodiscard]] Result<Decoded> decode_in_process(const PixelDescription& d, Fragments fragments);

}  // namespace custos::render
